//! The device list pages an organization's devices by name: an index in that order lets a page of fifty
//! be read without sorting the whole organization's devices first.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Device {
    Table,
    OrganizationId,
    Name,
    ModelId,
}

const INDEX: &str = "ix_device_organization_name";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_index(
                Index::create()
                    .name(INDEX)
                    .table(Device::Table)
                    .col(Device::OrganizationId)
                    .col(Device::Name)
                    .col(Device::ModelId)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_index(Index::drop().name(INDEX).table(Device::Table).to_owned()).await
    }
}
