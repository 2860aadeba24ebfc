//! The runtime API contract as data: the OpenAPI document (`/api/openapi.json`) and the portal's *API
//! docs* page are both generated from this one table, so they cannot drift apart.

/// The namespace every DRS type name starts with.
pub const TYPE_PREFIX: &str = "com.amazon.dash.replenishment.";

/// A field of a request body (JSON or form-encoded).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BodyField {
    pub name: &'static str,
    /// `number` or `date-time` (ISO-8601).
    pub kind: &'static str,
    pub required: bool,
    pub description: &'static str,
}

/// A path parameter.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PathParameter {
    pub name: &'static str,
    pub description: &'static str,
}

/// One versioned service call.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Call {
    pub operation: &'static str,
    pub summary: &'static str,
    pub method: &'static str,
    pub path: &'static str,
    pub parameters: &'static [PathParameter],
    pub input_type: &'static str,
    pub result_types: &'static [&'static str],
    pub body: &'static [BodyField],
    /// An example answer (JSON), for the first result type.
    pub example: &'static str,
    /// Errors beyond the ones every call has (400 bad token or headers, 413, 429, 500).
    pub errors: &'static [(u16, &'static str)],
}

const SLOT: PathParameter = PathParameter {
    name: "slotId",
    description: "The slot ID from the device model (the capability's `instance`).",
};

const SLOT_STATUS_BODY: &[BodyField] = &[
    BodyField {
        name: "expectedReplenishmentDate",
        kind: "date-time",
        required: true,
        description: "When the device expects the slot to run out.",
    },
    BodyField {
        name: "remainingQuantityInUnit",
        kind: "number",
        required: true,
        description: "What is left, in the slot's unit (not negative).",
    },
    BodyField {
        name: "originalQuantityInUnit",
        kind: "number",
        required: true,
        description: "What a full refill holds (not negative).",
    },
    BodyField {
        name: "totalQuantityOnHand",
        kind: "number",
        required: true,
        description: "All supply on hand, spares included (not negative).",
    },
    BodyField {
        name: "lastUseDate",
        kind: "date-time",
        required: true,
        description: "When the consumable was last used.",
    },
];

const DEVICE_STATUS_BODY: &[BodyField] = &[BodyField {
    name: "mostRecentlyActiveDate",
    kind: "date-time",
    required: true,
    description: "When the device was last active (or give it in the path).",
}];

pub const CALLS: &[Call] = &[
    Call {
        operation: "replenish",
        summary: "Orders the slot's chosen product, unless an order for the slot is still open.",
        method: "POST",
        path: "/replenish/{slotId}",
        parameters: &[SLOT],
        input_type: "DrsReplenishInput@1.0",
        result_types: &["DrsReplenishResult@1.0"],
        body: &[],
        example: r#"{"eventInstanceId":"5f0c…","detailCode":"STANDARD_ORDER_PLACED"}"#,
        errors: &[
            (400, "`slot is not subscribed`: the customer chose notify me only"),
            (404, "unknown slot"),
        ],
    },
    Call {
        operation: "slotStatus",
        summary: "Reports a slot's supply.",
        method: "POST",
        path: "/slotStatus/{slotId}",
        parameters: &[SLOT],
        input_type: "DrsSlotStatusInput@1.0",
        result_types: &["DrsSlotStatusResult@1.0"],
        body: SLOT_STATUS_BODY,
        example: "{}",
        errors: &[
            (400, "a field missing, of the wrong type, negative, or not a date"),
            (404, "unknown slot"),
        ],
    },
    Call {
        operation: "deviceStatus",
        summary: "Reports when the device was last active (date in the body).",
        method: "POST",
        path: "/deviceStatus",
        parameters: &[],
        input_type: "DrsDeviceStatusInput@1.0",
        result_types: &["DrsDeviceStatusResult@1.0"],
        body: DEVICE_STATUS_BODY,
        example: "{}",
        errors: &[(400, "no date, or not an ISO-8601 date")],
    },
    Call {
        operation: "deviceStatusAt",
        summary: "Reports when the device was last active (date in the path).",
        method: "POST",
        path: "/deviceStatus/{mostRecentlyActiveDate}",
        parameters: &[PathParameter { name: "mostRecentlyActiveDate", description: "ISO-8601 date-time." }],
        input_type: "DrsDeviceStatusInput@1.0",
        result_types: &["DrsDeviceStatusResult@1.0"],
        body: &[],
        example: "{}",
        errors: &[(400, "not an ISO-8601 date")],
    },
    Call {
        operation: "subscriptionInfo",
        summary: "Says per slot whether the customer chose automatic reorder (v2 adds the product).",
        method: "GET",
        path: "/subscriptionInfo",
        parameters: &[],
        input_type: "DrsSubscriptionInfoInput@1.0",
        result_types: &["DrsSubscriptionInfoResult@1.0", "DrsSubscriptionInfoResult@2.0"],
        body: &[],
        example: r#"{"slotsSubscriptionStatus":{"filter":true,"salt":false}}"#,
        errors: &[],
    },
    Call {
        operation: "deregister",
        summary: "Unlinks the device: every token and code of the registration stops working.",
        method: "DELETE",
        path: "/registration",
        parameters: &[],
        input_type: "DrsDeregisterInput@2.0",
        result_types: &["DrsDeregisterResult@1.0"],
        body: &[],
        example: "{}",
        errors: &[],
    },
    Call {
        operation: "deregisterV1",
        summary: "Unlinks the device named in the path (the caller's own).",
        method: "DELETE",
        path: "/deviceModels/{modelId}/devices/{serial}/registration",
        parameters: &[
            PathParameter { name: "modelId", description: "The device model ID." },
            PathParameter { name: "serial", description: "The device's serial number." },
        ],
        input_type: "DrsDeregisterInput@1.0",
        result_types: &["DrsDeregisterResult@1.0"],
        body: &[],
        example: "{}",
        errors: &[(404, "not the caller's model and serial")],
    },
    Call {
        operation: "cancelTestOrdersOfSlot",
        summary: "Cancels the slot's open test orders.",
        method: "DELETE",
        path: "/testOrders/slots/{slotId}",
        parameters: &[SLOT],
        input_type: "DrsCancelTestOrdersInput@1.0",
        result_types: &["DrsCancelTestOrdersResult@1.0"],
        body: &[],
        example: r#"{"slotOrderStatuses":[{"slotId":"filter","orderStatus":"NO_ORDER_IN_PROGRESS"}]}"#,
        errors: &[(404, "unknown slot")],
    },
    Call {
        operation: "cancelTestOrdersOfSlotShort",
        summary: "The same, under the shorter path older clients use.",
        method: "DELETE",
        path: "/testOrders/{slotId}",
        parameters: &[SLOT],
        input_type: "DrsCancelTestOrdersInput@1.0",
        result_types: &["DrsCancelTestOrdersResult@1.0"],
        body: &[],
        example: r#"{"slotOrderStatuses":[{"slotId":"filter","orderStatus":"NO_ORDER_IN_PROGRESS"}]}"#,
        errors: &[(404, "unknown slot")],
    },
    Call {
        operation: "cancelAllTestOrders",
        summary: "Cancels the open test orders of every slot.",
        method: "DELETE",
        path: "/testOrders",
        parameters: &[],
        input_type: "DrsCancelTestOrdersInput@1.0",
        result_types: &["DrsCancelTestOrdersResult@1.0"],
        body: &[],
        example: r#"{"slotOrderStatuses":[{"slotId":"filter","orderStatus":"NO_ORDER_IN_PROGRESS"}]}"#,
        errors: &[],
    },
    Call {
        operation: "getOrderInfo",
        summary: "An order of this registration, with its status.",
        method: "GET",
        path: "/getOrderInfo/{instanceId}",
        parameters: &[PathParameter {
            name: "instanceId",
            description: "The `eventInstanceId` replenish answered.",
        }],
        input_type: "DrsOrderInfoInput@1.0",
        result_types: &["DrsOrderInfoResult@1.0"],
        body: &[],
        example: r#"{"orderInfoData":{"instanceId":"5f0c…","orderItems":[{"asin":"B07XJ8C8F5","expectedDeliveryDate":"2026-11-27T10:00:00Z","quantity":1,"slotId":"filter","status":"Pending"}]}}"#,
        errors: &[(404, "no such order for this registration")],
    },
];

/// Errors every service call can answer.
pub const COMMON_ERRORS: &[(u16, &str)] = &[
    (400, "`{\"message\":\"Invalid token\"}` for a missing, unknown, expired or revoked token: refresh and retry"),
    (400, "a missing or unsupported `x-amzn-type-version` / `x-amzn-accept-type`; the message names the supported values"),
    (413, "a body over 16 KiB"),
    (429, "more calls than the registration's rate; `Retry-After` says when to try again"),
    (500, "a fault on our side; the message never carries internals"),
];

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn every_call_is_listed_once_with_its_path_parameters() {
        let routes: HashSet<(&str, &str)> = CALLS.iter().map(|c| (c.method, c.path)).collect();
        assert_eq!(routes.len(), CALLS.len());
        for call in CALLS {
            for parameter in call.parameters {
                assert!(call.path.contains(&format!("{{{}}}", parameter.name)), "{}", call.path);
            }
            assert!(!call.result_types.is_empty());
        }
    }
}
