//! A device's inventory: saving every slot row in one transaction, and the slots' localized names.

use crate::entities::{consumable_category, device_marketplace, slot, slot_name};
use crate::error::{AppError, FieldErrors};
use crate::models::inventory::{
    check_inventory, row_field, slot_name_field, slot_name_group, typed_rows, SlotChange, SlotRowInput,
};
use crate::models::{CustomerFacingName, Role};
use crate::services::audit::{self, Actor};
use crate::services::devices::{find_device, lock_device};
use crate::services::organizations::require_role;
use crate::services::transactions;
use crate::services::{now, tokens::new_id};
use sea_orm::{ActiveModelTrait, ColumnTrait, DatabaseConnection, EntityTrait, ModelTrait, QueryFilter, Set};
use std::collections::{BTreeMap, HashMap, HashSet};

/// Stores every row of the inventory form, or nothing: a bad row (or a slot that cannot be deleted)
/// refuses the whole save with each problem marked on its row.
pub async fn save_inventory(
    db: &DatabaseConnection,
    actor: &Actor,
    organization_id: &str,
    device_id: &str,
    rows: &BTreeMap<String, SlotRowInput>,
) -> Result<(), AppError> {
    require_role(db, organization_id, &actor.user_id, Role::can_edit).await?;
    let txn = transactions::begin(db).await?;
    let device = lock_device(&txn, organization_id, device_id).await?;
    let changes = check_inventory(rows).map_err(AppError::Validation)?;
    // The reviewers decide on the slots they were sent; the inventory waits for their decision.
    if crate::services::requests::under_review(&txn, organization_id, device_id).await? {
        return Err(typed_rows(rows).refuse(
            "A replenishment-ID request for this device is waiting for review. Withdraw it to change the slots.",
        ));
    }
    let existing: HashMap<String, slot::Model> = slot::Entity::find()
        .filter(slot::Column::DeviceId.eq(device_id))
        .filter(slot::Column::OrganizationId.eq(organization_id))
        .all(&txn)
        .await?
        .into_iter()
        .map(|s| (s.id.clone(), s))
        .collect();
    let categories: HashSet<String> =
        consumable_category::Entity::find().all(&txn).await?.into_iter().map(|c| c.code).collect();

    // Checks that need the database, marked on the row they concern.
    let mut errors = typed_rows(rows);
    let row_of_key: HashMap<&str, &String> =
        rows.iter().filter(|(_, r)| !r.key.is_empty()).map(|(name, r)| (r.key.as_str(), name)).collect();
    let mut mentioned = HashSet::new();
    for change in &changes {
        match change {
            SlotChange::Delete { key } => {
                mentioned.insert(key.as_str());
                let row = row_of_key.get(key.as_str()).map(|s| s.as_str()).unwrap_or_default();
                match existing.get(key) {
                    Some(stored) if stored.replenishment_id.is_some() => errors.add(
                        &row_field(row, "slot_id"),
                        format!(
                            "Slot “{}” has an issued replenishment ID and cannot be deleted.",
                            stored.slot_id
                        ),
                    ),
                    Some(_) => {}
                    None => {
                        errors.add(&row_field(row, "slot_id"), "This slot no longer exists. Reload the page.")
                    }
                }
            }
            SlotChange::Keep { key, slot_id, category, .. } => {
                mentioned.insert(key.as_str());
                let row = row_of_key.get(key.as_str()).map(|s| s.as_str()).unwrap_or_default();
                match existing.get(key) {
                    None => {
                        errors.add(&row_field(row, "slot_id"), "This slot no longer exists. Reload the page.")
                    }
                    // The slot ID is the instance devices and skills report under, and the category was
                    // reviewed: both stay as approved.
                    Some(stored) if stored.replenishment_id.is_some() => {
                        if stored.slot_id != slot_id.as_str() {
                            errors.add(
                                &row_field(row, "slot_id"),
                                format!(
                                    "Slot “{}” has an issued replenishment ID, so its slot ID cannot change.",
                                    stored.slot_id
                                ),
                            );
                        }
                        if stored.category_code != *category {
                            errors.add(
                                &row_field(row, "category"),
                                "This slot has an issued replenishment ID, so its category cannot change.",
                            );
                        }
                    }
                    Some(_) => {}
                }
                if !categories.contains(category) {
                    errors.add(&row_field(row, "category"), "Choose a consumable category from the list.");
                }
            }
            SlotChange::Add { category, .. } => {
                if !categories.contains(category) {
                    let row = rows
                        .iter()
                        .find(|(_, r)| r.key.is_empty() && r.category.trim() == category)
                        .map(|(name, _)| name.as_str())
                        .unwrap_or_default();
                    errors.add(&row_field(row, "category"), "Choose a consumable category from the list.");
                }
            }
        }
    }
    // A slot missing from the form was added or changed elsewhere since the page loaded; saving would
    // silently keep it in an unexpected position, so the maker reloads first.
    if existing.keys().any(|key| !mentioned.contains(key.as_str())) {
        errors.form =
            Some("The inventory changed since this page loaded. Reload the page and save again.".into());
    }
    if !errors.is_empty() {
        if errors.form.is_none() {
            errors.form = Some("Some slots need correcting; nothing was saved.".into());
        }
        return Err(AppError::Validation(errors));
    }

    // Deletions first, then every kept slot under a temporary ID so that swapping two IDs never trips the
    // unique index, then the final values and the new slots.
    let mut summary = Vec::new();
    let mut kept = Vec::new();
    for change in changes {
        match change {
            SlotChange::Delete { key } => {
                if let Some(stored) = existing.get(&key) {
                    summary.push(format!("deleted {}", stored.slot_id));
                    // The condition repeats the check above in the statement itself, so that an ID issued
                    // meanwhile is never deleted.
                    let deleted = slot::Entity::delete_many()
                        .filter(slot::Column::Id.eq(key.as_str()))
                        .filter(slot::Column::ReplenishmentId.is_null())
                        .exec(&txn)
                        .await?;
                    if deleted.rows_affected != 1 {
                        return Err(changed_meanwhile(typed_rows(rows)));
                    }
                }
            }
            SlotChange::Keep { key, slot_id, category, position } => {
                if let Some(stored) = existing.get(&key) {
                    if stored.slot_id != slot_id.as_str()
                        || stored.category_code != category
                        || stored.position != position
                    {
                        summary.push(format!("updated {}", slot_id.as_str()));
                    }
                    let mut active: slot::ActiveModel = stored.clone().into();
                    active.slot_id = Set(format!("~{key}"));
                    let stored = active.update(&txn).await?;
                    kept.push((stored, slot_id, category, position));
                }
            }
            SlotChange::Add { slot_id, category, position } => {
                summary.push(format!("added {}", slot_id.as_str()));
                kept.push((
                    slot::ActiveModel {
                        id: Set(new_id()),
                        organization_id: Set(organization_id.to_owned()),
                        device_id: Set(device_id.to_owned()),
                        slot_id: Set(format!("~{}", new_id())),
                        category_code: Set(category.clone()),
                        position: Set(position),
                        replenishment_id: Set(None),
                        created_at: Set(now()),
                        low_threshold: Set(None),
                    }
                    .insert(&txn)
                    .await?,
                    slot_id,
                    category,
                    position,
                ));
            }
        }
    }
    for (stored, slot_id, category, position) in kept {
        let mut active: slot::ActiveModel = stored.into();
        active.slot_id = Set(slot_id.as_str().to_owned());
        active.category_code = Set(category);
        active.position = Set(position);
        active.update(&txn).await?;
    }
    if !summary.is_empty() {
        crate::services::certification_review::mark_changed(&txn, organization_id, device_id, None).await?;
        audit::record(
            &txn,
            Some(organization_id),
            Some(actor),
            "inventory.saved",
            &device.model_id,
            &summary.join("; "),
        )
        .await?;
    }
    txn.commit().await?;
    Ok(())
}

fn changed_meanwhile(mut errors: crate::error::FieldErrors) -> AppError {
    errors.form =
        Some("The inventory changed since this page loaded. Reload the page and save again.".into());
    AppError::Validation(errors)
}

/// Sets the customer-facing name of every slot in every enabled marketplace. An empty field clears a
/// name; every field is checked before anything is stored.
pub async fn localize_slots(
    db: &DatabaseConnection,
    actor: &Actor,
    organization_id: &str,
    device_id: &str,
    names: &BTreeMap<String, BTreeMap<String, String>>,
) -> Result<(), AppError> {
    require_role(db, organization_id, &actor.user_id, Role::can_edit).await?;
    let device = find_device(db, organization_id, device_id).await?;
    let slots = slot::Entity::find()
        .filter(slot::Column::DeviceId.eq(device_id))
        .filter(slot::Column::OrganizationId.eq(organization_id))
        .all(db)
        .await?;
    let enabled: HashSet<String> = device_marketplace::Entity::find()
        .filter(device_marketplace::Column::DeviceId.eq(device_id))
        .filter(device_marketplace::Column::OrganizationId.eq(organization_id))
        .all(db)
        .await?
        .into_iter()
        .map(|m| m.marketplace_code)
        .collect();
    let mut errors = FieldErrors::new();
    for (group, by_code) in names {
        for (code, value) in by_code {
            errors.values.insert(format!("names[{group}][{code}]"), value.clone());
        }
    }
    let mut wanted = Vec::new();
    for stored in &slots {
        let Some(by_code) = names.get(&slot_name_group(&stored.id)) else { continue };
        for (code, raw) in by_code {
            if !enabled.contains(code) {
                continue;
            }
            if raw.trim().is_empty() {
                wanted.push((stored, code.clone(), None));
            } else if let Some(name) =
                errors.check(&slot_name_field(&stored.id, code), CustomerFacingName::parse(raw))
            {
                wanted.push((stored, code.clone(), Some(name.as_str().to_owned())));
            }
        }
    }
    if !errors.messages.is_empty() {
        return Err(AppError::Validation(errors));
    }
    let txn = transactions::begin(db).await?;
    let current: HashMap<(String, String), slot_name::Model> = slot_name::Entity::find()
        .filter(slot_name::Column::OrganizationId.eq(organization_id))
        .filter(slot_name::Column::SlotKey.is_in(slots.iter().map(|s| s.id.clone())))
        .all(&txn)
        .await?
        .into_iter()
        .map(|n| ((n.slot_key.clone(), n.marketplace_code.clone()), n))
        .collect();
    let mut changed = Vec::new();
    let mut changed_codes = Vec::new();
    for (stored, code, name) in wanted {
        match (current.get(&(stored.id.clone(), code.clone())), name) {
            (Some(row), None) => {
                row.clone().delete(&txn).await?;
                changed.push(format!("{} {code}: (cleared)", stored.slot_id));
                changed_codes.push(code);
            }
            (Some(row), Some(name)) if row.name != name => {
                let mut active: slot_name::ActiveModel = row.clone().into();
                active.name = Set(name.clone());
                active.update(&txn).await?;
                changed.push(format!("{} {code}: {name}", stored.slot_id));
                changed_codes.push(code);
            }
            (None, Some(name)) => {
                slot_name::ActiveModel {
                    id: Set(new_id()),
                    organization_id: Set(organization_id.to_owned()),
                    slot_key: Set(stored.id.clone()),
                    marketplace_code: Set(code.clone()),
                    name: Set(name.clone()),
                }
                .insert(&txn)
                .await?;
                changed.push(format!("{} {code}: {name}", stored.slot_id));
                changed_codes.push(code);
            }
            _ => {}
        }
    }
    if !changed.is_empty() {
        crate::services::certification_review::mark_changed(
            &txn,
            organization_id,
            device_id,
            Some(changed_codes),
        )
        .await?;
        audit::record(
            &txn,
            Some(organization_id),
            Some(actor),
            "slots.localized",
            &device.model_id,
            &changed.join("; "),
        )
        .await?;
    }
    txn.commit().await?;
    Ok(())
}
