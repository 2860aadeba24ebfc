//! Calls about orders: replenish, order info, cancel test orders.

use super::wire::{answer, authenticate, negotiate, CallTypes, DrsError};
use app::services::orders;
use app::state::AppState;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::Response;
use serde_json::json;

const REPLENISH: CallTypes =
    CallTypes { input: "DrsReplenishInput@1.0", results: &["DrsReplenishResult@1.0"] };
const CANCEL_TEST_ORDERS: CallTypes =
    CallTypes { input: "DrsCancelTestOrdersInput@1.0", results: &["DrsCancelTestOrdersResult@1.0"] };
const ORDER_INFO: CallTypes =
    CallTypes { input: "DrsOrderInfoInput@1.0", results: &["DrsOrderInfoResult@1.0"] };

/// Longest `Idempotency-Key` kept; longer keys are refused rather than silently cut.
const MAX_IDEMPOTENCY_KEY: usize = 255;

/// `POST /replenish/{slotId}`
pub async fn replenish(
    State(state): State<AppState>,
    Path(slot_id): Path<String>,
    headers: HeaderMap,
) -> Result<Response, DrsError> {
    let caller = authenticate(&state, &headers).await?;
    let result = negotiate(&headers, &REPLENISH)?;
    let key = match headers.get("idempotency-key").map(|v| v.to_str()) {
        None => None,
        Some(Ok(key)) if !key.trim().is_empty() && key.len() <= MAX_IDEMPOTENCY_KEY => Some(key.trim()),
        Some(_) => {
            return Err(DrsError::bad_request(format!(
                "Idempotency-Key must be 1 to {MAX_IDEMPOTENCY_KEY} visible ASCII characters"
            )))
        }
    };
    let body =
        orders::replenish(&state.db, &state.reads, &state.settings, &caller, &slot_id, key).await.map_err(
            |e| DrsError::from_service(e, &format!("slot {slot_id} is not a slot of this registration")),
        )?;
    state.wake_workers();
    Ok(answer(result, body))
}

/// `GET /getOrderInfo/{instanceId}`
pub async fn order_info(
    State(state): State<AppState>,
    Path(instance_id): Path<String>,
    headers: HeaderMap,
) -> Result<Response, DrsError> {
    let caller = authenticate(&state, &headers).await?;
    let result = negotiate(&headers, &ORDER_INFO)?;
    let order = orders::order_info(&state.db, &caller, &instance_id)
        .await
        .map_err(|e| DrsError::from_service(e, &format!("no order {instance_id} for this registration")))?;
    let body = json!({
        "orderInfoData": {
            "instanceId": order.instance_id,
            "orderItems": [{
                "asin": order.asin,
                "expectedDeliveryDate": order.expected_delivery_at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
                "quantity": order.quantity,
                "slotId": order.slot_id,
                "status": order.status,
            }],
        }
    });
    Ok(answer(result, body.to_string()))
}

/// `DELETE /testOrders/{slotId}` and `DELETE /testOrders/slots/{slotId}`
pub async fn cancel_test_orders(
    State(state): State<AppState>,
    Path(slot_id): Path<String>,
    headers: HeaderMap,
) -> Result<Response, DrsError> {
    cancel(&state, &headers, Some(&slot_id)).await
}

/// `DELETE /testOrders`: every slot of the registration.
pub async fn cancel_all_test_orders(
    State(state): State<AppState>,
    headers: HeaderMap,
) -> Result<Response, DrsError> {
    cancel(&state, &headers, None).await
}

async fn cancel(state: &AppState, headers: &HeaderMap, slot_id: Option<&str>) -> Result<Response, DrsError> {
    let caller = authenticate(state, headers).await?;
    let result = negotiate(headers, &CANCEL_TEST_ORDERS)?;
    let slots = orders::cancel_test_orders(&state.db, &caller, slot_id).await.map_err(|e| {
        DrsError::from_service(
            e,
            &format!("slot {} is not a slot of this registration", slot_id.unwrap_or_default()),
        )
    })?;
    state.wake_workers();
    let statuses: Vec<_> =
        slots.iter().map(|slot| json!({ "slotId": slot, "orderStatus": "NO_ORDER_IN_PROGRESS" })).collect();
    Ok(answer(result, json!({ "slotOrderStatuses": statuses }).to_string()))
}
