//! Secrets shown once: a server function that issues one keeps it here for its session, and the page it
//! redirects to takes it, so that it never travels in a URL and a reload shows it no more. They live
//! beside the session, not in its data: a session is saved whole, and a request saving a copy it read
//! earlier (the daily renewal in another tab) would otherwise drop a secret stored meanwhile or bring
//! back one already taken.

use crate::entities::shown_once;
use crate::error::AppError;
use sea_orm::sea_query::{OnConflict, Query};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, Set, SqlErr};
use serde::de::DeserializeOwned;
use serde::Serialize;

/// One kind of secret shown once, and the session key under which the previous release kept it (read
/// during a rolling upgrade only).
#[derive(Clone, Copy, Debug)]
pub struct Kind {
    pub name: &'static str,
    pub previous_release_key: &'static str,
}

/// A new security profile's secret, or a rolled one.
pub const SECURITY_PROFILE_SECRET: Kind =
    Kind { name: "security_profile_secret", previous_release_key: "fresh_secret" };
/// A notification endpoint's new signing secret.
pub const SIGNING_SECRET: Kind =
    Kind { name: "signing_secret", previous_release_key: "fresh_signing_secret" };

/// Keeps `value` for the session with row key `session_key` until taken, replacing one of the same kind
/// not yet shown.
pub async fn keep(
    conn: &impl ConnectionTrait,
    session_key: &str,
    kind: Kind,
    value: &impl Serialize,
) -> Result<(), AppError> {
    insert(conn, session_key, kind, value, OnExisting::Replace).await
}

/// Puts back a secret taken but not shown, unless a newer one of its kind was issued meanwhile.
pub async fn put_back(
    conn: &impl ConnectionTrait,
    session_key: &str,
    kind: Kind,
    value: &impl Serialize,
) -> Result<(), AppError> {
    insert(conn, session_key, kind, value, OnExisting::Keep).await
}

/// What an insert does when the session already has a secret of its kind waiting.
enum OnExisting {
    Replace,
    Keep,
}

async fn insert(
    conn: &impl ConnectionTrait,
    session_key: &str,
    kind: Kind,
    value: &impl Serialize,
    on_existing: OnExisting,
) -> Result<(), AppError> {
    let data = serde_json::to_string(value).map_err(|error| {
        tracing::error!(%error, "a secret to show once did not serialize");
        AppError::Internal
    })?;
    let row = shown_once::ActiveModel {
        session_id: Set(session_key.to_owned()),
        kind: Set(kind.name.to_owned()),
        data: Set(data),
    };
    let mut on_conflict = OnConflict::columns([shown_once::Column::SessionId, shown_once::Column::Kind]);
    match on_existing {
        OnExisting::Replace => on_conflict.update_column(shown_once::Column::Data),
        OnExisting::Keep => on_conflict.do_nothing(),
    };
    match shown_once::Entity::insert(row).on_conflict(on_conflict).exec_without_returning(conn).await {
        Ok(_) => Ok(()),
        // The session ended (signed out elsewhere) while the secret was being issued.
        Err(error) if matches!(error.sql_err(), Some(SqlErr::ForeignKeyConstraintViolation(_))) => {
            Err(AppError::Unauthenticated)
        }
        Err(error) => Err(error.into()),
    }
}

/// Takes the session's secret of `kind`, if one waits: of two requests taking it at once, one gets it.
pub async fn take<T: DeserializeOwned>(
    conn: &impl ConnectionTrait,
    session_key: &str,
    kind: Kind,
) -> Result<Option<T>, AppError> {
    let delete = Query::delete()
        .from_table(shown_once::Entity)
        .and_where(shown_once::Column::SessionId.eq(session_key))
        .and_where(shown_once::Column::Kind.eq(kind.name))
        .returning_col(shown_once::Column::Data)
        .to_owned();
    let Some(row) = conn.query_one(&delete).await? else {
        return Ok(None);
    };
    let data: String = row.try_get("", "data")?;
    serde_json::from_str(&data).map(Some).map_err(|error| {
        tracing::error!(%error, kind = kind.name, "a secret to show once did not deserialize");
        AppError::Internal
    })
}
