use sea_orm::entity::prelude::*;

/// A maker's request to certify a device in a marketplace, with the checklist as it stood.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "certification_request")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub organization_id: String,
    pub device_id: String,
    pub marketplace_code: String,
    /// `submitted`, `certified` or `failed`.
    pub state: String,
    /// The checklist's cases at submission, as JSON.
    #[sea_orm(column_type = "Text")]
    pub evidence: String,
    pub submitted_by: String,
    pub submitted_at: DateTimeUtc,
    pub decided_by: Option<String>,
    pub decided_at: Option<DateTimeUtc>,
    #[sea_orm(column_type = "Text")]
    pub note: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
