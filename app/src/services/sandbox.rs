//! The sandbox's test accounts (the allow list from the approved request, plus accounts an owner adds) and
//! its test clock.

use crate::entities::{device, device_test_account, registration};
use crate::error::{AppError, FieldErrors};
use crate::models::sandbox::{SandboxClock, TestAccountView, TestAccounts, CLOCK_STEPS};
use crate::models::{Email, Role};
use crate::services::audit::{self, Actor};
use crate::services::devices::find_device;
use crate::services::fulfilment::advance_orders_of;
use crate::services::organizations::{member_role, require_role};
use crate::services::review::duration_words;
use crate::services::{display_time, now, tokens::new_id};
use crate::state::PortalSettings;
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, DatabaseConnection, EntityTrait, ModelTrait, QueryFilter, QueryOrder,
    QuerySelect, Set,
};

/// Accounts added on the sandbox tab; the others came with the approved request.
const ADDED_BY_OWNER: &str = "owner";

pub async fn test_accounts(
    db: &DatabaseConnection,
    user_id: &str,
    organization_id: &str,
    device_id: &str,
) -> Result<TestAccounts, AppError> {
    let role = member_role(db, organization_id, user_id).await?;
    find_device(db, organization_id, device_id).await?;
    let accounts = device_test_account::Entity::find()
        .filter(device_test_account::Column::OrganizationId.eq(organization_id))
        .filter(device_test_account::Column::DeviceId.eq(device_id))
        .order_by_asc(device_test_account::Column::Email)
        .all(db)
        .await?
        .into_iter()
        .map(|a| TestAccountView {
            added_by_owner: a.source == ADDED_BY_OWNER,
            accepted: a.accepted_at.is_some(),
            id: a.id,
            email: a.email,
        })
        .collect();
    Ok(TestAccounts { accounts, can_manage: role.can_manage() })
}

pub async fn add_test_account(
    db: &DatabaseConnection,
    actor: &Actor,
    organization_id: &str,
    device_id: &str,
    email: &str,
) -> Result<(), AppError> {
    require_role(db, organization_id, &actor.user_id, Role::can_manage).await?;
    let device = find_device(db, organization_id, device_id).await?;
    let mut errors = FieldErrors::new().keep("email", email);
    let Some(email) = errors.check("email", Email::parse(email)) else {
        return Err(AppError::Validation(errors));
    };
    let known = device_test_account::Entity::find()
        .filter(device_test_account::Column::DeviceId.eq(device_id))
        .filter(device_test_account::Column::Email.eq(email.as_str()))
        .one(db)
        .await?;
    if known.is_some() {
        errors.add("email", "This account is already a test account of the device.");
        return Err(AppError::Validation(errors));
    }
    device_test_account::ActiveModel {
        id: Set(new_id()),
        organization_id: Set(organization_id.to_owned()),
        device_id: Set(device_id.to_owned()),
        email: Set(email.as_str().to_owned()),
        source: Set(ADDED_BY_OWNER.to_owned()),
        created_at: Set(now()),
        accepted_at: Set(None),
    }
    .insert(db)
    .await?;
    audit::record(
        db,
        Some(organization_id),
        Some(actor),
        "sandbox.test_account_added",
        &device.model_id,
        email.as_str(),
    )
    .await?;
    Ok(())
}

/// Removes an account an owner added; the request's accounts stay with the approval they came from.
pub async fn remove_test_account(
    db: &DatabaseConnection,
    actor: &Actor,
    organization_id: &str,
    device_id: &str,
    account_id: &str,
) -> Result<(), AppError> {
    require_role(db, organization_id, &actor.user_id, Role::can_manage).await?;
    let device = find_device(db, organization_id, device_id).await?;
    let account = device_test_account::Entity::find_by_id(account_id)
        .filter(device_test_account::Column::OrganizationId.eq(organization_id))
        .filter(device_test_account::Column::DeviceId.eq(device_id))
        .one(db)
        .await?
        .ok_or(AppError::NotFound)?;
    if account.source != ADDED_BY_OWNER {
        return Err(AppError::Refused(
            "This account came with the approved request; request a change to remove it.".into(),
        ));
    }
    let email = account.email.clone();
    account.delete(db).await?;
    audit::record(
        db,
        Some(organization_id),
        Some(actor),
        "sandbox.test_account_removed",
        &device.model_id,
        &email,
    )
    .await?;
    Ok(())
}

fn clock_of(device: &device::Model, can_edit: bool) -> SandboxClock {
    let ahead = device.sandbox_clock_seconds;
    SandboxClock {
        ahead: if ahead == 0 { "Not moved".into() } else { format!("{} ahead", duration_words(ahead)) },
        sandbox_time: display_time(now() + chrono::Duration::seconds(ahead)),
        can_edit,
    }
}

pub async fn clock(
    db: &DatabaseConnection,
    user_id: &str,
    organization_id: &str,
    device_id: &str,
) -> Result<SandboxClock, AppError> {
    let role = member_role(db, organization_id, user_id).await?;
    let device = find_device(db, organization_id, device_id).await?;
    Ok(clock_of(&device, role.can_edit()))
}

/// Moves the sandbox's clock ahead by one of `CLOCK_STEPS` and takes its test orders through every step
/// they passed meanwhile (hold, shipping, delivery), with their notifications and emails; live orders and
/// other devices keep real time. Answers how many steps orders took.
pub async fn advance_clock(
    db: &DatabaseConnection,
    settings: &PortalSettings,
    actor: &Actor,
    organization_id: &str,
    device_id: &str,
    hours: &str,
) -> Result<usize, AppError> {
    require_role(db, organization_id, &actor.user_id, Role::can_edit).await?;
    let device = find_device(db, organization_id, device_id).await?;
    let Some((hours, words)) = CLOCK_STEPS.iter().find(|(h, _)| h.to_string() == hours.trim()) else {
        return Err(AppError::Refused("Choose 1 hour, 24 hours or 3 days.".into()));
    };
    // One atomic addition, so two clicks at once move the clock twice.
    device::Entity::update_many()
        .col_expr(
            device::Column::SandboxClockSeconds,
            Expr::col(device::Column::SandboxClockSeconds).add(hours * 3600),
        )
        .filter(device::Column::Id.eq(device_id))
        .filter(device::Column::OrganizationId.eq(organization_id))
        .exec(db)
        .await?;
    let moved = find_device(db, organization_id, device_id).await?;
    audit::record(db, Some(organization_id), Some(actor), "sandbox.clock_advanced", &device.model_id, words)
        .await?;
    let test_registrations: Vec<String> = registration::Entity::find()
        .select_only()
        .column(registration::Column::Id)
        .filter(registration::Column::OrganizationId.eq(organization_id))
        .filter(registration::Column::DeviceId.eq(device_id))
        .filter(registration::Column::IsTest.eq(true))
        .into_tuple()
        .all(db)
        .await?;
    let at = now() + chrono::Duration::seconds(moved.sandbox_clock_seconds);
    let mut steps = 0;
    loop {
        let taken = advance_orders_of(db, settings, at, &test_registrations).await?;
        steps += taken;
        if taken == 0 {
            return Ok(steps);
        }
    }
}
