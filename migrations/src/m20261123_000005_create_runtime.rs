//! The runtime API's tables: security profiles (OAuth clients), customers, their device registrations with
//! a product choice per slot, authorization codes and tokens (hashes only), orders, and the first answers of
//! idempotent replenish calls.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Organization {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Device {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Slot {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum SecurityProfile {
    Table,
    Id,
    OrganizationId,
    Name,
    ClientId,
    SecretHash,
    PreviousSecretHash,
    PreviousSecretExpiresAt,
    ReturnUrls,
    RevokedAt,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Customer {
    Table,
    Id,
    Email,
    PasswordHash,
    MarketplaceCode,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Registration {
    Table,
    Id,
    OrganizationId,
    DeviceId,
    SecurityProfileId,
    CustomerId,
    Serial,
    MarketplaceCode,
    IsTest,
    LastActiveAt,
    CreatedAt,
    DeregisteredAt,
}

#[derive(DeriveIden)]
enum RegistrationSlot {
    Table,
    Id,
    OrganizationId,
    RegistrationId,
    SlotKey,
    SlotId,
    Asin,
    ExpectedReplenishmentAt,
    RemainingQuantity,
    OriginalQuantity,
    TotalQuantityOnHand,
    LastUseAt,
    StatusReportedAt,
}

#[derive(DeriveIden)]
enum OauthCode {
    Table,
    CodeHash,
    OrganizationId,
    RegistrationId,
    SecurityProfileId,
    RedirectUri,
    ExpiresAt,
    UsedAt,
}

#[derive(DeriveIden)]
enum OauthToken {
    Table,
    TokenHash,
    OrganizationId,
    RegistrationId,
    SecurityProfileId,
    Kind,
    ExpiresAt,
    RevokedAt,
    CreatedAt,
}

#[derive(DeriveIden)]
enum ReplenishmentOrder {
    Table,
    Id,
    OrganizationId,
    RegistrationId,
    RegistrationSlotId,
    SlotId,
    Asin,
    Quantity,
    IsTest,
    Status,
    HoldUntil,
    ExpectedDeliveryAt,
    PlacedAt,
    ShippedAt,
    DeliveredAt,
    CancelledAt,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum IdempotentAnswer {
    Table,
    RegistrationId,
    IdempotencyKey,
    OrganizationId,
    Body,
    CreatedAt,
}

fn tenant_key(from_table: impl IntoIden, from_col: impl IntoIden) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .from(from_table, from_col)
        .to(Organization::Table, Organization::Id)
        .on_delete(ForeignKeyAction::Cascade)
        .to_owned()
}

fn cascading_key(
    from_table: impl IntoIden,
    from_col: &str,
    to_table: impl IntoIden,
    to_col: impl IntoIden,
) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .from(from_table, Alias::new(from_col))
        .to(to_table, to_col)
        .on_delete(ForeignKeyAction::Cascade)
        .to_owned()
}

async fn index(
    manager: &SchemaManager<'_>,
    name: &str,
    table: impl IntoIden,
    columns: &[&str],
    unique: bool,
) -> Result<(), DbErr> {
    let mut index = Index::create();
    index.name(name).table(table);
    if unique {
        index.unique();
    }
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
                    .table(SecurityProfile::Table)
                    .col(string(SecurityProfile::Id).primary_key())
                    .col(string(SecurityProfile::OrganizationId))
                    .col(string(SecurityProfile::Name))
                    .col(string(SecurityProfile::ClientId))
                    .col(string(SecurityProfile::SecretHash))
                    .col(string_null(SecurityProfile::PreviousSecretHash))
                    .col(timestamp_with_time_zone_null(SecurityProfile::PreviousSecretExpiresAt))
                    .col(text(SecurityProfile::ReturnUrls))
                    .col(timestamp_with_time_zone_null(SecurityProfile::RevokedAt))
                    .col(timestamp_with_time_zone(SecurityProfile::CreatedAt))
                    .col(timestamp_with_time_zone(SecurityProfile::UpdatedAt))
                    .foreign_key(&mut tenant_key(SecurityProfile::Table, SecurityProfile::OrganizationId))
                    .to_owned(),
            )
            .await?;
        index(manager, "ux_security_profile_client", SecurityProfile::Table, &["client_id"], true).await?;
        index(manager, "ix_security_profile_org", SecurityProfile::Table, &["organization_id"], false)
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Customer::Table)
                    .col(string(Customer::Id).primary_key())
                    .col(string(Customer::Email))
                    .col(string(Customer::PasswordHash))
                    .col(string(Customer::MarketplaceCode))
                    .col(timestamp_with_time_zone(Customer::CreatedAt))
                    .to_owned(),
            )
            .await?;
        index(manager, "ux_customer_email", Customer::Table, &["email"], true).await?;

        manager
            .create_table(
                Table::create()
                    .table(Registration::Table)
                    .col(string(Registration::Id).primary_key())
                    .col(string(Registration::OrganizationId))
                    .col(string(Registration::DeviceId))
                    .col(string(Registration::SecurityProfileId))
                    .col(string(Registration::CustomerId))
                    .col(string(Registration::Serial))
                    .col(string(Registration::MarketplaceCode))
                    .col(boolean(Registration::IsTest))
                    .col(timestamp_with_time_zone_null(Registration::LastActiveAt))
                    .col(timestamp_with_time_zone(Registration::CreatedAt))
                    .col(timestamp_with_time_zone_null(Registration::DeregisteredAt))
                    .foreign_key(&mut tenant_key(Registration::Table, Registration::OrganizationId))
                    .foreign_key(&mut cascading_key(
                        Registration::Table,
                        "device_id",
                        Device::Table,
                        Device::Id,
                    ))
                    .foreign_key(&mut cascading_key(
                        Registration::Table,
                        "security_profile_id",
                        SecurityProfile::Table,
                        SecurityProfile::Id,
                    ))
                    .foreign_key(&mut cascading_key(
                        Registration::Table,
                        "customer_id",
                        Customer::Table,
                        Customer::Id,
                    ))
                    .to_owned(),
            )
            .await?;
        index(manager, "ix_registration_customer", Registration::Table, &["customer_id"], false).await?;
        // One live registration per physical device (model and serial); linking it again replaces it.
        manager
            .get_connection()
            .execute_unprepared(
                "CREATE UNIQUE INDEX ux_registration_live ON registration (device_id, serial) \
                 WHERE deregistered_at IS NULL",
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(RegistrationSlot::Table)
                    .col(string(RegistrationSlot::Id).primary_key())
                    .col(string(RegistrationSlot::OrganizationId))
                    .col(string(RegistrationSlot::RegistrationId))
                    .col(string(RegistrationSlot::SlotKey))
                    .col(string(RegistrationSlot::SlotId))
                    .col(string_null(RegistrationSlot::Asin))
                    .col(timestamp_with_time_zone_null(RegistrationSlot::ExpectedReplenishmentAt))
                    .col(double_null(RegistrationSlot::RemainingQuantity))
                    .col(double_null(RegistrationSlot::OriginalQuantity))
                    .col(double_null(RegistrationSlot::TotalQuantityOnHand))
                    .col(timestamp_with_time_zone_null(RegistrationSlot::LastUseAt))
                    .col(timestamp_with_time_zone_null(RegistrationSlot::StatusReportedAt))
                    .foreign_key(&mut tenant_key(RegistrationSlot::Table, RegistrationSlot::OrganizationId))
                    .foreign_key(&mut cascading_key(
                        RegistrationSlot::Table,
                        "registration_id",
                        Registration::Table,
                        Registration::Id,
                    ))
                    .foreign_key(&mut cascading_key(
                        RegistrationSlot::Table,
                        "slot_key",
                        Slot::Table,
                        Slot::Id,
                    ))
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "ux_registration_slot",
            RegistrationSlot::Table,
            &["registration_id", "slot_id"],
            true,
        )
        .await?;

        manager
            .create_table(
                Table::create()
                    .table(OauthCode::Table)
                    .col(string(OauthCode::CodeHash).primary_key())
                    .col(string(OauthCode::OrganizationId))
                    .col(string(OauthCode::RegistrationId))
                    .col(string(OauthCode::SecurityProfileId))
                    .col(text(OauthCode::RedirectUri))
                    .col(timestamp_with_time_zone(OauthCode::ExpiresAt))
                    .col(timestamp_with_time_zone_null(OauthCode::UsedAt))
                    .foreign_key(&mut tenant_key(OauthCode::Table, OauthCode::OrganizationId))
                    .foreign_key(&mut cascading_key(
                        OauthCode::Table,
                        "registration_id",
                        Registration::Table,
                        Registration::Id,
                    ))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(OauthToken::Table)
                    .col(string(OauthToken::TokenHash).primary_key())
                    .col(string(OauthToken::OrganizationId))
                    .col(string(OauthToken::RegistrationId))
                    .col(string(OauthToken::SecurityProfileId))
                    .col(string(OauthToken::Kind))
                    .col(timestamp_with_time_zone_null(OauthToken::ExpiresAt))
                    .col(timestamp_with_time_zone_null(OauthToken::RevokedAt))
                    .col(timestamp_with_time_zone(OauthToken::CreatedAt))
                    .foreign_key(&mut tenant_key(OauthToken::Table, OauthToken::OrganizationId))
                    .foreign_key(&mut cascading_key(
                        OauthToken::Table,
                        "registration_id",
                        Registration::Table,
                        Registration::Id,
                    ))
                    .to_owned(),
            )
            .await?;
        index(manager, "ix_oauth_token_registration", OauthToken::Table, &["registration_id"], false).await?;

        manager
            .create_table(
                Table::create()
                    .table(ReplenishmentOrder::Table)
                    .col(string(ReplenishmentOrder::Id).primary_key())
                    .col(string(ReplenishmentOrder::OrganizationId))
                    .col(string(ReplenishmentOrder::RegistrationId))
                    .col(string(ReplenishmentOrder::RegistrationSlotId))
                    .col(string(ReplenishmentOrder::SlotId))
                    .col(string(ReplenishmentOrder::Asin))
                    .col(integer(ReplenishmentOrder::Quantity))
                    .col(boolean(ReplenishmentOrder::IsTest))
                    .col(string(ReplenishmentOrder::Status))
                    .col(timestamp_with_time_zone(ReplenishmentOrder::HoldUntil))
                    .col(timestamp_with_time_zone(ReplenishmentOrder::ExpectedDeliveryAt))
                    .col(timestamp_with_time_zone_null(ReplenishmentOrder::PlacedAt))
                    .col(timestamp_with_time_zone_null(ReplenishmentOrder::ShippedAt))
                    .col(timestamp_with_time_zone_null(ReplenishmentOrder::DeliveredAt))
                    .col(timestamp_with_time_zone_null(ReplenishmentOrder::CancelledAt))
                    .col(timestamp_with_time_zone(ReplenishmentOrder::CreatedAt))
                    .col(timestamp_with_time_zone(ReplenishmentOrder::UpdatedAt))
                    .foreign_key(&mut tenant_key(
                        ReplenishmentOrder::Table,
                        ReplenishmentOrder::OrganizationId,
                    ))
                    .foreign_key(&mut cascading_key(
                        ReplenishmentOrder::Table,
                        "registration_id",
                        Registration::Table,
                        Registration::Id,
                    ))
                    .foreign_key(&mut cascading_key(
                        ReplenishmentOrder::Table,
                        "registration_slot_id",
                        RegistrationSlot::Table,
                        RegistrationSlot::Id,
                    ))
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "ix_order_registration",
            ReplenishmentOrder::Table,
            &["registration_id", "created_at"],
            false,
        )
        .await?;
        index(manager, "ix_order_status", ReplenishmentOrder::Table, &["status", "hold_until"], false)
            .await?;
        // At most one open order per slot of a registration, whatever the retries or concurrency: the
        // database refuses the second one.
        manager
            .get_connection()
            .execute_unprepared(
                "CREATE UNIQUE INDEX ux_order_open_per_slot ON replenishment_order (registration_slot_id) \
                 WHERE status IN ('Pending', 'Placed', 'Shipped')",
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(IdempotentAnswer::Table)
                    .col(string(IdempotentAnswer::RegistrationId))
                    .col(string(IdempotentAnswer::IdempotencyKey))
                    .col(string(IdempotentAnswer::OrganizationId))
                    .col(text(IdempotentAnswer::Body))
                    .col(timestamp_with_time_zone(IdempotentAnswer::CreatedAt))
                    .primary_key(
                        Index::create()
                            .col(IdempotentAnswer::RegistrationId)
                            .col(IdempotentAnswer::IdempotencyKey),
                    )
                    .foreign_key(&mut tenant_key(IdempotentAnswer::Table, IdempotentAnswer::OrganizationId))
                    .foreign_key(&mut cascading_key(
                        IdempotentAnswer::Table,
                        "registration_id",
                        Registration::Table,
                        Registration::Id,
                    ))
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            IdempotentAnswer::Table.into_iden(),
            ReplenishmentOrder::Table.into_iden(),
            OauthToken::Table.into_iden(),
            OauthCode::Table.into_iden(),
            RegistrationSlot::Table.into_iden(),
            Registration::Table.into_iden(),
            Customer::Table.into_iden(),
            SecurityProfile::Table.into_iden(),
        ] {
            manager.drop_table(Table::drop().table(table).to_owned()).await?;
        }
        Ok(())
    }
}
