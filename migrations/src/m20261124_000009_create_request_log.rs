//! The runtime API's request log: the recent calls of each device's registrations, shown on the device's
//! sandbox logs and used as certification evidence.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Organization {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum ApiRequest {
    Table,
    Id,
    OrganizationId,
    DeviceId,
    RegistrationId,
    MarketplaceCode,
    IsTest,
    Call,
    Method,
    Path,
    Status,
    LatencyMicros,
    RequestExcerpt,
    ResponseExcerpt,
    CreatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(ApiRequest::Table)
                    .col(string(ApiRequest::Id).primary_key())
                    .col(string(ApiRequest::OrganizationId))
                    .col(string(ApiRequest::DeviceId))
                    .col(string(ApiRequest::RegistrationId))
                    .col(string(ApiRequest::MarketplaceCode))
                    .col(boolean(ApiRequest::IsTest))
                    .col(string(ApiRequest::Call))
                    .col(string(ApiRequest::Method))
                    .col(string(ApiRequest::Path))
                    .col(integer(ApiRequest::Status))
                    .col(big_integer(ApiRequest::LatencyMicros))
                    .col(text(ApiRequest::RequestExcerpt))
                    .col(text(ApiRequest::ResponseExcerpt))
                    .col(timestamp_with_time_zone(ApiRequest::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(ApiRequest::Table, ApiRequest::OrganizationId)
                            .to(Organization::Table, Organization::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_api_request_device")
                    .table(ApiRequest::Table)
                    .col(ApiRequest::DeviceId)
                    .col(ApiRequest::CreatedAt)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_api_request_created")
                    .table(ApiRequest::Table)
                    .col(ApiRequest::CreatedAt)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(ApiRequest::Table).to_owned()).await
    }
}
