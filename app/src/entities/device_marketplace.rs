use sea_orm::entity::prelude::*;

/// A marketplace enabled on a device, with the device's friendly name there.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "device_marketplace")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub organization_id: String,
    pub device_id: String,
    pub marketplace_code: String,
    pub is_primary: bool,
    pub friendly_name: Option<String>,
    pub certification_state: String,
    /// When a reviewer first certified the marketplace: live use is on from then.
    pub certified_at: Option<DateTimeUtc>,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
