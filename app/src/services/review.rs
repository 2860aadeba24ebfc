//! The reviewers' side: the queue across organizations, one request, claims and decisions. Only platform
//! reviewers get here; anyone else is told the console does not exist. Reviewers read requests, never edit
//! devices: they are members of no organization, so every device service refuses them.

use crate::entities::{
    device, device_marketplace, device_test_account, membership, organization, replenishment_request, slot,
    slot_approval,
};
use crate::error::AppError;
use crate::models::replenishment::{Measurement, RequestAction, RequestState, SensorType};
use crate::models::{DeviceKind, QueueItem, ReviewQueue, ReviewRequest, ReviewSlot, Viewer};
use crate::services::audit::{self, Actor};
use crate::services::devices::{load_catalogues, lock_device};
use crate::services::organizations::load_viewer;
use crate::services::request_mail::{self, Decision};
use crate::services::requests::{parse_note, record_event, slots_of_request, thread_of, transition};
use crate::services::transactions;
use crate::services::{display_time, now, tokens::new_id};
use crate::state::PortalSettings;
use chrono::{DateTime, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, PaginatorTrait,
    QueryFilter, QueryOrder, QuerySelect, Set,
};
use std::collections::HashMap;

/// The viewer, if they are a reviewer; `NotFound` for everyone else.
pub async fn require_reviewer(conn: &impl ConnectionTrait, user_id: &str) -> Result<Viewer, AppError> {
    let viewer = load_viewer(conn, user_id).await?;
    if viewer.is_reviewer {
        Ok(viewer)
    } else {
        Err(AppError::NotFound)
    }
}

/// A reviewer decides only for organizations they do not belong to: nobody approves their own request.
async fn require_independent(
    conn: &impl ConnectionTrait,
    reviewer: &Actor,
    request: &replenishment_request::Model,
) -> Result<(), AppError> {
    if is_member(conn, &request.organization_id, &reviewer.user_id).await? {
        return Err(AppError::Refused(
            "You are a member of the organization that sent this request; another reviewer must review it."
                .into(),
        ));
    }
    Ok(())
}

async fn is_member(
    conn: &impl ConnectionTrait,
    organization_id: &str,
    user_id: &str,
) -> Result<bool, AppError> {
    Ok(membership::Entity::find()
        .filter(membership::Column::OrganizationId.eq(organization_id))
        .filter(membership::Column::UserId.eq(user_id))
        .count(conn)
        .await?
        > 0)
}

/// The queue shows at most this many requests per filter.
const QUEUE_LIMIT: u64 = 500;

/// "3 days 4 hours", "5 hours", "12 minutes".
pub fn duration_words(seconds: i64) -> String {
    let (days, hours, minutes) = (seconds / 86_400, (seconds % 86_400) / 3_600, (seconds % 3_600) / 60);
    let unit = |n: i64, one: &str| format!("{n} {one}{}", if n == 1 { "" } else { "s" });
    match (days, hours) {
        (0, 0) => unit(minutes.max(1), "minute"),
        (0, _) => unit(hours, "hour"),
        (_, 0) => unit(days, "day"),
        _ => format!("{} {}", unit(days, "day"), unit(hours, "hour")),
    }
}

fn is_overdue(state: RequestState, due_at: Option<DateTime<Utc>>, at: DateTime<Utc>) -> bool {
    state == RequestState::Submitted && due_at.is_some_and(|due| due < at)
}

/// Requests in `filter` (a state's name, or `all`; waiting for review when empty), by due date. Drafts are
/// the maker's own and never listed.
pub async fn load_queue(conn: &impl ConnectionTrait, filter: &str) -> Result<ReviewQueue, AppError> {
    let filter = match filter {
        "" => RequestState::Submitted.as_str(),
        "all" => "all",
        other => RequestState::parse(other)
            .filter(|s| *s != RequestState::Draft)
            .map(RequestState::as_str)
            .ok_or_else(|| AppError::field("state", "Choose one of the listed states."))?,
    };
    let mut query = replenishment_request::Entity::find()
        .filter(replenishment_request::Column::State.ne(RequestState::Draft.as_str()));
    if filter != "all" {
        query = query.filter(replenishment_request::Column::State.eq(filter));
    }
    let requests = query
        .order_by_asc(replenishment_request::Column::DueAt)
        .order_by_asc(replenishment_request::Column::CreatedAt)
        .limit(QUEUE_LIMIT)
        .all(conn)
        .await?;
    let device_ids: Vec<&str> = requests.iter().map(|r| r.device_id.as_str()).collect();
    let organization_ids: Vec<&str> = requests.iter().map(|r| r.organization_id.as_str()).collect();
    let devices: HashMap<String, device::Model> = if device_ids.is_empty() {
        HashMap::new()
    } else {
        device::Entity::find()
            .filter(device::Column::Id.is_in(device_ids))
            .all(conn)
            .await?
            .into_iter()
            .map(|d| (d.id.clone(), d))
            .collect()
    };
    let organizations: HashMap<String, String> = if organization_ids.is_empty() {
        HashMap::new()
    } else {
        organization::Entity::find()
            .filter(organization::Column::Id.is_in(organization_ids))
            .all(conn)
            .await?
            .into_iter()
            .map(|o| (o.id, o.name))
            .collect()
    };
    let at = now();
    let items = requests
        .into_iter()
        .map(|r| {
            let state = RequestState::parse(&r.state).unwrap_or(RequestState::Submitted);
            let device = devices.get(&r.device_id);
            QueueItem {
                organization_name: organizations.get(&r.organization_id).cloned().unwrap_or_default(),
                device_name: device.map(|d| d.name.clone()).unwrap_or_default(),
                model_id: device.map(|d| d.model_id.clone()).unwrap_or_default(),
                state,
                is_change: r.is_change,
                submitted_at: r.submitted_at.map(display_time),
                due_at: r.due_at.map(display_time),
                time_in_queue: (state == RequestState::Submitted)
                    .then_some(r.submitted_at)
                    .flatten()
                    .map(|since| duration_words((at - since).num_seconds())),
                overdue: is_overdue(state, r.due_at, at),
                claimed_by: r.claimed_by_email.clone(),
                id: r.id,
            }
        })
        .collect();
    Ok(ReviewQueue { filter: filter.to_owned(), items })
}

/// A request the reviewers can see: anything but a draft.
async fn find_request(
    conn: &impl ConnectionTrait,
    request_id: &str,
) -> Result<replenishment_request::Model, AppError> {
    replenishment_request::Entity::find_by_id(request_id)
        .filter(replenishment_request::Column::State.ne(RequestState::Draft.as_str()))
        .one(conn)
        .await?
        .ok_or(AppError::NotFound)
}

/// Everything a request shows a reviewer: the device, each slot as requested, the thread.
pub async fn load_request(
    conn: &impl ConnectionTrait,
    reviewer: &Viewer,
    request_id: &str,
) -> Result<ReviewRequest, AppError> {
    let request = find_request(conn, request_id).await?;
    let organization_id = request.organization_id.as_str();
    let device = device::Entity::find_by_id(&request.device_id)
        .filter(device::Column::OrganizationId.eq(organization_id))
        .one(conn)
        .await?
        .ok_or(AppError::NotFound)?;
    let organization_name = organization::Entity::find_by_id(organization_id)
        .one(conn)
        .await?
        .map(|o| o.name)
        .unwrap_or_default();
    let marketplaces = device_marketplace::Entity::find()
        .filter(device_marketplace::Column::OrganizationId.eq(organization_id))
        .filter(device_marketplace::Column::DeviceId.eq(&device.id))
        .all(conn)
        .await?;
    let slots: HashMap<String, slot::Model> = slot::Entity::find()
        .filter(slot::Column::OrganizationId.eq(organization_id))
        .filter(slot::Column::DeviceId.eq(&device.id))
        .all(conn)
        .await?
        .into_iter()
        .map(|s| (s.id.clone(), s))
        .collect();
    let names = slot_names(conn, organization_id, slots.keys().cloned().collect()).await?;
    let categories: HashMap<String, String> =
        load_catalogues(conn).await?.categories.into_iter().map(|c| (c.code, c.name)).collect();
    let mut requested: Vec<(i32, ReviewSlot)> = slots_of_request(conn, organization_id, &request.id)
        .await?
        .into_iter()
        .filter_map(|row| {
            let stored = slots.get(&row.slot_key)?;
            let sensor = SensorType::parse(&row.sensor_type).ok();
            Some((
                stored.position,
                ReviewSlot {
                    slot_id: stored.slot_id.clone(),
                    category_name: categories.get(&stored.category_code).cloned().unwrap_or_default(),
                    names: names.get(&stored.id).cloned().unwrap_or_default(),
                    sensor_type: row.sensor_type.clone(),
                    sensor_explanation: sensor.map(|s| s.explanation().to_owned()).unwrap_or_default(),
                    measurement: Measurement::parse(&row.measurement, &row.unit)
                        .map(|m| m.label())
                        .unwrap_or_default(),
                    unit_size: row.unit_size,
                    description: row.description,
                    asins: row.asins,
                    detail: row.detail,
                    replenishment_id: stored.replenishment_id.clone(),
                },
            ))
        })
        .collect();
    requested.sort_by_key(|(position, _)| *position);
    let state = RequestState::parse(&request.state).unwrap_or(RequestState::Submitted);
    let mut marketplace_codes: Vec<String> = marketplaces
        .iter()
        .map(|m| {
            if m.is_primary {
                format!("{} (primary)", m.marketplace_code)
            } else {
                m.marketplace_code.clone()
            }
        })
        .collect();
    marketplace_codes.sort_by_key(|code| !code.ends_with("(primary)"));
    Ok(ReviewRequest {
        state,
        is_change: request.is_change,
        organization_name,
        device_kind: DeviceKind::parse(&device.kind).map(|k| k.label().to_owned()).unwrap_or_default(),
        device_type: device.device_type.clone(),
        device_name: device.name,
        model_id: device.model_id,
        marketplaces: marketplace_codes,
        submitted_by: request.created_by_email.clone(),
        customer_id: request.customer_id.clone(),
        test_accounts: request.test_accounts.lines().map(str::to_owned).collect(),
        submitted_at: request.submitted_at.map(display_time),
        due_at: request.due_at.map(display_time),
        overdue: is_overdue(state, request.due_at, now()),
        claimed_by_viewer: request.claimed_by_user_id.as_deref() == Some(reviewer.user_id.as_str()),
        own_organization: is_member(conn, organization_id, &reviewer.user_id).await?,
        claimed_by: request.claimed_by_email.clone(),
        slots: requested.into_iter().map(|(_, slot)| slot).collect(),
        thread: thread_of(conn, organization_id, &request.id, true).await?,
        id: request.id,
    })
}

/// Customer-facing names per slot key, "US: Water filter".
async fn slot_names(
    conn: &impl ConnectionTrait,
    organization_id: &str,
    keys: Vec<String>,
) -> Result<HashMap<String, Vec<String>>, AppError> {
    use crate::entities::slot_name;
    let mut names: HashMap<String, Vec<String>> = HashMap::new();
    if keys.is_empty() {
        return Ok(names);
    }
    for row in slot_name::Entity::find()
        .filter(slot_name::Column::OrganizationId.eq(organization_id))
        .filter(slot_name::Column::SlotKey.is_in(keys))
        .order_by_asc(slot_name::Column::MarketplaceCode)
        .all(conn)
        .await?
    {
        names.entry(row.slot_key).or_default().push(format!("{}: {}", row.marketplace_code, row.name));
    }
    Ok(names)
}

/// Marks the request as being reviewed by `reviewer` (taking it over from another reviewer if need be).
pub async fn claim_request(
    db: &DatabaseConnection,
    reviewer: &Actor,
    request_id: &str,
) -> Result<(), AppError> {
    require_reviewer(db, &reviewer.user_id).await?;
    let txn = transactions::begin(db).await?;
    let request = find_request(&txn, request_id).await?;
    require_independent(&txn, reviewer, &request).await?;
    let claimed = replenishment_request::Entity::update_many()
        .col_expr(replenishment_request::Column::ClaimedByUserId, Expr::value(reviewer.user_id.clone()))
        .col_expr(replenishment_request::Column::ClaimedByEmail, Expr::value(reviewer.email.clone()))
        .filter(replenishment_request::Column::Id.eq(&request.id))
        .filter(replenishment_request::Column::State.eq(RequestState::Submitted.as_str()))
        .exec(&txn)
        .await?;
    if claimed.rows_affected == 0 {
        return Err(AppError::Refused("Only a request waiting for review can be claimed.".into()));
    }
    record_event(&txn, &request, "claimed", reviewer, true, "").await?;
    audit::record(&txn, Some(&request.organization_id), Some(reviewer), "request.claimed", &request.id, "")
        .await?;
    txn.commit().await?;
    Ok(())
}

/// The replenishment ID format of the original service.
pub fn new_replenishment_id() -> String {
    format!("arn:alexa:smarthome:drs:sensor:{}", uuid::Uuid::new_v4())
}

/// Records a reviewer's decision. Approval issues a replenishment ID to each requested slot that has none
/// (a change request keeps the IDs already issued, so devices in the field keep working), fixes each
/// slot's sensor, measurement and ASIN list, and adds the test accounts to the device's allow list. The
/// maker's owners and developers are emailed; all in one transaction.
pub async fn decide_request(
    db: &DatabaseConnection,
    settings: &PortalSettings,
    reviewer: &Actor,
    request_id: &str,
    decision: Decision,
    note: &str,
) -> Result<(), AppError> {
    require_reviewer(db, &reviewer.user_id).await?;
    let note = match decision {
        Decision::Approve => note.trim().chars().take(crate::services::requests::MAX_NOTE).collect(),
        Decision::RequestChanges => parse_note("note", note, "what the maker needs to change")?,
        Decision::Reject => parse_note("reason", note, "the reason for the rejection")?,
    };
    let txn = transactions::begin(db).await?;
    let request = find_request(&txn, request_id).await?;
    require_independent(&txn, reviewer, &request).await?;
    // Locked like every change to the device's inventory, so that no slot changes under the decision.
    let device = lock_device(&txn, &request.organization_id, &request.device_id).await?;
    let from = RequestState::parse(&request.state).unwrap_or(RequestState::Submitted);
    let (action, event, audit_action) = match decision {
        Decision::Approve => (RequestAction::Approve, "approved", "request.approved"),
        Decision::RequestChanges => {
            (RequestAction::RequestChanges, "changes_requested", "request.changes_requested")
        }
        Decision::Reject => (RequestAction::Reject, "rejected", "request.rejected"),
    };
    let decided_at = now();
    transition(&txn, &request, from, action, |update| {
        update.col_expr(replenishment_request::Column::DecidedAt, Expr::value(decided_at))
    })
    .await?;
    let detail = if decision == Decision::Approve {
        let issued = approve_slots(&txn, &request, decided_at).await?;
        // New products or sensors change what customers were certified against.
        crate::services::certification_review::mark_changed(
            &txn,
            &request.organization_id,
            &request.device_id,
            None,
        )
        .await?;
        allow_test_accounts(&txn, &request).await?;
        format!("{issued} replenishment ID(s) issued")
    } else {
        note.clone()
    };
    record_event(&txn, &request, event, reviewer, true, &note).await?;
    request_mail::queue_decision(&txn, settings, &request, &device.name, decision, &note).await?;
    audit::record(&txn, Some(&request.organization_id), Some(reviewer), audit_action, &device.name, &detail)
        .await?;
    txn.commit().await?;
    Ok(())
}

/// Issues IDs and stores what approval fixed for each requested slot; returns how many IDs were new.
async fn approve_slots(
    txn: &impl ConnectionTrait,
    request: &replenishment_request::Model,
    approved_at: DateTime<Utc>,
) -> Result<usize, AppError> {
    let mut issued = 0;
    for row in slots_of_request(txn, &request.organization_id, &request.id).await? {
        let Some(stored) = slot::Entity::find_by_id(&row.slot_key)
            .filter(slot::Column::OrganizationId.eq(&request.organization_id))
            .one(txn)
            .await?
        else {
            continue;
        };
        if stored.replenishment_id.is_none() {
            let mut active: slot::ActiveModel = stored.into();
            active.replenishment_id = Set(Some(new_replenishment_id()));
            active.update(txn).await?;
            issued += 1;
        }
        slot_approval::Entity::delete_many()
            .filter(slot_approval::Column::OrganizationId.eq(&request.organization_id))
            .filter(slot_approval::Column::SlotKey.eq(&row.slot_key))
            .exec(txn)
            .await?;
        slot_approval::ActiveModel {
            slot_key: Set(row.slot_key),
            organization_id: Set(request.organization_id.clone()),
            request_id: Set(request.id.clone()),
            sensor_type: Set(row.sensor_type),
            measurement: Set(row.measurement),
            unit: Set(row.unit),
            unit_size: Set(row.unit_size),
            asins: Set(row.asins),
            approved_at: Set(approved_at),
        }
        .insert(txn)
        .await?;
    }
    Ok(issued)
}

/// Adds the request's test accounts to the device's sandbox allow list (once each).
async fn allow_test_accounts(
    txn: &impl ConnectionTrait,
    request: &replenishment_request::Model,
) -> Result<(), AppError> {
    let existing: Vec<String> = device_test_account::Entity::find()
        .filter(device_test_account::Column::OrganizationId.eq(&request.organization_id))
        .filter(device_test_account::Column::DeviceId.eq(&request.device_id))
        .all(txn)
        .await?
        .into_iter()
        .map(|a| a.email)
        .collect();
    for email in request.test_accounts.lines().filter(|e| !e.is_empty()) {
        if existing.iter().any(|e| e == email) {
            continue;
        }
        device_test_account::ActiveModel {
            id: Set(new_id()),
            organization_id: Set(request.organization_id.clone()),
            device_id: Set(request.device_id.clone()),
            email: Set(email.to_owned()),
            source: Set("request".to_owned()),
            created_at: Set(now()),
            accepted_at: Set(None),
        }
        .insert(txn)
        .await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_as_words() {
        assert_eq!(duration_words(0), "1 minute");
        assert_eq!(duration_words(59 * 60), "59 minutes");
        assert_eq!(duration_words(3_600), "1 hour");
        assert_eq!(duration_words(2 * 86_400), "2 days");
        assert_eq!(duration_words(86_400 + 3 * 3_600 + 120), "1 day 3 hours");
    }

    #[test]
    fn replenishment_ids_follow_the_original_format_and_differ() {
        let (a, b) = (new_replenishment_id(), new_replenishment_id());
        assert!(a.starts_with("arn:alexa:smarthome:drs:sensor:"));
        assert_eq!(a.len(), "arn:alexa:smarthome:drs:sensor:".len() + 36);
        assert_ne!(a, b);
    }
}
