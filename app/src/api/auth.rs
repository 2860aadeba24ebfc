//! Signing up, verifying, signing in and out, and password resets.

use crate::error::AppError;
use crate::models::Viewer;
use leptos::prelude::*;

/// The signed-in user, or `None`.
#[server(prefix = "/api", endpoint = "viewer")]
pub async fn current_viewer() -> Result<Option<Viewer>, AppError> {
    use super::server::*;
    let (state, session) = (state()?, session().await?);
    match viewer(&state, &session).await {
        Ok(viewer) => Ok(Some(viewer)),
        Err(AppError::Unauthenticated) => Ok(None),
        Err(error) => finish(Err(error)).await,
    }
}

#[server(prefix = "/api", endpoint = "sign_up")]
pub async fn sign_up(email: String, password: String, organization_name: String) -> Result<(), AppError> {
    use super::server::*;
    use crate::services::accounts;
    let state = state()?;
    let client = client_ip().await;
    let result = async {
        let form = accounts::SignUp::parse(&email, &password, &organization_name)?;
        accounts::sign_up(&state.db, &state.settings, &client, form).await
    }
    .await;
    if result.is_ok() {
        state.mail_queued.notify_one();
        leptos_axum::redirect("/check-email");
    }
    finish(result).await
}

#[server(prefix = "/api", endpoint = "verify_email")]
pub async fn verify_email(token: String) -> Result<(), AppError> {
    use super::server::*;
    let state = state()?;
    let result = crate::services::accounts::verify_email(&state.db, token).await;
    if result.is_ok() {
        leptos_axum::redirect("/signin?verified=1");
    }
    finish(result).await
}

#[server(prefix = "/api", endpoint = "sign_in")]
pub async fn sign_in(email: String, password: String, next: Option<String>) -> Result<(), AppError> {
    use super::server::*;
    use crate::services::session_store::USER_ID_KEY;
    let (state, session) = (state()?, session().await?);
    let ip = client_ip().await;
    let result = crate::services::accounts::sign_in(&state.db, &state.settings, &email, &password, &ip).await;
    state.mail_queued.notify_one();
    let account = finish(result).await?;
    // A new session ID at sign-in, so an ID planted before sign-in is worthless.
    session.cycle_id().await?;
    session.insert(USER_ID_KEY, &account.id).await?;
    let viewer = crate::services::organizations::load_viewer(&state.db, &account.id).await?;
    let destination = next.as_deref().and_then(super::safe_next).unwrap_or_else(|| home_of(&viewer));
    leptos_axum::redirect(&destination);
    Ok(())
}

/// Where a signed-in user starts: the first organization, the review console, or creating one.
pub fn home_of(viewer: &Viewer) -> String {
    match viewer.organizations.first() {
        Some(organization) => format!("/orgs/{}", organization.id),
        None if viewer.is_reviewer => "/review".to_owned(),
        None => "/orgs/new".to_owned(),
    }
}

#[server(prefix = "/api", endpoint = "sign_out")]
pub async fn sign_out() -> Result<(), AppError> {
    use super::server::*;
    let session = session().await?;
    session.flush().await?;
    leptos_axum::redirect("/signin");
    Ok(())
}

#[server(prefix = "/api", endpoint = "forgot_password")]
pub async fn forgot_password(email: String) -> Result<(), AppError> {
    use super::server::*;
    let state = state()?;
    let client = client_ip().await;
    let result =
        crate::services::accounts::request_password_reset(&state.db, &state.settings, &client, &email).await;
    if result.is_ok() {
        state.mail_queued.notify_one();
        leptos_axum::redirect("/forgot-password?sent=1");
    }
    finish(result).await
}

#[server(prefix = "/api", endpoint = "reset_password")]
pub async fn reset_password(token: String, password: String) -> Result<(), AppError> {
    use super::server::*;
    let state = state()?;
    let result = crate::services::accounts::reset_password(&state.db, token, &password).await;
    if result.is_ok() {
        leptos_axum::redirect("/signin?reset=1");
    }
    finish(result).await
}
