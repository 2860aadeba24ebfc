use sea_orm::entity::prelude::*;

/// What a request asks for one slot, as typed and normalized (a draft may leave fields empty).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "request_slot")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub organization_id: String,
    pub request_id: String,
    pub slot_key: String,
    pub sensor_type: String,
    pub measurement: String,
    pub unit: String,
    pub unit_size: String,
    #[sea_orm(column_type = "Text")]
    pub description: String,
    /// ASINs separated by ", ".
    #[sea_orm(column_type = "Text")]
    pub asins: String,
    #[sea_orm(column_type = "Text")]
    pub detail: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
