//! Devices over HTTP: registration, generated model IDs, the inventory, localized names, images, tenancy,
//! roles, deletion and forms posted without JavaScript.

mod support;

use app::entities::{audit_log, device, device_image, device_marketplace, slot, slot_name};
use app::models::{Email, ModelId, OrgName, Password, SlotId};
use base64::engine::general_purpose::URL_SAFE;
use base64::Engine;
use image::{DynamicImage, ImageFormat, Rgb, RgbImage, Rgba, RgbaImage};
use reqwest::header::{ACCEPT, CACHE_CONTROL, CONTENT_TYPE, ETAG, IF_NONE_MATCH, LOCATION};
use reqwest::{Client, Response, StatusCode};
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, Set};
use serde_json::Value;
use std::collections::HashSet;
use support::images::*;
use support::smtp::link_path;
use support::{client_for, spawn_app, TestApp, PASSWORD};

const DEVICE_NAME: &str = "Smart Printer";
const MODEL_ID: &str = "SP-200";
const DEVICE_TYPE: &str = "A2X9RV8EXAMPLE";

// ---------------------------------------------------------------------------------------------------------
// Answers

/// Asserts a 200 answer (showing the body otherwise) and returns the body as JSON (`null` for `()`).
async fn ok_json(response: Response, what: &str) -> Value {
    let status = response.status();
    let text = response.text().await.expect("body");
    assert_eq!(status, StatusCode::OK, "{what}: {text}");
    serde_json::from_str(&text).unwrap_or(Value::Null)
}

/// Asserts `expected` and returns the JSON body.
async fn error_json(response: Response, expected: StatusCode, what: &str) -> Value {
    let status = response.status();
    let text = response.text().await.expect("body");
    assert_eq!(status, expected, "{what}: {text}");
    serde_json::from_str(&text).unwrap_or_else(|_| panic!("{what}: expected a JSON body, got {text}"))
}

/// Asserts `expected`, showing the body otherwise.
async fn expect_status(response: Response, expected: StatusCode, what: &str) {
    let status = response.status();
    let text = response.text().await.unwrap_or_default();
    assert_eq!(status, expected, "{what}: {text}");
}

/// Asserts a 400 validation refusal with a message on `field`; returns every field's message.
async fn refused_on(response: Response, field: &str) -> serde_json::Map<String, Value> {
    let body = error_json(response, StatusCode::BAD_REQUEST, field).await;
    let messages = body["Validation"]["messages"]
        .as_object()
        .cloned()
        .unwrap_or_else(|| panic!("field messages in {body}"));
    assert!(
        messages.get(field).and_then(Value::as_str).is_some_and(|message| !message.is_empty()),
        "a message on {field}: {body}"
    );
    messages
}

fn message<'a>(messages: &'a serde_json::Map<String, Value>, field: &str) -> &'a str {
    messages.get(field).and_then(Value::as_str).unwrap_or_default()
}

fn location(response: &Response) -> String {
    response.headers()[LOCATION].to_str().expect("location").to_owned()
}

/// Owned form fields, for forms built from formatted field names.
fn owned(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs.iter().map(|(name, value)| ((*name).to_owned(), (*value).to_owned())).collect()
}

fn borrowed(form: &[(String, String)]) -> Vec<(&str, &str)> {
    form.iter().map(|(name, value)| (name.as_str(), value.as_str())).collect()
}

async fn get_with(app: &TestApp, client: &Client, path: &str) -> Response {
    client.get(app.url(path)).send().await.expect("request")
}

// ---------------------------------------------------------------------------------------------------------
// Accounts and devices

/// A second, verified and signed-in owner in another browser, with their own organization.
async fn second_owner(app: &TestApp, email: &str, organization: &str) -> (Client, String) {
    let client = client_for(app.address);
    let form = [("email", email), ("password", PASSWORD), ("organization_name", organization)];
    expect_status(app.call_with(&client, "sign_up", &form).await, StatusCode::OK, "sign-up").await;
    let mail = app.inbox().wait_for(email, "Verify your email").await;
    let token = link_path(&mail.text, "/verify").split("token=").nth(1).expect("token").to_owned();
    let verified = app.call_with(&client, "verify_email", &[("token", &token)]).await;
    expect_status(verified, StatusCode::OK, "verify").await;
    expect_status(app.sign_in_with(&client, email, PASSWORD).await, StatusCode::OK, "sign-in").await;
    let organization_id = app.first_organization_of(email).await;
    (client, organization_id)
}

/// The registration form's fields; `Default` is a valid Skills Kit device in the US.
#[derive(Clone, Copy)]
struct Registration<'a> {
    kind: &'a str,
    name: &'a str,
    model_id: &'a str,
    device_type: &'a str,
    marketplace: &'a str,
    category: &'a str,
}

impl Default for Registration<'_> {
    fn default() -> Self {
        Self {
            kind: "skills_kit",
            name: "Kitchen Printer",
            model_id: "KP-100",
            device_type: "",
            marketplace: "US",
            category: "ink_cartridge",
        }
    }
}

impl<'a> Registration<'a> {
    fn form(&self, org: &'a str) -> [(&'static str, &'a str); 7] {
        [
            ("org", org),
            ("kind", self.kind),
            ("name", self.name),
            ("model_id", self.model_id),
            ("device_type", self.device_type),
            ("marketplace", self.marketplace),
            ("category", self.category),
        ]
    }
}

/// Registers a device (US, ink cartridge) and returns its ID.
async fn register(app: &TestApp, org: &str, kind: &str, name: &str, model_id: &str) -> String {
    let device_type = if kind == "connect_kit" { DEVICE_TYPE } else { "" };
    let registration = Registration { kind, name, model_id, device_type, ..Registration::default() };
    ok_json(app.call("register_device", &registration.form(org)).await, "register_device").await;
    device_by_model_id(app, org, model_id).await.expect("the registered device is stored").id
}

/// A fresh app with a signed-in owner and one Connect Kit device: (app, organization ID, device ID).
async fn owner_with_device(email: &str) -> (TestApp, String, String) {
    let app = spawn_app().await;
    let org = app.signed_in_owner(email, "Device Makers").await;
    let device = register(&app, &org, "connect_kit", DEVICE_NAME, MODEL_ID).await;
    (app, org, device)
}

async fn load_device(app: &TestApp, org: &str, device: &str) -> Value {
    ok_json(app.call("load_device", &[("org", org), ("device", device)]).await, "load_device").await
}

async fn list_devices(app: &TestApp, org: &str) -> Value {
    ok_json(app.call("list_devices", &[("org", org), ("search", "")]).await, "list_devices").await
}

async fn suggest_model_id(app: &TestApp, org: &str) -> String {
    let body = ok_json(app.call("suggest_model_id", &[("org", org)]).await, "suggest_model_id").await;
    body.as_str().unwrap_or_else(|| panic!("a model ID string, got {body}")).to_owned()
}

/// `RPL-` and ten upper-case letters or digits.
fn looks_generated(model_id: &str) -> bool {
    model_id.strip_prefix("RPL-").is_some_and(|suffix| {
        suffix.len() == 10 && suffix.chars().all(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
    })
}

/// The device's friendly name in marketplace `code`, from `load_device`'s JSON.
fn friendly_name(detail: &Value, code: &str) -> Option<String> {
    detail["marketplaces"]
        .as_array()
        .expect("marketplaces")
        .iter()
        .find(|m| m["marketplace"]["code"] == code)
        .and_then(|m| m["friendly_name"].as_str().map(str::to_owned))
}

// ---------------------------------------------------------------------------------------------------------
// The database

async fn device_by_model_id(app: &TestApp, org: &str, model_id: &str) -> Option<device::Model> {
    device::Entity::find()
        .filter(device::Column::OrganizationId.eq(org))
        .filter(device::Column::ModelId.eq(model_id))
        .one(&app.db)
        .await
        .expect("query")
}

async fn device_count(app: &TestApp, org: &str) -> u64 {
    device::Entity::find().filter(device::Column::OrganizationId.eq(org)).count(&app.db).await.expect("count")
}

async fn slots_of(app: &TestApp, device_id: &str) -> Vec<slot::Model> {
    slot::Entity::find()
        .filter(slot::Column::DeviceId.eq(device_id))
        .order_by_asc(slot::Column::Position)
        .all(&app.db)
        .await
        .expect("query")
}

/// (slot ID, position) of each slot, in order.
fn slot_ids(slots: &[slot::Model]) -> Vec<(&str, i32)> {
    slots.iter().map(|s| (s.slot_id.as_str(), s.position)).collect()
}

async fn marketplaces_of(app: &TestApp, device_id: &str) -> Vec<device_marketplace::Model> {
    device_marketplace::Entity::find()
        .filter(device_marketplace::Column::DeviceId.eq(device_id))
        .order_by_asc(device_marketplace::Column::MarketplaceCode)
        .all(&app.db)
        .await
        .expect("query")
}

async fn image_ids_of(app: &TestApp, device_id: &str) -> Vec<String> {
    device_image::Entity::find()
        .filter(device_image::Column::DeviceId.eq(device_id))
        .all(&app.db)
        .await
        .expect("query")
        .into_iter()
        .map(|image| image.id)
        .collect()
}

/// The organization's audit log as (action, target) pairs.
async fn audit_entries(app: &TestApp, org: &str) -> Vec<(String, String)> {
    audit_log::Entity::find()
        .filter(audit_log::Column::OrganizationId.eq(org))
        .order_by_asc(audit_log::Column::CreatedAt)
        .all(&app.db)
        .await
        .expect("query")
        .into_iter()
        .map(|entry| (entry.action, entry.target))
        .collect()
}

fn has_entry(entries: &[(String, String)], action: &str, target: &str) -> bool {
    entries.iter().any(|(a, t)| a == action && t == target)
}

/// Everything stored about one device, to show that a refused request changed nothing.
#[derive(Debug, PartialEq)]
struct DeviceState {
    device: Option<device::Model>,
    marketplaces: Vec<device_marketplace::Model>,
    slots: Vec<slot::Model>,
    slot_names: u64,
    image_ids: Vec<String>,
    audit_entries: usize,
}

async fn device_state(app: &TestApp, org: &str, device_id: &str) -> DeviceState {
    DeviceState {
        device: device::Entity::find_by_id(device_id).one(&app.db).await.expect("query"),
        marketplaces: marketplaces_of(app, device_id).await,
        slots: slots_of(app, device_id).await,
        slot_names: slot_name::Entity::find()
            .filter(slot_name::Column::OrganizationId.eq(org))
            .count(&app.db)
            .await
            .expect("count"),
        image_ids: image_ids_of(app, device_id).await,
        audit_entries: audit_entries(app, org).await.len(),
    }
}

// ---------------------------------------------------------------------------------------------------------
// The inventory form

/// One row of the inventory form; `key` is empty for a new slot.
#[derive(Clone, Copy)]
struct Row<'a> {
    key: &'a str,
    slot_id: &'a str,
    category: &'a str,
    delete: bool,
}

fn row<'a>(key: &'a str, slot_id: &'a str, category: &'a str) -> Row<'a> {
    Row { key, slot_id, category, delete: false }
}

fn inventory_form(org: &str, device: &str, rows: &[Row]) -> Vec<(String, String)> {
    let mut form = owned(&[("org", org), ("device", device)]);
    for (n, row) in rows.iter().enumerate() {
        form.push((format!("rows[{n}][key]"), row.key.to_owned()));
        form.push((format!("rows[{n}][slot_id]"), row.slot_id.to_owned()));
        form.push((format!("rows[{n}][category]"), row.category.to_owned()));
        if row.delete {
            form.push((format!("rows[{n}][delete]"), "1".to_owned()));
        }
    }
    form
}

async fn save_inventory(
    app: &TestApp,
    client: &Client,
    org: &str,
    device: &str,
    rows: &[Row<'_>],
) -> Response {
    let form = inventory_form(org, device, rows);
    app.call_with(client, "save_inventory", &borrowed(&form)).await
}

// ---------------------------------------------------------------------------------------------------------
// Images

fn png_on_transparent() -> Vec<u8> {
    encode(DynamicImage::ImageRgba8(product_on(240, 240, CLEAR)), ImageFormat::Png)
}

/// A light product on a dark grey background (the JPEG encoder takes RGB, not RGBA).
fn jpeg_on_dark() -> Vec<u8> {
    let mut image = RgbImage::from_pixel(300, 200, Rgb([25, 25, 30]));
    for y in 50..150 {
        for x in 75..225 {
            image.put_pixel(x, y, Rgb([240, 240, 240]));
        }
    }
    encode(DynamicImage::ImageRgb8(image), ImageFormat::Jpeg)
}

/// A PNG of noise, which compression cannot shrink, larger than `min_bytes`.
fn noisy_png(min_bytes: usize) -> Vec<u8> {
    let mut side = 600;
    let mut state: u64 = 0x2545_F491_4F6C_DD1D;
    loop {
        let mut image = RgbaImage::new(side, side);
        for pixel in image.pixels_mut() {
            // xorshift64
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            let [r, g, b, a, ..] = state.to_le_bytes();
            *pixel = Rgba([r, g, b, a]);
        }
        let bytes = encode(DynamicImage::ImageRgba8(image), ImageFormat::Png);
        if bytes.len() > min_bytes {
            return bytes;
        }
        side += 100;
    }
}

/// Posts an image the way the device page does: as a script asking for JSON, or as a plain browser form.
async fn upload(
    app: &TestApp,
    client: &Client,
    org: &str,
    device: &str,
    bytes: &[u8],
    filename: &str,
    json: bool,
) -> Response {
    let declared = if filename.ends_with(".jpg") { "image/jpeg" } else { "image/png" };
    let (content_type, body) = multipart_image(bytes, filename, declared);
    let mut request = client
        .post(app.url(&format!("/orgs/{org}/devices/{device}/image")))
        .header(CONTENT_TYPE, content_type)
        .body(body);
    if json {
        request = request.header(ACCEPT, "application/json");
    }
    request.send().await.expect("upload")
}

/// Uploads an image the owner's browser should have accepted; returns its URL.
async fn upload_ok(app: &TestApp, org: &str, device: &str, bytes: &[u8]) -> String {
    let response = upload(app, &app.client, org, device, bytes, "product.png", true).await;
    let body = ok_json(response, "upload").await;
    body["url"].as_str().unwrap_or_else(|| panic!("an image URL in {body}")).to_owned()
}

/// Uploads an image that must be refused with `status`; returns the refusal code.
async fn upload_refused(
    app: &TestApp,
    org: &str,
    device: &str,
    bytes: &[u8],
    filename: &str,
    status: StatusCode,
) -> String {
    let response = upload(app, &app.client, org, device, bytes, filename, true).await;
    let body = error_json(response, status, filename).await;
    assert!(body["message"].as_str().is_some_and(|m| !m.is_empty()), "a message in {body}");
    body["error"].as_str().unwrap_or_else(|| panic!("a refusal code in {body}")).to_owned()
}

// ---------------------------------------------------------------------------------------------------------
// Registration

#[tokio::test]
async fn an_owner_registers_devices_of_both_kinds_with_a_primary_marketplace_and_a_first_slot() {
    let app = spawn_app().await;
    let org = app.signed_in_owner("maker@example.com", "Makers").await;

    let connect_kit = Registration {
        kind: "connect_kit",
        name: DEVICE_NAME,
        model_id: MODEL_ID,
        device_type: DEVICE_TYPE,
        marketplace: "US",
        category: "ink_cartridge",
    };
    let response = app.call("register_device", &connect_kit.form(&org)).await;
    let redirect = location(&response);
    ok_json(response, "register a Connect Kit device").await;
    let printer = device_by_model_id(&app, &org, MODEL_ID).await.expect("the printer is stored");
    assert_eq!(redirect, format!("/orgs/{org}/devices/{}?saved=registered", printer.id));
    assert_eq!(printer.kind, "connect_kit");
    assert_eq!(printer.name, DEVICE_NAME);
    assert_eq!(printer.device_type.as_deref(), Some(DEVICE_TYPE));

    let skills_kit = Registration {
        kind: "skills_kit",
        name: "Coffee Maker",
        model_id: "CM+1_x",
        device_type: "",
        marketplace: "DE",
        category: "coffee_pods",
    };
    ok_json(app.call("register_device", &skills_kit.form(&org)).await, "register a Skills Kit device").await;
    let coffee = device_by_model_id(&app, &org, "CM+1_x").await.expect("the coffee maker is stored");
    assert_eq!(coffee.kind, "skills_kit");
    assert_eq!(coffee.device_type, None, "Skills Kit devices have no device type");

    let expected = [(&printer, "US", "ink_cartridge"), (&coffee, "DE", "coffee_pods")];
    for (stored, marketplace, category) in expected {
        let marketplaces = marketplaces_of(&app, &stored.id).await;
        assert_eq!(marketplaces.len(), 1, "{}", stored.name);
        assert!(marketplaces[0].is_primary, "{}", stored.name);
        assert_eq!(marketplaces[0].marketplace_code, marketplace);
        assert_eq!(marketplaces[0].organization_id, org);
        let slots = slots_of(&app, &stored.id).await;
        assert_eq!(slot_ids(&slots), [("slot-01", 1)], "{}", stored.name);
        assert_eq!(slots[0].category_code, category);
        assert_eq!(slots[0].replenishment_id, None);
    }

    let audit = audit_entries(&app, &org).await;
    assert!(has_entry(&audit, "device.registered", MODEL_ID), "{audit:?}");
    assert!(has_entry(&audit, "device.registered", "CM+1_x"), "{audit:?}");

    let list = list_devices(&app, &org).await;
    assert_eq!(list["total"], 2);
    let devices = list["devices"].as_array().expect("devices");
    let names: Vec<&str> = devices.iter().filter_map(|d| d["name"].as_str()).collect();
    assert_eq!(names, ["Coffee Maker", DEVICE_NAME], "listed by name");
    assert!(devices.iter().all(|d| d["slot_count"] == 1), "{list}");
    assert_eq!(devices[1]["kind"], "ConnectKit");
}

#[tokio::test]
async fn fields_ask_the_servers_own_rules_before_a_submit() {
    let (app, org, device) = owner_with_device("checker@example.com").await;
    let check = |rule: &'static str, value: &'static str| {
        let app = &app;
        async move {
            let request = app.client.post(app.url(&format!("/checks/{rule}"))).form(&[("value", value)]);
            let response = request.send().await.expect("request");
            let status = response.status();
            (status, response.json::<Value>().await.expect("JSON")["message"].clone())
        }
    };
    let refusal = ModelId::parse("has space").expect_err("a space is refused");
    assert_eq!(check("model_id", "has space").await, (StatusCode::OK, Value::from(refusal)));
    assert_eq!(check("model_id", "CM+1_x").await, (StatusCode::OK, Value::Null));
    assert_eq!(check("device_name", "  ").await, (StatusCode::OK, Value::from("Enter a device name.")));
    assert_eq!(
        check("slot_id", "filter+1").await.1,
        Value::from(SlotId::parse("filter+1").expect_err("plus"))
    );
    assert_eq!(check("device_type", "A.b_c-1").await, (StatusCode::OK, Value::Null));
    assert_eq!(check("password", "x").await.0, StatusCode::NOT_FOUND);
    assert_eq!(
        check("new_password", "short").await,
        (StatusCode::OK, Value::from(Password::parse("short").expect_err("too short")))
    );
    assert_eq!(check("email", "ada@example.com").await, (StatusCode::OK, Value::Null));
    assert_eq!(check("email", "ada@").await.1, Value::from(Email::parse("ada@").expect_err("no domain")));
    assert_eq!(check("organization_name", "A").await.1, Value::from(OrgName::parse("A").expect_err("short")));
    assert_eq!(check("customer_facing_name", "Filtre à eau").await, (StatusCode::OK, Value::Null));
    assert_eq!(check("profile_name", "").await.1, Value::from("Enter a name for the profile."));
    assert_eq!(
        check("return_urls", "https://example.com/cb\nhttps://example.com/cb").await.1,
        Value::from("https://example.com/cb is listed twice.")
    );

    // The value travels only in a body, from this origin, and no larger than the longest list of return URLs.
    let by_address =
        app.client.get(app.url("/checks/email")).query(&[("value", "ada@")]).send().await.expect("get");
    assert_eq!(by_address.status(), StatusCode::METHOD_NOT_ALLOWED);
    let foreign = Client::new()
        .post(app.url("/checks/email"))
        .header("origin", "https://elsewhere.example")
        .form(&[("value", "ada@")])
        .send()
        .await
        .expect("cross-origin");
    assert_eq!(foreign.status(), StatusCode::FORBIDDEN);
    // The longest list of return URLs, ten of 2,048 bytes with nearly every byte escaped, fits the limit.
    let prefix_len = "https://example.com/0".len();
    let longest = (0..10)
        .map(|n| format!("https://example.com/{n}{}", "!".repeat(2048 - prefix_len)))
        .collect::<Vec<_>>()
        .join("\n");
    let answer =
        app.client.post(app.url("/checks/return_urls")).form(&[("value", longest.as_str())]).send().await;
    let answer = answer.expect("longest");
    assert_eq!(answer.status(), StatusCode::OK);
    assert_eq!(answer.json::<Value>().await.expect("JSON")["message"], Value::Null);
    let huge = "x".repeat(65 * 1024);
    let oversized = app
        .client
        .post(app.url("/checks/return_urls"))
        .form(&[("value", huge.as_str())])
        .send()
        .await
        .expect("big");
    assert_eq!(oversized.status(), StatusCode::PAYLOAD_TOO_LARGE);

    // The fields carry their rule and the ID of the element their error goes to.
    let input = |html: &str, id: &str| -> String {
        let at = html.find(&format!(r#"id="{id}""#)).unwrap_or_else(|| panic!("no element {id}"));
        let start = html[..at].rfind('<').expect("tag start");
        let end = at + html[at..].find('>').expect("tag end");
        html[start..=end].to_owned()
    };
    let (_, html) = app.page(&format!("/orgs/{org}/devices/new")).await;
    let model_id = input(&html, "field-model_id");
    assert!(model_id.contains(r#"data-check="model_id""#), "{model_id}");
    assert!(model_id.contains(r#"data-error-id="error-model-id""#), "{model_id}");
    let name = input(&html, "field-name");
    assert!(
        name.contains(r#"data-check="device_name""#) && name.contains(r#"data-error-id="field-name-error""#),
        "{name}"
    );
    let (_, html) = app.page(&format!("/orgs/{org}/devices/{device}")).await;
    assert!(
        input(&html, "field-device_type").contains(r#"data-check="device_type""#),
        "overview: device type"
    );
    let (_, html) = app.page(&format!("/orgs/{org}/devices/{device}/inventory")).await;
    let slot = input(&html, "slot-0-id");
    assert!(slot.contains(r#"data-check="slot_id""#), "{slot}");
    assert!(!slot.contains("data-blank-allowed"), "a stored slot's ID may not be blank: {slot}");
    // A friendly name may be blank (a save clears it), but what is typed is checked.
    let (_, html) = app.page(&format!("/orgs/{org}/devices/{device}/localization")).await;
    let at = html.find(r#"data-check="customer_facing_name""#).expect("a checked friendly name");
    let start = html[..at].rfind('<').expect("tag start");
    let friendly = &html[start..at + html[at..].find('>').expect("tag end")];
    assert!(friendly.contains("data-blank-allowed") && friendly.contains("data-error-id="), "{friendly}");
    let (_, html) = app.page(&format!("/orgs/{org}/settings/security-profiles")).await;
    assert!(input(&html, "field-name").contains(r#"data-check="profile_name""#), "profile name");
    let urls = input(&html, "new-profile-return-urls");
    assert!(
        urls.contains(r#"data-check="return_urls""#)
            && urls.contains(r#"data-error-id="new-profile-return-urls-error""#),
        "{urls}"
    );
}

#[tokio::test]
async fn bad_registrations_are_refused_on_their_field_and_store_nothing() {
    let app = spawn_app().await;
    let org = app.signed_in_owner("careful@example.com", "Careful").await;
    let long_name = "n".repeat(61);
    let long_model_id = "M".repeat(65);
    let cases = [
        (Registration { name: &long_name, ..Registration::default() }, "name"),
        (Registration { model_id: "has space", ..Registration::default() }, "model_id"),
        (Registration { model_id: &long_model_id, ..Registration::default() }, "model_id"),
        (Registration { kind: "connect_kit", device_type: "", ..Registration::default() }, "device_type"),
        (Registration { category: "", ..Registration::default() }, "category"),
    ];
    for (registration, field) in cases {
        let messages = refused_on(app.call("register_device", &registration.form(&org)).await, field).await;
        assert_eq!(messages.len(), 1, "only {field} is marked: {messages:?}");
    }
    assert_eq!(device_count(&app, &org).await, 0);
}

#[tokio::test]
async fn a_model_id_is_unique_within_an_organization_but_not_across_organizations() {
    let app = spawn_app().await;
    let org = app.signed_in_owner("twice@example.com", "First Company").await;
    register(&app, &org, "skills_kit", "Printer", "DUP-1").await;

    let again = Registration { name: "Another printer", model_id: "DUP-1", ..Registration::default() };
    let messages = refused_on(app.call("register_device", &again.form(&org)).await, "model_id").await;
    assert!(message(&messages, "model_id").contains("already used"), "{messages:?}");
    assert_eq!(device_count(&app, &org).await, 1);

    let created = app.call("create_organization", &[("name", "Sister Company")]).await;
    let sister = location(&created).trim_start_matches("/orgs/").to_owned();
    ok_json(created, "create_organization").await;
    ok_json(app.call("register_device", &again.form(&sister)).await, "the same model ID elsewhere").await;
    assert!(device_by_model_id(&app, &sister, "DUP-1").await.is_some());
    assert_eq!(device_count(&app, &org).await, 1);
}

#[tokio::test]
async fn generated_model_ids_are_valid_distinct_and_never_already_used() {
    let app = spawn_app().await;
    let org = app.signed_in_owner("generator@example.com", "Generators").await;
    let mut seen = HashSet::new();
    for _ in 0..50 {
        let model_id = suggest_model_id(&app, &org).await;
        assert!(looks_generated(&model_id), "{model_id}");
        assert!(ModelId::parse(&model_id).is_ok(), "{model_id}");
        assert!(seen.insert(model_id.clone()), "{model_id} was suggested twice");
    }

    // Suggestions are free to register, and once registered they are never suggested again.
    let used: Vec<String> = seen.into_iter().take(3).collect();
    for (n, model_id) in used.iter().enumerate() {
        register(&app, &org, "skills_kit", &format!("Generated {n}"), model_id).await;
    }
    for _ in 0..50 {
        let model_id = suggest_model_id(&app, &org).await;
        assert!(!used.contains(&model_id), "{model_id} is already used");
    }
}

// ---------------------------------------------------------------------------------------------------------
// The inventory

#[tokio::test]
async fn a_bad_row_stores_nothing_from_the_inventory() {
    let (app, org, device) = owner_with_device("rows@example.com").await;
    let first = slots_of(&app, &device).await.remove(0);
    let response = save_inventory(
        &app,
        &app.client,
        &org,
        &device,
        &[
            row(&first.id, "ink-black", "ink_cartridge"),
            row("", "ink-cyan", "ink_cartridge"),
            row("", "bad id!", "ink_cartridge"),
        ],
    )
    .await;
    let messages = refused_on(response, "rows[2][slot_id]").await;
    assert!(
        !messages.contains_key("rows[0][slot_id]") && !messages.contains_key("rows[1][slot_id]"),
        "only the bad row is marked: {messages:?}"
    );
    assert_eq!(slot_ids(&slots_of(&app, &device).await), [("slot-01", 1)], "nothing was stored");
    assert!(!has_entry(&audit_entries(&app, &org).await, "inventory.saved", MODEL_ID));
}

#[tokio::test]
async fn a_good_inventory_is_stored_in_the_order_of_its_rows() {
    let (app, org, device) = owner_with_device("order@example.com").await;
    let first = slots_of(&app, &device).await.remove(0);
    let response = save_inventory(
        &app,
        &app.client,
        &org,
        &device,
        &[
            row(&first.id, "ink-black", "ink_cartridge"),
            row("", "ink-cyan", "ink_cartridge"),
            row("", "paper", "printer_paper"),
        ],
    )
    .await;
    ok_json(response, "save_inventory").await;
    let slots = slots_of(&app, &device).await;
    assert_eq!(slot_ids(&slots), [("ink-black", 1), ("ink-cyan", 2), ("paper", 3)]);
    assert_eq!(slots[0].id, first.id, "the existing slot was renamed, not replaced");
    assert_eq!(slots[2].category_code, "printer_paper");

    let detail = load_device(&app, &org, &device).await;
    let shown: Vec<&str> =
        detail["slots"].as_array().expect("slots").iter().filter_map(|s| s["slot_id"].as_str()).collect();
    assert_eq!(shown, ["ink-black", "ink-cyan", "paper"]);
    assert!(has_entry(&audit_entries(&app, &org).await, "inventory.saved", MODEL_ID));
}

#[tokio::test]
async fn duplicate_slot_ids_in_one_save_are_marked_on_the_later_row() {
    let (app, org, device) = owner_with_device("duplicates@example.com").await;
    let first = slots_of(&app, &device).await.remove(0);
    let response = save_inventory(
        &app,
        &app.client,
        &org,
        &device,
        &[row(&first.id, "filter", "water_filter"), row("", "filter", "air_filter")],
    )
    .await;
    let messages = refused_on(response, "rows[1][slot_id]").await;
    assert!(message(&messages, "rows[1][slot_id]").contains("already used"), "{messages:?}");
    assert!(!messages.contains_key("rows[0][slot_id]"), "the first use is fine: {messages:?}");
    let slots = slots_of(&app, &device).await;
    assert_eq!(slot_ids(&slots), [("slot-01", 1)]);
    assert_eq!(slots[0].category_code, "ink_cartridge");
}

#[tokio::test]
async fn a_slot_is_deleted_with_its_row_unless_it_has_a_replenishment_id() {
    let (app, org, device) = owner_with_device("deleting@example.com").await;
    let first = slots_of(&app, &device).await.remove(0);
    let three = [
        row(&first.id, "ink-black", "ink_cartridge"),
        row("", "ink-cyan", "ink_cartridge"),
        row("", "paper", "printer_paper"),
    ];
    ok_json(save_inventory(&app, &app.client, &org, &device, &three).await, "three slots").await;
    let slots = slots_of(&app, &device).await;
    let (black, cyan, paper) = (slots[0].id.clone(), slots[1].id.clone(), slots[2].id.clone());

    let without_cyan = [
        row(&black, "ink-black", "ink_cartridge"),
        Row { delete: true, ..row(&cyan, "ink-cyan", "ink_cartridge") },
        row(&paper, "paper", "printer_paper"),
    ];
    ok_json(save_inventory(&app, &app.client, &org, &device, &without_cyan).await, "delete a slot").await;
    assert_eq!(slot_ids(&slots_of(&app, &device).await), [("ink-black", 1), ("paper", 2)]);

    // Once a replenishment ID is issued, the slot must stay.
    let stored = slot::Entity::find_by_id(black.as_str()).one(&app.db).await.expect("query").expect("slot");
    let mut issued: slot::ActiveModel = stored.into();
    issued.replenishment_id = Set(Some("amzn1.replenishment.0001".to_owned()));
    issued.update(&app.db).await.expect("issue a replenishment ID");
    let before = device_state(&app, &org, &device).await;

    let without_black = [
        Row { delete: true, ..row(&black, "ink-black", "ink_cartridge") },
        row(&paper, "paper", "printer_paper"),
    ];
    let response = save_inventory(&app, &app.client, &org, &device, &without_black).await;
    let messages = refused_on(response, "rows[0][slot_id]").await;
    assert!(message(&messages, "rows[0][slot_id]").contains("replenishment"), "{messages:?}");
    assert_eq!(device_state(&app, &org, &device).await, before, "nothing changed");
}

// ---------------------------------------------------------------------------------------------------------
// Localization

#[tokio::test]
async fn friendly_names_are_stored_per_marketplace_and_a_bad_one_stores_nothing() {
    let (app, org, device) = owner_with_device("translator@example.com").await;
    let enable = [("org", org.as_str()), ("device", device.as_str()), ("marketplace", "DE")];
    ok_json(app.call("enable_marketplace", &enable).await, "enable DE").await;
    refused_on(app.call("enable_marketplace", &enable).await, "marketplace").await;

    let names = [
        ("org", org.as_str()),
        ("device", device.as_str()),
        ("names[US]", "Smart Printer"),
        ("names[DE]", "Intelligenter Drucker"),
    ];
    ok_json(app.call("localize_device", &names).await, "localize_device").await;
    let detail = load_device(&app, &org, &device).await;
    assert_eq!(friendly_name(&detail, "US").as_deref(), Some("Smart Printer"));
    assert_eq!(friendly_name(&detail, "DE").as_deref(), Some("Intelligenter Drucker"));

    let too_long = "d".repeat(61);
    let bad = [
        ("org", org.as_str()),
        ("device", device.as_str()),
        ("names[US]", "Printer Deluxe"),
        ("names[DE]", too_long.as_str()),
    ];
    let messages = refused_on(app.call("localize_device", &bad).await, "names[DE]").await;
    assert!(!messages.contains_key("names[US]"), "{messages:?}");
    let detail = load_device(&app, &org, &device).await;
    assert_eq!(friendly_name(&detail, "US").as_deref(), Some("Smart Printer"), "nothing was stored");
    assert_eq!(friendly_name(&detail, "DE").as_deref(), Some("Intelligenter Drucker"));

    let audit = audit_entries(&app, &org).await;
    assert!(has_entry(&audit, "device.marketplace_enabled", MODEL_ID), "{audit:?}");
    assert!(has_entry(&audit, "device.localized", MODEL_ID), "{audit:?}");
}

#[tokio::test]
async fn slot_names_are_stored_per_slot_and_marketplace() {
    let (app, org, device) = owner_with_device("slotnames@example.com").await;
    let enable = [("org", org.as_str()), ("device", device.as_str()), ("marketplace", "DE")];
    ok_json(app.call("enable_marketplace", &enable).await, "enable DE").await;
    let first = slots_of(&app, &device).await.remove(0);
    let rows = [row(&first.id, "ink-black", "ink_cartridge"), row("", "paper", "printer_paper")];
    ok_json(save_inventory(&app, &app.client, &org, &device, &rows).await, "two slots").await;
    let slots = slots_of(&app, &device).await;
    let (black, paper) = (slots[0].id.as_str(), slots[1].id.as_str());

    let (black_us, black_de, paper_us) = (
        format!("names[slot-{black}][US]"),
        format!("names[slot-{black}][DE]"),
        format!("names[slot-{paper}][US]"),
    );
    let names = [
        ("org", org.as_str()),
        ("device", device.as_str()),
        (black_us.as_str(), "Black ink"),
        (black_de.as_str(), "Schwarze Tinte"),
        (paper_us.as_str(), "Paper"),
    ];
    ok_json(app.call("localize_slots", &names).await, "localize_slots").await;
    let detail = load_device(&app, &org, &device).await;
    assert_eq!(detail["slots"][0]["names"]["US"], "Black ink", "{detail}");
    assert_eq!(detail["slots"][0]["names"]["DE"], "Schwarze Tinte");
    assert_eq!(detail["slots"][1]["names"]["US"], "Paper");
    assert!(detail["slots"][1]["names"].get("DE").is_none(), "{detail}");
    assert!(has_entry(&audit_entries(&app, &org).await, "slots.localized", MODEL_ID));

    let too_long = "s".repeat(61);
    let before = device_state(&app, &org, &device).await;
    let bad = [
        ("org", org.as_str()),
        ("device", device.as_str()),
        (black_us.as_str(), "Renamed ink"),
        (black_de.as_str(), too_long.as_str()),
    ];
    refused_on(app.call("localize_slots", &bad).await, &black_de).await;
    assert_eq!(device_state(&app, &org, &device).await, before, "nothing changed");
    assert_eq!(load_device(&app, &org, &device).await["slots"][0]["names"]["US"], "Black ink");
}

// ---------------------------------------------------------------------------------------------------------
// Images

#[tokio::test]
async fn a_product_photo_on_white_is_stored_and_served_privately_with_long_caching() {
    let (app, org, device) = owner_with_device("photos@example.com").await;
    let photo = png_on_white(400, 300);
    let body =
        ok_json(upload(&app, &app.client, &org, &device, &photo, "product.png", true).await, "upload").await;
    let url = body["url"].as_str().expect("url").to_owned();
    assert!(url.starts_with(&format!("/orgs/{org}/devices/{device}/image/")), "{url}");
    assert_eq!(body["thumbnail_url"], format!("{url}/thumbnail"));

    let original = app.get(&url).await;
    assert_eq!(original.status(), StatusCode::OK);
    assert_eq!(original.headers()[CONTENT_TYPE], "image/png");
    let cache = original.headers()[CACHE_CONTROL].to_str().expect("cache-control").to_owned();
    assert!(cache.contains("private") && cache.contains("immutable"), "{cache}");
    let etag = original.headers()[ETAG].clone();
    assert_eq!(original.bytes().await.expect("bytes").as_ref(), photo.as_slice(), "served as uploaded");
    let revalidated =
        app.client.get(app.url(&url)).header(IF_NONE_MATCH, etag).send().await.expect("conditional request");
    assert_eq!(revalidated.status(), StatusCode::NOT_MODIFIED);

    let thumbnail = app.get(&format!("{url}/thumbnail")).await;
    assert_eq!(thumbnail.status(), StatusCode::OK);
    assert_eq!(thumbnail.headers()[CONTENT_TYPE], "image/png");
    let thumbnail_bytes = thumbnail.bytes().await.expect("bytes");
    let thumbnail = image::load_from_memory(&thumbnail_bytes).expect("a PNG thumbnail");
    assert!(thumbnail.width() <= 160 && thumbnail.height() <= 160);

    let detail = load_device(&app, &org, &device).await;
    assert_eq!(detail["image"]["url"], url.as_str());
    assert!(has_entry(&audit_entries(&app, &org).await, "device.image_replaced", MODEL_ID));

    // Without JavaScript the form post returns to the device page.
    let browser = upload(&app, &app.client, &org, &device, &photo, "product.png", false).await;
    assert_eq!(browser.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&browser), format!("/orgs/{org}/devices/{device}?saved=image"));
}

#[tokio::test]
async fn an_image_over_one_megabyte_is_refused_with_413_and_nothing_is_stored() {
    let (app, org, device) = owner_with_device("large@example.com").await;
    let large = noisy_png(1_200_000);
    assert!(large.len() > 1_200_000, "the test image is {} bytes", large.len());
    let code = upload_refused(&app, &org, &device, &large, "large.png", StatusCode::PAYLOAD_TOO_LARGE).await;
    assert_eq!(code, "too_large");

    let browser = upload(&app, &app.client, &org, &device, &large, "large.png", false).await;
    assert_eq!(browser.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        location(&browser),
        format!("/orgs/{org}/devices/{device}?image_error=too_large#device-image")
    );
    assert!(image_ids_of(&app, &device).await.is_empty(), "nothing was stored");
}

#[tokio::test]
async fn a_decompression_bomb_is_refused_by_its_pixel_count_and_nothing_is_stored() {
    let (app, org, device) = owner_with_device("bomb@example.com").await;
    // 25 megapixels of white: a few kilobytes on the wire, 100 MB once decoded as RGBA.
    let bomb = encode(
        DynamicImage::ImageLuma8(image::GrayImage::from_pixel(5000, 5000, image::Luma([255]))),
        ImageFormat::Png,
    );
    assert!(bomb.len() < 200_000, "the bomb is {} bytes", bomb.len());
    let code = upload_refused(&app, &org, &device, &bomb, "bomb.png", StatusCode::UNPROCESSABLE_ENTITY).await;
    assert_eq!(code, "too_many_pixels");
    // Few pixels, but one side over the limit.
    let tall = encode(
        DynamicImage::ImageLuma8(image::GrayImage::from_pixel(10, 7000, image::Luma([255]))),
        ImageFormat::Png,
    );
    let code = upload_refused(&app, &org, &device, &tall, "tall.png", StatusCode::UNPROCESSABLE_ENTITY).await;
    assert_eq!(code, "too_many_pixels");
    assert!(image_ids_of(&app, &device).await.is_empty(), "nothing was stored");
}

#[tokio::test]
async fn a_photo_on_a_dark_background_is_refused() {
    let (app, org, device) = owner_with_device("dark@example.com").await;
    let dark = jpeg_on_dark();
    let code = upload_refused(&app, &org, &device, &dark, "dark.jpg", StatusCode::UNPROCESSABLE_ENTITY).await;
    assert_eq!(code, "background");
    assert!(image_ids_of(&app, &device).await.is_empty());
}

#[tokio::test]
async fn a_png_with_a_transparent_border_is_accepted() {
    let (app, org, device) = owner_with_device("transparent@example.com").await;
    let url = upload_ok(&app, &org, &device, &png_on_transparent()).await;
    let served = app.get(&url).await;
    assert_eq!(served.status(), StatusCode::OK);
    assert_eq!(served.headers()[CONTENT_TYPE], "image/png");
}

#[tokio::test]
async fn a_text_file_named_png_is_refused_as_not_an_image() {
    let (app, org, device) = owner_with_device("text@example.com").await;
    let text = b"This is a shopping list, not a picture.\n".to_vec();
    let refused = StatusCode::UNPROCESSABLE_ENTITY;
    let code = upload_refused(&app, &org, &device, &text, "photo.png", refused).await;
    assert_eq!(code, "not_image");
    assert!(image_ids_of(&app, &device).await.is_empty());
}

#[tokio::test]
async fn a_new_image_retires_the_old_url_and_a_refused_one_keeps_the_current_image() {
    let (app, org, device) = owner_with_device("replace@example.com").await;
    let old = upload_ok(&app, &org, &device, &png_on_white(400, 300)).await;
    let newer_photo = png_on_white(300, 300);
    let new = upload_ok(&app, &org, &device, &newer_photo).await;
    assert_ne!(old, new);
    assert_eq!(app.get(&old).await.status(), StatusCode::NOT_FOUND);
    assert_eq!(app.get(&format!("{old}/thumbnail")).await.status(), StatusCode::NOT_FOUND);
    let current = app.get(&new).await;
    assert_eq!(current.status(), StatusCode::OK);
    assert_eq!(current.bytes().await.expect("bytes").as_ref(), newer_photo.as_slice());

    let dark = jpeg_on_dark();
    let code = upload_refused(&app, &org, &device, &dark, "dark.jpg", StatusCode::UNPROCESSABLE_ENTITY).await;
    assert_eq!(code, "background");
    assert_eq!(app.get(&new).await.status(), StatusCode::OK, "a refused replacement keeps the current image");
    assert_eq!(image_ids_of(&app, &device).await.len(), 1);
    assert_eq!(load_device(&app, &org, &device).await["image"]["url"], new.as_str());
}

// ---------------------------------------------------------------------------------------------------------
// Tenancy and roles

/// Every server function that names one device, with harmless-looking arguments.
fn device_calls(org: &str, device: &str, slot_key: &str) -> Vec<(&'static str, Vec<(String, String)>)> {
    let slot_name = format!("names[slot-{slot_key}][US]");
    vec![
        ("load_device", owned(&[("org", org), ("device", device)])),
        (
            "update_device",
            owned(&[("org", org), ("device", device), ("name", "Taken over"), ("device_type", DEVICE_TYPE)]),
        ),
        ("enable_marketplace", owned(&[("org", org), ("device", device), ("marketplace", "DE")])),
        ("localize_device", owned(&[("org", org), ("device", device), ("names[US]", "Taken over")])),
        ("save_inventory", inventory_form(org, device, &[row(slot_key, "stolen", "ink_cartridge")])),
        ("localize_slots", owned(&[("org", org), ("device", device), (slot_name.as_str(), "Taken over")])),
        ("delete_device", owned(&[("org", org), ("device", device), ("confirm_name", DEVICE_NAME)])),
    ]
}

fn device_pages(org: &str, device: &str) -> Vec<String> {
    let base = format!("/orgs/{org}/devices/{device}");
    vec![
        base.clone(),
        format!("{base}/localization"),
        format!("{base}/inventory"),
        format!("{base}/slot-localization"),
    ]
}

#[tokio::test]
async fn another_organization_gets_404_for_every_page_server_function_and_image_of_a_device() {
    let (app, org_a, device_a) = owner_with_device("owner-a@example.com").await;
    let (org, device) = (org_a.as_str(), device_a.as_str());
    let image_url = upload_ok(&app, org, device, &png_on_white(400, 300)).await;
    let image_id = image_url.rsplit('/').next().expect("image ID").to_owned();
    let slot_key = slots_of(&app, device).await[0].id.clone();
    let before = device_state(&app, org, device).await;

    let (intruder, org_b) = second_owner(&app, "owner-b@example.com", "Organization B").await;
    let mine = org_b.as_str();

    let mut pages = vec![format!("/orgs/{org}"), format!("/orgs/{org}/devices/new")];
    pages.extend(device_pages(org, device));
    for path in &pages {
        let response = get_with(&app, &intruder, path).await;
        assert_eq!(response.status(), StatusCode::NOT_FOUND, "page {path}");
        let body = response.text().await.expect("body");
        assert!(
            !body.contains(DEVICE_NAME) && !body.contains(MODEL_ID),
            "nothing of A's device leaks on {path}"
        );
    }

    let intruding = Registration { model_id: "INTRUDER-1", ..Registration::default() };
    let organization_calls = vec![
        ("list_devices", owned(&[("org", org), ("search", "")])),
        ("suggest_model_id", owned(&[("org", org)])),
        ("load_catalogues", owned(&[("org", org)])),
        ("register_device", owned(&intruding.form(org))),
    ];
    for (endpoint, form) in device_calls(org, device, &slot_key).into_iter().chain(organization_calls) {
        let response = app.call_with(&intruder, endpoint, &borrowed(&form)).await;
        expect_status(response, StatusCode::NOT_FOUND, endpoint).await;
    }

    let stranger = client_for(app.address);
    for path in [image_url.clone(), format!("{image_url}/thumbnail")] {
        expect_status(get_with(&app, &intruder, &path).await, StatusCode::NOT_FOUND, &path).await;
        expect_status(get_with(&app, &stranger, &path).await, StatusCode::NOT_FOUND, "signed out").await;
    }
    let intruders_photo = png_on_white(300, 300);
    let upload_response = upload(&app, &intruder, org, device, &intruders_photo, "mine.png", true).await;
    expect_status(upload_response, StatusCode::NOT_FOUND, "upload into A's device").await;

    // B's own organization with A's device ID: the device lookup is scoped by organization.
    for (endpoint, form) in device_calls(mine, device, &slot_key) {
        let response = app.call_with(&intruder, endpoint, &borrowed(&form)).await;
        expect_status(response, StatusCode::NOT_FOUND, &format!("{endpoint} through B's organization")).await;
    }
    let mut own_paths = device_pages(mine, device);
    own_paths.push(format!("/orgs/{mine}/devices/{device}/image/{image_id}"));
    own_paths.push(format!("/orgs/{mine}/devices/{device}/image/{image_id}/thumbnail"));
    for path in &own_paths {
        expect_status(get_with(&app, &intruder, path).await, StatusCode::NOT_FOUND, path).await;
    }
    let upload_response = upload(&app, &intruder, mine, device, &intruders_photo, "mine.png", true).await;
    expect_status(upload_response, StatusCode::NOT_FOUND, "upload through B's organization").await;

    assert_eq!(device_state(&app, org, device).await, before, "nothing of A's device changed");
    assert_eq!(device_count(&app, org).await, 1);
    assert_eq!(device_count(&app, mine).await, 0);
    assert_eq!(app.get(&image_url).await.status(), StatusCode::OK, "A still sees the image");
}

#[tokio::test]
async fn a_viewer_can_look_but_not_change_and_a_developer_can_register() {
    let (app, org, device) = owner_with_device("lead@example.com").await;
    let viewer = app.add_member(&org, "viewer@example.com", "viewer").await;

    let detail = ok_json(
        app.call_with(&viewer, "load_device", &[("org", org.as_str()), ("device", device.as_str())]).await,
        "a viewer loads the device",
    )
    .await;
    assert_eq!(detail["name"], DEVICE_NAME);
    assert_eq!(detail["can_edit"], false);
    let list = app.call_with(&viewer, "list_devices", &[("org", org.as_str()), ("search", "")]).await;
    ok_json(list, "a viewer lists the devices").await;

    let before = device_state(&app, &org, &device).await;
    let registration = Registration { model_id: "VIEWER-1", ..Registration::default() };
    let response = app.call_with(&viewer, "register_device", &registration.form(&org)).await;
    expect_status(response, StatusCode::FORBIDDEN, "a viewer registers").await;
    let first = before.slots[0].id.clone();
    let rows = [row(&first, "renamed", "ink_cartridge")];
    let response = save_inventory(&app, &viewer, &org, &device, &rows).await;
    expect_status(response, StatusCode::FORBIDDEN, "a viewer saves the inventory").await;
    let response = upload(&app, &viewer, &org, &device, &png_on_white(400, 300), "product.png", true).await;
    expect_status(response, StatusCode::FORBIDDEN, "a viewer uploads an image").await;
    assert_eq!(device_state(&app, &org, &device).await, before, "nothing changed");
    assert_eq!(device_count(&app, &org).await, 1);

    let developer = app.add_member(&org, "developer@example.com", "developer").await;
    let registration =
        Registration { name: "Developer's device", model_id: "DEV-1", ..Registration::default() };
    let response = app.call_with(&developer, "register_device", &registration.form(&org)).await;
    ok_json(response, "a developer registers").await;
    assert!(device_by_model_id(&app, &org, "DEV-1").await.is_some());
}

// ---------------------------------------------------------------------------------------------------------
// Deletion and forms without JavaScript

#[tokio::test]
async fn a_device_is_deleted_only_with_its_exact_name_and_its_history_stays() {
    let (app, org, device) = owner_with_device("deleter@example.com").await;
    let image_url = upload_ok(&app, &org, &device, &png_on_white(400, 300)).await;

    let wrong = [("org", org.as_str()), ("device", device.as_str()), ("confirm_name", "Smart Printr")];
    refused_on(app.call("delete_device", &wrong).await, "confirm_name").await;
    assert!(device::Entity::find_by_id(device.as_str()).one(&app.db).await.expect("query").is_some());
    assert_eq!(slots_of(&app, &device).await.len(), 1);

    let exact = [("org", org.as_str()), ("device", device.as_str()), ("confirm_name", DEVICE_NAME)];
    ok_json(app.call("delete_device", &exact).await, "delete_device").await;
    assert!(device::Entity::find_by_id(device.as_str()).one(&app.db).await.expect("query").is_none());
    assert!(slots_of(&app, &device).await.is_empty(), "its slots are gone");
    assert!(marketplaces_of(&app, &device).await.is_empty(), "its marketplaces are gone");
    assert!(image_ids_of(&app, &device).await.is_empty(), "its image is gone");
    assert_eq!(app.get(&image_url).await.status(), StatusCode::NOT_FOUND);

    let list = list_devices(&app, &org).await;
    assert_eq!(list["total"], 0);
    assert!(list["devices"].as_array().is_some_and(Vec::is_empty), "{list}");
    let response = app.call("load_device", &[("org", org.as_str()), ("device", device.as_str())]).await;
    expect_status(response, StatusCode::NOT_FOUND, "load a deleted device").await;

    let audit = audit_entries(&app, &org).await;
    assert!(has_entry(&audit, "device.registered", MODEL_ID), "{audit:?}");
    assert!(has_entry(&audit, "device.deleted", MODEL_ID), "{audit:?}");
}

#[tokio::test]
async fn a_registration_posted_without_javascript_returns_to_the_form_or_goes_to_the_device() {
    let app = spawn_app().await;
    let org = app.signed_in_owner("nojs@example.com", "No Script").await;
    let form_page = format!("/orgs/{org}/devices/new");

    let long_name = "n".repeat(61);
    let bad = Registration { name: &long_name, model_id: "NOJS-1", ..Registration::default() };
    let response = app.post_form("register_device", &bad.form(&org), &form_page).await;
    assert!(
        matches!(response.status(), StatusCode::FOUND | StatusCode::SEE_OTHER),
        "status {}",
        response.status()
    );
    let back = location(&response);
    let url = reqwest::Url::parse(&back).expect("an absolute URL back to the form");
    assert_eq!(url.path(), form_page);
    let encoded = url
        .query_pairs()
        .find(|(name, _)| name == "__err")
        .map(|(_, value)| value.into_owned())
        .unwrap_or_else(|| panic!("an __err parameter in {back}"));
    let error: Value =
        serde_json::from_slice(&URL_SAFE.decode(encoded.as_bytes()).expect("base64")).expect("JSON error");
    assert!(error["Validation"]["messages"]["name"].is_string(), "{error}");
    assert_eq!(device_count(&app, &org).await, 0);

    let path = back.trim_start_matches(&format!("http://{}", app.address)).to_owned();
    let (status, page) = app.page(&path).await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("A device name has at most 60 characters."), "the field error is rendered");
    assert!(page.contains("value=\"NOJS-1\""), "the typed model ID is kept");

    let good = Registration { name: "No Script Printer", model_id: "NOJS-1", ..Registration::default() };
    let response = app.post_form("register_device", &good.form(&org), &form_page).await;
    assert!(
        matches!(response.status(), StatusCode::FOUND | StatusCode::SEE_OTHER),
        "status {}",
        response.status()
    );
    let stored = device_by_model_id(&app, &org, "NOJS-1").await.expect("the device is stored");
    assert_eq!(location(&response), format!("/orgs/{org}/devices/{}?saved=registered", stored.id));
    let (status, page) = app.page(&location(&response)).await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("No Script Printer"));
}

#[tokio::test]
async fn a_device_with_an_issued_replenishment_id_cannot_be_deleted() {
    let (app, org, device) = owner_with_device("issued@example.com").await;
    let stored = slots_of(&app, &device).await.remove(0);
    let mut issued: slot::ActiveModel = stored.into();
    issued.replenishment_id = Set(Some("amzn1.replenishment.0002".to_owned()));
    issued.update(&app.db).await.expect("issue a replenishment ID");
    let before = device_state(&app, &org, &device).await;

    let exact = [("org", org.as_str()), ("device", device.as_str()), ("confirm_name", DEVICE_NAME)];
    let response = app.call("delete_device", &exact).await;
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    let error: Value = response.json().await.expect("JSON error");
    assert!(error["Refused"].as_str().is_some_and(|m| m.contains("issued replenishment IDs")), "{error}");
    assert_eq!(device_state(&app, &org, &device).await, before, "nothing changed");
}

#[tokio::test]
async fn the_device_list_is_paged_by_fifty_and_keeps_the_search_across_pages() {
    let app = spawn_app().await;
    let org = app.signed_in_owner("pages@example.com", "Many Devices").await;
    for n in 0..55 {
        let (name, model_id) = (format!("Purifier {n:02}"), format!("PUR-{n:02}"));
        let device = register(&app, &org, "skills_kit", &name, &model_id).await;
        // Devices with more than one marketplace, on both pages, must still count once each.
        if n % 10 == 3 {
            let enable = [("org", org.as_str()), ("device", device.as_str()), ("marketplace", "DE")];
            ok_json(app.call("enable_marketplace", &enable).await, "enable DE").await;
        }
        // The primary marketplace leads even when it was added last.
        if n == 13 {
            for (code, primary) in [("US", false), ("DE", true)] {
                device_marketplace::Entity::update_many()
                    .set(device_marketplace::ActiveModel { is_primary: Set(primary), ..Default::default() })
                    .filter(device_marketplace::Column::DeviceId.eq(device.as_str()))
                    .filter(device_marketplace::Column::MarketplaceCode.eq(code))
                    .exec(&app.db)
                    .await
                    .expect("set the primary marketplace");
            }
        }
        // A device without any marketplace is listed all the same.
        if n == 7 {
            device_marketplace::Entity::delete_many()
                .filter(device_marketplace::Column::DeviceId.eq(device.as_str()))
                .exec(&app.db)
                .await
                .expect("remove the marketplaces");
        }
    }
    let page = |search: &'static str, page: &'static str| {
        let app = &app;
        let org = org.clone();
        async move {
            let form = [("org", org.as_str()), ("search", search), ("page", page)];
            ok_json(app.call("list_devices", &form).await, "list_devices").await
        }
    };

    let first = page("", "1").await;
    assert_eq!(
        (first["total"].clone(), first["matching"].clone(), first["page_count"].clone()),
        (55.into(), 55.into(), 2.into())
    );
    let names: Vec<&str> =
        first["devices"].as_array().expect("devices").iter().filter_map(|d| d["name"].as_str()).collect();
    assert_eq!(names.len(), 50);
    assert_eq!((names[0], names[49]), ("Purifier 00", "Purifier 49"));
    let codes = |device: &Value| -> Vec<String> {
        device["marketplaces"]
            .as_array()
            .expect("marketplaces")
            .iter()
            .map(|m| {
                format!(
                    "{}:{}",
                    m["code"].as_str().unwrap_or("?"),
                    m["certification"].as_str().unwrap_or("?")
                )
            })
            .collect()
    };
    assert_eq!(codes(&first["devices"][0]), ["US:not_certified"]);
    assert_eq!(codes(&first["devices"][3]), ["US:not_certified", "DE:not_certified"], "primary first");
    assert_eq!(codes(&first["devices"][43]), ["US:not_certified", "DE:not_certified"]);
    assert_eq!(codes(&first["devices"][13]), ["DE:not_certified", "US:not_certified"], "primary first");
    assert_eq!(first["devices"][7]["name"], "Purifier 07");
    assert!(codes(&first["devices"][7]).is_empty(), "no marketplace");
    let second = page("", "2").await;
    assert_eq!(second["devices"].as_array().map(Vec::len), Some(5));
    assert_eq!(second["devices"][0]["name"], "Purifier 50");
    assert_eq!(codes(&second["devices"][3]), ["US:not_certified", "DE:not_certified"]);
    let past_the_end = page("", "9").await;
    assert_eq!(past_the_end["page"], 2, "a page past the end shows the last one");
    let far_past_the_end = page("", "18446744073709551615").await;
    assert_eq!(far_past_the_end["page"], 2, "the largest page number shows the last page too");

    let searched = page("purifier 5", "1").await;
    assert_eq!((searched["matching"].clone(), searched["total"].clone()), (5.into(), 55.into()));
    assert_eq!(searched["page_count"], 1);
    assert_eq!(searched["devices"].as_array().map(Vec::len), Some(5));
    assert_eq!(codes(&searched["devices"][3]), ["US:not_certified", "DE:not_certified"]);
    let searched_past_the_end = page("purifier 5", "3").await;
    assert_eq!(
        (searched_past_the_end["page"].clone(), searched_past_the_end["matching"].clone()),
        (1.into(), 5.into())
    );
    assert_eq!(searched_past_the_end["devices"].as_array().map(Vec::len), Some(5));
    let no_match = page("dishwasher", "1").await;
    assert_eq!(
        (no_match["matching"].clone(), no_match["total"].clone(), no_match["page_count"].clone()),
        (0.into(), 55.into(), 1.into())
    );

    let (status, html) = app.page(&format!("/orgs/{org}")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("55 device(s), showing 1–50"), "caption");
    assert!(html.contains("href=\"?page=2\""), "a link to the next page");
    let (_, html) = app.page(&format!("/orgs/{org}?q=Purifier&page=2")).await;
    assert!(html.contains("href=\"?q=Purifier&amp;page=1\""), "the previous link keeps the search");
}
