//! A tester accepts a device's test invitation on their own page before the portal's simulator may link
//! test devices for them: the allow list alone is the maker's word, not the customer's.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum DeviceTestAccount {
    Table,
    AcceptedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(DeviceTestAccount::Table)
                    .add_column(timestamp_with_time_zone_null(DeviceTestAccount::AcceptedAt))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(DeviceTestAccount::Table)
                    .drop_column(DeviceTestAccount::AcceptedAt)
                    .to_owned(),
            )
            .await
    }
}
