//! Customer accounts prove their address: a verification time per customer and single-use links that
//! carry the customer back to where they signed up (a consent page or their account).

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Customer {
    Table,
    Id,
    EmailVerifiedAt,
}

#[derive(DeriveIden)]
enum CustomerToken {
    Table,
    Id,
    CustomerId,
    TokenHash,
    ReturnTo,
    ExpiresAt,
    UsedAt,
    CreatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // Existing customers stay unverified: their next sign-in mails them a link.
        manager
            .alter_table(
                Table::alter()
                    .table(Customer::Table)
                    .add_column(timestamp_with_time_zone_null(Customer::EmailVerifiedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(CustomerToken::Table)
                    .col(string(CustomerToken::Id).primary_key())
                    .col(string(CustomerToken::CustomerId))
                    .col(string(CustomerToken::TokenHash))
                    .col(text(CustomerToken::ReturnTo))
                    .col(timestamp_with_time_zone(CustomerToken::ExpiresAt))
                    .col(timestamp_with_time_zone_null(CustomerToken::UsedAt))
                    .col(timestamp_with_time_zone(CustomerToken::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(CustomerToken::Table, CustomerToken::CustomerId)
                            .to(Customer::Table, Customer::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ux_customer_token_hash")
                    .table(CustomerToken::Table)
                    .col(CustomerToken::TokenHash)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_customer_token_customer")
                    .table(CustomerToken::Table)
                    .col(CustomerToken::CustomerId)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(CustomerToken::Table).to_owned()).await?;
        manager
            .alter_table(
                Table::alter().table(Customer::Table).drop_column(Customer::EmailVerifiedAt).to_owned(),
            )
            .await
    }
}
