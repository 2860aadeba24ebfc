//! Security profiles on *Settings → Security profiles*. A new secret travels to the page in the session,
//! never in a URL, and is shown once.

use crate::error::AppError;
use crate::models::security_profile::SecurityProfilesTab;
use leptos::prelude::*;

#[cfg(feature = "ssr")]
fn tab_path(org: &str, saved: &str) -> String {
    format!("/orgs/{org}/settings/security-profiles?saved={saved}")
}

#[server(prefix = "/api", endpoint = "load_security_profiles")]
pub async fn load_security_profiles(org: String) -> Result<SecurityProfilesTab, AppError> {
    use super::server::*;
    use crate::models::security_profile::FreshSecret;
    use crate::services::shown_once::SECURITY_PROFILE_SECRET;
    let (state, session) = (state()?, session().await?);
    let result = async {
        let user_id = signed_in_user_id(&session).await?;
        let load = |fresh: Option<FreshSecret>| {
            crate::services::security_profiles::load_tab(&state.db, &user_id, &org, fresh)
        };
        show_once(&state, &session, SECURITY_PROFILE_SECRET, load, |tab| tab.fresh_secret.is_some()).await
    }
    .await;
    finish(result).await
}

#[server(prefix = "/api", endpoint = "create_security_profile")]
pub async fn create_security_profile(
    org: String,
    #[server(default)] name: String,
    #[server(default)] return_urls: String,
) -> Result<(), AppError> {
    use super::server::*;
    use crate::services::shown_once::SECURITY_PROFILE_SECRET;
    let (state, session) = (state()?, session().await?);
    let result = async {
        let actor = actor(&state, &session).await?;
        crate::services::security_profiles::create_profile(&state.db, &actor, &org, &name, &return_urls).await
    }
    .await;
    let fresh = finish(result).await?;
    keep_shown_once(&state, &session, SECURITY_PROFILE_SECRET, &fresh).await?;
    leptos_axum::redirect(&tab_path(&org, "created"));
    Ok(())
}

#[server(prefix = "/api", endpoint = "update_security_profile")]
pub async fn update_security_profile(
    org: String,
    profile: String,
    #[server(default)] name: String,
    #[server(default)] return_urls: String,
) -> Result<(), AppError> {
    use super::server::*;
    let (state, session) = (state()?, session().await?);
    let result = async {
        let actor = actor(&state, &session).await?;
        crate::services::security_profiles::update_profile(
            &state.db,
            &actor,
            &org,
            &profile,
            &name,
            &return_urls,
        )
        .await
    }
    .await;
    finish(result).await?;
    leptos_axum::redirect(&tab_path(&org, "updated"));
    Ok(())
}

#[server(prefix = "/api", endpoint = "roll_security_profile_secret")]
pub async fn roll_security_profile_secret(
    org: String,
    profile: String,
    #[server(default)] overlap_hours: String,
) -> Result<(), AppError> {
    use super::server::*;
    use crate::services::shown_once::SECURITY_PROFILE_SECRET;
    let (state, session) = (state()?, session().await?);
    let result = async {
        let actor = actor(&state, &session).await?;
        crate::services::security_profiles::roll_secret(&state.db, &actor, &org, &profile, &overlap_hours)
            .await
    }
    .await;
    let fresh = finish(result).await?;
    keep_shown_once(&state, &session, SECURITY_PROFILE_SECRET, &fresh).await?;
    leptos_axum::redirect(&tab_path(&org, "rolled"));
    Ok(())
}

#[server(prefix = "/api", endpoint = "revoke_security_profile")]
pub async fn revoke_security_profile(org: String, profile: String) -> Result<(), AppError> {
    use super::server::*;
    let (state, session) = (state()?, session().await?);
    let result = async {
        let actor = actor(&state, &session).await?;
        crate::services::security_profiles::revoke_profile(&state.db, &actor, &org, &profile).await
    }
    .await;
    finish(result).await?;
    leptos_axum::redirect(&tab_path(&org, "revoked"));
    Ok(())
}
