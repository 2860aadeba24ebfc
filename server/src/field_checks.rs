//! `GET /checks/{rule}?value=…`: a form field's rule applied to what was typed so far, for the script that
//! checks fields before they are submitted (app/src/field_checks.js). It answers `{"message": null}` when
//! the value passes and the submit's own message when it does not; it reads and stores nothing.

use app::models::FieldRule;
use axum::extract::{Path, Query};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Deserialize;
use serde_json::json;

#[derive(Deserialize)]
pub struct Typed {
    #[serde(default)]
    value: String,
}

pub async fn check(Path(rule): Path<String>, Query(typed): Query<Typed>) -> Response {
    match FieldRule::from_name(&rule) {
        Some(rule) => Json(json!({ "message": rule.check(&typed.value).err() })).into_response(),
        None => (StatusCode::NOT_FOUND, Json(json!({ "message": "There is no such field rule." })))
            .into_response(),
    }
}
