use sea_orm::entity::prelude::*;

/// An OAuth client of an organization. Secrets are stored as hashes; a rolled secret keeps working until
/// `previous_secret_expires_at`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "security_profile")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub organization_id: String,
    pub name: String,
    pub client_id: String,
    pub secret_hash: String,
    pub previous_secret_hash: Option<String>,
    pub previous_secret_expires_at: Option<DateTimeUtc>,
    /// Allowed return URLs, one per line, matched exactly.
    #[sea_orm(column_type = "Text")]
    pub return_urls: String,
    pub revoked_at: Option<DateTimeUtc>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
