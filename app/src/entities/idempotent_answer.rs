use sea_orm::entity::prelude::*;

/// The first answer to a replenish call that carried an `Idempotency-Key`, returned again for repeats.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "idempotent_answer")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub registration_id: String,
    #[sea_orm(primary_key, auto_increment = false)]
    pub idempotency_key: String,
    pub organization_id: String,
    #[sea_orm(column_type = "Text")]
    pub body: String,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
