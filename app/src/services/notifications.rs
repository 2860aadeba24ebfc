//! Notifications: written to the outbox with the change that causes them (one delivery per subscribed
//! endpoint), delivered by the notification worker with Standard Webhooks signatures, retried with
//! backoff for up to three days, every attempt logged, replayable from the portal.

use crate::entities::{delivery_attempt, notification, notification_delivery, notification_endpoint};
use crate::error::{parse_field, AppError, FieldErrors};
use crate::models::notification::{
    parse_event_types, AttemptView, DeliveryLog, DeliveryView, EndpointView, EndpointsTab, FreshSigningSecret,
};
use crate::models::security_profile::{parse_overlap_hours, parse_return_url};
use crate::models::Role;
use crate::services::audit::{self, Actor};
use crate::services::organizations::require_role;
use crate::services::tokens::new_id;
use crate::services::transactions;
use crate::services::{display_time, now};
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use chrono::{DateTime, Duration, Utc};
use hmac::{Hmac, Mac};
use rand::RngCore;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter,
    QueryOrder, QuerySelect, Set,
};
use std::collections::HashMap;

/// A delivery still failing this long after its notification was written is given up.
pub const RETRY_FOR: Duration = Duration::days(3);
/// How much of an endpoint's answer the attempt log keeps.
pub const EXCERPT_LEN: usize = 500;
const SECRET_PREFIX: &str = "whsec_";

/// The wait before attempt `attempts + 1`: 5 s doubling per failure, at most an hour.
pub fn retry_delay(attempts: i32) -> Duration {
    let exponent = attempts.clamp(0, 10) as u32;
    Duration::seconds((5_i64 << exponent).min(3600))
}

fn new_signing_secret() -> String {
    let mut bytes = [0u8; 24];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    format!("{SECRET_PREFIX}{}", STANDARD.encode(bytes))
}

/// `v1,<base64 HMAC-SHA256 of "id.timestamp.body">` keyed with the secret's decoded bytes, as Standard
/// Webhooks specifies.
pub fn sign(secret: &str, message_id: &str, timestamp: i64, body: &str) -> String {
    let key = STANDARD
        .decode(secret.trim_start_matches(SECRET_PREFIX))
        .unwrap_or_else(|_| secret.as_bytes().to_vec());
    let mut mac = Hmac::<sha2::Sha256>::new_from_slice(&key)
        .unwrap_or_else(|_| unreachable!("HMAC takes any key length"));
    mac.update(format!("{message_id}.{timestamp}.{body}").as_bytes());
    format!("v1,{}", STANDARD.encode(mac.finalize().into_bytes()))
}

/// The `webhook-signature` header: one signature per live secret, so receivers can switch during an
/// overlap.
pub fn signature_header(
    endpoint: &notification_endpoint::Model,
    message_id: &str,
    timestamp: i64,
    body: &str,
    at: DateTime<Utc>,
) -> String {
    let mut signatures = vec![sign(&endpoint.secret, message_id, timestamp, body)];
    if let (Some(previous), Some(until)) = (&endpoint.previous_secret, endpoint.previous_secret_expires_at) {
        if until > at {
            signatures.push(sign(previous, message_id, timestamp, body));
        }
    }
    signatures.join(" ")
}

/// Writes a notification and a delivery to every endpoint of the organization that takes its type. Call it
/// on the transaction of the change it reports.
/// What a delivery came to: `Delivered`, `Failed` (given up) or `Retrying`.
pub fn delivery_state(delivery: &notification_delivery::Model) -> &'static str {
    if delivery.delivered_at.is_some() {
        "Delivered"
    } else if delivery.gave_up_at.is_some() {
        "Failed"
    } else {
        "Retrying"
    }
}

pub async fn emit(
    conn: &impl ConnectionTrait,
    organization_id: &str,
    registration_id: &str,
    notification_type: &str,
    notification_id: &str,
    payload: &serde_json::Value,
) -> Result<(), AppError> {
    let at = now();
    notification::ActiveModel {
        id: Set(notification_id.to_owned()),
        organization_id: Set(organization_id.to_owned()),
        notification_type: Set(notification_type.to_owned()),
        registration_id: Set(Some(registration_id.to_owned())),
        payload: Set(payload.to_string()),
        created_at: Set(at),
    }
    .insert(conn)
    .await?;
    let endpoints = notification_endpoint::Entity::find()
        .filter(notification_endpoint::Column::OrganizationId.eq(organization_id))
        .all(conn)
        .await?;
    for endpoint in endpoints.into_iter().filter(|e| e.event_types.split(',').any(|t| t == notification_type))
    {
        insert_delivery(conn, organization_id, notification_id, &endpoint.id, at).await?;
    }
    Ok(())
}

async fn insert_delivery(
    conn: &impl ConnectionTrait,
    organization_id: &str,
    notification_id: &str,
    endpoint_id: &str,
    at: DateTime<Utc>,
) -> Result<(), AppError> {
    notification_delivery::ActiveModel {
        id: Set(new_id()),
        organization_id: Set(organization_id.to_owned()),
        notification_id: Set(notification_id.to_owned()),
        endpoint_id: Set(endpoint_id.to_owned()),
        attempts: Set(0),
        next_attempt_at: Set(at),
        locked_until: Set(None),
        delivered_at: Set(None),
        gave_up_at: Set(None),
        last_status: Set(None),
        created_at: Set(at),
    }
    .insert(conn)
    .await?;
    Ok(())
}

fn endpoint_view(row: notification_endpoint::Model, at: DateTime<Utc>) -> EndpointView {
    EndpointView {
        previous_secret_until: row
            .previous_secret_expires_at
            .filter(|until| *until > at && row.previous_secret.is_some())
            .map(display_time),
        event_types: row.event_types.split(',').map(str::to_owned).collect(),
        created_at: display_time(row.created_at),
        id: row.id,
        url: row.url,
    }
}

pub async fn load_tab(
    db: &DatabaseConnection,
    user_id: &str,
    organization_id: &str,
    fresh_secret: Option<FreshSigningSecret>,
) -> Result<EndpointsTab, AppError> {
    let role = require_role(db, organization_id, user_id, |_| true).await?;
    let at = now();
    let endpoints: Vec<EndpointView> = notification_endpoint::Entity::find()
        .filter(notification_endpoint::Column::OrganizationId.eq(organization_id))
        .order_by_asc(notification_endpoint::Column::CreatedAt)
        .all(db)
        .await?
        .into_iter()
        .map(|row| endpoint_view(row, at))
        .collect();
    let fresh_secret = fresh_secret.filter(|fresh| endpoints.iter().any(|e| e.id == fresh.endpoint_id));
    Ok(EndpointsTab { endpoints, can_edit: role.can_edit(), fresh_secret })
}

pub async fn create_endpoint(
    db: &DatabaseConnection,
    actor: &Actor,
    organization_id: &str,
    url: &str,
    event_types: &[String],
) -> Result<FreshSigningSecret, AppError> {
    require_role(db, organization_id, &actor.user_id, Role::can_edit).await?;
    let mut errors = FieldErrors::new().keep("url", url);
    let url = errors.check("url", parse_return_url(url));
    let types = errors.check("event_types", parse_event_types(event_types));
    let (Some(url), Some(types)) = (url, types) else {
        return Err(AppError::Validation(errors));
    };
    let (id, secret) = (new_id(), new_signing_secret());
    let txn = transactions::begin(db).await?;
    notification_endpoint::ActiveModel {
        id: Set(id.clone()),
        organization_id: Set(organization_id.to_owned()),
        url: Set(url.clone()),
        event_types: Set(types.join(",")),
        secret: Set(secret.clone()),
        previous_secret: Set(None),
        previous_secret_expires_at: Set(None),
        created_at: Set(now()),
        updated_at: Set(now()),
    }
    .insert(&txn)
    .await?;
    audit::record(
        &txn,
        Some(organization_id),
        Some(actor),
        "notification_endpoint.created",
        &url,
        &types.join(", "),
    )
    .await?;
    txn.commit().await?;
    Ok(FreshSigningSecret { endpoint_id: id, secret })
}

async fn endpoint_of(
    conn: &impl ConnectionTrait,
    organization_id: &str,
    endpoint_id: &str,
) -> Result<notification_endpoint::Model, AppError> {
    notification_endpoint::Entity::find_by_id(endpoint_id)
        .filter(notification_endpoint::Column::OrganizationId.eq(organization_id))
        .lock_exclusive()
        .one(conn)
        .await?
        .ok_or(AppError::NotFound)
}

pub async fn roll_endpoint_secret(
    db: &DatabaseConnection,
    actor: &Actor,
    organization_id: &str,
    endpoint_id: &str,
    overlap_hours: &str,
) -> Result<FreshSigningSecret, AppError> {
    require_role(db, organization_id, &actor.user_id, Role::can_edit).await?;
    let hours = parse_field("overlap_hours", overlap_hours, parse_overlap_hours)?;
    let secret = new_signing_secret();
    let txn = transactions::begin(db).await?;
    let endpoint = endpoint_of(&txn, organization_id, endpoint_id).await?;
    let url = endpoint.url.clone();
    let previous = endpoint.secret.clone();
    let mut active: notification_endpoint::ActiveModel = endpoint.into();
    active.secret = Set(secret.clone());
    active.previous_secret = Set((hours > 0).then_some(previous));
    active.previous_secret_expires_at = Set((hours > 0).then(|| now() + Duration::hours(i64::from(hours))));
    active.updated_at = Set(now());
    active.update(&txn).await?;
    audit::record(&txn, Some(organization_id), Some(actor), "notification_endpoint.secret_rolled", &url, "")
        .await?;
    txn.commit().await?;
    Ok(FreshSigningSecret { endpoint_id: endpoint_id.to_owned(), secret })
}

pub async fn delete_endpoint(
    db: &DatabaseConnection,
    actor: &Actor,
    organization_id: &str,
    endpoint_id: &str,
) -> Result<(), AppError> {
    require_role(db, organization_id, &actor.user_id, Role::can_edit).await?;
    let txn = transactions::begin(db).await?;
    let endpoint = endpoint_of(&txn, organization_id, endpoint_id).await?;
    notification_endpoint::Entity::delete_by_id(&endpoint.id).exec(&txn).await?;
    audit::record(
        &txn,
        Some(organization_id),
        Some(actor),
        "notification_endpoint.deleted",
        &endpoint.url,
        "",
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

/// The endpoint's newest deliveries (at most 100) with every attempt.
pub async fn load_delivery_log(
    db: &DatabaseConnection,
    user_id: &str,
    organization_id: &str,
    endpoint_id: &str,
) -> Result<DeliveryLog, AppError> {
    let role = require_role(db, organization_id, user_id, |_| true).await?;
    let endpoint = endpoint_of(db, organization_id, endpoint_id).await?;
    let deliveries = notification_delivery::Entity::find()
        .filter(notification_delivery::Column::EndpointId.eq(endpoint_id))
        .filter(notification_delivery::Column::OrganizationId.eq(organization_id))
        .order_by_desc(notification_delivery::Column::CreatedAt)
        .limit(100)
        .all(db)
        .await?;
    let ids: Vec<String> = deliveries.iter().map(|d| d.id.clone()).collect();
    let notification_ids: Vec<String> = deliveries.iter().map(|d| d.notification_id.clone()).collect();
    let types: HashMap<String, String> = notification::Entity::find()
        .filter(notification::Column::Id.is_in(notification_ids))
        .all(db)
        .await?
        .into_iter()
        .map(|n| (n.id, n.notification_type))
        .collect();
    let mut attempts: HashMap<String, Vec<AttemptView>> = HashMap::new();
    for attempt in delivery_attempt::Entity::find()
        .filter(delivery_attempt::Column::DeliveryId.is_in(ids))
        .order_by_asc(delivery_attempt::Column::AttemptedAt)
        .all(db)
        .await?
    {
        attempts.entry(attempt.delivery_id).or_default().push(AttemptView {
            at: display_time(attempt.attempted_at),
            status_code: attempt.status_code,
            latency_ms: attempt.latency_ms,
            response_excerpt: attempt.response_excerpt,
            error: attempt.error,
        });
    }
    let deliveries = deliveries
        .into_iter()
        .map(|d| {
            let state = delivery_state(&d);
            DeliveryView {
                notification_type: types.get(&d.notification_id).cloned().unwrap_or_default(),
                created_at: display_time(d.created_at),
                next_attempt_at: (state == "Retrying").then(|| display_time(d.next_attempt_at)),
                attempts: attempts.remove(&d.id).unwrap_or_default(),
                state: state.to_owned(),
                notification_id: d.notification_id,
                id: d.id,
            }
        })
        .collect();
    Ok(DeliveryLog { endpoint: endpoint_view(endpoint, now()), deliveries, can_edit: role.can_edit() })
}

/// Sends a delivery's notification to its endpoint again, as a new delivery due now.
pub async fn replay_delivery(
    db: &DatabaseConnection,
    actor: &Actor,
    organization_id: &str,
    delivery_id: &str,
) -> Result<String, AppError> {
    require_role(db, organization_id, &actor.user_id, Role::can_edit).await?;
    let txn = transactions::begin(db).await?;
    let delivery = notification_delivery::Entity::find_by_id(delivery_id)
        .filter(notification_delivery::Column::OrganizationId.eq(organization_id))
        .one(&txn)
        .await?
        .ok_or(AppError::NotFound)?;
    insert_delivery(&txn, organization_id, &delivery.notification_id, &delivery.endpoint_id, now()).await?;
    audit::record(
        &txn,
        Some(organization_id),
        Some(actor),
        "notification.replayed",
        &delivery.notification_id,
        "",
    )
    .await?;
    txn.commit().await?;
    Ok(delivery.endpoint_id)
}

/// A delivery the worker has claimed, with what it needs to send it.
pub struct DueDelivery {
    pub delivery: notification_delivery::Model,
    pub notification: notification::Model,
    pub endpoint: notification_endpoint::Model,
}

/// Claims up to `limit` due deliveries for `claim_for`; another instance skips claimed ones.
pub async fn claim_due(
    db: &DatabaseConnection,
    limit: u64,
    claim_for: Duration,
) -> Result<Vec<DueDelivery>, AppError> {
    let at = now();
    let due = notification_delivery::Entity::find()
        .filter(notification_delivery::Column::DeliveredAt.is_null())
        .filter(notification_delivery::Column::GaveUpAt.is_null())
        .filter(notification_delivery::Column::NextAttemptAt.lte(at))
        .filter(
            Condition::any()
                .add(notification_delivery::Column::LockedUntil.is_null())
                .add(notification_delivery::Column::LockedUntil.lt(at)),
        )
        .order_by_asc(notification_delivery::Column::NextAttemptAt)
        .limit(limit)
        .all(db)
        .await?;
    let mut claimed = Vec::with_capacity(due.len());
    for delivery in due {
        // Compare-and-swap on the lock, so two instances never send the same delivery at once.
        let won = notification_delivery::Entity::update_many()
            .col_expr(notification_delivery::Column::LockedUntil, Expr::value(at + claim_for))
            .filter(notification_delivery::Column::Id.eq(&delivery.id))
            .filter(
                Condition::any()
                    .add(notification_delivery::Column::LockedUntil.is_null())
                    .add(notification_delivery::Column::LockedUntil.lt(at)),
            )
            .exec(db)
            .await?
            .rows_affected
            == 1;
        if !won {
            continue;
        }
        let notification = notification::Entity::find_by_id(&delivery.notification_id).one(db).await?;
        let endpoint = notification_endpoint::Entity::find_by_id(&delivery.endpoint_id).one(db).await?;
        if let (Some(notification), Some(endpoint)) = (notification, endpoint) {
            claimed.push(DueDelivery { delivery, notification, endpoint });
        }
    }
    Ok(claimed)
}

/// What one attempt found.
pub struct AttemptOutcome {
    pub status_code: Option<u16>,
    pub latency_ms: i32,
    pub response_excerpt: String,
    pub error: Option<String>,
}

/// Logs the attempt and settles the delivery: delivered on a 2xx, else retried later or given up.
pub async fn record_attempt(
    db: &DatabaseConnection,
    due: &DueDelivery,
    outcome: AttemptOutcome,
) -> Result<(), AppError> {
    let at = now();
    let delivery = &due.delivery;
    let succeeded = outcome.status_code.is_some_and(|s| (200..300).contains(&s));
    let attempts = delivery.attempts + 1;
    let next = at + retry_delay(delivery.attempts);
    let give_up = !succeeded && next > due.notification.created_at.max(delivery.created_at) + RETRY_FOR;
    let txn = transactions::begin(db).await?;
    delivery_attempt::ActiveModel {
        id: Set(new_id()),
        organization_id: Set(delivery.organization_id.clone()),
        delivery_id: Set(delivery.id.clone()),
        attempted_at: Set(at),
        status_code: Set(outcome.status_code.map(i32::from)),
        latency_ms: Set(outcome.latency_ms),
        response_excerpt: Set(outcome.response_excerpt.chars().take(EXCERPT_LEN).collect()),
        error: Set(outcome.error),
    }
    .insert(&txn)
    .await?;
    notification_delivery::Entity::update_many()
        .col_expr(notification_delivery::Column::Attempts, Expr::value(attempts))
        .col_expr(notification_delivery::Column::LastStatus, Expr::value(outcome.status_code.map(i32::from)))
        .col_expr(notification_delivery::Column::LockedUntil, Expr::value(Option::<DateTime<Utc>>::None))
        .col_expr(notification_delivery::Column::NextAttemptAt, Expr::value(next))
        .col_expr(notification_delivery::Column::DeliveredAt, Expr::value(succeeded.then_some(at)))
        .col_expr(notification_delivery::Column::GaveUpAt, Expr::value(give_up.then_some(at)))
        .filter(notification_delivery::Column::Id.eq(&delivery.id))
        .exec(&txn)
        .await?;
    txn.commit().await?;
    Ok(())
}
