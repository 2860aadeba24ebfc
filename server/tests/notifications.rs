//! Notifications and the order lifecycle over HTTP: endpoints, Standard Webhooks signatures checked by an
//! independent implementation, retries when the receiver is down, the delivery log and replay, and an
//! order moving from its hold to delivery under a controllable clock.

mod support;

use app::entities::{
    delivery_attempt, notification, notification_delivery, outbox_email, replenishment_order,
};
use app::services::fulfilment::{advance_orders, cancel_order, Canceller};
use axum::http::HeaderMap;
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use chrono::{Duration, Utc};
use reqwest::StatusCode;
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder};
use serde_json::Value;
use sha2::{Digest, Sha256};
use support::fixtures::*;
use support::receiver::{add_endpoint, Receiver};
use support::runtime::*;
use support::smtp::link_path;
use support::TestApp;

/// HMAC-SHA256 written out from RFC 2104, independent of the `hmac` crate the server signs with.
fn hmac_sha256(key: &[u8], message: &[u8]) -> Vec<u8> {
    let mut block = [0u8; 64];
    if key.len() > 64 {
        block[..32].copy_from_slice(&Sha256::digest(key));
    } else {
        block[..key.len()].copy_from_slice(key);
    }
    let pad = |byte: u8| block.iter().map(|k| k ^ byte).collect::<Vec<u8>>();
    let inner = Sha256::new().chain_update(pad(0x36)).chain_update(message).finalize();
    Sha256::new().chain_update(pad(0x5c)).chain_update(inner).finalize().to_vec()
}

/// Verifies a delivery as a Standard Webhooks receiver does; answers the parsed payload.
fn verify(secret: &str, headers: &HeaderMap, body: &str) -> Value {
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok()).expect(name).to_owned();
    let (id, timestamp) = (header("webhook-id"), header("webhook-timestamp"));
    let sent_at: i64 = timestamp.parse().expect("timestamp");
    assert!((Utc::now().timestamp() - sent_at).abs() < 300, "a fresh timestamp");
    let key = STANDARD.decode(secret.strip_prefix("whsec_").expect("whsec_ prefix")).expect("base64 key");
    let expected =
        format!("v1,{}", STANDARD.encode(hmac_sha256(&key, format!("{id}.{timestamp}.{body}").as_bytes())));
    let signatures = header("webhook-signature");
    assert!(signatures.split(' ').any(|s| s == expected), "{signatures} should contain {expected}");
    let payload: Value = serde_json::from_str(body).expect("JSON payload");
    assert_eq!(payload["notificationInfo"]["notificationId"], id.as_str());
    payload
}

#[tokio::test]
async fn registration_and_order_notifications_are_signed_as_standard_webhooks_say() {
    let (app, org, device, client_id, secret) = approved_device().await;
    let (receiver, address) = Receiver::start(&[]).await;
    let refused =
        app.call("create_notification_endpoint", &[("org", &org), ("url", "http://hooks.example/x")]).await;
    let body: Value =
        serde_json::from_str(&expect_status(refused, StatusCode::BAD_REQUEST, "bad endpoint").await)
            .expect("json");
    assert!(
        body["Validation"]["messages"]["url"].is_string()
            && body["Validation"]["messages"]["event_types"].is_string(),
        "{body}"
    );
    let (signing_secret, _) = add_endpoint(&app, &org, address).await;

    let linked = link_device(app, device, client_id, secret).await;
    let received = receiver.wait_for(1).await;
    let registered = verify(&signing_secret, &received[0].0, &received[0].1);
    assert_eq!(registered["notificationInfo"]["notificationType"], "DeviceRegisteredNotification");
    assert_eq!(registered["notificationInfo"]["lwaClientId"], linked.client_id.as_str());
    assert_eq!(registered["deviceInfo"]["deviceIdentifier"]["serialNumber"], "SN-0001");
    assert_eq!(registered["deviceInfo"]["productIdentifier"]["modelId"], "WP-1");
    assert!(registered["customerInfo"]["directedCustomerId"].is_string());
    assert_eq!(registered["subscriptionInfo"]["slotsSubscriptionStatus"]["filter"]["asin"], "B000000001");

    let (_, order) = replenish(&linked, "filter").await;
    let received = receiver.wait_for(2).await;
    let placed = verify(&signing_secret, &received[1].0, &received[1].1);
    assert_eq!(placed["notificationInfo"]["notificationType"], "OrderPlacedNotification");
    assert_eq!(placed["orderInfo"]["instanceId"], order["eventInstanceId"]);
    assert_eq!(placed["orderInfo"]["status"], "Pending");
    // A tampered body fails the independent check.
    let tampered = std::panic::catch_unwind(|| {
        verify(&signing_secret, &received[1].0, &received[1].1.replace("Pending", "Placed"))
    });
    assert!(tampered.is_err());
}

#[tokio::test]
async fn a_receiver_that_is_down_loses_nothing_and_every_attempt_is_logged() {
    let (app, org, device, client_id, secret) = approved_device().await;
    let (receiver, address) = Receiver::start(&[503, 500]).await;
    let (signing_secret, endpoint) = add_endpoint(&app, &org, address).await;
    let linked = link_device(app, device, client_id, secret).await;
    let app = &linked.app;
    receiver.wait_for(1).await;
    // The retry waits its backoff; the test moves it forward instead of sleeping.
    let due_now = || async {
        notification_delivery::Entity::update_many()
            .col_expr(
                notification_delivery::Column::NextAttemptAt,
                Expr::value(Utc::now() - Duration::seconds(1)),
            )
            .filter(notification_delivery::Column::DeliveredAt.is_null())
            .exec(&app.db)
            .await
            .expect("due now");
    };
    let delivery = wait_for_attempts(app, 1).await;
    assert!(delivery.delivered_at.is_none());
    let attempt = attempts_of(app, &delivery.id).await.remove(0);
    assert_eq!(attempt.status_code, Some(503));
    let wait = delivery.next_attempt_at - attempt.attempted_at;
    assert!(wait >= Duration::seconds(4) && wait <= Duration::seconds(6), "first retry after 5 s: {wait}");
    due_now().await;
    let delivery = wait_for_attempts(app, 2).await;
    let wait = delivery.next_attempt_at - attempts_of(app, &delivery.id).await[1].attempted_at;
    assert!(wait >= Duration::seconds(9) && wait <= Duration::seconds(11), "backoff doubles: {wait}");
    due_now().await;
    let delivery = wait_for_attempts(app, 3).await;
    assert!(delivery.delivered_at.is_some(), "delivered on the third attempt");
    let received = receiver.wait_for(3).await;
    assert!(
        received.windows(2).all(|pair| pair[0].0["webhook-id"] == pair[1].0["webhook-id"]),
        "one notification, retried"
    );
    verify(&signing_secret, &received[2].0, &received[2].1);

    // The log shows each attempt; replay sends the same notification again.
    let log = ok_json(
        app.call("load_delivery_log", &[("org", org_of(app).await.as_str()), ("endpoint", &endpoint)]).await,
        "log",
    )
    .await;
    let statuses: Vec<i64> = log["deliveries"][0]["attempts"]
        .as_array()
        .expect("attempts")
        .iter()
        .map(|a| a["status_code"].as_i64().unwrap_or(0))
        .collect();
    assert_eq!(statuses, vec![503, 500, 200]);
    assert_eq!(log["deliveries"][0]["state"], "Delivered");
    let (status, page) =
        app.page(&format!("/orgs/{}/settings/notifications/{endpoint}", org_of(app).await)).await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("HTTP 503") && page.contains("Replay"), "{page}");
    let delivery_id = log["deliveries"][0]["id"].as_str().expect("id");
    ok_json(
        app.call("replay_delivery", &[("org", org_of(app).await.as_str()), ("delivery", delivery_id)]).await,
        "replay",
    )
    .await;
    let received = receiver.wait_for(4).await;
    assert_eq!(received[3].0["webhook-id"], received[0].0["webhook-id"]);

    // Another organization sees none of it.
    let stranger = app.stranger("other@example.com", "Other").await;
    let org = org_of(app).await;
    for (endpoint_name, form) in [
        ("load_delivery_log", vec![("org", org.as_str()), ("endpoint", endpoint.as_str())]),
        ("replay_delivery", vec![("org", org.as_str()), ("delivery", delivery_id)]),
        ("delete_notification_endpoint", vec![("org", org.as_str()), ("endpoint", endpoint.as_str())]),
    ] {
        expect_status(
            app.call_with(&stranger, endpoint_name, &form).await,
            StatusCode::NOT_FOUND,
            endpoint_name,
        )
        .await;
    }
}

#[tokio::test]
async fn a_delivery_still_failing_after_three_days_is_given_up() {
    let (app, org, device, client_id, secret) = approved_device().await;
    let (_receiver, address) = Receiver::start(&[500, 500, 500]).await;
    add_endpoint(&app, &org, address).await;
    let linked = link_device(app, device, client_id, secret).await;
    let app = &linked.app;
    wait_for_attempts(app, 1).await;
    notification::Entity::update_many()
        .col_expr(notification::Column::CreatedAt, Expr::value(Utc::now() - Duration::days(3)))
        .exec(&app.db)
        .await
        .expect("age");
    notification_delivery::Entity::update_many()
        .col_expr(notification_delivery::Column::CreatedAt, Expr::value(Utc::now() - Duration::days(3)))
        .col_expr(
            notification_delivery::Column::NextAttemptAt,
            Expr::value(Utc::now() - Duration::seconds(1)),
        )
        .exec(&app.db)
        .await
        .expect("due");
    let delivery = wait_for_attempts(app, 2).await;
    assert!(delivery.gave_up_at.is_some() && delivery.delivered_at.is_none());
}

async fn org_of(app: &TestApp) -> String {
    app.first_organization_of(MAKER).await
}

async fn attempts_of(app: &TestApp, delivery: &str) -> Vec<delivery_attempt::Model> {
    delivery_attempt::Entity::find()
        .filter(delivery_attempt::Column::DeliveryId.eq(delivery))
        .order_by_asc(delivery_attempt::Column::AttemptedAt)
        .all(&app.db)
        .await
        .expect("attempts")
}

/// Waits until the first delivery has `count` attempts recorded.
async fn wait_for_attempts(app: &TestApp, count: i32) -> notification_delivery::Model {
    for _ in 0..200 {
        let first = notification_delivery::Entity::find()
            .order_by_asc(notification_delivery::Column::CreatedAt)
            .one(&app.db)
            .await
            .expect("delivery");
        if let Some(delivery) = first.filter(|d| d.attempts >= count && d.locked_until.is_none()) {
            return delivery;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("no delivery reached {count} attempts");
}

async fn order_emails(app: &TestApp) -> Vec<String> {
    outbox_email::Entity::find()
        .filter(outbox_email::Column::ToAddress.eq(TESTER))
        .order_by_asc(outbox_email::Column::CreatedAt)
        .all(&app.db)
        .await
        .expect("mail")
        .into_iter()
        .map(|m| m.subject)
        .collect()
}

async fn notification_types(app: &TestApp) -> Vec<String> {
    notification::Entity::find()
        .order_by_asc(notification::Column::CreatedAt)
        .all(&app.db)
        .await
        .expect("notifications")
        .into_iter()
        .map(|n| n.notification_type)
        .collect()
}

#[tokio::test]
async fn an_order_moves_from_its_hold_to_delivery_under_a_controllable_clock() {
    let linked = linked().await;
    let app = &linked.app;
    let settings = app::state::PortalSettings {
        public_url: "http://replenish.test".into(),
        review_inbox: "review@replenish.test".into(),
        ship_after: Duration::hours(24),
        deliver_after: Duration::hours(48),
    };
    let (_, placed) = replenish(&linked, "filter").await;
    let id = placed["eventInstanceId"].as_str().expect("id").to_owned();
    let order = || async {
        replenishment_order::Entity::find_by_id(&id).one(&app.db).await.expect("q").expect("order")
    };
    let created = order().await.created_at;
    let subjects = order_emails(app).await;
    assert!(subjects.iter().any(|s| s.starts_with("We received an order")), "{subjects:?}");

    assert_eq!(advance_orders(&app.db, &settings, created + Duration::hours(23)).await.expect("tick"), 0);
    assert_eq!(order().await.status, "Pending", "still in its hold");
    advance_orders(&app.db, &settings, created + Duration::hours(24) + Duration::seconds(1))
        .await
        .expect("tick");
    assert_eq!(order().await.status, "Placed");
    let (_, again) = replenish(&linked, "filter").await;
    assert_eq!(again["detailCode"], "ORDER_INPROGRESS", "a placed order keeps the slot busy");
    advance_orders(&app.db, &settings, created + Duration::hours(49)).await.expect("tick");
    assert_eq!(order().await.status, "Shipped");
    advance_orders(&app.db, &settings, created + Duration::hours(97)).await.expect("tick");
    let delivered = order().await;
    assert_eq!(delivered.status, "Delivered");
    assert!(delivered.placed_at < delivered.shipped_at && delivered.shipped_at < delivered.delivered_at);
    let (status, _, info) = drs(
        app,
        reqwest::Method::GET,
        &format!("/getOrderInfo/{id}"),
        &linked.access,
        ("DrsOrderInfoInput@1.0", "DrsOrderInfoResult@1.0"),
        None,
    )
    .await;
    assert_eq!(
        (status, info["orderInfoData"]["orderItems"][0]["status"].as_str()),
        (StatusCode::OK, Some("Delivered"))
    );
    assert_eq!(
        notification_types(app).await,
        [
            "DeviceRegisteredNotification",
            "OrderPlacedNotification",
            "ItemShippedNotification",
            "ItemDeliveredNotification"
        ]
    );
    let subjects = order_emails(app).await;
    for expected in ["Your order was placed", "Your order shipped", "Your order was delivered"] {
        assert!(subjects.iter().any(|s| s.starts_with(expected)), "{expected} in {subjects:?}");
    }

    // Delivered frees the slot; the next order can be cancelled from its email's link during the hold.
    let (_, next) = replenish(&linked, "filter").await;
    assert_eq!(next["detailCode"], "TEST_ORDER_PLACED");
    let next_id = next["eventInstanceId"].as_str().expect("id").to_owned();
    let link = format!("/my/orders/{next_id}/cancel?token=");
    let mut token = None;
    for _ in 0..200 {
        token = app.inbox().all().iter().find_map(|mail| {
            mail.text
                .contains(&link)
                .then(|| link_path(&mail.text, &link).trim_start_matches(&link).to_owned())
        });
        if token.is_some() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    let token = token.expect("the order email carries a cancel link");
    let wrong = cancel_order(&app.db, &settings, &next_id, Canceller::Link("forged"), Utc::now()).await;
    assert!(wrong.is_err(), "a forged link cancels nothing");
    let late =
        cancel_order(&app.db, &settings, &next_id, Canceller::Link(&token), Utc::now() + Duration::hours(25))
            .await;
    assert!(late.is_err(), "not after the hold");
    cancel_order(&app.db, &settings, &next_id, Canceller::Link(&token), Utc::now()).await.expect("cancel");
    let cancelled =
        replenishment_order::Entity::find_by_id(&next_id).one(&app.db).await.expect("q").expect("order");
    assert_eq!(cancelled.status, "Cancelled");
    assert_eq!(notification_types(app).await.last().map(String::as_str), Some("OrderCancelledNotification"));
    assert_eq!(replenishment_order::Entity::find().count(&app.db).await.expect("count"), 2);
}
