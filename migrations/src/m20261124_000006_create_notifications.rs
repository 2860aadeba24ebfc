//! Notifications to makers' endpoints: the endpoints, each notification (written with the change that
//! causes it), one delivery per endpoint with its retry schedule, and every attempt. Orders gain the hash
//! of the token in their cancel link.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Organization {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum NotificationEndpoint {
    Table,
    Id,
    OrganizationId,
    Url,
    EventTypes,
    Secret,
    PreviousSecret,
    PreviousSecretExpiresAt,
    CreatedAt,
    UpdatedAt,
}

// The variants name the table's columns, and one of them is `notification_type`.
#[allow(clippy::enum_variant_names)]
#[derive(DeriveIden)]
enum Notification {
    Table,
    Id,
    OrganizationId,
    NotificationType,
    Payload,
    CreatedAt,
}

#[derive(DeriveIden)]
enum NotificationDelivery {
    Table,
    Id,
    OrganizationId,
    NotificationId,
    EndpointId,
    Attempts,
    NextAttemptAt,
    LockedUntil,
    DeliveredAt,
    GaveUpAt,
    LastStatus,
    CreatedAt,
}

#[derive(DeriveIden)]
enum DeliveryAttempt {
    Table,
    Id,
    OrganizationId,
    DeliveryId,
    AttemptedAt,
    StatusCode,
    LatencyMs,
    ResponseExcerpt,
    Error,
}

#[derive(DeriveIden)]
enum ReplenishmentOrder {
    Table,
    CancelTokenHash,
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
) -> Result<(), DbErr> {
    let mut index = Index::create();
    index.name(name).table(table);
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
                    .table(NotificationEndpoint::Table)
                    .col(string(NotificationEndpoint::Id).primary_key())
                    .col(string(NotificationEndpoint::OrganizationId))
                    .col(text(NotificationEndpoint::Url))
                    .col(text(NotificationEndpoint::EventTypes))
                    .col(string(NotificationEndpoint::Secret))
                    .col(string_null(NotificationEndpoint::PreviousSecret))
                    .col(timestamp_with_time_zone_null(NotificationEndpoint::PreviousSecretExpiresAt))
                    .col(timestamp_with_time_zone(NotificationEndpoint::CreatedAt))
                    .col(timestamp_with_time_zone(NotificationEndpoint::UpdatedAt))
                    .foreign_key(&mut tenant_key(
                        NotificationEndpoint::Table,
                        NotificationEndpoint::OrganizationId,
                    ))
                    .to_owned(),
            )
            .await?;
        index(manager, "ix_endpoint_org", NotificationEndpoint::Table, &["organization_id"]).await?;

        manager
            .create_table(
                Table::create()
                    .table(Notification::Table)
                    .col(string(Notification::Id).primary_key())
                    .col(string(Notification::OrganizationId))
                    .col(string(Notification::NotificationType))
                    .col(text(Notification::Payload))
                    .col(timestamp_with_time_zone(Notification::CreatedAt))
                    .foreign_key(&mut tenant_key(Notification::Table, Notification::OrganizationId))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(NotificationDelivery::Table)
                    .col(string(NotificationDelivery::Id).primary_key())
                    .col(string(NotificationDelivery::OrganizationId))
                    .col(string(NotificationDelivery::NotificationId))
                    .col(string(NotificationDelivery::EndpointId))
                    .col(integer(NotificationDelivery::Attempts))
                    .col(timestamp_with_time_zone(NotificationDelivery::NextAttemptAt))
                    .col(timestamp_with_time_zone_null(NotificationDelivery::LockedUntil))
                    .col(timestamp_with_time_zone_null(NotificationDelivery::DeliveredAt))
                    .col(timestamp_with_time_zone_null(NotificationDelivery::GaveUpAt))
                    .col(integer_null(NotificationDelivery::LastStatus))
                    .col(timestamp_with_time_zone(NotificationDelivery::CreatedAt))
                    .foreign_key(&mut tenant_key(
                        NotificationDelivery::Table,
                        NotificationDelivery::OrganizationId,
                    ))
                    .foreign_key(&mut cascading_key(
                        NotificationDelivery::Table,
                        "notification_id",
                        Notification::Table,
                        Notification::Id,
                    ))
                    .foreign_key(&mut cascading_key(
                        NotificationDelivery::Table,
                        "endpoint_id",
                        NotificationEndpoint::Table,
                        NotificationEndpoint::Id,
                    ))
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "ix_delivery_due",
            NotificationDelivery::Table,
            &["delivered_at", "gave_up_at", "next_attempt_at"],
        )
        .await?;
        index(manager, "ix_delivery_endpoint", NotificationDelivery::Table, &["endpoint_id", "created_at"])
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(DeliveryAttempt::Table)
                    .col(string(DeliveryAttempt::Id).primary_key())
                    .col(string(DeliveryAttempt::OrganizationId))
                    .col(string(DeliveryAttempt::DeliveryId))
                    .col(timestamp_with_time_zone(DeliveryAttempt::AttemptedAt))
                    .col(integer_null(DeliveryAttempt::StatusCode))
                    .col(integer(DeliveryAttempt::LatencyMs))
                    .col(text(DeliveryAttempt::ResponseExcerpt))
                    .col(text_null(DeliveryAttempt::Error))
                    .foreign_key(&mut tenant_key(DeliveryAttempt::Table, DeliveryAttempt::OrganizationId))
                    .foreign_key(&mut cascading_key(
                        DeliveryAttempt::Table,
                        "delivery_id",
                        NotificationDelivery::Table,
                        NotificationDelivery::Id,
                    ))
                    .to_owned(),
            )
            .await?;
        index(manager, "ix_attempt_delivery", DeliveryAttempt::Table, &["delivery_id", "attempted_at"])
            .await?;

        manager
            .alter_table(
                Table::alter()
                    .table(ReplenishmentOrder::Table)
                    .add_column(string_null(ReplenishmentOrder::CancelTokenHash))
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(ReplenishmentOrder::Table)
                    .drop_column(ReplenishmentOrder::CancelTokenHash)
                    .to_owned(),
            )
            .await?;
        for table in [
            DeliveryAttempt::Table.into_iden(),
            NotificationDelivery::Table.into_iden(),
            Notification::Table.into_iden(),
            NotificationEndpoint::Table.into_iden(),
        ] {
            manager.drop_table(Table::drop().table(table).to_owned()).await?;
        }
        Ok(())
    }
}
