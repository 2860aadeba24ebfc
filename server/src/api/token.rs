//! `POST /auth/o2/token`: the authorization-code and refresh-token grants, client authenticated by form
//! fields or HTTP Basic.

use super::BODY_LIMIT;
use app::services::oauth::{self, OauthError, TokenRequest};
use app::state::AppState;
use axum::body::Body;
use axum::extract::State;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use serde_json::json;

pub async fn token(State(state): State<AppState>, headers: HeaderMap, body: Body) -> Response {
    let answer = match read_request(&headers, body).await {
        Ok(request) => oauth::grant(&state.db, &request).await,
        Err(error) => Err(error),
    };
    // Tokens must never be cached (RFC 6749, section 5.1).
    let no_store = [(header::CACHE_CONTROL, "no-store"), (header::PRAGMA, "no-cache")];
    match answer {
        Ok(tokens) => (no_store, axum::Json(tokens)).into_response(),
        Err(error) => {
            let status = StatusCode::from_u16(error.status).unwrap_or(StatusCode::BAD_REQUEST);
            let body = axum::Json(json!({ "error": error.error, "error_description": error.description }));
            let mut response = (status, no_store, body).into_response();
            if status == StatusCode::UNAUTHORIZED {
                response.headers_mut().insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Basic"));
            }
            response
        }
    }
}

async fn read_request(headers: &HeaderMap, body: Body) -> Result<TokenRequest, OauthError> {
    let content_type = headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or_default();
    if !content_type.to_ascii_lowercase().starts_with("application/x-www-form-urlencoded") {
        return Err(OauthError::request("the body must be application/x-www-form-urlencoded"));
    }
    let bytes = axum::body::to_bytes(body, BODY_LIMIT)
        .await
        .map_err(|_| OauthError { status: 413, ..OauthError::request("the body is larger than 16 KiB") })?;
    let mut request = TokenRequest::default();
    for (name, value) in url::form_urlencoded::parse(&bytes) {
        let field = match name.as_ref() {
            "grant_type" => &mut request.grant_type,
            "client_id" => &mut request.client_id,
            "client_secret" => &mut request.client_secret,
            "code" => &mut request.code,
            "redirect_uri" => &mut request.redirect_uri,
            "refresh_token" => &mut request.refresh_token,
            _ => continue,
        };
        *field = value.into_owned();
    }
    if let Some((client_id, secret)) = basic_credentials(headers) {
        request.client_id = client_id;
        request.client_secret = secret;
    }
    Ok(request)
}

/// `Authorization: Basic base64(client_id:client_secret)`, each part form-encoded as RFC 6749 says.
fn basic_credentials(headers: &HeaderMap) -> Option<(String, String)> {
    let encoded = headers.get(header::AUTHORIZATION)?.to_str().ok()?.strip_prefix("Basic ")?;
    let decoded = String::from_utf8(STANDARD.decode(encoded.trim()).ok()?).ok()?;
    let (id, secret) = decoded.split_once(':')?;
    let unescape = |part: &str| {
        url::form_urlencoded::parse(format!("v={part}").as_bytes()).next().map(|(_, v)| v.into_owned())
    };
    Some((unescape(id)?, unescape(secret)?))
}
