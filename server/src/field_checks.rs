//! `POST /checks/{rule}` with the form field `value`: a form field's rule applied to what was typed so
//! far, for the script that checks fields before they are submitted (app/src/field_checks.js). It answers
//! `{"message": null}` when the value passes and the submit's own message when it does not; it reads and
//! stores nothing. The value travels in the body, never the address, because it may be a new password or
//! an email address, and addresses end up in logs and browser history.

use app::models::FieldRule;
use axum::extract::{DefaultBodyLimit, Path};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Form, Json, Router};
use serde::Deserialize;
use serde_json::json;

/// Ten return URLs of 2,048 bytes on their lines are at most 61,473 bytes form-encoded, every byte escaped.
/// A longer value (padding and blank lines, which the rule skips) is answered 413, which the script takes
/// as no answer: the submit judges it.
const BODY_LIMIT: usize = 64 * 1024;

/// What the field holds so far.
#[derive(Deserialize)]
struct Typed {
    #[serde(default)]
    value: String,
}

/// A check reads no session, so the router is merged outside the session layer; same-origin still applies.
pub fn router<S: Clone + Send + Sync + 'static>() -> Router<S> {
    Router::new().route("/checks/{rule}", post(check)).layer(DefaultBodyLimit::max(BODY_LIMIT))
}

async fn check(Path(rule): Path<String>, Form(typed): Form<Typed>) -> Response {
    match FieldRule::from_name(&rule) {
        Some(rule) => Json(json!({ "message": rule.check(&typed.value).err() })).into_response(),
        None => (StatusCode::NOT_FOUND, Json(json!({ "message": "There is no such field rule." })))
            .into_response(),
    }
}
