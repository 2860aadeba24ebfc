//! Devices: the list, registration, one device's details, marketplaces, localized names, inventory.

use crate::error::AppError;
use crate::models::inventory::{SlotRowInput, ThresholdRow};
use crate::models::{Catalogues, DeviceDetail, DeviceList};
use leptos::prelude::*;
use std::collections::BTreeMap;

#[server(prefix = "/api", endpoint = "list_devices")]
pub async fn list_devices(
    org: String,
    #[server(default)] search: String,
    #[server(default)] page: u64,
) -> Result<DeviceList, AppError> {
    use super::server::*;
    let (state, session) = (state()?, session().await?);
    let result = async {
        let viewer = viewer(&state, &session).await?;
        let cache = &state.caches.device_lists;
        crate::services::device_pages::list_devices(&state.reads, cache, &viewer, &org, &search, page).await
    }
    .await;
    finish(result).await
}

/// The catalogues the registration form offers, for members who may register devices.
#[server(prefix = "/api", endpoint = "load_catalogues")]
pub async fn load_catalogues(org: String) -> Result<Catalogues, AppError> {
    use super::server::*;
    use crate::models::Role;
    let (state, session) = (state()?, session().await?);
    let result = async {
        let user_id = signed_in_user_id(&session).await?;
        crate::services::organizations::require_role(&state.db, &org, &user_id, Role::can_edit).await?;
        crate::services::devices::load_catalogues(&state.db).await
    }
    .await;
    finish(result).await
}

/// A model ID no device of the organization uses yet.
#[server(prefix = "/api", endpoint = "suggest_model_id")]
pub async fn suggest_model_id(org: String) -> Result<String, AppError> {
    use super::server::*;
    use crate::models::Role;
    let (state, session) = (state()?, session().await?);
    let result = async {
        let user_id = signed_in_user_id(&session).await?;
        crate::services::organizations::require_role(&state.db, &org, &user_id, Role::can_edit).await?;
        crate::services::devices::generate_model_id(&state.db, &org).await
    }
    .await;
    finish(result).await
}

#[server(prefix = "/api", endpoint = "register_device")]
pub async fn register_device(
    org: String,
    #[server(default)] kind: String,
    #[server(default)] name: String,
    #[server(default)] model_id: String,
    #[server(default)] device_type: String,
    #[server(default)] marketplace: String,
    #[server(default)] category: String,
) -> Result<(), AppError> {
    use super::server::*;
    use crate::services::devices::Registration;
    let (state, session) = (state()?, session().await?);
    let input = Registration { kind, name, model_id, device_type, marketplace, category };
    let result = async {
        let actor = actor(&state, &session).await?;
        crate::services::devices::register_device(&state.db, &actor, &org, &input).await
    }
    .await;
    let device_id = finish(result).await?;
    leptos_axum::redirect(&format!("/orgs/{org}/devices/{device_id}?saved=registered"));
    Ok(())
}

#[server(prefix = "/api", endpoint = "load_device")]
pub async fn load_device(org: String, device: String) -> Result<DeviceDetail, AppError> {
    use super::server::*;
    let (state, session) = (state()?, session().await?);
    let result = async {
        let viewer = viewer(&state, &session).await?;
        let cache = &state.caches.devices;
        crate::services::device_pages::load_device(&state.reads, cache, &viewer, &org, &device).await
    }
    .await;
    finish(result).await
}

#[server(prefix = "/api", endpoint = "update_device")]
pub async fn update_device(
    org: String,
    device: String,
    #[server(default)] name: String,
    #[server(default)] device_type: String,
) -> Result<(), AppError> {
    use super::server::*;
    let (state, session) = (state()?, session().await?);
    let result = async {
        let actor = actor(&state, &session).await?;
        crate::services::devices::update_device(&state.db, &actor, &org, &device, &name, &device_type).await
    }
    .await;
    finish(result).await?;
    leptos_axum::redirect(&format!("/orgs/{org}/devices/{device}?saved=details"));
    Ok(())
}

#[server(prefix = "/api", endpoint = "enable_marketplace")]
pub async fn enable_marketplace(
    org: String,
    device: String,
    #[server(default)] marketplace: String,
) -> Result<(), AppError> {
    use super::server::*;
    let (state, session) = (state()?, session().await?);
    let result = async {
        let actor = actor(&state, &session).await?;
        crate::services::devices::enable_marketplace(&state.db, &actor, &org, &device, &marketplace).await
    }
    .await;
    finish(result).await?;
    leptos_axum::redirect(&format!("/orgs/{org}/devices/{device}?saved=marketplace"));
    Ok(())
}

#[server(prefix = "/api", endpoint = "localize_device")]
pub async fn localize_device(
    org: String,
    device: String,
    #[server(default)] names: BTreeMap<String, String>,
) -> Result<(), AppError> {
    use super::server::*;
    let (state, session) = (state()?, session().await?);
    let result = async {
        let actor = actor(&state, &session).await?;
        crate::services::devices::localize_device(&state.db, &actor, &org, &device, &names).await
    }
    .await;
    finish(result).await?;
    leptos_axum::redirect(&format!("/orgs/{org}/devices/{device}/localization?saved=1"));
    Ok(())
}

#[server(prefix = "/api", endpoint = "save_inventory")]
pub async fn save_inventory(
    org: String,
    device: String,
    #[server(default)] rows: BTreeMap<String, SlotRowInput>,
) -> Result<(), AppError> {
    use super::server::*;
    let (state, session) = (state()?, session().await?);
    let result = async {
        let actor = actor(&state, &session).await?;
        crate::services::inventory::save_inventory(&state.db, &actor, &org, &device, &rows).await
    }
    .await;
    finish(result).await?;
    leptos_axum::redirect(&format!("/orgs/{org}/devices/{device}/inventory?saved=1"));
    Ok(())
}

#[server(prefix = "/api", endpoint = "localize_slots")]
pub async fn localize_slots(
    org: String,
    device: String,
    #[server(default)] names: BTreeMap<String, BTreeMap<String, String>>,
) -> Result<(), AppError> {
    use super::server::*;
    let (state, session) = (state()?, session().await?);
    let result = async {
        let actor = actor(&state, &session).await?;
        crate::services::inventory::localize_slots(&state.db, &actor, &org, &device, &names).await
    }
    .await;
    finish(result).await?;
    leptos_axum::redirect(&format!("/orgs/{org}/devices/{device}/slot-localization?saved=1"));
    Ok(())
}

#[server(prefix = "/api", endpoint = "delete_device")]
pub async fn delete_device(
    org: String,
    device: String,
    #[server(default)] confirm_name: String,
) -> Result<(), AppError> {
    use super::server::*;
    let (state, session) = (state()?, session().await?);
    let result = async {
        let actor = actor(&state, &session).await?;
        crate::services::devices::delete_device(&state.db, &actor, &org, &device, &confirm_name).await
    }
    .await;
    finish(result).await?;
    leptos_axum::redirect(&format!("/orgs/{org}?deleted=1"));
    Ok(())
}

#[server(prefix = "/api", endpoint = "load_thresholds")]
pub async fn load_thresholds(org: String, device: String) -> Result<Vec<ThresholdRow>, AppError> {
    use super::server::*;
    let (state, session) = (state()?, session().await?);
    let result = async {
        let user_id = signed_in_user_id(&session).await?;
        crate::services::thresholds::load_thresholds(&state.db, &user_id, &org, &device).await
    }
    .await;
    finish(result).await
}

/// `thresholds` arrives as `thresholds[slot-<key>]`, one per slot with an approved measurement.
#[server(prefix = "/api", endpoint = "save_thresholds")]
pub async fn save_thresholds(
    org: String,
    device: String,
    #[server(default)] thresholds: BTreeMap<String, String>,
) -> Result<(), AppError> {
    use super::server::*;
    let (state, session) = (state()?, session().await?);
    let result = async {
        let actor = actor(&state, &session).await?;
        crate::services::thresholds::save_thresholds(&state.db, &actor, &org, &device, &thresholds).await
    }
    .await;
    finish(result).await?;
    leptos_axum::redirect(&format!("/orgs/{org}/devices/{device}/inventory?thresholds=saved"));
    Ok(())
}
