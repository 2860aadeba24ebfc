//! The token endpoint's grants and the bearer-token check every service call makes.

use crate::entities::{oauth_code, oauth_token, registration, security_profile};
use crate::error::AppError;
use crate::services::now;
use crate::services::security_profiles::authenticate_client;
use crate::services::tokens::{hash_secret, new_secret};
use crate::services::transactions;
use chrono::Duration;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter,
    QuerySelect, Set,
};

/// Access tokens live an hour, as Login with Amazon's do; clients refresh them on `Invalid token`.
pub const ACCESS_TOKEN_LIFETIME: Duration = Duration::seconds(3600);
const ACCESS: &str = "access";
const REFRESH: &str = "refresh";

/// An RFC 6749 error answer: `error` is one of its codes.
#[derive(Debug, Clone, PartialEq)]
pub struct OauthError {
    pub error: &'static str,
    pub description: String,
    /// 401 for a client that failed to authenticate, 400 otherwise.
    pub status: u16,
}

impl OauthError {
    fn grant(description: &str) -> Self {
        Self { error: "invalid_grant", description: description.to_owned(), status: 400 }
    }

    pub fn request(description: &str) -> Self {
        Self { error: "invalid_request", description: description.to_owned(), status: 400 }
    }
}

impl From<AppError> for OauthError {
    fn from(_: AppError) -> Self {
        Self { error: "server_error", description: "please try again".into(), status: 500 }
    }
}

impl From<sea_orm::DbErr> for OauthError {
    fn from(error: sea_orm::DbErr) -> Self {
        AppError::from(error).into()
    }
}

/// A token request, as the endpoint read it from the form and the Authorization header.
#[derive(Debug, Default)]
pub struct TokenRequest {
    pub grant_type: String,
    pub client_id: String,
    pub client_secret: String,
    pub code: String,
    pub redirect_uri: String,
    pub refresh_token: String,
}

#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct TokenAnswer {
    pub access_token: String,
    pub refresh_token: String,
    pub token_type: &'static str,
    pub expires_in: i64,
}

/// What a valid access token says about its caller.
#[derive(Debug, Clone, PartialEq)]
pub struct Caller {
    pub registration_id: String,
    pub organization_id: String,
}

pub async fn grant(db: &DatabaseConnection, request: &TokenRequest) -> Result<TokenAnswer, OauthError> {
    if request.client_id.is_empty() || request.client_secret.is_empty() {
        return Err(OauthError {
            error: "invalid_client",
            description: "client_id and client_secret are required (form fields or HTTP Basic)".into(),
            status: 401,
        });
    }
    let Some(client) = authenticate_client(db, &request.client_id, &request.client_secret).await? else {
        return Err(OauthError {
            error: "invalid_client",
            description: "unknown client or wrong secret".into(),
            status: 401,
        });
    };
    match request.grant_type.as_str() {
        "authorization_code" => exchange_code(db, &client, request).await,
        "refresh_token" => refresh(db, &client, &request.refresh_token).await,
        "" => Err(OauthError::request("grant_type is required")),
        _ => Err(OauthError {
            error: "unsupported_grant_type",
            description: "grant_type must be authorization_code or refresh_token".into(),
            status: 400,
        }),
    }
}

async fn exchange_code(
    db: &DatabaseConnection,
    client: &security_profile::Model,
    request: &TokenRequest,
) -> Result<TokenAnswer, OauthError> {
    if request.code.is_empty() {
        return Err(OauthError::request("code is required"));
    }
    let at = now();
    let txn = transactions::begin(db).await?;
    let code = oauth_code::Entity::find_by_id(hash_secret(&request.code))
        .filter(oauth_code::Column::SecurityProfileId.eq(&client.id))
        .one(&txn)
        .await?
        .ok_or_else(|| OauthError::grant("unknown code"))?;
    if code.redirect_uri != request.redirect_uri {
        return Err(OauthError::grant("redirect_uri differs from the one authorized"));
    }
    // Marking the code used only while it is unused makes a concurrent second exchange fail here.
    let claimed = oauth_code::Entity::update_many()
        .col_expr(oauth_code::Column::UsedAt, Expr::value(at))
        .filter(oauth_code::Column::CodeHash.eq(&code.code_hash))
        .filter(oauth_code::Column::UsedAt.is_null())
        .filter(oauth_code::Column::ExpiresAt.gt(at))
        .exec(&txn)
        .await?
        .rows_affected
        == 1;
    if !claimed {
        return Err(OauthError::grant("the code was already used or has expired"));
    }
    let registration = lock_live(&txn, &code.registration_id, &client.id).await?;
    let refresh_token = new_secret();
    insert_token(&txn, &registration, &client.id, REFRESH, &refresh_token, None).await?;
    let access_token = issue_access(&txn, &registration, &client.id).await?;
    txn.commit().await?;
    Ok(TokenAnswer::new(access_token, refresh_token))
}

async fn refresh(
    db: &DatabaseConnection,
    client: &security_profile::Model,
    refresh_token: &str,
) -> Result<TokenAnswer, OauthError> {
    if refresh_token.is_empty() {
        return Err(OauthError::request("refresh_token is required"));
    }
    let token = oauth_token::Entity::find_by_id(hash_secret(refresh_token))
        .filter(oauth_token::Column::Kind.eq(REFRESH))
        .filter(oauth_token::Column::SecurityProfileId.eq(&client.id))
        .filter(oauth_token::Column::RevokedAt.is_null())
        .one(db)
        .await?
        .ok_or_else(|| OauthError::grant("unknown or revoked refresh token"))?;
    let txn = transactions::begin(db).await?;
    let registration = lock_live(&txn, &token.registration_id, &client.id).await?;
    let access_token = issue_access(&txn, &registration, &client.id).await?;
    txn.commit().await?;
    Ok(TokenAnswer::new(access_token, refresh_token.to_owned()))
}

/// The live registration, locked, with its profile still live: a deregistration or revocation running at the
/// same time waits for the token issued here and then revokes it too.
async fn lock_live(
    conn: &impl ConnectionTrait,
    registration_id: &str,
    profile_id: &str,
) -> Result<registration::Model, OauthError> {
    let registration = registration::Entity::find_by_id(registration_id)
        .filter(registration::Column::DeregisteredAt.is_null())
        .lock_exclusive()
        .one(conn)
        .await?
        .ok_or_else(|| OauthError::grant("the device was unlinked"))?;
    security_profile::Entity::find_by_id(profile_id)
        .filter(security_profile::Column::RevokedAt.is_null())
        .lock_shared()
        .one(conn)
        .await?
        .ok_or_else(|| OauthError::grant("the client was revoked"))?;
    Ok(registration)
}

async fn issue_access(
    conn: &impl ConnectionTrait,
    registration: &registration::Model,
    profile_id: &str,
) -> Result<String, OauthError> {
    let token = new_secret();
    insert_token(conn, registration, profile_id, ACCESS, &token, Some(now() + ACCESS_TOKEN_LIFETIME)).await?;
    Ok(token)
}

/// How long a token the portal's device simulator calls with lives: one call, with room to spare.
const SIMULATOR_TOKEN_LIFETIME: Duration = Duration::minutes(5);

/// An access token for one call of the portal's device simulator, which calls the runtime API as the device
/// would; revoke it with `revoke` once the call is answered.
pub async fn issue_simulator_token(
    conn: &impl ConnectionTrait,
    registration: &registration::Model,
) -> Result<String, AppError> {
    let token = new_secret();
    let expires_at = Some(now() + SIMULATOR_TOKEN_LIFETIME);
    insert_token(conn, registration, &registration.security_profile_id, ACCESS, &token, expires_at).await?;
    Ok(token)
}

/// Revokes one access token (a simulator call's, once answered).
pub async fn revoke(conn: &impl ConnectionTrait, token: &str) -> Result<(), AppError> {
    oauth_token::Entity::update_many()
        .col_expr(oauth_token::Column::RevokedAt, Expr::value(now()))
        .filter(oauth_token::Column::TokenHash.eq(hash_secret(token)))
        .filter(oauth_token::Column::RevokedAt.is_null())
        .exec(conn)
        .await?;
    Ok(())
}

async fn insert_token(
    conn: &impl ConnectionTrait,
    registration: &registration::Model,
    profile_id: &str,
    kind: &str,
    token: &str,
    expires_at: Option<chrono::DateTime<chrono::Utc>>,
) -> Result<(), sea_orm::DbErr> {
    oauth_token::ActiveModel {
        token_hash: Set(hash_secret(token)),
        organization_id: Set(registration.organization_id.clone()),
        registration_id: Set(registration.id.clone()),
        security_profile_id: Set(profile_id.to_owned()),
        kind: Set(kind.to_owned()),
        expires_at: Set(expires_at),
        revoked_at: Set(None),
        created_at: Set(now()),
    }
    .insert(conn)
    .await?;
    Ok(())
}

impl TokenAnswer {
    fn new(access_token: String, refresh_token: String) -> Self {
        Self {
            access_token,
            refresh_token,
            token_type: "bearer",
            expires_in: ACCESS_TOKEN_LIFETIME.num_seconds(),
        }
    }
}

/// The caller behind an access token: one primary-key lookup, since revocation (deregistration, a revoked
/// profile) is written onto the token row itself. `None` for unknown, expired or revoked tokens.
pub async fn authenticate_bearer(
    conn: &impl ConnectionTrait,
    token: &str,
) -> Result<Option<Caller>, AppError> {
    let row = oauth_token::Entity::find_by_id(hash_secret(token)).one(conn).await?;
    let at = now();
    Ok(row
        .filter(|t| t.kind == ACCESS && t.revoked_at.is_none() && t.expires_at.is_some_and(|e| e > at))
        .map(|t| Caller { registration_id: t.registration_id, organization_id: t.organization_id }))
}
