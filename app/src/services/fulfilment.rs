//! The built-in fulfiller: an order leaves its hold and is placed, ships and is delivered after the
//! configured delays. Time is a parameter, so tests (and the sandbox's test clock) can move it.

use crate::entities::{registration_slot, replenishment_order, slot_approval};
use crate::error::AppError;
use crate::services::events::{email_order, notify, order_info, registration_context};
use crate::services::orders::{CANCELLED, DELIVERED, PENDING, PLACED, SHIPPED};
use crate::services::tokens::hash_secret;
use crate::services::transactions;
use crate::state::PortalSettings;
use chrono::{DateTime, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, Set,
};

/// Orders moved per step of one pass; the worker runs again at once while there is more.
const BATCH: u64 = 100;

/// One step of the lifecycle: from `from` to `to` once `due` says so.
struct Step {
    from: &'static str,
    to: &'static str,
    notification: Option<&'static str>,
    headline: &'static str,
}

const STEPS: [Step; 3] = [
    Step { from: PENDING, to: PLACED, notification: None, headline: "Your order was placed" },
    Step {
        from: PLACED,
        to: SHIPPED,
        notification: Some("ItemShippedNotification"),
        headline: "Your order shipped",
    },
    Step {
        from: SHIPPED,
        to: DELIVERED,
        notification: Some("ItemDeliveredNotification"),
        headline: "Your order was delivered",
    },
];

/// The orders of `step.from` that are due at `at`, the longest due first.
fn due(
    step: &Step,
    settings: &PortalSettings,
    at: DateTime<Utc>,
) -> sea_orm::Select<replenishment_order::Entity> {
    let (column, cutoff) = match step.from {
        PENDING => (replenishment_order::Column::HoldUntil, at),
        PLACED => (replenishment_order::Column::PlacedAt, at - settings.ship_after),
        _ => (replenishment_order::Column::ShippedAt, at - settings.deliver_after),
    };
    replenishment_order::Entity::find()
        .filter(replenishment_order::Column::Status.eq(step.from))
        .filter(column.lte(cutoff))
        .order_by_asc(column)
}

/// Moves every order that is due at `at` one step (or several, when `at` is far ahead); answers how many
/// steps were taken.
pub async fn advance_orders(
    db: &DatabaseConnection,
    settings: &PortalSettings,
    at: DateTime<Utc>,
) -> Result<usize, AppError> {
    advance(db, settings, at, None).await
}

/// The same for the orders of some registrations only: a sandbox's test clock moves its own orders.
pub async fn advance_orders_of(
    db: &DatabaseConnection,
    settings: &PortalSettings,
    at: DateTime<Utc>,
    registration_ids: &[String],
) -> Result<usize, AppError> {
    advance(db, settings, at, Some(registration_ids)).await
}

async fn advance(
    db: &DatabaseConnection,
    settings: &PortalSettings,
    at: DateTime<Utc>,
    registration_ids: Option<&[String]>,
) -> Result<usize, AppError> {
    let mut moved = 0;
    for step in &STEPS {
        let mut query = due(step, settings, at);
        if let Some(ids) = registration_ids {
            query = query.filter(replenishment_order::Column::RegistrationId.is_in(ids.iter().cloned()));
        }
        for order in query.limit(BATCH).all(db).await? {
            if transition(db, settings, &order, step).await? {
                moved += 1;
            }
        }
    }
    Ok(moved)
}

/// One order one step, compare-and-swap on its status so that two instances never both move it. The step
/// is stamped with the time it was due, not the time it ran: a clock moved days ahead takes an order
/// through every step it passed, each at its own time.
async fn transition(
    db: &DatabaseConnection,
    settings: &PortalSettings,
    order: &replenishment_order::Model,
    step: &Step,
) -> Result<bool, AppError> {
    let txn = transactions::begin(db).await?;
    let (stamp, at) = match step.to {
        PLACED => (replenishment_order::Column::PlacedAt, order.hold_until),
        SHIPPED => (
            replenishment_order::Column::ShippedAt,
            order.placed_at.unwrap_or(order.hold_until) + settings.ship_after,
        ),
        _ => (
            replenishment_order::Column::DeliveredAt,
            order.shipped_at.unwrap_or(order.hold_until) + settings.deliver_after,
        ),
    };
    let won = replenishment_order::Entity::update_many()
        .col_expr(replenishment_order::Column::Status, Expr::value(step.to))
        .col_expr(stamp, Expr::value(at))
        .col_expr(replenishment_order::Column::UpdatedAt, Expr::value(crate::services::now()))
        .filter(replenishment_order::Column::Id.eq(&order.id))
        .filter(replenishment_order::Column::Status.eq(step.from))
        .exec(&txn)
        .await?
        .rows_affected
        == 1;
    if !won {
        return Ok(false);
    }
    let moved = reload(&txn, &order.id).await?;
    if step.to == SHIPPED {
        raise_tracked_level(&txn, &moved).await?;
    }
    let context = registration_context(&txn, &order.registration_id).await?;
    if let Some(notification) = step.notification {
        notify(&txn, &context, notification, Some(("orderInfo", order_info(&moved)))).await?;
    }
    email_order(&txn, settings, &context, &moved, step.headline, None).await?;
    txn.commit().await?;
    Ok(true)
}

/// A shipped refill adds one unit size to the slot's tracked level, and ends its low spell.
async fn raise_tracked_level(
    conn: &impl ConnectionTrait,
    order: &replenishment_order::Model,
) -> Result<(), AppError> {
    let Some(registered) =
        registration_slot::Entity::find_by_id(&order.registration_slot_id).lock_exclusive().one(conn).await?
    else {
        return Ok(());
    };
    let unit_size = slot_approval::Entity::find_by_id(&registered.slot_key)
        .one(conn)
        .await?
        .and_then(|a| a.unit_size.parse::<f64>().ok())
        .unwrap_or(0.0);
    let level = registered.level.unwrap_or(0.0) + unit_size;
    let mut active: registration_slot::ActiveModel = registered.into();
    active.level = Set(Some(level));
    active.low_streak = Set(0);
    active.low_notified = Set(false);
    active.update(conn).await?;
    Ok(())
}

async fn reload(conn: &impl ConnectionTrait, order_id: &str) -> Result<replenishment_order::Model, AppError> {
    replenishment_order::Entity::find_by_id(order_id).one(conn).await?.ok_or(AppError::NotFound)
}

/// Who may cancel: the signed-in customer who owns the order, or the holder of the email's link.
pub enum Canceller<'a> {
    Customer(&'a str),
    Link(&'a str),
}

/// Cancels an order during its hold; emits `OrderCancelledNotification` and tells the customer.
pub async fn cancel_order(
    db: &DatabaseConnection,
    settings: &PortalSettings,
    order_id: &str,
    by: Canceller<'_>,
    at: DateTime<Utc>,
) -> Result<(), AppError> {
    let order = replenishment_order::Entity::find_by_id(order_id).one(db).await?.ok_or(AppError::NotFound)?;
    let allowed = match by {
        Canceller::Customer(customer_id) => {
            registration_context(db, &order.registration_id).await?.registration.customer_id == customer_id
        }
        Canceller::Link(token) => order.cancel_token_hash.as_deref() == Some(hash_secret(token).as_str()),
    };
    if !allowed {
        return Err(AppError::NotFound);
    }
    if order.status != PENDING || order.hold_until <= at {
        return Err(AppError::Refused("This order can no longer be cancelled: its hold has ended.".into()));
    }
    let txn = transactions::begin(db).await?;
    let won = replenishment_order::Entity::update_many()
        .col_expr(replenishment_order::Column::Status, Expr::value(CANCELLED))
        .col_expr(replenishment_order::Column::CancelledAt, Expr::value(at))
        .col_expr(replenishment_order::Column::UpdatedAt, Expr::value(at))
        .filter(replenishment_order::Column::Id.eq(&order.id))
        .filter(replenishment_order::Column::Status.eq(PENDING))
        .exec(&txn)
        .await?
        .rows_affected
        == 1;
    if !won {
        return Err(AppError::Refused("This order can no longer be cancelled: its hold has ended.".into()));
    }
    let cancelled = reload(&txn, &order.id).await?;
    let context = registration_context(&txn, &order.registration_id).await?;
    notify(&txn, &context, "OrderCancelledNotification", Some(("orderInfo", order_info(&cancelled)))).await?;
    email_order(&txn, settings, &context, &cancelled, "Your order was cancelled", None).await?;
    txn.commit().await?;
    Ok(())
}
