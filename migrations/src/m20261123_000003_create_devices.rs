//! Devices and what hangs off them (marketplaces, slots, localized names, the image), and the two
//! catalogues they draw from.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Organization {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Marketplace {
    Table,
    Code,
    Name,
    Domain,
    Locale,
    Currency,
    Position,
}

#[derive(DeriveIden)]
enum ConsumableCategory {
    Table,
    Code,
    Name,
    Position,
}

#[derive(DeriveIden)]
#[expect(clippy::enum_variant_names, reason = "the column is called device_type")]
enum Device {
    Table,
    Id,
    OrganizationId,
    Kind,
    Name,
    ModelId,
    DeviceType,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum DeviceMarketplace {
    Table,
    Id,
    OrganizationId,
    DeviceId,
    MarketplaceCode,
    IsPrimary,
    FriendlyName,
    CertificationState,
    CreatedAt,
}

#[derive(DeriveIden)]
#[expect(clippy::enum_variant_names, reason = "the column is called slot_id, the API's name for it")]
enum Slot {
    Table,
    Id,
    OrganizationId,
    DeviceId,
    SlotId,
    CategoryCode,
    Position,
    ReplenishmentId,
    CreatedAt,
}

#[derive(DeriveIden)]
enum SlotName {
    Table,
    Id,
    OrganizationId,
    SlotKey,
    MarketplaceCode,
    Name,
}

#[derive(DeriveIden)]
enum DeviceImage {
    Table,
    Id,
    OrganizationId,
    DeviceId,
    ContentType,
    Width,
    Height,
    ByteSize,
    Original,
    Thumbnail,
    CreatedAt,
}

const MARKETPLACES: [(&str, &str, &str, &str, &str); 8] = [
    ("US", "United States", "amazon.com", "en-US", "USD"),
    ("UK", "United Kingdom", "amazon.co.uk", "en-GB", "GBP"),
    ("DE", "Germany", "amazon.de", "de-DE", "EUR"),
    ("FR", "France", "amazon.fr", "fr-FR", "EUR"),
    ("IT", "Italy", "amazon.it", "it-IT", "EUR"),
    ("ES", "Spain", "amazon.es", "es-ES", "EUR"),
    ("JP", "Japan", "amazon.co.jp", "ja-JP", "JPY"),
    ("CA", "Canada", "amazon.ca", "en-CA", "CAD"),
];

const CATEGORIES: [(&str, &str); 16] = [
    ("ink_cartridge", "Ink cartridge"),
    ("toner_cartridge", "Toner cartridge"),
    ("printer_paper", "Printer paper"),
    ("coffee_pods", "Coffee pods"),
    ("coffee_beans", "Coffee beans"),
    ("water_filter", "Water filter"),
    ("air_filter", "Air filter"),
    ("vacuum_filter", "Vacuum filter"),
    ("vacuum_bags", "Vacuum bags"),
    ("vacuum_brush_roll", "Vacuum brush roll"),
    ("laundry_detergent", "Laundry detergent"),
    ("dishwasher_detergent", "Dishwasher detergent"),
    ("batteries", "Batteries"),
    ("pet_food", "Pet food"),
    ("razor_cartridges", "Razor cartridges"),
    ("toothbrush_heads", "Toothbrush heads"),
];

fn tenant_key(from_table: impl IntoIden, from_col: impl IntoIden) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .from(from_table, from_col)
        .to(Organization::Table, Organization::Id)
        .on_delete(ForeignKeyAction::Cascade)
        .to_owned()
}

fn device_key(from_table: impl IntoIden) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .from(from_table, Alias::new("device_id"))
        .to(Device::Table, Device::Id)
        .on_delete(ForeignKeyAction::Cascade)
        .to_owned()
}

fn marketplace_key(from_table: impl IntoIden) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .from(from_table, Alias::new("marketplace_code"))
        .to(Marketplace::Table, Marketplace::Code)
        .to_owned()
}

async fn unique_index(
    manager: &SchemaManager<'_>,
    name: &str,
    table: impl IntoIden,
    columns: &[&str],
) -> Result<(), DbErr> {
    let mut index = Index::create();
    index.name(name).table(table).unique();
    for column in columns {
        index.col(Alias::new(*column));
    }
    manager.create_index(index.to_owned()).await
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Marketplace::Table)
                    .col(string(Marketplace::Code).primary_key())
                    .col(string(Marketplace::Name))
                    .col(string(Marketplace::Domain))
                    .col(string(Marketplace::Locale))
                    .col(string(Marketplace::Currency))
                    .col(integer(Marketplace::Position))
                    .to_owned(),
            )
            .await?;
        let mut insert = Query::insert();
        insert.into_table(Marketplace::Table).columns([
            Marketplace::Code,
            Marketplace::Name,
            Marketplace::Domain,
            Marketplace::Locale,
            Marketplace::Currency,
            Marketplace::Position,
        ]);
        for (position, (code, name, domain, locale, currency)) in MARKETPLACES.into_iter().enumerate() {
            insert.values_panic([
                code.into(),
                name.into(),
                domain.into(),
                locale.into(),
                currency.into(),
                (position as i32 + 1).into(),
            ]);
        }
        manager.exec_stmt(insert).await?;

        manager
            .create_table(
                Table::create()
                    .table(ConsumableCategory::Table)
                    .col(string(ConsumableCategory::Code).primary_key())
                    .col(string(ConsumableCategory::Name))
                    .col(integer(ConsumableCategory::Position))
                    .to_owned(),
            )
            .await?;
        let mut insert = Query::insert();
        insert.into_table(ConsumableCategory::Table).columns([
            ConsumableCategory::Code,
            ConsumableCategory::Name,
            ConsumableCategory::Position,
        ]);
        for (position, (code, name)) in CATEGORIES.into_iter().enumerate() {
            insert.values_panic([code.into(), name.into(), (position as i32 + 1).into()]);
        }
        manager.exec_stmt(insert).await?;

        manager
            .create_table(
                Table::create()
                    .table(Device::Table)
                    .col(string(Device::Id).primary_key())
                    .col(string(Device::OrganizationId))
                    .col(string(Device::Kind))
                    .col(string(Device::Name))
                    .col(string(Device::ModelId))
                    .col(string_null(Device::DeviceType))
                    .col(timestamp_with_time_zone(Device::CreatedAt))
                    .col(timestamp_with_time_zone(Device::UpdatedAt))
                    .foreign_key(&mut tenant_key(Device::Table, Device::OrganizationId))
                    .to_owned(),
            )
            .await?;
        unique_index(
            manager,
            "ux_device_organization_model",
            Device::Table,
            &["organization_id", "model_id"],
        )
        .await?;

        manager
            .create_table(
                Table::create()
                    .table(DeviceMarketplace::Table)
                    .col(string(DeviceMarketplace::Id).primary_key())
                    .col(string(DeviceMarketplace::OrganizationId))
                    .col(string(DeviceMarketplace::DeviceId))
                    .col(string(DeviceMarketplace::MarketplaceCode))
                    .col(boolean(DeviceMarketplace::IsPrimary).default(false))
                    .col(string_null(DeviceMarketplace::FriendlyName))
                    .col(string(DeviceMarketplace::CertificationState).default("not_certified"))
                    .col(timestamp_with_time_zone(DeviceMarketplace::CreatedAt))
                    .foreign_key(&mut tenant_key(DeviceMarketplace::Table, DeviceMarketplace::OrganizationId))
                    .foreign_key(&mut device_key(DeviceMarketplace::Table))
                    .foreign_key(&mut marketplace_key(DeviceMarketplace::Table))
                    .to_owned(),
            )
            .await?;
        unique_index(
            manager,
            "ux_device_marketplace_device_code",
            DeviceMarketplace::Table,
            &["device_id", "marketplace_code"],
        )
        .await?;

        manager
            .create_table(
                Table::create()
                    .table(Slot::Table)
                    .col(string(Slot::Id).primary_key())
                    .col(string(Slot::OrganizationId))
                    .col(string(Slot::DeviceId))
                    .col(string(Slot::SlotId))
                    .col(string(Slot::CategoryCode))
                    .col(integer(Slot::Position))
                    .col(string_null(Slot::ReplenishmentId))
                    .col(timestamp_with_time_zone(Slot::CreatedAt))
                    .foreign_key(&mut tenant_key(Slot::Table, Slot::OrganizationId))
                    .foreign_key(&mut device_key(Slot::Table))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Slot::Table, Slot::CategoryCode)
                            .to(ConsumableCategory::Table, ConsumableCategory::Code),
                    )
                    .to_owned(),
            )
            .await?;
        unique_index(manager, "ux_slot_device_slot_id", Slot::Table, &["device_id", "slot_id"]).await?;

        manager
            .create_table(
                Table::create()
                    .table(SlotName::Table)
                    .col(string(SlotName::Id).primary_key())
                    .col(string(SlotName::OrganizationId))
                    .col(string(SlotName::SlotKey))
                    .col(string(SlotName::MarketplaceCode))
                    .col(string(SlotName::Name))
                    .foreign_key(&mut tenant_key(SlotName::Table, SlotName::OrganizationId))
                    .foreign_key(
                        ForeignKey::create()
                            .from(SlotName::Table, SlotName::SlotKey)
                            .to(Slot::Table, Slot::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(&mut marketplace_key(SlotName::Table))
                    .to_owned(),
            )
            .await?;
        unique_index(
            manager,
            "ux_slot_name_slot_marketplace",
            SlotName::Table,
            &["slot_key", "marketplace_code"],
        )
        .await?;

        manager
            .create_table(
                Table::create()
                    .table(DeviceImage::Table)
                    .col(string(DeviceImage::Id).primary_key())
                    .col(string(DeviceImage::OrganizationId))
                    .col(string_uniq(DeviceImage::DeviceId))
                    .col(string(DeviceImage::ContentType))
                    .col(integer(DeviceImage::Width))
                    .col(integer(DeviceImage::Height))
                    .col(big_integer(DeviceImage::ByteSize))
                    .col(blob(DeviceImage::Original))
                    .col(blob(DeviceImage::Thumbnail))
                    .col(timestamp_with_time_zone(DeviceImage::CreatedAt))
                    .foreign_key(&mut tenant_key(DeviceImage::Table, DeviceImage::OrganizationId))
                    .foreign_key(&mut device_key(DeviceImage::Table))
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            DeviceImage::Table.into_iden(),
            SlotName::Table.into_iden(),
            Slot::Table.into_iden(),
            DeviceMarketplace::Table.into_iden(),
            Device::Table.into_iden(),
            ConsumableCategory::Table.into_iden(),
            Marketplace::Table.into_iden(),
        ] {
            manager.drop_table(Table::drop().table(table).to_owned()).await?;
        }
        Ok(())
    }
}
