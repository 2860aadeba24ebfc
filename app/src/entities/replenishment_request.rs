use sea_orm::entity::prelude::*;

/// A maker's request for replenishment IDs for every slot of one device, and where it stands.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "replenishment_request")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub organization_id: String,
    pub device_id: String,
    pub state: String,
    /// Started while the device already had issued IDs.
    pub is_change: bool,
    pub customer_id: String,
    /// Normalized emails, one per line.
    #[sea_orm(column_type = "Text")]
    pub test_accounts: String,
    pub created_by_email: String,
    pub claimed_by_user_id: Option<String>,
    pub claimed_by_email: Option<String>,
    pub submitted_at: Option<DateTimeUtc>,
    pub due_at: Option<DateTimeUtc>,
    pub decided_at: Option<DateTimeUtc>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
