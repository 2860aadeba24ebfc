//! The DRS calls about a registration's state: slot status, device status, subscription info and
//! deregistration. Every lookup is scoped by the caller's registration and organization.

use crate::entities::{registration, registration_slot, slot_approval};
use crate::error::AppError;
use crate::services::oauth::Caller;
use crate::services::transactions;
use crate::services::{now, registrations};
use chrono::{DateTime, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder};
use std::collections::HashMap;
use std::hash::{Hash, Hasher};
use tokio::sync::{mpsc, oneshot};

/// A slot status report, already checked (numbers non-negative, dates parsed).
#[derive(Debug, Clone, PartialEq)]
pub struct SlotStatus {
    pub expected_replenishment_at: DateTime<Utc>,
    pub remaining_quantity: f64,
    pub original_quantity: f64,
    pub total_quantity_on_hand: f64,
    pub last_use_at: DateTime<Utc>,
}

/// How many reports one transaction takes at most.
const BATCH: usize = 256;

type Report = (Caller, String, SlotStatus, oneshot::Sender<Result<(), AppError>>);

/// Writes slot status reports in batches: whatever arrived while the previous batch committed goes into
/// one transaction, so concurrent devices share a commit (one fsync on SQLite) instead of queueing for
/// one each. Every caller is answered only after its batch committed.
///
/// SQLite has one writer connection, so one task; PostgreSQL commits on several connections at once, so
/// reports are spread over a few tasks, always the same one for a slot so its reports stay in order.
#[derive(Clone, Debug)]
pub struct SlotStatusWriter {
    queues: Vec<mpsc::Sender<Report>>,
}

impl SlotStatusWriter {
    /// Starts the writer tasks on the runtime.
    pub fn start(db: DatabaseConnection) -> Self {
        let writers = match db.get_database_backend() {
            sea_orm::DbBackend::Sqlite => 1,
            _ => 4,
        };
        Self { queues: (0..writers).map(|_| Self::spawn_writer(db.clone())).collect() }
    }

    fn spawn_writer(db: DatabaseConnection) -> mpsc::Sender<Report> {
        let (queue, mut incoming) = mpsc::channel::<Report>(BATCH * 4);
        crate::tasks::spawn_essential(async move {
            while let Some(first) = incoming.recv().await {
                let mut batch = vec![first];
                while batch.len() < BATCH {
                    match incoming.try_recv() {
                        Ok(report) => batch.push(report),
                        Err(_) => break,
                    }
                }
                let outcomes = write_batch(&db, &batch).await;
                for ((_, _, _, reply), outcome) in batch.into_iter().zip(outcomes) {
                    let _ = reply.send(outcome);
                }
            }
        });
        queue
    }

    /// Stores the latest status of one slot; `NotFound` when the slot is not the caller's.
    pub async fn report(&self, caller: &Caller, slot_id: &str, status: SlotStatus) -> Result<(), AppError> {
        let (reply, answer) = oneshot::channel();
        let mut hasher = std::collections::hash_map::DefaultHasher::new();
        (&caller.registration_id, slot_id).hash(&mut hasher);
        let queue = &self.queues[(hasher.finish() % self.queues.len() as u64) as usize];
        queue
            .send((caller.clone(), slot_id.to_owned(), status, reply))
            .await
            .map_err(|_| AppError::Internal)?;
        answer.await.map_err(|_| AppError::Internal)?
    }
}

/// One transaction for the batch. A slot reported several times in one batch is written once, with its
/// last report: the same state as writing each in turn inside the transaction. A failed commit fails them
/// all.
async fn write_batch(db: &DatabaseConnection, batch: &[Report]) -> Vec<Result<(), AppError>> {
    let mut last_of: HashMap<(&str, &str, &str), usize> = HashMap::new();
    for (index, (caller, slot_id, _, _)) in batch.iter().enumerate() {
        last_of.insert((&caller.registration_id, &caller.organization_id, slot_id), index);
    }
    let written = async {
        let txn = transactions::begin(db).await?;
        let at = now();
        let mut outcomes = HashMap::with_capacity(last_of.len());
        for (key, index) in &last_of {
            let (caller, slot_id, status, _) = &batch[*index];
            outcomes.insert(*key, update_slot_status(&txn, caller, slot_id, status, at).await?);
        }
        txn.commit().await?;
        Ok::<_, AppError>(outcomes)
    }
    .await;
    batch
        .iter()
        .map(|(caller, slot_id, _, _)| match &written {
            Ok(outcomes) => outcomes
                .get(&(caller.registration_id.as_str(), caller.organization_id.as_str(), slot_id.as_str()))
                .cloned()
                .unwrap_or(Err(AppError::Internal)),
            Err(error) => Err(error.clone()),
        })
        .collect()
}

async fn update_slot_status(
    conn: &impl ConnectionTrait,
    caller: &Caller,
    slot_id: &str,
    status: &SlotStatus,
    at: DateTime<Utc>,
) -> Result<Result<(), AppError>, AppError> {
    let updated = registration_slot::Entity::update_many()
        .col_expr(
            registration_slot::Column::ExpectedReplenishmentAt,
            Expr::value(status.expected_replenishment_at),
        )
        .col_expr(registration_slot::Column::RemainingQuantity, Expr::value(status.remaining_quantity))
        .col_expr(registration_slot::Column::OriginalQuantity, Expr::value(status.original_quantity))
        .col_expr(registration_slot::Column::TotalQuantityOnHand, Expr::value(status.total_quantity_on_hand))
        .col_expr(registration_slot::Column::LastUseAt, Expr::value(status.last_use_at))
        .col_expr(registration_slot::Column::StatusReportedAt, Expr::value(at))
        .filter(registration_slot::Column::RegistrationId.eq(&caller.registration_id))
        .filter(registration_slot::Column::SlotId.eq(slot_id))
        .filter(registration_slot::Column::OrganizationId.eq(&caller.organization_id))
        .exec(conn)
        .await?;
    Ok(if updated.rows_affected == 0 { Err(AppError::NotFound) } else { Ok(()) })
}

pub async fn report_device_status(
    db: &DatabaseConnection,
    caller: &Caller,
    most_recently_active: DateTime<Utc>,
) -> Result<(), AppError> {
    registration::Entity::update_many()
        .col_expr(registration::Column::LastActiveAt, Expr::value(most_recently_active))
        .filter(registration::Column::Id.eq(&caller.registration_id))
        .filter(registration::Column::OrganizationId.eq(&caller.organization_id))
        .exec(db)
        .await?;
    Ok(())
}

/// One slot's subscription: the chosen product (none = notify me only) and its approved unit.
#[derive(Debug, Clone, PartialEq)]
pub struct SlotSubscription {
    pub slot_id: String,
    pub asin: Option<String>,
    pub unit_size: String,
    pub unit: String,
}

pub async fn subscription_info(
    db: &DatabaseConnection,
    caller: &Caller,
) -> Result<Vec<SlotSubscription>, AppError> {
    let slots = registration_slot::Entity::find()
        .filter(registration_slot::Column::RegistrationId.eq(&caller.registration_id))
        .filter(registration_slot::Column::OrganizationId.eq(&caller.organization_id))
        .order_by_asc(registration_slot::Column::SlotId)
        .all(db)
        .await?;
    let approvals: HashMap<String, slot_approval::Model> = slot_approval::Entity::find()
        .filter(slot_approval::Column::SlotKey.is_in(slots.iter().map(|s| s.slot_key.clone())))
        .filter(slot_approval::Column::OrganizationId.eq(&caller.organization_id))
        .all(db)
        .await?
        .into_iter()
        .map(|a| (a.slot_key.clone(), a))
        .collect();
    Ok(slots
        .into_iter()
        .map(|slot| {
            let approval = approvals.get(&slot.slot_key);
            SlotSubscription {
                unit_size: approval.map(|a| a.unit_size.clone()).unwrap_or_default(),
                // Counted consumables have no unit of measure; DRS clients expect "count" there.
                unit: approval
                    .map(|a| a.unit.clone())
                    .filter(|u| !u.is_empty())
                    .unwrap_or_else(|| "count".into()),
                slot_id: slot.slot_id,
                asin: slot.asin,
            }
        })
        .collect())
}

/// Ends the caller's registration. The v1 path names the model and serial, which must be the caller's.
pub async fn deregister(
    db: &DatabaseConnection,
    caller: &Caller,
    named: Option<(&str, &str)>,
) -> Result<(), AppError> {
    let registration = registrations::live(db, &caller.registration_id).await?;
    if let Some((model_id, serial)) = named {
        let device = crate::entities::device::Entity::find_by_id(&registration.device_id).one(db).await?;
        if device.is_none_or(|d| d.model_id != model_id) || registration.serial != serial {
            return Err(AppError::NotFound);
        }
    }
    let txn = transactions::begin(db).await?;
    registrations::deregister_and_notify(&txn, &registration.id, now()).await?;
    txn.commit().await?;
    Ok(())
}
