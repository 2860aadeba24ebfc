//! On PostgreSQL, every change to what a device page or the device list shows (a device, its image, its
//! marketplaces, its slots and their names) notifies every server instance on commit, whichever code
//! writes it, so that instances can keep those pages in memory (`app::services::read_cache`), as they
//! keep viewers (`m20261207_000016_notify_viewer_changes`). On a channel of its own: a device's change
//! leaves cached viewers alone, and the previous release, which caches no devices, never hears it.
//! SQLite has no notifications and caches nothing, so nothing changes there.

use crate::postgres_only;
use sea_orm_migration::prelude::*;

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
// left out must add it here. The organization's device count, which the list shows, changes with a device
// added or removed, which notifies, or with a recount by hand. `TRUNCATE` fires no row trigger, so each
// table, the viewers' too, notifies once per truncating statement.
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
CREATE TRIGGER organization_device_change AFTER UPDATE OF device_count ON organization
    FOR EACH ROW EXECUTE FUNCTION notify_device_change();
CREATE TRIGGER device_truncated AFTER TRUNCATE ON device
    FOR EACH STATEMENT EXECUTE FUNCTION notify_device_change();
CREATE TRIGGER device_image_truncated AFTER TRUNCATE ON device_image
    FOR EACH STATEMENT EXECUTE FUNCTION notify_device_change();
CREATE TRIGGER device_marketplace_truncated AFTER TRUNCATE ON device_marketplace
    FOR EACH STATEMENT EXECUTE FUNCTION notify_device_change();
CREATE TRIGGER slot_truncated AFTER TRUNCATE ON slot
    FOR EACH STATEMENT EXECUTE FUNCTION notify_device_change();
CREATE TRIGGER slot_name_truncated AFTER TRUNCATE ON slot_name
    FOR EACH STATEMENT EXECUTE FUNCTION notify_device_change();
CREATE TRIGGER session_truncated AFTER TRUNCATE ON session
    FOR EACH STATEMENT EXECUTE FUNCTION notify_viewer_change();
CREATE TRIGGER user_truncated AFTER TRUNCATE ON "user"
    FOR EACH STATEMENT EXECUTE FUNCTION notify_viewer_change();
CREATE TRIGGER membership_truncated AFTER TRUNCATE ON membership
    FOR EACH STATEMENT EXECUTE FUNCTION notify_viewer_change();
CREATE TRIGGER organization_truncated AFTER TRUNCATE ON organization
    FOR EACH STATEMENT EXECUTE FUNCTION notify_viewer_change();
"#;

const POSTGRES_DOWN: &str = r#"
DROP TRIGGER device_device_change ON device;
DROP TRIGGER device_image_device_change ON device_image;
DROP TRIGGER device_marketplace_device_change ON device_marketplace;
DROP TRIGGER slot_device_change ON slot;
DROP TRIGGER slot_name_device_change ON slot_name;
DROP TRIGGER organization_device_change ON organization;
DROP TRIGGER device_truncated ON device;
DROP TRIGGER device_image_truncated ON device_image;
DROP TRIGGER device_marketplace_truncated ON device_marketplace;
DROP TRIGGER slot_truncated ON slot;
DROP TRIGGER slot_name_truncated ON slot_name;
DROP TRIGGER session_truncated ON session;
DROP TRIGGER user_truncated ON "user";
DROP TRIGGER membership_truncated ON membership;
DROP TRIGGER organization_truncated ON organization;
DROP FUNCTION notify_device_change();
"#;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        postgres_only::execute(manager, &postgres_up()).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        postgres_only::execute(manager, POSTGRES_DOWN).await
    }
}
