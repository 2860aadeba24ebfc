//! The customer's own pages: `/my` (devices, products, orders) and the cancel link of order emails.

use crate::error::AppError;
use crate::models::customer_views::{MyAccount, OrderToCancel};
use leptos::prelude::*;

#[cfg(feature = "ssr")]
async fn signed_in_customer(session: &tower_sessions::Session) -> Result<String, AppError> {
    use crate::services::session_store::CUSTOMER_ID_KEY;
    session.get::<String>(CUSTOMER_ID_KEY).await?.ok_or(AppError::Unauthenticated)
}

/// The customer's account, or `None` when no customer is signed in.
#[server(prefix = "/api", endpoint = "load_my_account")]
pub async fn load_my_account() -> Result<Option<MyAccount>, AppError> {
    use super::server::*;
    let (state, session) = (state()?, session().await?);
    let result = async {
        match signed_in_customer(&session).await {
            Ok(customer) => {
                renew_customer_session(&state, &session).await?;
                crate::services::customer_account::load_account(&state.db, &customer).await.map(Some)
            }
            Err(AppError::Unauthenticated) => Ok(None),
            Err(error) => Err(error),
        }
    }
    .await;
    finish(result).await
}

/// The marketplaces a customer account can belong to, as (code, name).
#[server(prefix = "/api", endpoint = "load_customer_marketplaces")]
pub async fn load_customer_marketplaces() -> Result<Vec<(String, String)>, AppError> {
    use super::server::*;
    let state = state()?;
    finish(crate::services::customers::marketplaces(&state.db).await).await
}

/// Creates a customer account from `/my` (a tester's, before any device asks for consent); the verification
/// link leads back to `/my`. The same answer whether or not the address had an account.
#[server(prefix = "/api", endpoint = "my_sign_up")]
pub async fn my_sign_up(
    #[server(default)] email: String,
    #[server(default)] password: String,
    #[server(default)] marketplace: String,
) -> Result<(), AppError> {
    sign_up_customer(&email, &password, &marketplace, "/my").await
}

/// A customer's sign-up, from the consent page or `/my`: the verification link returns to `return_to`, and
/// the answer is *Check your email* whether or not the address had an account.
#[cfg(feature = "ssr")]
pub(crate) async fn sign_up_customer(
    email: &str,
    password: &str,
    marketplace: &str,
    return_to: &str,
) -> Result<(), AppError> {
    use super::server::*;
    use crate::services::customers::{self, CustomerSignUp};
    let state = state()?;
    let client = client_ip().await;
    let result = async {
        let form = CustomerSignUp::parse(&state.db, email, password, marketplace).await?;
        customers::sign_up(&state.db, &state.settings, &client, form, return_to).await
    }
    .await;
    finish(result).await?;
    state.mail_queued.notify_one();
    leptos_axum::redirect("/my/check-email");
    Ok(())
}

/// A new session ID at sign-in, so an ID planted before it is worthless.
#[cfg(feature = "ssr")]
pub(crate) async fn start_customer_session(
    session: &tower_sessions::Session,
    customer_id: &str,
) -> Result<(), AppError> {
    use crate::services::session_store::CUSTOMER_ID_KEY;
    session.cycle_id().await?;
    session.insert(CUSTOMER_ID_KEY, customer_id).await?;
    Ok(())
}

#[server(prefix = "/api", endpoint = "my_sign_in")]
pub async fn my_sign_in(
    #[server(default)] email: String,
    #[server(default)] password: String,
) -> Result<(), AppError> {
    use super::server::*;
    let (state, session) = (state()?, session().await?);
    let ip = client_ip().await;
    let result =
        crate::services::customers::sign_in(&state.db, &state.settings, &email, &password, &ip, "/my").await;
    state.mail_queued.notify_one();
    let customer_id = finish(result).await?;
    start_customer_session(&session, &customer_id).await?;
    leptos_axum::redirect("/my");
    Ok(())
}

/// Opens the verification link's account and signs the customer in, back where they signed up.
#[server(prefix = "/api", endpoint = "verify_customer_email")]
pub async fn verify_customer_email(token: String) -> Result<(), AppError> {
    use super::server::*;
    let (state, session) = (state()?, session().await?);
    let result = crate::services::customers::verify_email(&state.db, token).await;
    let (customer_id, return_to) = finish(result).await?;
    start_customer_session(&session, &customer_id).await?;
    leptos_axum::redirect(&super::safe_next(&return_to).unwrap_or_else(|| "/my".to_owned()));
    Ok(())
}

#[server(prefix = "/api", endpoint = "my_sign_out")]
pub async fn my_sign_out() -> Result<(), AppError> {
    use super::server::*;
    use crate::services::session_store::CUSTOMER_ID_KEY;
    let session = session().await?;
    session.remove::<String>(CUSTOMER_ID_KEY).await?;
    session.cycle_id().await?;
    leptos_axum::redirect("/my");
    Ok(())
}

#[server(prefix = "/api", endpoint = "change_product")]
pub async fn change_product(
    registration: String,
    slot: String,
    #[server(default)] choice: String,
) -> Result<(), AppError> {
    use super::server::*;
    let (state, session) = (state()?, session().await?);
    let result = async {
        let customer = signed_in_customer(&session).await?;
        crate::services::customer_account::change_product(&state.db, &customer, &registration, &slot, &choice)
            .await
    }
    .await;
    finish(result).await?;
    state.notifications_queued.notify_one();
    leptos_axum::redirect("/my?saved=product");
    Ok(())
}

#[server(prefix = "/api", endpoint = "turn_off_replenishment")]
pub async fn turn_off_replenishment(registration: String) -> Result<(), AppError> {
    use super::server::*;
    let (state, session) = (state()?, session().await?);
    let result = async {
        let customer = signed_in_customer(&session).await?;
        crate::services::customer_account::turn_off(&state.db, &customer, &registration).await
    }
    .await;
    finish(result).await?;
    state.notifications_queued.notify_one();
    leptos_axum::redirect("/my?saved=off");
    Ok(())
}

/// Accepts a test invitation (`decision` = `accept`) or withdraws from it (anything else).
#[server(prefix = "/api", endpoint = "answer_test_invitation")]
pub async fn answer_test_invitation(invitation: String, decision: String) -> Result<(), AppError> {
    use super::server::*;
    let (state, session) = (state()?, session().await?);
    let accept = decision == "accept";
    let result = async {
        let customer = signed_in_customer(&session).await?;
        crate::services::customer_account::answer_invitation(&state.db, &customer, &invitation, accept).await
    }
    .await;
    finish(result).await?;
    leptos_axum::redirect(if accept { "/my?saved=accepted" } else { "/my?saved=withdrawn" });
    Ok(())
}

#[server(prefix = "/api", endpoint = "cancel_my_order")]
pub async fn cancel_my_order(order: String) -> Result<(), AppError> {
    use super::server::*;
    use crate::services::fulfilment::{cancel_order, Canceller};
    let (state, session) = (state()?, session().await?);
    let result = async {
        let customer = signed_in_customer(&session).await?;
        cancel_order(
            &state.db,
            &state.settings,
            &order,
            Canceller::Customer(&customer),
            crate::services::now(),
        )
        .await
    }
    .await;
    finish(result).await?;
    state.wake_workers();
    leptos_axum::redirect("/my?saved=cancelled");
    Ok(())
}

#[server(prefix = "/api", endpoint = "load_order_to_cancel")]
pub async fn load_order_to_cancel(order: String, token: String) -> Result<OrderToCancel, AppError> {
    use super::server::*;
    let state = state()?;
    let result = crate::services::customer_account::order_for_link(&state.db, &order, &token).await;
    finish(result).await
}

/// Cancels through the email's link: the token is the permission, no sign-in needed.
#[server(prefix = "/api", endpoint = "cancel_order_by_link")]
pub async fn cancel_order_by_link(order: String, token: String) -> Result<(), AppError> {
    use super::server::*;
    use crate::services::fulfilment::{cancel_order, Canceller};
    let state = state()?;
    let result =
        cancel_order(&state.db, &state.settings, &order, Canceller::Link(&token), crate::services::now())
            .await;
    finish(result).await?;
    state.wake_workers();
    leptos_axum::redirect(&format!("/my/orders/{order}/cancel?token={token}&saved=cancelled"));
    Ok(())
}
