//! Records each runtime call of a known registration in the request log: the call, its status and
//! latency, and excerpts of both bodies. The caller is known only once a handler has checked the token, so
//! `authenticate` leaves it in a task-local slot this layer reads after the handler answered.

use super::wire::{too_large, DrsError};
use super::BODY_LIMIT;
use app::services::now;
use app::services::oauth::Caller;
use app::services::request_log::LoggedCall;
use app::state::AppState;
use axum::body::{to_bytes, Body};
use axum::extract::{MatchedPath, Request, State};
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use std::cell::RefCell;
use std::time::Instant;

tokio::task_local! {
    static CALLER: RefCell<Option<Caller>>;
}

/// Called by `authenticate` with the caller a valid token names; a no-op outside this layer.
pub fn remember(caller: &Caller) {
    let _ = CALLER.try_with(|slot| *slot.borrow_mut() = Some(caller.clone()));
}

pub async fn record(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let started = Instant::now();
    let at = now();
    let method = request.method().to_string();
    let path = request.uri().path().to_owned();
    let call = match request.extensions().get::<MatchedPath>() {
        Some(route) => format!("{method} {}", route.as_str()),
        None => format!("{method} {path}"),
    };
    let (parts, body) = request.into_parts();
    let body = match to_bytes(body, BODY_LIMIT).await {
        Ok(body) => body,
        Err(error) if error.to_string().contains("length limit") => return too_large().into_response(),
        Err(_) => return DrsError::bad_request("the body could not be read").into_response(),
    };
    let request = Request::from_parts(parts, Body::from(body.clone()));
    let (response, caller) = CALLER
        .scope(RefCell::new(None), async move {
            let response = next.run(request).await;
            (response, CALLER.with(|slot| slot.borrow_mut().take()))
        })
        .await;
    let Some(caller) = caller else { return response };
    let (parts, response_body) = response.into_parts();
    // Answers are small JSON documents built in memory: reading one back shares its buffer.
    let Ok(response_body) = to_bytes(response_body, usize::MAX).await else {
        return StatusCode::INTERNAL_SERVER_ERROR.into_response();
    };
    state.request_log.record(LoggedCall {
        registration_id: caller.registration_id,
        organization_id: caller.organization_id,
        call,
        method,
        path,
        status: parts.status.as_u16(),
        latency_micros: i64::try_from(started.elapsed().as_micros()).unwrap_or(i64::MAX),
        request: body,
        response: response_body.clone(),
        at,
    });
    Response::from_parts(parts, Body::from(response_body))
}
