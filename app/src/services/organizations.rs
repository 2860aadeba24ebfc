//! Organizations and the memberships that scope every tenant-owned query.

use crate::entities::{membership, organization, user};
use crate::error::{parse_field, AppError};
use crate::models::{OrgContext, OrgName, OrgSummary, Role, Viewer};
use crate::services::accounts::insert_organization;
use crate::services::audit::{self, Actor};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder,
    Set, TransactionTrait,
};

/// The signed-in user with the organizations they belong to, oldest membership first.
pub async fn load_viewer(conn: &impl ConnectionTrait, user_id: &str) -> Result<Viewer, AppError> {
    let account = user::Entity::find_by_id(user_id).one(conn).await?.ok_or(AppError::Unauthenticated)?;
    let memberships = membership::Entity::find()
        .filter(membership::Column::UserId.eq(user_id))
        .order_by_asc(membership::Column::CreatedAt)
        .find_also_related(organization::Entity)
        .all(conn)
        .await?;
    let organizations = memberships
        .into_iter()
        .filter_map(|(member, organization)| {
            let organization = organization?;
            Some(OrgSummary { id: organization.id, name: organization.name, role: parse_role(&member.role) })
        })
        .collect();
    Ok(Viewer { user_id: account.id, email: account.email, is_reviewer: account.is_reviewer, organizations })
}

pub(crate) fn parse_role(stored: &str) -> Role {
    // Roles are written only by this code; anything unexpected gets the least privilege.
    Role::parse(stored).unwrap_or(Role::Viewer)
}

/// The viewer inside one organization. Anyone who is not a member gets `NotFound`, never a hint that the
/// organization exists.
pub async fn load_org_context(
    conn: &impl ConnectionTrait,
    user_id: &str,
    organization_id: &str,
) -> Result<OrgContext, AppError> {
    let viewer = load_viewer(conn, user_id).await?;
    let organization =
        viewer.organizations.iter().find(|o| o.id == organization_id).cloned().ok_or(AppError::NotFound)?;
    Ok(OrgContext { viewer, organization })
}

/// The member's role, or `NotFound` for non-members.
pub async fn member_role(
    conn: &impl ConnectionTrait,
    organization_id: &str,
    user_id: &str,
) -> Result<Role, AppError> {
    membership::Entity::find()
        .filter(membership::Column::OrganizationId.eq(organization_id))
        .filter(membership::Column::UserId.eq(user_id))
        .one(conn)
        .await?
        .map(|m| parse_role(&m.role))
        .ok_or(AppError::NotFound)
}

/// `NotFound` for non-members, `Forbidden` for members whose role does not allow the change.
pub async fn require_role(
    conn: &impl ConnectionTrait,
    organization_id: &str,
    user_id: &str,
    allowed: fn(Role) -> bool,
) -> Result<Role, AppError> {
    let role = member_role(conn, organization_id, user_id).await?;
    if allowed(role) {
        Ok(role)
    } else {
        Err(AppError::Forbidden)
    }
}

pub async fn create_organization(
    db: &DatabaseConnection,
    actor: &Actor,
    name: &str,
) -> Result<String, AppError> {
    let name = parse_field("name", name, OrgName::parse)?;
    let txn = db.begin().await?;
    let organization_id = insert_organization(&txn, actor, name.as_str()).await?;
    txn.commit().await?;
    Ok(organization_id)
}

pub async fn rename_organization(
    db: &DatabaseConnection,
    actor: &Actor,
    organization_id: &str,
    name: &str,
) -> Result<(), AppError> {
    require_role(db, organization_id, &actor.user_id, Role::can_manage).await?;
    let new_name = parse_field("name", name, OrgName::parse)?;
    let txn = db.begin().await?;
    let existing =
        organization::Entity::find_by_id(organization_id).one(&txn).await?.ok_or(AppError::NotFound)?;
    let old_name = existing.name.clone();
    let mut active: organization::ActiveModel = existing.into();
    active.name = Set(new_name.as_str().to_owned());
    active.update(&txn).await?;
    audit::record(
        &txn,
        Some(organization_id),
        Some(actor),
        "organization.renamed",
        new_name.as_str(),
        &format!("from {old_name}"),
    )
    .await?;
    txn.commit().await?;
    Ok(())
}
