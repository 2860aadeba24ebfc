//! Inventory sensors over HTTP (`POST /v3/events`): readings checked against the approved measurement,
//! thresholds set on the inventory tab, one low-supply notice per low spell, an automatic order after
//! three low readings, and the tracked level rising when the order ships.

mod support;

use app::entities::{notification, registration_slot, replenishment_order, slot_reading};
use chrono::Duration;
use reqwest::header::AUTHORIZATION;
use reqwest::StatusCode;
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use serde_json::{json, Value};
use support::fixtures::*;
use support::runtime::*;

fn level_report(slot: &str, measurement: Value) -> Value {
    json!({
        "event": {
            "header": { "namespace": "Alexa", "name": "ChangeReport", "messageId": "m-1", "payloadVersion": "3" },
            "endpoint": { "endpointId": "appliance-1" },
            "payload": { "change": { "cause": { "type": "PERIODIC_POLL" }, "properties": [{
                "namespace": "Alexa.InventoryLevelSensor", "name": "level", "instance": slot,
                "value": measurement, "timeOfSample": "2026-11-23T10:00:00Z", "uncertaintyInMilliseconds": 0
            }] } }
        }
    })
}

fn usage_report(namespace: &str, name: &str, slot: &str, usage: Value) -> Value {
    json!({
        "event": {
            "header": { "namespace": namespace, "name": name, "instance": slot, "messageId": "m-2", "payloadVersion": "3" },
            "endpoint": { "endpointId": "appliance-1" },
            "payload": { "usage": usage, "timeOfSample": "2026-11-23T10:00:00Z" }
        }
    })
}

async fn post_event(linked: &Linked, event: &Value) -> (StatusCode, Value) {
    let response = cloud()
        .post(linked.app.url("/v3/events"))
        .header(AUTHORIZATION, format!("Bearer {}", linked.access))
        .json(event)
        .send()
        .await
        .expect("event");
    let status = response.status();
    (status, response.json().await.unwrap_or(Value::Null))
}

fn litres(value: f64) -> Value {
    json!({ "@type": "Volume", "value": value, "unit": "LITER" })
}

async fn filter_slot(linked: &Linked) -> registration_slot::Model {
    registration_slot::Entity::find()
        .filter(registration_slot::Column::SlotId.eq("filter"))
        .one(&linked.app.db)
        .await
        .expect("q")
        .expect("slot")
}

async fn count_of(linked: &Linked, notification_type: &str) -> u64 {
    notification::Entity::find()
        .filter(notification::Column::NotificationType.eq(notification_type))
        .count(&linked.app.db)
        .await
        .expect("count")
}

#[tokio::test]
async fn readings_are_checked_warn_once_and_reorder_after_three_low_ones() {
    let linked = linked().await;
    let app = &linked.app;
    let org = app.first_organization_of(MAKER).await;
    let filter_key = linked.keys["filter"].clone();
    let field = format!("thresholds[slot-{filter_key}]");
    let refused =
        app.call("save_thresholds", &[("org", &org), ("device", &linked.device), (&field, "-1")]).await;
    expect_status(refused, StatusCode::BAD_REQUEST, "negative threshold").await;
    ok_json(
        app.call("save_thresholds", &[("org", &org), ("device", &linked.device), (&field, "0.5")]).await,
        "threshold",
    )
    .await;
    let rows = ok_json(
        app.call("load_thresholds", &[("org", &org), ("device", &linked.device)]).await,
        "thresholds",
    )
    .await;
    assert_eq!(rows[0]["threshold"], "0.5");
    assert_eq!(rows[1]["default"], "1", "a weight slot defaults to 1 unit");

    assert_eq!(
        post_event(&linked, &level_report("filter", litres(1.0))).await,
        (StatusCode::ACCEPTED, json!({}))
    );
    assert_eq!(filter_slot(&linked).await.level, Some(1.0));
    let refusals = [
        (
            level_report("filter", json!({ "@type": "Count", "value": 3 })),
            StatusCode::BAD_REQUEST,
            "measures Volume",
        ),
        (
            level_report("filter", json!({ "@type": "Volume", "value": 3, "unit": "MILLILITER" })),
            StatusCode::BAD_REQUEST,
            "LITER",
        ),
        (level_report("filter", litres(-1.0)), StatusCode::BAD_REQUEST, "negative"),
        (
            usage_report("Alexa.InventoryUsageSensor", "InventoryConsumed", "filter", litres(0.1)),
            StatusCode::BAD_REQUEST,
            "sensor",
        ),
        (level_report("nope", litres(1.0)), StatusCode::NOT_FOUND, "not a slot"),
        (
            json!({ "event": { "header": { "namespace": "Alexa", "name": "Nope" } } }),
            StatusCode::BAD_REQUEST,
            "unsupported",
        ),
    ];
    for (event, status, expected) in refusals {
        let (got, body) = post_event(&linked, &event).await;
        assert_eq!(got, status, "{expected}: {body}");
        assert!(body["message"].as_str().unwrap_or_default().contains(expected), "{expected}: {body}");
    }
    assert_eq!(
        slot_reading::Entity::find().count(&app.db).await.expect("count"),
        1,
        "refused readings are not stored"
    );

    for level in [0.4, 0.3] {
        post_event(&linked, &level_report("filter", litres(level))).await;
    }
    assert_eq!(count_of(&linked, "LowSupplyNotification").await, 1, "one notice per low spell");
    assert_eq!(
        replenishment_order::Entity::find().count(&app.db).await.expect("count"),
        0,
        "two low readings order nothing"
    );
    app.inbox().wait_for(TESTER, "Running low").await;
    post_event(&linked, &level_report("filter", litres(0.2))).await;
    let orders = replenishment_order::Entity::find().all(&app.db).await.expect("orders");
    assert_eq!(orders.len(), 1, "the third low reading orders");
    assert_eq!((orders[0].asin.as_str(), orders[0].is_test), ("B000000001", true));
    post_event(&linked, &level_report("filter", litres(0.1))).await;
    assert_eq!(
        replenishment_order::Entity::find().count(&app.db).await.expect("count"),
        1,
        "one open order per slot"
    );

    // The shipped refill (2 L) raises the tracked level and ends the low spell.
    let settings = app::state::PortalSettings {
        public_url: "http://replenish.test".into(),
        review_inbox: "review@replenish.test".into(),
        ship_after: Duration::hours(1),
        deliver_after: Duration::hours(1),
    };
    app::services::fulfilment::advance_orders(
        &app.db,
        &settings,
        chrono::Utc::now() + Duration::hours(25) + Duration::minutes(1),
    )
    .await
    .expect("place");
    app::services::fulfilment::advance_orders(&app.db, &settings, chrono::Utc::now() + Duration::hours(27))
        .await
        .expect("ship");
    let slot = filter_slot(&linked).await;
    assert_eq!(slot.level, Some(2.1));
    assert_eq!((slot.low_streak, slot.low_notified), (0, false));

    // A usage sensor reports what was consumed; the notify-only slot never orders.
    let (status, _) = post_event(
        &linked,
        &usage_report(
            "Alexa.InventoryUsageSensor",
            "InventoryConsumed",
            "salt",
            json!({ "@type": "Weight", "value": 0.5, "unit": "KILOGRAM" }),
        ),
    )
    .await;
    assert_eq!(status, StatusCode::ACCEPTED);
    let (status, body) = post_event(
        &linked,
        &usage_report("Alexa.InventoryUsageSensor", "InventoryReplaced", "salt", json!({})),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
}
