//! The sandbox's test clock (how far each device's sandbox has been moved ahead) and certification
//! requests: a maker submits a device's marketplace with the evidence of its checklist,
//! and a reviewer certifies or fails it. `certified_at` on the device's marketplace is what turns on live
//! use; `certification_state` is what the maker reads, and stays live while re-certification is pending.

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
    SandboxClockSeconds,
}

#[derive(DeriveIden)]
enum DeviceMarketplace {
    Table,
    CertifiedAt,
}

#[derive(DeriveIden)]
enum CertificationRequest {
    Table,
    Id,
    OrganizationId,
    DeviceId,
    MarketplaceCode,
    State,
    Evidence,
    SubmittedBy,
    SubmittedAt,
    DecidedBy,
    DecidedAt,
    Note,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Device::Table)
                    .add_column(big_integer(Device::SandboxClockSeconds).default(0))
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(DeviceMarketplace::Table)
                    .add_column(timestamp_with_time_zone_null(DeviceMarketplace::CertifiedAt))
                    .to_owned(),
            )
            .await?;
        // Marketplaces certified before this column existed stay live.
        manager
            .get_connection()
            .execute_unprepared(
                "UPDATE device_marketplace SET certified_at = created_at WHERE certification_state = 'certified'",
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(CertificationRequest::Table)
                    .col(string(CertificationRequest::Id).primary_key())
                    .col(string(CertificationRequest::OrganizationId))
                    .col(string(CertificationRequest::DeviceId))
                    .col(string(CertificationRequest::MarketplaceCode))
                    .col(string(CertificationRequest::State))
                    .col(text(CertificationRequest::Evidence))
                    .col(string(CertificationRequest::SubmittedBy))
                    .col(timestamp_with_time_zone(CertificationRequest::SubmittedAt))
                    .col(string_null(CertificationRequest::DecidedBy))
                    .col(timestamp_with_time_zone_null(CertificationRequest::DecidedAt))
                    .col(text(CertificationRequest::Note))
                    .foreign_key(
                        ForeignKey::create()
                            .from(CertificationRequest::Table, CertificationRequest::OrganizationId)
                            .to(Organization::Table, Organization::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(CertificationRequest::Table, CertificationRequest::DeviceId)
                            .to(Device::Table, Device::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_certification_request_state")
                    .table(CertificationRequest::Table)
                    .col(CertificationRequest::State)
                    .col(CertificationRequest::SubmittedAt)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_certification_request_device")
                    .table(CertificationRequest::Table)
                    .col(CertificationRequest::DeviceId)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(CertificationRequest::Table).to_owned()).await?;
        manager
            .alter_table(
                Table::alter().table(Device::Table).drop_column(Device::SandboxClockSeconds).to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(DeviceMarketplace::Table)
                    .drop_column(DeviceMarketplace::CertifiedAt)
                    .to_owned(),
            )
            .await
    }
}
