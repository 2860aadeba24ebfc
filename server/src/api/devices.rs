//! Calls about a registration: slot status, device status, subscription info, deregistration.

use super::wire::{answer, authenticate, negotiate, parse_date, read_fields, CallTypes, DrsError};
use app::services::drs::{self, SlotStatus};
use app::state::AppState;
use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::Response;
use serde_json::{json, Map, Value};

const SLOT_STATUS: CallTypes =
    CallTypes { input: "DrsSlotStatusInput@1.0", results: &["DrsSlotStatusResult@1.0"] };
const DEVICE_STATUS: CallTypes =
    CallTypes { input: "DrsDeviceStatusInput@1.0", results: &["DrsDeviceStatusResult@1.0"] };
const SUBSCRIPTION_INFO: CallTypes = CallTypes {
    input: "DrsSubscriptionInfoInput@1.0",
    results: &["DrsSubscriptionInfoResult@1.0", "DrsSubscriptionInfoResult@2.0"],
};
const DEREGISTER: CallTypes =
    CallTypes { input: "DrsDeregisterInput@2.0", results: &["DrsDeregisterResult@1.0"] };
const DEREGISTER_V1: CallTypes =
    CallTypes { input: "DrsDeregisterInput@1.0", results: &["DrsDeregisterResult@1.0"] };

fn unknown_slot(slot_id: &str) -> String {
    format!("slot {slot_id} is not a slot of this registration")
}

/// `POST /slotStatus/{slotId}`
pub async fn slot_status(
    State(state): State<AppState>,
    Path(slot_id): Path<String>,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, DrsError> {
    let caller = authenticate(&state, &headers).await?;
    let result = negotiate(&headers, &SLOT_STATUS)?;
    let fields = read_fields(&headers, body).await?;
    let status = SlotStatus {
        expected_replenishment_at: fields.date("expectedReplenishmentDate")?,
        remaining_quantity: fields.quantity("remainingQuantityInUnit")?,
        original_quantity: fields.quantity("originalQuantityInUnit")?,
        total_quantity_on_hand: fields.quantity("totalQuantityOnHand")?,
        last_use_at: fields.date("lastUseDate")?,
    };
    state
        .slot_status
        .report(&caller, &slot_id, status)
        .await
        .map_err(|e| DrsError::from_service(e, &unknown_slot(&slot_id)))?;
    Ok(answer(result, "{}".into()))
}

/// `POST /deviceStatus`: the date comes in the body.
pub async fn device_status(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, DrsError> {
    let caller = authenticate(&state, &headers).await?;
    let result = negotiate(&headers, &DEVICE_STATUS)?;
    let at = read_fields(&headers, body).await?.date("mostRecentlyActiveDate")?;
    drs::report_device_status(&state.db, &caller, at).await?;
    Ok(answer(result, "{}".into()))
}

/// `POST /deviceStatus/{mostRecentlyActiveDate}`: the date comes in the path (a body, if any, is ignored).
pub async fn device_status_at(
    State(state): State<AppState>,
    Path(most_recently_active): Path<String>,
    headers: HeaderMap,
) -> Result<Response, DrsError> {
    let caller = authenticate(&state, &headers).await?;
    let result = negotiate(&headers, &DEVICE_STATUS)?;
    let at = parse_date("mostRecentlyActiveDate", &most_recently_active)?;
    drs::report_device_status(&state.db, &caller, at).await?;
    Ok(answer(result, "{}".into()))
}

/// `GET /subscriptionInfo`: v1 says per slot whether it is subscribed; v2 adds the products.
pub async fn subscription_info(
    State(state): State<AppState>,
    headers: HeaderMap,
) -> Result<Response, DrsError> {
    let caller = authenticate(&state, &headers).await?;
    let result = negotiate(&headers, &SUBSCRIPTION_INFO)?;
    let slots = drs::subscription_info(&state.db, &caller).await?;
    let statuses: Map<String, Value> = slots
        .into_iter()
        .map(|slot| {
            let subscribed = slot.asin.is_some();
            let value = if result.ends_with("@1.0") {
                json!(subscribed)
            } else {
                let products: Vec<Value> = slot
                    .asin
                    .iter()
                    .map(|asin| json!({ "asin": asin, "quantity": quantity(&slot.unit_size), "unit": slot.unit }))
                    .collect();
                json!({ "subscribed": subscribed, "productInfoList": products })
            };
            (slot.slot_id, value)
        })
        .collect();
    Ok(answer(result, json!({ "slotsSubscriptionStatus": statuses }).to_string()))
}

/// The approved unit size as a JSON number when it is one.
fn quantity(unit_size: &str) -> Value {
    unit_size
        .parse::<f64>()
        .ok()
        .and_then(|v| serde_json::Number::from_f64(v).map(Value::Number))
        .unwrap_or(Value::Null)
}

/// `DELETE /registration`
pub async fn deregister(State(state): State<AppState>, headers: HeaderMap) -> Result<Response, DrsError> {
    let caller = authenticate(&state, &headers).await?;
    let result = negotiate(&headers, &DEREGISTER)?;
    drs::deregister(&state.db, &caller, None).await?;
    state.notifications_queued.notify_one();
    Ok(answer(result, "{}".into()))
}

/// `DELETE /deviceModels/{modelId}/devices/{serial}/registration`
pub async fn deregister_v1(
    State(state): State<AppState>,
    Path((model_id, serial)): Path<(String, String)>,
    headers: HeaderMap,
) -> Result<Response, DrsError> {
    let caller = authenticate(&state, &headers).await?;
    let result = negotiate(&headers, &DEREGISTER_V1)?;
    drs::deregister(&state.db, &caller, Some((&model_id, &serial)))
        .await
        .map_err(|e| DrsError::from_service(e, "no registration of this device model and serial"))?;
    state.notifications_queued.notify_one();
    Ok(answer(result, "{}".into()))
}
