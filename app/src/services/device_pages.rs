//! What the device list and a device's pages load, for members of the device's organization. Each page
//! is a page load on every visit, so each loads in as few queries as it can: joins instead of one query
//! per table, and on PostgreSQL from the server's caches while nothing they show has changed.

use crate::entities::{device, device_image, device_marketplace, organization, slot, slot_name};
use crate::error::AppError;
use crate::models::{
    DeviceDetail, DeviceImage, DeviceKind, DeviceList, DeviceMarketplace, DeviceSummary, MarketplaceState,
    Slot, Viewer,
};
use crate::services::devices::{image_url, load_catalogues};
use crate::services::display_time;
use crate::services::read_cache::{DeviceKey, DeviceListKey, ReadCache};
use sea_orm::prelude::DateTimeUtc;
use sea_orm::sea_query::{
    Alias, Asterisk, Expr, ExprTrait, Func, IntoColumnRef, IntoCondition, LikeExpr, Order, Query,
    SelectStatement, UnionType,
};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, EntityTrait, FromQueryResult, JoinType, PaginatorTrait,
    QueryFilter, QueryOrder, QuerySelect, QueryTrait, RelationDef,
};
use std::collections::{BTreeMap, HashMap};

/// Joins `Parent` to the rows of `Child` whose `key` holds the parent's `parent_key`, only those of the
/// organization: child tables carry the organization like every tenant-owned table.
fn children_in_org<Child: EntityTrait, Parent: EntityTrait>(
    key: Child::Column,
    parent_key: Parent::Column,
    organization: Child::Column,
    organization_id: &str,
) -> RelationDef {
    let organization_id = organization_id.to_owned();
    RelationDef::rev(
        Child::belongs_to(Parent::default())
            .from(key)
            .to(parent_key)
            .on_condition(move |_, child| {
                Expr::col((child, organization)).eq(organization_id.clone()).into_condition()
            })
            .into(),
    )
}

/// A device's image, if it has one (at most one per device).
fn image_of_device(organization_id: &str) -> RelationDef {
    children_in_org::<device_image::Entity, device::Entity>(
        device_image::Column::DeviceId,
        device::Column::Id,
        device_image::Column::OrganizationId,
        organization_id,
    )
}

/// A row of the device list: the device, its image, how many slots it has, one of its marketplaces (a
/// device without any has one row with none), and the counts the list's caption and pages need.
#[derive(FromQueryResult)]
struct DeviceListRow {
    id: String,
    kind: String,
    name: String,
    model_id: String,
    image_id: Option<String>,
    slot_count: i64,
    marketplace_code: Option<String>,
    certification_state: Option<String>,
    total: i64,
    matching: i64,
}

/// Devices per page of the device list.
pub const DEVICES_PER_PAGE: u64 = 50;

/// The highest page a query asks for: its offset must fit the databases' signed 64-bit integers.
const LAST_ASKABLE_PAGE: u64 = i64::MAX as u64 / DEVICES_PER_PAGE;

/// Searches up to this many bytes long are cached; a longer one, which no one types, is read each time
/// rather than take a large key.
const CACHED_SEARCH_LENGTH: usize = 100;

/// One page (from 1) of the organization's devices whose name or model ID contains `search` (any case),
/// by name. A page past the end shows the last one.
/// From `cache` while it holds that page.
pub async fn list_devices(
    conn: &impl ConnectionTrait,
    cache: &ReadCache<DeviceListKey, DeviceList>,
    viewer: &Viewer,
    organization_id: &str,
    search: &str,
    page: u64,
) -> Result<DeviceList, AppError> {
    viewer.role_in(organization_id)?;
    let search = search.trim();
    let page = page.clamp(1, LAST_ASKABLE_PAGE);
    if search.len() > CACHED_SEARCH_LENGTH {
        return read_list(conn, organization_id, search, page).await;
    }
    let key = (organization_id.to_owned(), page, search.to_owned());
    cache.get_or_load(key, || read_list(conn, organization_id, search, page)).await
}

/// The page `list_devices` shows, read from the database.
async fn read_list(
    conn: &impl ConnectionTrait,
    organization_id: &str,
    search: &str,
    page: u64,
) -> Result<DeviceList, AppError> {
    let mut rows = list_page(conn, organization_id, search, page).await?;
    let (total, matching) = match rows.first() {
        Some(row) => (u64::try_from(row.total).unwrap_or(0), u64::try_from(row.matching).unwrap_or(0)),
        None => count_devices(conn, organization_id, search).await?,
    };
    let page_count = Ord::max(matching.div_ceil(DEVICES_PER_PAGE), 1);
    let page = if page > page_count {
        if matching > 0 {
            rows = list_page(conn, organization_id, search, page_count).await?;
        }
        page_count
    } else {
        page
    };

    let mut devices: Vec<DeviceSummary> = Vec::new();
    for row in rows {
        let marketplace = match (row.marketplace_code, row.certification_state) {
            (Some(code), Some(certification)) => Some(MarketplaceState { code, certification }),
            _ => None,
        };
        if let Some(last) = devices.last_mut().filter(|last| last.id == row.id) {
            last.marketplaces.extend(marketplace);
            continue;
        }
        devices.push(DeviceSummary {
            thumbnail_url: row
                .image_id
                .map(|image_id| format!("{}/thumbnail", image_url(organization_id, &row.id, &image_id))),
            marketplaces: marketplace.into_iter().collect(),
            slot_count: u64::try_from(row.slot_count).unwrap_or(0),
            kind: DeviceKind::parse(&row.kind).unwrap_or(DeviceKind::SkillsKit),
            id: row.id,
            name: row.name,
            model_id: row.model_id,
        });
    }
    Ok(DeviceList { devices, total, matching, page, page_count, per_page: DEVICES_PER_PAGE })
}

/// The organization's devices whose name or model ID contains `search` (all of them when it is empty).
fn devices_matching(organization_id: &str, search: &str) -> sea_orm::Select<device::Entity> {
    let query = device::Entity::find().filter(device::Column::OrganizationId.eq(organization_id));
    if search.is_empty() {
        return query;
    }
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
    query.filter(Condition::any().add(contains(device::Column::Name)).add(contains(device::Column::ModelId)))
}

/// `SELECT COUNT(*)` of a query's rows, as a subquery the database evaluates once per statement.
fn count_of(query: sea_orm::Select<device::Entity>) -> Expr {
    Expr::from(query.select_only().expr(Func::count(Expr::col(Asterisk))).into_query())
}

/// The organization's device count, kept by the database as devices come and go: counting the devices
/// themselves would cost every list load a pass over all of them.
fn device_count_of(organization_id: &str) -> sea_orm::Select<organization::Entity> {
    organization::Entity::find_by_id(organization_id).select_only().column(organization::Column::DeviceCount)
}

/// How many devices the organization has, and how many of them match `search`.
async fn count_devices(
    conn: &impl ConnectionTrait,
    organization_id: &str,
    search: &str,
) -> Result<(u64, u64), AppError> {
    let total = device_count_of(organization_id).into_tuple::<i64>().one(conn).await?.unwrap_or(0);
    let total = u64::try_from(total).unwrap_or(0);
    let matching =
        if search.is_empty() { total } else { devices_matching(organization_id, search).count(conn).await? };
    Ok((total, matching))
}

/// One page of the devices matching `search`, each with its marketplaces (primary first), and the counts,
/// in one statement: the page is a subquery that the marketplaces join, so its limit counts devices.
async fn list_page(
    conn: &impl ConnectionTrait,
    organization_id: &str,
    search: &str,
    page: u64,
) -> Result<Vec<DeviceListRow>, AppError> {
    let matching = devices_matching(organization_id, search);
    let mut devices = matching
        .clone()
        .select_only()
        .columns([
            device::Column::Id,
            device::Column::OrganizationId,
            device::Column::Kind,
            device::Column::Name,
            device::Column::ModelId,
        ])
        .column_as(device_image::Column::Id, "image_id")
        // The slot index leads with the device ID, so each count is a short index range.
        .column_as(
            Expr::cust(
                r#"(SELECT COUNT(*) FROM "slot" WHERE "slot"."device_id" = "device"."id" AND "slot"."organization_id" = "device"."organization_id")"#,
            ),
            "slot_count",
        )
        .column_as(Expr::from(device_count_of(organization_id).into_query()), "total")
        .join(JoinType::LeftJoin, image_of_device(organization_id))
        .order_by_asc(device::Column::Name)
        .order_by_asc(device::Column::ModelId)
        .offset((page - 1) * DEVICES_PER_PAGE)
        .limit(DEVICES_PER_PAGE)
        .into_query();
    // Without a search every device matches: the total is the match count.
    let matching_column = if search.is_empty() {
        "total"
    } else {
        devices.expr_as(count_of(matching), Alias::new("matching"));
        "matching"
    };

    let page_alias = Alias::new("page");
    let of_page = |column: &'static str| (page_alias.clone(), Alias::new(column));
    let marketplace = |column: device_marketplace::Column| (device_marketplace::Entity, column);
    let statement = Query::select()
        .columns(["id", "kind", "name", "model_id", "image_id", "slot_count", "total"].map(of_page))
        .expr_as(Expr::col(of_page(matching_column)), Alias::new("matching"))
        .columns([
            marketplace(device_marketplace::Column::MarketplaceCode),
            marketplace(device_marketplace::Column::CertificationState),
        ])
        .from_subquery(devices, page_alias.clone())
        .join(
            JoinType::LeftJoin,
            device_marketplace::Entity,
            Condition::all()
                .add(Expr::col(marketplace(device_marketplace::Column::DeviceId)).equals(of_page("id")))
                .add(
                    Expr::col(marketplace(device_marketplace::Column::OrganizationId))
                        .equals(of_page("organization_id")),
                ),
        )
        .order_by(of_page("name"), Order::Asc)
        .order_by(of_page("model_id"), Order::Asc)
        .order_by(of_page("id"), Order::Asc)
        .order_by(marketplace(device_marketplace::Column::IsPrimary), Order::Desc)
        .order_by(marketplace(device_marketplace::Column::CreatedAt), Order::Asc)
        .order_by(marketplace(device_marketplace::Column::MarketplaceCode), Order::Asc)
        .to_owned();
    Ok(DeviceListRow::find_by_statement(conn.get_database_backend().build(&statement)).all(conn).await?)
}

/// A row of a device page's statement. The statement is two parts in one: the device with the columns of
/// its image that pages show (never the image itself), once per enabled marketplace; then its slots, once
/// per customer-facing name. Each part leaves the other's columns NULL.
#[derive(FromQueryResult)]
struct DevicePageRow {
    part: String,
    id: Option<String>,
    kind: Option<String>,
    name: Option<String>,
    model_id: Option<String>,
    device_type: Option<String>,
    created_at: Option<DateTimeUtc>,
    image_id: Option<String>,
    image_content_type: Option<String>,
    image_width: Option<i32>,
    image_height: Option<i32>,
    image_byte_size: Option<i64>,
    marketplace_code: Option<String>,
    is_primary: Option<bool>,
    friendly_name: Option<String>,
    certification_state: Option<String>,
    slot_key: Option<String>,
    slot_id: Option<String>,
    category_code: Option<String>,
    position: Option<i32>,
    replenishment_id: Option<String>,
    name_marketplace: Option<String>,
    slot_name: Option<String>,
}

const DEVICE_PART: &str = "device";
const SLOT_PART: &str = "slot";

/// A part of the union: its name, then `columns`, each an expression with its alias.
fn select_part(part: &str, columns: impl IntoIterator<Item = (&'static str, Expr)>) -> SelectStatement {
    let mut select = Query::select();
    select.expr_as(Expr::val(part), Alias::new("part"));
    for (alias, expr) in columns {
        select.expr_as(expr, Alias::new(alias));
    }
    select
}

/// The condition `children_in_org` joins on, for a statement built with sea-query alone.
fn child_in_org<Child: EntityTrait>(
    key: Child::Column,
    parent_key: impl IntoColumnRef,
    organization: Child::Column,
    organization_id: &str,
) -> Condition {
    Condition::all()
        .add(Expr::col((Child::default(), key)).equals(parent_key))
        .add(Expr::col((Child::default(), organization)).eq(organization_id))
}

/// The device page's statement: the device and its marketplaces, then its slots and their names. A union
/// pairs columns by place, so both parts list every column in one order, the other part's as NULL (which
/// takes its type from the part that fills it, on PostgreSQL as on SQLite).
fn device_page_statement(organization_id: &str, device_id: &str) -> SelectStatement {
    let device_column = |column: device::Column| Expr::col((device::Entity, column));
    let image = |column: device_image::Column| Expr::col((device_image::Entity, column));
    let marketplace = |column: device_marketplace::Column| Expr::col((device_marketplace::Entity, column));
    let slot_column = |column: slot::Column| Expr::col((slot::Entity, column));
    let name = |column: slot_name::Column| Expr::col((slot_name::Entity, column));
    let device_columns = [
        ("id", device_column(device::Column::Id)),
        ("kind", device_column(device::Column::Kind)),
        ("name", device_column(device::Column::Name)),
        ("model_id", device_column(device::Column::ModelId)),
        ("device_type", device_column(device::Column::DeviceType)),
        ("created_at", device_column(device::Column::CreatedAt)),
        ("image_id", image(device_image::Column::Id)),
        ("image_content_type", image(device_image::Column::ContentType)),
        ("image_width", image(device_image::Column::Width)),
        ("image_height", image(device_image::Column::Height)),
        ("image_byte_size", image(device_image::Column::ByteSize)),
        ("marketplace_code", marketplace(device_marketplace::Column::MarketplaceCode)),
        ("is_primary", marketplace(device_marketplace::Column::IsPrimary)),
        ("friendly_name", marketplace(device_marketplace::Column::FriendlyName)),
        ("certification_state", marketplace(device_marketplace::Column::CertificationState)),
    ];
    let slot_columns = [
        ("slot_key", slot_column(slot::Column::Id)),
        ("slot_id", slot_column(slot::Column::SlotId)),
        ("category_code", slot_column(slot::Column::CategoryCode)),
        ("position", slot_column(slot::Column::Position)),
        ("replenishment_id", slot_column(slot::Column::ReplenishmentId)),
        ("name_marketplace", name(slot_name::Column::MarketplaceCode)),
        ("slot_name", name(slot_name::Column::Name)),
    ];
    let nulls = |columns: &[(&'static str, Expr)]| -> Vec<(&'static str, Expr)> {
        columns.iter().map(|(alias, _)| (*alias, Expr::null())).collect()
    };
    let (device_nulls, slot_nulls) = (nulls(&device_columns), nulls(&slot_columns));

    let mut devices = select_part(DEVICE_PART, device_columns.into_iter().chain(slot_nulls));
    devices
        .from(device::Entity)
        .join(
            JoinType::LeftJoin,
            device_image::Entity,
            child_in_org::<device_image::Entity>(
                device_image::Column::DeviceId,
                (device::Entity, device::Column::Id),
                device_image::Column::OrganizationId,
                organization_id,
            ),
        )
        .join(
            JoinType::LeftJoin,
            device_marketplace::Entity,
            child_in_org::<device_marketplace::Entity>(
                device_marketplace::Column::DeviceId,
                (device::Entity, device::Column::Id),
                device_marketplace::Column::OrganizationId,
                organization_id,
            ),
        )
        .and_where(device_column(device::Column::Id).eq(device_id))
        .and_where(device_column(device::Column::OrganizationId).eq(organization_id));

    let mut slots = select_part(SLOT_PART, device_nulls.into_iter().chain(slot_columns));
    slots
        .from(slot::Entity)
        .join(
            JoinType::LeftJoin,
            slot_name::Entity,
            child_in_org::<slot_name::Entity>(
                slot_name::Column::SlotKey,
                (slot::Entity, slot::Column::Id),
                slot_name::Column::OrganizationId,
                organization_id,
            ),
        )
        .and_where(slot_column(slot::Column::DeviceId).eq(device_id))
        .and_where(slot_column(slot::Column::OrganizationId).eq(organization_id));

    // The device's rows come first ("device" sorts before "slot"), then the slots in their order.
    devices
        .union(UnionType::All, slots)
        .order_by(Alias::new("part"), Order::Asc)
        .order_by(Alias::new("position"), Order::Asc)
        .order_by(Alias::new("slot_key"), Order::Asc)
        .to_owned()
}

/// One device with its marketplaces, slots, names and image, as the member `viewer` may see it, from
/// `cache` while it holds the device, else in one statement.
pub async fn load_device(
    conn: &impl ConnectionTrait,
    cache: &ReadCache<DeviceKey, DeviceDetail>,
    viewer: &Viewer,
    organization_id: &str,
    device_id: &str,
) -> Result<DeviceDetail, AppError> {
    let role = viewer.role_in(organization_id)?;
    let key = (organization_id.to_owned(), device_id.to_owned());
    let detail = cache.get_or_load(key, || read_device(conn, organization_id, device_id)).await?;
    Ok(DeviceDetail { can_edit: role.can_edit(), ..detail })
}

/// The device as `load_device` shows it to a member who may not edit it, read from the database.
async fn read_device(
    conn: &impl ConnectionTrait,
    organization_id: &str,
    device_id: &str,
) -> Result<DeviceDetail, AppError> {
    let statement = device_page_statement(organization_id, device_id);
    let rows =
        DevicePageRow::find_by_statement(conn.get_database_backend().build(&statement)).all(conn).await?;
    let (rows, slot_rows): (Vec<DevicePageRow>, Vec<DevicePageRow>) =
        rows.into_iter().partition(|row| row.part == DEVICE_PART);
    if rows.is_empty() {
        return Err(AppError::NotFound);
    }
    let catalogues = load_catalogues(conn).await?;
    let by_code: HashMap<&str, &DevicePageRow> =
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
    let (Some(id), Some(kind), Some(name), Some(model_id), Some(created_at)) =
        (device.id, device.kind, device.name, device.model_id, device.created_at)
    else {
        tracing::error!(device_id, "the device part of a device page's statement lacks a NOT NULL column");
        return Err(AppError::Internal);
    };

    let category_names: HashMap<&str, &str> =
        catalogues.categories.iter().map(|c| (c.code.as_str(), c.name.as_str())).collect();
    let mut slots: Vec<Slot> = Vec::new();
    for row in slot_rows {
        let (Some(key), Some(slot_id), Some(category), Some(position)) =
            (row.slot_key, row.slot_id, row.category_code, row.position)
        else {
            tracing::error!(device_id, "the slot part of a device page's statement lacks a NOT NULL column");
            return Err(AppError::Internal);
        };
        if slots.last().is_none_or(|last| last.key != key) {
            slots.push(Slot {
                category_name: category_names.get(category.as_str()).copied().unwrap_or_default().to_owned(),
                key,
                slot_id,
                category,
                position,
                replenishment_id: row.replenishment_id,
                names: BTreeMap::new(),
            });
        }
        if let (Some(code), Some(name), Some(slot)) = (row.name_marketplace, row.slot_name, slots.last_mut())
        {
            slot.names.insert(code, name);
        }
    }
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
        kind: DeviceKind::parse(&kind).unwrap_or(DeviceKind::SkillsKit),
        id,
        name,
        model_id,
        device_type: device.device_type,
        image,
        marketplaces,
        other_marketplaces,
        slots,
        categories: catalogues.categories,
        created_at: display_time(created_at),
        can_edit: false,
    })
}
