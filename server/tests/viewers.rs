//! On PostgreSQL each instance keeps signed-in viewers in memory between requests. What a viewer is read
//! from can change through another instance, the admin command or plain SQL, and every page must still
//! show it, however it changed; only a change that bypasses the database's triggers goes unseen. SQLite
//! keeps no viewers: each page reads its viewer.

mod support;

use reqwest::{Client, StatusCode};
use sea_orm::{ConnectionTrait, Database, DatabaseConnection, DbBackend, Statement};
use std::time::{Duration, Instant};

/// How long another instance may take to hear of a change (in practice, milliseconds).
const HEARD_WITHIN: Duration = Duration::from_secs(5);

async fn execute(conn: &DatabaseConnection, sql: &str) {
    conn.execute_unprepared(sql).await.expect(sql);
}

async fn page(client: &Client, url: &str) -> (StatusCode, String) {
    let response = client.get(url).send().await.expect("page");
    (response.status(), response.text().await.expect("body"))
}

/// Loads `url` until `shows` holds of the answer, for at most `HEARD_WITHIN`.
async fn eventually(client: &Client, url: &str, what: &str, shows: impl Fn(StatusCode, &str) -> bool) {
    let deadline = Instant::now() + HEARD_WITHIN;
    loop {
        let (status, body) = page(client, url).await;
        if shows(status, &body) {
            return;
        }
        assert!(Instant::now() < deadline, "{url} never showed {what}: still {status}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test]
async fn a_change_this_instance_answers_shows_on_the_very_next_page() {
    let app = support::spawn_app().await;
    let organization = app.signed_in_owner("owner@example.com", "Acme").await;
    let member = app.add_member(&organization, "member@example.com", "developer").await;
    let url = app.url(&format!("/orgs/{organization}"));
    for _ in 0..3 {
        assert_eq!(page(&member, &url).await.0, StatusCode::OK);
    }

    let user_id = app.user_by_email("member@example.com").await.id;
    let removed = app.call("remove_member", &[("id", &organization), ("user_id", &user_id)]).await;
    assert_eq!(removed.status(), StatusCode::OK);

    assert_eq!(page(&member, &url).await.0, StatusCode::NOT_FOUND, "no wait for a notification");
}

#[tokio::test]
async fn changes_made_through_another_instance_or_sql_show_on_every_instance() {
    let app = support::spawn_app().await;
    let organization = app.signed_in_owner("owner@example.com", "Acme").await;
    let member = app.add_member(&organization, "member@example.com", "developer").await;
    let second = server::startup::start(support::config(&app.database.url, &app.smtp.url())).await;
    if app.db.get_database_backend() == DbBackend::Sqlite {
        assert!(second.is_err(), "a second server on one SQLite file is refused");
        return;
    }
    let second = second.expect("second instance");
    // The member's pages come from the second instance; the changes go through the first, or SQL.
    let on_second = |path: &str| format!("http://{}{path}", second.address);
    let (organization_page, account_page) =
        (on_second(&format!("/orgs/{organization}")), on_second("/account"));
    for _ in 0..3 {
        assert!(page(&member, &organization_page).await.1.contains("member@example.com"));
    }

    // An address changed with plain SQL, as an operator would: no instance answered that.
    let user_id = app.user_by_email("member@example.com").await.id;
    execute(&app.db, &format!("UPDATE \"user\" SET email = 'renamed@example.com' WHERE id = '{user_id}'"))
        .await;
    eventually(&member, &organization_page, "the new address", |status, body| {
        status == StatusCode::OK && body.contains("renamed@example.com")
    })
    .await;

    let removed = app.call("remove_member", &[("id", &organization), ("user_id", &user_id)]).await;
    assert_eq!(removed.status(), StatusCode::OK);
    eventually(&member, &organization_page, "404", |status, _| status == StatusCode::NOT_FOUND).await;

    // A session ended on one instance (signing out, a password change) is ended on the other.
    assert_eq!(page(&member, &account_page).await.0, StatusCode::OK);
    execute(&app.db, &format!("DELETE FROM session WHERE user_id = '{user_id}'")).await;
    eventually(&member, &account_page, "a redirect to sign in", |status, _| status.is_redirection()).await;
    second.stop();
}

/// The application name the listener's connection carries, by which the tests find it.
const LISTENER: &str = server::viewer_changes::APPLICATION_NAME;

async fn listener_connections(conn: &DatabaseConnection) -> i64 {
    let sql = format!("SELECT COUNT(*) FROM pg_stat_activity WHERE application_name = '{LISTENER}'");
    conn.query_one_raw(Statement::from_string(DbBackend::Postgres, sql))
        .await
        .expect("query")
        .expect("row")
        .try_get_by_index(0)
        .expect("count")
}

async fn wait_for_listener(conn: &DatabaseConnection) {
    let deadline = Instant::now() + HEARD_WITHIN;
    while listener_connections(conn).await != 1 {
        assert!(Instant::now() < deadline, "the listener never connected");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Sets the owner's address with the database's triggers off, so that no instance hears of it.
async fn change_quietly(conn: &DatabaseConnection, user_id: &str, email: &str) {
    let update = format!("UPDATE \"user\" SET email = '{email}' WHERE id = '{user_id}'");
    match conn.get_database_backend() {
        DbBackend::Postgres => {
            execute(conn, &format!("BEGIN; SET LOCAL session_replication_role = replica; {update}; COMMIT"))
                .await
        }
        _ => execute(conn, &update).await,
    }
}

#[tokio::test]
async fn viewers_are_cached_on_postgresql_only_and_not_while_its_listener_is_lost() {
    let app = support::spawn_app().await;
    let organization = app.signed_in_owner("owner@example.com", "Acme").await;
    let user_id = app.user_by_email("owner@example.com").await.id;
    let url = app.url(&format!("/orgs/{organization}"));
    let postgres = app.db.get_database_backend() == DbBackend::Postgres;
    if postgres {
        wait_for_listener(&app.db).await;
    }
    for _ in 0..3 {
        assert!(page(&app.client, &url).await.1.contains("owner@example.com"));
    }

    // A change nobody hears leaves a cached viewer as it was: that is how this test knows PostgreSQL's
    // pages are served from the cache. SQLite reads every viewer anew.
    change_quietly(&app.db, &user_id, "quiet@example.com").await;
    let shown = page(&app.client, &url).await.1;
    if !postgres {
        assert!(shown.contains("quiet@example.com"), "SQLite reads every viewer");
        return;
    }
    assert!(shown.contains("owner@example.com"), "the cached viewer");

    // The listener's connection ends: the cache is emptied and stays off until the listener is back.
    let outsider = Database::connect(app.database.url.as_str()).await.expect("connect");
    let end = format!(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = '{LISTENER}'"
    );
    execute(&outsider, &end).await;
    eventually(&app.client, &url, "the quiet address", |status, body| {
        status == StatusCode::OK && body.contains("quiet@example.com")
    })
    .await;

    // Once it is back, viewers are cached again (the listener may have connected but not yet listened,
    // with the cache still off: try until a quiet change goes unseen), and changes are heard again.
    wait_for_listener(&outsider).await;
    let deadline = Instant::now() + HEARD_WITHIN;
    for attempt in 0.. {
        page(&app.client, &url).await;
        let quiet = format!("quiet-{attempt}@example.com");
        change_quietly(&outsider, &user_id, &quiet).await;
        if !page(&app.client, &url).await.1.contains(&quiet) {
            break;
        }
        assert!(Instant::now() < deadline, "viewers were never cached again");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    execute(&outsider, &format!("UPDATE \"user\" SET email = 'heard@example.com' WHERE id = '{user_id}'"))
        .await;
    eventually(&app.client, &url, "the new address", |status, body| {
        status == StatusCode::OK && body.contains("heard@example.com")
    })
    .await;
}
