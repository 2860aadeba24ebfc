use sea_orm::entity::prelude::*;

/// One slot of a registration: the product the customer chose (none = notify me only) and the last status
/// the device reported.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "registration_slot")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub organization_id: String,
    pub registration_id: String,
    pub slot_key: String,
    pub slot_id: String,
    pub asin: Option<String>,
    pub expected_replenishment_at: Option<DateTimeUtc>,
    pub remaining_quantity: Option<f64>,
    pub original_quantity: Option<f64>,
    pub total_quantity_on_hand: Option<f64>,
    pub last_use_at: Option<DateTimeUtc>,
    pub status_reported_at: Option<DateTimeUtc>,
    /// The tracked level from sensor readings (and shipments), in the approved measurement.
    pub level: Option<f64>,
    /// Consecutive readings at or below the threshold.
    pub low_streak: i32,
    /// Whether the low-supply email went out for the current low spell.
    pub low_notified: bool,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
