use sea_orm::entity::prelude::*;

/// A customer account allowed to use a device in the sandbox (from an approved request, or added by an owner).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "device_test_account")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub organization_id: String,
    pub device_id: String,
    pub email: String,
    pub source: String,
    pub created_at: DateTimeUtc,
    /// When the customer with this address accepted the invitation on `/my`; until then the portal's
    /// simulator does not link test devices for them.
    pub accepted_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
