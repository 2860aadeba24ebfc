//! The device's certification checklist.

use crate::error::AppError;
use crate::models::certification::{CertificationQueueItem, CertificationReview, CertificationTab};
use leptos::prelude::*;

#[server(prefix = "/api", endpoint = "load_certification")]
pub async fn load_certification(org: String, device: String) -> Result<CertificationTab, AppError> {
    use super::server::*;
    let (state, session) = (state()?, session().await?);
    let result = async {
        let user_id = signed_in_user_id(&session).await?;
        crate::services::certification::load_tab(&state.db, &user_id, &org, &device).await
    }
    .await;
    finish(result).await
}

/// *Certify Marketplace*: submits the marketplace to the reviewers when every case passes.
#[server(prefix = "/api", endpoint = "certify_marketplace")]
pub async fn certify_marketplace(org: String, device: String, marketplace: String) -> Result<(), AppError> {
    use super::server::*;
    let (state, session) = (state()?, session().await?);
    let result = async {
        let actor = actor(&state, &session).await?;
        crate::services::certification_review::submit(
            &state.db,
            &state.settings,
            &actor,
            &org,
            &device,
            &marketplace,
        )
        .await
    }
    .await;
    finish(result).await?;
    state.mail_queued.notify_one();
    leptos_axum::redirect(&format!("/orgs/{org}/devices/{device}/certification?submitted={marketplace}"));
    Ok(())
}

/// The certification requests waiting for review; 404 for everyone but reviewers.
#[server(prefix = "/api", endpoint = "load_certification_queue")]
pub async fn load_certification_queue() -> Result<Vec<CertificationQueueItem>, AppError> {
    use super::server::*;
    let (state, session) = (state()?, session().await?);
    let result = async {
        let user_id = signed_in_user_id(&session).await?;
        crate::services::review::require_reviewer(&state.db, &user_id).await?;
        crate::services::certification_review::queue(&state.db).await
    }
    .await;
    finish(result).await
}

#[server(prefix = "/api", endpoint = "load_certification_request")]
pub async fn load_certification_request(request: String) -> Result<CertificationReview, AppError> {
    use super::server::*;
    let (state, session) = (state()?, session().await?);
    let result = async {
        let user_id = signed_in_user_id(&session).await?;
        crate::services::review::require_reviewer(&state.db, &user_id).await?;
        crate::services::certification_review::load(&state.db, &request).await
    }
    .await;
    finish(result).await
}

/// A reviewer certifies (`decision` = `certify`) or fails the request, with a note.
#[server(prefix = "/api", endpoint = "decide_certification")]
pub async fn decide_certification(
    request: String,
    #[server(default)] decision: String,
    #[server(default)] note: String,
) -> Result<(), AppError> {
    use super::server::*;
    let (state, session) = (state()?, session().await?);
    let result = async {
        let user_id = signed_in_user_id(&session).await?;
        crate::services::review::require_reviewer(&state.db, &user_id).await?;
        let reviewer = actor(&state, &session).await?;
        let certify = match decision.as_str() {
            "certify" => true,
            "fail" => false,
            _ => return Err(AppError::Refused("Choose Certify or Fail.".into())),
        };
        crate::services::certification_review::decide(
            &state.db,
            &state.settings,
            &reviewer,
            &request,
            certify,
            &note,
        )
        .await
    }
    .await;
    finish(result).await?;
    state.mail_queued.notify_one();
    leptos_axum::redirect(&format!("/review/certifications/{request}?saved={decision}"));
    Ok(())
}
