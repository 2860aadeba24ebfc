//! Keeps the viewer cache (`app::services::viewer_cache`) true to the database: a listener for
//! PostgreSQL's notifications of changes, and a layer that empties the cache after every change this
//! server answers.

use app::services::viewer_cache::ViewerCache;
use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::Response;
use sea_orm::sqlx::postgres::{PgConnectOptions, PgListener, PgPoolOptions};
use sea_orm::sqlx::Executor;
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

/// A listener that has heard nothing for this long asks its connection for an answer, and one that gets
/// none within it is taken for lost: a connection dropped without a word (a host gone, a firewall's
/// timeout) would otherwise leave the cache on while changes go unheard.
const QUIET_CHECK: Duration = Duration::from_secs(5);
/// What the listener's connection is called in `pg_stat_activity`.
pub const APPLICATION_NAME: &str = "replenish viewer changes";
/// Pause before connecting again after a failure.
const RETRY_AFTER: Duration = Duration::from_secs(1);

/// Listens for viewer changes on the PostgreSQL database at `database_url` for as long as the server
/// runs: the cache is on while a listener is connected, emptied on every notification, and off between a
/// lost connection and the next.
pub async fn listen(database_url: String, cache: Arc<ViewerCache>) {
    loop {
        match subscribe(&database_url).await {
            Ok(mut listener) => {
                cache.resume();
                let error = hear_changes(&mut listener, &cache).await;
                cache.suspend();
                tracing::warn!(%error, "lost the connection that hears viewer changes; viewers are not cached until it is back");
            }
            Err(error) => tracing::warn!(%error, "cannot listen for viewer changes; viewers are not cached"),
        }
        tokio::time::sleep(RETRY_AFTER).await;
    }
}

async fn subscribe(database_url: &str) -> Result<PgListener, sea_orm::sqlx::Error> {
    // A pool of its own, outside the one the server's requests share, for the one connection it holds.
    let options = PgConnectOptions::from_str(database_url)?.application_name(APPLICATION_NAME);
    let pool = PgPoolOptions::new().max_connections(1).connect_lazy_with(options);
    let mut listener = PgListener::connect_with(&pool).await?;
    // A lost connection is replaced here, after the cache is off, not silently inside the listener.
    listener.eager_reconnect(false);
    listener.listen(migrations::VIEWER_CHANGES_CHANNEL).await?;
    Ok(listener)
}

/// Empties the cache on every notification until the connection is lost; returns why it was.
async fn hear_changes(listener: &mut PgListener, cache: &ViewerCache) -> String {
    loop {
        match tokio::time::timeout(QUIET_CHECK, listener.try_recv()).await {
            Ok(Ok(Some(_))) => cache.empty(),
            Ok(Ok(None)) => return "connection closed".to_owned(),
            Ok(Err(error)) => return error.to_string(),
            Err(_quiet) => match tokio::time::timeout(QUIET_CHECK, listener.execute("SELECT 1")).await {
                Ok(Ok(_)) => {}
                Ok(Err(error)) => return error.to_string(),
                Err(_) => return format!("no answer within {} s", QUIET_CHECK.as_secs()),
            },
        }
    }
}

/// Empties the cache once a request that may change something (any method but GET and HEAD) has been
/// answered: the notification of its change could reach this server after the browser's next request.
pub async fn empty_after_changes(
    State(cache): State<Arc<ViewerCache>>,
    request: Request,
    next: Next,
) -> Response {
    let changes = !matches!(*request.method(), axum::http::Method::GET | axum::http::Method::HEAD);
    let response = next.run(request).await;
    if changes {
        cache.empty();
    }
    response
}
