//! On PostgreSQL, every change to what a signed-in viewer is read from (their session, their account, their
//! memberships and those organizations' names) notifies every server instance on commit, whichever code
//! writes it (another instance, the admin command, the previous release during a rolling upgrade), so
//! that instances can keep viewers in memory (`app::services::read_cache`). SQLite has no notifications
//! and its one process keeps no viewers, so nothing changes there.

use crate::postgres_only;
use sea_orm_migration::prelude::*;

/// The channel the notifications are sent on.
pub const VIEWER_CHANGES_CHANNEL: &str = "replenish_viewer_changes";

#[derive(DeriveMigrationName)]
pub struct Migration;

fn postgres_up() -> String {
    format!(
        r#"
CREATE FUNCTION notify_viewer_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('{VIEWER_CHANGES_CHANNEL}', '');
    RETURN NULL;
END
$$;
{POSTGRES_TRIGGERS}"#
    )
}

// Row by row, so that a statement changing no row (mostly the sweep of expired sessions every 10 minutes)
// notifies no one; PostgreSQL sends a transaction's identical notifications once, so a change of many rows
// still notifies once. Inserting a session needs no notification: no instance can hold a viewer for a
// session that did not exist. Columns no viewer shows are left out:
// a new password hash, or a new device (which updates its organization's count), notifies no one by
// itself (a password change also ends the account's other sessions, and that notifies).
const POSTGRES_TRIGGERS: &str = r#"
CREATE TRIGGER session_viewer_change AFTER UPDATE OR DELETE ON session
    FOR EACH ROW EXECUTE FUNCTION notify_viewer_change();
CREATE TRIGGER user_viewer_change AFTER UPDATE OF email, is_reviewer OR DELETE ON "user"
    FOR EACH ROW EXECUTE FUNCTION notify_viewer_change();
CREATE TRIGGER membership_viewer_change AFTER INSERT OR UPDATE OR DELETE ON membership
    FOR EACH ROW EXECUTE FUNCTION notify_viewer_change();
CREATE TRIGGER organization_viewer_change AFTER UPDATE OF name OR DELETE ON organization
    FOR EACH ROW EXECUTE FUNCTION notify_viewer_change();
"#;

const POSTGRES_DOWN: &str = r#"
DROP TRIGGER session_viewer_change ON session;
DROP TRIGGER user_viewer_change ON "user";
DROP TRIGGER membership_viewer_change ON membership;
DROP TRIGGER organization_viewer_change ON organization;
DROP FUNCTION notify_viewer_change();
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
