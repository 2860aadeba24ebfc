//! Inventory-sensor readings (`POST /v3/events`): checked against the slot's approved sensor and
//! measurement, stored, and acted on: one low-supply notice per low spell, and an automatic order after
//! three consecutive low readings when the customer chose automatic reorder.

use crate::entities::{registration, registration_slot, slot, slot_approval, slot_reading};
use crate::error::AppError;
use crate::models::replenishment::{Measurement, SensorType};
use crate::services::events::{notify, registration_context};
use crate::services::mail::{queue_email, OutgoingEmail};
use crate::services::now;
use crate::services::oauth::Caller;
use crate::services::orders::{open_order, place_order};
use crate::services::tokens::new_id;
use crate::services::transactions;
use crate::state::PortalSettings;
use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QuerySelect, Set,
};
use serde_json::json;

/// Low readings in a row that place an order for a slot on automatic reorder.
pub const LOW_READINGS_TO_ORDER: i32 = 3;

/// What a sensor reported.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReadingKind {
    /// The amount left (`Alexa.InventoryLevelSensor`'s `level`).
    Level,
    /// An amount used up (`InventoryConsumed`).
    Usage,
    /// The consumable was replaced with a full one (`InventoryReplaced`).
    Replacement,
}

impl ReadingKind {
    fn as_str(self) -> &'static str {
        match self {
            ReadingKind::Level => "level",
            ReadingKind::Usage => "usage",
            ReadingKind::Replacement => "replacement",
        }
    }
}

/// One reading, as the wire layer parsed it.
#[derive(Debug, Clone, PartialEq)]
pub struct Reading {
    pub slot_id: String,
    pub interface: SensorType,
    pub kind: ReadingKind,
    /// `@type`: Count, Percentage, Volume or Weight (none for a replacement).
    pub measurement: Option<String>,
    pub value: f64,
    /// The Alexa unit name, for volume and weight.
    pub unit: Option<String>,
    pub sampled_at: DateTime<Utc>,
}

/// The threshold a slot uses: the maker's, or 20 % for percentages and 1 unit otherwise.
pub fn threshold_of(slot: &slot::Model, measurement: &Measurement) -> f64 {
    slot.low_threshold.as_deref().and_then(|t| t.parse::<f64>().ok()).unwrap_or(match measurement {
        Measurement::Percentage => 20.0,
        _ => 1.0,
    })
}

/// Checks the reading against what approval fixed for the slot.
fn check(reading: &Reading, approval: &slot_approval::Model) -> Result<Measurement, AppError> {
    let refuse = |message: String| Err(AppError::Refused(message));
    let sensor = SensorType::parse(&approval.sensor_type).map_err(|_| AppError::Internal)?;
    if sensor != reading.interface {
        return refuse(format!(
            "slot {} reports with the {} sensor, not {}",
            reading.slot_id,
            sensor.as_str(),
            reading.interface.as_str()
        ));
    }
    let measurement =
        Measurement::parse(&approval.measurement, &approval.unit).map_err(|_| AppError::Internal)?;
    if reading.kind == ReadingKind::Replacement {
        return Ok(measurement);
    }
    if reading.measurement.as_deref() != Some(measurement.kind()) {
        return refuse(format!(
            "slot {} measures {}; the reading is {}",
            reading.slot_id,
            measurement.kind(),
            reading.measurement.as_deref().unwrap_or("untyped")
        ));
    }
    if measurement.alexa_unit().is_some() && reading.unit.as_deref() != measurement.alexa_unit() {
        return refuse(format!(
            "slot {} measures in {}; the reading is in {}",
            reading.slot_id,
            measurement.alexa_unit().unwrap_or_default(),
            reading.unit.as_deref().unwrap_or("no unit")
        ));
    }
    if !reading.value.is_finite() || reading.value < 0.0 {
        return refuse("a reading must be a number, not negative".into());
    }
    if measurement == Measurement::Percentage && reading.value > 100.0 {
        return refuse("a percentage is at most 100".into());
    }
    Ok(measurement)
}

/// Records the readings in order; every one is checked before any is stored.
pub async fn record_readings(
    db: &DatabaseConnection,
    settings: &PortalSettings,
    caller: &Caller,
    readings: &[Reading],
) -> Result<(), AppError> {
    let mut checked = Vec::with_capacity(readings.len());
    for reading in readings {
        let slot = registration_slot::Entity::find()
            .filter(registration_slot::Column::RegistrationId.eq(&caller.registration_id))
            .filter(registration_slot::Column::OrganizationId.eq(&caller.organization_id))
            .filter(registration_slot::Column::SlotId.eq(&reading.slot_id))
            .one(db)
            .await?
            .ok_or(AppError::NotFound)?;
        let approval =
            slot_approval::Entity::find_by_id(&slot.slot_key).one(db).await?.ok_or(AppError::NotFound)?;
        let measurement = check(reading, &approval)?;
        checked.push((reading, slot, approval, measurement));
    }
    for (reading, slot, approval, measurement) in checked {
        record_one(db, settings, caller, reading, slot, &approval, &measurement).await?;
    }
    Ok(())
}

async fn record_one(
    db: &DatabaseConnection,
    settings: &PortalSettings,
    caller: &Caller,
    reading: &Reading,
    registered: registration_slot::Model,
    approval: &slot_approval::Model,
    measurement: &Measurement,
) -> Result<(), AppError> {
    let maker_slot =
        slot::Entity::find_by_id(&registered.slot_key).one(db).await?.ok_or(AppError::NotFound)?;
    let threshold = threshold_of(&maker_slot, measurement);
    let txn = transactions::begin(db).await?;
    // Read again under a lock: concurrent readings and a shipment's refill each build on the last one.
    let registered = registration_slot::Entity::find_by_id(&registered.id)
        .lock_exclusive()
        .one(&txn)
        .await?
        .ok_or(AppError::NotFound)?;
    let unit_size = approval.unit_size.parse::<f64>().unwrap_or(0.0);
    let level = match reading.kind {
        ReadingKind::Level => Some(reading.value),
        // Until a level is tracked, the remaining quantity of the last slot status report is the start.
        ReadingKind::Usage => {
            registered.level.or(registered.remaining_quantity).map(|level| (level - reading.value).max(0.0))
        }
        ReadingKind::Replacement => Some(unit_size),
    };
    let low = level.is_some_and(|level| level <= threshold);
    let streak = if low { registered.low_streak + 1 } else { 0 };
    let first_low = low && !registered.low_notified;

    slot_reading::ActiveModel {
        id: Set(new_id()),
        organization_id: Set(caller.organization_id.clone()),
        registration_slot_id: Set(registered.id.clone()),
        kind: Set(reading.kind.as_str().to_owned()),
        value: Set(reading.value),
        unit: Set(reading.unit.clone().unwrap_or_default()),
        sampled_at: Set(reading.sampled_at),
        created_at: Set(now()),
    }
    .insert(&txn)
    .await?;
    let mut active: registration_slot::ActiveModel = registered.clone().into();
    active.level = Set(level);
    active.low_streak = Set(streak);
    active.low_notified = Set(low);
    active.update(&txn).await?;
    if first_low {
        let context = registration_context(&txn, &caller.registration_id).await?;
        let level = level.unwrap_or_default();
        let detail = json!({
            "slotId": registered.slot_id,
            "level": level,
            "threshold": threshold,
            "measurement": measurement.kind(),
            "unit": measurement.alexa_unit(),
        });
        notify(&txn, &context, "LowSupplyNotification", Some(("lowSupplyInfo", detail))).await?;
        let plan = if registered.asin.is_some() {
            "It will be reordered automatically if it stays low."
        } else {
            "You chose to be notified only: order a refill when it suits you."
        };
        let email = OutgoingEmail::compose(
            &context.customer_email,
            &format!("Running low: {}", registered.slot_id),
            &[
                format!(
                    "Your device reports {level} {} left in slot {}, at or below {threshold}.",
                    measurement.unit(),
                    registered.slot_id
                ),
                plan.to_owned(),
            ],
            Some(("Your devices and orders", &settings.link("/my"))),
        );
        queue_email(&txn, email).await?;
    }
    txn.commit().await?;

    if streak >= LOW_READINGS_TO_ORDER {
        if let Some(asin) = &registered.asin {
            if open_order(db, &registered.id).await?.is_none() {
                let is_test = registration::Entity::find_by_id(&caller.registration_id)
                    .one(db)
                    .await?
                    .is_some_and(|r| r.is_test);
                place_order(db, settings, &registered, asin, is_test).await?;
            }
        }
    }
    Ok(())
}
