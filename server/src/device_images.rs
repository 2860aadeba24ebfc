//! Uploading and serving device images. These are plain HTTP routes rather than server functions because
//! an upload is a multipart body of up to 1 MB (the portal's other requests are capped at 64 KiB) and an
//! image is served as bytes with its own content type and caching.

use app::error::AppError;
use app::models::Role;
use app::services::audit::Actor;
use app::services::images::{self, ImageRefusal, Rendition, MAX_IMAGE_BYTES};
use app::services::session_store::USER_ID_KEY;
use app::services::{devices, organizations};
use axum::body::Body;
use axum::extract::{FromRequest, Multipart, Path, Request, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use sea_orm::DatabaseConnection;
use tower_sessions::Session;

/// The largest upload request: the image plus room for the multipart framing.
pub const UPLOAD_BODY_LIMIT: usize = MAX_IMAGE_BYTES + 16 * 1024;
/// Bodies up to this size are read and dropped before a refusal is sent, so that the browser, still
/// sending, gets the answer instead of a reset connection. Anything larger is cut off.
const DRAIN_LIMIT: usize = 32 * 1024 * 1024;
/// Decoding is the costly part of an upload (up to 64 MB of pixels each); a few at a time keep the
/// server's memory bounded whatever the number of uploads.
static DECODES: tokio::sync::Semaphore = tokio::sync::Semaphore::const_new(2);

enum UploadError {
    App(AppError),
    Refused(ImageRefusal),
}

impl From<AppError> for UploadError {
    fn from(error: AppError) -> Self {
        UploadError::App(error)
    }
}

/// `POST /orgs/{org}/devices/{device}/image`: replaces the device's image. Browsers posting the form get a
/// redirect back to the device page; scripts asking for JSON get JSON.
pub async fn upload(
    State(db): State<DatabaseConnection>,
    session: Session,
    Path((organization_id, device_id)): Path<(String, String)>,
    request: Request,
) -> Response {
    let wants_json = accepts_json(request.headers());
    let back = format!("/orgs/{organization_id}/devices/{device_id}");
    match store_upload(&db, &session, &organization_id, &device_id, request).await {
        Ok(image_id) if wants_json => {
            let url = format!("{back}/image/{image_id}");
            axum::Json(serde_json::json!({ "url": url, "thumbnail_url": format!("{url}/thumbnail") }))
                .into_response()
        }
        Ok(_) => Redirect::to(&format!("{back}?saved=image")).into_response(),
        Err(UploadError::Refused(refusal)) if wants_json => {
            let status = match refusal {
                ImageRefusal::TooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
                _ => StatusCode::UNPROCESSABLE_ENTITY,
            };
            let body = serde_json::json!({ "error": refusal.code(), "message": refusal.message() });
            (status, axum::Json(body)).into_response()
        }
        Err(UploadError::Refused(refusal)) => {
            Redirect::to(&format!("{back}?image_error={}#device-image", refusal.code())).into_response()
        }
        Err(UploadError::App(AppError::Unauthenticated)) if !wants_json => {
            Redirect::to(&format!("/signin?next={back}")).into_response()
        }
        Err(UploadError::App(error)) => {
            let status = StatusCode::from_u16(error.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            (status, axum::Json(serde_json::json!({ "message": error.to_string() }))).into_response()
        }
    }
}

async fn store_upload(
    db: &DatabaseConnection,
    session: &Session,
    organization_id: &str,
    device_id: &str,
    request: Request,
) -> Result<String, UploadError> {
    let actor = signed_in_actor(db, session).await?;
    organizations::require_role(db, organization_id, &actor.user_id, Role::can_edit).await?;
    devices::find_device(db, organization_id, device_id).await?;

    // Judged from the declared length before any of the body is read.
    let declared = request
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if let Some(length) = declared.filter(|length| *length > UPLOAD_BODY_LIMIT as u64) {
        drain(request.into_body()).await;
        return Err(UploadError::Refused(ImageRefusal::TooLarge { bytes: length }));
    }
    let bytes = read_image_field(request).await?;
    let _permit = DECODES.acquire().await.map_err(|_| AppError::Internal)?;
    let checked = tokio::task::spawn_blocking(move || images::check_image(bytes))
        .await
        .map_err(AppError::from)?
        .map_err(UploadError::Refused)?;
    Ok(images::store_image(db, &actor, organization_id, device_id, checked).await?)
}

/// The bytes of the form's `image` field, refusing more than the limit as they arrive.
async fn read_image_field(request: Request) -> Result<Vec<u8>, UploadError> {
    let Ok(mut multipart) = Multipart::from_request(request, &()).await else {
        return Err(UploadError::Refused(ImageRefusal::Missing));
    };
    loop {
        let field = match multipart.next_field().await {
            Ok(Some(field)) => field,
            Ok(None) => return Err(UploadError::Refused(ImageRefusal::Missing)),
            Err(error) => return Err(UploadError::Refused(multipart_refusal(&error))),
        };
        if field.name() != Some("image") {
            continue;
        }
        let mut field = field;
        let mut bytes = Vec::new();
        loop {
            match field.chunk().await {
                Ok(Some(chunk)) => {
                    bytes.extend_from_slice(&chunk);
                    if bytes.len() > MAX_IMAGE_BYTES {
                        return Err(UploadError::Refused(ImageRefusal::TooLarge {
                            bytes: bytes.len() as u64,
                        }));
                    }
                }
                Ok(None) => return Ok(bytes),
                Err(error) => return Err(UploadError::Refused(multipart_refusal(&error))),
            }
        }
    }
}

/// A body over the limit is "too large"; any other broken multipart body carries no usable file.
fn multipart_refusal(error: &axum::extract::multipart::MultipartError) -> ImageRefusal {
    if error.status() == StatusCode::PAYLOAD_TOO_LARGE {
        ImageRefusal::TooLarge { bytes: UPLOAD_BODY_LIMIT as u64 }
    } else {
        ImageRefusal::Missing
    }
}

async fn drain(body: Body) {
    let _ = axum::body::to_bytes(body, DRAIN_LIMIT).await;
}

async fn signed_in_actor(db: &DatabaseConnection, session: &Session) -> Result<Actor, AppError> {
    let user_id = session.get::<String>(USER_ID_KEY).await?.ok_or(AppError::Unauthenticated)?;
    let viewer = organizations::load_viewer(db, &user_id).await?;
    Ok(Actor { user_id: viewer.user_id, email: viewer.email })
}

fn accepts_json(headers: &HeaderMap) -> bool {
    headers.get(header::ACCEPT).and_then(|v| v.to_str().ok()).is_some_and(|v| v.contains("application/json"))
}

/// `GET /orgs/{org}/devices/{device}/image/{image}`: the original as uploaded.
pub async fn original(
    State(db): State<DatabaseConnection>,
    session: Session,
    Path((organization_id, device_id, image_id)): Path<(String, String, String)>,
    headers: HeaderMap,
) -> Response {
    serve(&db, &session, &organization_id, &device_id, &image_id, Rendition::Original, &headers).await
}

/// `GET /orgs/{org}/devices/{device}/image/{image}/thumbnail`: a PNG at most 160 pixels wide and high.
pub async fn thumbnail(
    State(db): State<DatabaseConnection>,
    session: Session,
    Path((organization_id, device_id, image_id)): Path<(String, String, String)>,
    headers: HeaderMap,
) -> Response {
    serve(&db, &session, &organization_id, &device_id, &image_id, Rendition::Thumbnail, &headers).await
}

async fn serve(
    db: &DatabaseConnection,
    session: &Session,
    organization_id: &str,
    device_id: &str,
    image_id: &str,
    rendition: Rendition,
    headers: &HeaderMap,
) -> Response {
    let loaded = async {
        // Strangers and signed-out visitors get the same 404 as a missing image: existence never leaks.
        let user_id = session.get::<String>(USER_ID_KEY).await?.ok_or(AppError::NotFound)?;
        images::load_image(db, &user_id, organization_id, device_id, image_id, rendition).await
    }
    .await;
    respond(loaded, image_id, rendition, headers)
}

/// `GET /ap/images/{image}`: a device's thumbnail on the customer's consent page.
pub async fn customer_thumbnail(
    State(db): State<DatabaseConnection>,
    Path(image_id): Path<String>,
    headers: HeaderMap,
) -> Response {
    let loaded = images::load_customer_thumbnail(&db, &image_id).await;
    respond(loaded, &image_id, Rendition::Thumbnail, &headers)
}

fn respond(
    loaded: Result<(String, Vec<u8>), AppError>,
    image_id: &str,
    rendition: Rendition,
    headers: &HeaderMap,
) -> Response {
    let (content_type, bytes) = match loaded {
        Ok(found) => found,
        Err(error) => {
            let status = StatusCode::from_u16(error.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            return (status, error.to_string()).into_response();
        }
    };
    // Each stored image has its own ID and is never changed, so its URL can be cached for good.
    let etag = format!("\"{image_id}-{}\"", if rendition == Rendition::Thumbnail { "t" } else { "o" });
    let cache = [
        (header::CACHE_CONTROL, HeaderValue::from_static("private, max-age=31536000, immutable")),
        (header::ETAG, HeaderValue::from_str(&etag).unwrap_or(HeaderValue::from_static("\"\""))),
    ];
    if headers.get(header::IF_NONE_MATCH).and_then(|v| v.to_str().ok()) == Some(etag.as_str()) {
        return (StatusCode::NOT_MODIFIED, cache).into_response();
    }
    let content_type =
        HeaderValue::from_str(&content_type).unwrap_or(HeaderValue::from_static("application/octet-stream"));
    (cache, [(header::CONTENT_TYPE, content_type)], bytes).into_response()
}
