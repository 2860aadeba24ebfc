//! Members and invitations of an organization. Owners manage; an organization always keeps an owner.

use crate::entities::{invite, membership, organization, user};
use crate::error::{AppError, FieldErrors};
use crate::models::{Email, InviteView, Member, MembersPage, PendingInvite, Role};
use crate::services::audit::{self, Actor};
use crate::services::mail::{queue_email, OutgoingEmail};
use crate::services::organizations::{parse_role, require_role};
use crate::services::tokens::{hash_secret, new_id, new_secret};
use crate::services::transactions;
use crate::services::{display_time, now};
use crate::state::PortalSettings;
use chrono::Duration;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, DatabaseTransaction, EntityTrait,
    PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, Set,
};

pub const INVITE_VALID_FOR: Duration = Duration::days(7);
const BAD_INVITE: &str = "This invitation is invalid, has expired or was revoked.";

/// Members and open invitations; any member may read them.
pub async fn list_members(
    db: &DatabaseConnection,
    organization_id: &str,
    viewer_id: &str,
) -> Result<MembersPage, AppError> {
    let viewer_role = require_role(db, organization_id, viewer_id, |_| true).await?;
    let rows = membership::Entity::find()
        .filter(membership::Column::OrganizationId.eq(organization_id))
        .order_by_asc(membership::Column::CreatedAt)
        .find_also_related(user::Entity)
        .all(db)
        .await?;
    let members = rows
        .into_iter()
        .filter_map(|(member, account)| {
            Some(Member {
                user_id: member.user_id,
                email: account?.email,
                role: parse_role(&member.role),
                joined_at: display_time(member.created_at),
            })
        })
        .collect();
    // Invitations carry addresses of people who are not members yet: owners only.
    let invites = if viewer_role.can_manage() {
        let at = now();
        invite::Entity::find()
            .filter(invite::Column::OrganizationId.eq(organization_id))
            .filter(invite::Column::AcceptedAt.is_null())
            .filter(invite::Column::RevokedAt.is_null())
            .order_by_desc(invite::Column::CreatedAt)
            .all(db)
            .await?
            .into_iter()
            .map(|row| PendingInvite {
                id: row.id,
                email: row.email,
                role: parse_role(&row.role),
                expires_at: display_time(row.expires_at),
                expired: row.expires_at <= at,
            })
            .collect()
    } else {
        Vec::new()
    };
    Ok(MembersPage { members, invites })
}

/// Invites `email` with `role`, replacing any open invitation to the same address.
pub async fn invite_member(
    db: &DatabaseConnection,
    settings: &PortalSettings,
    actor: &Actor,
    organization_id: &str,
    email: &str,
    role: &str,
) -> Result<(), AppError> {
    require_role(db, organization_id, &actor.user_id, Role::can_manage).await?;
    let mut errors = FieldErrors::new().keep("email", email).keep("role", role);
    let parsed_email = errors.check("email", Email::parse(email));
    let parsed_role = errors.check("role", Role::parse(role));
    let (Some(email), Some(role)) = (parsed_email, parsed_role) else {
        return Err(AppError::Validation(errors));
    };
    let already_member = membership::Entity::find()
        .filter(membership::Column::OrganizationId.eq(organization_id))
        .inner_join(user::Entity)
        .filter(user::Column::Email.eq(email.as_str()))
        .count(db)
        .await?
        > 0;
    if already_member {
        errors.add("email", "This person is already a member.");
        return Err(AppError::Validation(errors));
    }
    let txn = transactions::begin(db).await?;
    let at = now();
    invite::Entity::update_many()
        .col_expr(invite::Column::RevokedAt, sea_orm::sea_query::Expr::value(at))
        .filter(invite::Column::OrganizationId.eq(organization_id))
        .filter(invite::Column::Email.eq(email.as_str()))
        .filter(invite::Column::AcceptedAt.is_null())
        .filter(invite::Column::RevokedAt.is_null())
        .exec(&txn)
        .await?;
    let secret = new_secret();
    invite::ActiveModel {
        id: Set(new_id()),
        organization_id: Set(organization_id.to_owned()),
        email: Set(email.as_str().to_owned()),
        role: Set(role.as_str().to_owned()),
        token_hash: Set(hash_secret(&secret)),
        invited_by: Set(actor.user_id.clone()),
        expires_at: Set(at + INVITE_VALID_FOR),
        accepted_at: Set(None),
        revoked_at: Set(None),
        created_at: Set(at),
    }
    .insert(&txn)
    .await?;
    send_invite_email(&txn, settings, actor, organization_id, email.as_str(), role, &secret).await?;
    audit::record(&txn, Some(organization_id), Some(actor), "member.invited", email.as_str(), role.as_str())
        .await?;
    txn.commit().await?;
    Ok(())
}

async fn send_invite_email(
    txn: &DatabaseTransaction,
    settings: &PortalSettings,
    actor: &Actor,
    organization_id: &str,
    email: &str,
    role: Role,
    secret: &str,
) -> Result<(), AppError> {
    let organization =
        organization::Entity::find_by_id(organization_id).one(txn).await?.ok_or(AppError::NotFound)?;
    let message = OutgoingEmail::compose(
        email,
        &format!("{} invited you to {} on Replenish", actor.email, organization.name),
        &[
            format!(
                "{} invited you to join {} on Replenish as {}.",
                actor.email,
                organization.name,
                role.label().to_lowercase()
            ),
            "Open the link and sign in, or create an account with this address, to accept. \
             The invitation expires in 7 days."
                .to_owned(),
        ],
        Some(("Accept the invitation", &settings.link(&format!("/invites/{secret}")))),
    );
    queue_email(txn, message).await?;
    Ok(())
}

async fn open_invite(
    conn: &impl ConnectionTrait,
    organization_id: &str,
    invite_id: &str,
) -> Result<invite::Model, AppError> {
    invite::Entity::find_by_id(invite_id)
        .filter(invite::Column::OrganizationId.eq(organization_id))
        .filter(invite::Column::AcceptedAt.is_null())
        .filter(invite::Column::RevokedAt.is_null())
        .one(conn)
        .await?
        .ok_or(AppError::NotFound)
}

/// Sends a fresh link (the old one stops working) and restarts the 7 days.
pub async fn resend_invite(
    db: &DatabaseConnection,
    settings: &PortalSettings,
    actor: &Actor,
    organization_id: &str,
    invite_id: &str,
) -> Result<(), AppError> {
    require_role(db, organization_id, &actor.user_id, Role::can_manage).await?;
    let txn = transactions::begin(db).await?;
    let existing = open_invite(&txn, organization_id, invite_id).await?;
    let secret = new_secret();
    let email = existing.email.clone();
    let role = parse_role(&existing.role);
    let mut active: invite::ActiveModel = existing.into();
    active.token_hash = Set(hash_secret(&secret));
    active.expires_at = Set(now() + INVITE_VALID_FOR);
    active.update(&txn).await?;
    send_invite_email(&txn, settings, actor, organization_id, &email, role, &secret).await?;
    audit::record(&txn, Some(organization_id), Some(actor), "member.invite_resent", &email, "").await?;
    txn.commit().await?;
    Ok(())
}

pub async fn revoke_invite(
    db: &DatabaseConnection,
    actor: &Actor,
    organization_id: &str,
    invite_id: &str,
) -> Result<(), AppError> {
    require_role(db, organization_id, &actor.user_id, Role::can_manage).await?;
    let txn = transactions::begin(db).await?;
    let existing = open_invite(&txn, organization_id, invite_id).await?;
    let email = existing.email.clone();
    let mut active: invite::ActiveModel = existing.into();
    active.revoked_at = Set(Some(now()));
    active.update(&txn).await?;
    audit::record(&txn, Some(organization_id), Some(actor), "member.invite_revoked", &email, "").await?;
    txn.commit().await?;
    Ok(())
}

async fn find_usable_invite(conn: &impl ConnectionTrait, secret: &str) -> Result<invite::Model, AppError> {
    invite::Entity::find()
        .filter(invite::Column::TokenHash.eq(hash_secret(secret.trim())))
        .one(conn)
        .await?
        .filter(|row| row.accepted_at.is_none() && row.revoked_at.is_none() && row.expires_at > now())
        .ok_or_else(|| AppError::Refused(BAD_INVITE.into()))
}

/// What the invitation page shows before acceptance.
pub async fn view_invite(
    db: &DatabaseConnection,
    secret: &str,
    signed_in_as: Option<String>,
) -> Result<InviteView, AppError> {
    let row = find_usable_invite(db, secret).await?;
    let organization =
        organization::Entity::find_by_id(&row.organization_id).one(db).await?.ok_or(AppError::NotFound)?;
    Ok(InviteView {
        organization_name: organization.name,
        email: row.email,
        role: parse_role(&row.role),
        signed_in_as,
    })
}

/// Accepts an invitation for the signed-in user, whose address must be the invited one.
pub async fn accept_invite(db: &DatabaseConnection, actor: &Actor, secret: &str) -> Result<String, AppError> {
    let txn = transactions::begin(db).await?;
    let row = find_usable_invite(&txn, secret).await?;
    if row.email != actor.email {
        return Err(AppError::Refused(format!(
            "This invitation was sent to {}. Sign in with that address to accept it.",
            row.email
        )));
    }
    let organization_id = row.organization_id.clone();
    let role = parse_role(&row.role);
    let claimed = invite::Entity::update_many()
        .col_expr(invite::Column::AcceptedAt, sea_orm::sea_query::Expr::value(now()))
        .filter(invite::Column::Id.eq(&row.id))
        .filter(invite::Column::AcceptedAt.is_null())
        .exec(&txn)
        .await?;
    if claimed.rows_affected != 1 {
        return Err(AppError::Refused(BAD_INVITE.into()));
    }
    let already_member = membership::Entity::find()
        .filter(membership::Column::OrganizationId.eq(&organization_id))
        .filter(membership::Column::UserId.eq(&actor.user_id))
        .count(&txn)
        .await?
        > 0;
    if !already_member {
        membership::ActiveModel {
            id: Set(new_id()),
            organization_id: Set(organization_id.clone()),
            user_id: Set(actor.user_id.clone()),
            role: Set(role.as_str().to_owned()),
            created_at: Set(now()),
        }
        .insert(&txn)
        .await?;
    }
    audit::record(&txn, Some(&organization_id), Some(actor), "member.joined", &actor.email, role.as_str())
        .await?;
    txn.commit().await?;
    Ok(organization_id)
}

/// Locks the organization's memberships for the rest of the transaction (PostgreSQL; SQLite serializes
/// writers anyway) and returns them, so that two owners demoting each other cannot leave none. The
/// actor's own role is checked on the locked rows: `NotFound` for non-members, `Forbidden` for non-owners.
async fn lock_memberships(
    txn: &DatabaseTransaction,
    organization_id: &str,
    actor_user_id: &str,
) -> Result<Vec<membership::Model>, AppError> {
    let memberships = membership::Entity::find()
        .filter(membership::Column::OrganizationId.eq(organization_id))
        .lock_exclusive()
        .all(txn)
        .await?;
    let actor = memberships.iter().find(|m| m.user_id == actor_user_id).ok_or(AppError::NotFound)?;
    if !parse_role(&actor.role).can_manage() {
        return Err(AppError::Forbidden);
    }
    Ok(memberships)
}

fn keeps_an_owner(memberships: &[membership::Model], changed_user: &str, new_role: Option<Role>) -> bool {
    memberships.iter().any(|m| {
        let role = if m.user_id == changed_user { new_role } else { Some(parse_role(&m.role)) };
        role == Some(Role::Owner)
    })
}

pub async fn change_role(
    db: &DatabaseConnection,
    actor: &Actor,
    organization_id: &str,
    member_user_id: &str,
    role: &str,
) -> Result<(), AppError> {
    let role = Role::parse(role).map_err(|message| AppError::field("role", message))?;
    let txn = transactions::begin(db).await?;
    let memberships = lock_memberships(&txn, organization_id, &actor.user_id).await?;
    let target =
        memberships.iter().find(|m| m.user_id == member_user_id).cloned().ok_or(AppError::NotFound)?;
    if !keeps_an_owner(&memberships, member_user_id, Some(role)) {
        return Err(AppError::Refused("An organization needs at least one owner.".into()));
    }
    let email =
        user::Entity::find_by_id(member_user_id).one(&txn).await?.map(|u| u.email).unwrap_or_default();
    let mut active: membership::ActiveModel = target.into();
    active.role = Set(role.as_str().to_owned());
    active.update(&txn).await?;
    audit::record(&txn, Some(organization_id), Some(actor), "member.role_changed", &email, role.as_str())
        .await?;
    txn.commit().await?;
    Ok(())
}

pub async fn remove_member(
    db: &DatabaseConnection,
    actor: &Actor,
    organization_id: &str,
    member_user_id: &str,
) -> Result<(), AppError> {
    let txn = transactions::begin(db).await?;
    let memberships = lock_memberships(&txn, organization_id, &actor.user_id).await?;
    let target =
        memberships.iter().find(|m| m.user_id == member_user_id).cloned().ok_or(AppError::NotFound)?;
    if !keeps_an_owner(&memberships, member_user_id, None) {
        return Err(AppError::Refused("An organization needs at least one owner.".into()));
    }
    let email =
        user::Entity::find_by_id(member_user_id).one(&txn).await?.map(|u| u.email).unwrap_or_default();
    membership::Entity::delete_by_id(target.id).exec(&txn).await?;
    audit::record(&txn, Some(organization_id), Some(actor), "member.removed", &email, "").await?;
    txn.commit().await?;
    Ok(())
}
