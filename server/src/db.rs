//! Connecting to SQLite or PostgreSQL and bringing the schema up to date.

use migrations::{Migrator, MigratorTrait};
use sea_orm::{ConnectOptions, ConnectionTrait, Database, DatabaseConnection, DbBackend, DbErr};
use std::collections::HashSet;
use std::time::Duration;

/// Connects to the database at `url`; PostgreSQL gets a pool of up to `max_connections`.
pub async fn connect(url: &str, max_connections: u32) -> Result<DatabaseConnection, DbErr> {
    if let Some(path) = sqlite_file(url) {
        if let Some(parent) = std::path::Path::new(&path).parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(parent)
                .map_err(|e| DbErr::Custom(format!("cannot create {parent:?}: {e}")))?;
        }
    }
    let mut options = pool_options(url.to_owned());
    if url.starts_with("sqlite:") {
        // SQLite takes one writer at a time; a single connection turns contention into queueing instead
        // of "database is locked" errors.
        options.max_connections(1).min_connections(1);
    } else {
        options.max_connections(max_connections);
    }
    let db = Database::connect(options).await?;
    if db.get_database_backend() == DbBackend::Sqlite {
        db.execute_unprepared(
            "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON;",
        )
        .await?;
    }
    Ok(db)
}

/// What every pool shares, whatever its size. A SQLite file that is open cannot be dropped by a peer, so its
/// connections are not tested before use; PostgreSQL's are, once idle (see `PING_AFTER_IDLE`).
fn pool_options(url: String) -> ConnectOptions {
    let sqlite = url.starts_with("sqlite:");
    let mut options = ConnectOptions::new(url);
    options
        .sqlx_logging(false)
        .connect_timeout(Duration::from_secs(10))
        .acquire_timeout(Duration::from_secs(30));
    if sqlite {
        options.test_before_acquire(false);
    } else {
        options.test_before_acquire_if_idle_for(PING_AFTER_IDLE);
    }
    options
}

/// How long a PostgreSQL connection may sit in the pool before it is tested on its way out. A connection
/// can be ended while it waits (a restart, a proxy's idle timeout), and the test replaces it unseen; but a
/// test at every checkout was one of the three round trips of each checkout (with the statement's own and
/// sqlx's test when the connection comes back). Under load connections come back within milliseconds and
/// go out untested, so a restart under load can fail one request per connection used just before it.
pub const PING_AFTER_IDLE: Duration = Duration::from_secs(1);

/// Claims a SQLite database for this server alone, for as long as the answered file stays open: several
/// servers on one SQLite file would each take writes SQLite can only queue within one process. The lock is
/// on `<database>.lock`, never on the database itself: closing a descriptor of the database would drop
/// SQLite's own locks. Answers `None` for PostgreSQL, which is the way to run several instances.
pub fn claim_sqlite(url: &str) -> Result<Option<std::fs::File>, DbErr> {
    let Some(path) = sqlite_file(url) else { return Ok(None) };
    let lock_path = format!("{path}.lock");
    if let Some(parent) = std::path::Path::new(&lock_path).parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent)
            .map_err(|e| DbErr::Custom(format!("cannot create {parent:?}: {e}")))?;
    }
    let file = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&lock_path)
        .map_err(|e| DbErr::Custom(format!("cannot open {lock_path}: {e}")))?;
    match file.try_lock() {
        Ok(()) => Ok(Some(file)),
        Err(std::fs::TryLockError::WouldBlock) => Err(DbErr::Custom(format!(
            "another Replenish server is using {path}; SQLite serves one instance (use PostgreSQL, \
             DATABASE_URL=postgres://…, to run several)"
        ))),
        Err(std::fs::TryLockError::Error(e)) => Err(DbErr::Custom(format!("cannot lock {lock_path}: {e}"))),
    }
}

/// Connections for the runtime API's lookups. SQLite in WAL mode lets readers run beside its one writer,
/// so a small read-only pool takes token checks off the writer's connection; PostgreSQL shares its pool.
pub async fn connect_reader(url: &str, writer: &DatabaseConnection) -> Result<DatabaseConnection, DbErr> {
    if writer.get_database_backend() != DbBackend::Sqlite || sqlite_file(url).is_none() {
        return Ok(writer.clone());
    }
    let read_only = match url.split_once('?') {
        Some((base, query)) => {
            let kept: Vec<&str> = query.split('&').filter(|p| !p.starts_with("mode=")).collect();
            format!("{base}?{}", kept.into_iter().chain(["mode=ro"]).collect::<Vec<_>>().join("&"))
        }
        None => format!("{url}?mode=ro"),
    };
    let mut options = pool_options(read_only);
    options.max_connections(READERS).min_connections(1);
    Database::connect(options).await
}

/// Read-only SQLite connections beside the writer.
const READERS: u32 = 4;

/// Applies this release's pending migrations. A database that a newer release has already migrated is
/// used as it is, provided it has every migration of this one: migrations stay compatible with the release
/// before them (README, Upgrades), so an instance of that release that restarts during a rolling upgrade
/// must start, where sea-orm alone refuses a database with migrations it does not know.
pub async fn migrate(db: &DatabaseConnection) -> Result<(), DbErr> {
    let applied: HashSet<String> =
        Migrator::get_migration_models(db).await?.into_iter().map(|migration| migration.version).collect();
    let known: Vec<String> =
        Migrator::migrations().iter().map(|migration| migration.name().to_owned()).collect();
    let mut newer: Vec<&str> =
        applied.iter().filter(|version| !known.contains(version)).map(String::as_str).collect();
    if newer.is_empty() {
        return Migrator::up(db, None).await;
    }
    newer.sort_unstable();
    if let Some(missing) = known.iter().find(|version| !applied.contains(*version)) {
        return Err(DbErr::Custom(format!(
            "the database has migrations of a newer release ({}) but not this release's {missing}: \
             start the newer release instead",
            newer.join(", ")
        )));
    }
    tracing::warn!(
        newer = newer.join(", "),
        "a newer release has migrated this database; running on its schema, which stays compatible with \
         this release"
    );
    Ok(())
}

fn sqlite_file(url: &str) -> Option<String> {
    let rest = url.strip_prefix("sqlite://").or_else(|| url.strip_prefix("sqlite:"))?;
    let path = rest.split('?').next()?;
    (!path.is_empty() && path != ":memory:").then(|| path.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The bundled SQLite must be built with the query planner stability guarantee (`.cargo/config.toml`):
    /// without it every query with a bound LIMIT is compiled again on each run.
    #[tokio::test]
    async fn bundled_sqlite_keeps_query_plans() -> Result<(), DbErr> {
        let db = connect("sqlite::memory:", 1).await?;
        let options = db
            .query_all_raw(sea_orm::Statement::from_string(DbBackend::Sqlite, "PRAGMA compile_options"))
            .await?
            .iter()
            .map(|row| row.try_get_by_index::<String>(0))
            .collect::<Result<Vec<_>, _>>()?;
        assert!(options.iter().any(|o| o == "ENABLE_QPSG"), "compile options: {options:?}");
        Ok(())
    }
}
