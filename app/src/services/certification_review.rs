//! Certifying a marketplace: the maker submits when every case passes (checked again here, whatever the
//! page showed), reviewers certify or fail it from their console, and the maker is emailed the outcome.
//! Changing a certified device's slots or customer-facing names marks it as needing re-certification.

use crate::entities::{certification_request, device, device_marketplace, organization, user};
use crate::error::{AppError, FieldErrors};
use crate::models::certification::{
    CertificationCase, CertificationQueueItem, CertificationReview, SUBMITTABLE_STATES,
};
use crate::models::Role;
use crate::services::audit::{self, Actor};
use crate::services::certification::{checklist, CERTIFIED, FAILED, SUBMITTED};
use crate::services::devices::lock_device;
use crate::services::mail::{queue_email, OutgoingEmail};
use crate::services::organizations::{member_role, require_role};
use crate::services::transactions;
use crate::services::{display_time, now, tokens::new_id};
use crate::state::PortalSettings;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder,
    Set,
};

/// The device marketplace's states, as `device_marketplace.certification_state` stores them.
pub const MARKETPLACE_NOT_CERTIFIED: &str = "not_certified";
pub const MARKETPLACE_SUBMITTED: &str = "submitted";
pub const MARKETPLACE_CERTIFIED: &str = "certified";
pub const MARKETPLACE_NEEDS_RECERTIFICATION: &str = "needs_recertification";

/// Longest reviewer note kept.
const NOTE_LIMIT: usize = 2_000;

fn review_link(settings: &PortalSettings, request_id: &str) -> String {
    settings.link(&format!("/review/certifications/{request_id}"))
}

fn tab_link(settings: &PortalSettings, organization_id: &str, device_id: &str) -> String {
    settings.link(&format!("/orgs/{organization_id}/devices/{device_id}/certification"))
}

async fn enabled_marketplace(
    conn: &impl ConnectionTrait,
    device: &device::Model,
    code: &str,
) -> Result<device_marketplace::Model, AppError> {
    device_marketplace::Entity::find()
        .filter(device_marketplace::Column::OrganizationId.eq(&device.organization_id))
        .filter(device_marketplace::Column::DeviceId.eq(&device.id))
        .filter(device_marketplace::Column::MarketplaceCode.eq(code))
        .one(conn)
        .await?
        .ok_or(AppError::NotFound)
}

/// Submits the marketplace for certification with its checklist as evidence, and emails the reviewers.
pub async fn submit(
    db: &DatabaseConnection,
    settings: &PortalSettings,
    actor: &Actor,
    organization_id: &str,
    device_id: &str,
    marketplace_code: &str,
) -> Result<(), AppError> {
    require_role(db, organization_id, &actor.user_id, Role::can_edit).await?;
    let txn = transactions::begin(db).await?;
    let device = lock_device(&txn, organization_id, device_id).await?;
    let enabled = enabled_marketplace(&txn, &device, marketplace_code).await?;
    if !SUBMITTABLE_STATES.contains(&enabled.certification_state.as_str()) {
        return Err(AppError::Refused(match enabled.certification_state.as_str() {
            MARKETPLACE_SUBMITTED => "This marketplace is already waiting for review.".into(),
            _ => "This marketplace is already certified.".into(),
        }));
    }
    let list = checklist(&txn, &device, &enabled).await?;
    let failing: Vec<&str> = list.cases.iter().filter(|c| !c.passed).map(|c| c.title.as_str()).collect();
    if !failing.is_empty() {
        return Err(AppError::Refused(format!(
            "Every case must pass before certification. Not yet: {}.",
            failing.join("; ")
        )));
    }
    let at = now();
    let id = new_id();
    certification_request::ActiveModel {
        id: Set(id.clone()),
        organization_id: Set(organization_id.to_owned()),
        device_id: Set(device.id.clone()),
        marketplace_code: Set(marketplace_code.to_owned()),
        state: Set(SUBMITTED.to_owned()),
        evidence: Set(serde_json::to_string(&list.cases).unwrap_or_default()),
        submitted_by: Set(actor.user_id.clone()),
        submitted_at: Set(at),
        decided_by: Set(None),
        decided_at: Set(None),
        note: Set(String::new()),
    }
    .insert(&txn)
    .await?;
    let mut active: device_marketplace::ActiveModel = enabled.into();
    active.certification_state = Set(MARKETPLACE_SUBMITTED.to_owned());
    active.update(&txn).await?;
    audit::record(
        &txn,
        Some(organization_id),
        Some(actor),
        "certification.submitted",
        &device.model_id,
        marketplace_code,
    )
    .await?;
    let organization_name = organization_name(&txn, organization_id).await?;
    let mut paragraphs = vec![format!(
        "{} of {organization_name} asks to certify {} (model ID {}) in {marketplace_code}. Every case of the checklist passed:",
        actor.email, device.name, device.model_id
    )];
    paragraphs.extend(list.cases.iter().map(|c| format!("{}: {}", c.title, c.evidence)));
    queue_email(
        &txn,
        OutgoingEmail::compose(
            &settings.review_inbox,
            &format!("Certification requested: {} in {marketplace_code} ({organization_name})", device.name),
            &paragraphs,
            Some(("Open in the review console", &review_link(settings, &id))),
        ),
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

async fn organization_name(conn: &impl ConnectionTrait, organization_id: &str) -> Result<String, AppError> {
    Ok(organization::Entity::find_by_id(organization_id).one(conn).await?.map(|o| o.name).unwrap_or_default())
}

/// Certification requests waiting for a reviewer, oldest first.
pub async fn queue(conn: &impl ConnectionTrait) -> Result<Vec<CertificationQueueItem>, AppError> {
    let requests = certification_request::Entity::find()
        .filter(certification_request::Column::State.eq(SUBMITTED))
        .order_by_asc(certification_request::Column::SubmittedAt)
        .all(conn)
        .await?;
    let mut items = Vec::with_capacity(requests.len());
    for request in requests {
        let device = device::Entity::find_by_id(&request.device_id).one(conn).await?;
        let Some(device) = device else { continue };
        items.push(CertificationQueueItem {
            organization_name: organization_name(conn, &request.organization_id).await?,
            id: request.id,
            device_name: device.name,
            model_id: device.model_id,
            marketplace: request.marketplace_code,
            submitted_at: display_time(request.submitted_at),
        });
    }
    Ok(items)
}

async fn find_request(
    conn: &impl ConnectionTrait,
    id: &str,
) -> Result<certification_request::Model, AppError> {
    certification_request::Entity::find_by_id(id).one(conn).await?.ok_or(AppError::NotFound)
}

/// One certification request with the evidence it was submitted with.
pub async fn load(conn: &impl ConnectionTrait, id: &str) -> Result<CertificationReview, AppError> {
    let request = find_request(conn, id).await?;
    let device = device::Entity::find_by_id(&request.device_id).one(conn).await?.ok_or(AppError::NotFound)?;
    let submitted_by =
        user::Entity::find_by_id(&request.submitted_by).one(conn).await?.map(|u| u.email).unwrap_or_default();
    let cases: Vec<CertificationCase> = serde_json::from_str(&request.evidence).unwrap_or_default();
    Ok(CertificationReview {
        organization_name: organization_name(conn, &request.organization_id).await?,
        id: request.id,
        device_name: device.name,
        model_id: device.model_id,
        marketplace: request.marketplace_code,
        state: request.state,
        submitted_by,
        submitted_at: display_time(request.submitted_at),
        cases,
        decided: request.decided_at.map(display_time),
        note: request.note,
    })
}

/// A reviewer's decision on a certification request: `certify`, or fail it with a note saying why.
pub async fn decide(
    db: &DatabaseConnection,
    settings: &PortalSettings,
    reviewer: &Actor,
    id: &str,
    certify: bool,
    note: &str,
) -> Result<(), AppError> {
    let note = note.trim();
    let mut errors = FieldErrors::new().keep("note", note);
    if !certify && note.is_empty() {
        errors.add("note", "Say what failed, so the maker can fix it.");
    }
    if note.chars().count() > NOTE_LIMIT {
        errors.add("note", format!("Keep the note under {NOTE_LIMIT} characters."));
    }
    if !errors.messages.is_empty() {
        return Err(AppError::Validation(errors));
    }
    let txn = transactions::begin(db).await?;
    let request = find_request(&txn, id).await?;
    // Nobody certifies their own organization's device.
    match member_role(&txn, &request.organization_id, &reviewer.user_id).await {
        Err(AppError::NotFound) => {}
        Err(error) => return Err(error),
        Ok(_) => return Err(AppError::Refused(
            "You are a member of the organization that sent this request; another reviewer must decide it."
                .into(),
        )),
    }
    let at = now();
    let decided = certification_request::Entity::update_many()
        .col_expr(certification_request::Column::State, Expr::value(if certify { CERTIFIED } else { FAILED }))
        .col_expr(certification_request::Column::DecidedBy, Expr::value(reviewer.user_id.clone()))
        .col_expr(certification_request::Column::DecidedAt, Expr::value(at))
        .col_expr(certification_request::Column::Note, Expr::value(note.to_owned()))
        .filter(certification_request::Column::Id.eq(id))
        .filter(certification_request::Column::State.eq(SUBMITTED))
        .exec(&txn)
        .await?;
    if decided.rows_affected != 1 {
        return Err(AppError::Refused("This request was already decided.".into()));
    }
    let device = lock_device(&txn, &request.organization_id, &request.device_id).await?;
    let enabled = enabled_marketplace(&txn, &device, &request.marketplace_code).await?;
    let was_live = enabled.certified_at.is_some();
    let mut active: device_marketplace::ActiveModel = enabled.into();
    if certify {
        active.certification_state = Set(MARKETPLACE_CERTIFIED.to_owned());
        if !was_live {
            active.certified_at = Set(Some(at));
        }
    } else {
        // A failed re-certification leaves live use on, as it was; the maker is told what to fix.
        let state = if was_live { MARKETPLACE_NEEDS_RECERTIFICATION } else { MARKETPLACE_NOT_CERTIFIED };
        active.certification_state = Set(state.to_owned());
    }
    active.update(&txn).await?;
    let code = &request.marketplace_code;
    audit::record(
        &txn,
        Some(&request.organization_id),
        Some(reviewer),
        if certify { "certification.certified" } else { "certification.failed" },
        &device.model_id,
        &format!("{code}{}", if note.is_empty() { String::new() } else { format!(": {note}") }),
    )
    .await?;
    if let Some(maker) = user::Entity::find_by_id(&request.submitted_by).one(&txn).await? {
        let (subject, mut paragraphs) = if certify {
            (
                format!("Certified: {} in {code}", device.name),
                vec![format!(
                    "{} is certified in {code}: customers there can now link it for live replenishment.",
                    device.name
                )],
            )
        } else {
            (
                format!("Certification failed: {} in {code}", device.name),
                vec![format!("The reviewers did not certify {} in {code}.", device.name)],
            )
        };
        if !note.is_empty() {
            paragraphs.push(format!("Reviewer's note: {note}"));
        }
        queue_email(
            &txn,
            OutgoingEmail::compose(
                &maker.email,
                &subject,
                &paragraphs,
                Some((
                    "Open the certification tab",
                    &tab_link(settings, &device.organization_id, &device.id),
                )),
            ),
        )
        .await?;
    }
    txn.commit().await?;
    Ok(())
}

/// After a change to the device's slots or customer-facing names in the marketplaces `codes` (all of them
/// when `None`): a certified marketplace needs re-certification, and a request waiting for review is
/// withdrawn, since its evidence no longer describes the device. Call it in the transaction of the change.
pub async fn mark_changed(
    txn: &impl ConnectionTrait,
    organization_id: &str,
    device_id: &str,
    codes: Option<Vec<String>>,
) -> Result<(), AppError> {
    let affected = device_marketplace::Entity::find()
        .filter(device_marketplace::Column::OrganizationId.eq(organization_id))
        .filter(device_marketplace::Column::DeviceId.eq(device_id))
        .filter(
            device_marketplace::Column::CertificationState
                .is_in([MARKETPLACE_CERTIFIED, MARKETPLACE_SUBMITTED]),
        )
        .all(txn)
        .await?
        .into_iter()
        .filter(|m| codes.as_ref().is_none_or(|codes| codes.contains(&m.marketplace_code)));
    for enabled in affected {
        if enabled.certification_state == MARKETPLACE_SUBMITTED {
            certification_request::Entity::update_many()
                .col_expr(certification_request::Column::State, Expr::value(FAILED))
                .col_expr(certification_request::Column::DecidedAt, Expr::value(now()))
                .col_expr(
                    certification_request::Column::Note,
                    Expr::value("Withdrawn: the device changed after it was submitted. Submit it again."),
                )
                .filter(certification_request::Column::DeviceId.eq(device_id))
                .filter(certification_request::Column::MarketplaceCode.eq(&enabled.marketplace_code))
                .filter(certification_request::Column::State.eq(SUBMITTED))
                .exec(txn)
                .await?;
        }
        let state = if enabled.certified_at.is_some() {
            MARKETPLACE_NEEDS_RECERTIFICATION
        } else {
            MARKETPLACE_NOT_CERTIFIED
        };
        let mut active: device_marketplace::ActiveModel = enabled.into();
        active.certification_state = Set(state.to_owned());
        active.update(txn).await?;
    }
    Ok(())
}
