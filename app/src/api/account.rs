//! The signed-in user's own account.

use crate::error::AppError;
use leptos::prelude::*;

#[server(prefix = "/api", endpoint = "change_password")]
pub async fn change_password(current_password: String, new_password: String) -> Result<(), AppError> {
    use super::server::*;
    let (state, session) = (state()?, session().await?);
    let result = async {
        let user_id = signed_in_user_id(&session).await?;
        let current_session = session.id().map(|id| id.to_string());
        crate::services::accounts::change_password(
            &state.db,
            &user_id,
            &current_password,
            &new_password,
            current_session.as_deref(),
        )
        .await
    }
    .await;
    if result.is_ok() {
        leptos_axum::redirect("/account?changed=1");
    }
    finish(result).await
}
