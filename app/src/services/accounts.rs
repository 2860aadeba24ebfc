//! Sign-up, email verification, sign-in with attempt limits, password reset and change.

use crate::entities::{account_token, membership, organization, sign_in_failure, user};
use crate::error::{parse_field, AppError, FieldErrors};
use crate::models::{Email, OrgName, Password, Role};
use crate::services::audit::{self, Actor};
use crate::services::mail::{queue_email, OutgoingEmail};
use crate::services::passwords::{hash_password, verify_password};
use crate::services::session_store::end_sessions_of_user;
use crate::services::throttle::allow_mail;
use crate::services::tokens::{hash_secret, new_id, new_secret};
use crate::services::transactions;
use crate::services::{minutes_until, now};
use crate::state::PortalSettings;
use chrono::Duration;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, PaginatorTrait,
    QueryFilter, QueryOrder, Set,
};

pub const VERIFY_EMAIL: &str = "verify_email";
pub const RESET_PASSWORD: &str = "reset_password";
const VERIFY_EMAIL_VALID_FOR: Duration = Duration::hours(24);
const RESET_PASSWORD_VALID_FOR: Duration = Duration::hours(1);

/// Failed sign-ins allowed per account, and per client address, within the window.
pub const MAX_FAILURES_PER_ACCOUNT: u64 = 5;
pub const MAX_FAILURES_PER_IP: u64 = 30;
pub const FAILURE_WINDOW: Duration = Duration::minutes(15);

const BAD_CREDENTIALS: &str = "Email or password is incorrect.";
const BAD_LINK: &str = "This link is invalid, was already used, or has expired.";

/// A validated sign-up form.
pub struct SignUp {
    pub email: Email,
    pub password: Password,
    pub organization_name: OrgName,
}

impl SignUp {
    pub fn parse(email: &str, password: &str, organization_name: &str) -> Result<Self, AppError> {
        let mut errors = FieldErrors::new().keep("email", email).keep("organization_name", organization_name);
        let email = errors.check("email", Email::parse(email));
        let password = errors.check("password", Password::parse(password));
        let organization_name = errors.check("organization_name", OrgName::parse(organization_name));
        match (email, password, organization_name) {
            (Some(email), Some(password), Some(organization_name)) => {
                Ok(Self { email, password, organization_name })
            }
            _ => Err(AppError::Validation(errors)),
        }
    }
}

/// Creates the account, its first organization and a verification email. An address that already has an
/// account gets an email saying so instead, and the caller sees the same answer either way.
pub async fn sign_up(
    db: &DatabaseConnection,
    settings: &PortalSettings,
    client: &str,
    form: SignUp,
) -> Result<(), AppError> {
    allow_mail(db, client, form.email.as_str()).await?;
    // Hash first, whether or not the account exists, so both paths take the same time.
    let password_hash = hash_password(form.password).await?;
    let email = form.email.as_str().to_owned();
    let organization_name = form.organization_name.as_str().to_owned();
    let link_base = settings.clone();
    transactions::run(db, move |txn| {
        Box::pin(async move {
            if let Some(existing) = find_user_by_email(txn, &email).await? {
                let email = OutgoingEmail::compose(
                    &existing.email,
                    "You already have a Replenish account",
                    &["Someone (hopefully you) tried to create a Replenish account with this address, \
                       which already has one. If it was you, sign in, or reset your password if you forgot it."
                        .to_owned()],
                    Some(("Reset your password", &link_base.link("/forgot-password"))),
                );
                queue_email(txn, email).await?;
                return Ok(());
            }
            let at = now();
            let user_id = new_id();
            user::ActiveModel {
                id: Set(user_id.clone()),
                email: Set(email.clone()),
                password_hash: Set(password_hash),
                email_verified_at: Set(None),
                is_reviewer: Set(false),
                created_at: Set(at),
            }
            .insert(txn)
            .await?;
            let actor = Actor { user_id: user_id.clone(), email: email.clone() };
            insert_organization(txn, &actor, &organization_name).await?;
            send_verification(txn, &link_base, &user_id, &email).await?;
            Ok(())
        })
    })
    .await
}

/// Inserts an organization with `actor` as its owner; used at sign-up and for further organizations.
pub async fn insert_organization(
    txn: &impl ConnectionTrait,
    actor: &Actor,
    name: &str,
) -> Result<String, AppError> {
    let at = now();
    let organization_id = new_id();
    organization::ActiveModel {
        id: Set(organization_id.clone()),
        name: Set(name.to_owned()),
        created_at: Set(at),
        // The database starts it at 0 and its triggers keep it.
        device_count: sea_orm::ActiveValue::NotSet,
    }
    .insert(txn)
    .await?;
    membership::ActiveModel {
        id: Set(new_id()),
        organization_id: Set(organization_id.clone()),
        user_id: Set(actor.user_id.clone()),
        role: Set(Role::Owner.as_str().to_owned()),
        created_at: Set(at),
    }
    .insert(txn)
    .await?;
    audit::record(txn, Some(&organization_id), Some(actor), "organization.created", name, "").await?;
    Ok(organization_id)
}

async fn send_verification(
    txn: &impl ConnectionTrait,
    settings: &PortalSettings,
    user_id: &str,
    email: &str,
) -> Result<(), AppError> {
    let secret = issue_token(txn, user_id, VERIFY_EMAIL, VERIFY_EMAIL_VALID_FOR).await?;
    let link = settings.link(&format!("/verify?token={secret}"));
    let message = OutgoingEmail::compose(
        email,
        "Verify your email for Replenish",
        &[
            "Welcome to Replenish. Confirm that this address is yours to finish setting up your account."
                .to_owned(),
            "The link works once and expires in 24 hours.".to_owned(),
        ],
        Some(("Verify your email", &link)),
    );
    queue_email(txn, message).await?;
    Ok(())
}

async fn issue_token(
    txn: &impl ConnectionTrait,
    user_id: &str,
    purpose: &str,
    valid_for: Duration,
) -> Result<String, AppError> {
    let secret = new_secret();
    let at = now();
    account_token::ActiveModel {
        id: Set(new_id()),
        user_id: Set(user_id.to_owned()),
        purpose: Set(purpose.to_owned()),
        token_hash: Set(hash_secret(&secret)),
        expires_at: Set(at + valid_for),
        used_at: Set(None),
        created_at: Set(at),
    }
    .insert(txn)
    .await?;
    Ok(secret)
}

/// Marks a token used and returns its user, or refuses when it is unknown, used, expired or of another kind.
async fn redeem_token(
    txn: &impl ConnectionTrait,
    secret: &str,
    purpose: &str,
) -> Result<user::Model, AppError> {
    let at = now();
    let token = account_token::Entity::find()
        .filter(account_token::Column::TokenHash.eq(hash_secret(secret.trim())))
        .filter(account_token::Column::Purpose.eq(purpose))
        .one(txn)
        .await?
        .filter(|token| token.used_at.is_none() && token.expires_at > at)
        .ok_or_else(|| AppError::Refused(BAD_LINK.into()))?;
    // The guarded update makes a concurrent second use fail instead of succeeding twice.
    let claimed = account_token::Entity::update_many()
        .col_expr(account_token::Column::UsedAt, sea_orm::sea_query::Expr::value(at))
        .filter(account_token::Column::Id.eq(&token.id))
        .filter(account_token::Column::UsedAt.is_null())
        .exec(txn)
        .await?;
    if claimed.rows_affected != 1 {
        return Err(AppError::Refused(BAD_LINK.into()));
    }
    user::Entity::find_by_id(token.user_id).one(txn).await?.ok_or_else(|| AppError::Refused(BAD_LINK.into()))
}

/// Confirms the address behind a verification link.
pub async fn verify_email(db: &DatabaseConnection, secret: String) -> Result<(), AppError> {
    transactions::run(db, move |txn| {
        Box::pin(async move {
            let account = redeem_token(txn, &secret, VERIFY_EMAIL).await?;
            let actor = Actor { user_id: account.id.clone(), email: account.email.clone() };
            let mut active: user::ActiveModel = account.into();
            active.email_verified_at = Set(Some(now()));
            active.update(txn).await?;
            audit::record(txn, None, Some(&actor), "account.email_verified", &actor.email, "").await?;
            Ok(())
        })
    })
    .await
}

pub async fn find_user_by_email(
    conn: &impl ConnectionTrait,
    email: &str,
) -> Result<Option<user::Model>, AppError> {
    Ok(user::Entity::find().filter(user::Column::Email.eq(email)).one(conn).await?)
}

/// Checks the attempt limits, then the password. Every failure looks the same to the caller.
pub async fn sign_in(
    db: &DatabaseConnection,
    settings: &PortalSettings,
    email: &str,
    password: &str,
    ip: &str,
) -> Result<user::Model, AppError> {
    let typed = FieldErrors::new().keep("email", email);
    let normalized = email.trim().to_lowercase();
    if normalized.is_empty() || password.is_empty() {
        let mut errors = typed.clone();
        if normalized.is_empty() {
            errors.add("email", "Enter your email address.");
        }
        if password.is_empty() {
            errors.add("password", "Enter your password.");
        }
        return Err(AppError::Validation(errors));
    }
    // The attempt is recorded before the (slow) password check, so parallel guesses count against the
    // limit too; a successful sign-in clears the account's record.
    sign_in_failure::ActiveModel {
        id: Set(new_id()),
        email: Set(normalized.clone()),
        ip: Set(ip.to_owned()),
        created_at: Set(now()),
    }
    .insert(db)
    .await?;
    check_attempt_limits(db, &normalized, ip).await?;
    let account = find_user_by_email(db, &normalized).await?;
    let matches =
        verify_password(password.to_owned(), account.as_ref().map(|a| a.password_hash.clone())).await?;
    let Some(account) = account.filter(|_| matches) else {
        return Err(typed.refuse(BAD_CREDENTIALS));
    };
    sign_in_failure::Entity::delete_many()
        .filter(sign_in_failure::Column::Email.eq(&normalized))
        .exec(db)
        .await?;
    if account.email_verified_at.is_none() {
        let txn = transactions::begin(db).await?;
        send_verification(&txn, settings, &account.id, &account.email).await?;
        txn.commit().await?;
        return Err(typed.refuse("Verify your email address first: we sent you a new link."));
    }
    Ok(account)
}

pub(crate) async fn check_attempt_limits(
    db: &DatabaseConnection,
    email: &str,
    ip: &str,
) -> Result<(), AppError> {
    let since = now() - FAILURE_WINDOW;
    for (column, value, limit) in [
        (sign_in_failure::Column::Email, email, MAX_FAILURES_PER_ACCOUNT),
        (sign_in_failure::Column::Ip, ip, MAX_FAILURES_PER_IP),
    ] {
        let recent = sign_in_failure::Entity::find()
            .filter(column.eq(value))
            .filter(sign_in_failure::Column::CreatedAt.gt(since));
        // The attempt being checked is already recorded, so `limit` failures before it are allowed.
        if recent.clone().count(db).await? > limit {
            let oldest = recent.order_by_asc(sign_in_failure::Column::CreatedAt).one(db).await?;
            let retry_at = oldest.map(|row| row.created_at + FAILURE_WINDOW).unwrap_or_else(now);
            return Err(AppError::RateLimited { retry_after_minutes: minutes_until(retry_at) });
        }
    }
    Ok(())
}

/// Emails a reset link when the account exists; answers the same either way.
pub async fn request_password_reset(
    db: &DatabaseConnection,
    settings: &PortalSettings,
    client: &str,
    email: &str,
) -> Result<(), AppError> {
    let email = parse_field("email", email, Email::parse)?;
    allow_mail(db, client, email.as_str()).await?;
    let Some(account) = find_user_by_email(db, email.as_str()).await? else {
        return Ok(());
    };
    let txn = transactions::begin(db).await?;
    let secret = issue_token(&txn, &account.id, RESET_PASSWORD, RESET_PASSWORD_VALID_FOR).await?;
    let link = settings.link(&format!("/reset-password?token={secret}"));
    let message = OutgoingEmail::compose(
        &account.email,
        "Reset your Replenish password",
        &[
            "We received a request to reset the password of your Replenish account.".to_owned(),
            "The link works once and expires in one hour. If you did not ask for it, ignore this email."
                .to_owned(),
        ],
        Some(("Choose a new password", &link)),
    );
    queue_email(&txn, message).await?;
    txn.commit().await?;
    Ok(())
}

/// Sets a new password from a reset link and ends every session of the account.
pub async fn reset_password(
    db: &DatabaseConnection,
    secret: String,
    new_password: &str,
) -> Result<(), AppError> {
    let password = Password::parse(new_password).map_err(|message| AppError::field("password", message))?;
    let password_hash = hash_password(password).await?;
    transactions::run(db, move |txn| {
        Box::pin(async move {
            let account = redeem_token(txn, &secret, RESET_PASSWORD).await?;
            let actor = Actor { user_id: account.id.clone(), email: account.email.clone() };
            let verified = account.email_verified_at.unwrap_or_else(now);
            let mut active: user::ActiveModel = account.into();
            active.password_hash = Set(password_hash);
            // Following the emailed link proves the address, too.
            active.email_verified_at = Set(Some(verified));
            active.update(txn).await?;
            end_sessions_of_user(txn, &actor.user_id, None).await?;
            expire_reset_links(txn, &actor.user_id).await?;
            audit::record(txn, None, Some(&actor), "account.password_reset", &actor.email, "").await?;
            Ok(())
        })
    })
    .await
}

/// Once the password has changed, reset links sent earlier must not change it again.
async fn expire_reset_links(txn: &impl ConnectionTrait, user_id: &str) -> Result<(), AppError> {
    account_token::Entity::update_many()
        .col_expr(account_token::Column::UsedAt, sea_orm::sea_query::Expr::value(now()))
        .filter(account_token::Column::UserId.eq(user_id))
        .filter(account_token::Column::Purpose.eq(RESET_PASSWORD))
        .filter(account_token::Column::UsedAt.is_null())
        .exec(txn)
        .await?;
    Ok(())
}

/// Changes the password after checking the current one; every other session of the account ends.
pub async fn change_password(
    db: &DatabaseConnection,
    user_id: &str,
    current_password: &str,
    new_password: &str,
    current_session: Option<&str>,
) -> Result<(), AppError> {
    let account = user::Entity::find_by_id(user_id).one(db).await?.ok_or(AppError::Unauthenticated)?;
    if !verify_password(current_password.to_owned(), Some(account.password_hash.clone())).await? {
        return Err(AppError::field("current_password", "This is not your current password."));
    }
    let password =
        Password::parse(new_password).map_err(|message| AppError::field("new_password", message))?;
    let password_hash = hash_password(password).await?;
    let actor = Actor { user_id: account.id.clone(), email: account.email.clone() };
    let txn = transactions::begin(db).await?;
    let mut active: user::ActiveModel = account.into();
    active.password_hash = Set(password_hash);
    active.update(&txn).await?;
    end_sessions_of_user(&txn, user_id, current_session).await?;
    expire_reset_links(&txn, user_id).await?;
    audit::record(&txn, None, Some(&actor), "account.password_changed", &actor.email, "").await?;
    txn.commit().await?;
    Ok(())
}

/// Creates a platform reviewer (admin command); verified at once, member of no organization.
pub async fn create_reviewer(db: &DatabaseConnection, email: &str, password: &str) -> Result<(), AppError> {
    let mut errors = FieldErrors::new();
    let email = errors.check("email", Email::parse(email));
    let password = errors.check("password", Password::parse(password));
    let (Some(email), Some(password)) = (email, password) else {
        return Err(AppError::Validation(errors));
    };
    let password_hash = hash_password(password).await?;
    let at = now();
    let txn = transactions::begin(db).await?;
    match find_user_by_email(&txn, email.as_str()).await? {
        Some(existing) => {
            let mut active: user::ActiveModel = existing.into();
            active.is_reviewer = Set(true);
            active.password_hash = Set(password_hash);
            active.email_verified_at = Set(Some(at));
            active.update(&txn).await?;
        }
        None => {
            user::ActiveModel {
                id: Set(new_id()),
                email: Set(email.as_str().to_owned()),
                password_hash: Set(password_hash),
                email_verified_at: Set(Some(at)),
                is_reviewer: Set(true),
                created_at: Set(at),
            }
            .insert(&txn)
            .await?;
        }
    }
    audit::record(&txn, None, None, "reviewer.created", email.as_str(), "by the admin command").await?;
    txn.commit().await?;
    Ok(())
}
