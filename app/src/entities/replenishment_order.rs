use sea_orm::entity::prelude::*;

/// An order for one slot of a registration. `id` is the `eventInstanceId` devices see.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "replenishment_order")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub organization_id: String,
    pub registration_id: String,
    pub registration_slot_id: String,
    pub slot_id: String,
    pub asin: String,
    pub quantity: i32,
    pub is_test: bool,
    /// `Pending`, `Placed`, `Shipped`, `Delivered` or `Cancelled`.
    pub status: String,
    pub hold_until: DateTimeUtc,
    pub expected_delivery_at: DateTimeUtc,
    pub placed_at: Option<DateTimeUtc>,
    pub shipped_at: Option<DateTimeUtc>,
    pub delivered_at: Option<DateTimeUtc>,
    pub cancelled_at: Option<DateTimeUtc>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    /// Hash of the token in the order email's cancel link.
    pub cancel_token_hash: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
