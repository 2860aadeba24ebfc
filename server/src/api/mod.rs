//! The runtime API: the DRS service calls, the token endpoint and inventory sensors, served beside the
//! portal but outside its session and same-origin layers (devices and clouds have neither).

pub mod devices;
pub mod events;
pub mod openapi;
pub mod orders;
#[cfg(test)]
mod properties;
pub mod request_log;
pub mod token;
pub mod wire;

use app::state::AppState;
use axum::extract::{DefaultBodyLimit, FromRef};
use axum::routing::{delete, get, post};
use axum::Router;

/// `413` above this, as the contract says.
pub const BODY_LIMIT: usize = 16 * 1024;

pub fn router<S>(state: AppState) -> Router<S>
where
    S: Clone + Send + Sync + 'static,
    AppState: FromRef<S>,
{
    Router::new()
        .route("/api/openapi.json", get(openapi::openapi))
        .route("/auth/o2/token", post(token::token))
        .route("/replenish/{slot_id}", post(orders::replenish))
        .route("/slotStatus/{slot_id}", post(devices::slot_status))
        .route("/deviceStatus", post(devices::device_status))
        .route("/deviceStatus/{most_recently_active}", post(devices::device_status_at))
        .route("/subscriptionInfo", get(devices::subscription_info))
        .route("/registration", delete(devices::deregister))
        .route("/deviceModels/{model_id}/devices/{serial}/registration", delete(devices::deregister_v1))
        .route("/testOrders", delete(orders::cancel_all_test_orders))
        .route("/testOrders/{slot_id}", delete(orders::cancel_test_orders))
        .route("/testOrders/slots/{slot_id}", delete(orders::cancel_test_orders))
        .route("/getOrderInfo/{instance_id}", get(orders::order_info))
        .route("/v3/events", post(events::events))
        .layer(axum::middleware::from_fn_with_state(state, request_log::record))
        // Bodies are read with their own limit (and a JSON 413); this only stops axum's default 2 MB.
        .layer(DefaultBodyLimit::disable())
        .layer(axum::middleware::from_fn(wire::refuse_large_bodies))
}
