//! Members and invitations.

use crate::error::AppError;
use crate::models::{InviteView, MembersPage};
use leptos::prelude::*;

#[server(prefix = "/api", endpoint = "members")]
pub async fn members(id: String) -> Result<MembersPage, AppError> {
    use super::server::*;
    let (state, session) = (state()?, session().await?);
    let result = async {
        let user_id = signed_in_user_id(&session).await?;
        crate::services::members::list_members(&state.db, &id, &user_id).await
    }
    .await;
    finish(result).await
}

#[server(prefix = "/api", endpoint = "invite_member")]
pub async fn invite_member(id: String, email: String, role: String) -> Result<(), AppError> {
    use super::server::*;
    let (state, session) = (state()?, session().await?);
    let result = async {
        let actor = actor(&state, &session).await?;
        crate::services::members::invite_member(&state.db, &state.settings, &actor, &id, &email, &role).await
    }
    .await;
    state.mail_queued.notify_one();
    finish(result).await
}

#[server(prefix = "/api", endpoint = "resend_invite")]
pub async fn resend_invite(id: String, invite_id: String) -> Result<(), AppError> {
    use super::server::*;
    let (state, session) = (state()?, session().await?);
    let result = async {
        let actor = actor(&state, &session).await?;
        crate::services::members::resend_invite(&state.db, &state.settings, &actor, &id, &invite_id).await
    }
    .await;
    state.mail_queued.notify_one();
    finish(result).await
}

#[server(prefix = "/api", endpoint = "revoke_invite")]
pub async fn revoke_invite(id: String, invite_id: String) -> Result<(), AppError> {
    use super::server::*;
    let (state, session) = (state()?, session().await?);
    let result = async {
        let actor = actor(&state, &session).await?;
        crate::services::members::revoke_invite(&state.db, &actor, &id, &invite_id).await
    }
    .await;
    finish(result).await
}

#[server(prefix = "/api", endpoint = "change_role")]
pub async fn change_role(id: String, user_id: String, role: String) -> Result<(), AppError> {
    use super::server::*;
    let (state, session) = (state()?, session().await?);
    let result = async {
        let actor = actor(&state, &session).await?;
        crate::services::members::change_role(&state.db, &actor, &id, &user_id, &role).await
    }
    .await;
    finish(result).await
}

#[server(prefix = "/api", endpoint = "remove_member")]
pub async fn remove_member(id: String, user_id: String) -> Result<(), AppError> {
    use super::server::*;
    let (state, session) = (state()?, session().await?);
    let result = async {
        let actor = actor(&state, &session).await?;
        crate::services::members::remove_member(&state.db, &actor, &id, &user_id).await
    }
    .await;
    finish(result).await
}

/// The invitation behind a link, as its recipient sees it.
#[server(prefix = "/api", endpoint = "view_invite")]
pub async fn view_invite(token: String) -> Result<InviteView, AppError> {
    use super::server::*;
    let (state, session) = (state()?, session().await?);
    let result = async {
        let signed_in_as = match signed_in_user_id(&session).await {
            Ok(user_id) => {
                Some(crate::services::organizations::load_viewer(&state.db, &user_id).await?.email)
            }
            Err(_) => None,
        };
        crate::services::members::view_invite(&state.db, &token, signed_in_as).await
    }
    .await;
    finish(result).await
}

#[server(prefix = "/api", endpoint = "accept_invite")]
pub async fn accept_invite(token: String) -> Result<(), AppError> {
    use super::server::*;
    let (state, session) = (state()?, session().await?);
    let result = async {
        let actor = actor(&state, &session).await?;
        crate::services::members::accept_invite(&state.db, &actor, &token).await
    }
    .await;
    let organization_id = finish(result).await?;
    leptos_axum::redirect(&format!("/orgs/{organization_id}"));
    Ok(())
}
