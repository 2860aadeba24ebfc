//! The maker's replenishment-ID requests, on a device's *Replenishment IDs* tab.

use crate::error::AppError;
use crate::models::replenishment::RequestSlotInput;
use crate::models::ReplenishmentTab;
use leptos::prelude::*;
use std::collections::BTreeMap;

#[server(prefix = "/api", endpoint = "load_replenishment")]
pub async fn load_replenishment(org: String, device: String) -> Result<ReplenishmentTab, AppError> {
    use super::server::*;
    let (state, session) = (state()?, session().await?);
    let result = async {
        let viewer = viewer(&state, &session).await?;
        let cache = &state.caches.devices;
        crate::services::requests::load_tab(&state.reads, cache, &viewer, &org, &device).await
    }
    .await;
    finish(result).await
}

/// Saves the request form; `intent` is `submit` for the *Submit for review* button, else a draft is saved.
#[server(prefix = "/api", endpoint = "save_request")]
pub async fn save_request(
    org: String,
    device: String,
    #[server(default)] intent: String,
    #[server(default)] customer_id: String,
    #[server(default)] test_accounts: String,
    #[server(default)] slots: BTreeMap<String, RequestSlotInput>,
) -> Result<(), AppError> {
    use super::server::*;
    use crate::models::replenishment::RequestInput;
    use crate::services::requests::Intent;
    let (state, session) = (state()?, session().await?);
    let intent = Intent::parse(&intent);
    let input = RequestInput { customer_id, test_accounts, slots };
    let result = async {
        let actor = actor(&state, &session).await?;
        crate::services::requests::save_request(
            &state.db,
            &state.settings,
            &actor,
            &org,
            &device,
            intent,
            &input,
        )
        .await
    }
    .await;
    finish(result).await?;
    state.mail_queued.notify_one();
    let saved = if intent == Intent::Submit { "submitted" } else { "draft" };
    leptos_axum::redirect(&format!("/orgs/{org}/devices/{device}/replenishment?saved={saved}"));
    Ok(())
}

#[server(prefix = "/api", endpoint = "withdraw_request")]
pub async fn withdraw_request(
    org: String,
    device: String,
    #[server(default)] reason: String,
) -> Result<(), AppError> {
    use super::server::*;
    let (state, session) = (state()?, session().await?);
    let result = async {
        let actor = actor(&state, &session).await?;
        crate::services::requests::withdraw_request(
            &state.db,
            &state.settings,
            &actor,
            &org,
            &device,
            &reason,
        )
        .await
    }
    .await;
    finish(result).await?;
    state.mail_queued.notify_one();
    leptos_axum::redirect(&format!("/orgs/{org}/devices/{device}/replenishment?saved=withdrawn"));
    Ok(())
}
