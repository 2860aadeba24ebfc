//! On PostgreSQL each instance keeps signed-in viewers, device pages and pages of the device list in
//! memory between requests. What they are read from can change through another instance, the admin
//! command or plain SQL, and every page must still show it, however it changed; only a change that
//! bypasses the database's triggers goes unseen. SQLite keeps nothing: each page reads the database.

mod support;

use reqwest::{Client, StatusCode};
use sea_orm::{ConnectionTrait, Database, DatabaseConnection, DbBackend, EntityTrait};
use std::time::{Duration, Instant};
use support::fixtures::{ok_json, register_two_slot_device, slot_keys};
use support::postgres_count;

/// How long an instance may take to hear of a change (in practice, milliseconds), or to notice that its
/// listener is lost.
const HEARD_WITHIN: Duration = Duration::from_secs(8);

/// The application name the listener's connection carries.
const LISTENER: &str = server::cache_changes::APPLICATION_NAME;

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
    quietly(conn, &format!("UPDATE \"user\" SET email = '{email}' WHERE id = '{user_id}'")).await;
}

/// Runs `update` with the database's triggers off.
async fn quietly(conn: &DatabaseConnection, update: &str) {
    match conn.get_database_backend() {
        DbBackend::Postgres => {
            execute(conn, &format!("BEGIN; SET LOCAL session_replication_role = replica; {update}; COMMIT"))
                .await
        }
        _ => execute(conn, update).await,
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

/// Waits until device `device_id` is served from the cache at `url`, a device page or the device list:
/// until a name changed quietly goes unseen. Leaves the device named something starting with `label`.
async fn until_device_cached(
    conn: &DatabaseConnection,
    client: &Client,
    url: &str,
    device_id: &str,
    label: &str,
) {
    let deadline = Instant::now() + HEARD_WITHIN;
    for attempt in 0.. {
        assert_eq!(page(client, url).await.0, StatusCode::OK, "{url}");
        let quiet = format!("{label} {attempt}");
        quietly(conn, &format!("UPDATE device SET name = '{quiet}' WHERE id = '{device_id}'")).await;
        if !page(client, url).await.1.contains(&quiet) {
            return;
        }
        assert!(Instant::now() < deadline, "{url}: its device was never cached");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Waits until the app's caches are on, or off.
async fn until_cache_is(app: &support::TestApp, on: bool) {
    let deadline = Instant::now() + HEARD_WITHIN;
    while app.running.caches.is_on() != on {
        assert!(Instant::now() < deadline, "the caches never turned {}", if on { "on" } else { "off" });
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
    if app.running.caches.is_on() {
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

#[tokio::test]
async fn a_device_change_this_instance_answers_shows_on_the_very_next_page() {
    let app = support::spawn_app().await;
    let organization = app.signed_in_owner("owner@example.com", "Acme").await;
    let device = register_two_slot_device(&app, &app.client, &organization, "Water filter", "WF-1").await;
    let stranger = app.stranger("stranger@example.com", "Rival").await;
    let rival = app.first_organization_of("stranger@example.com").await;
    let viewer = app.add_member(&organization, "viewer@example.com", "viewer").await;
    let device_page = app.url(&format!("/orgs/{organization}/devices/{device}"));
    let list = app.url(&format!("/orgs/{organization}"));
    let resumed = app.running.caches.times_resumed();
    if app.db.get_database_backend() == DbBackend::Postgres {
        until_device_cached(&app.db, &app.client, &device_page, &device, "Quiet page").await;
        until_device_cached(&app.db, &app.client, &list, &device, "Quiet list").await;
        // A page's loaders, called with a POST as a hydrated page does, empty nothing.
        let unseen = device_name(&app.db, &device).await;
        let device_form = [("org", organization.as_str()), ("device", device.as_str())];
        ok_json(app.call("load_device", &device_form).await, "load_device").await;
        ok_json(app.call("list_devices", &[("org", organization.as_str())]).await, "list_devices").await;
        assert!(!page(&app.client, &list).await.1.contains(&unseen), "the list is still cached");
        // No notification then: only the instance's own emptying after the change can show it.
        execute(&app.db, "ALTER TABLE device DISABLE TRIGGER device_device_change").await;
    }
    // The cached page carries no one's role: an owner may edit it, a viewer may not.
    assert!(page(&app.client, &device_page).await.1.contains("Save details"));
    let (status, body) = page(&viewer, &device_page).await;
    assert_eq!(status, StatusCode::OK);
    assert!(!body.contains("Save details"), "a viewer gets no form");

    // Another tenant's member finds nothing of the cached device, under either organization.
    for path in [format!("/orgs/{organization}/devices/{device}"), format!("/orgs/{rival}/devices/{device}")]
    {
        assert_eq!(page(&stranger, &app.url(&path)).await.0, StatusCode::NOT_FOUND, "{path}");
    }
    assert!(!page(&stranger, &app.url(&format!("/orgs/{rival}"))).await.1.contains("WF-1"));

    let renamed = [
        ("org", organization.as_str()),
        ("device", device.as_str()),
        ("name", "Water softener"),
        ("device_type", "A2X9RV8EXAMPLE"),
    ];
    ok_json(app.call("update_device", &renamed).await, "update_device").await;

    for url in [&device_page, &list] {
        let (status, body) = page(&app.client, url).await;
        assert_eq!(status, StatusCode::OK, "{url}");
        assert!(body.contains("Water softener"), "{url} shows the new name at once");
    }
    assert_eq!(
        app.running.caches.times_resumed(),
        resumed,
        "the caches stayed on: emptying showed the change"
    );
}

async fn device_name(conn: &DatabaseConnection, device_id: &str) -> String {
    app::entities::device::Entity::find_by_id(device_id).one(conn).await.expect("query").expect("device").name
}

#[tokio::test]
async fn device_changes_made_through_another_instance_or_sql_show_on_every_instance() {
    let app = support::spawn_app().await;
    let organization = app.signed_in_owner("owner@example.com", "Acme").await;
    let device = register_two_slot_device(&app, &app.client, &organization, "Water filter", "WF-1").await;
    let second = server::startup::start(support::config(&app.database.url, &app.smtp.url())).await;
    if app.db.get_database_backend() == DbBackend::Sqlite {
        assert!(second.is_err(), "a second server on one SQLite file is refused");
        let device_page = app.url(&format!("/orgs/{organization}/devices/{device}"));
        page(&app.client, &device_page).await;
        quietly(&app.db, &format!("UPDATE device SET name = 'Quiet name' WHERE id = '{device}'")).await;
        assert!(page(&app.client, &device_page).await.1.contains("Quiet name"), "SQLite reads every page");
        return;
    }
    let second = second.expect("second instance");
    // The owner's pages come from the second instance; the changes go through the first, or SQL.
    let on_second = |path: String| format!("http://{}{path}", second.address);
    let device_page = on_second(format!("/orgs/{organization}/devices/{device}"));
    let slot_names = on_second(format!("/orgs/{organization}/devices/{device}/slot-localization"));
    let list = on_second(format!("/orgs/{organization}"));
    until_device_cached(&app.db, &app.client, &device_page, &device, "Quiet page").await;
    let resumed = second.caches.times_resumed();

    // A marketplace's friendly name, set with plain SQL.
    execute(
        &app.db,
        &format!("UPDATE device_marketplace SET friendly_name = 'Aqua Pure' WHERE device_id = '{device}'"),
    )
    .await;
    eventually(&app.client, &device_page, "the friendly name", |status, body| {
        status == StatusCode::OK && body.contains("Aqua Pure")
    })
    .await;
    // Two of a device's columns the page shows (a Connect Kit's device type), set with plain SQL.
    let kind =
        format!("UPDATE device SET kind = 'connect_kit', device_type = 'QUIETTYPE7' WHERE id = '{device}'");
    execute(&app.db, &kind).await;
    eventually(&app.client, &device_page, "the device type", |status, body| {
        status == StatusCode::OK && body.contains("QUIETTYPE7")
    })
    .await;
    // The sandbox's clock, which moves on every step of a test run and which no page shows, notifies no
    // one: the page stays cached (a notification arrives within milliseconds).
    until_device_cached(&app.db, &app.client, &device_page, &device, "Quiet clock").await;
    let unseen = device_name(&app.db, &device).await;
    let step =
        format!("UPDATE device SET sandbox_clock_seconds = sandbox_clock_seconds + 60 WHERE id = '{device}'");
    execute(&app.db, &step).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(!page(&app.client, &device_page).await.1.contains(&unseen), "the clock's step emptied the cache");

    // A slot's name, through the first instance.
    until_device_cached(&app.db, &app.client, &slot_names, &device, "Quiet slots").await;
    let slot = slot_keys(&app, &device).await.remove(0);
    let field = format!("names[slot-{slot}][US]");
    let names =
        [("org", organization.as_str()), ("device", device.as_str()), (field.as_str(), "Pure filter")];
    ok_json(app.call("localize_slots", &names).await, "localize_slots").await;
    eventually(&app.client, &slot_names, "the slot's name", |status, body| {
        status == StatusCode::OK && body.contains("Pure filter")
    })
    .await;
    // A table truncated, which fires no row trigger.
    execute(&app.db, "TRUNCATE slot_name").await;
    eventually(&app.client, &slot_names, "no slot name", |status, body| {
        status == StatusCode::OK && !body.contains("Pure filter")
    })
    .await;

    // The device deleted through the first instance: gone from its page and the list.
    until_device_cached(&app.db, &app.client, &list, &device, "Quiet list").await;
    let name = device_name(&app.db, &device).await;
    let delete =
        [("org", organization.as_str()), ("device", device.as_str()), ("confirm_name", name.as_str())];
    ok_json(app.call("delete_device", &delete).await, "delete_device").await;
    eventually(&app.client, &list, "no device", |status, body| {
        status == StatusCode::OK && !body.contains("WF-1")
    })
    .await;
    eventually(&app.client, &device_page, "404", |status, _| status == StatusCode::NOT_FOUND).await;
    assert_eq!(
        second.caches.times_resumed(),
        resumed,
        "the caches stayed on: notifications showed the changes"
    );
    second.stop();
}
