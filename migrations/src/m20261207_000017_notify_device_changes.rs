//! On PostgreSQL, every change to what a device page or the device list shows (a device, its image, its
//! marketplaces, its slots and their names) notifies every server instance on commit, whichever code
//! writes it, so that instances can keep those pages in memory (`app::services::read_cache`), as they
//! keep viewers (`m20261207_000016_notify_viewer_changes`). On a channel of its own: a device's change
//! leaves cached viewers alone, and the previous release, which caches no devices, never hears it.
//! SQLite has no notifications and caches nothing, so nothing changes there.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::{ConnectionTrait, DbBackend};

/// The channel the notifications are sent on.
pub const DEVICE_CHANGES_CHANNEL: &str = "replenish_device_changes";

#[derive(DeriveMigrationName)]
pub struct Migration;

fn postgres_up() -> String {
    format!(
        r#"
CREATE FUNCTION notify_device_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('{DEVICE_CHANGES_CHANNEL}', '');
    RETURN NULL;
END
$$;
{POSTGRES_TRIGGERS}"#
    )
}

// Row by row, as the viewers' triggers are: a statement that changes no row notifies no one, and a
// transaction's identical notifications go out once. A device's columns are listed because the sandbox
// moves its clock on every step of a test run, which no page shows; a page that comes to show a column
// left out must add it here. The organization's device count, which the list shows, changes only with a
// device added or removed, which notifies.
const POSTGRES_TRIGGERS: &str = r#"
CREATE TRIGGER device_device_change
    AFTER INSERT OR DELETE OR UPDATE OF id, organization_id, kind, name, model_id, device_type, created_at
    ON device FOR EACH ROW EXECUTE FUNCTION notify_device_change();
CREATE TRIGGER device_image_device_change AFTER INSERT OR UPDATE OR DELETE ON device_image
    FOR EACH ROW EXECUTE FUNCTION notify_device_change();
CREATE TRIGGER device_marketplace_device_change AFTER INSERT OR UPDATE OR DELETE ON device_marketplace
    FOR EACH ROW EXECUTE FUNCTION notify_device_change();
CREATE TRIGGER slot_device_change AFTER INSERT OR UPDATE OR DELETE ON slot
    FOR EACH ROW EXECUTE FUNCTION notify_device_change();
CREATE TRIGGER slot_name_device_change AFTER INSERT OR UPDATE OR DELETE ON slot_name
    FOR EACH ROW EXECUTE FUNCTION notify_device_change();
"#;

const POSTGRES_DOWN: &str = r#"
DROP TRIGGER device_device_change ON device;
DROP TRIGGER device_image_device_change ON device_image;
DROP TRIGGER device_marketplace_device_change ON device_marketplace;
DROP TRIGGER slot_device_change ON slot;
DROP TRIGGER slot_name_device_change ON slot_name;
DROP FUNCTION notify_device_change();
"#;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let connection = manager.get_connection();
        if connection.get_database_backend() == DbBackend::Postgres {
            connection.execute_unprepared(&postgres_up()).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let connection = manager.get_connection();
        if connection.get_database_backend() == DbBackend::Postgres {
            connection.execute_unprepared(POSTGRES_DOWN).await?;
        }
        Ok(())
    }
}
