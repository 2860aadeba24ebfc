//! Fixtures for the runtime API tests: an approved device, a security profile, a customer linking the device
//! through the consent page, tokens, and service calls with the original header values.

use super::fixtures::*;
use super::smtp::link_path;
use super::{client_for, spawn_app, TestApp, PASSWORD};
use app::entities::{registration_slot, replenishment_order, replenishment_request};
use app::models::consent::choice_field;
use reqwest::header::{HeaderMap, ACCEPT, AUTHORIZATION, CONTENT_TYPE, LOCATION};
use reqwest::{Client, Method, StatusCode, Url};
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use serde_json::{json, Value};
use std::collections::HashMap;

pub const MAKER: &str = "maker@example.com";
/// One of the test accounts the approved request allow-lists.
pub const TESTER: &str = "tester@example.com";
pub const RETURN_URL: &str = "https://cloud.example/callback";
pub const PREFIX: &str = "com.amazon.dash.replenishment.";

/// A maker whose two-slot device has approved replenishment IDs (slot `filter` offers two ASINs, slot
/// `salt` none), and a security profile: (app, organization, device, client ID, client secret).
pub async fn approved_device() -> (TestApp, String, String, String, String) {
    approved_device_on(spawn_app().await).await
}

/// The same on an app started otherwise.
pub async fn approved_device_on(app: TestApp) -> (TestApp, String, String, String, String) {
    let org = app.signed_in_owner(MAKER, "Filter Makers").await;
    let device = register_two_slot_device(&app, &app.client, &org, "Water Purifier", "WP-1").await;
    let keys = slot_keys(&app, &device).await;
    let form = request_form(&org, &device, &keys, "submit");
    ok_json(app.call("save_request", &borrowed(&form)).await, "submit").await;
    let request = replenishment_request::Entity::find()
        .filter(replenishment_request::Column::DeviceId.eq(&device))
        .one(&app.db)
        .await
        .expect("query")
        .expect("request");
    let reviewer = reviewer(&app).await;
    ok_json(app.call_with(&reviewer, "approve_request", &[("request", &request.id)]).await, "approve").await;
    let (client_id, secret) =
        create_profile(&app, &org, &format!("{RETURN_URL}\nhttp://127.0.0.1:9/cb")).await;
    (app, org, device, client_id, secret)
}

pub async fn create_profile(app: &TestApp, org: &str, return_urls: &str) -> (String, String) {
    let form = [("org", org), ("name", "Cloud"), ("return_urls", return_urls)];
    ok_json(app.call("create_security_profile", &form).await, "create profile").await;
    let tab = ok_json(app.call("load_security_profiles", &[("org", org)]).await, "load").await;
    let fresh = &tab["fresh_secret"];
    (
        fresh["client_id"].as_str().expect("client id").to_owned(),
        fresh["secret"].as_str().expect("secret").to_owned(),
    )
}

pub fn scope_data(model: &str, serial: &str) -> String {
    json!({"dash:replenish": {"device_model": model, "serial": serial, "is_test_device": false, "should_include_non_live": true}})
        .to_string()
}

pub fn authorize_query(client_id: &str, redirect_uri: &str, scope_data: &str) -> String {
    let url = Url::parse_with_params(
        "http://x/ap/oa",
        &[
            ("client_id", client_id),
            ("scope", "dash:replenish"),
            ("response_type", "code"),
            ("redirect_uri", redirect_uri),
            ("state", "xyz 123"),
            ("scope_data", scope_data),
        ],
    )
    .expect("url");
    url.query().unwrap_or_default().to_owned()
}

pub fn query_of(location: &str) -> HashMap<String, String> {
    Url::parse(location).expect("absolute location").query_pairs().into_owned().collect()
}

/// A customer's browser, signed up in marketplace US.
pub async fn customer(app: &TestApp, query: &str, email: &str) -> Client {
    let browser = client_for(app.address);
    let form = [("query", query), ("email", email), ("password", PASSWORD), ("marketplace", "US")];
    ok_json(app.call_with(&browser, "customer_sign_up", &form).await, "customer sign-up").await;
    let link = verification_link(app, email).await;
    let response = app.call_with(&browser, "verify_customer_email", &[("token", &token_of(&link))]).await;
    ok_json(response, "customer verification").await;
    browser
}

/// The path of the newest verification link mailed to a customer.
pub async fn verification_link(app: &TestApp, email: &str) -> String {
    let mail = app.inbox().wait_for(email, "Verify your email").await;
    link_path(&mail.text, "/my/verify")
}

pub fn token_of(link: &str) -> String {
    link.split("token=").nth(1).expect("token in link").to_owned()
}

/// The consent page as `browser` sees it.
pub async fn consent_page(app: &TestApp, browser: &reqwest::Client, query: &str) -> String {
    let response = browser.get(app.url(&format!("/ap/oa?{query}"))).send().await.expect("page");
    response.text().await.expect("body")
}

/// Confirms the consent as a browser posts the form; answers where it sends the customer.
pub async fn confirm(app: &TestApp, browser: &Client, query: &str, choices: &[(String, String)]) -> String {
    let mut form = vec![("query".to_owned(), query.to_owned()), ("decision".to_owned(), "allow".to_owned())];
    form.extend(choices.iter().cloned());
    let response = browser
        .post(app.url("/api/confirm_consent"))
        .header(ACCEPT, "text/html")
        .header("referer", app.url(&format!("/ap/oa?{query}")))
        .form(&form)
        .send()
        .await
        .expect("confirm");
    assert!(response.status().is_redirection(), "confirm redirects: {}", response.status());
    response.headers()[LOCATION].to_str().expect("location").to_owned()
}

/// The device's client as a cloud uses it: no cookies, no Origin.
pub fn cloud() -> Client {
    Client::builder().redirect(reqwest::redirect::Policy::none()).build().expect("client")
}

pub async fn token_call(app: &TestApp, form: &[(&str, &str)]) -> (StatusCode, Value) {
    let response = cloud().post(app.url("/auth/o2/token")).form(form).send().await.expect("token");
    let status = response.status();
    (status, response.json().await.unwrap_or(Value::Null))
}

pub struct Linked {
    pub app: TestApp,
    pub device: String,
    pub client_id: String,
    pub secret: String,
    pub access: String,
    pub refresh: String,
    /// Slot keys by slot ID.
    pub keys: HashMap<String, String>,
}

/// A device linked by the allow-listed tester (so a test registration), `filter` subscribed to
/// B000000001 and `salt` notify-only, with tokens exchanged.
pub async fn linked() -> Linked {
    let (app, _org, device, client_id, secret) = approved_device().await;
    link_device(app, device, client_id, secret).await
}

/// Links the approved device as `linked` describes.
pub async fn link_device(app: TestApp, device: String, client_id: String, secret: String) -> Linked {
    let query = authorize_query(&client_id, RETURN_URL, &scope_data("WP-1", "SN-0001"));
    let browser = customer(&app, &query, TESTER).await;
    let keys: HashMap<String, String> =
        slots_of(&app, &device).await.into_iter().map(|slot| (slot.slot_id, slot.id)).collect();
    let location = confirm(
        &app,
        &browser,
        &query,
        &[
            (choice_field(&keys["filter"]), "B000000001".to_owned()),
            (choice_field(&keys["salt"]), "notify".to_owned()),
        ],
    )
    .await;
    let answer = query_of(&location);
    assert!(location.starts_with(RETURN_URL), "{location}");
    assert_eq!(answer.get("state").map(String::as_str), Some("xyz 123"));
    let code = answer.get("code").expect("a code").clone();
    let (status, tokens) = token_call(
        &app,
        &[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("redirect_uri", RETURN_URL),
            ("client_id", &client_id),
            ("client_secret", &secret),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{tokens}");
    assert_eq!(tokens["token_type"], "bearer");
    assert_eq!(tokens["expires_in"], 3600);
    Linked {
        access: tokens["access_token"].as_str().expect("access").to_owned(),
        refresh: tokens["refresh_token"].as_str().expect("refresh").to_owned(),
        app,
        device,
        client_id,
        secret,
        keys,
    }
}

/// A service call with the original header values; answers status, headers and the parsed body.
pub async fn drs(
    app: &TestApp,
    method: Method,
    path: &str,
    token: &str,
    types: (&str, &str),
    body: Option<(&str, String)>,
) -> (StatusCode, HeaderMap, Value) {
    let mut request = cloud()
        .request(method, app.url(path))
        .header(AUTHORIZATION, format!("Bearer {token}"))
        .header("x-amzn-type-version", format!("{PREFIX}{}", types.0))
        .header("x-amzn-accept-type", format!("{PREFIX}{}", types.1));
    if let Some((content_type, body)) = body {
        request = request.header(CONTENT_TYPE, content_type).body(body);
    }
    let response = request.send().await.expect("call");
    let (status, headers) = (response.status(), response.headers().clone());
    let text = response.text().await.expect("body");
    (status, headers, serde_json::from_str(&text).unwrap_or_else(|_| panic!("JSON body: {text}")))
}

pub const REPLENISH: (&str, &str) = ("DrsReplenishInput@1.0", "DrsReplenishResult@1.0");
/// `GET /subscriptionInfo` answered in version 1.
pub async fn subscription_v1(app: &TestApp, token: &str) -> (StatusCode, HeaderMap, Value) {
    drs(
        app,
        Method::GET,
        "/subscriptionInfo",
        token,
        ("DrsSubscriptionInfoInput@1.0", "DrsSubscriptionInfoResult@1.0"),
        None,
    )
    .await
}

pub const SLOT_STATUS: (&str, &str) = ("DrsSlotStatusInput@1.0", "DrsSlotStatusResult@1.0");

pub async fn replenish(linked: &Linked, slot: &str) -> (StatusCode, Value) {
    let (status, _, body) =
        drs(&linked.app, Method::POST, &format!("/replenish/{slot}"), &linked.access, REPLENISH, None).await;
    (status, body)
}

pub fn slot_status_json() -> String {
    json!({
        "expectedReplenishmentDate": "2026-12-24T10:00:00Z",
        "remainingQuantityInUnit": 3.5,
        "originalQuantityInUnit": 10,
        "totalQuantityOnHand": 13.5,
        "lastUseDate": "2026-11-23T08:00:00Z"
    })
    .to_string()
}

pub async fn stored_slot(linked: &Linked, slot: &str) -> registration_slot::Model {
    registration_slot::Entity::find()
        .filter(registration_slot::Column::SlotId.eq(slot))
        .filter(registration_slot::Column::SlotKey.eq(&linked.keys[slot]))
        .one(&linked.app.db)
        .await
        .expect("query")
        .expect("registration slot")
}

pub async fn order_count(app: &TestApp) -> u64 {
    replenishment_order::Entity::find().count(&app.db).await.expect("count")
}
