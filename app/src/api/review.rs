//! The reviewers' console. Organization members never see it: it answers 404 to anyone but reviewers.

use crate::error::AppError;
use crate::models::ReviewQueue;
use leptos::prelude::*;

#[server(prefix = "/api", endpoint = "load_review_queue")]
pub async fn load_review_queue() -> Result<ReviewQueue, AppError> {
    use super::server::*;
    let (state, session) = (state()?, session().await?);
    let result = async {
        let user_id = signed_in_user_id(&session).await?;
        let viewer = crate::services::organizations::load_viewer(&state.db, &user_id).await?;
        if !viewer.is_reviewer {
            return Err(AppError::NotFound);
        }
        Ok(ReviewQueue { items: Vec::new() })
    }
    .await;
    finish(result).await
}
