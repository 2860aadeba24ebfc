//! The runtime API's request log. Calls are buffered in memory (at most the newest `KEEP_PER_DEVICE` of a
//! registration between two flushes) and written in one transaction every second, so logging costs a call
//! a lock and a push of shared buffers, not a copy or a database write; the excerpts are cut at the flush.
//! A crash loses at most the last second of the log; the changes the calls made are written by their own
//! transactions and never depend on it.

use crate::entities::{
    api_request, notification, notification_delivery, notification_endpoint, registration,
};
use crate::error::AppError;
use crate::models::sandbox::{ApiRequestView, DeviceDeliveryView, DeviceLogs, LogFilter};
use crate::services::display_time;
use crate::services::notifications::delivery_state;
use crate::services::now;
use crate::services::tokens::new_id;
use crate::services::transactions;
use axum::body::Bytes;
use chrono::{DateTime, Duration, Utc};
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Set};
use std::collections::{BTreeSet, HashMap, HashSet, VecDeque};
use std::sync::{Arc, Mutex};

/// Calls kept per device; older ones are deleted as new ones arrive.
pub const KEEP_PER_DEVICE: u64 = 500;
/// Calls older than this are deleted whatever the count.
pub const KEEP_FOR: Duration = Duration::days(30);
/// Calls logged per registration and second; a flood beyond it is sampled, so that a device under load
/// costs the database a bounded trickle of log rows.
pub const LOGGED_PER_SECOND: u32 = 50;
/// Characters kept of each request and response body.
pub const EXCERPT_CHARS: usize = 2_000;
const FLUSH_EVERY: std::time::Duration = std::time::Duration::from_secs(1);
/// Rows per INSERT, well under SQLite's and PostgreSQL's bound-parameter limits.
const INSERT_CHUNK: usize = 200;
/// Flushes between two deletions of calls past `KEEP_FOR`.
const EXPIRE_EVERY_FLUSHES: u32 = 3_600;

/// One call of a registration, as the runtime API answered it.
#[derive(Debug, Clone)]
pub struct LoggedCall {
    pub registration_id: String,
    pub organization_id: String,
    pub call: String,
    pub method: String,
    pub path: String,
    pub status: u16,
    pub latency_micros: i64,
    /// The bodies as they went over the wire (shared, not copied).
    pub request: Bytes,
    pub response: Bytes,
    pub at: DateTime<Utc>,
}

/// The first `EXCERPT_CHARS` characters of a body.
fn excerpt(body: &[u8]) -> String {
    String::from_utf8_lossy(body).chars().take(EXCERPT_CHARS).collect()
}

/// The calls buffered for one registration, and how many were logged in the current second.
#[derive(Default)]
struct Buffered {
    calls: VecDeque<LoggedCall>,
    second: i64,
    logged_in_second: u32,
}

type Pending = HashMap<String, Buffered>;

/// The handle calls are recorded through; cloning shares the buffer.
#[derive(Clone, Default)]
pub struct RequestLog {
    pending: Arc<Mutex<Pending>>,
}

impl RequestLog {
    /// Starts the writer that flushes the buffer to `db`.
    pub fn start(db: DatabaseConnection) -> Self {
        let log = Self::default();
        let writer = log.clone();
        crate::tasks::spawn_essential(async move {
            let mut flushes = 0u32;
            loop {
                tokio::time::sleep(FLUSH_EVERY).await;
                flushes = flushes.wrapping_add(1);
                if let Err(error) = writer.flush(&db).await {
                    tracing::warn!(%error, "request log not written");
                }
                if flushes.is_multiple_of(EXPIRE_EVERY_FLUSHES) {
                    if let Err(error) = expire(&db, now()).await {
                        tracing::warn!(%error, "old requests not deleted");
                    }
                }
            }
        });
        log
    }

    pub fn record(&self, call: LoggedCall) {
        let mut pending = self.pending.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        let buffered = pending.entry(call.registration_id.clone()).or_default();
        let second = call.at.timestamp();
        if buffered.second != second {
            buffered.second = second;
            buffered.logged_in_second = 0;
        }
        if buffered.logged_in_second >= LOGGED_PER_SECOND {
            return;
        }
        buffered.logged_in_second += 1;
        if buffered.calls.len() as u64 >= KEEP_PER_DEVICE {
            buffered.calls.pop_front();
        }
        buffered.calls.push_back(call);
    }

    /// Writes what is buffered; the writer calls this every half second, tests call it to see the log now.
    pub async fn flush(&self, db: &DatabaseConnection) -> Result<(), AppError> {
        let pending: HashMap<String, VecDeque<LoggedCall>> = {
            let mut buffers = self.pending.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
            // A registration keeps its count for the current second across the flush; only its calls go.
            let current = now().timestamp();
            buffers.retain(|_, buffered| !buffered.calls.is_empty() || buffered.second >= current);
            buffers
                .iter_mut()
                .filter(|(_, buffered)| !buffered.calls.is_empty())
                .map(|(id, buffered)| (id.clone(), std::mem::take(&mut buffered.calls)))
                .collect()
        };
        if pending.is_empty() {
            return Ok(());
        }
        let registrations: HashMap<String, registration::Model> = registration::Entity::find()
            .filter(registration::Column::Id.is_in(pending.keys().cloned()))
            .all(db)
            .await?
            .into_iter()
            .map(|r| (r.id.clone(), r))
            .collect();
        let mut devices = HashSet::new();
        let mut rows = Vec::new();
        for call in pending.into_values().flatten() {
            // A registration removed meanwhile has no device to show its calls on.
            let Some(registration) = registrations.get(&call.registration_id) else { continue };
            devices.insert(registration.device_id.clone());
            rows.push(api_request::ActiveModel {
                id: Set(new_id()),
                organization_id: Set(call.organization_id),
                device_id: Set(registration.device_id.clone()),
                registration_id: Set(call.registration_id),
                marketplace_code: Set(registration.marketplace_code.clone()),
                is_test: Set(registration.is_test),
                call: Set(call.call),
                method: Set(call.method),
                path: Set(call.path),
                status: Set(i32::from(call.status)),
                latency_micros: Set(call.latency_micros),
                request_excerpt: Set(excerpt(&call.request)),
                response_excerpt: Set(excerpt(&call.response)),
                created_at: Set(call.at),
            });
        }
        let txn = transactions::begin(db).await?;
        while !rows.is_empty() {
            let chunk: Vec<_> = rows.drain(..rows.len().min(INSERT_CHUNK)).collect();
            api_request::Entity::insert_many(chunk).exec(&txn).await?;
        }
        for device in devices {
            trim_device(&txn, &device).await?;
        }
        txn.commit().await?;
        Ok(())
    }
}

/// Keeps the newest `KEEP_PER_DEVICE` calls of a device.
async fn trim_device(conn: &impl sea_orm::ConnectionTrait, device: &str) -> Result<(), AppError> {
    let oldest_kept: Option<DateTime<Utc>> = api_request::Entity::find()
        .select_only()
        .column(api_request::Column::CreatedAt)
        .filter(api_request::Column::DeviceId.eq(device))
        .order_by_desc(api_request::Column::CreatedAt)
        .offset(KEEP_PER_DEVICE - 1)
        .limit(1)
        .into_tuple()
        .one(conn)
        .await?;
    if let Some(cutoff) = oldest_kept {
        api_request::Entity::delete_many()
            .filter(api_request::Column::DeviceId.eq(device))
            .filter(api_request::Column::CreatedAt.lt(cutoff))
            .exec(conn)
            .await?;
    }
    Ok(())
}

/// Deletes calls older than `KEEP_FOR` at `at`.
pub async fn expire(db: &DatabaseConnection, at: DateTime<Utc>) -> Result<u64, AppError> {
    let deleted = api_request::Entity::delete_many()
        .filter(api_request::Column::CreatedAt.lt(at - KEEP_FOR))
        .exec(db)
        .await?;
    Ok(deleted.rows_affected)
}

/// The device's newest logged calls (at most `KEEP_PER_DEVICE`) that pass `filter`, for a member of its
/// organization.
pub async fn device_logs(
    db: &DatabaseConnection,
    user_id: &str,
    organization_id: &str,
    device_id: &str,
    filter: &LogFilter,
) -> Result<DeviceLogs, AppError> {
    crate::services::organizations::member_role(db, organization_id, user_id).await?;
    crate::services::devices::find_device(db, organization_id, device_id).await?;
    // One read for both the calls and the list of their kinds, so that the two agree however the log's
    // writer commits between statements; the device keeps at most `KEEP_PER_DEVICE` calls either way.
    let rows = api_request::Entity::find()
        .filter(api_request::Column::OrganizationId.eq(organization_id))
        .filter(api_request::Column::DeviceId.eq(device_id))
        .order_by_desc(api_request::Column::CreatedAt)
        .order_by_desc(api_request::Column::Id)
        .limit(KEEP_PER_DEVICE)
        .all(db)
        .await?;
    let calls: Vec<String> =
        rows.iter().map(|row| row.call.clone()).collect::<BTreeSet<_>>().into_iter().collect();
    let requests = rows
        .into_iter()
        .filter(|row| filter.call.is_empty() || row.call == filter.call)
        .filter_map(|row| {
            let status = u16::try_from(row.status).unwrap_or_default();
            filter.keeps(status, row.is_test).then(|| ApiRequestView {
                id: row.id,
                at: row.created_at.format("%Y-%m-%d %H:%M:%S%.3f UTC").to_string(),
                call: row.call,
                path: row.path,
                status,
                latency: format!("{:.1} ms", row.latency_micros as f64 / 1000.0),
                is_test: row.is_test,
                marketplace: row.marketplace_code,
                request: row.request_excerpt,
                response: row.response_excerpt,
            })
        })
        .collect();
    let deliveries = device_deliveries(db, organization_id, device_id).await?;
    Ok(DeviceLogs { requests, calls, deliveries })
}

/// Deliveries shown per device; the endpoint's own log has them all.
const DELIVERIES_SHOWN: u64 = 100;

async fn device_deliveries(
    db: &DatabaseConnection,
    organization_id: &str,
    device_id: &str,
) -> Result<Vec<DeviceDeliveryView>, AppError> {
    let registrations: Vec<String> = registration::Entity::find()
        .select_only()
        .column(registration::Column::Id)
        .filter(registration::Column::OrganizationId.eq(organization_id))
        .filter(registration::Column::DeviceId.eq(device_id))
        .into_tuple()
        .all(db)
        .await?;
    let notifications: HashMap<String, notification::Model> = notification::Entity::find()
        .filter(notification::Column::OrganizationId.eq(organization_id))
        .filter(notification::Column::RegistrationId.is_in(registrations))
        .order_by_desc(notification::Column::CreatedAt)
        .limit(DELIVERIES_SHOWN)
        .all(db)
        .await?
        .into_iter()
        .map(|n| (n.id.clone(), n))
        .collect();
    let endpoints: HashMap<String, String> = notification_endpoint::Entity::find()
        .filter(notification_endpoint::Column::OrganizationId.eq(organization_id))
        .all(db)
        .await?
        .into_iter()
        .map(|e| (e.id, e.url))
        .collect();
    let deliveries = notification_delivery::Entity::find()
        .filter(notification_delivery::Column::OrganizationId.eq(organization_id))
        .filter(notification_delivery::Column::NotificationId.is_in(notifications.keys().cloned()))
        .order_by_desc(notification_delivery::Column::CreatedAt)
        .limit(DELIVERIES_SHOWN)
        .all(db)
        .await?;
    Ok(deliveries
        .into_iter()
        .map(|d| DeviceDeliveryView {
            at: display_time(d.created_at),
            notification_type: notifications
                .get(&d.notification_id)
                .map(|n| n.notification_type.clone())
                .unwrap_or_default(),
            endpoint_url: endpoints.get(&d.endpoint_id).cloned().unwrap_or_default(),
            log_href: format!("/orgs/{organization_id}/settings/notifications/{}", d.endpoint_id),
            state: delivery_state(&d).to_owned(),
            attempts: d.attempts,
            last_status: d.last_status,
        })
        .collect())
}
