//! Low-supply thresholds per slot, set on the device's inventory tab for slots with an approved measurement.

use crate::entities::{slot, slot_approval};
use crate::error::{AppError, FieldErrors};
use crate::models::inventory::{parse_threshold, threshold_field, ThresholdRow};
use crate::models::replenishment::Measurement;
use crate::models::Role;
use crate::services::audit::{self, Actor};
use crate::services::devices::lock_device;
use crate::services::organizations::require_role;
use crate::services::sensors::threshold_of;
use crate::services::transactions;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder,
    Set,
};
use std::collections::{BTreeMap, HashMap};

async fn approved_slots(
    conn: &impl ConnectionTrait,
    organization_id: &str,
    device_id: &str,
) -> Result<Vec<(slot::Model, Measurement)>, AppError> {
    let slots = slot::Entity::find()
        .filter(slot::Column::DeviceId.eq(device_id))
        .filter(slot::Column::OrganizationId.eq(organization_id))
        .order_by_asc(slot::Column::Position)
        .all(conn)
        .await?;
    let approvals: HashMap<String, slot_approval::Model> = slot_approval::Entity::find()
        .filter(slot_approval::Column::SlotKey.is_in(slots.iter().map(|s| s.id.clone())))
        .all(conn)
        .await?
        .into_iter()
        .map(|a| (a.slot_key.clone(), a))
        .collect();
    Ok(slots
        .into_iter()
        .filter_map(|s| {
            let approval = approvals.get(&s.id)?;
            let measurement = Measurement::parse(&approval.measurement, &approval.unit).ok()?;
            Some((s, measurement))
        })
        .collect())
}

pub async fn load_thresholds(
    db: &DatabaseConnection,
    user_id: &str,
    organization_id: &str,
    device_id: &str,
) -> Result<Vec<ThresholdRow>, AppError> {
    crate::services::organizations::member_role(db, organization_id, user_id).await?;
    let slots = approved_slots(db, organization_id, device_id).await?;
    Ok(slots
        .into_iter()
        .map(|(s, measurement)| {
            let default = threshold_of(&slot::Model { low_threshold: None, ..s.clone() }, &measurement);
            ThresholdRow {
                is_percentage: measurement == Measurement::Percentage,
                measurement: measurement.label(),
                threshold: s.low_threshold.clone().unwrap_or_default(),
                default: format!("{default}"),
                key: s.id,
                slot_id: s.slot_id,
            }
        })
        .collect())
}

/// Saves every threshold of the form at once, or none when one is refused.
pub async fn save_thresholds(
    db: &DatabaseConnection,
    actor: &Actor,
    organization_id: &str,
    device_id: &str,
    thresholds: &BTreeMap<String, String>,
) -> Result<(), AppError> {
    require_role(db, organization_id, &actor.user_id, Role::can_edit).await?;
    let txn = transactions::begin(db).await?;
    lock_device(&txn, organization_id, device_id).await?;
    let slots = approved_slots(&txn, organization_id, device_id).await?;
    let mut errors = FieldErrors::new();
    let mut parsed = Vec::new();
    for (slot, measurement) in slots {
        let field = threshold_field(&slot.id);
        let raw = thresholds.get(&format!("slot-{}", slot.id)).cloned().unwrap_or_default();
        errors = errors.keep(&field, &raw);
        if let Some(value) =
            errors.check(&field, parse_threshold(&raw, measurement == Measurement::Percentage))
        {
            parsed.push((slot, value));
        }
    }
    if !errors.messages.is_empty() {
        return Err(AppError::Validation(errors));
    }
    let mut summary = Vec::new();
    for (slot, value) in parsed {
        summary.push(format!("{}: {}", slot.slot_id, value.as_deref().unwrap_or("default")));
        let mut active: slot::ActiveModel = slot.into();
        active.low_threshold = Set(value);
        active.update(&txn).await?;
    }
    audit::record(
        &txn,
        Some(organization_id),
        Some(actor),
        "device.thresholds_saved",
        device_id,
        &summary.join(", "),
    )
    .await?;
    txn.commit().await?;
    Ok(())
}
