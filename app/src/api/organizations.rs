//! Organizations: the context of every page inside one, creating and renaming them, and their activity.

use crate::error::AppError;
use crate::models::{AuditEntry, OrgContext};
use leptos::prelude::*;

/// The viewer inside organization `id`; `NotFound` unless a member.
#[server(prefix = "/api", endpoint = "load_org_context")]
pub async fn load_org_context(id: String) -> Result<OrgContext, AppError> {
    use super::server::*;
    let (state, session) = (state()?, session().await?);
    let result = async { viewer(&state, &session).await?.in_org(&id) }.await;
    finish(result).await
}

#[server(prefix = "/api", endpoint = "create_organization")]
pub async fn create_organization(name: String) -> Result<(), AppError> {
    use super::server::*;
    let (state, session) = (state()?, session().await?);
    let result = async {
        let actor = actor(&state, &session).await?;
        crate::services::organizations::create_organization(&state.db, &actor, &name).await
    }
    .await;
    let organization_id = finish(result).await?;
    leptos_axum::redirect(&format!("/orgs/{organization_id}"));
    Ok(())
}

#[server(prefix = "/api", endpoint = "rename_organization")]
pub async fn rename_organization(id: String, name: String) -> Result<(), AppError> {
    use super::server::*;
    let (state, session) = (state()?, session().await?);
    let result = async {
        let actor = actor(&state, &session).await?;
        crate::services::organizations::rename_organization(&state.db, &actor, &id, &name).await
    }
    .await;
    if result.is_ok() {
        leptos_axum::redirect(&format!("/orgs/{id}/settings?saved=1"));
    }
    finish(result).await
}

/// The organization's audit log, for owners.
#[server(prefix = "/api", endpoint = "activity")]
pub async fn activity(id: String) -> Result<Vec<AuditEntry>, AppError> {
    use super::server::*;
    use crate::models::Role;
    let (state, session) = (state()?, session().await?);
    let result = async {
        let user_id = signed_in_user_id(&session).await?;
        crate::services::organizations::require_role(&state.db, &id, &user_id, Role::can_manage).await?;
        crate::services::audit::list(&state.db, &id).await
    }
    .await;
    finish(result).await
}
