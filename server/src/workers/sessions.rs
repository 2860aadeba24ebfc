//! Removes expired sessions, old sign-in failures and old mail-throttle records.

use app::entities::sign_in_failure;
use app::services::accounts::FAILURE_WINDOW;
use app::services::now;
use app::services::session_store::DatabaseSessionStore;
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter};

pub async fn run(db: DatabaseConnection) {
    let store = DatabaseSessionStore::new(db.clone());
    let mut interval = tokio::time::interval(std::time::Duration::from_secs(600));
    loop {
        interval.tick().await;
        if let Err(error) = store.delete_expired().await {
            tracing::warn!(%error, "could not delete expired sessions");
        }
        let cutoff = now() - FAILURE_WINDOW * 2;
        if let Err(error) = sign_in_failure::Entity::delete_many()
            .filter(sign_in_failure::Column::CreatedAt.lt(cutoff))
            .exec(&db)
            .await
        {
            tracing::warn!(%error, "could not delete old sign-in failures");
        }
        if let Err(error) = app::services::throttle::forget_old(&db).await {
            tracing::warn!(%error, "could not delete old mail-throttle records");
        }
    }
}
