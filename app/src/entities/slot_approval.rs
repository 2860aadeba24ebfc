use sea_orm::entity::prelude::*;

/// What approval fixed for a slot: its sensor, measurement and ASIN list. Changing them takes a new request.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "slot_approval")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub slot_key: String,
    pub organization_id: String,
    pub request_id: String,
    pub sensor_type: String,
    pub measurement: String,
    pub unit: String,
    pub unit_size: String,
    #[sea_orm(column_type = "Text")]
    pub asins: String,
    pub approved_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
