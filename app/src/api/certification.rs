//! The device's certification checklist.

use crate::error::AppError;
use crate::models::certification::CertificationTab;
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
