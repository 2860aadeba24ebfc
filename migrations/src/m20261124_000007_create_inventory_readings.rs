//! Inventory sensors: a low-supply threshold per slot (set by the maker), the tracked level and low-reading
//! streak per registered slot, and every reading received.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Organization {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Slot {
    Table,
    LowThreshold,
}

#[derive(DeriveIden)]
enum RegistrationSlot {
    Table,
    Id,
    Level,
    LowStreak,
    LowNotified,
}

#[derive(DeriveIden)]
enum SlotReading {
    Table,
    Id,
    OrganizationId,
    RegistrationSlotId,
    Kind,
    Value,
    Unit,
    SampledAt,
    CreatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // One column per statement: SQLite adds a single column per ALTER TABLE.
        manager
            .alter_table(
                Table::alter().table(Slot::Table).add_column(string_null(Slot::LowThreshold)).to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(RegistrationSlot::Table)
                    .add_column(double_null(RegistrationSlot::Level))
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(RegistrationSlot::Table)
                    .add_column(integer(RegistrationSlot::LowStreak).default(0))
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(RegistrationSlot::Table)
                    .add_column(boolean(RegistrationSlot::LowNotified).default(false))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(SlotReading::Table)
                    .col(string(SlotReading::Id).primary_key())
                    .col(string(SlotReading::OrganizationId))
                    .col(string(SlotReading::RegistrationSlotId))
                    .col(string(SlotReading::Kind))
                    .col(double(SlotReading::Value))
                    .col(string(SlotReading::Unit))
                    .col(timestamp_with_time_zone(SlotReading::SampledAt))
                    .col(timestamp_with_time_zone(SlotReading::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(SlotReading::Table, SlotReading::OrganizationId)
                            .to(Organization::Table, Organization::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(SlotReading::Table, SlotReading::RegistrationSlotId)
                            .to(RegistrationSlot::Table, RegistrationSlot::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_slot_reading_slot")
                    .table(SlotReading::Table)
                    .col(SlotReading::RegistrationSlotId)
                    .col(SlotReading::SampledAt)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(SlotReading::Table).to_owned()).await?;
        for column in [RegistrationSlot::LowNotified, RegistrationSlot::LowStreak, RegistrationSlot::Level] {
            manager
                .alter_table(Table::alter().table(RegistrationSlot::Table).drop_column(column).to_owned())
                .await?;
        }
        manager
            .alter_table(Table::alter().table(Slot::Table).drop_column(Slot::LowThreshold).to_owned())
            .await
    }
}
