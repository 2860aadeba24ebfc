//! Migrations on a database that already holds data, on SQLite and PostgreSQL alike.

mod support;

use migrations::{Migrator, MigratorTrait};
use sea_orm::{ConnectionTrait, Database, DatabaseConnection};
use support::TestDatabase;

/// How many migrations come before the organization's device count, and how many from it on.
fn around_device_count() -> (u32, u32) {
    let all = Migrator::migrations();
    let before = all
        .iter()
        .position(|migration| migration.name() == "m20261206_000014_organization_device_count")
        .expect("the device count migration");
    let count = |n: usize| u32::try_from(n).expect("a few migrations");
    (count(before), count(all.len() - before))
}

async fn execute(db: &impl ConnectionTrait, sql: &str) {
    db.execute_unprepared(sql).await.unwrap_or_else(|error| panic!("{sql}: {error}"));
}

async fn add_organization(db: &DatabaseConnection, id: &str) {
    execute(db, &format!("INSERT INTO organization (id, name, created_at) VALUES ('{id}', '{id}', '2026-12-06 10:00:00+00')"))
        .await;
}

fn device_insert(organization: &str, id: &str) -> String {
    format!(
        "INSERT INTO device (id, organization_id, kind, name, model_id, created_at, updated_at) \
         VALUES ('{id}', '{organization}', 'skills_kit', '{id}', '{id}', '2026-12-06 10:00:00+00', \
         '2026-12-06 10:00:00+00')"
    )
}

async fn device_count(db: &DatabaseConnection, organization: &str) -> i64 {
    let row = db
        .query_one_raw(sea_orm::Statement::from_string(
            db.get_database_backend(),
            format!("SELECT device_count FROM organization WHERE id = '{organization}'"),
        ))
        .await
        .expect("query")
        .expect("organization");
    row.try_get_by_index(0).expect("device_count")
}

/// The count starts from the devices already there, then follows every insert and delete by whatever
/// writes them (a previous release during a rolling upgrade, an operator's SQL), and only once they
/// commit; migrating down and up again counts afresh.
#[tokio::test]
async fn the_organization_device_count_is_filled_in_then_kept_by_the_database() {
    let database = TestDatabase::fresh().await;
    let db = Database::connect(&database.url).await.expect("connect");
    let (before, from_it_on) = around_device_count();
    Migrator::up(&db, Some(before)).await.expect("earlier migrations");
    for organization in ["busy", "empty"] {
        add_organization(&db, organization).await;
    }
    for n in 0..3 {
        execute(&db, &device_insert("busy", &format!("old-{n}"))).await;
    }

    Migrator::up(&db, None).await.expect("the device count migration");
    assert_eq!(device_count(&db, "busy").await, 3, "existing devices counted");
    assert_eq!(device_count(&db, "empty").await, 0);

    execute(&db, &device_insert("empty", "new-0")).await;
    assert_eq!(device_count(&db, "empty").await, 1, "an insert counts");
    assert_eq!(device_count(&db, "busy").await, 3, "in its own organization only");

    let rolled_back = app::services::transactions::begin(&db).await.expect("begin");
    execute(&rolled_back, &device_insert("empty", "new-1")).await;
    rolled_back.rollback().await.expect("rollback");
    assert_eq!(device_count(&db, "empty").await, 1, "a rolled-back insert does not count");

    execute(&db, "DELETE FROM device WHERE id = 'old-0'").await;
    assert_eq!(device_count(&db, "busy").await, 2, "a delete counts");

    Migrator::down(&db, Some(from_it_on)).await.expect("down");
    execute(&db, &device_insert("busy", "after-down")).await;
    let columns = db
        .query_all_raw(sea_orm::Statement::from_string(
            db.get_database_backend(),
            "SELECT * FROM organization WHERE id = 'busy'",
        ))
        .await
        .expect("query");
    assert!(columns[0].try_get::<i64>("", "device_count").is_err(), "the column is gone after down");

    Migrator::up(&db, None).await.expect("up again");
    assert_eq!(device_count(&db, "busy").await, 3, "counted afresh, with the device added meanwhile");
    assert_eq!(device_count(&db, "empty").await, 1);
}

async fn record_migration(db: &DatabaseConnection, version: &str) {
    execute(db, &format!("INSERT INTO seaql_migrations (version, applied_at) VALUES ('{version}', 0)")).await;
}

/// During a rolling upgrade an instance of the previous release may restart after the new release has
/// migrated the database: it must start on that schema, which stays compatible for one release. A
/// database that lacks one of the release's own migrations as well is refused, with what to do.
#[tokio::test]
async fn a_release_starts_on_a_database_a_newer_release_migrated_but_not_on_one_missing_its_own() {
    let database = TestDatabase::fresh().await;
    let db = Database::connect(&database.url).await.expect("connect");
    server::db::migrate(&db).await.expect("migrate");
    record_migration(&db, "m20991231_000001_from_a_newer_release").await;
    server::db::migrate(&db).await.expect("a newer schema is used as it is");

    let smtp = support::smtp::SmtpServer::start().await;
    let app = support::spawn_app_with(database, smtp).await;
    let organization = app.signed_in_owner("upgrade@example.com", "Upgrade").await;
    assert_eq!(app.get(&format!("/orgs/{organization}")).await.status(), reqwest::StatusCode::OK);

    let last = Migrator::migrations().last().expect("a migration").name().to_owned();
    execute(&app.db, &format!("DELETE FROM seaql_migrations WHERE version = '{last}'")).await;
    let refused = server::db::migrate(&app.db).await.expect_err("a missing migration of its own");
    let message = refused.to_string();
    assert!(
        message.contains("m20991231_000001_from_a_newer_release") && message.contains(&last),
        "{message}"
    );
}
