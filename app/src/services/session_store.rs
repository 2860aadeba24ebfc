//! tower-sessions store in the application's own database, so sessions survive restarts and are shared
//! by every server instance. Rows are keyed by a hash of the session ID, so reading the database does not
//! yield usable cookies. The signed-in user is copied to a column so one user's sessions can be ended
//! together (password change and reset).

use crate::entities::session;
use crate::services::now;
use crate::services::tokens::hash_secret;
use async_trait::async_trait;
use chrono::DateTime;
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait, QueryFilter, QuerySelect, Set,
};
use tower_sessions::session::{Id, Record};
use tower_sessions::session_store::{self, SessionStore};

/// The session key holding the signed-in user's ID.
pub const USER_ID_KEY: &str = "user_id";
/// The session key holding the signed-in customer's ID (customers are not portal users).
pub const CUSTOMER_ID_KEY: &str = "customer_id";

/// A session ends after this long without use.
pub const IDLE_LIFETIME: time::Duration = time::Duration::days(7);

/// tower-sessions moves a session's expiry only when it saves the session, so one in daily use would end a
/// week after sign-in; saving it on every request would write once per page. A session is saved again
/// once it has gone this long since its last save.
const RENEW_AFTER: chrono::Duration = chrono::Duration::days(1);

/// Whether a session expiring at `expires_at` was last saved long enough ago to be saved again.
pub fn renewal_due(expires_at: chrono::DateTime<chrono::Utc>) -> bool {
    let lifetime = chrono::Duration::seconds(IDLE_LIFETIME.whole_seconds());
    expires_at - now() < lifetime - RENEW_AFTER
}

#[derive(Debug, Clone)]
pub struct DatabaseSessionStore {
    db: DatabaseConnection,
    /// Where sessions are loaded from: every request with a cookie reads one, few write.
    reads: DatabaseConnection,
}

impl DatabaseSessionStore {
    pub fn new(db: DatabaseConnection) -> Self {
        Self { reads: db.clone(), db }
    }

    /// Loads sessions from `reads` (SQLite's read-only connections beside its one writer) instead.
    pub fn reading_from(self, reads: DatabaseConnection) -> Self {
        Self { reads, ..self }
    }

    /// Removes expired sessions; the server calls this periodically.
    pub async fn delete_expired(&self) -> Result<u64, DbErr> {
        let result = session::Entity::delete_many()
            .filter(session::Column::ExpiresAt.lt(now()))
            .exec(&self.db)
            .await?;
        Ok(result.rows_affected)
    }
}

fn backend(error: impl std::fmt::Display) -> session_store::Error {
    session_store::Error::Backend(error.to_string())
}

/// The key a session's row is stored under: a hash of its ID.
pub fn row_key(id: &Id) -> String {
    hash_secret(&id.to_string())
}

/// When the session stored under `id` expires, or `None` if it is not stored or has expired.
pub async fn expiry_of(conn: &impl ConnectionTrait, id: &Id) -> Result<Option<DateTime<chrono::Utc>>, DbErr> {
    session::Entity::find_by_id(row_key(id))
        .filter(session::Column::ExpiresAt.gt(now()))
        .select_only()
        .column(session::Column::ExpiresAt)
        .into_tuple()
        .one(conn)
        .await
}

fn encode(record: &Record) -> session_store::Result<session::ActiveModel> {
    let data =
        serde_json::to_string(&record.data).map_err(|e| session_store::Error::Encode(e.to_string()))?;
    let user_id = record.data.get(USER_ID_KEY).and_then(|v| v.as_str()).map(str::to_owned);
    let expires_at = DateTime::from_timestamp(record.expiry_date.unix_timestamp(), 0).unwrap_or_else(now);
    Ok(session::ActiveModel {
        id: Set(row_key(&record.id)),
        user_id: Set(user_id),
        data: Set(data),
        expires_at: Set(expires_at),
    })
}

#[async_trait]
impl SessionStore for DatabaseSessionStore {
    /// Inserts a new session, drawing a new ID on the (astronomically unlikely) collision.
    async fn create(&self, record: &mut Record) -> session_store::Result<()> {
        loop {
            match session::Entity::insert(encode(record)?).exec(&self.db).await {
                Ok(_) => return Ok(()),
                Err(error)
                    if matches!(error.sql_err(), Some(sea_orm::SqlErr::UniqueConstraintViolation(_))) =>
                {
                    record.id = Id::default();
                }
                Err(error) => return Err(backend(error)),
            }
        }
    }

    /// Updates an existing session only: a session ended meanwhile (sign-out, password change) stays ended.
    async fn save(&self, record: &Record) -> session_store::Result<()> {
        let row = encode(record)?;
        session::Entity::update_many()
            .set(row.clone())
            .filter(session::Column::Id.eq(row_key(&record.id)))
            .exec(&self.db)
            .await
            .map_err(backend)?;
        Ok(())
    }

    async fn load(&self, session_id: &Id) -> session_store::Result<Option<Record>> {
        let Some(row) = session::Entity::find_by_id(row_key(session_id))
            .filter(session::Column::ExpiresAt.gt(now()))
            .one(&self.reads)
            .await
            .map_err(backend)?
        else {
            return Ok(None);
        };
        let data =
            serde_json::from_str(&row.data).map_err(|e| session_store::Error::Decode(e.to_string()))?;
        let expiry_date =
            time::OffsetDateTime::from_unix_timestamp(row.expires_at.timestamp()).map_err(backend)?;
        Ok(Some(Record { id: *session_id, data, expiry_date }))
    }

    async fn delete(&self, session_id: &Id) -> session_store::Result<()> {
        session::Entity::delete_by_id(row_key(session_id)).exec(&self.db).await.map_err(backend)?;
        Ok(())
    }
}

/// Ends every session of `user_id` except `keep` (the ID of the one making the change, if any).
pub async fn end_sessions_of_user(
    conn: &impl ConnectionTrait,
    user_id: &str,
    keep: Option<&str>,
) -> Result<(), DbErr> {
    let mut delete = session::Entity::delete_many().filter(session::Column::UserId.eq(user_id));
    if let Some(keep) = keep {
        delete = delete.filter(session::Column::Id.ne(hash_secret(keep)));
    }
    delete.exec(conn).await.map(|_| ())
}
