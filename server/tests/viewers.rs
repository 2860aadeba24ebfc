//! On PostgreSQL each instance keeps signed-in viewers in memory between requests. What a viewer is read
//! from can change through another instance, the admin command or plain SQL, and every page must still
//! show it, however it changed; only a change that bypasses the database's triggers goes unseen. SQLite
//! keeps no viewers: each page reads its viewer.

mod support;

use reqwest::{Client, StatusCode};
use sea_orm::{ConnectionTrait, Database, DatabaseConnection, DbBackend};
use std::time::{Duration, Instant};
use support::postgres_count;

/// How long an instance may take to hear of a change (in practice, milliseconds), or to notice that its
/// listener is lost.
const HEARD_WITHIN: Duration = Duration::from_secs(8);

/// The application name the listener's connection carries.
const LISTENER: &str = server::viewer_changes::APPLICATION_NAME;

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

/// Sets an account's address with the database's triggers off, so that no instance hears of it.
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

/// Waits until the viewer of `client`'s session (account `user_id`) is served from the cache at `url`:
/// until an address changed quietly goes unseen. A listener connects, then listens and hears its first
/// probe before the cache is on.
async fn until_cached(conn: &DatabaseConnection, client: &Client, url: &str, user_id: &str) {
    let deadline = Instant::now() + HEARD_WITHIN;
    for attempt in 0.. {
        page(client, url).await;
        let quiet = format!("quiet-{attempt}@example.com");
        change_quietly(conn, user_id, &quiet).await;
        if !page(client, url).await.1.contains(&quiet) {
            return;
        }
        assert!(Instant::now() < deadline, "{url}: its viewer was never cached");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Waits until the app's viewer cache is on, or off.
async fn until_cache_is(app: &support::TestApp, on: bool) {
    let deadline = Instant::now() + HEARD_WITHIN;
    while app.running.viewers.is_on() != on {
        assert!(Instant::now() < deadline, "the viewer cache never turned {}", if on { "on" } else { "off" });
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

#[tokio::test]
async fn a_change_this_instance_answers_shows_on_the_very_next_page() {
    let app = support::spawn_app().await;
    let organization = app.signed_in_owner("owner@example.com", "Acme").await;
    let member = app.add_member(&organization, "member@example.com", "developer").await;
    let url = app.url(&format!("/orgs/{organization}"));
    let user_id = app.user_by_email("member@example.com").await.id;
    if app.db.get_database_backend() == DbBackend::Postgres {
        until_cached(&app.db, &member, &url, &user_id).await;
        // No notification then: only the instance's own emptying after the change can show it.
        execute(&app.db, "ALTER TABLE membership DISABLE TRIGGER membership_viewer_change").await;
    }
    assert_eq!(page(&member, &url).await.0, StatusCode::OK);

    let removed = app.call("remove_member", &[("id", &organization), ("user_id", &user_id)]).await;
    assert_eq!(removed.status(), StatusCode::OK);

    assert_eq!(page(&member, &url).await.0, StatusCode::NOT_FOUND);
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
    let user_id = app.user_by_email("member@example.com").await.id;
    until_cached(&app.db, &member, &organization_page, &user_id).await;

    // An address changed with plain SQL, as an operator would: no instance answered that.
    execute(&app.db, &format!("UPDATE \"user\" SET email = 'renamed@example.com' WHERE id = '{user_id}'"))
        .await;
    eventually(&member, &organization_page, "the new address", |status, body| {
        status == StatusCode::OK && body.contains("renamed@example.com")
    })
    .await;

    let removed = app.call("remove_member", &[("id", &organization), ("user_id", &user_id)]).await;
    assert_eq!(removed.status(), StatusCode::OK);
    eventually(&member, &organization_page, "404", |status, _| status == StatusCode::NOT_FOUND).await;

    // A session ended elsewhere (here with SQL; signing out and password changes delete it the same way)
    // is ended on this instance too.
    until_cached(&app.db, &member, &account_page, &user_id).await;
    execute(&app.db, &format!("DELETE FROM session WHERE user_id = '{user_id}'")).await;
    eventually(&member, &account_page, "a redirect to sign in", |status, _| status.is_redirection()).await;
    second.stop();
}

#[tokio::test]
async fn viewers_are_cached_on_postgresql_only_and_not_while_its_listener_is_lost() {
    let app = support::spawn_app().await;
    let organization = app.signed_in_owner("owner@example.com", "Acme").await;
    let user_id = app.user_by_email("owner@example.com").await.id;
    let url = app.url(&format!("/orgs/{organization}"));
    if app.db.get_database_backend() == DbBackend::Sqlite {
        page(&app.client, &url).await;
        change_quietly(&app.db, &user_id, "quiet@example.com").await;
        assert!(page(&app.client, &url).await.1.contains("quiet@example.com"), "SQLite reads every viewer");
        return;
    }
    until_cached(&app.db, &app.client, &url, &user_id).await;

    // The listener's connection ends: the cache is emptied and stays off until a listener is back, so the
    // address changed quietly shows.
    let outsider = Database::connect(app.database.url.as_str()).await.expect("connect");
    let end = format!(
        "SELECT COUNT(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE datname = current_database() \
         AND application_name = '{LISTENER}'"
    );
    assert_eq!(postgres_count(&outsider, &end).await, 1, "one listener");
    until_cache_is(&app, false).await;
    change_quietly(&outsider, &user_id, "unheard@example.com").await;
    let (status, body) = page(&app.client, &url).await;
    assert_eq!(status, StatusCode::OK);
    if app.running.viewers.is_on() {
        eprintln!("the listener was back before the page loaded: its address is not checked while off");
    } else {
        assert!(body.contains("unheard@example.com"), "no viewer is cached while the listener is lost");
    }

    // A listener is back: viewers are cached again, and changes heard again.
    until_cache_is(&app, true).await;
    until_cached(&outsider, &app.client, &url, &user_id).await;
    execute(&outsider, &format!("UPDATE \"user\" SET email = 'heard@example.com' WHERE id = '{user_id}'"))
        .await;
    eventually(&app.client, &url, "the new address", |status, body| {
        status == StatusCode::OK && body.contains("heard@example.com")
    })
    .await;
}
