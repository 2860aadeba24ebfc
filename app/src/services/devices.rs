//! Devices: registration, marketplaces, localized names and deletion (`device_pages` loads the pages).
//! Every query is scoped by the organization; a device of another organization is `NotFound`.

use crate::entities::{consumable_category, device, device_marketplace, marketplace, slot};
use crate::error::{AppError, FieldErrors};
use crate::models::{
    parse_category_code, parse_marketplace_code, Catalogues, ConsumableCategory, CustomerFacingName,
    DeviceKind, DeviceName, Marketplace, ModelId, Role,
};
use crate::services::audit::{self, Actor};
use crate::services::organizations::require_role;
use crate::services::transactions;
use crate::services::{now, tokens::new_id};
use rand::Rng;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, ModelTrait,
    PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, Set,
};
use std::collections::BTreeMap;

/// What the registration form submits, as typed; `register_device` checks every field.
#[derive(Debug, Clone, Default)]
pub struct Registration {
    pub kind: String,
    pub name: String,
    pub model_id: String,
    pub device_type: String,
    pub marketplace: String,
    pub category: String,
}

/// The marketplaces and consumable categories, in their catalogue order. They are reference data that
/// only migrations write, before a server serves, and every database of one build holds the same: read
/// once per process, they cost pages no query.
pub async fn load_catalogues(conn: &impl ConnectionTrait) -> Result<Catalogues, AppError> {
    static CATALOGUES: tokio::sync::OnceCell<Catalogues> = tokio::sync::OnceCell::const_new();
    CATALOGUES.get_or_try_init(|| read_catalogues(conn)).await.cloned()
}

async fn read_catalogues(conn: &impl ConnectionTrait) -> Result<Catalogues, AppError> {
    let marketplaces =
        marketplace::Entity::find().order_by_asc(marketplace::Column::Position).all(conn).await?;
    let categories = consumable_category::Entity::find()
        .order_by_asc(consumable_category::Column::Position)
        .all(conn)
        .await?;
    Ok(Catalogues {
        marketplaces: marketplaces.into_iter().map(marketplace_view).collect(),
        categories: categories
            .into_iter()
            .map(|c| ConsumableCategory { code: c.code, name: c.name })
            .collect(),
    })
}

fn marketplace_view(m: marketplace::Model) -> Marketplace {
    Marketplace { code: m.code, name: m.name, domain: m.domain, locale: m.locale, currency: m.currency }
}

/// A model ID no device of the organization uses yet.
pub async fn generate_model_id(
    conn: &impl ConnectionTrait,
    organization_id: &str,
) -> Result<String, AppError> {
    const ALPHABET: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    for _ in 0..8 {
        let suffix: String = {
            let mut rng = rand::thread_rng();
            (0..10).map(|_| ALPHABET[rng.gen_range(0..ALPHABET.len())] as char).collect()
        };
        let candidate = format!("RPL-{suffix}");
        if !model_id_taken(conn, organization_id, &candidate).await? {
            return Ok(candidate);
        }
    }
    tracing::error!(organization_id, "could not generate a free model ID");
    Err(AppError::Internal)
}

async fn model_id_taken(
    conn: &impl ConnectionTrait,
    organization_id: &str,
    model_id: &str,
) -> Result<bool, AppError> {
    Ok(device::Entity::find()
        .filter(device::Column::OrganizationId.eq(organization_id))
        .filter(device::Column::ModelId.eq(model_id))
        .count(conn)
        .await?
        > 0)
}

/// Registers a device with its primary marketplace and first slot. Returns the device's key.
pub async fn register_device(
    db: &DatabaseConnection,
    actor: &Actor,
    organization_id: &str,
    input: &Registration,
) -> Result<String, AppError> {
    require_role(db, organization_id, &actor.user_id, Role::can_edit).await?;
    let mut errors = FieldErrors::new()
        .keep("kind", &input.kind)
        .keep("name", &input.name)
        .keep("model_id", &input.model_id)
        .keep("device_type", &input.device_type)
        .keep("marketplace", &input.marketplace)
        .keep("category", &input.category);
    let kind = errors.check("kind", DeviceKind::parse(&input.kind));
    let name = errors.check("name", DeviceName::parse(&input.name));
    let model_id = errors.check("model_id", ModelId::parse(&input.model_id));
    let device_type =
        kind.and_then(|kind| errors.check("device_type", kind.parse_device_type(&input.device_type)));
    let marketplace_code = errors.check("marketplace", parse_marketplace_code(&input.marketplace));
    let category = errors.check("category", parse_category_code(&input.category));
    if let Some(code) = &marketplace_code {
        if marketplace::Entity::find_by_id(code.as_str()).one(db).await?.is_none() {
            errors.add("marketplace", "Choose a marketplace from the list.");
        }
    }
    if let Some(code) = &category {
        if consumable_category::Entity::find_by_id(code.as_str()).one(db).await?.is_none() {
            errors.add("category", "Choose a consumable category from the list.");
        }
    }
    if let Some(model_id) = &model_id {
        if model_id_taken(db, organization_id, model_id.as_str()).await? {
            errors.add("model_id", taken_message(model_id.as_str()));
        }
    }
    let (Some(kind), Some(name), Some(model_id), Some(device_type), Some(marketplace_code), Some(category)) =
        (kind, name, model_id, device_type, marketplace_code, category)
    else {
        return Err(AppError::Validation(errors));
    };
    if !errors.is_empty() {
        return Err(AppError::Validation(errors));
    }

    let device_id = new_id();
    let at = now();
    let txn = transactions::begin(db).await?;
    let inserted = device::ActiveModel {
        id: Set(device_id.clone()),
        organization_id: Set(organization_id.to_owned()),
        kind: Set(kind.as_str().to_owned()),
        name: Set(name.as_str().to_owned()),
        model_id: Set(model_id.as_str().to_owned()),
        device_type: Set(device_type.map(|t| t.as_str().to_owned())),
        created_at: Set(at),
        updated_at: Set(at),
        sandbox_clock_seconds: Set(0),
    }
    .insert(&txn)
    .await;
    if let Err(error) = inserted {
        // Two registrations racing for one model ID: the unique index decides.
        if matches!(error.sql_err(), Some(sea_orm::SqlErr::UniqueConstraintViolation(_))) {
            let mut errors = errors;
            errors.add("model_id", taken_message(model_id.as_str()));
            return Err(AppError::Validation(errors));
        }
        return Err(error.into());
    }
    device_marketplace::ActiveModel {
        id: Set(new_id()),
        organization_id: Set(organization_id.to_owned()),
        device_id: Set(device_id.clone()),
        marketplace_code: Set(marketplace_code.clone()),
        is_primary: Set(true),
        friendly_name: Set(None),
        certification_state: Set("not_certified".to_owned()),
        certified_at: Set(None),
        created_at: Set(at),
    }
    .insert(&txn)
    .await?;
    slot::ActiveModel {
        id: Set(new_id()),
        organization_id: Set(organization_id.to_owned()),
        device_id: Set(device_id.clone()),
        slot_id: Set("slot-01".to_owned()),
        category_code: Set(category),
        position: Set(1),
        replenishment_id: Set(None),
        created_at: Set(at),
        low_threshold: Set(None),
    }
    .insert(&txn)
    .await?;
    audit::record(
        &txn,
        Some(organization_id),
        Some(actor),
        "device.registered",
        model_id.as_str(),
        &format!("{} ({}), primary marketplace {marketplace_code}", name.as_str(), kind.label()),
    )
    .await?;
    txn.commit().await?;
    Ok(device_id)
}

fn taken_message(model_id: &str) -> String {
    format!("Model ID “{model_id}” is already used by another device in this organization.")
}

/// Holds the device's row until the transaction ends, so that two changes to its inventory run one
/// after the other. SQLite needs nothing: its single connection already runs one transaction at a time.
pub async fn lock_device(
    txn: &impl ConnectionTrait,
    organization_id: &str,
    device_id: &str,
) -> Result<device::Model, AppError> {
    let query =
        device::Entity::find_by_id(device_id).filter(device::Column::OrganizationId.eq(organization_id));
    let query = if txn.get_database_backend() == sea_orm::DbBackend::Postgres {
        query.lock_exclusive()
    } else {
        query
    };
    query.one(txn).await?.ok_or(AppError::NotFound)
}

/// The device, if it belongs to the organization.
pub async fn find_device(
    conn: &impl ConnectionTrait,
    organization_id: &str,
    device_id: &str,
) -> Result<device::Model, AppError> {
    device::Entity::find_by_id(device_id)
        .filter(device::Column::OrganizationId.eq(organization_id))
        .one(conn)
        .await?
        .ok_or(AppError::NotFound)
}

pub(crate) fn image_url(organization_id: &str, device_id: &str, image_id: &str) -> String {
    format!("/orgs/{organization_id}/devices/{device_id}/image/{image_id}")
}

/// Renames a device and, for Connect Kit devices, changes its device type. The model ID never changes.
pub async fn update_device(
    db: &DatabaseConnection,
    actor: &Actor,
    organization_id: &str,
    device_id: &str,
    name: &str,
    device_type: &str,
) -> Result<(), AppError> {
    require_role(db, organization_id, &actor.user_id, Role::can_edit).await?;
    let existing = find_device(db, organization_id, device_id).await?;
    let kind = DeviceKind::parse(&existing.kind).unwrap_or(DeviceKind::SkillsKit);
    let mut errors = FieldErrors::new().keep("name", name).keep("device_type", device_type);
    let name = errors.check("name", DeviceName::parse(name));
    let device_type = errors.check("device_type", kind.parse_device_type(device_type));
    let (Some(name), Some(device_type)) = (name, device_type) else {
        return Err(AppError::Validation(errors));
    };
    let new_type = device_type.map(|t| t.as_str().to_owned());
    if existing.name == name.as_str() && existing.device_type == new_type {
        return Ok(());
    }
    let detail = match &new_type {
        Some(device_type) => format!("name {}, device type {device_type}", name.as_str()),
        None => format!("name {}", name.as_str()),
    };
    let txn = transactions::begin(db).await?;
    let model_id = existing.model_id.clone();
    let mut active: device::ActiveModel = existing.into();
    active.name = Set(name.as_str().to_owned());
    active.device_type = Set(new_type);
    active.updated_at = Set(now());
    active.update(&txn).await?;
    audit::record(&txn, Some(organization_id), Some(actor), "device.updated", &model_id, &detail).await?;
    txn.commit().await?;
    Ok(())
}

/// Enables one more marketplace on a device.
pub async fn enable_marketplace(
    db: &DatabaseConnection,
    actor: &Actor,
    organization_id: &str,
    device_id: &str,
    code: &str,
) -> Result<(), AppError> {
    require_role(db, organization_id, &actor.user_id, Role::can_edit).await?;
    let device = find_device(db, organization_id, device_id).await?;
    let code = crate::error::parse_field("marketplace", code, parse_marketplace_code)?;
    if marketplace::Entity::find_by_id(code.as_str()).one(db).await?.is_none() {
        return Err(AppError::field("marketplace", "Choose a marketplace from the list."));
    }
    let txn = transactions::begin(db).await?;
    let inserted = device_marketplace::ActiveModel {
        id: Set(new_id()),
        organization_id: Set(organization_id.to_owned()),
        device_id: Set(device_id.to_owned()),
        marketplace_code: Set(code.clone()),
        is_primary: Set(false),
        friendly_name: Set(None),
        certification_state: Set("not_certified".to_owned()),
        certified_at: Set(None),
        created_at: Set(now()),
    }
    .insert(&txn)
    .await;
    if let Err(error) = inserted {
        if matches!(error.sql_err(), Some(sea_orm::SqlErr::UniqueConstraintViolation(_))) {
            return Err(AppError::field("marketplace", format!("{code} is already enabled on this device.")));
        }
        return Err(error.into());
    }
    audit::record(
        &txn,
        Some(organization_id),
        Some(actor),
        "device.marketplace_enabled",
        &device.model_id,
        &code,
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

/// Sets the device's customer-facing friendly name in each enabled marketplace. An empty field clears the
/// name; every field is checked before anything is stored.
pub async fn localize_device(
    db: &DatabaseConnection,
    actor: &Actor,
    organization_id: &str,
    device_id: &str,
    names: &BTreeMap<String, String>,
) -> Result<(), AppError> {
    require_role(db, organization_id, &actor.user_id, Role::can_edit).await?;
    let device = find_device(db, organization_id, device_id).await?;
    let enabled = device_marketplace::Entity::find()
        .filter(device_marketplace::Column::DeviceId.eq(device_id))
        .filter(device_marketplace::Column::OrganizationId.eq(organization_id))
        .all(db)
        .await?;
    let mut errors = FieldErrors::new();
    for (code, value) in names {
        errors.values.insert(format!("names[{code}]"), value.clone());
    }
    let mut updates = Vec::new();
    for row in enabled {
        let Some(raw) = names.get(&row.marketplace_code) else { continue };
        let field = format!("names[{}]", row.marketplace_code);
        let name = if raw.trim().is_empty() {
            Some(None)
        } else {
            errors.check(&field, CustomerFacingName::parse(raw)).map(|n| Some(n.as_str().to_owned()))
        };
        if let Some(name) = name {
            updates.push((row, name));
        }
    }
    if !errors.messages.is_empty() {
        return Err(AppError::Validation(errors));
    }
    let txn = transactions::begin(db).await?;
    let mut changed = Vec::new();
    let mut changed_codes = Vec::new();
    for (row, name) in updates {
        if row.friendly_name == name {
            continue;
        }
        changed.push(format!("{}: {}", row.marketplace_code, name.as_deref().unwrap_or("(cleared)")));
        changed_codes.push(row.marketplace_code.clone());
        let mut active: device_marketplace::ActiveModel = row.into();
        active.friendly_name = Set(name);
        active.update(&txn).await?;
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
            "device.localized",
            &device.model_id,
            &changed.join("; "),
        )
        .await?;
    }
    txn.commit().await?;
    Ok(())
}

/// Deletes a device and everything under it once its name is typed back. The audit log keeps its history.
pub async fn delete_device(
    db: &DatabaseConnection,
    actor: &Actor,
    organization_id: &str,
    device_id: &str,
    typed_name: &str,
) -> Result<(), AppError> {
    require_role(db, organization_id, &actor.user_id, Role::can_edit).await?;
    let txn = transactions::begin(db).await?;
    let device = lock_device(&txn, organization_id, device_id).await?;
    if typed_name.trim() != device.name {
        let mut errors = FieldErrors::new().keep("confirm_name", typed_name);
        errors.add("confirm_name", format!("Type the device name “{}” exactly to delete it.", device.name));
        return Err(AppError::Validation(errors));
    }
    let issued = slot::Entity::find()
        .filter(slot::Column::DeviceId.eq(device_id))
        .filter(slot::Column::OrganizationId.eq(organization_id))
        .filter(slot::Column::ReplenishmentId.is_not_null())
        .count(&txn)
        .await?;
    if issued > 0 {
        // Issued replenishment IDs are in use by devices in the field; deleting them would strand those.
        return Err(AppError::Refused(format!(
            "“{}” has {issued} slot(s) with issued replenishment IDs and cannot be deleted.",
            device.name
        )));
    }
    let (model_id, name) = (device.model_id.clone(), device.name.clone());
    device.delete(&txn).await?;
    audit::record(&txn, Some(organization_id), Some(actor), "device.deleted", &model_id, &name).await?;
    txn.commit().await?;
    Ok(())
}
