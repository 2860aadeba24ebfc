//! The certification checklist of a device in a marketplace. Every case is decided from what is stored:
//! the device's own data, and what its test registrations in that marketplace did through the runtime API.

use crate::entities::{
    api_request, certification_request, device, device_image, device_marketplace, marketplace, notification,
    notification_delivery, oauth_token, registration, registration_slot, replenishment_order, slot,
    slot_name,
};
use crate::error::AppError;
use crate::models::certification::{CertificationCase, CertificationTab, MarketplaceChecklist};
use crate::models::notification::NOTIFICATION_TYPES;
use crate::services::display_time;
use crate::services::orders::CANCELLED;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder};
use std::collections::{BTreeSet, HashSet};

/// States of a certification request.
pub const SUBMITTED: &str = "submitted";
pub const CERTIFIED: &str = "certified";
pub const FAILED: &str = "failed";

const REPLENISH_CALL: &str = "POST /replenish/{slot_id}";
const SLOT_STATUS_CALL: &str = "POST /slotStatus/{slot_id}";
const EVENTS_CALL: &str = "POST /v3/events";

/// The checklist of every marketplace of the device, for a member of its organization.
pub async fn load_tab(
    db: &impl ConnectionTrait,
    user_id: &str,
    organization_id: &str,
    device_id: &str,
) -> Result<CertificationTab, AppError> {
    let role = crate::services::organizations::member_role(db, organization_id, user_id).await?;
    let device = crate::services::devices::find_device(db, organization_id, device_id).await?;
    let enabled = device_marketplace::Entity::find()
        .filter(device_marketplace::Column::OrganizationId.eq(organization_id))
        .filter(device_marketplace::Column::DeviceId.eq(device_id))
        .order_by_desc(device_marketplace::Column::IsPrimary)
        .order_by_asc(device_marketplace::Column::MarketplaceCode)
        .all(db)
        .await?;
    let mut marketplaces = Vec::with_capacity(enabled.len());
    for enabled in &enabled {
        marketplaces.push(checklist(db, &device, enabled).await?);
    }
    Ok(CertificationTab { marketplaces, can_edit: role.can_edit() })
}

fn case(key: &str, title: &str, passed: bool, evidence: String, link: Option<String>) -> CertificationCase {
    CertificationCase { key: key.into(), title: title.into(), passed, evidence, link }
}

fn sandbox_link(base: &str, call: &str) -> String {
    format!("{base}/sandbox?call={}", crate::components::urlencode(call))
}

/// The checklist of one marketplace of the device.
pub async fn checklist(
    db: &impl ConnectionTrait,
    device: &device::Model,
    enabled: &device_marketplace::Model,
) -> Result<MarketplaceChecklist, AppError> {
    let (organization_id, code) = (&device.organization_id, &enabled.marketplace_code);
    let base = format!("/orgs/{organization_id}/devices/{}", device.id);
    let name =
        marketplace::Entity::find_by_id(code.as_str()).one(db).await?.map(|m| m.name).unwrap_or_default();
    let slots = slot::Entity::find()
        .filter(slot::Column::OrganizationId.eq(organization_id))
        .filter(slot::Column::DeviceId.eq(&device.id))
        .order_by_asc(slot::Column::Position)
        .all(db)
        .await?;
    let slot_keys: Vec<String> = slots.iter().map(|s| s.id.clone()).collect();
    let mut cases = Vec::new();

    let images = device_image::Entity::find()
        .filter(device_image::Column::OrganizationId.eq(organization_id))
        .filter(device_image::Column::DeviceId.eq(&device.id))
        .count(db)
        .await?;
    cases.push(case(
        "image",
        "Device image present",
        images > 0,
        if images > 0 { "An image is uploaded.".into() } else { "No image yet.".into() },
        Some(base.clone()),
    ));

    let named: HashSet<String> = slot_name::Entity::find()
        .filter(slot_name::Column::OrganizationId.eq(organization_id))
        .filter(slot_name::Column::MarketplaceCode.eq(code))
        .filter(slot_name::Column::SlotKey.is_in(slot_keys.clone()))
        .all(db)
        .await?
        .into_iter()
        .filter(|n| !n.name.trim().is_empty())
        .map(|n| n.slot_key)
        .collect();
    let friendly = enabled.friendly_name.as_deref().map(str::trim).filter(|n| !n.is_empty());
    let unnamed: Vec<&str> =
        slots.iter().filter(|s| !named.contains(&s.id)).map(|s| s.slot_id.as_str()).collect();
    cases.push(case(
        "names",
        "Friendly name and every slot name localized",
        friendly.is_some() && unnamed.is_empty() && !slots.is_empty(),
        match (friendly, unnamed.is_empty()) {
            (None, _) => format!("No friendly name for {code}."),
            (Some(_), false) => format!("No {code} name for slot(s) {}.", unnamed.join(", ")),
            (Some(friendly), true) => format!("“{friendly}” and {} slot name(s).", slots.len()),
        },
        Some(format!("{base}/{}", if friendly.is_none() { "localization" } else { "slot-localization" })),
    ));

    let without_id: Vec<&str> =
        slots.iter().filter(|s| s.replenishment_id.is_none()).map(|s| s.slot_id.as_str()).collect();
    cases.push(case(
        "ids",
        "Replenishment IDs issued for every slot",
        without_id.is_empty() && !slots.is_empty(),
        if slots.is_empty() {
            "The device has no slots.".into()
        } else if without_id.is_empty() {
            format!("{} ID(s) issued.", slots.len())
        } else {
            format!("No ID yet for {}.", without_id.join(", "))
        },
        Some(format!("{base}/replenishment")),
    ));

    let registrations = registration::Entity::find()
        .filter(registration::Column::OrganizationId.eq(organization_id))
        .filter(registration::Column::DeviceId.eq(&device.id))
        .filter(registration::Column::MarketplaceCode.eq(code))
        .filter(registration::Column::IsTest.eq(true))
        .order_by_asc(registration::Column::CreatedAt)
        .all(db)
        .await?;
    let registration_ids: Vec<String> = registrations.iter().map(|r| r.id.clone()).collect();
    let sandbox = format!("{base}/sandbox");

    let token = oauth_token::Entity::find()
        .filter(oauth_token::Column::OrganizationId.eq(organization_id))
        .filter(oauth_token::Column::RegistrationId.is_in(registration_ids.clone()))
        .order_by_asc(oauth_token::Column::CreatedAt)
        .one(db)
        .await?;
    let linked_serial = |registration_id: &str| {
        registrations.iter().find(|r| r.id == registration_id).map(|r| r.serial.clone()).unwrap_or_default()
    };
    cases.push(case(
        "token",
        "A token obtained through consent",
        token.is_some(),
        match &token {
            Some(token) => format!(
                "Test device {} got a token on {}.",
                linked_serial(&token.registration_id),
                display_time(token.created_at)
            ),
            None => "No test registration has exchanged a code yet.".into(),
        },
        Some(sandbox.clone()),
    ));

    let registered_slots = registration_slot::Entity::find()
        .filter(registration_slot::Column::OrganizationId.eq(organization_id))
        .filter(registration_slot::Column::RegistrationId.is_in(registration_ids.clone()))
        .all(db)
        .await?;
    let reported: HashSet<&str> = registered_slots
        .iter()
        .filter(|r| r.status_reported_at.is_some())
        .map(|r| r.slot_key.as_str())
        .collect();
    let unreported: Vec<&str> =
        slots.iter().filter(|s| !reported.contains(s.id.as_str())).map(|s| s.slot_id.as_str()).collect();
    cases.push(case(
        "slot_status",
        "Slot status reported for every slot",
        unreported.is_empty() && !slots.is_empty(),
        if unreported.is_empty() {
            format!("{} slot(s) reported.", slots.len())
        } else {
            format!("Not reported yet: {}.", unreported.join(", "))
        },
        Some(sandbox_link(&base, SLOT_STATUS_CALL)),
    ));

    let orders = replenishment_order::Entity::find()
        .filter(replenishment_order::Column::OrganizationId.eq(organization_id))
        .filter(replenishment_order::Column::RegistrationId.is_in(registration_ids.clone()))
        .order_by_asc(replenishment_order::Column::CreatedAt)
        .all(db)
        .await?;
    cases.push(case(
        "test_order",
        "A replenish answered TEST_ORDER_PLACED",
        orders.iter().any(|o| o.is_test),
        match orders.iter().find(|o| o.is_test) {
            Some(order) => format!(
                "Test order {} for {} on {}.",
                order.id,
                order.slot_id,
                display_time(order.created_at)
            ),
            None => "No test order yet.".into(),
        },
        Some(sandbox_link(&base, REPLENISH_CALL)),
    ));

    let in_progress = api_request::Entity::find()
        .filter(api_request::Column::OrganizationId.eq(organization_id))
        .filter(api_request::Column::DeviceId.eq(&device.id))
        .filter(api_request::Column::MarketplaceCode.eq(code))
        .filter(api_request::Column::IsTest.eq(true))
        .filter(api_request::Column::Call.eq(REPLENISH_CALL))
        .filter(api_request::Column::Status.eq(200))
        .filter(api_request::Column::ResponseExcerpt.contains("ORDER_INPROGRESS"))
        .order_by_desc(api_request::Column::CreatedAt)
        .one(db)
        .await?;
    cases.push(case(
        "in_progress",
        "A repeat replenish answered ORDER_INPROGRESS",
        in_progress.is_some(),
        match &in_progress {
            Some(request) => format!("Answered on {}.", display_time(request.created_at)),
            None => "No replenish has been answered ORDER_INPROGRESS in the kept log.".into(),
        },
        Some(match &in_progress {
            Some(request) => format!("{}#request-{}", sandbox_link(&base, REPLENISH_CALL), request.id),
            None => sandbox_link(&base, REPLENISH_CALL),
        }),
    ));

    let cancelled =
        orders.iter().find(|o| o.status == CANCELLED && o.cancelled_at.is_some_and(|at| at <= o.hold_until));
    cases.push(case(
        "cancelled",
        "An order cancelled in its hold",
        cancelled.is_some(),
        match cancelled {
            Some(order) => format!("Order {} cancelled on {}.", order.id, display_time(order.updated_at)),
            None => "No test order has been cancelled yet.".into(),
        },
        Some(sandbox.clone()),
    ));

    let deregistered = registrations.iter().find(|r| r.deregistered_at.is_some());
    cases.push(case(
        "deregistered",
        "A deregistration",
        deregistered.is_some(),
        match deregistered.and_then(|r| r.deregistered_at.map(|at| (r, at))) {
            Some((registration, at)) => {
                format!("Test device {} deregistered on {}.", registration.serial, display_time(at))
            }
            None => "No test registration has been deregistered yet.".into(),
        },
        Some(sandbox.clone()),
    ));

    let notifications = notification::Entity::find()
        .filter(notification::Column::OrganizationId.eq(organization_id))
        .filter(notification::Column::RegistrationId.is_in(registration_ids.clone()))
        .all(db)
        .await?;
    let acknowledged: HashSet<String> = notification_delivery::Entity::find()
        .filter(notification_delivery::Column::OrganizationId.eq(organization_id))
        .filter(
            notification_delivery::Column::NotificationId.is_in(notifications.iter().map(|n| n.id.clone())),
        )
        .filter(notification_delivery::Column::DeliveredAt.is_not_null())
        .all(db)
        .await?
        .into_iter()
        .map(|d| d.notification_id)
        .collect();
    let acknowledged_types: BTreeSet<&str> = notifications
        .iter()
        .filter(|n| acknowledged.contains(&n.id))
        .map(|n| n.notification_type.as_str())
        .collect();
    let missing: Vec<&str> =
        NOTIFICATION_TYPES.iter().map(|(t, _)| *t).filter(|t| !acknowledged_types.contains(t)).collect();
    cases.push(case(
        "notifications",
        "A notification endpoint acknowledged each event type with 2xx",
        missing.is_empty(),
        if missing.is_empty() {
            format!("All {} event types acknowledged.", NOTIFICATION_TYPES.len())
        } else {
            format!("Not acknowledged yet: {}.", missing.join(", "))
        },
        Some(format!("/orgs/{organization_id}/settings/notifications")),
    ));

    let low_slots: HashSet<String> = notifications
        .iter()
        .filter(|n| n.notification_type == "LowSupplyNotification")
        .filter_map(|n| serde_json::from_str::<serde_json::Value>(&n.payload).ok())
        .filter_map(|payload| payload["lowSupplyInfo"]["slotId"].as_str().map(str::to_owned))
        .collect();
    let not_low: Vec<&str> =
        slots.iter().filter(|s| !low_slots.contains(&s.slot_id)).map(|s| s.slot_id.as_str()).collect();
    cases.push(case(
        "sensors",
        "Sensor readings crossed each slot's threshold and raised low supply",
        not_low.is_empty() && !slots.is_empty(),
        if not_low.is_empty() {
            format!("Low supply raised for {} slot(s).", slots.len())
        } else {
            format!("No low-supply reading yet for {}.", not_low.join(", "))
        },
        Some(sandbox_link(&base, EVENTS_CALL)),
    ));

    let latest = certification_request::Entity::find()
        .filter(certification_request::Column::OrganizationId.eq(organization_id))
        .filter(certification_request::Column::DeviceId.eq(&device.id))
        .filter(certification_request::Column::MarketplaceCode.eq(code))
        .order_by_desc(certification_request::Column::SubmittedAt)
        .one(db)
        .await?;
    Ok(MarketplaceChecklist {
        code: code.clone(),
        name,
        state: enabled.certification_state.clone(),
        cases,
        latest_request: latest.map(|request| latest_sentence(&request)),
    })
}

fn latest_sentence(request: &certification_request::Model) -> String {
    let decided = request.decided_at.map(display_time).unwrap_or_default();
    match request.state.as_str() {
        SUBMITTED => format!("Submitted on {}; waiting for review.", display_time(request.submitted_at)),
        CERTIFIED => format!("Certified on {decided}."),
        _ => format!("Certification failed on {decided}: {}", request.note),
    }
}
