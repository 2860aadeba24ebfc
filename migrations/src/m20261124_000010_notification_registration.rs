//! Each notification names the registration it is about, so a device's notifications (and which of them
//! an endpoint acknowledged) are found without reading payloads.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Notification {
    Table,
    RegistrationId,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Notification::Table)
                    .add_column(string_null(Notification::RegistrationId))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_notification_registration")
                    .table(Notification::Table)
                    .col(Notification::RegistrationId)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(
                Index::drop().name("ix_notification_registration").table(Notification::Table).to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Notification::Table)
                    .drop_column(Notification::RegistrationId)
                    .to_owned(),
            )
            .await
    }
}
