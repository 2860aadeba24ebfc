//! Notification endpoints: the event types a maker can subscribe to, and what the settings pages show.

use serde::{Deserialize, Serialize};

/// Every notification type, with what it tells the maker.
pub const NOTIFICATION_TYPES: [(&str, &str); 8] = [
    ("DeviceRegisteredNotification", "A customer linked a device."),
    ("DeviceDeregisteredNotification", "A device was unlinked (by the device or the customer)."),
    ("SubscriptionChangedNotification", "A customer changed the product or mode of a slot."),
    ("OrderPlacedNotification", "An order was placed for a slot."),
    ("OrderCancelledNotification", "An order was cancelled during its hold."),
    ("ItemShippedNotification", "An order shipped."),
    ("ItemDeliveredNotification", "An order was delivered."),
    ("LowSupplyNotification", "A slot's reported supply fell to its threshold."),
];

/// The chosen event types: at least one, each known; kept in the catalogue's order.
pub fn parse_event_types(chosen: &[String]) -> Result<Vec<String>, String> {
    if let Some(unknown) = chosen.iter().find(|c| !NOTIFICATION_TYPES.iter().any(|(name, _)| name == c)) {
        return Err(format!("{unknown} is not a notification type."));
    }
    let types: Vec<String> = NOTIFICATION_TYPES
        .iter()
        .filter(|(name, _)| chosen.iter().any(|c| c == name))
        .map(|(name, _)| (*name).to_owned())
        .collect();
    if types.is_empty() {
        Err("Choose at least one notification type.".into())
    } else {
        Ok(types)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EndpointView {
    pub id: String,
    pub url: String,
    pub event_types: Vec<String>,
    pub created_at: String,
    pub previous_secret_until: Option<String>,
}

/// A signing secret just issued: shown once.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FreshSigningSecret {
    pub endpoint_id: String,
    pub secret: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EndpointsTab {
    pub endpoints: Vec<EndpointView>,
    pub can_edit: bool,
    pub fresh_secret: Option<FreshSigningSecret>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AttemptView {
    pub at: String,
    pub status_code: Option<i32>,
    pub latency_ms: i32,
    pub response_excerpt: String,
    pub error: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DeliveryView {
    pub id: String,
    pub notification_id: String,
    pub notification_type: String,
    pub created_at: String,
    /// `Delivered`, `Retrying` or `Failed`.
    pub state: String,
    pub next_attempt_at: Option<String>,
    pub attempts: Vec<AttemptView>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DeliveryLog {
    pub endpoint: EndpointView,
    pub deliveries: Vec<DeliveryView>,
    pub can_edit: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn event_types_must_be_known_and_at_least_one() {
        assert!(parse_event_types(&[]).is_err());
        assert!(parse_event_types(&["Nope".into()]).is_err());
        assert_eq!(
            parse_event_types(&["ItemShippedNotification".into(), "OrderPlacedNotification".into()]),
            Ok(vec!["OrderPlacedNotification".into(), "ItemShippedNotification".into()])
        );
    }
}
