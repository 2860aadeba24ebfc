//! What every server function and page needs from the server, provided as Leptos context.

use sea_orm::DatabaseConnection;
use std::sync::Arc;
use tokio::sync::Notify;

#[derive(Clone)]
pub struct AppState {
    pub db: DatabaseConnection,
    /// Read-only connections for the runtime API's lookups, sessions and page loads (the same pool on
    /// PostgreSQL). A change reads what it changes through `db`, inside its transaction.
    pub reads: DatabaseConnection,
    /// Batches slot status reports into one transaction each.
    pub slot_status: crate::services::drs::SlotStatusWriter,
    pub settings: Arc<PortalSettings>,
    /// Wakes the mail worker as soon as a transaction that queued mail commits.
    pub mail_queued: Arc<Notify>,
    /// Wakes the notification worker the same way.
    pub notifications_queued: Arc<Notify>,
    /// Buffers the runtime API's calls for the devices' logs.
    pub request_log: crate::services::request_log::RequestLog,
    /// The runtime API's per-registration rate.
    pub runtime_limiter: Arc<crate::services::rate_limit::RateLimiter>,
    /// The sandbox simulator's way into this server's own runtime API.
    pub simulator: crate::services::simulator::RuntimeClient,
    /// Viewers and device pages kept between requests while PostgreSQL tells this server what changes.
    pub caches: Arc<crate::services::read_cache::ReadCaches>,
}

impl AppState {
    /// Wakes both outbox workers after a change that may have queued mail or notifications.
    pub fn wake_workers(&self) {
        self.mail_queued.notify_one();
        self.notifications_queued.notify_one();
    }
}

/// The parts of the server's configuration that services read.
#[derive(Debug, Clone)]
pub struct PortalSettings {
    /// Base of every link in emails, without a trailing slash.
    pub public_url: String,
    /// Where replenishment-ID requests are sent for review (`REVIEW_INBOX`).
    pub review_inbox: String,
    /// The built-in fulfiller's delays: placing to shipping, shipping to delivery.
    pub ship_after: chrono::Duration,
    pub deliver_after: chrono::Duration,
}

impl PortalSettings {
    pub fn link(&self, path_and_query: &str) -> String {
        format!("{}{}", self.public_url.trim_end_matches('/'), path_and_query)
    }
}
