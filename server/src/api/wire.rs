//! What every service call shares on the wire: the bearer token, the versioned type headers, bodies in
//! JSON or form encoding, and JSON errors.

use super::BODY_LIMIT;
use app::error::AppError;
use app::services::oauth::{authenticate_bearer, Caller};
use app::state::AppState;
use axum::body::Body;
use axum::http::{header, HeaderMap, HeaderName, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, NaiveDate, Utc};
use serde_json::{Map, Value};

const TYPE_PREFIX: &str = "com.amazon.dash.replenishment.";
const TYPE_VERSION: &str = "x-amzn-type-version";
const ACCEPT_TYPE: &str = "x-amzn-accept-type";

/// The input type a call takes and the result types it can answer with (the first is the default).
pub struct CallTypes {
    pub input: &'static str,
    pub results: &'static [&'static str],
}

/// A refusal, answered as `{"message": ...}` with its status.
#[derive(Debug)]
pub struct DrsError {
    status: StatusCode,
    message: String,
    /// Seconds, for 429.
    retry_after: Option<u64>,
}

impl DrsError {
    pub fn bad_request(message: impl Into<String>) -> Self {
        Self { status: StatusCode::BAD_REQUEST, message: message.into(), retry_after: None }
    }

    pub fn not_found(message: impl Into<String>) -> Self {
        Self { status: StatusCode::NOT_FOUND, message: message.into(), retry_after: None }
    }

    fn invalid_token() -> Self {
        // Public clients refresh their token on exactly this answer.
        Self::bad_request("Invalid token")
    }

    /// Maps a service error; `not_found` says what was not found.
    pub fn from_service(error: AppError, not_found: &str) -> Self {
        match error {
            AppError::NotFound => Self::not_found(not_found),
            AppError::Refused(message) => Self::bad_request(message),
            AppError::Validation(errors) => Self::bad_request(errors.summary()),
            _ => Self {
                status: StatusCode::INTERNAL_SERVER_ERROR,
                message: "internal error".into(),
                retry_after: None,
            },
        }
    }
}

impl From<AppError> for DrsError {
    fn from(error: AppError) -> Self {
        Self::from_service(error, "not found")
    }
}

impl IntoResponse for DrsError {
    fn into_response(self) -> Response {
        let body = serde_json::json!({ "message": self.message }).to_string();
        let mut response =
            (self.status, [(header::CONTENT_TYPE, HeaderValue::from_static("application/json"))], body)
                .into_response();
        if let Some(seconds) = self.retry_after {
            response.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(seconds));
        }
        response
    }
}

/// A JSON answer carrying its result type in `x-amzn-type-version`.
pub fn answer(result_type: &str, body: String) -> Response {
    let version =
        HeaderValue::from_str(&format!("{TYPE_PREFIX}{result_type}")).unwrap_or(HeaderValue::from_static(""));
    (
        StatusCode::OK,
        [
            (header::CONTENT_TYPE, HeaderValue::from_static("application/json")),
            (HeaderName::from_static(TYPE_VERSION), version),
        ],
        body,
    )
        .into_response()
}

/// The caller behind the `Authorization: Bearer` header, within its registration's rate.
pub async fn authenticate(state: &AppState, headers: &HeaderMap) -> Result<Caller, DrsError> {
    let token = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer ").or_else(|| v.strip_prefix("bearer ")))
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .ok_or_else(DrsError::invalid_token)?;
    let caller = authenticate_bearer(&state.reads, token).await?.ok_or_else(DrsError::invalid_token)?;
    super::request_log::remember(&caller);
    state.runtime_limiter.check(&caller.registration_id).map_err(|wait| DrsError {
        status: StatusCode::TOO_MANY_REQUESTS,
        message: "too many calls for this registration; slow down".into(),
        retry_after: Some(wait.as_secs().max(1)),
    })?;
    Ok(caller)
}

/// Checks the type headers and answers the result type to send.
pub fn negotiate(headers: &HeaderMap, call: &CallTypes) -> Result<&'static str, DrsError> {
    let header_value = |name: &str| headers.get(name).and_then(|v| v.to_str().ok()).map(str::trim);
    let input = header_value(TYPE_VERSION).and_then(|v| v.strip_prefix(TYPE_PREFIX));
    if input != Some(call.input) {
        return Err(DrsError::bad_request(format!(
            "{TYPE_VERSION} must be {TYPE_PREFIX}{} for this call",
            call.input
        )));
    }
    let accepted = header_value(ACCEPT_TYPE).and_then(|v| v.strip_prefix(TYPE_PREFIX));
    call.results.iter().copied().find(|result| Some(*result) == accepted).ok_or_else(|| {
        let supported: Vec<String> = call.results.iter().map(|r| format!("{TYPE_PREFIX}{r}")).collect();
        DrsError::bad_request(format!("{ACCEPT_TYPE} must be one of {}", supported.join(", ")))
    })
}

pub(super) fn too_large() -> DrsError {
    DrsError {
        status: StatusCode::PAYLOAD_TOO_LARGE,
        message: format!("the body is larger than {} KiB", BODY_LIMIT / 1024),
        retry_after: None,
    }
}

/// Answers 413 to any runtime call that declares a body over the limit, whether or not the call reads it.
pub async fn refuse_large_bodies(request: axum::extract::Request, next: axum::middleware::Next) -> Response {
    let declared = request
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    if declared.is_some_and(|length| length > BODY_LIMIT) {
        return too_large().into_response();
    }
    next.run(request).await
}

/// The fields of a request body, JSON or form-encoded.
pub enum Fields {
    Json(Map<String, Value>),
    Form(Vec<(String, String)>),
}

/// Reads at most `BODY_LIMIT` bytes and decodes them by `Content-Type`; an empty body has no fields.
pub async fn read_fields(headers: &HeaderMap, body: Body) -> Result<Fields, DrsError> {
    let bytes = axum::body::to_bytes(body, BODY_LIMIT).await.map_err(|_| too_large())?;
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Ok(Fields::Json(Map::new()));
    }
    let content_type = headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or_default();
    let media_type = content_type.split(';').next().unwrap_or_default().trim().to_ascii_lowercase();
    match media_type.as_str() {
        "application/json" => match serde_json::from_slice::<Value>(&bytes) {
            Ok(Value::Object(map)) => Ok(Fields::Json(map)),
            Ok(_) => Err(DrsError::bad_request("the body must be a JSON object")),
            Err(error) => Err(DrsError::bad_request(format!("the body is not valid JSON: {error}"))),
        },
        "application/x-www-form-urlencoded" => {
            Ok(Fields::Form(url::form_urlencoded::parse(&bytes).into_owned().collect()))
        }
        _ => Err(DrsError::bad_request(
            "Content-Type must be application/json or application/x-www-form-urlencoded",
        )),
    }
}

impl Fields {
    fn raw(&self, name: &str) -> Option<Raw<'_>> {
        match self {
            Fields::Json(map) => map.get(name).filter(|v| !v.is_null()).map(Raw::Json),
            Fields::Form(pairs) => pairs.iter().find(|(k, _)| k == name).map(|(_, v)| Raw::Text(v.as_str())),
        }
    }

    /// A required non-negative number. JSON must send a number; a form sends its digits.
    pub fn quantity(&self, name: &str) -> Result<f64, DrsError> {
        let value = match self.raw(name) {
            None => return Err(DrsError::bad_request(format!("{name} is required"))),
            Some(Raw::Json(Value::Number(n))) => n.as_f64(),
            Some(Raw::Json(_)) => None,
            Some(Raw::Text(text)) => text.trim().parse::<f64>().ok(),
        };
        match value.filter(|v| v.is_finite()) {
            Some(v) if v >= 0.0 => Ok(v),
            Some(_) => Err(DrsError::bad_request(format!("{name} must not be negative"))),
            None => Err(DrsError::bad_request(format!("{name} must be a number"))),
        }
    }

    /// A required ISO-8601 date or date-time.
    pub fn date(&self, name: &str) -> Result<DateTime<Utc>, DrsError> {
        match self.raw(name) {
            None => Err(DrsError::bad_request(format!("{name} is required"))),
            Some(Raw::Json(Value::String(text))) => parse_date(name, text),
            Some(Raw::Text(text)) => parse_date(name, text),
            Some(Raw::Json(_)) => {
                Err(DrsError::bad_request(format!("{name} must be an ISO-8601 date string")))
            }
        }
    }

    pub fn optional_date(&self, name: &str) -> Result<Option<DateTime<Utc>>, DrsError> {
        match self.raw(name) {
            None => Ok(None),
            Some(_) => self.date(name).map(Some),
        }
    }
}

enum Raw<'a> {
    Json(&'a Value),
    Text(&'a str),
}

/// An ISO-8601 date-time with offset, or a plain date (midnight UTC).
pub fn parse_date(name: &str, text: &str) -> Result<DateTime<Utc>, DrsError> {
    let text = text.trim();
    DateTime::parse_from_rfc3339(text)
        .map(|at| at.with_timezone(&Utc))
        .ok()
        .or_else(|| {
            NaiveDate::parse_from_str(text, "%Y-%m-%d")
                .ok()
                .and_then(|d| d.and_hms_opt(0, 0, 0))
                .map(|d| d.and_utc())
        })
        .ok_or_else(|| {
            DrsError::bad_request(format!("{name} must be an ISO-8601 date such as 2026-11-23T10:00:00Z"))
        })
}
