//! Requests that send mail to an address someone typed (sign-up, password reset), counted per client
//! address and per recipient so that nobody can flood an inbox.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum MailThrottle {
    Table,
    Id,
    Key,
    CreatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(MailThrottle::Table)
                    .col(string(MailThrottle::Id).primary_key())
                    .col(string(MailThrottle::Key))
                    .col(timestamp_with_time_zone(MailThrottle::CreatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_mail_throttle_key")
                    .table(MailThrottle::Table)
                    .col(MailThrottle::Key)
                    .col(MailThrottle::CreatedAt)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(MailThrottle::Table).to_owned()).await
    }
}
