//! Devices: registration, the list, one device's details, marketplaces, localized names and deletion.
//! Every query is scoped by the organization; a device of another organization is `NotFound`.

use crate::entities::{
    consumable_category, device, device_image, device_marketplace, marketplace, slot, slot_name,
};
use crate::error::{AppError, FieldErrors};
use crate::models::{
    parse_category_code, parse_marketplace_code, Catalogues, ConsumableCategory, CustomerFacingName,
    DeviceDetail, DeviceImage, DeviceKind, DeviceList, DeviceMarketplace, DeviceName, DeviceSummary,
    Marketplace, MarketplaceState, ModelId, Role, Slot, Viewer,
};
use crate::services::audit::{self, Actor};
use crate::services::organizations::require_role;
use crate::services::{display_time, now, tokens::new_id};
use rand::Rng;
use sea_orm::prelude::DateTimeUtc;
use sea_orm::sea_query::{Expr, ExprTrait, Func, IntoCondition, LikeExpr};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, DatabaseConnection, EntityTrait,
    FromQueryResult, JoinType, ModelTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, RelationDef,
    Set, TransactionTrait,
};
use std::collections::{BTreeMap, HashMap};

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
    let txn = db.begin().await?;
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

/// Joins a device to its image, if it has one (at most one per device).
fn image_of_device() -> RelationDef {
    RelationDef::rev(
        device_image::Entity::belongs_to(device::Entity)
            .from(device_image::Column::DeviceId)
            .to(device::Column::Id)
            .into(),
    )
}

/// A row of the device list: the device, its image and how many slots it has.
#[derive(FromQueryResult)]
struct DeviceListRow {
    id: String,
    kind: String,
    name: String,
    model_id: String,
    image_id: Option<String>,
    slot_count: i64,
}

/// Devices per page of the device list.
pub const DEVICES_PER_PAGE: u64 = 50;

/// One page (from 1) of the organization's devices whose name or model ID contains `search` (any case),
/// by name. A page past the end shows the last one.
pub async fn list_devices(
    conn: &impl ConnectionTrait,
    viewer: &Viewer,
    organization_id: &str,
    search: &str,
    page: u64,
) -> Result<DeviceList, AppError> {
    viewer.role_in(organization_id)?;
    let total =
        device::Entity::find().filter(device::Column::OrganizationId.eq(organization_id)).count(conn).await?;
    let mut query = device::Entity::find().filter(device::Column::OrganizationId.eq(organization_id));
    let search = search.trim();
    let mut matching = total;
    if !search.is_empty() {
        let escaped: String = search
            .to_lowercase()
            .chars()
            .flat_map(|c| if matches!(c, '%' | '_' | '\\') { vec!['\\', c] } else { vec![c] })
            .collect();
        let pattern = format!("%{escaped}%");
        let contains = |column: device::Column| {
            Expr::expr(Func::lower(Expr::col((device::Entity, column))))
                .like(LikeExpr::new(pattern.clone()).escape('\\'))
        };
        query = query.filter(
            Condition::any().add(contains(device::Column::Name)).add(contains(device::Column::ModelId)),
        );
        matching = query.clone().count(conn).await?;
    }
    let page_count = Ord::max(matching.div_ceil(DEVICES_PER_PAGE), 1);
    let page = page.clamp(1, page_count);
    let devices = query
        .select_only()
        .columns([device::Column::Id, device::Column::Kind, device::Column::Name, device::Column::ModelId])
        .column_as(device_image::Column::Id, "image_id")
        // The slot index leads with the device ID, so each count is a short index range.
        .column_as(
            Expr::cust(
                r#"(SELECT COUNT(*) FROM "slot" WHERE "slot"."device_id" = "device"."id" AND "slot"."organization_id" = "device"."organization_id")"#,
            ),
            "slot_count",
        )
        .join(JoinType::LeftJoin, image_of_device())
        .order_by_asc(device::Column::Name)
        .order_by_asc(device::Column::ModelId)
        .offset((page - 1) * DEVICES_PER_PAGE)
        .limit(DEVICES_PER_PAGE)
        .into_model::<DeviceListRow>()
        .all(conn)
        .await?;
    let ids: Vec<String> = devices.iter().map(|d| d.id.clone()).collect();

    let mut marketplaces: HashMap<String, Vec<MarketplaceState>> = HashMap::new();
    let rows = device_marketplace::Entity::find()
        .filter(device_marketplace::Column::OrganizationId.eq(organization_id))
        .filter(device_marketplace::Column::DeviceId.is_in(ids))
        .order_by_desc(device_marketplace::Column::IsPrimary)
        .order_by_asc(device_marketplace::Column::CreatedAt)
        .order_by_asc(device_marketplace::Column::MarketplaceCode)
        .all(conn)
        .await?;
    for row in rows {
        marketplaces
            .entry(row.device_id)
            .or_default()
            .push(MarketplaceState { code: row.marketplace_code, certification: row.certification_state });
    }

    let devices = devices
        .into_iter()
        .map(|d| DeviceSummary {
            thumbnail_url: d
                .image_id
                .map(|image_id| format!("{}/thumbnail", image_url(organization_id, &d.id, &image_id))),
            marketplaces: marketplaces.remove(&d.id).unwrap_or_default(),
            slot_count: u64::try_from(d.slot_count).unwrap_or(0),
            kind: DeviceKind::parse(&d.kind).unwrap_or(DeviceKind::SkillsKit),
            id: d.id,
            name: d.name,
            model_id: d.model_id,
        })
        .collect();
    Ok(DeviceList { devices, total, matching, page, page_count, per_page: DEVICES_PER_PAGE })
}

/// A device with the columns of its image that pages show (never the image itself), once per enabled
/// marketplace.
#[derive(FromQueryResult)]
struct DeviceRow {
    id: String,
    kind: String,
    name: String,
    model_id: String,
    device_type: Option<String>,
    created_at: DateTimeUtc,
    image_id: Option<String>,
    image_content_type: Option<String>,
    image_width: Option<i32>,
    image_height: Option<i32>,
    image_byte_size: Option<i64>,
    marketplace_code: Option<String>,
    is_primary: Option<bool>,
    friendly_name: Option<String>,
    certification_state: Option<String>,
}

/// One device with its marketplaces, slots, names and image, as the member `viewer` may see it.
pub async fn load_device(
    conn: &impl ConnectionTrait,
    viewer: &Viewer,
    organization_id: &str,
    device_id: &str,
) -> Result<DeviceDetail, AppError> {
    let role = viewer.role_in(organization_id)?;
    let marketplaces_of_device: RelationDef = {
        let organization_id = organization_id.to_owned();
        device_marketplace::Entity::belongs_to(device::Entity)
            .from(device_marketplace::Column::DeviceId)
            .to(device::Column::Id)
            .on_condition(move |_, enabled| {
                Expr::col((enabled, device_marketplace::Column::OrganizationId))
                    .eq(organization_id.clone())
                    .into_condition()
            })
            .into()
    };
    let rows = device::Entity::find_by_id(device_id)
        .filter(device::Column::OrganizationId.eq(organization_id))
        .select_only()
        .columns([
            device::Column::Id,
            device::Column::Kind,
            device::Column::Name,
            device::Column::ModelId,
            device::Column::DeviceType,
            device::Column::CreatedAt,
        ])
        .column_as(device_image::Column::Id, "image_id")
        .column_as(device_image::Column::ContentType, "image_content_type")
        .column_as(device_image::Column::Width, "image_width")
        .column_as(device_image::Column::Height, "image_height")
        .column_as(device_image::Column::ByteSize, "image_byte_size")
        .columns([
            device_marketplace::Column::MarketplaceCode,
            device_marketplace::Column::IsPrimary,
            device_marketplace::Column::FriendlyName,
            device_marketplace::Column::CertificationState,
        ])
        .join(JoinType::LeftJoin, image_of_device())
        .join(JoinType::LeftJoin, RelationDef::rev(marketplaces_of_device))
        .into_model::<DeviceRow>()
        .all(conn)
        .await?;
    let catalogues = load_catalogues(conn).await?;
    let by_code: HashMap<&str, &DeviceRow> =
        rows.iter().filter_map(|row| Some((row.marketplace_code.as_deref()?, row))).collect();
    // Catalogue order, primary first.
    let mut marketplaces: Vec<DeviceMarketplace> = catalogues
        .marketplaces
        .iter()
        .filter_map(|m| {
            by_code.get(m.code.as_str()).map(|row| DeviceMarketplace {
                marketplace: m.clone(),
                primary: row.is_primary.unwrap_or(false),
                friendly_name: row.friendly_name.clone(),
                certification: row.certification_state.clone().unwrap_or_default(),
            })
        })
        .collect();
    marketplaces.sort_by_key(|m| !m.primary);
    let other_marketplaces =
        catalogues.marketplaces.iter().filter(|m| !by_code.contains_key(m.code.as_str())).cloned().collect();
    let device = rows.into_iter().next().ok_or(AppError::NotFound)?;

    // Names join on their slot's key, within the same organization.
    let names_of_slot: RelationDef = {
        let organization_id = organization_id.to_owned();
        slot_name::Entity::belongs_to(slot::Entity)
            .from(slot_name::Column::SlotKey)
            .to(slot::Column::Id)
            .on_condition(move |_, names| {
                Expr::col((names, slot_name::Column::OrganizationId))
                    .eq(organization_id.clone())
                    .into_condition()
            })
            .into()
    };
    let rows = slot::Entity::find()
        .filter(slot::Column::DeviceId.eq(device_id))
        .filter(slot::Column::OrganizationId.eq(organization_id))
        .select_also(slot_name::Entity)
        .join(JoinType::LeftJoin, RelationDef::rev(names_of_slot))
        .order_by_asc(slot::Column::Position)
        .order_by_asc(slot::Column::Id)
        .all(conn)
        .await?;
    let mut slots: Vec<slot::Model> = Vec::new();
    let mut names: HashMap<String, BTreeMap<String, String>> = HashMap::new();
    for (slot, name) in rows {
        if let Some(name) = name {
            names.entry(name.slot_key).or_default().insert(name.marketplace_code, name.name);
        }
        if slots.last().is_none_or(|last| last.id != slot.id) {
            slots.push(slot);
        }
    }
    let category_names: HashMap<&str, &str> =
        catalogues.categories.iter().map(|c| (c.code.as_str(), c.name.as_str())).collect();
    let slots = slots
        .into_iter()
        .map(|s| Slot {
            category_name: category_names
                .get(s.category_code.as_str())
                .copied()
                .unwrap_or_default()
                .to_owned(),
            names: names.remove(&s.id).unwrap_or_default(),
            key: s.id,
            slot_id: s.slot_id,
            category: s.category_code,
            position: s.position,
            replenishment_id: s.replenishment_id,
        })
        .collect();

    let image = match (
        device.image_id,
        device.image_content_type,
        device.image_width,
        device.image_height,
        device.image_byte_size,
    ) {
        (Some(id), Some(content_type), Some(width), Some(height), Some(byte_size)) => {
            let url = image_url(organization_id, device_id, &id);
            Some(DeviceImage {
                thumbnail_url: format!("{url}/thumbnail"),
                url,
                content_type,
                width: u32::try_from(width).unwrap_or(0),
                height: u32::try_from(height).unwrap_or(0),
                byte_size: u64::try_from(byte_size).unwrap_or(0),
            })
        }
        _ => None,
    };

    Ok(DeviceDetail {
        kind: DeviceKind::parse(&device.kind).unwrap_or(DeviceKind::SkillsKit),
        id: device.id,
        name: device.name,
        model_id: device.model_id,
        device_type: device.device_type,
        image,
        marketplaces,
        other_marketplaces,
        slots,
        categories: catalogues.categories,
        created_at: display_time(device.created_at),
        can_edit: role.can_edit(),
    })
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
    let txn = db.begin().await?;
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
    let txn = db.begin().await?;
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
    let txn = db.begin().await?;
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
    let txn = db.begin().await?;
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
