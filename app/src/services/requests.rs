//! The maker's side of replenishment-ID requests: the device's tab, drafts, submission and withdrawal.
//! A device has at most one open request (draft, waiting for review, or sent back for changes); changes
//! to it run with the device's row locked, so two saves cannot open two requests.

use crate::entities::{replenishment_request, request_event, request_slot, slot, slot_approval};
use crate::error::{AppError, FieldErrors};
use crate::models::replenishment::{
    check_request, CheckedRequest, Measurement, RequestAction, RequestInput, RequestSlotInput, RequestState,
    SensorType,
};
use crate::models::{
    DeviceDetail, IssuedId, MakerRequest, ReplenishmentTab, RequestSlotView, Role, ThreadEntry, Viewer,
};
use crate::services::audit::{self, Actor};
use crate::services::business_days::{add_business_days, REVIEW_BUSINESS_DAYS};
use crate::services::device_pages::load_device;
use crate::services::devices::lock_device;
use crate::services::organizations::require_role;
use crate::services::read_cache::{DeviceKey, ReadCache};
use crate::services::transactions;
use crate::services::{display_time, now, request_mail, tokens::new_id};
use crate::state::PortalSettings;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder,
    Set, UpdateMany,
};

/// What the maker's button asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Intent {
    SaveDraft,
    Submit,
}

impl Intent {
    pub fn parse(raw: &str) -> Self {
        if raw == "submit" {
            Intent::Submit
        } else {
            Intent::SaveDraft
        }
    }
}

const CHANGED_MEANWHILE: &str = "Someone else changed this request meanwhile. Reload to see where it stands.";

const OPEN_STATES: [RequestState; 3] =
    [RequestState::Draft, RequestState::Submitted, RequestState::ChangesRequested];

fn state_of(request: &replenishment_request::Model) -> RequestState {
    RequestState::parse(&request.state).unwrap_or(RequestState::Draft)
}

/// The device's requests, newest first.
async fn requests_of(
    conn: &impl ConnectionTrait,
    organization_id: &str,
    device_id: &str,
) -> Result<Vec<replenishment_request::Model>, AppError> {
    Ok(replenishment_request::Entity::find()
        .filter(replenishment_request::Column::OrganizationId.eq(organization_id))
        .filter(replenishment_request::Column::DeviceId.eq(device_id))
        .order_by_desc(replenishment_request::Column::CreatedAt)
        .all(conn)
        .await?)
}

pub(crate) async fn slots_of_request(
    conn: &impl ConnectionTrait,
    organization_id: &str,
    request_id: &str,
) -> Result<Vec<request_slot::Model>, AppError> {
    Ok(request_slot::Entity::find()
        .filter(request_slot::Column::OrganizationId.eq(organization_id))
        .filter(request_slot::Column::RequestId.eq(request_id))
        .all(conn)
        .await?)
}

/// A request's thread, oldest first; `reviewer_names` shows reviewers' addresses (the console) instead of
/// the team's name (the maker's tab).
pub(crate) async fn thread_of(
    conn: &impl ConnectionTrait,
    organization_id: &str,
    request_id: &str,
    reviewer_names: bool,
) -> Result<Vec<ThreadEntry>, AppError> {
    let events = request_event::Entity::find()
        .filter(request_event::Column::OrganizationId.eq(organization_id))
        .filter(request_event::Column::RequestId.eq(request_id))
        .order_by_asc(request_event::Column::CreatedAt)
        .all(conn)
        .await?;
    Ok(events
        .into_iter()
        .map(|event| ThreadEntry {
            at: display_time(event.created_at),
            actor: if event.by_reviewer && !reviewer_names {
                "Replenish review".to_owned()
            } else {
                event.actor_email
            },
            what: event_label(&event.action).to_owned(),
            note: event.note,
        })
        .collect())
}

fn event_label(action: &str) -> &'static str {
    match action {
        "started" => "Started the request",
        "submitted" => "Submitted for review",
        "resubmitted" => "Resubmitted with changes",
        "withdrawn" => "Withdrew the request",
        "claimed" => "Claimed the review",
        "approved" => "Approved",
        "changes_requested" => "Requested changes",
        "rejected" => "Rejected",
        _ => "Updated",
    }
}

/// Adds an entry to a request's thread.
pub(crate) async fn record_event(
    conn: &impl ConnectionTrait,
    request: &replenishment_request::Model,
    action: &str,
    actor: &Actor,
    by_reviewer: bool,
    note: &str,
) -> Result<(), AppError> {
    request_event::ActiveModel {
        id: Set(new_id()),
        organization_id: Set(request.organization_id.clone()),
        request_id: Set(request.id.clone()),
        action: Set(action.to_owned()),
        actor_email: Set(actor.email.clone()),
        by_reviewer: Set(by_reviewer),
        note: Set(note.to_owned()),
        created_at: Set(now()),
    }
    .insert(conn)
    .await?;
    Ok(())
}

/// Moves a request from `from` to `to` only if it is still in `from`: a decision or withdrawal that raced
/// another one finds nothing to change and is refused.
pub(crate) async fn transition(
    conn: &impl ConnectionTrait,
    request: &replenishment_request::Model,
    from: RequestState,
    action: RequestAction,
    extra: impl FnOnce(UpdateMany<replenishment_request::Entity>) -> UpdateMany<replenishment_request::Entity>,
) -> Result<RequestState, AppError> {
    let to = from.after(action).map_err(AppError::Refused)?;
    let update = replenishment_request::Entity::update_many()
        .col_expr(replenishment_request::Column::State, Expr::value(to.as_str()))
        .col_expr(replenishment_request::Column::UpdatedAt, Expr::value(now()))
        .filter(replenishment_request::Column::Id.eq(&request.id))
        .filter(replenishment_request::Column::OrganizationId.eq(&request.organization_id))
        .filter(replenishment_request::Column::State.eq(from.as_str()));
    if extra(update).exec(conn).await?.rows_affected == 0 {
        return Err(AppError::Refused(CHANGED_MEANWHILE.into()));
    }
    Ok(to)
}

fn maker_request(request: &replenishment_request::Model, thread: Vec<ThreadEntry>) -> MakerRequest {
    MakerRequest {
        state: state_of(request),
        is_change: request.is_change,
        customer_id: request.customer_id.clone(),
        test_accounts: request.test_accounts.clone(),
        due_at: request.due_at.map(display_time),
        thread,
    }
}

fn slot_input(row: &request_slot::Model) -> RequestSlotInput {
    RequestSlotInput {
        sensor_type: row.sensor_type.clone(),
        measurement: row.measurement.clone(),
        unit: row.unit.clone(),
        unit_size: row.unit_size.clone(),
        description: row.description.clone(),
        asins: row.asins.clone(),
        detail: row.detail.clone(),
    }
}

/// Whether a request of the device is waiting for the reviewers' decision.
pub async fn under_review(
    conn: &impl ConnectionTrait,
    organization_id: &str,
    device_id: &str,
) -> Result<bool, AppError> {
    Ok(requests_of(conn, organization_id, device_id)
        .await?
        .iter()
        .any(|r| state_of(r) == RequestState::Submitted))
}

/// The device's *Replenishment IDs* tab as the member `viewer` sees it.
pub async fn load_tab(
    conn: &impl ConnectionTrait,
    devices: &ReadCache<DeviceKey, DeviceDetail>,
    viewer: &Viewer,
    organization_id: &str,
    device_id: &str,
) -> Result<ReplenishmentTab, AppError> {
    let detail = load_device(conn, devices, viewer, organization_id, device_id).await?;
    let requests = requests_of(conn, organization_id, device_id).await?;
    let open = requests.iter().find(|r| OPEN_STATES.contains(&state_of(r)));
    let last_closed = requests.iter().find(|r| !OPEN_STATES.contains(&state_of(r)));
    // The form starts from the open request, else from the newest one: a withdrawn or rejected request
    // is corrected rather than typed again, and a change request starts from what was approved.
    let source = open.or(requests.first());
    let source_slots = match source {
        Some(request) => slots_of_request(conn, organization_id, &request.id).await?,
        None => Vec::new(),
    };
    let slots = detail
        .slots
        .iter()
        .map(|s| RequestSlotView {
            key: s.key.clone(),
            slot_id: s.slot_id.clone(),
            category_name: s.category_name.clone(),
            names: s.names.iter().map(|(code, name)| format!("{code}: {name}")).collect(),
            values: source_slots.iter().find(|r| r.slot_key == s.key).map(slot_input).unwrap_or_default(),
            replenishment_id: s.replenishment_id.clone(),
        })
        .collect();
    let issued = issued_ids(conn, organization_id, &detail).await?;
    let uncovered =
        detail.slots.iter().filter(|s| s.replenishment_id.is_none()).map(|s| s.slot_id.clone()).collect();
    let open_view = match open {
        Some(request) => {
            Some(maker_request(request, thread_of(conn, organization_id, &request.id, false).await?))
        }
        None => None,
    };
    let closed_view = match last_closed {
        Some(request) => {
            Some(maker_request(request, thread_of(conn, organization_id, &request.id, false).await?))
        }
        None => None,
    };
    Ok(ReplenishmentTab {
        issued,
        uncovered,
        customer_id: source.map(|r| r.customer_id.clone()).unwrap_or_default(),
        test_accounts: source.map(|r| r.test_accounts.clone()).unwrap_or_default(),
        open: open_view,
        last_closed: closed_view,
        slots,
    })
}

async fn issued_ids(
    conn: &impl ConnectionTrait,
    organization_id: &str,
    detail: &DeviceDetail,
) -> Result<Vec<IssuedId>, AppError> {
    let keys: Vec<&str> =
        detail.slots.iter().filter(|s| s.replenishment_id.is_some()).map(|s| s.key.as_str()).collect();
    if keys.is_empty() {
        return Ok(Vec::new());
    }
    let approvals = slot_approval::Entity::find()
        .filter(slot_approval::Column::OrganizationId.eq(organization_id))
        .filter(slot_approval::Column::SlotKey.is_in(keys))
        .all(conn)
        .await?;
    let mut issued = Vec::new();
    for slot in &detail.slots {
        let (Some(id), Some(approval)) =
            (&slot.replenishment_id, approvals.iter().find(|a| a.slot_key == slot.key))
        else {
            continue;
        };
        let sensor = SensorType::parse(&approval.sensor_type).map_err(|_| AppError::Internal)?;
        let measurement =
            Measurement::parse(&approval.measurement, &approval.unit).map_err(|_| AppError::Internal)?;
        let names: Vec<(String, String)> = detail
            .marketplaces
            .iter()
            .filter_map(|m| {
                slot.names.get(&m.marketplace.code).map(|name| (m.marketplace.locale.clone(), name.clone()))
            })
            .collect();
        let capability =
            crate::services::discovery::capability(&slot.slot_id, sensor, &measurement, &names, id);
        issued.push(IssuedId {
            slot_id: slot.slot_id.clone(),
            replenishment_id: id.clone(),
            sensor_type: sensor.as_str().to_owned(),
            measurement: measurement.label(),
            unit_size: approval.unit_size.clone(),
            asins: approval.asins.clone(),
            discovery_json: serde_json::to_string_pretty(&capability).map_err(|_| AppError::Internal)?,
        });
    }
    Ok(issued)
}

/// Saves the request form as a draft, or submits it. Submitting checks that every slot is complete and,
/// in the same transaction, stores the due date and queues the reviewers' email and the submitter's
/// confirmation.
pub async fn save_request(
    db: &DatabaseConnection,
    settings: &PortalSettings,
    actor: &Actor,
    organization_id: &str,
    device_id: &str,
    intent: Intent,
    input: &RequestInput,
) -> Result<(), AppError> {
    require_role(db, organization_id, &actor.user_id, Role::can_edit).await?;
    let txn = transactions::begin(db).await?;
    let device = lock_device(&txn, organization_id, device_id).await?;
    let slots = slot::Entity::find()
        .filter(slot::Column::OrganizationId.eq(organization_id))
        .filter(slot::Column::DeviceId.eq(device_id))
        .order_by_asc(slot::Column::Position)
        .all(&txn)
        .await?;
    if slots.is_empty() {
        return Err(AppError::Refused("Add at least one slot on the Inventory tab first.".into()));
    }
    let pairs: Vec<(String, String)> = slots.iter().map(|s| (s.id.clone(), s.slot_id.clone())).collect();
    let checked = check_request(input, &pairs, intent == Intent::Submit).map_err(AppError::Validation)?;

    let requests = requests_of(&txn, organization_id, device_id).await?;
    let request = match requests.into_iter().find(|r| OPEN_STATES.contains(&state_of(r))) {
        Some(request) if state_of(&request) == RequestState::Submitted => {
            return Err(FieldErrors::new().refuse(
                "This request is waiting for review and cannot be changed. Withdraw it first to change it.",
            ));
        }
        Some(request) => {
            let mut active: replenishment_request::ActiveModel = request.into();
            active.customer_id = Set(checked.customer_id.clone());
            active.test_accounts = Set(checked.test_accounts.join("\n"));
            active.updated_at = Set(now());
            active.update(&txn).await?
        }
        None => {
            let at = now();
            let request = replenishment_request::ActiveModel {
                id: Set(new_id()),
                organization_id: Set(organization_id.to_owned()),
                device_id: Set(device_id.to_owned()),
                state: Set(RequestState::Draft.as_str().to_owned()),
                is_change: Set(slots.iter().any(|s| s.replenishment_id.is_some())),
                customer_id: Set(checked.customer_id.clone()),
                test_accounts: Set(checked.test_accounts.join("\n")),
                created_by_email: Set(actor.email.clone()),
                claimed_by_user_id: Set(None),
                claimed_by_email: Set(None),
                submitted_at: Set(None),
                due_at: Set(None),
                decided_at: Set(None),
                created_at: Set(at),
                updated_at: Set(at),
            }
            .insert(&txn)
            .await
            .map_err(|error| {
                // Another save opened a request for the device first (the partial unique index).
                if matches!(error.sql_err(), Some(sea_orm::SqlErr::UniqueConstraintViolation(_))) {
                    AppError::Refused(CHANGED_MEANWHILE.into())
                } else {
                    error.into()
                }
            })?;
            record_event(&txn, &request, "started", actor, false, "").await?;
            request
        }
    };
    store_slots(&txn, &request, &checked).await?;

    match intent {
        Intent::SaveDraft => {
            audit::record(&txn, Some(organization_id), Some(actor), "request.draft_saved", &device.name, "")
                .await?;
        }
        Intent::Submit => {
            let from = state_of(&request);
            let submitted_at = now();
            let due_at = add_business_days(submitted_at, REVIEW_BUSINESS_DAYS);
            transition(&txn, &request, from, RequestAction::Submit, |update| {
                update
                    .col_expr(replenishment_request::Column::SubmittedAt, Expr::value(submitted_at))
                    .col_expr(replenishment_request::Column::DueAt, Expr::value(due_at))
            })
            .await?;
            let resubmitted = from == RequestState::ChangesRequested;
            let action = if resubmitted { "resubmitted" } else { "submitted" };
            record_event(&txn, &request, action, actor, false, "").await?;
            let submission = request_mail::Submission {
                request: &request,
                device: &device,
                checked: &checked,
                submitter: actor,
                due_at,
                resubmitted,
            };
            request_mail::queue_submission(&txn, settings, &submission).await?;
            audit::record(
                &txn,
                Some(organization_id),
                Some(actor),
                "request.submitted",
                &device.name,
                &format!("due {}", display_time(due_at)),
            )
            .await?;
        }
    }
    txn.commit().await?;
    Ok(())
}

/// Replaces the request's slot rows with the checked ones.
async fn store_slots(
    txn: &impl ConnectionTrait,
    request: &replenishment_request::Model,
    checked: &CheckedRequest,
) -> Result<(), AppError> {
    request_slot::Entity::delete_many()
        .filter(request_slot::Column::OrganizationId.eq(&request.organization_id))
        .filter(request_slot::Column::RequestId.eq(&request.id))
        .exec(txn)
        .await?;
    for slot in &checked.slots {
        request_slot::ActiveModel {
            id: Set(new_id()),
            organization_id: Set(request.organization_id.clone()),
            request_id: Set(request.id.clone()),
            slot_key: Set(slot.slot_key.clone()),
            sensor_type: Set(slot.sensor_type.clone()),
            measurement: Set(slot.measurement.clone()),
            unit: Set(slot.unit.clone()),
            unit_size: Set(slot.unit_size.clone()),
            description: Set(slot.description.clone()),
            asins: Set(slot.asins.clone()),
            detail: Set(slot.detail.clone()),
        }
        .insert(txn)
        .await?;
    }
    Ok(())
}

/// The most characters of a note or reason.
pub const MAX_NOTE: usize = 2000;

/// A required note (a reason, the changes asked for), checked on `field`.
pub fn parse_note(field: &str, raw: &str, what: &str) -> Result<String, AppError> {
    let note = raw.trim();
    let message = if note.is_empty() {
        Some(format!("Enter {what}."))
    } else if note.chars().count() > MAX_NOTE {
        Some(format!("Keep it to {MAX_NOTE} characters."))
    } else {
        None
    };
    match message {
        Some(message) => {
            let mut errors = FieldErrors::new().keep(field, raw);
            errors.add(field, message);
            Err(AppError::Validation(errors))
        }
        None => Ok(note.to_owned()),
    }
}

/// Takes a request that is waiting for review back, with a reason the reviewers receive.
pub async fn withdraw_request(
    db: &DatabaseConnection,
    settings: &PortalSettings,
    actor: &Actor,
    organization_id: &str,
    device_id: &str,
    reason: &str,
) -> Result<(), AppError> {
    require_role(db, organization_id, &actor.user_id, Role::can_edit).await?;
    let reason = parse_note("reason", reason, "why you withdraw the request")?;
    let txn = transactions::begin(db).await?;
    let device = lock_device(&txn, organization_id, device_id).await?;
    let request = requests_of(&txn, organization_id, device_id)
        .await?
        .into_iter()
        .find(|r| state_of(r) == RequestState::Submitted)
        .ok_or_else(|| AppError::Refused("No request of this device is waiting for review.".into()))?;
    transition(&txn, &request, RequestState::Submitted, RequestAction::Withdraw, |update| update).await?;
    record_event(&txn, &request, "withdrawn", actor, false, &reason).await?;
    request_mail::queue_withdrawal(&txn, settings, &request, &device.name, &reason).await?;
    audit::record(&txn, Some(organization_id), Some(actor), "request.withdrawn", &device.name, &reason)
        .await?;
    txn.commit().await?;
    Ok(())
}
