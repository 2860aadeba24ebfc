//! The sandbox's device simulator: link a test device, then send the device's calls through the runtime
//! API. The last exchange is kept in the session, so the page shows it after a plain form post too.

use crate::error::AppError;
use crate::models::simulator::Simulator;
use leptos::prelude::*;

#[cfg(feature = "ssr")]
fn exchange_key(device: &str) -> String {
    format!("simulator.{device}")
}

#[server(prefix = "/api", endpoint = "load_simulator")]
pub async fn load_simulator(org: String, device: String) -> Result<Simulator, AppError> {
    use super::server::*;
    use crate::models::simulator::SimulatorExchange;
    let (state, session) = (state()?, session().await?);
    let result = async {
        let user_id = signed_in_user_id(&session).await?;
        let mut simulator = crate::services::simulator::simulator(&state.db, &user_id, &org, &device).await?;
        simulator.last = session.get::<SimulatorExchange>(&exchange_key(&device)).await?;
        Ok(simulator)
    }
    .await;
    finish(result).await
}

/// Performs the consent for a test account and selects the new test registration.
#[server(prefix = "/api", endpoint = "link_test_device")]
pub async fn link_test_device(
    org: String,
    device: String,
    #[server(default)] customer: String,
    #[server(default)] profile: String,
) -> Result<(), AppError> {
    use super::server::*;
    let (state, session) = (state()?, session().await?);
    let result = async {
        let actor = actor(&state, &session).await?;
        crate::services::simulator::link_test_device(&state.db, &actor, &org, &device, &customer, &profile)
            .await
    }
    .await;
    let registration = finish(result).await?;
    state.wake_workers();
    leptos_axum::redirect(&format!("/orgs/{org}/devices/{device}/sandbox?registration={registration}"));
    Ok(())
}

/// Sends one call of the simulator (`call`: slot_status, sensor, replenish, cancel or deregister).
#[server(prefix = "/api", endpoint = "simulate_call")]
pub async fn simulate_call(
    org: String,
    device: String,
    registration: String,
    call: String,
    #[server(default)] slot: String,
    #[server(default)] remaining: String,
    #[server(default)] reading: String,
) -> Result<(), AppError> {
    use super::server::*;
    use crate::services::simulator::{drive, SimulatorCall};
    let (state, session) = (state()?, session().await?);
    let call = SimulatorCall { registration, call, slot, remaining, reading };
    let result = async {
        let actor = actor(&state, &session).await?;
        let exchange = drive(&state.db, &state.simulator, &actor, &org, &device, &call).await?;
        session.insert(&exchange_key(&device), &exchange).await?;
        // The call shows in the device's log on the page that follows, not a second later.
        state.request_log.flush(&state.db).await?;
        Ok(())
    }
    .await;
    finish(result).await?;
    state.wake_workers();
    let registration = call.registration;
    leptos_axum::redirect(&format!("/orgs/{org}/devices/{device}/sandbox?registration={registration}"));
    Ok(())
}
