//! What server functions share: the state, the session and the signed-in user, and error statuses.

use crate::error::AppError;
use crate::models::Viewer;
use crate::services::audit::Actor;
use crate::services::session_store::{self, USER_ID_KEY};
use crate::state::AppState;
use axum::http::{header, Method, StatusCode};
use leptos::prelude::*;
use leptos_axum::ResponseOptions;
use std::sync::Arc;
use tokio::sync::OnceCell;
use tower_sessions::Session;

pub fn state() -> Result<AppState, AppError> {
    use_context::<AppState>().ok_or_else(|| {
        tracing::error!("AppState missing from context");
        AppError::Internal
    })
}

pub async fn session() -> Result<Session, AppError> {
    leptos_axum::extract::<Session>().await.map_err(|error| {
        tracing::error!(%error, "no session layer");
        AppError::Internal
    })
}

pub async fn signed_in_user_id(session: &Session) -> Result<String, AppError> {
    session.get::<String>(USER_ID_KEY).await?.ok_or(AppError::Unauthenticated)
}

/// The signed-in user, loaded once per request however many of a page's loaders ask (a page inside an
/// organization has its frame's and its own), from the viewer cache or else from the read connections,
/// together with the session in one statement; a session due for renewal is saved again at the end of
/// the request. Only page loaders call it: a change that affects memberships would find the request's
/// first answer here, so changes check roles against the database inside their own work.
pub async fn viewer(state: &AppState, session: &Session) -> Result<Viewer, AppError> {
    let load = || async {
        use crate::services::organizations;
        match session.id() {
            // The session as stored, read together with its user; a session this request changed (or
            // already found ended) is asked for its user instead.
            Some(id) if !session.is_modified() => {
                let key = session_store::row_key(&id);
                let (viewer, expires_at) = state
                    .caches
                    .viewers
                    .get_or_load(key.clone(), || organizations::load_viewer_of_session(&state.reads, &key))
                    .await?;
                if session_store::renewal_due(expires_at) {
                    renew(session, USER_ID_KEY).await?;
                }
                Ok(viewer)
            }
            _ => organizations::load_viewer(&state.reads, &signed_in_user_id(session).await?).await,
        }
    };
    match use_context::<RequestViewer>() {
        Some(RequestViewer(cell)) => cell.get_or_try_init(load).await.cloned(),
        None => load().await,
    }
}

/// Renews a signed-in customer's session when it is due, as `viewer` does a portal user's; the customer's
/// page loaders call it. Customers' pages are few and seldom loaded, so this reads the session's expiry
/// with a query of its own.
pub async fn renew_customer_session(state: &AppState, session: &Session) -> Result<(), AppError> {
    use crate::services::session_store::CUSTOMER_ID_KEY;
    let Some(id) = session.id().filter(|_| !session.is_modified()) else {
        return Ok(());
    };
    match session_store::expiry_of(&state.reads, &id).await? {
        Some(expires_at) if session_store::renewal_due(expires_at) => renew(session, CUSTOMER_ID_KEY).await,
        _ => Ok(()),
    }
}

/// Has the session saved again at the end of the request, which moves its expiry (and its cookie's) a
/// full idle lifetime ahead, if it holds `signed_in_key`. Its record is loaded first: a session ended
/// meanwhile must not be saved again as a new, empty one. The save writes the record as loaded here, so
/// another request of the same session changing the record meanwhile is undone; that may revert the
/// simulator's last exchange, shown on one page, and nothing else: secrets shown once live beside it.
async fn renew(session: &Session, signed_in_key: &str) -> Result<(), AppError> {
    if session.get::<String>(signed_in_key).await?.is_some() {
        session.set_expiry(session.expiry());
    }
    Ok(())
}

/// Where `viewer` keeps the signed-in user for the rest of the request; the server provides a fresh one
/// to every request.
#[derive(Clone, Default)]
pub struct RequestViewer(Arc<OnceCell<Viewer>>);

/// Keeps a secret for this signed-in session to show once (`services::shown_once`).
pub async fn keep_shown_once(
    state: &AppState,
    session: &Session,
    kind: crate::services::shown_once::Kind,
    value: &impl serde::Serialize,
) -> Result<(), AppError> {
    let id = session.id().ok_or(AppError::Unauthenticated)?;
    crate::services::shown_once::keep(&state.db, &session_store::row_key(&id), kind, value).await
}

/// Loads a page that shows this session's secret of `kind` once: the secret is taken and handed to `load`,
/// and put back unless the page came out showing it (`shows`), so that a failed load, or the page of
/// another organization, does not use it up. During a rolling upgrade the secret may instead be in the
/// session's data, where a server of the previous release kept it.
pub async fn show_once<T, P, F, L>(
    state: &AppState,
    session: &Session,
    kind: crate::services::shown_once::Kind,
    load: L,
    shows: impl FnOnce(&P) -> bool,
) -> Result<P, AppError>
where
    T: serde::Serialize + serde::de::DeserializeOwned + Clone,
    F: std::future::Future<Output = Result<P, AppError>>,
    L: FnOnce(Option<T>) -> F,
{
    use crate::services::shown_once;
    let Some(key) = session.id().map(|id| session_store::row_key(&id)) else {
        return load(None).await;
    };
    let taken = shown_once::take::<T>(&state.db, &key, kind).await?;
    // Removing marks the session for saving whole, so only a session that holds such a secret is.
    let previous_release = match session.get_value(kind.previous_release_key).await? {
        Some(_) => session.remove::<T>(kind.previous_release_key).await?,
        None => None,
    };
    let fresh = taken.or(previous_release);
    let page = load(fresh.clone()).await;
    if let Some(fresh) = fresh.filter(|_| !page.as_ref().is_ok_and(shows)) {
        shown_once::put_back(&state.db, &key, kind, &fresh).await?;
    }
    page
}

/// The signed-in user as the audit log records them.
pub async fn actor(state: &AppState, session: &Session) -> Result<Actor, AppError> {
    let user_id = signed_in_user_id(session).await?;
    let viewer = crate::services::organizations::load_viewer(&state.db, &user_id).await?;
    Ok(Actor { user_id: viewer.user_id, email: viewer.email })
}

/// The client address for attempt limits. Connections come straight from clients or a trusted proxy on
/// loopback; only then is `X-Forwarded-For` believed.
pub async fn client_ip() -> String {
    let peer =
        leptos_axum::extract::<axum::extract::ConnectInfo<std::net::SocketAddr>>().await.ok().map(|c| c.0);
    let forwarded = leptos_axum::extract::<axum::http::HeaderMap>().await.ok().and_then(|headers| {
        headers
            .get("x-forwarded-for")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(',').next_back())
            .map(|v| v.trim().to_owned())
    });
    match peer {
        Some(peer) if peer.ip().is_loopback() => forwarded.unwrap_or_else(|| peer.ip().to_string()),
        Some(peer) => peer.ip().to_string(),
        None => "unknown".to_owned(),
    }
}

/// Gives an error its HTTP status, except for plain form posts, which leptos answers with a redirect back
/// to the form (a 4xx there would stop the browser from following it).
pub async fn finish<T>(result: Result<T, AppError>) -> Result<T, AppError> {
    if let Err(error) = &result {
        let parts = use_context::<axum::http::request::Parts>();
        let form_post = parts.as_ref().is_some_and(|parts| {
            parts.method == Method::POST
                && parts
                    .headers
                    .get(header::ACCEPT)
                    .and_then(|v| v.to_str().ok())
                    .is_some_and(|v| v.contains("text/html"))
        });
        if !form_post {
            if let Some(response) = use_context::<ResponseOptions>() {
                // A page that already sends its visitor elsewhere (to sign in) keeps that answer, whichever
                // of its loaders fails last.
                let redirecting = response
                    .0
                    .read()
                    .is_ok_and(|parts| parts.status.is_some_and(|status| status.is_redirection()));
                if !redirecting {
                    response.set_status(
                        StatusCode::from_u16(error.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
                    );
                }
            }
        }
    }
    result
}
