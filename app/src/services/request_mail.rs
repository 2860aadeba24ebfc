//! The emails a replenishment-ID request causes, queued on the transaction that changes the request.

use crate::entities::{
    consumable_category, device, membership, organization, replenishment_request, slot, user,
};
use crate::error::AppError;
use crate::models::replenishment::{CheckedRequest, Measurement, SensorType};
use crate::models::{DeviceKind, Role};
use crate::services::audit::Actor;
use crate::services::display_time;
use crate::services::mail::{queue_email, OutgoingEmail};
use crate::state::PortalSettings;
use chrono::{DateTime, Utc};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};
use std::collections::HashMap;

/// A reviewer's decision, as the maker's email words it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    Approve,
    RequestChanges,
    Reject,
}

async fn organization_name(conn: &impl ConnectionTrait, organization_id: &str) -> Result<String, AppError> {
    Ok(organization::Entity::find_by_id(organization_id).one(conn).await?.map(|o| o.name).unwrap_or_default())
}

fn console_link(settings: &PortalSettings, request_id: &str) -> String {
    settings.link(&format!("/review/requests/{request_id}"))
}

fn tab_link(settings: &PortalSettings, request: &replenishment_request::Model) -> String {
    settings.link(&format!("/orgs/{}/devices/{}/replenishment", request.organization_id, request.device_id))
}

fn request_noun(request: &replenishment_request::Model) -> &'static str {
    if request.is_change {
        "change request"
    } else {
        "replenishment-ID request"
    }
}

/// A request at the moment it is sent to the reviewers.
pub struct Submission<'a> {
    pub request: &'a replenishment_request::Model,
    pub device: &'a device::Model,
    pub checked: &'a CheckedRequest,
    pub submitter: &'a Actor,
    pub due_at: DateTime<Utc>,
    /// Sent again after the reviewers asked for changes.
    pub resubmitted: bool,
}

/// Queues the full request to the review inbox, with a link into the console, and a confirmation to the
/// submitter.
pub async fn queue_submission(
    conn: &impl ConnectionTrait,
    settings: &PortalSettings,
    submission: &Submission<'_>,
) -> Result<(), AppError> {
    let Submission { request, device, checked, submitter, due_at, resubmitted } = *submission;
    let organization = organization_name(conn, &request.organization_id).await?;
    let slots: HashMap<String, slot::Model> = slot::Entity::find()
        .filter(slot::Column::OrganizationId.eq(&request.organization_id))
        .filter(slot::Column::DeviceId.eq(&device.id))
        .all(conn)
        .await?
        .into_iter()
        .map(|s| (s.id.clone(), s))
        .collect();
    let categories: HashMap<String, String> =
        consumable_category::Entity::find().all(conn).await?.into_iter().map(|c| (c.code, c.name)).collect();
    let kind = DeviceKind::parse(&device.kind).map(|k| k.label()).unwrap_or_default();
    let due = display_time(due_at);
    let noun = request_noun(request);

    let mut paragraphs = vec![
        format!(
            "{} of {organization} {} a {noun} for {} (model ID {}, {kind}{}).",
            submitter.email,
            if resubmitted { "resubmitted, with the changes asked for," } else { "submitted" },
            device.name,
            device.model_id,
            device.device_type.as_ref().map(|t| format!(", device type {t}")).unwrap_or_default(),
        ),
        format!("Due: {due} (seven business days)."),
        format!("Customer ID: {}. Test accounts: {}.", checked.customer_id, checked.test_accounts.join(", ")),
    ];
    for requested in &checked.slots {
        let Some(stored) = slots.get(&requested.slot_key) else { continue };
        let sensor = SensorType::parse(&requested.sensor_type).map(|s| s.as_str()).unwrap_or_default();
        let measurement = Measurement::parse(&requested.measurement, &requested.unit)
            .map(|m| m.label())
            .unwrap_or_default();
        paragraphs.push(format!(
            "Slot {} ({}): sensor {sensor}; measurement {measurement}; unit size {}; consumable: {}; ASINs: {}; detail: {}.",
            stored.slot_id,
            categories.get(&stored.category_code).map(String::as_str).unwrap_or(&stored.category_code),
            requested.unit_size,
            requested.description,
            if requested.asins.is_empty() { "any (no custom list)" } else { &requested.asins },
            if requested.detail.is_empty() { "none" } else { &requested.detail },
        ));
    }
    queue_email(
        conn,
        OutgoingEmail::compose(
            &settings.review_inbox,
            &format!("Review needed: {noun} for {} ({organization}), due {due}", device.name),
            &paragraphs,
            Some(("Open in the review console", &console_link(settings, &request.id))),
        ),
    )
    .await?;
    queue_email(
        conn,
        OutgoingEmail::compose(
            &submitter.email,
            &format!("We received your {noun} for {}", device.name),
            &[
                format!("Thank you: your {noun} for {} is with the reviewers.", device.name),
                format!(
                    "They decide by {due}. Owners and developers of {organization} get an email when they do."
                ),
            ],
            Some(("View the request", &tab_link(settings, request))),
        ),
    )
    .await?;
    Ok(())
}

/// Tells the review inbox that a request was taken back.
pub async fn queue_withdrawal(
    conn: &impl ConnectionTrait,
    settings: &PortalSettings,
    request: &replenishment_request::Model,
    device_name: &str,
    reason: &str,
) -> Result<(), AppError> {
    let organization = organization_name(conn, &request.organization_id).await?;
    let noun = request_noun(request);
    queue_email(
        conn,
        OutgoingEmail::compose(
            &settings.review_inbox,
            &format!("Withdrawn: {noun} for {device_name} ({organization})"),
            &[format!("{organization} withdrew its {noun} for {device_name}."), format!("Reason: {reason}")],
            Some(("Open in the review console", &console_link(settings, &request.id))),
        ),
    )
    .await?;
    Ok(())
}

/// Emails a decision to every owner and developer of the request's organization.
pub async fn queue_decision(
    conn: &impl ConnectionTrait,
    settings: &PortalSettings,
    request: &replenishment_request::Model,
    device_name: &str,
    decision: Decision,
    note: &str,
) -> Result<(), AppError> {
    let noun = request_noun(request);
    let (subject, mut paragraphs) = match decision {
        Decision::Approve => (
            format!("Approved: your {noun} for {device_name}"),
            vec![format!(
                "Your {noun} for {device_name} was approved. Each slot's replenishment ID and the discovery \
                 JSON to paste into your skill are on the device's Replenishment IDs tab."
            )],
        ),
        Decision::RequestChanges => (
            format!("Changes requested: your {noun} for {device_name}"),
            vec![format!(
                "The reviewers need changes to your {noun} for {device_name} before they can approve it. \
                 Edit the request and submit it again."
            )],
        ),
        Decision::Reject => (
            format!("Rejected: your {noun} for {device_name}"),
            vec![format!("Your {noun} for {device_name} was rejected.")],
        ),
    };
    if !note.is_empty() {
        let label = match decision {
            Decision::Approve => "Note",
            Decision::RequestChanges => "Changes needed",
            Decision::Reject => "Reason",
        };
        paragraphs.push(format!("{label}: {note}"));
    }
    let link = tab_link(settings, request);
    for email in maker_recipients(conn, &request.organization_id).await? {
        queue_email(
            conn,
            OutgoingEmail::compose(&email, &subject, &paragraphs, Some(("Open the request", &link))),
        )
        .await?;
    }
    Ok(())
}

/// The addresses of the organization's owners and developers.
async fn maker_recipients(
    conn: &impl ConnectionTrait,
    organization_id: &str,
) -> Result<Vec<String>, AppError> {
    let user_ids: Vec<String> = membership::Entity::find()
        .filter(membership::Column::OrganizationId.eq(organization_id))
        .filter(membership::Column::Role.is_in([Role::Owner.as_str(), Role::Developer.as_str()]))
        .all(conn)
        .await?
        .into_iter()
        .map(|m| m.user_id)
        .collect();
    if user_ids.is_empty() {
        return Ok(Vec::new());
    }
    let mut emails: Vec<String> = user::Entity::find()
        .filter(user::Column::Id.is_in(user_ids))
        .all(conn)
        .await?
        .into_iter()
        .map(|u| u.email)
        .collect();
    emails.sort();
    Ok(emails)
}
