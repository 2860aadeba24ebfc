//! Fixtures shared by the HTTP tests: a device with two slots, its replenishment-ID request, a reviewer,
//! and assertions on answers.

use super::{client_for, TestApp, PASSWORD};
use app::entities::slot;
use reqwest::{Client, Response, StatusCode};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
use serde_json::Value;

pub const REVIEWER: &str = "reviewer@replenish.test";

pub async fn ok_json(response: Response, what: &str) -> Value {
    let status = response.status();
    let text = response.text().await.expect("body");
    assert_eq!(status, StatusCode::OK, "{what}: {text}");
    serde_json::from_str(&text).unwrap_or(Value::Null)
}

pub async fn expect_status(response: Response, expected: StatusCode, what: &str) -> String {
    let status = response.status();
    let text = response.text().await.unwrap_or_default();
    assert_eq!(status, expected, "{what}: {text}");
    text
}

pub async fn register_two_slot_device(
    app: &TestApp,
    client: &Client,
    org: &str,
    name: &str,
    model_id: &str,
) -> String {
    let form = [
        ("org", org),
        ("kind", "skills_kit"),
        ("name", name),
        ("model_id", model_id),
        ("marketplace", "US"),
        ("category", "water_filter"),
    ];
    ok_json(app.call_with(client, "register_device", &form).await, "register_device").await;
    let device = app::entities::device::Entity::find()
        .filter(app::entities::device::Column::OrganizationId.eq(org))
        .filter(app::entities::device::Column::ModelId.eq(model_id))
        .one(&app.db)
        .await
        .expect("query")
        .expect("device");
    let first = slot_keys(app, &device.id).await.remove(0);
    let rows = [
        ("org", org),
        ("device", device.id.as_str()),
        ("rows[0][key]", first.as_str()),
        ("rows[0][slot_id]", "filter"),
        ("rows[0][category]", "water_filter"),
        ("rows[1][key]", ""),
        ("rows[1][slot_id]", "salt"),
        ("rows[1][category]", "dishwasher_detergent"),
    ];
    ok_json(app.call_with(client, "save_inventory", &rows).await, "save_inventory").await;
    device.id
}

pub async fn slot_keys(app: &TestApp, device: &str) -> Vec<String> {
    slots_of(app, device).await.into_iter().map(|s| s.id).collect()
}

pub async fn slots_of(app: &TestApp, device: &str) -> Vec<slot::Model> {
    slot::Entity::find()
        .filter(slot::Column::DeviceId.eq(device))
        .order_by_asc(slot::Column::Position)
        .all(&app.db)
        .await
        .expect("slots")
}

pub fn slot_fields(
    key: &str,
    sensor: &str,
    measurement: &str,
    unit: &str,
    asins: &str,
) -> Vec<(String, String)> {
    let field = |name: &str| format!("slots[slot-{key}][{name}]");
    vec![
        (field("sensor_type"), sensor.to_owned()),
        (field("measurement"), measurement.to_owned()),
        (field("unit"), unit.to_owned()),
        (field("unit_size"), "2".to_owned()),
        (field("description"), "Acme carbon filter, 2-pack".to_owned()),
        (field("asins"), asins.to_owned()),
        (field("detail"), "Flow meter on the outlet".to_owned()),
    ]
}

/// The whole form for both slots, with `intent`.
pub fn request_form(org: &str, device: &str, keys: &[String], intent: &str) -> Vec<(String, String)> {
    let mut form = vec![
        ("org".to_owned(), org.to_owned()),
        ("device".to_owned(), device.to_owned()),
        ("intent".to_owned(), intent.to_owned()),
        ("customer_id".to_owned(), "A2CUSTOMER42".to_owned()),
        ("test_accounts".to_owned(), "tester@example.com\nqa@example.com".to_owned()),
    ];
    form.extend(slot_fields(&keys[0], "Level", "Volume", "L", "B07XJ8C8F5, B000000001"));
    form.extend(slot_fields(&keys[1], "Usage", "Weight", "kg", ""));
    form
}

pub fn borrowed(form: &[(String, String)]) -> Vec<(&str, &str)> {
    form.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect()
}

/// A signed-in reviewer in their own browser.
pub async fn reviewer(app: &TestApp) -> Client {
    app::services::accounts::create_reviewer(&app.db, REVIEWER, PASSWORD).await.expect("reviewer");
    let client = client_for(app.address);
    expect_status(app.sign_in_with(&client, REVIEWER, PASSWORD).await, StatusCode::OK, "reviewer sign-in")
        .await;
    client
}
