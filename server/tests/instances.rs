//! Two servers on one PostgreSQL database, each running every worker: replenish calls spread over both
//! still make one order per slot, and each queued email and webhook delivery goes out once (workers claim
//! rows with a guarded update and a lease, so only one instance holds a row). SQLite serves one instance:
//! a second server on the same file is refused at start.

mod support;

use app::entities::{notification, notification_delivery, outbox_email};
use app::services::fulfilment::advance_orders;
use app::services::mail::{queue_email, OutgoingEmail};
use reqwest::header::AUTHORIZATION;
use sea_orm::{ColumnTrait, Database, DbBackend, EntityTrait, PaginatorTrait, QueryFilter};
use serde_json::Value;
use std::collections::HashMap;
use std::net::SocketAddr;
use std::time::Duration;
use support::receiver::{add_endpoint, Receiver};
use support::runtime::*;

const CALLS: usize = 40;
const EMAILS: usize = 30;
const ORDER_CYCLES: usize = 8;

async fn call(
    address: SocketAddr,
    method: reqwest::Method,
    path: &str,
    token: &str,
    types: (&str, &str),
) -> Value {
    let response = cloud()
        .request(method, format!("http://{address}{path}"))
        .header(AUTHORIZATION, format!("Bearer {token}"))
        .header("x-amzn-type-version", format!("{PREFIX}{}", types.0))
        .header("x-amzn-accept-type", format!("{PREFIX}{}", types.1))
        .send()
        .await
        .expect("call");
    assert!(response.status().is_success(), "{path}: {}", response.status());
    response.json().await.expect("json")
}

#[tokio::test]
async fn two_instances_make_one_order_per_slot_and_send_each_email_and_webhook_once_or_sqlite_refuses_the_second(
) {
    let linked = linked().await;
    let app = &linked.app;
    let org = app::entities::device::Entity::find_by_id(&linked.device)
        .one(&app.db)
        .await
        .expect("query")
        .expect("device")
        .organization_id;
    let (receiver, hook) = Receiver::start(&[]).await;
    add_endpoint(app, &org, hook).await;
    let second = server::startup::start(support::config(&app.database.url, &app.smtp.url())).await;
    if app.db.get_database_backend() == DbBackend::Sqlite {
        let refused = second.err().expect("a second server on one SQLite file is refused").to_string();
        assert!(refused.contains("another Replenish server is using"), "{refused}");
        return;
    }
    let second = second.expect("second instance");
    let instances = [app.address, second.address];

    // Replenish calls at once, half on each instance: exactly one order.
    let handles: Vec<_> = (0..CALLS)
        .map(|i| {
            let (address, token) = (instances[i % 2], linked.access.clone());
            tokio::spawn(async move {
                call(address, reqwest::Method::POST, "/replenish/filter", &token, REPLENISH).await
            })
        })
        .collect();
    let mut answers: HashMap<String, usize> = HashMap::new();
    for handle in handles {
        let answer = handle.await.expect("task");
        *answers.entry(answer["detailCode"].as_str().expect("code").to_owned()).or_default() += 1;
    }
    assert_eq!(answers.get("TEST_ORDER_PLACED"), Some(&1), "{answers:?}");
    assert_eq!(answers.get("ORDER_INPROGRESS"), Some(&(CALLS - 1)), "{answers:?}");
    assert_eq!(order_count(app).await, 1);

    // More notifications, caused on both instances: cancel and reorder.
    let cancel = ("DrsCancelTestOrdersInput@1.0", "DrsCancelTestOrdersResult@1.0");
    for cycle in 0..ORDER_CYCLES {
        let address = instances[cycle % 2];
        call(address, reqwest::Method::DELETE, "/testOrders/filter", &linked.access, cancel).await;
        let placed =
            call(address, reqwest::Method::POST, "/replenish/filter", &linked.access, REPLENISH).await;
        assert_eq!(placed["detailCode"], "TEST_ORDER_PLACED");
    }

    // Both instances' fulfillers step the open order at the same moments (the clock moved past its hold,
    // shipping and delivery): each step happens once.
    let settings = app::state::PortalSettings {
        public_url: "http://replenish.test".into(),
        review_inbox: "review@replenish.test".into(),
        ship_after: chrono::Duration::hours(1),
        deliver_after: chrono::Duration::hours(2),
    };
    for hours in [25, 27, 30] {
        let at = chrono::Utc::now() + chrono::Duration::hours(hours);
        let (first, other) =
            tokio::join!(advance_orders(&app.db, &settings, at), advance_orders(&second.db, &settings, at));
        first.expect("advance");
        other.expect("advance");
    }
    for step in ["ItemShippedNotification", "ItemDeliveredNotification"] {
        let count = notification::Entity::find()
            .filter(notification::Column::NotificationType.eq(step))
            .count(&app.db)
            .await
            .expect("count");
        assert_eq!(count, 1, "{step}");
    }

    // Emails queued in one go, outside any request, for both mail workers' polls to race for.
    for n in 0..EMAILS {
        let email =
            OutgoingEmail::compose("race@example.com", &format!("Race {n}"), &[format!("Mail {n}")], None);
        queue_email(&app.db, email).await.expect("queue");
    }

    let deliveries = notification_delivery::Entity::find().count(&app.db).await.expect("count") as usize;
    assert_eq!(
        deliveries,
        1 + 2 * ORDER_CYCLES + 2,
        "the first order, a cancellation and an order per cycle, shipped, delivered"
    );
    receiver.wait_for(deliveries).await;
    app.inbox().wait_for_count("race@example.com", EMAILS).await;
    // Whatever a second sender would have sent by now, it would have sent well within this pause.
    tokio::time::sleep(Duration::from_secs(3)).await;

    let received = receiver.received();
    let mut ids: Vec<String> =
        received.iter().map(|(headers, _)| headers["webhook-id"].to_str().expect("id").to_owned()).collect();
    ids.sort();
    ids.dedup();
    assert_eq!(received.len(), deliveries, "each delivery once");
    assert_eq!(ids.len(), deliveries, "each notification once");
    let mut subjects: Vec<String> = app
        .inbox()
        .all()
        .into_iter()
        .filter(|m| m.recipients.iter().any(|r| r == "race@example.com"))
        .map(|m| m.subject)
        .collect();
    subjects.sort();
    subjects.dedup();
    assert_eq!(app.inbox().count_to("race@example.com"), EMAILS, "each email once");
    assert_eq!(subjects.len(), EMAILS);
    let unsent = outbox_email::Entity::find()
        .filter(outbox_email::Column::SentAt.is_null())
        .count(&app.db)
        .await
        .expect("count");
    assert_eq!(unsent, 0);
    second.stop();
}

/// Each instance opens at most `DATABASE_MAX_CONNECTIONS` connections to PostgreSQL however many requests
/// it serves at once, and one more that listens for viewer changes, so that instances times the setting
/// plus one can be kept under the database server's own limit; SQLite keeps its one writer whatever the
/// setting.
#[tokio::test]
async fn an_instance_holds_at_most_its_configured_database_connections() {
    let database = support::TestDatabase::fresh().await;
    let smtp = support::smtp::SmtpServer::start().await;
    let app = support::spawn_configured(database, smtp, &[("DATABASE_MAX_CONNECTIONS", "3")]).await;
    let organization = app.signed_in_owner("pool@example.com", "Pool").await;
    let loads: Vec<_> = (0..24)
        .map(|_| {
            let (client, url) = (app.client.clone(), app.url(&format!("/orgs/{organization}")));
            tokio::spawn(async move { client.get(url).send().await.expect("page").status() })
        })
        .collect();
    for load in loads {
        assert_eq!(load.await.expect("task"), reqwest::StatusCode::OK);
    }

    if app.db.get_database_backend() == DbBackend::Sqlite {
        assert_eq!(app.db.get_sqlite_connection_pool().options().get_max_connections(), 1);
        return;
    }
    assert_eq!(app.db.get_postgres_connection_pool().options().get_max_connections(), 3);
    let deadline = std::time::Instant::now() + Duration::from_secs(8);
    while !app.running.caches.is_on() {
        assert!(std::time::Instant::now() < deadline, "the viewer-change listener never heard");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let listener = server::cache_changes::APPLICATION_NAME;
    let open = support::postgres_count(
        &app.db,
        &format!(
            "SELECT COUNT(*) FROM pg_stat_activity WHERE datname = current_database() AND \
             application_name IS DISTINCT FROM '{listener}'"
        ),
    )
    .await;
    assert!((1..=3).contains(&open), "{open} connections open");
    let listening = support::postgres_count(
        &app.db,
        &format!(
            "SELECT COUNT(*) FROM pg_stat_activity WHERE datname = current_database() AND \
             application_name = '{listener}'"
        ),
    )
    .await;
    assert_eq!(listening, 1, "one more connection, the viewer-change listener's");
}

/// A connection PostgreSQL ended after it sat in the pool past the idle threshold is replaced before a
/// request uses it. A SQLite file cannot be closed from outside, so there the page only has to keep loading.
#[tokio::test]
async fn connections_ended_while_idle_are_replaced_before_a_request_uses_them() {
    let database = support::TestDatabase::fresh().await;
    let smtp = support::smtp::SmtpServer::start().await;
    let app = support::spawn_configured(database, smtp, &[]).await;
    let organization = app.signed_in_owner("idle@example.com", "Idle").await;
    let page = app.url(&format!("/orgs/{organization}"));
    assert_eq!(app.client.get(&page).send().await.expect("page").status(), reqwest::StatusCode::OK);

    if app.db.get_database_backend() == DbBackend::Postgres {
        // More connections in the pool than the server's workers can use up before the pages load: an
        // untested dead connection fails whatever statement gets it, and is then closed.
        const POOLED: usize = 8;
        let pool = app.db.get_postgres_connection_pool();
        let mut held = Vec::new();
        for _ in 0..POOLED {
            held.push(pool.acquire().await.expect("acquire"));
        }
        drop(held);
        let outsider = Database::connect(app.database.url.as_str()).await.expect("connect");
        let ended = support::postgres_count(
            &outsider,
            "SELECT COUNT(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE datname = \
             current_database() AND backend_type = 'client backend' AND pid <> pg_backend_pid()",
        )
        .await;
        assert!(ended >= POOLED as i64, "ended {ended} of the server's connections");
        // sqlx counts idleness from a connection's return to the pool, and every connection ended here was
        // returned before (a later return would have failed sqlx's test on return).
        tokio::time::sleep(server::db::PING_AFTER_IDLE + Duration::from_millis(200)).await;
    }

    for _ in 0..20 {
        assert_eq!(app.client.get(&page).send().await.expect("page").status(), reqwest::StatusCode::OK);
    }
}
