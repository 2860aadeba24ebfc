//! argon2id hashing, run on the blocking pool so a sign-in never stalls the async runtime.

use crate::error::AppError;
use crate::models::Password;
use argon2::password_hash::{rand_core::OsRng, PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use std::sync::OnceLock;

fn hasher() -> Argon2<'static> {
    // argon2id, version 0x13, with the crate's defaults (19 MiB, 2 passes): OWASP's first recommendation.
    Argon2::default()
}

pub async fn hash_password(password: Password) -> Result<String, AppError> {
    tokio::task::spawn_blocking(move || {
        let salt = SaltString::generate(&mut OsRng);
        hasher().hash_password(password.expose().as_bytes(), &salt).map(|hash| hash.to_string()).map_err(
            |error| {
                tracing::error!(%error, "hashing a password failed");
                AppError::Internal
            },
        )
    })
    .await?
}

/// A hash of nothing anyone knows, verified against when the account does not exist so that an unknown
/// email costs the same time as a wrong password.
fn decoy_hash() -> &'static str {
    static DECOY: OnceLock<String> = OnceLock::new();
    DECOY.get_or_init(|| {
        let salt = SaltString::generate(&mut OsRng);
        let secret = crate::services::tokens::new_secret();
        hasher().hash_password(secret.as_bytes(), &salt).map(|hash| hash.to_string()).unwrap_or_default()
    })
}

/// True when `candidate` matches `stored`; with no stored hash, spends the same effort and answers false.
pub async fn verify_password(candidate: String, stored: Option<String>) -> Result<bool, AppError> {
    tokio::task::spawn_blocking(move || {
        let known = stored.is_some();
        let stored = stored.unwrap_or_else(|| decoy_hash().to_owned());
        let Ok(parsed) = PasswordHash::new(&stored) else {
            tracing::error!("a stored password hash could not be parsed");
            return false;
        };
        hasher().verify_password(candidate.as_bytes(), &parsed).is_ok() && known
    })
    .await
    .map_err(AppError::from)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn password(raw: &str) -> Password {
        Password::parse(raw).unwrap_or_else(|message| panic!("{message}"))
    }

    #[tokio::test]
    async fn a_hash_verifies_its_password_only() {
        let hash = hash_password(password("correct horse battery staple")).await.expect("hash");
        assert!(hash.starts_with("$argon2id$"));
        assert!(verify_password("correct horse battery staple".into(), Some(hash.clone()))
            .await
            .expect("ok"));
        assert!(!verify_password("wrong horse battery staple".into(), Some(hash)).await.expect("ok"));
    }

    #[tokio::test]
    async fn an_unknown_account_never_verifies() {
        assert!(!verify_password("anything at all here".into(), None).await.expect("ok"));
    }
}
