//! Keeps the read caches (`app::services::read_cache`) true to the database on PostgreSQL: a listener for
//! the notifications of changes, and a layer that empties the caches after every change this server
//! answers.

use app::services::read_cache::ReadCaches;
use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::Response;
use migrations::{DEVICE_CHANGES_CHANNEL, VIEWER_CHANGES_CHANNEL};
use sea_orm::sqlx::postgres::{PgConnectOptions, PgListener, PgNotification, PgPoolOptions};
use sea_orm::{ConnectionTrait, DatabaseConnection, DbBackend, Statement};
use std::future::Future;
use std::pin::Pin;
use std::str::FromStr;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Every this long a listener sends a probe, a notification of its own, through the server's pool, and is
/// taken for lost unless it hears the probe within as long again after sending it. A connection that
/// answers is not enough: one dropped without a word (a host gone, a firewall's timeout) answers nothing,
/// and one through a proxy that pools transactions answers but hears no notifications.
const PROBE_AFTER: Duration = Duration::from_secs(2);
/// A probe not sent within this long (waiting for a pooled connection, or on one that died without a
/// word) counts as unheard: the caches must not stay on for as long as a connection takes to time out.
const SEND_WITHIN: Duration = Duration::from_secs(4);
/// How probes' payloads start; the triggers' notifications are empty.
const PROBE: &str = "probe ";
/// What the listener's connection is called in `pg_stat_activity` (it replaces any `application_name`
/// in `DATABASE_URL`).
pub const APPLICATION_NAME: &str = "replenish cache changes";
/// Pause before connecting again after a failure.
const RETRY_AFTER: Duration = Duration::from_secs(1);

/// Listens for changes on the PostgreSQL database at `database_url` for as long as the server runs: the
/// caches are on while the listener hears its probes, emptied on every notification of a change to what
/// they hold, and off from a lost connection or probe to the next listener that hears one.
pub async fn listen(database_url: String, db: DatabaseConnection, cache: Arc<ReadCaches>) {
    // The caches must not stay on with no one to empty them if this task ends (aborted by `Running::stop`).
    let _off_when_stopped = SuspendOnDrop(cache.clone());
    let mut probes = Probes { db, instance: app::services::tokens::new_id(), sent: 0 };
    loop {
        let lost = match subscribe(&database_url).await {
            Ok(mut listener) => hear_changes(&mut listener, &mut probes, &cache).await,
            Err(error) => format!("cannot listen: {error}"),
        };
        cache.suspend();
        tracing::warn!(reason = %lost, "changes unheard: nothing cached until a listener hears");
        tokio::time::sleep(RETRY_AFTER).await;
    }
}

struct SuspendOnDrop(Arc<ReadCaches>);

impl Drop for SuspendOnDrop {
    fn drop(&mut self) {
        self.0.suspend();
    }
}

async fn subscribe(database_url: &str) -> Result<PgListener, sea_orm::sqlx::Error> {
    // A pool of its own, outside the one the server's requests share, for the one connection it holds.
    let options = PgConnectOptions::from_str(database_url)?.application_name(APPLICATION_NAME);
    let pool = PgPoolOptions::new().max_connections(1).connect_lazy_with(options);
    let mut listener = PgListener::connect_with(&pool).await?;
    // A lost connection is replaced here, after the cache is off, not silently inside the listener.
    listener.eager_reconnect(false);
    listener.listen_all([VIEWER_CHANGES_CHANNEL, DEVICE_CHANGES_CHANNEL]).await?;
    Ok(listener)
}

/// Probes sent by this instance, told apart from other instances' by `instance`.
struct Probes {
    db: DatabaseConnection,
    instance: String,
    sent: u64,
}

/// Where the current listener's probing stands.
enum Probe {
    /// The next probe goes out at this instant.
    Due(Instant),
    /// A probe is on its way through the pool (which may wait for a free connection meanwhile), and
    /// whether it was heard already: the listener's connection may be read before the sender's answer.
    Sending(Pin<Box<dyn Future<Output = Result<(), String>> + Send>>, String, bool),
    /// A probe was sent; it must be heard by this instant.
    Awaited(String, Instant),
}

impl Probe {
    /// Whether `payload` is this listener's probe in flight; the next one goes out `PROBE_AFTER` after
    /// it was both sent and heard.
    fn hear(&mut self, payload: &str) -> bool {
        match self {
            Probe::Sending(_, sent, heard) if sent == payload => {
                *heard = true;
                true
            }
            Probe::Awaited(awaited, _) if awaited == payload => {
                *self = Probe::Due(Instant::now() + PROBE_AFTER);
                true
            }
            _ => false,
        }
    }

    /// The probe being sent has been: it is awaited, unless it was heard already.
    fn sent(&mut self) {
        if let Probe::Sending(_, payload, heard) = self {
            *self = if *heard {
                Probe::Due(Instant::now() + PROBE_AFTER)
            } else {
                Probe::Awaited(std::mem::take(payload), Instant::now() + PROBE_AFTER)
            };
        }
    }
}

impl Probes {
    /// Moves `probe` one step on; it is safe to drop the returned future at any point and call again.
    async fn advance(&mut self, probe: &mut Probe) -> Result<(), String> {
        match probe {
            Probe::Due(at) => {
                tokio::time::sleep_until((*at).into()).await;
                self.sent += 1;
                let payload = format!("{PROBE}{} {}", self.instance, self.sent);
                let sending = tokio::time::timeout(SEND_WITHIN, send(self.db.clone(), payload.clone()));
                let sending = async move {
                    sending.await.unwrap_or_else(|_| {
                        Err(format!("a probe waited {} s for a connection", SEND_WITHIN.as_secs()))
                    })
                };
                *probe = Probe::Sending(Box::pin(sending), payload, false);
                Ok(())
            }
            Probe::Sending(sending, ..) => {
                sending.await?;
                probe.sent();
                Ok(())
            }
            Probe::Awaited(_, deadline) => {
                tokio::time::sleep_until((*deadline).into()).await;
                Err(format!("a probe went unheard for {} s", PROBE_AFTER.as_secs()))
            }
        }
    }
}

async fn send(db: DatabaseConnection, payload: String) -> Result<(), String> {
    let notify = Statement::from_sql_and_values(
        DbBackend::Postgres,
        "SELECT pg_notify($1, $2)",
        [VIEWER_CHANGES_CHANNEL.into(), payload.into()],
    );
    db.execute_raw(notify).await.map(|_| ()).map_err(|error| format!("cannot send a probe: {error}"))
}

/// What woke the listener.
enum Event {
    Received(Result<Option<PgNotification>, sea_orm::sqlx::Error>),
    Probed(Result<(), String>),
}

/// Turns the caches on once the listener has heard its first probe, then empties those a notification of
/// a change concerns, probing every `PROBE_AFTER`, until the listener is lost; returns why it was. The
/// listener is read all along, also while a probe waits for a pooled connection. Probes go out on the
/// viewers' channel only: both channels are one connection's, which a probe heard proves.
async fn hear_changes(listener: &mut PgListener, probes: &mut Probes, cache: &ReadCaches) -> String {
    let mut probe = Probe::Due(Instant::now());
    let mut heard = false;
    loop {
        let event = tokio::select! {
            received = listener.try_recv() => Event::Received(received),
            probed = probes.advance(&mut probe) => Event::Probed(probed),
        };
        match event {
            Event::Received(Ok(Some(notification)))
                if notification.channel() == VIEWER_CHANGES_CHANNEL
                    && notification.payload().starts_with(PROBE) =>
            {
                if probe.hear(notification.payload()) && !heard {
                    cache.resume();
                    heard = true;
                }
            }
            Event::Received(Ok(Some(notification))) if notification.channel() == DEVICE_CHANGES_CHANNEL => {
                cache.empty_devices()
            }
            Event::Received(Ok(Some(_))) => cache.empty_viewers(),
            Event::Received(Ok(None)) => return "connection closed".to_owned(),
            Event::Received(Err(error)) => return error.to_string(),
            Event::Probed(Ok(())) => {}
            Event::Probed(Err(error)) => return error,
        }
    }
}

/// Empties the caches once a request that may change something (any method but GET and HEAD, a page's
/// loader aside) has been answered, session saved, or dropped unanswered (timed out, its client gone) after
/// it may have changed something: the notification of its change could reach this server after the
/// browser's next request.
pub async fn empty_after_changes(
    State(cache): State<Arc<ReadCaches>>,
    request: Request,
    next: Next,
) -> Response {
    if matches!(*request.method(), axum::http::Method::GET | axum::http::Method::HEAD) || is_loader(&request)
    {
        return next.run(request).await;
    }
    let _empty_when_done = EmptyOnDrop(cache);
    next.run(request).await
}

/// A page's loader, which a hydrated page calls with a `POST` on every navigation: server functions named
/// `load_…` or `list_…` change nothing cached (the viewer's session expiry aside, which notifies).
fn is_loader(request: &Request) -> bool {
    request
        .uri()
        .path()
        .strip_prefix("/api/")
        .is_some_and(|endpoint| endpoint.starts_with("load_") || endpoint.starts_with("list_"))
}

struct EmptyOnDrop(Arc<ReadCaches>);

impl Drop for EmptyOnDrop {
    fn drop(&mut self) {
        self.0.empty();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sending(payload: &str) -> Probe {
        Probe::Sending(Box::pin(std::future::ready(Ok(()))), payload.to_owned(), false)
    }

    #[test]
    fn a_probe_heard_before_its_sending_returned_counts_as_heard() {
        let mut probe = sending("probe a 1");
        assert!(!probe.hear("probe b 1"), "another instance's probe");
        assert!(probe.hear("probe a 1"));
        probe.sent();
        assert!(matches!(probe, Probe::Due(_)), "the next probe is due, none awaited");
    }

    #[test]
    fn a_probe_sent_is_awaited_until_heard() {
        let mut probe = sending("probe a 1");
        probe.sent();
        assert!(matches!(&probe, Probe::Awaited(payload, _) if payload == "probe a 1"));
        assert!(!probe.hear("probe a 0"), "an earlier probe");
        assert!(probe.hear("probe a 1"));
        assert!(matches!(probe, Probe::Due(_)));
    }
}
