use sea_orm::entity::prelude::*;

/// An access or refresh token, by hash. Everything a service call needs to know about its caller is on
/// this row, so checking a token is one primary-key lookup.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "oauth_token")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub token_hash: String,
    pub organization_id: String,
    pub registration_id: String,
    pub security_profile_id: String,
    /// `access` or `refresh`.
    pub kind: String,
    pub expires_at: Option<DateTimeUtc>,
    pub revoked_at: Option<DateTimeUtc>,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
