use sea_orm::entity::prelude::*;

/// One consumable slot of a device. `id` is the internal key; `slot_id` is the maker's identifier.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "slot")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub organization_id: String,
    pub device_id: String,
    pub slot_id: String,
    pub category_code: String,
    pub position: i32,
    pub replenishment_id: Option<String>,
    pub created_at: DateTimeUtc,
    /// The low-supply threshold in the slot's approved measurement; `None` is the default (20 % or 1 unit).
    pub low_threshold: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
