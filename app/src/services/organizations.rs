//! Organizations and the memberships that scope every tenant-owned query.

use crate::entities::{membership, organization, session, user};
use crate::error::{parse_field, AppError};
use crate::models::{OrgName, OrgSummary, Role, Viewer};
use crate::services::accounts::insert_organization;
use crate::services::audit::{self, Actor};
use crate::services::now;
use crate::services::transactions;
use sea_orm::prelude::DateTimeUtc;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, FromQueryResult,
    JoinType, QueryFilter, QueryOrder, QuerySelect, RelationDef, RelationTrait, Select, Set,
};

/// One row per membership of the user (a single row without one for a user of no organization).
#[derive(FromQueryResult)]
struct ViewerRow {
    id: String,
    email: String,
    is_reviewer: bool,
    organization_id: Option<String>,
    organization_name: Option<String>,
    role: Option<String>,
}

/// The user `user_id` with the organizations they belong to, oldest membership first, in one query.
pub async fn load_viewer(conn: &impl ConnectionTrait, user_id: &str) -> Result<Viewer, AppError> {
    viewer_from(viewer_rows().filter(user::Column::Id.eq(user_id)).into_model().all(conn).await?)
}

/// The user signed in to the unexpired session stored under `session_key`, with the session's expiry,
/// read in the same statement as the session itself: every page inside the portal starts with it, and a
/// separate session load would be one more round trip to the database per page.
pub async fn load_viewer_of_session(
    conn: &impl ConnectionTrait,
    session_key: &str,
) -> Result<(Viewer, DateTimeUtc), AppError> {
    #[derive(FromQueryResult)]
    struct SessionViewerRow {
        #[sea_orm(nested)]
        viewer: ViewerRow,
        session_expires_at: DateTimeUtc,
    }
    let signed_in: RelationDef =
        session::Entity::belongs_to(user::Entity).from(session::Column::UserId).to(user::Column::Id).into();
    let rows: Vec<SessionViewerRow> = viewer_rows()
        .column_as(session::Column::ExpiresAt, "session_expires_at")
        .join_rev(JoinType::InnerJoin, signed_in)
        .filter(session::Column::Id.eq(session_key))
        .filter(session::Column::ExpiresAt.gt(now()))
        .into_model()
        .all(conn)
        .await?;
    let expires_at = rows.first().map(|row| row.session_expires_at).ok_or(AppError::Unauthenticated)?;
    Ok((viewer_from(rows.into_iter().map(|row| row.viewer).collect())?, expires_at))
}

/// A user's columns with their memberships left-joined, oldest membership first.
fn viewer_rows() -> Select<user::Entity> {
    user::Entity::find()
        .select_only()
        .columns([user::Column::Id, user::Column::Email, user::Column::IsReviewer])
        .column_as(organization::Column::Id, "organization_id")
        .column_as(organization::Column::Name, "organization_name")
        .column_as(membership::Column::Role, "role")
        .join(JoinType::LeftJoin, user::Relation::Membership.def())
        .join(JoinType::LeftJoin, membership::Relation::Organization.def())
        .order_by_asc(membership::Column::CreatedAt)
        .order_by_asc(organization::Column::Id)
}

fn viewer_from(rows: Vec<ViewerRow>) -> Result<Viewer, AppError> {
    let Some(first) = rows.first() else { return Err(AppError::Unauthenticated) };
    let (user_id, email, is_reviewer) = (first.id.clone(), first.email.clone(), first.is_reviewer);
    let organizations = rows
        .into_iter()
        .filter_map(|row| {
            Some(OrgSummary {
                id: row.organization_id?,
                name: row.organization_name?,
                role: parse_role(&row.role?),
            })
        })
        .collect();
    Ok(Viewer { user_id, email, is_reviewer, organizations })
}

pub(crate) fn parse_role(stored: &str) -> Role {
    // Roles are written only by this code; anything unexpected gets the least privilege.
    Role::parse(stored).unwrap_or(Role::Viewer)
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
    let txn = transactions::begin(db).await?;
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
    let txn = transactions::begin(db).await?;
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
