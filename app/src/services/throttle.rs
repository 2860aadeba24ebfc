//! Limits on requests that email an address the requester typed: per client address and per recipient.

use crate::entities::mail_throttle;
use crate::error::AppError;
use crate::services::{minutes_until, now, tokens::new_id};
use chrono::Duration;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, Set,
};

pub const WINDOW: Duration = Duration::hours(1);
/// Mail-sending requests per client address per hour.
pub const PER_CLIENT: u64 = 20;
/// Mails per recipient per hour.
pub const PER_RECIPIENT: u64 = 5;

/// Records the request and refuses it when either count is over its limit. The record comes first, so
/// parallel requests count against each other; every request costs the same writes, whether or not the
/// address has an account.
pub async fn allow_mail(conn: &impl ConnectionTrait, client: &str, recipient: &str) -> Result<(), AppError> {
    let at = now();
    let keys = [(format!("ip:{client}"), PER_CLIENT), (format!("to:{recipient}"), PER_RECIPIENT)];
    for (key, _) in &keys {
        mail_throttle::ActiveModel { id: Set(new_id()), key: Set(key.clone()), created_at: Set(at) }
            .insert(conn)
            .await?;
    }
    for (key, limit) in keys {
        let recent = mail_throttle::Entity::find()
            .filter(mail_throttle::Column::Key.eq(key))
            .filter(mail_throttle::Column::CreatedAt.gt(at - WINDOW));
        if recent.clone().count(conn).await? > limit {
            let oldest = recent.order_by_asc(mail_throttle::Column::CreatedAt).one(conn).await?;
            let retry_at = oldest.map(|row| row.created_at + WINDOW).unwrap_or(at);
            return Err(AppError::RateLimited { retry_after_minutes: minutes_until(retry_at) });
        }
    }
    Ok(())
}

/// Forgets requests older than the window; the session worker calls this.
pub async fn forget_old(conn: &impl ConnectionTrait) -> Result<(), AppError> {
    mail_throttle::Entity::delete_many()
        .filter(mail_throttle::Column::CreatedAt.lt(now() - WINDOW))
        .exec(conn)
        .await?;
    Ok(())
}
