//! The DRS notifications and customer emails that registrations and orders cause, written on the caller's
//! transaction so they exist exactly when the change does.

use crate::entities::{customer, device, registration, replenishment_order, security_profile};
use crate::error::AppError;
use crate::services::mail::{queue_email, OutgoingEmail};
use crate::services::tokens::new_id;
use crate::services::{display_time, notifications, now};
use crate::state::PortalSettings;
use chrono::SecondsFormat;
use sea_orm::{ConnectionTrait, EntityTrait};
use serde_json::{json, Value};

/// Who and what a notification is about.
pub struct RegistrationContext {
    pub registration: registration::Model,
    pub client_id: String,
    pub model_id: String,
    pub customer_email: String,
}

pub async fn registration_context(
    conn: &impl ConnectionTrait,
    registration_id: &str,
) -> Result<RegistrationContext, AppError> {
    let registration =
        registration::Entity::find_by_id(registration_id).one(conn).await?.ok_or(AppError::NotFound)?;
    let client_id = security_profile::Entity::find_by_id(&registration.security_profile_id)
        .one(conn)
        .await?
        .map(|p| p.client_id)
        .unwrap_or_default();
    let model_id = device::Entity::find_by_id(&registration.device_id)
        .one(conn)
        .await?
        .map(|d| d.model_id)
        .unwrap_or_default();
    let customer_email = customer::Entity::find_by_id(&registration.customer_id)
        .one(conn)
        .await?
        .map(|c| c.email)
        .unwrap_or_default();
    Ok(RegistrationContext { registration, client_id, model_id, customer_email })
}

fn iso(at: chrono::DateTime<chrono::Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// Emits one DRS notification; `detail` is the `orderInfo` or `subscriptionInfo` member, when there is one.
pub async fn notify(
    conn: &impl ConnectionTrait,
    context: &RegistrationContext,
    notification_type: &str,
    detail: Option<(&str, Value)>,
) -> Result<(), AppError> {
    let id = new_id();
    let mut payload = json!({
        "notificationInfo": {
            "notificationType": notification_type,
            "lwaClientId": context.client_id,
            "notificationTime": iso(now()),
            "notificationId": id,
            "version": "1.0",
        },
        "deviceInfo": {
            "deviceIdentifier": { "serialNumber": context.registration.serial },
            "productIdentifier": { "modelId": context.model_id },
        },
        "customerInfo": { "directedCustomerId": context.registration.customer_id },
    });
    if let (Some((name, value)), Some(object)) = (detail, payload.as_object_mut()) {
        object.insert(name.to_owned(), value);
    }
    let registration = &context.registration;
    notifications::emit(
        conn,
        &registration.organization_id,
        &registration.id,
        notification_type,
        &id,
        &payload,
    )
    .await
}

/// The `orderInfo` member of order notifications.
pub fn order_info(order: &replenishment_order::Model) -> Value {
    json!({
        "instanceId": order.id,
        "slotId": order.slot_id,
        "asin": order.asin,
        "quantity": order.quantity,
        "status": order.status,
        "isTest": order.is_test,
        "holdUntil": iso(order.hold_until),
        "expectedDeliveryDate": iso(order.expected_delivery_at),
    })
}

/// Emails the customer about their order; `cancel_link` is included while the order can be cancelled.
pub async fn email_order(
    conn: &impl ConnectionTrait,
    settings: &PortalSettings,
    context: &RegistrationContext,
    order: &replenishment_order::Model,
    headline: &str,
    cancel_token: Option<&str>,
) -> Result<(), AppError> {
    let test_note = if order.is_test { " This is a test order: nothing is charged or shipped." } else { "" };
    let mut paragraphs = vec![
        format!("{headline}{test_note}"),
        format!("Product {} (quantity {}) for slot {}.", order.asin, order.quantity, order.slot_id),
        format!("Status: {}. Expected delivery: {}.", order.status, display_time(order.expected_delivery_at)),
    ];
    let cancel_url =
        cancel_token.map(|token| settings.link(&format!("/my/orders/{}/cancel?token={token}", order.id)));
    if cancel_url.is_some() {
        paragraphs.push(format!("You can cancel it until {}.", display_time(order.hold_until)));
    }
    let subject = format!("{headline} ({})", order.asin);
    let email = OutgoingEmail::compose(
        &context.customer_email,
        &subject,
        &paragraphs,
        cancel_url.as_deref().map(|url| ("Cancel this order", url)),
    );
    queue_email(conn, email).await?;
    Ok(())
}
