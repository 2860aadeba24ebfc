//! Secrets shown once (a new security-profile secret, a new signing secret) wait for the page that shows
//! them in a table of their own, beside their session's row instead of inside its data: a session is
//! saved whole, so a request saving a copy it read earlier (the daily renewal) could drop a secret stored
//! meanwhile or bring back one already shown.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Session {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum ShownOnce {
    Table,
    SessionId,
    Kind,
    Data,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(ShownOnce::Table)
                    .col(string(ShownOnce::SessionId))
                    .col(string(ShownOnce::Kind))
                    .col(text(ShownOnce::Data))
                    .primary_key(Index::create().col(ShownOnce::SessionId).col(ShownOnce::Kind))
                    // A secret never shown goes with its session: sign-out, expiry, password change.
                    .foreign_key(
                        ForeignKey::create()
                            .from(ShownOnce::Table, ShownOnce::SessionId)
                            .to(Session::Table, Session::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(ShownOnce::Table).to_owned()).await
    }
}
