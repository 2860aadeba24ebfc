use sea_orm::entity::prelude::*;

/// A customer's device (model and serial) linked through one security profile.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "registration")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub organization_id: String,
    pub device_id: String,
    pub security_profile_id: String,
    pub customer_id: String,
    pub serial: String,
    pub marketplace_code: String,
    pub is_test: bool,
    pub last_active_at: Option<DateTimeUtc>,
    pub created_at: DateTimeUtc,
    pub deregistered_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
