//! Customer accounts: created and signed into on the consent page, separate from organization members.

use crate::entities::{customer, marketplace, sign_in_failure};
use crate::error::{AppError, FieldErrors};
use crate::models::{parse_marketplace_code, Email, Password};
use crate::services::accounts::check_attempt_limits;
use crate::services::now;
use crate::services::passwords::{hash_password, verify_password};
use crate::services::tokens::new_id;
use sea_orm::{ActiveModelTrait, ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder, Set};

const BAD_CREDENTIALS: &str = "Email or password is incorrect.";

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

/// Creates a customer account and answers its ID.
pub async fn sign_up(
    db: &DatabaseConnection,
    email: &str,
    password: &str,
    marketplace_code: &str,
) -> Result<String, AppError> {
    let mut errors = FieldErrors::new().keep("email", email).keep("marketplace", marketplace_code);
    let email = errors.check("email", Email::parse(email));
    let password = errors.check("password", Password::parse(password));
    let code = parse_marketplace_code(marketplace_code).ok();
    let known = match &code {
        Some(code) => marketplace::Entity::find_by_id(code.as_str()).one(db).await?.is_some(),
        None => false,
    };
    let marketplace = errors
        .check("marketplace", code.filter(|_| known).ok_or_else(|| "Choose your marketplace.".to_owned()));
    let (Some(email), Some(password), Some(marketplace)) = (email, password, marketplace) else {
        return Err(AppError::Validation(errors));
    };
    if customer::Entity::find().filter(customer::Column::Email.eq(email.as_str())).one(db).await?.is_some() {
        return Err(errors.refuse("An account with this email may already exist: sign in instead."));
    }
    let id = new_id();
    let password_hash = hash_password(password).await?;
    customer::ActiveModel {
        id: Set(id.clone()),
        email: Set(email.as_str().to_owned()),
        password_hash: Set(password_hash),
        marketplace_code: Set(marketplace),
        created_at: Set(now()),
    }
    .insert(db)
    .await
    .map_err(|error| match error.sql_err() {
        // Two sign-ups for one address at once: the second meets the unique index.
        Some(sea_orm::SqlErr::UniqueConstraintViolation(_)) => {
            FieldErrors::new().refuse("An account with this email may already exist: sign in instead.")
        }
        _ => AppError::from(error),
    })?;
    Ok(id)
}

/// Checks the attempt limits, then the password; answers the customer's ID.
pub async fn sign_in(
    db: &DatabaseConnection,
    email: &str,
    password: &str,
    ip: &str,
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
    Ok(account.id)
}
