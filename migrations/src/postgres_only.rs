//! SQL that only PostgreSQL runs, for the migrations that add what SQLite has no use for (notifications,
//! which its one process does not need).

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::{ConnectionTrait, DbBackend};

/// Runs `sql` on PostgreSQL; on SQLite, nothing.
pub(crate) async fn execute(manager: &SchemaManager<'_>, sql: &str) -> Result<(), DbErr> {
    let connection = manager.get_connection();
    if connection.get_database_backend() == DbBackend::Postgres {
        connection.execute_unprepared(sql).await?;
    }
    Ok(())
}
