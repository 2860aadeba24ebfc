//! The reviewers' console. Organization members never see it: it answers 404 to anyone but reviewers.

use crate::error::AppError;
use crate::models::{ReviewQueue, ReviewRequest};
use leptos::prelude::*;

#[server(prefix = "/api", endpoint = "load_review_queue")]
pub async fn load_review_queue(#[server(default)] state: String) -> Result<ReviewQueue, AppError> {
    use super::server::{finish, session, signed_in_user_id};
    let (app, session) = (super::server::state()?, session().await?);
    let result = async {
        let user_id = signed_in_user_id(&session).await?;
        crate::services::review::require_reviewer(&app.db, &user_id).await?;
        crate::services::review::load_queue(&app.db, &state).await
    }
    .await;
    finish(result).await
}

#[server(prefix = "/api", endpoint = "load_review_request")]
pub async fn load_review_request(request: String) -> Result<ReviewRequest, AppError> {
    use super::server::*;
    let (state, session) = (state()?, session().await?);
    let result = async {
        let user_id = signed_in_user_id(&session).await?;
        let reviewer = crate::services::review::require_reviewer(&state.db, &user_id).await?;
        crate::services::review::load_request(&state.db, &reviewer, &request).await
    }
    .await;
    finish(result).await
}

#[server(prefix = "/api", endpoint = "claim_request")]
pub async fn claim_request(request: String) -> Result<(), AppError> {
    use super::server::*;
    let (state, session) = (state()?, session().await?);
    let result = async {
        let reviewer = actor(&state, &session).await?;
        crate::services::review::claim_request(&state.db, &reviewer, &request).await
    }
    .await;
    finish(result).await?;
    leptos_axum::redirect(&format!("/review/requests/{request}?saved=claimed"));
    Ok(())
}

/// One server function per decision, so each form reports its own errors.
macro_rules! decision {
    ($name:ident, $endpoint:literal, $decision:ident, $field:ident, $saved:literal) => {
        #[server(prefix = "/api", endpoint = $endpoint)]
        pub async fn $name(request: String, #[server(default)] $field: String) -> Result<(), AppError> {
            use super::server::*;
            use crate::services::request_mail::Decision;
            let (state, session) = (state()?, session().await?);
            let result = async {
                let reviewer = actor(&state, &session).await?;
                crate::services::review::decide_request(
                    &state.db,
                    &state.settings,
                    &reviewer,
                    &request,
                    Decision::$decision,
                    &$field,
                )
                .await
            }
            .await;
            finish(result).await?;
            state.mail_queued.notify_one();
            leptos_axum::redirect(&format!("/review/requests/{request}?saved={}", $saved));
            Ok(())
        }
    };
}

decision!(approve_request, "approve_request", Approve, note, "approved");
decision!(request_changes, "request_changes", RequestChanges, note, "changes_requested");
decision!(reject_request, "reject_request", Reject, reason, "rejected");
