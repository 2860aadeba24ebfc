//! Replenishment-ID requests: what the maker asks for per slot, the thread of what happened to the
//! request, what approval fixed for each slot, and the test accounts allowed to use a device in the sandbox.

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
enum ReplenishmentRequest {
    Table,
    Id,
    OrganizationId,
    DeviceId,
    State,
    IsChange,
    CustomerId,
    TestAccounts,
    CreatedByEmail,
    ClaimedByUserId,
    ClaimedByEmail,
    SubmittedAt,
    DueAt,
    DecidedAt,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum RequestSlot {
    Table,
    Id,
    OrganizationId,
    RequestId,
    SlotKey,
    SensorType,
    Measurement,
    Unit,
    UnitSize,
    Description,
    Asins,
    Detail,
}

#[derive(DeriveIden)]
enum RequestEvent {
    Table,
    Id,
    OrganizationId,
    RequestId,
    Action,
    ActorEmail,
    ByReviewer,
    Note,
    CreatedAt,
}

#[derive(DeriveIden)]
enum SlotApproval {
    Table,
    SlotKey,
    OrganizationId,
    RequestId,
    SensorType,
    Measurement,
    Unit,
    UnitSize,
    Asins,
    ApprovedAt,
}

#[derive(DeriveIden)]
enum DeviceTestAccount {
    Table,
    Id,
    OrganizationId,
    DeviceId,
    Email,
    Source,
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
                    .table(ReplenishmentRequest::Table)
                    .col(string(ReplenishmentRequest::Id).primary_key())
                    .col(string(ReplenishmentRequest::OrganizationId))
                    .col(string(ReplenishmentRequest::DeviceId))
                    .col(string(ReplenishmentRequest::State))
                    .col(boolean(ReplenishmentRequest::IsChange))
                    .col(string(ReplenishmentRequest::CustomerId))
                    .col(text(ReplenishmentRequest::TestAccounts))
                    .col(string(ReplenishmentRequest::CreatedByEmail))
                    .col(string_null(ReplenishmentRequest::ClaimedByUserId))
                    .col(string_null(ReplenishmentRequest::ClaimedByEmail))
                    .col(timestamp_with_time_zone_null(ReplenishmentRequest::SubmittedAt))
                    .col(timestamp_with_time_zone_null(ReplenishmentRequest::DueAt))
                    .col(timestamp_with_time_zone_null(ReplenishmentRequest::DecidedAt))
                    .col(timestamp_with_time_zone(ReplenishmentRequest::CreatedAt))
                    .col(timestamp_with_time_zone(ReplenishmentRequest::UpdatedAt))
                    .foreign_key(&mut tenant_key(
                        ReplenishmentRequest::Table,
                        ReplenishmentRequest::OrganizationId,
                    ))
                    .foreign_key(&mut cascading_key(
                        ReplenishmentRequest::Table,
                        "device_id",
                        Device::Table,
                        Device::Id,
                    ))
                    .to_owned(),
            )
            .await?;
        // The queue reads by state in due-date order; a device's tab reads its requests.
        index(manager, "ix_request_state_due", ReplenishmentRequest::Table, &["state", "due_at"], false)
            .await?;
        index(manager, "ix_request_device", ReplenishmentRequest::Table, &["device_id", "created_at"], false)
            .await?;
        // At most one open request per device, whatever path writes it. Both databases take this partial
        // index in the same words; the schema builder cannot say WHERE.
        manager
            .get_connection()
            .execute_unprepared(
                "CREATE UNIQUE INDEX ux_request_open_per_device ON replenishment_request (device_id) \
                 WHERE state IN ('draft', 'submitted', 'changes_requested')",
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(RequestSlot::Table)
                    .col(string(RequestSlot::Id).primary_key())
                    .col(string(RequestSlot::OrganizationId))
                    .col(string(RequestSlot::RequestId))
                    .col(string(RequestSlot::SlotKey))
                    .col(string(RequestSlot::SensorType))
                    .col(string(RequestSlot::Measurement))
                    .col(string(RequestSlot::Unit))
                    .col(string(RequestSlot::UnitSize))
                    .col(text(RequestSlot::Description))
                    .col(text(RequestSlot::Asins))
                    .col(text(RequestSlot::Detail))
                    .foreign_key(&mut tenant_key(RequestSlot::Table, RequestSlot::OrganizationId))
                    .foreign_key(&mut cascading_key(
                        RequestSlot::Table,
                        "request_id",
                        ReplenishmentRequest::Table,
                        ReplenishmentRequest::Id,
                    ))
                    .foreign_key(&mut cascading_key(RequestSlot::Table, "slot_key", Slot::Table, Slot::Id))
                    .to_owned(),
            )
            .await?;
        index(manager, "ux_request_slot", RequestSlot::Table, &["request_id", "slot_key"], true).await?;

        manager
            .create_table(
                Table::create()
                    .table(RequestEvent::Table)
                    .col(string(RequestEvent::Id).primary_key())
                    .col(string(RequestEvent::OrganizationId))
                    .col(string(RequestEvent::RequestId))
                    .col(string(RequestEvent::Action))
                    .col(string(RequestEvent::ActorEmail))
                    .col(boolean(RequestEvent::ByReviewer))
                    .col(text(RequestEvent::Note))
                    .col(timestamp_with_time_zone(RequestEvent::CreatedAt))
                    .foreign_key(&mut tenant_key(RequestEvent::Table, RequestEvent::OrganizationId))
                    .foreign_key(&mut cascading_key(
                        RequestEvent::Table,
                        "request_id",
                        ReplenishmentRequest::Table,
                        ReplenishmentRequest::Id,
                    ))
                    .to_owned(),
            )
            .await?;
        index(manager, "ix_request_event_request", RequestEvent::Table, &["request_id", "created_at"], false)
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(SlotApproval::Table)
                    .col(string(SlotApproval::SlotKey).primary_key())
                    .col(string(SlotApproval::OrganizationId))
                    .col(string(SlotApproval::RequestId))
                    .col(string(SlotApproval::SensorType))
                    .col(string(SlotApproval::Measurement))
                    .col(string(SlotApproval::Unit))
                    .col(string(SlotApproval::UnitSize))
                    .col(text(SlotApproval::Asins))
                    .col(timestamp_with_time_zone(SlotApproval::ApprovedAt))
                    .foreign_key(&mut tenant_key(SlotApproval::Table, SlotApproval::OrganizationId))
                    .foreign_key(&mut cascading_key(SlotApproval::Table, "slot_key", Slot::Table, Slot::Id))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(DeviceTestAccount::Table)
                    .col(string(DeviceTestAccount::Id).primary_key())
                    .col(string(DeviceTestAccount::OrganizationId))
                    .col(string(DeviceTestAccount::DeviceId))
                    .col(string(DeviceTestAccount::Email))
                    .col(string(DeviceTestAccount::Source))
                    .col(timestamp_with_time_zone(DeviceTestAccount::CreatedAt))
                    .foreign_key(&mut tenant_key(DeviceTestAccount::Table, DeviceTestAccount::OrganizationId))
                    .foreign_key(&mut cascading_key(
                        DeviceTestAccount::Table,
                        "device_id",
                        Device::Table,
                        Device::Id,
                    ))
                    .to_owned(),
            )
            .await?;
        index(manager, "ux_device_test_account", DeviceTestAccount::Table, &["device_id", "email"], true)
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            DeviceTestAccount::Table.into_iden(),
            SlotApproval::Table.into_iden(),
            RequestEvent::Table.into_iden(),
            RequestSlot::Table.into_iden(),
            ReplenishmentRequest::Table.into_iden(),
        ] {
            manager.drop_table(Table::drop().table(table).to_owned()).await?;
        }
        Ok(())
    }
}
