//! Statuses for server-function errors raised before the function runs. Leptos answers a request whose
//! fields do not fit the function's arguments with 500 and the error in the body; the error says what it
//! is, so its own status replaces the 500 (a malformed form is the caller's 400, not the server's fault).

use app::error::AppError;
use axum::body::{to_bytes, Body};
use axum::http::StatusCode;
use axum::response::Response;

/// Server-function errors are small JSON documents; anything larger is passed on untouched.
const ERROR_BODY_LIMIT: usize = 64 * 1024;

pub async fn with_error_status(response: Response) -> Response {
    if response.status() != StatusCode::INTERNAL_SERVER_ERROR {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    let Ok(bytes) = to_bytes(body, ERROR_BODY_LIMIT).await else {
        return Response::from_parts(parts, Body::empty());
    };
    if let Ok(error) = serde_json::from_slice::<AppError>(&bytes) {
        parts.status = StatusCode::from_u16(error.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    }
    Response::from_parts(parts, Body::from(bytes))
}
