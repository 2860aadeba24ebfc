//! Orders placed through the runtime API: replenish (one open order per slot, guaranteed by the
//! database), order info and the cancellation of test orders.

use crate::entities::{idempotent_answer, registration, registration_slot, replenishment_order};
use crate::error::AppError;
use crate::services::events::{self, email_order, notify, registration_context};
use crate::services::now;
use crate::services::oauth::Caller;
use crate::services::tokens::{hash_secret, new_id, new_secret};
use crate::services::transactions;
use crate::state::PortalSettings;
use chrono::{DateTime, Duration, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder,
    Set,
};

/// How long a new order waits before it is placed; the customer can cancel it meanwhile.
pub const HOLD: Duration = Duration::hours(24);
/// How long a replenish answer is returned again for a repeated `Idempotency-Key`.
pub const IDEMPOTENCY_WINDOW: Duration = Duration::hours(24);

pub const PENDING: &str = "Pending";
pub const PLACED: &str = "Placed";
pub const SHIPPED: &str = "Shipped";
pub const DELIVERED: &str = "Delivered";
pub const CANCELLED: &str = "Cancelled";
/// Statuses of an order still in progress: the slot takes no other order meanwhile.
pub const OPEN: [&str; 3] = [PENDING, PLACED, SHIPPED];

pub const STANDARD_ORDER_PLACED: &str = "STANDARD_ORDER_PLACED";
pub const TEST_ORDER_PLACED: &str = "TEST_ORDER_PLACED";
pub const ORDER_INPROGRESS: &str = "ORDER_INPROGRESS";

#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ReplenishAnswer {
    pub event_instance_id: String,
    pub detail_code: String,
}

/// Why a replenish call was refused, beyond an unknown slot.
pub const NOT_SUBSCRIBED: &str = "slot is not subscribed";

/// Places an order for the slot unless one is open; answers the JSON body to send. With an idempotency
/// key, the first answer is stored and every repeat within the window gets it again.
pub async fn replenish(
    db: &DatabaseConnection,
    reads: &DatabaseConnection,
    settings: &PortalSettings,
    caller: &Caller,
    slot_id: &str,
    idempotency_key: Option<&str>,
) -> Result<String, AppError> {
    if let Some(key) = idempotency_key {
        if let Some(body) = stored_answer(reads, caller, key).await? {
            return Ok(body);
        }
    }
    let slot = registration_slot::Entity::find()
        .filter(registration_slot::Column::RegistrationId.eq(&caller.registration_id))
        .filter(registration_slot::Column::SlotId.eq(slot_id))
        .filter(registration_slot::Column::OrganizationId.eq(&caller.organization_id))
        .one(db)
        .await?
        .ok_or(AppError::NotFound)?;
    let Some(asin) = slot.asin.clone() else {
        return Err(AppError::Refused(NOT_SUBSCRIBED.into()));
    };
    let answer = match open_order(db, &slot.id).await? {
        Some(open) => in_progress(open),
        None => {
            let is_test = registration::Entity::find_by_id(&caller.registration_id)
                .one(db)
                .await?
                .ok_or(AppError::NotFound)?
                .is_test;
            place_order(db, settings, &slot, &asin, is_test).await?
        }
    };
    let body = serde_json::to_string(&answer).map_err(|_| AppError::Internal)?;
    match idempotency_key {
        Some(key) => store_answer(db, caller, key, body).await,
        None => Ok(body),
    }
}

fn in_progress(order: replenishment_order::Model) -> ReplenishAnswer {
    ReplenishAnswer { event_instance_id: order.id, detail_code: ORDER_INPROGRESS.into() }
}

pub(crate) async fn open_order(
    conn: &impl ConnectionTrait,
    registration_slot_id: &str,
) -> Result<Option<replenishment_order::Model>, AppError> {
    Ok(replenishment_order::Entity::find()
        .filter(replenishment_order::Column::RegistrationSlotId.eq(registration_slot_id))
        .filter(replenishment_order::Column::Status.is_in(OPEN))
        .one(conn)
        .await?)
}

/// Inserts the order with its notification and the customer's email in one transaction; when a concurrent
/// call's order won the slot's unique index, answers that one as in progress instead.
pub(crate) async fn place_order(
    db: &DatabaseConnection,
    settings: &PortalSettings,
    slot: &registration_slot::Model,
    asin: &str,
    is_test: bool,
) -> Result<ReplenishAnswer, AppError> {
    let at = now();
    let id = new_id();
    let cancel_token = new_secret();
    let txn = transactions::begin(db).await?;
    let inserted = replenishment_order::ActiveModel {
        id: Set(id.clone()),
        organization_id: Set(slot.organization_id.clone()),
        registration_id: Set(slot.registration_id.clone()),
        registration_slot_id: Set(slot.id.clone()),
        slot_id: Set(slot.slot_id.clone()),
        asin: Set(asin.to_owned()),
        quantity: Set(1),
        is_test: Set(is_test),
        status: Set(PENDING.to_owned()),
        hold_until: Set(at + HOLD),
        expected_delivery_at: Set(at + HOLD + settings.ship_after + settings.deliver_after),
        placed_at: Set(None),
        shipped_at: Set(None),
        delivered_at: Set(None),
        cancelled_at: Set(None),
        created_at: Set(at),
        updated_at: Set(at),
        cancel_token_hash: Set(Some(hash_secret(&cancel_token))),
    }
    .insert(&txn)
    .await;
    let order = match inserted {
        Ok(order) => order,
        Err(error) if matches!(error.sql_err(), Some(sea_orm::SqlErr::UniqueConstraintViolation(_))) => {
            // The failed insert ends this transaction on PostgreSQL; the winner's order is read outside it.
            drop(txn);
            return open_order(db, &slot.id).await?.map(in_progress).ok_or(AppError::Internal);
        }
        Err(error) => return Err(error.into()),
    };
    let context = registration_context(&txn, &slot.registration_id).await?;
    notify(&txn, &context, "OrderPlacedNotification", Some(("orderInfo", events::order_info(&order))))
        .await?;
    email_order(
        &txn,
        settings,
        &context,
        &order,
        "We received an order for your device",
        Some(&cancel_token),
    )
    .await?;
    txn.commit().await?;
    Ok(ReplenishAnswer {
        event_instance_id: id,
        detail_code: if is_test { TEST_ORDER_PLACED } else { STANDARD_ORDER_PLACED }.into(),
    })
}

/// The answer stored for `key` within its window.
async fn stored_answer(
    conn: &impl ConnectionTrait,
    caller: &Caller,
    key: &str,
) -> Result<Option<String>, AppError> {
    let row = idempotent_answer::Entity::find_by_id((caller.registration_id.clone(), key.to_owned()))
        .one(conn)
        .await?;
    Ok(row.filter(|row| row.created_at > now() - IDEMPOTENCY_WINDOW).map(|row| row.body))
}

/// Stores the answer unless a concurrent repeat stored its own first; answers whichever was stored.
async fn store_answer(
    db: &DatabaseConnection,
    caller: &Caller,
    key: &str,
    body: String,
) -> Result<String, AppError> {
    // Past its window a key starts afresh.
    idempotent_answer::Entity::delete_many()
        .filter(idempotent_answer::Column::RegistrationId.eq(&caller.registration_id))
        .filter(idempotent_answer::Column::IdempotencyKey.eq(key))
        .filter(idempotent_answer::Column::CreatedAt.lte(now() - IDEMPOTENCY_WINDOW))
        .exec(db)
        .await?;
    idempotent_answer::Entity::insert(idempotent_answer::ActiveModel {
        registration_id: Set(caller.registration_id.clone()),
        idempotency_key: Set(key.to_owned()),
        organization_id: Set(caller.organization_id.clone()),
        body: Set(body),
        created_at: Set(now()),
    })
    .on_conflict_do_nothing_on([
        idempotent_answer::Column::RegistrationId,
        idempotent_answer::Column::IdempotencyKey,
    ])
    .exec(db)
    .await?;
    stored_answer(db, caller, key).await?.ok_or(AppError::Internal)
}

/// One order as order info reports it.
#[derive(Debug, Clone, PartialEq)]
pub struct OrderInfo {
    pub instance_id: String,
    pub asin: String,
    pub quantity: i32,
    pub slot_id: String,
    pub status: String,
    pub expected_delivery_at: DateTime<Utc>,
}

pub async fn order_info(
    db: &DatabaseConnection,
    caller: &Caller,
    instance_id: &str,
) -> Result<OrderInfo, AppError> {
    let order = replenishment_order::Entity::find_by_id(instance_id)
        .filter(replenishment_order::Column::RegistrationId.eq(&caller.registration_id))
        .filter(replenishment_order::Column::OrganizationId.eq(&caller.organization_id))
        .one(db)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(OrderInfo {
        instance_id: order.id,
        asin: order.asin,
        quantity: order.quantity,
        slot_id: order.slot_id,
        status: order.status,
        expected_delivery_at: order.expected_delivery_at,
    })
}

/// Cancels the open test orders of one slot (or of every slot), answering the slots it looked at.
pub async fn cancel_test_orders(
    db: &DatabaseConnection,
    caller: &Caller,
    slot_id: Option<&str>,
) -> Result<Vec<String>, AppError> {
    let mut slots = registration_slot::Entity::find()
        .filter(registration_slot::Column::RegistrationId.eq(&caller.registration_id))
        .filter(registration_slot::Column::OrganizationId.eq(&caller.organization_id))
        .order_by_asc(registration_slot::Column::SlotId);
    if let Some(slot_id) = slot_id {
        slots = slots.filter(registration_slot::Column::SlotId.eq(slot_id));
    }
    let slots = slots.all(db).await?;
    if slot_id.is_some() && slots.is_empty() {
        return Err(AppError::NotFound);
    }
    let at = now();
    let open = replenishment_order::Entity::find()
        .filter(replenishment_order::Column::RegistrationSlotId.is_in(slots.iter().map(|s| s.id.clone())))
        .filter(replenishment_order::Column::IsTest.eq(true))
        .filter(replenishment_order::Column::Status.is_in(OPEN))
        .all(db)
        .await?;
    let txn = transactions::begin(db).await?;
    let context = registration_context(&txn, &caller.registration_id).await?;
    for order in open {
        let won = replenishment_order::Entity::update_many()
            .col_expr(replenishment_order::Column::Status, Expr::value(CANCELLED))
            .col_expr(replenishment_order::Column::CancelledAt, Expr::value(at))
            .col_expr(replenishment_order::Column::UpdatedAt, Expr::value(at))
            .filter(replenishment_order::Column::Id.eq(&order.id))
            .filter(replenishment_order::Column::Status.eq(&order.status))
            .exec(&txn)
            .await?
            .rows_affected
            == 1;
        if won {
            let cancelled =
                replenishment_order::Model { status: CANCELLED.into(), cancelled_at: Some(at), ..order };
            notify(
                &txn,
                &context,
                "OrderCancelledNotification",
                Some(("orderInfo", events::order_info(&cancelled))),
            )
            .await?;
        }
    }
    txn.commit().await?;
    Ok(slots.into_iter().map(|s| s.slot_id).collect())
}
