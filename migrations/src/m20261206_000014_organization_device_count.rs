//! Every organization keeps its number of devices, so the device list's caption and pages need not count
//! the organization's devices on each load: that count grew with the organization and was the largest
//! part of the list's query. Triggers keep it, not the application, so the count stays right whatever
//! writes a device, including the previous release during a rolling upgrade.

use sea_orm_migration::sea_orm::{ConnectionTrait, DbBackend};
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Organization {
    Table,
    DeviceCount,
}

const BACKFILL: &str = "UPDATE organization SET device_count = \
     (SELECT COUNT(*) FROM device WHERE device.organization_id = organization.id)";

const POSTGRES_TRIGGER: &str = r#"
CREATE FUNCTION count_organization_devices() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        UPDATE organization SET device_count = device_count + 1 WHERE id = NEW.organization_id;
    ELSE
        UPDATE organization SET device_count = device_count - 1 WHERE id = OLD.organization_id;
    END IF;
    RETURN NULL;
END
$$;
CREATE TRIGGER organization_device_count AFTER INSERT OR DELETE ON device
    FOR EACH ROW EXECUTE FUNCTION count_organization_devices();
"#;

const POSTGRES_DROP: &str = "DROP TRIGGER organization_device_count ON device; \
     DROP FUNCTION count_organization_devices();";

const SQLITE_TRIGGERS: &str = "
CREATE TRIGGER organization_device_added AFTER INSERT ON device BEGIN
    UPDATE organization SET device_count = device_count + 1 WHERE id = NEW.organization_id;
END;
CREATE TRIGGER organization_device_removed AFTER DELETE ON device BEGIN
    UPDATE organization SET device_count = device_count - 1 WHERE id = OLD.organization_id;
END;
";

const SQLITE_DROP: &str = "DROP TRIGGER organization_device_added; DROP TRIGGER organization_device_removed;";

/// Taken first on PostgreSQL, before `organization` is altered: a device written meanwhile would otherwise
/// either be missed by the backfill (written after its snapshot, before the triggers exist) or deadlock
/// with the migration (a new device checks its organization, which the migration holds).
const POSTGRES_HOLD_DEVICES: &str = "LOCK TABLE device IN SHARE ROW EXCLUSIVE MODE";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    /// On SQLite too: a start that stopped between the column and the triggers would leave a schema that no
    /// later start could migrate.
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }

    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let connection = manager.get_connection();
        if connection.get_database_backend() == DbBackend::Postgres {
            connection.execute_unprepared(POSTGRES_HOLD_DEVICES).await?;
        }
        manager
            .alter_table(
                Table::alter()
                    .table(Organization::Table)
                    .add_column(big_integer(Organization::DeviceCount).default(0))
                    .to_owned(),
            )
            .await?;
        connection.execute_unprepared(BACKFILL).await?;
        let triggers = match connection.get_database_backend() {
            DbBackend::Postgres => POSTGRES_TRIGGER,
            _ => SQLITE_TRIGGERS,
        };
        connection.execute_unprepared(triggers).await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let connection = manager.get_connection();
        let drop = match connection.get_database_backend() {
            DbBackend::Postgres => POSTGRES_DROP,
            _ => SQLITE_DROP,
        };
        connection.execute_unprepared(drop).await?;
        manager
            .alter_table(
                Table::alter().table(Organization::Table).drop_column(Organization::DeviceCount).to_owned(),
            )
            .await
    }
}
