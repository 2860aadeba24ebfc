//! The one error type that crosses the wire between server functions and pages.

use leptos::server_fn::codec::JsonEncoding;
use leptos::server_fn::error::{FromServerFnError, ServerFnErrorErr};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// What went wrong, in words a user can act on. Internal details are logged on the server, never sent.
#[derive(Debug, Clone, PartialEq, thiserror::Error, Serialize, Deserialize)]
pub enum AppError {
    /// Input that breaks a rule: one message per field, and the values typed (never secrets) so the form
    /// can show them again even after a no-JavaScript round trip.
    #[error("{}", .0.summary())]
    Validation(FieldErrors),
    /// A refusal with one clear message for the whole form (wrong credentials, an expired link).
    #[error("{0}")]
    Refused(String),
    #[error("Too many attempts. Try again in {retry_after_minutes} minute(s).")]
    RateLimited { retry_after_minutes: u64 },
    #[error("Please sign in.")]
    Unauthenticated,
    #[error("Your role does not allow this change.")]
    Forbidden,
    #[error("Not found.")]
    NotFound,
    #[error("Something went wrong on our side. Please try again.")]
    Internal,
    /// The request never reached the server function (network, encoding).
    #[error("The request failed: {0}")]
    Transport(String),
}

/// Field-level messages plus the values that were typed.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct FieldErrors {
    /// A message for the whole form, when the problem is not one field's (wrong credentials).
    pub form: Option<String>,
    pub messages: BTreeMap<String, String>,
    pub values: BTreeMap<String, String>,
}

impl FieldErrors {
    pub fn new() -> Self {
        Self::default()
    }

    /// Keeps a typed value so the form can show it again.
    pub fn keep(mut self, field: &str, value: &str) -> Self {
        self.values.insert(field.to_owned(), value.to_owned());
        self
    }

    pub fn add(&mut self, field: &str, message: impl Into<String>) {
        self.messages.entry(field.to_owned()).or_insert_with(|| message.into());
    }

    /// Parses one field, recording its message on failure.
    pub fn check<T>(&mut self, field: &str, parsed: Result<T, String>) -> Option<T> {
        match parsed {
            Ok(value) => Some(value),
            Err(message) => {
                self.add(field, message);
                None
            }
        }
    }

    /// Refuses the whole form with `message`, keeping the typed values.
    pub fn refuse(mut self, message: impl Into<String>) -> AppError {
        self.form = Some(message.into());
        AppError::Validation(self)
    }

    /// What the form's alert says.
    pub fn summary(&self) -> String {
        self.form.clone().unwrap_or_else(|| "Please correct the fields marked below.".to_owned())
    }

    pub fn is_empty(&self) -> bool {
        self.messages.is_empty() && self.form.is_none()
    }
}

/// Parses a form's only field; on failure the error names the field and keeps what was typed.
pub fn parse_field<T>(
    field: &str,
    raw: &str,
    parse: impl FnOnce(&str) -> Result<T, String>,
) -> Result<T, AppError> {
    parse(raw).map_err(|message| {
        let mut errors = FieldErrors::new().keep(field, raw);
        errors.add(field, message);
        AppError::Validation(errors)
    })
}

impl AppError {
    pub fn field(field: &str, message: impl Into<String>) -> Self {
        let mut errors = FieldErrors::new();
        errors.add(field, message);
        AppError::Validation(errors)
    }

    pub fn field_message(&self, field: &str) -> Option<String> {
        match self {
            AppError::Validation(errors) => errors.messages.get(field).cloned(),
            _ => None,
        }
    }

    pub fn typed_value(&self, field: &str) -> Option<String> {
        match self {
            AppError::Validation(errors) => errors.values.get(field).cloned(),
            _ => None,
        }
    }

    /// The HTTP status a server function answers with for this error.
    pub fn status(&self) -> u16 {
        match self {
            AppError::Validation(_) | AppError::Refused(_) => 400,
            AppError::RateLimited { .. } => 429,
            AppError::Unauthenticated => 401,
            AppError::Forbidden => 403,
            AppError::NotFound => 404,
            AppError::Internal | AppError::Transport(_) => 500,
        }
    }
}

impl FromServerFnError for AppError {
    type Encoder = JsonEncoding;

    fn from_server_fn_error(value: ServerFnErrorErr) -> Self {
        match value {
            // The request's fields did not fit the function's arguments: the caller's input, a 400.
            ServerFnErrorErr::Args(_) | ServerFnErrorErr::MissingArg(_) => AppError::Refused(
                "The form's fields were not understood; reload the page and try again.".into(),
            ),
            other => AppError::Transport(other.to_string()),
        }
    }
}

#[cfg(feature = "ssr")]
mod server_conversions {
    use super::AppError;

    impl From<sea_orm::DbErr> for AppError {
        fn from(error: sea_orm::DbErr) -> Self {
            tracing::error!(%error, "database error");
            AppError::Internal
        }
    }

    impl From<sea_orm::TransactionError<AppError>> for AppError {
        fn from(error: sea_orm::TransactionError<AppError>) -> Self {
            match error {
                sea_orm::TransactionError::Connection(error) => error.into(),
                sea_orm::TransactionError::Transaction(error) => error,
            }
        }
    }

    impl From<tower_sessions::session::Error> for AppError {
        fn from(error: tower_sessions::session::Error) -> Self {
            tracing::error!(%error, "session error");
            AppError::Internal
        }
    }

    impl From<tokio::task::JoinError> for AppError {
        fn from(error: tokio::task::JoinError) -> Self {
            tracing::error!(%error, "blocking task failed");
            AppError::Internal
        }
    }
}
