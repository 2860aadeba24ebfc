use sea_orm::entity::prelude::*;

/// One runtime API call of a registration, as the device's logs show it.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "api_request")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub organization_id: String,
    pub device_id: String,
    pub registration_id: String,
    pub marketplace_code: String,
    pub is_test: bool,
    /// The route as the contract names it, such as `POST /replenish/{slotId}`.
    pub call: String,
    pub method: String,
    pub path: String,
    pub status: i32,
    pub latency_micros: i64,
    pub request_excerpt: String,
    pub response_excerpt: String,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
