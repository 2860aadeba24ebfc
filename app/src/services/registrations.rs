//! Registrations: a customer's device linked to a maker's security profile. Ending one revokes every
//! token and code it was given.

use crate::entities::{oauth_code, oauth_token, registration};
use crate::error::AppError;
use crate::services::events;
use chrono::{DateTime, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};

/// Ends a live registration; answers false when it had already ended (another call got there first).
pub async fn deregister(
    conn: &impl ConnectionTrait,
    registration_id: &str,
    at: DateTime<Utc>,
) -> Result<bool, AppError> {
    let ended = registration::Entity::update_many()
        .col_expr(registration::Column::DeregisteredAt, Expr::value(at))
        .filter(registration::Column::Id.eq(registration_id))
        .filter(registration::Column::DeregisteredAt.is_null())
        .exec(conn)
        .await?
        .rows_affected
        == 1;
    oauth_token::Entity::update_many()
        .col_expr(oauth_token::Column::RevokedAt, Expr::value(at))
        .filter(oauth_token::Column::RegistrationId.eq(registration_id))
        .filter(oauth_token::Column::RevokedAt.is_null())
        .exec(conn)
        .await?;
    oauth_code::Entity::update_many()
        .col_expr(oauth_code::Column::UsedAt, Expr::value(at))
        .filter(oauth_code::Column::RegistrationId.eq(registration_id))
        .filter(oauth_code::Column::UsedAt.is_null())
        .exec(conn)
        .await?;
    Ok(ended)
}

/// Ends a live registration and tells the maker (`DeviceDeregisteredNotification`); does nothing when it
/// had already ended.
pub async fn deregister_and_notify(
    conn: &impl ConnectionTrait,
    registration_id: &str,
    at: DateTime<Utc>,
) -> Result<(), AppError> {
    if deregister(conn, registration_id, at).await? {
        let context = events::registration_context(conn, registration_id).await?;
        events::notify(conn, &context, "DeviceDeregisteredNotification", None).await?;
    }
    Ok(())
}

/// The live registration with this ID.
pub async fn live(
    conn: &impl ConnectionTrait,
    registration_id: &str,
) -> Result<registration::Model, AppError> {
    registration::Entity::find_by_id(registration_id)
        .filter(registration::Column::DeregisteredAt.is_null())
        .one(conn)
        .await?
        .ok_or(AppError::NotFound)
}
