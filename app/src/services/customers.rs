//! Customer accounts: created and signed into on the consent page, separate from organization members.

use crate::entities::{customer, customer_token, marketplace, sign_in_failure};
use crate::error::{AppError, FieldErrors};
use crate::models::{parse_marketplace_code, Email, Password};
use crate::services::accounts::check_attempt_limits;
use crate::services::mail::{queue_email, OutgoingEmail};
use crate::services::now;
use crate::services::passwords::{hash_password, verify_password};
use crate::services::throttle::allow_mail;
use crate::services::tokens::{hash_secret, new_id, new_secret};
use crate::services::transactions;
use crate::state::PortalSettings;
use chrono::Duration;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder,
    Set,
};

const BAD_CREDENTIALS: &str = "Email or password is incorrect.";
const BAD_LINK: &str = "This link is invalid, was already used, or has expired.";
const VERIFY_EMAIL_VALID_FOR: Duration = Duration::hours(24);
/// Marks a sign-up that lost a race for its address; never shown.
const RACED: &str = "raced";

/// Failed customer sign-ins share the members' attempt records under their own prefix, so that one
/// mailbox used for both kinds of account is limited separately for each.
fn attempt_key(email: &str) -> String {
    format!("customer:{email}")
}

/// Every marketplace, as (code, name), for the sign-up form.
pub async fn marketplaces(db: &DatabaseConnection) -> Result<Vec<(String, String)>, AppError> {
    Ok(marketplace::Entity::find()
        .order_by_asc(marketplace::Column::Position)
        .all(db)
        .await?
        .into_iter()
        .map(|m| (m.code, m.name))
        .collect())
}

/// A validated customer sign-up form.
pub struct CustomerSignUp {
    email: Email,
    password: Password,
    marketplace: String,
}

impl CustomerSignUp {
    pub async fn parse(
        db: &DatabaseConnection,
        email: &str,
        password: &str,
        marketplace_code: &str,
    ) -> Result<Self, AppError> {
        let mut errors = FieldErrors::new().keep("email", email).keep("marketplace", marketplace_code);
        let email = errors.check("email", Email::parse(email));
        let password = errors.check("password", Password::parse(password));
        let code = parse_marketplace_code(marketplace_code).ok();
        let known = match &code {
            Some(code) => marketplace::Entity::find_by_id(code.as_str()).one(db).await?.is_some(),
            None => false,
        };
        let marketplace = errors.check(
            "marketplace",
            code.filter(|_| known).ok_or_else(|| "Choose your marketplace.".to_owned()),
        );
        match (email, password, marketplace) {
            (Some(email), Some(password), Some(marketplace)) => Ok(Self { email, password, marketplace }),
            _ => Err(AppError::Validation(errors)),
        }
    }
}

/// Creates an unverified customer account and mails a verification link that leads back to `return_to`
/// (a local path). An address whose account is verified gets an email saying so instead; one whose
/// account is not takes the new password and a new link. The caller sees the same answer in every case,
/// so the form does not reveal who has an account.
pub async fn sign_up(
    db: &DatabaseConnection,
    settings: &PortalSettings,
    client: &str,
    form: CustomerSignUp,
    return_to: &str,
) -> Result<(), AppError> {
    allow_mail(db, client, form.email.as_str()).await?;
    // Hash first, whether or not the account exists, so both paths take the same time.
    let password_hash = hash_password(form.password).await?;
    let email = form.email.as_str().to_owned();
    let (settings, return_to) = (settings.clone(), return_to.to_owned());
    let result = transactions::run(db, move |txn| {
            Box::pin(async move {
                let existing =
                    customer::Entity::find().filter(customer::Column::Email.eq(&email)).one(txn).await?;
                match existing {
                    // Nobody proved this address yet: whoever proves it now owns the account, with the
                    // password typed last, so an address cannot be claimed ahead of its owner.
                    Some(account) if account.email_verified_at.is_none() => {
                        let id = account.id.clone();
                        let mut active: customer::ActiveModel = account.into();
                        active.password_hash = Set(password_hash);
                        active.marketplace_code = Set(form.marketplace);
                        active.update(txn).await?;
                        send_verification(txn, &settings, &id, &email, &return_to).await
                    }
                    Some(_) => {
                        let message = OutgoingEmail::compose(
                            &email,
                            "You already have a Replenish account",
                            &["Someone (hopefully you) tried to create a Replenish customer account with this \
                               address, which already has one. If it was you, sign in with your password instead."
                                .to_owned()],
                            Some(("Sign in", &settings.link(&return_to))),
                        );
                        queue_email(txn, message).await?;
                        Ok(())
                    }
                    None => {
                        let id = new_id();
                        let inserted = customer::ActiveModel {
                            id: Set(id.clone()),
                            email: Set(email.clone()),
                            password_hash: Set(password_hash),
                            marketplace_code: Set(form.marketplace),
                            email_verified_at: Set(None),
                            created_at: Set(now()),
                        }
                        .insert(txn)
                        .await;
                        if let Err(error) = inserted {
                            return Err(match error.sql_err() {
                                Some(sea_orm::SqlErr::UniqueConstraintViolation(_)) => {
                                    AppError::Refused(RACED.into())
                                }
                                _ => error.into(),
                            });
                        }
                        send_verification(txn, &settings, &id, &email, &return_to).await
                    }
                }
            })
        })
        .await;
    match result {
        // Two sign-ups for one address at once: the second met the unique index, and answers the same.
        Err(AppError::Refused(message)) if message == RACED => Ok(()),
        other => other,
    }
}

async fn send_verification(
    txn: &impl ConnectionTrait,
    settings: &PortalSettings,
    customer_id: &str,
    email: &str,
    return_to: &str,
) -> Result<(), AppError> {
    let secret = new_secret();
    let at = now();
    customer_token::ActiveModel {
        id: Set(new_id()),
        customer_id: Set(customer_id.to_owned()),
        token_hash: Set(hash_secret(&secret)),
        return_to: Set(return_to.to_owned()),
        expires_at: Set(at + VERIFY_EMAIL_VALID_FOR),
        used_at: Set(None),
        created_at: Set(at),
    }
    .insert(txn)
    .await?;
    let message = OutgoingEmail::compose(
        email,
        "Verify your email for Replenish",
        &[
            "Confirm that this address is yours to finish creating your Replenish customer account; the link \
             then takes you back to where you were."
                .to_owned(),
            "The link works once and expires in 24 hours.".to_owned(),
        ],
        Some(("Verify your email", &settings.link(&format!("/my/verify?token={secret}")))),
    );
    queue_email(txn, message).await?;
    Ok(())
}

/// Confirms the address behind a verification link; answers the customer's ID and where to go next.
pub async fn verify_email(db: &DatabaseConnection, secret: String) -> Result<(String, String), AppError> {
    transactions::run(db, move |txn| {
        Box::pin(async move {
            let at = now();
            let token = customer_token::Entity::find()
                .filter(customer_token::Column::TokenHash.eq(hash_secret(secret.trim())))
                .one(txn)
                .await?
                .filter(|token| token.used_at.is_none() && token.expires_at > at)
                .ok_or_else(|| AppError::Refused(BAD_LINK.into()))?;
            // The guarded update makes a concurrent second use fail instead of succeeding twice.
            let claimed = customer_token::Entity::update_many()
                .col_expr(customer_token::Column::UsedAt, Expr::value(at))
                .filter(customer_token::Column::Id.eq(&token.id))
                .filter(customer_token::Column::UsedAt.is_null())
                .exec(txn)
                .await?;
            if claimed.rows_affected != 1 {
                return Err(AppError::Refused(BAD_LINK.into()));
            }
            // A link proves the address once: a verified customer signs in with the password, and the
            // other links mailed meanwhile stop working.
            let verified = customer::Entity::update_many()
                .col_expr(customer::Column::EmailVerifiedAt, Expr::value(at))
                .filter(customer::Column::Id.eq(&token.customer_id))
                .filter(customer::Column::EmailVerifiedAt.is_null())
                .exec(txn)
                .await?;
            if verified.rows_affected != 1 {
                return Err(AppError::Refused(BAD_LINK.into()));
            }
            customer_token::Entity::update_many()
                .col_expr(customer_token::Column::UsedAt, Expr::value(at))
                .filter(customer_token::Column::CustomerId.eq(&token.customer_id))
                .filter(customer_token::Column::UsedAt.is_null())
                .exec(txn)
                .await?;
            Ok((token.customer_id, token.return_to))
        })
    })
    .await
}

/// Checks the attempt limits, then the password; answers the customer's ID. A customer who has not
/// verified the address yet is refused and mailed a new link leading back to `return_to`.
pub async fn sign_in(
    db: &DatabaseConnection,
    settings: &PortalSettings,
    email: &str,
    password: &str,
    ip: &str,
    return_to: &str,
) -> Result<String, AppError> {
    let typed = FieldErrors::new().keep("email", email);
    let normalized = email.trim().to_lowercase();
    if normalized.is_empty() || password.is_empty() {
        let mut errors = typed;
        if normalized.is_empty() {
            errors.add("email", "Enter your email address.");
        }
        if password.is_empty() {
            errors.add("password", "Enter your password.");
        }
        return Err(AppError::Validation(errors));
    }
    let key = attempt_key(&normalized);
    sign_in_failure::ActiveModel {
        id: Set(new_id()),
        email: Set(key.clone()),
        ip: Set(ip.to_owned()),
        created_at: Set(now()),
    }
    .insert(db)
    .await?;
    check_attempt_limits(db, &key, ip).await?;
    let account = customer::Entity::find().filter(customer::Column::Email.eq(&normalized)).one(db).await?;
    let matches =
        verify_password(password.to_owned(), account.as_ref().map(|a| a.password_hash.clone())).await?;
    let Some(account) = account.filter(|_| matches) else {
        return Err(typed.refuse(BAD_CREDENTIALS));
    };
    sign_in_failure::Entity::delete_many().filter(sign_in_failure::Column::Email.eq(&key)).exec(db).await?;
    if account.email_verified_at.is_none() {
        allow_mail(db, ip, &account.email).await?;
        let txn = transactions::begin(db).await?;
        send_verification(&txn, settings, &account.id, &account.email, return_to).await?;
        txn.commit().await?;
        return Err(typed.refuse("Verify your email address first: we sent you a new link."));
    }
    Ok(account.id)
}

/// The customer behind a session, if they verified their address (sessions from before verification
/// existed do not count).
pub async fn verified(
    conn: &impl ConnectionTrait,
    customer_id: &str,
) -> Result<Option<customer::Model>, AppError> {
    Ok(customer::Entity::find_by_id(customer_id)
        .filter(customer::Column::EmailVerifiedAt.is_not_null())
        .one(conn)
        .await?)
}
