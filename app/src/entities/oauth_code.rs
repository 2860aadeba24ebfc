use sea_orm::entity::prelude::*;

/// An authorization code, by hash: single use, short-lived, bound to the redirect URI it was issued for.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "oauth_code")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub code_hash: String,
    pub organization_id: String,
    pub registration_id: String,
    pub security_profile_id: String,
    #[sea_orm(column_type = "Text")]
    pub redirect_uri: String,
    pub expires_at: DateTimeUtc,
    pub used_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
