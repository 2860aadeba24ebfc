//! The customer's consent page (`/ap/oa`): loading it, customer sign-up and sign-in, and the answer.

use crate::error::AppError;
use crate::models::consent::ConsentView;
use leptos::prelude::*;
use std::collections::BTreeMap;

/// `query` is the authorization request's query string, as the client sent it.
#[server(prefix = "/api", endpoint = "load_consent")]
pub async fn load_consent(query: String) -> Result<ConsentView, AppError> {
    use super::server::*;
    use crate::services::session_store::CUSTOMER_ID_KEY;
    let (state, session) = (state()?, session().await?);
    let result = async {
        let customer = session.get::<String>(CUSTOMER_ID_KEY).await?;
        if customer.is_some() {
            renew_customer_session(&state, &session).await?;
        }
        crate::services::consent::load_consent(&state.db, customer.as_deref(), &query).await
    }
    .await;
    let result = result.inspect(|view| match view {
        ConsentView::Invalid { .. } => {
            if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
                response.set_status(axum::http::StatusCode::BAD_REQUEST);
            }
        }
        ConsentView::Redirect { .. } => {}
        // The return URL is one the client registered (checked above): the page's forms may lead there.
        _ => {
            if let Some(origin) = crate::services::consent::return_origin(&query) {
                crate::shell::allow_form_action(&origin);
            }
        }
    });
    finish(result).await
}

#[cfg(feature = "ssr")]
fn back_to_consent(query: &str) -> String {
    format!("/ap/oa?{}", query.trim_start_matches('?'))
}

/// Creates the account and mails a verification link that returns to this consent; the customer reads
/// the same answer whether or not the address already had an account.
#[server(prefix = "/api", endpoint = "customer_sign_up")]
pub async fn customer_sign_up(
    query: String,
    #[server(default)] email: String,
    #[server(default)] password: String,
    #[server(default)] marketplace: String,
) -> Result<(), AppError> {
    super::customer::sign_up_customer(&email, &password, &marketplace, &back_to_consent(&query)).await
}

#[server(prefix = "/api", endpoint = "customer_sign_in")]
pub async fn customer_sign_in(
    query: String,
    #[server(default)] email: String,
    #[server(default)] password: String,
) -> Result<(), AppError> {
    use super::server::*;
    let (state, session) = (state()?, session().await?);
    let ip = client_ip().await;
    let back = back_to_consent(&query);
    let result =
        crate::services::customers::sign_in(&state.db, &state.settings, &email, &password, &ip, &back).await;
    state.mail_queued.notify_one();
    let customer_id = finish(result).await?;
    super::customer::start_customer_session(&session, &customer_id).await?;
    leptos_axum::redirect(&back);
    Ok(())
}

/// Links the device (`decision` = `allow`) or declines; either way the customer goes back to the client.
#[server(prefix = "/api", endpoint = "confirm_consent")]
pub async fn confirm_consent(
    query: String,
    #[server(default)] decision: String,
    #[server(default)] choice: BTreeMap<String, String>,
) -> Result<(), AppError> {
    use super::server::*;
    use crate::services::session_store::CUSTOMER_ID_KEY;
    let (state, session) = (state()?, session().await?);
    let result = async {
        let customer = session.get::<String>(CUSTOMER_ID_KEY).await?.unwrap_or_default();
        crate::services::consent::confirm_consent(&state.db, &customer, &query, &decision, &choice).await
    }
    .await;
    let destination = finish(result).await?;
    state.wake_workers();
    leptos_axum::redirect(&destination);
    Ok(())
}
