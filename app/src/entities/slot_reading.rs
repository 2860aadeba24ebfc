use sea_orm::entity::prelude::*;

/// One inventory-sensor reading of a registered slot: a level, a usage or a replacement.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "slot_reading")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub organization_id: String,
    pub registration_slot_id: String,
    /// `level`, `usage` or `replacement`.
    pub kind: String,
    pub value: f64,
    pub unit: String,
    pub sampled_at: DateTimeUtc,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
