//! The audit log: who changed what, when, in which organization.

use crate::entities::audit_log;
use crate::error::AppError;
use crate::models::AuditEntry;
use crate::services::{display_time, now, tokens::new_id};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
    Set,
};

/// The user who made a change.
#[derive(Debug, Clone)]
pub struct Actor {
    pub user_id: String,
    pub email: String,
}

/// Records one change; call it on the transaction that makes the change.
pub async fn record(
    conn: &impl ConnectionTrait,
    organization_id: Option<&str>,
    actor: Option<&Actor>,
    action: &str,
    target: &str,
    detail: &str,
) -> Result<(), DbErr> {
    audit_log::ActiveModel {
        id: Set(new_id()),
        organization_id: Set(organization_id.map(str::to_owned)),
        actor_user_id: Set(actor.map(|a| a.user_id.clone())),
        actor_email: Set(actor.map(|a| a.email.clone())),
        action: Set(action.to_owned()),
        target: Set(target.to_owned()),
        detail: Set(detail.to_owned()),
        created_at: Set(now()),
    }
    .insert(conn)
    .await
    .map(|_| ())
}

/// The newest entries of one organization.
pub async fn list(conn: &impl ConnectionTrait, organization_id: &str) -> Result<Vec<AuditEntry>, AppError> {
    let rows = audit_log::Entity::find()
        .filter(audit_log::Column::OrganizationId.eq(organization_id))
        .order_by_desc(audit_log::Column::CreatedAt)
        .limit(500)
        .all(conn)
        .await?;
    Ok(rows
        .into_iter()
        .map(|row| AuditEntry {
            at: display_time(row.created_at),
            actor: row.actor_email,
            action: row.action,
            target: row.target,
            detail: row.detail,
        })
        .collect())
}
