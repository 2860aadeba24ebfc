//! Notification endpoints on *Settings → Notifications*, and each endpoint's delivery log.

use crate::error::AppError;
use crate::models::notification::{DeliveryLog, EndpointsTab};
use leptos::prelude::*;
use std::collections::BTreeMap;

#[cfg(feature = "ssr")]
fn tab_path(org: &str, saved: &str) -> String {
    format!("/orgs/{org}/settings/notifications?saved={saved}")
}

#[server(prefix = "/api", endpoint = "load_notification_endpoints")]
pub async fn load_notification_endpoints(org: String) -> Result<EndpointsTab, AppError> {
    use super::server::*;
    use crate::models::notification::FreshSigningSecret;
    use crate::services::shown_once::SIGNING_SECRET;
    let (state, session) = (state()?, session().await?);
    let result = async {
        let user_id = signed_in_user_id(&session).await?;
        let load = |fresh: Option<FreshSigningSecret>| {
            crate::services::notifications::load_tab(&state.db, &user_id, &org, fresh)
        };
        show_once(&state, &session, SIGNING_SECRET, load, |tab| tab.fresh_secret.is_some()).await
    }
    .await;
    finish(result).await
}

/// `event_types` arrives as one checkbox per type, `event_types[<type>]=on`.
#[server(prefix = "/api", endpoint = "create_notification_endpoint")]
pub async fn create_notification_endpoint(
    org: String,
    #[server(default)] url: String,
    #[server(default)] event_types: BTreeMap<String, String>,
) -> Result<(), AppError> {
    use super::server::*;
    use crate::services::shown_once::SIGNING_SECRET;
    let (state, session) = (state()?, session().await?);
    let types: Vec<String> = event_types.into_keys().collect();
    let result = async {
        let actor = actor(&state, &session).await?;
        crate::services::notifications::create_endpoint(&state.db, &actor, &org, &url, &types).await
    }
    .await;
    let fresh = finish(result).await?;
    keep_shown_once(&state, &session, SIGNING_SECRET, &fresh).await?;
    leptos_axum::redirect(&tab_path(&org, "created"));
    Ok(())
}

#[server(prefix = "/api", endpoint = "roll_notification_secret")]
pub async fn roll_notification_secret(
    org: String,
    endpoint: String,
    #[server(default)] overlap_hours: String,
) -> Result<(), AppError> {
    use super::server::*;
    use crate::services::shown_once::SIGNING_SECRET;
    let (state, session) = (state()?, session().await?);
    let result = async {
        let actor = actor(&state, &session).await?;
        crate::services::notifications::roll_endpoint_secret(
            &state.db,
            &actor,
            &org,
            &endpoint,
            &overlap_hours,
        )
        .await
    }
    .await;
    let fresh = finish(result).await?;
    keep_shown_once(&state, &session, SIGNING_SECRET, &fresh).await?;
    leptos_axum::redirect(&tab_path(&org, "rolled"));
    Ok(())
}

#[server(prefix = "/api", endpoint = "delete_notification_endpoint")]
pub async fn delete_notification_endpoint(org: String, endpoint: String) -> Result<(), AppError> {
    use super::server::*;
    let (state, session) = (state()?, session().await?);
    let result = async {
        let actor = actor(&state, &session).await?;
        crate::services::notifications::delete_endpoint(&state.db, &actor, &org, &endpoint).await
    }
    .await;
    finish(result).await?;
    leptos_axum::redirect(&tab_path(&org, "deleted"));
    Ok(())
}

#[server(prefix = "/api", endpoint = "load_delivery_log")]
pub async fn load_delivery_log(org: String, endpoint: String) -> Result<DeliveryLog, AppError> {
    use super::server::*;
    let (state, session) = (state()?, session().await?);
    let result = async {
        let user_id = signed_in_user_id(&session).await?;
        crate::services::notifications::load_delivery_log(&state.db, &user_id, &org, &endpoint).await
    }
    .await;
    finish(result).await
}

#[server(prefix = "/api", endpoint = "replay_delivery")]
pub async fn replay_delivery(org: String, delivery: String) -> Result<(), AppError> {
    use super::server::*;
    let (state, session) = (state()?, session().await?);
    let result = async {
        let actor = actor(&state, &session).await?;
        crate::services::notifications::replay_delivery(&state.db, &actor, &org, &delivery).await
    }
    .await;
    let endpoint = finish(result).await?;
    state.notifications_queued.notify_one();
    leptos_axum::redirect(&format!("/orgs/{org}/settings/notifications/{endpoint}?saved=replayed"));
    Ok(())
}
