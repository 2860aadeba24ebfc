//! Security profiles: create, edit return URLs, roll the secret with an overlap, revoke; and the client
//! authentication the token endpoint uses.

use crate::entities::{oauth_token, security_profile};
use crate::error::{parse_field, AppError, FieldErrors};
use crate::models::security_profile::{
    parse_overlap_hours, parse_return_urls, FreshSecret, ProfileName, SecurityProfileView,
    SecurityProfilesTab,
};
use crate::models::Role;
use crate::services::audit::{self, Actor};
use crate::services::organizations::require_role;
use crate::services::tokens::{hash_secret, new_id, new_secret};
use crate::services::transactions;
use crate::services::{display_time, now};
use chrono::Duration;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, Set,
};

/// Client IDs look like Login with Amazon's, so clients that check the shape accept them.
const CLIENT_ID_PREFIX: &str = "amzn1.application-oa2-client.";

pub async fn load_tab(
    db: &DatabaseConnection,
    user_id: &str,
    organization_id: &str,
    fresh_secret: Option<FreshSecret>,
) -> Result<SecurityProfilesTab, AppError> {
    let role = require_role(db, organization_id, user_id, |_| true).await?;
    let rows = security_profile::Entity::find()
        .filter(security_profile::Column::OrganizationId.eq(organization_id))
        .order_by_asc(security_profile::Column::CreatedAt)
        .all(db)
        .await?;
    let at = now();
    let profiles = rows
        .into_iter()
        .map(|row| SecurityProfileView {
            previous_secret_until: row
                .previous_secret_expires_at
                .filter(|until| *until > at && row.previous_secret_hash.is_some())
                .map(display_time),
            return_urls: row.return_urls.lines().map(str::to_owned).collect(),
            created_at: display_time(row.created_at),
            revoked_at: row.revoked_at.map(display_time),
            id: row.id,
            name: row.name,
            client_id: row.client_id,
        })
        .collect::<Vec<_>>();
    // A secret is shown only on the tab of the organization whose profile it belongs to.
    let fresh_secret = fresh_secret.filter(|fresh| profiles.iter().any(|p| p.id == fresh.profile_id));
    Ok(SecurityProfilesTab { profiles, can_edit: role.can_edit(), fresh_secret })
}

struct ProfileInput {
    name: ProfileName,
    return_urls: Vec<String>,
}

fn parse_input(name: &str, return_urls: &str) -> Result<ProfileInput, AppError> {
    let mut errors = FieldErrors::new().keep("name", name).keep("return_urls", return_urls);
    let name = errors.check("name", ProfileName::parse(name));
    let return_urls = errors.check("return_urls", parse_return_urls(return_urls));
    match (name, return_urls) {
        (Some(name), Some(return_urls)) if errors.is_empty() => Ok(ProfileInput { name, return_urls }),
        _ => Err(AppError::Validation(errors)),
    }
}

/// Marks a refusal as one profile's, so the page shows it beside that profile's forms only.
fn for_profile(error: AppError, profile_id: &str) -> AppError {
    match error {
        AppError::Validation(errors) => AppError::Validation(errors.keep("profile", profile_id)),
        other => other,
    }
}

/// Creates a profile and answers its secret, which is never shown again.
pub async fn create_profile(
    db: &DatabaseConnection,
    actor: &Actor,
    organization_id: &str,
    name: &str,
    return_urls: &str,
) -> Result<FreshSecret, AppError> {
    require_role(db, organization_id, &actor.user_id, Role::can_edit).await?;
    let input = parse_input(name, return_urls)?;
    let (id, client_id, secret) = (new_id(), format!("{CLIENT_ID_PREFIX}{}", new_id()), new_secret());
    let txn = transactions::begin(db).await?;
    security_profile::ActiveModel {
        id: Set(id.clone()),
        organization_id: Set(organization_id.to_owned()),
        name: Set(input.name.as_str().to_owned()),
        client_id: Set(client_id.clone()),
        secret_hash: Set(hash_secret(&secret)),
        previous_secret_hash: Set(None),
        previous_secret_expires_at: Set(None),
        return_urls: Set(input.return_urls.join("\n")),
        revoked_at: Set(None),
        created_at: Set(now()),
        updated_at: Set(now()),
    }
    .insert(&txn)
    .await?;
    audit::record(
        &txn,
        Some(organization_id),
        Some(actor),
        "security_profile.created",
        input.name.as_str(),
        &client_id,
    )
    .await?;
    txn.commit().await?;
    Ok(FreshSecret { profile_id: id, client_id, secret })
}

/// A live (not revoked) profile of the organization, locked against concurrent changes on PostgreSQL.
async fn live_profile(
    conn: &impl ConnectionTrait,
    organization_id: &str,
    profile_id: &str,
) -> Result<security_profile::Model, AppError> {
    let profile = security_profile::Entity::find_by_id(profile_id)
        .filter(security_profile::Column::OrganizationId.eq(organization_id))
        .lock_exclusive()
        .one(conn)
        .await?
        .ok_or(AppError::NotFound)?;
    if profile.revoked_at.is_some() {
        return Err(AppError::Refused("This profile is revoked; create a new one.".into()));
    }
    Ok(profile)
}

pub async fn update_profile(
    db: &DatabaseConnection,
    actor: &Actor,
    organization_id: &str,
    profile_id: &str,
    name: &str,
    return_urls: &str,
) -> Result<(), AppError> {
    require_role(db, organization_id, &actor.user_id, Role::can_edit).await?;
    let input = parse_input(name, return_urls).map_err(|error| for_profile(error, profile_id))?;
    let txn = transactions::begin(db).await?;
    let profile = live_profile(&txn, organization_id, profile_id).await?;
    let client_id = profile.client_id.clone();
    let mut active: security_profile::ActiveModel = profile.into();
    active.name = Set(input.name.as_str().to_owned());
    active.return_urls = Set(input.return_urls.join("\n"));
    active.updated_at = Set(now());
    active.update(&txn).await?;
    audit::record(
        &txn,
        Some(organization_id),
        Some(actor),
        "security_profile.updated",
        &client_id,
        &format!("return URLs: {}", input.return_urls.join(", ")),
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

/// Issues a new secret; the current one keeps working for `overlap_hours` (none when 0).
pub async fn roll_secret(
    db: &DatabaseConnection,
    actor: &Actor,
    organization_id: &str,
    profile_id: &str,
    overlap_hours: &str,
) -> Result<FreshSecret, AppError> {
    require_role(db, organization_id, &actor.user_id, Role::can_edit).await?;
    let hours = parse_field("overlap_hours", overlap_hours, parse_overlap_hours)
        .map_err(|error| for_profile(error, profile_id))?;
    let secret = new_secret();
    let txn = transactions::begin(db).await?;
    let profile = live_profile(&txn, organization_id, profile_id).await?;
    let client_id = profile.client_id.clone();
    let previous = profile.secret_hash.clone();
    let mut active: security_profile::ActiveModel = profile.into();
    active.secret_hash = Set(hash_secret(&secret));
    active.previous_secret_hash = Set((hours > 0).then_some(previous));
    active.previous_secret_expires_at = Set((hours > 0).then(|| now() + Duration::hours(i64::from(hours))));
    active.updated_at = Set(now());
    active.update(&txn).await?;
    audit::record(
        &txn,
        Some(organization_id),
        Some(actor),
        "security_profile.secret_rolled",
        &client_id,
        &format!("old secret works for {hours} more hour(s)"),
    )
    .await?;
    txn.commit().await?;
    Ok(FreshSecret { profile_id: profile_id.to_owned(), client_id, secret })
}

/// Revokes a profile: its secrets stop working and every token issued through it is revoked.
pub async fn revoke_profile(
    db: &DatabaseConnection,
    actor: &Actor,
    organization_id: &str,
    profile_id: &str,
) -> Result<(), AppError> {
    require_role(db, organization_id, &actor.user_id, Role::can_edit).await?;
    let txn = transactions::begin(db).await?;
    let profile = live_profile(&txn, organization_id, profile_id).await?;
    let client_id = profile.client_id.clone();
    let mut active: security_profile::ActiveModel = profile.into();
    active.revoked_at = Set(Some(now()));
    active.updated_at = Set(now());
    active.update(&txn).await?;
    oauth_token::Entity::update_many()
        .col_expr(oauth_token::Column::RevokedAt, Expr::value(now()))
        .filter(oauth_token::Column::SecurityProfileId.eq(profile_id))
        .filter(oauth_token::Column::OrganizationId.eq(organization_id))
        .filter(oauth_token::Column::RevokedAt.is_null())
        .exec(&txn)
        .await?;
    audit::record(&txn, Some(organization_id), Some(actor), "security_profile.revoked", &client_id, "")
        .await?;
    txn.commit().await?;
    Ok(())
}

/// The live profile with this client ID, if `secret` is its current secret or a rolled one still in its
/// overlap. Unknown clients and wrong secrets look the same.
pub async fn authenticate_client(
    conn: &impl ConnectionTrait,
    client_id: &str,
    secret: &str,
) -> Result<Option<security_profile::Model>, AppError> {
    let Some(profile) = find_live_client(conn, client_id).await? else {
        return Ok(None);
    };
    let presented = hash_secret(secret);
    let current = constant_time_eq(presented.as_bytes(), profile.secret_hash.as_bytes());
    let previous = profile.previous_secret_hash.as_deref().is_some_and(|hash| {
        profile.previous_secret_expires_at.is_some_and(|until| until > now())
            && constant_time_eq(presented.as_bytes(), hash.as_bytes())
    });
    Ok((current || previous).then_some(profile))
}

/// The live profile with this client ID (the consent page knows clients by ID alone).
pub async fn find_live_client(
    conn: &impl ConnectionTrait,
    client_id: &str,
) -> Result<Option<security_profile::Model>, AppError> {
    Ok(security_profile::Entity::find()
        .filter(security_profile::Column::ClientId.eq(client_id))
        .filter(security_profile::Column::RevokedAt.is_null())
        .one(conn)
        .await?)
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}
