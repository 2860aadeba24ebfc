//! Outages of what the server sends to: its SMTP server and a maker's notification receiver, both real
//! servers on loopback that are stopped while the portal and the runtime API keep working, then started
//! again on the same ports. Prints what was queued, how often sending failed and how long the queues took
//! to drain after the recovery.

mod support;

use app::entities::{notification_delivery, outbox_email};
use chrono::Utc;
use reqwest::{Method, StatusCode};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use std::collections::{HashMap, HashSet};
use std::time::{Duration, Instant};
use support::receiver::{add_endpoint, Receiver};
use support::runtime::*;
use support::smtp::SmtpServer;
use support::TestApp;

const CANCEL: (&str, &str) = ("DrsCancelTestOrdersInput@1.0", "DrsCancelTestOrdersResult@1.0");
const SIGN_UPS: usize = 6;
const ORDERS: usize = 4;

async fn mail(app: &TestApp) -> Vec<outbox_email::Model> {
    outbox_email::Entity::find().all(&app.db).await.expect("mail")
}

async fn deliveries(app: &TestApp) -> Vec<notification_delivery::Model> {
    notification_delivery::Entity::find().all(&app.db).await.expect("deliveries")
}

/// Polls `done` every 50 ms for up to 20 s.
async fn wait_until<F, Fut>(what: &str, mut done: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    for _ in 0..400 {
        if done().await {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("timed out waiting until {what}");
}

async fn settled(app: &TestApp) -> bool {
    mail(app).await.iter().all(|row| row.sent_at.is_some())
        && deliveries(app).await.iter().all(|row| row.delivered_at.is_some())
}

/// Retries wait their backoff (seconds to hours); the test makes them due instead of sleeping.
async fn make_retries_due(app: &TestApp) {
    let now = Utc::now();
    outbox_email::Entity::update_many()
        .col_expr(outbox_email::Column::NextAttemptAt, Expr::value(now))
        .filter(outbox_email::Column::SentAt.is_null())
        .exec(&app.db)
        .await
        .expect("mail due");
    notification_delivery::Entity::update_many()
        .col_expr(notification_delivery::Column::NextAttemptAt, Expr::value(now))
        .filter(notification_delivery::Column::DeliveredAt.is_null())
        .exec(&app.db)
        .await
        .expect("deliveries due");
}

#[tokio::test]
async fn mail_and_notifications_queued_during_an_outage_are_each_delivered_once_after_it() {
    let (app, org, device, client_id, secret) = approved_device().await;
    let (receiver, hook_address) = Receiver::start(&[]).await;
    add_endpoint(&app, &org, hook_address).await;
    let linked = link_device(app, device, client_id, secret).await;
    let app = &linked.app;
    wait_until("everything before the outage is delivered", || settled(app)).await;
    let mail_before: HashSet<String> = mail(app).await.into_iter().map(|row| row.id).collect();
    let deliveries_before: HashSet<String> = deliveries(app).await.into_iter().map(|row| row.id).collect();
    let hooks_before = receiver.received().len();
    let inbox_before = app.inbox().all().len();

    // Both go down; makers sign up and the device orders and cancels meanwhile, and all of it answers.
    app.smtp.stop();
    receiver.stop().await;
    for n in 0..SIGN_UPS {
        app.sign_up(&format!("outage-{n}@example.com"), &format!("Outage {n}")).await;
    }
    for _ in 0..ORDERS {
        let (status, body) = replenish(&linked, "filter").await;
        assert_eq!(
            (status, body["detailCode"].as_str()),
            (StatusCode::OK, Some("TEST_ORDER_PLACED")),
            "{body}"
        );
        let (status, _, body) =
            drs(app, Method::DELETE, "/testOrders/slots/filter", &linked.access, CANCEL, None).await;
        assert_eq!(status, StatusCode::OK, "{body}");
    }
    let queued_mail = || async {
        mail(app).await.into_iter().filter(|row| !mail_before.contains(&row.id)).collect::<Vec<_>>()
    };
    let queued_deliveries = || async {
        deliveries(app)
            .await
            .into_iter()
            .filter(|row| !deliveries_before.contains(&row.id))
            .collect::<Vec<_>>()
    };
    wait_until("every queued email and notification failed once", || async {
        queued_mail().await.iter().all(|row| row.attempts >= 1)
            && queued_deliveries().await.iter().all(|row| row.attempts >= 1)
    })
    .await;
    let mail_during = queued_mail().await;
    let deliveries_during = queued_deliveries().await;
    // Each sign-up mails its verification link and each order mails the tester (a test order cancelled
    // by the device is not mailed); each order and each cancellation notifies the maker.
    assert_eq!(mail_during.len(), SIGN_UPS + ORDERS, "emails queued");
    assert_eq!(deliveries_during.len(), 2 * ORDERS, "notifications queued");
    assert!(mail_during.iter().all(|row| row.sent_at.is_none() && row.last_error.is_some()));
    assert!(deliveries_during.iter().all(|row| row.delivered_at.is_none() && row.gave_up_at.is_none()));
    assert_eq!(receiver.received().len(), hooks_before, "nothing reached the stopped receiver");
    assert_eq!(app.inbox().all().len(), inbox_before, "nothing reached the stopped SMTP server");

    // Both come back on their ports; every queued email and notification arrives exactly once.
    let _smtp_back = SmtpServer::start_on(app.smtp.address, app.inbox().clone()).await;
    receiver.restart(hook_address).await;
    let recovered = Instant::now();
    make_retries_due(app).await;
    wait_until("the queues drained", || settled(app)).await;
    let drained = recovered.elapsed();

    let received_mail = app.inbox().all();
    let received_mail = &received_mail[inbox_before..];
    assert_eq!(received_mail.len(), mail_during.len(), "one message per queued email");
    for n in 0..SIGN_UPS {
        assert_eq!(app.inbox().count_to(&format!("outage-{n}@example.com")), 1, "sign-up {n}");
    }
    let received_hooks = receiver.received();
    let mut ids: HashMap<String, usize> = HashMap::new();
    for (headers, _) in &received_hooks[hooks_before..] {
        let id = headers["webhook-id"].to_str().expect("id").to_owned();
        *ids.entry(id).or_default() += 1;
    }
    let expected: HashSet<String> = deliveries_during.iter().map(|row| row.notification_id.clone()).collect();
    assert_eq!(ids.keys().cloned().collect::<HashSet<_>>(), expected, "every queued notification arrived");
    assert!(ids.values().all(|count| *count == 1), "none twice: {ids:?}");
    let failed_attempts: i32 = mail_during.iter().map(|row| row.attempts).sum::<i32>()
        + deliveries_during.iter().map(|row| row.attempts).sum::<i32>();
    println!(
        "outage: {} emails and {} notifications queued while both were down ({failed_attempts} failed \
         attempts); all delivered once {} ms after recovery; 0 lost, 0 duplicates",
        mail_during.len(),
        deliveries_during.len(),
        drained.as_millis()
    );
}
