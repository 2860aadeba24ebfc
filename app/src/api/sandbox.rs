//! The device's sandbox: its test accounts and its runtime API log.

use crate::error::AppError;
use crate::models::sandbox::{DeviceLogs, LogFilter, SandboxClock, TestAccounts};
use leptos::prelude::*;

#[server(prefix = "/api", endpoint = "load_device_logs")]
pub async fn load_device_logs(
    org: String,
    device: String,
    #[server(default)] filter: LogFilter,
) -> Result<DeviceLogs, AppError> {
    use super::server::*;
    let (state, session) = (state()?, session().await?);
    let result = async {
        let user_id = signed_in_user_id(&session).await?;
        crate::services::request_log::device_logs(&state.db, &user_id, &org, &device, &filter).await
    }
    .await;
    finish(result).await
}

#[server(prefix = "/api", endpoint = "load_test_accounts")]
pub async fn load_test_accounts(org: String, device: String) -> Result<TestAccounts, AppError> {
    use super::server::*;
    let (state, session) = (state()?, session().await?);
    let result = async {
        let user_id = signed_in_user_id(&session).await?;
        crate::services::sandbox::test_accounts(&state.db, &user_id, &org, &device).await
    }
    .await;
    finish(result).await
}

#[server(prefix = "/api", endpoint = "add_test_account")]
pub async fn add_test_account(
    org: String,
    device: String,
    #[server(default)] email: String,
) -> Result<(), AppError> {
    use super::server::*;
    let (state, session) = (state()?, session().await?);
    let result = async {
        let actor = actor(&state, &session).await?;
        crate::services::sandbox::add_test_account(&state.db, &actor, &org, &device, &email).await
    }
    .await;
    finish(result).await?;
    leptos_axum::redirect(&format!("/orgs/{org}/devices/{device}/sandbox?accounts=added"));
    Ok(())
}

#[server(prefix = "/api", endpoint = "remove_test_account")]
pub async fn remove_test_account(org: String, device: String, account: String) -> Result<(), AppError> {
    use super::server::*;
    let (state, session) = (state()?, session().await?);
    let result = async {
        let actor = actor(&state, &session).await?;
        crate::services::sandbox::remove_test_account(&state.db, &actor, &org, &device, &account).await
    }
    .await;
    finish(result).await?;
    leptos_axum::redirect(&format!("/orgs/{org}/devices/{device}/sandbox?accounts=removed"));
    Ok(())
}

#[server(prefix = "/api", endpoint = "load_sandbox_clock")]
pub async fn load_sandbox_clock(org: String, device: String) -> Result<SandboxClock, AppError> {
    use super::server::*;
    let (state, session) = (state()?, session().await?);
    let result = async {
        let user_id = signed_in_user_id(&session).await?;
        crate::services::sandbox::clock(&state.db, &user_id, &org, &device).await
    }
    .await;
    finish(result).await
}

/// Moves the sandbox's test clock ahead by `hours` (1, 24 or 72).
#[server(prefix = "/api", endpoint = "advance_sandbox_clock")]
pub async fn advance_sandbox_clock(
    org: String,
    device: String,
    #[server(default)] hours: String,
) -> Result<(), AppError> {
    use super::server::*;
    let (state, session) = (state()?, session().await?);
    let result = async {
        let actor = actor(&state, &session).await?;
        crate::services::sandbox::advance_clock(&state.db, &state.settings, &actor, &org, &device, &hours)
            .await
    }
    .await;
    let steps = finish(result).await?;
    state.wake_workers();
    leptos_axum::redirect(&format!("/orgs/{org}/devices/{device}/sandbox?clock={steps}"));
    Ok(())
}
