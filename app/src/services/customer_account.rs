//! The customer's own pages: linked devices with the product per slot (changeable), turning
//! replenishment off, and orders with cancellation during the hold.

use crate::entities::{
    device, device_test_account, registration, registration_slot, replenishment_order, slot, slot_approval,
    slot_name,
};
use crate::error::AppError;
use crate::models::customer_views::{MyAccount, MyDevice, MyOrder, MySlot, OrderToCancel, TestInvitation};
use crate::services::consent::{asin_list, display_names, parse_choice, subscription_info};
use crate::services::orders::PENDING;
use crate::services::tokens::hash_secret;
use crate::services::transactions;
use crate::services::{display_time, events, now, registrations};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use std::collections::HashMap;

/// The signed-in customer's devices and newest orders (at most 100).
pub async fn load_account(db: &DatabaseConnection, customer_id: &str) -> Result<MyAccount, AppError> {
    let customer =
        crate::services::customers::verified(db, customer_id).await?.ok_or(AppError::Unauthenticated)?;
    let registrations = registration::Entity::find()
        .filter(registration::Column::CustomerId.eq(customer_id))
        .order_by_desc(registration::Column::CreatedAt)
        .all(db)
        .await?;
    let mut names = HashMap::new();
    let mut devices = Vec::new();
    for registration in &registrations {
        let Some(device) = device::Entity::find_by_id(&registration.device_id).one(db).await? else {
            continue;
        };
        let (device_name, maker) = display_names(db, &device, Some(&registration.marketplace_code)).await?;
        names.insert(registration.id.clone(), device_name.clone());
        if registration.deregistered_at.is_some() {
            continue;
        }
        let slots = registration_slot::Entity::find()
            .filter(registration_slot::Column::RegistrationId.eq(&registration.id))
            .all(db)
            .await?;
        let keys: Vec<String> = slots.iter().map(|s| s.slot_key.clone()).collect();
        let approvals: HashMap<String, slot_approval::Model> = slot_approval::Entity::find()
            .filter(slot_approval::Column::SlotKey.is_in(keys.clone()))
            .all(db)
            .await?
            .into_iter()
            .map(|a| (a.slot_key.clone(), a))
            .collect();
        let slot_names: HashMap<String, String> = slot_name::Entity::find()
            .filter(slot_name::Column::SlotKey.is_in(keys.clone()))
            .filter(slot_name::Column::MarketplaceCode.eq(&registration.marketplace_code))
            .all(db)
            .await?
            .into_iter()
            .map(|n| (n.slot_key, n.name))
            .collect();
        let positions: HashMap<String, i32> = slot::Entity::find()
            .filter(slot::Column::Id.is_in(keys))
            .all(db)
            .await?
            .into_iter()
            .map(|s| (s.id, s.position))
            .collect();
        let mut my_slots: Vec<(i32, MySlot)> = slots
            .into_iter()
            .map(|s| {
                let position = positions.get(&s.slot_key).copied().unwrap_or_default();
                let slot = MySlot {
                    name: slot_names.get(&s.slot_key).cloned().unwrap_or_else(|| s.slot_id.clone()),
                    choices: approvals.get(&s.slot_key).map(asin_list).unwrap_or_default(),
                    asin: s.asin,
                    key: s.id,
                };
                (position, slot)
            })
            .collect();
        my_slots.sort_by_key(|(position, _)| *position);
        devices.push(MyDevice {
            registration_id: registration.id.clone(),
            device_name,
            maker,
            serial: registration.serial.clone(),
            linked_at: display_time(registration.created_at),
            is_test: registration.is_test,
            slots: my_slots.into_iter().map(|(_, slot)| slot).collect(),
        });
    }
    let at = now();
    let orders = replenishment_order::Entity::find()
        .filter(replenishment_order::Column::RegistrationId.is_in(registrations.iter().map(|r| r.id.clone())))
        .order_by_desc(replenishment_order::Column::CreatedAt)
        .limit(100)
        .all(db)
        .await?
        .into_iter()
        .map(|order| MyOrder {
            device_name: names.get(&order.registration_id).cloned().unwrap_or_default(),
            cancellable: order.status == PENDING && order.hold_until > at,
            ordered_at: display_time(order.created_at),
            hold_until: display_time(order.hold_until),
            expected_delivery: display_time(order.expected_delivery_at),
            id: order.id,
            slot_id: order.slot_id,
            asin: order.asin,
            quantity: order.quantity,
            status: order.status,
            is_test: order.is_test,
        })
        .collect();
    let invitations = invitations(db, &customer.email).await?;
    Ok(MyAccount { email: customer.email, devices, orders, invitations })
}

async fn invitations(db: &DatabaseConnection, email: &str) -> Result<Vec<TestInvitation>, AppError> {
    let accounts = device_test_account::Entity::find()
        .filter(device_test_account::Column::Email.eq(email))
        .order_by_asc(device_test_account::Column::CreatedAt)
        .all(db)
        .await?;
    let mut invitations = Vec::with_capacity(accounts.len());
    for account in accounts {
        let Some(device) = device::Entity::find_by_id(&account.device_id).one(db).await? else { continue };
        let (device_name, maker) = display_names(db, &device, None).await?;
        invitations.push(TestInvitation {
            id: account.id,
            device_name,
            maker,
            accepted: account.accepted_at.is_some(),
        });
    }
    Ok(invitations)
}

/// Accepts (or withdraws from) a test invitation addressed to the signed-in customer; another address's
/// invitation is `NotFound`.
pub async fn answer_invitation(
    db: &DatabaseConnection,
    customer_id: &str,
    invitation_id: &str,
    accept: bool,
) -> Result<(), AppError> {
    let customer =
        crate::services::customers::verified(db, customer_id).await?.ok_or(AppError::Unauthenticated)?;
    let updated = device_test_account::Entity::update_many()
        .col_expr(device_test_account::Column::AcceptedAt, Expr::value(accept.then(now)))
        .filter(device_test_account::Column::Id.eq(invitation_id))
        .filter(device_test_account::Column::Email.eq(&customer.email))
        .exec(db)
        .await?;
    if updated.rows_affected == 0 {
        return Err(AppError::NotFound);
    }
    Ok(())
}

/// The customer's live registration, or `NotFound` (also for another customer's).
async fn own_registration(
    db: &DatabaseConnection,
    customer_id: &str,
    registration_id: &str,
) -> Result<registration::Model, AppError> {
    let registration = registrations::live(db, registration_id).await?;
    if registration.customer_id != customer_id {
        return Err(AppError::NotFound);
    }
    Ok(registration)
}

/// Changes one slot's product (or to *notify me only*) and tells the maker.
pub async fn change_product(
    db: &DatabaseConnection,
    customer_id: &str,
    registration_id: &str,
    slot_key: &str,
    choice: &str,
) -> Result<(), AppError> {
    let registration = own_registration(db, customer_id, registration_id).await?;
    let slot = registration_slot::Entity::find_by_id(slot_key)
        .filter(registration_slot::Column::RegistrationId.eq(&registration.id))
        .one(db)
        .await?
        .ok_or(AppError::NotFound)?;
    let approval =
        slot_approval::Entity::find_by_id(&slot.slot_key).one(db).await?.ok_or(AppError::NotFound)?;
    let choice = choice.to_owned();
    let asin = parse_choice(&approval, Some(&choice))
        .map_err(|message| AppError::Refused(format!("{}: {message}", slot.slot_id)))?;
    let txn = transactions::begin(db).await?;
    registration_slot::Entity::update_many()
        .col_expr(registration_slot::Column::Asin, Expr::value(asin))
        .filter(registration_slot::Column::Id.eq(&slot.id))
        .exec(&txn)
        .await?;
    let summary: Vec<(String, Option<String>)> = registration_slot::Entity::find()
        .filter(registration_slot::Column::RegistrationId.eq(&registration.id))
        .order_by_asc(registration_slot::Column::SlotId)
        .all(&txn)
        .await?
        .into_iter()
        .map(|s| (s.slot_id, s.asin))
        .collect();
    let context = events::registration_context(&txn, &registration.id).await?;
    events::notify(
        &txn,
        &context,
        "SubscriptionChangedNotification",
        Some(("subscriptionInfo", subscription_info(&summary))),
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

/// Turns replenishment off for a device: the registration ends and its tokens stop working.
pub async fn turn_off(
    db: &DatabaseConnection,
    customer_id: &str,
    registration_id: &str,
) -> Result<(), AppError> {
    let registration = own_registration(db, customer_id, registration_id).await?;
    let txn = transactions::begin(db).await?;
    registrations::deregister_and_notify(&txn, &registration.id, now()).await?;
    txn.commit().await?;
    Ok(())
}

/// The order behind an email's cancel link; `NotFound` unless the token is the order's.
pub async fn order_for_link(
    db: &DatabaseConnection,
    order_id: &str,
    token: &str,
) -> Result<OrderToCancel, AppError> {
    let order = replenishment_order::Entity::find_by_id(order_id).one(db).await?.ok_or(AppError::NotFound)?;
    if order.cancel_token_hash.as_deref() != Some(hash_secret(token).as_str()) {
        return Err(AppError::NotFound);
    }
    Ok(OrderToCancel {
        cancellable: order.status == PENDING && order.hold_until > now(),
        asin: order.asin,
        status: order.status,
        hold_until: display_time(order.hold_until),
    })
}
