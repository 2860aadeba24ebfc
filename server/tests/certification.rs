//! Certify Marketplace over HTTP: the whole checklist driven by real calls, the submission checked again
//! on the server, the reviewers' decision, live use switched on in that marketplace only, and
//! re-certification after a change.

mod support;

use app::entities::{certification_request, device_marketplace, registration};
use chrono::Duration;
use reqwest::header::{AUTHORIZATION, CONTENT_TYPE};
use reqwest::{Method, StatusCode};
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use serde_json::{json, Value};
use support::fixtures::*;
use support::images::{multipart_image, png_on_white};
use support::receiver::{add_endpoint, Receiver};
use support::runtime::*;
use support::{client_for, TestApp, PASSWORD};

async fn us_checklist(app: &TestApp, org: &str, device: &str) -> Value {
    let tab = ok_json(app.call("load_certification", &[("org", org), ("device", device)]).await, "tab").await;
    tab["marketplaces"]
        .as_array()
        .expect("marketplaces")
        .iter()
        .find(|m| m["code"] == "US")
        .expect("US")
        .clone()
}

fn failing(checklist: &Value) -> Vec<String> {
    checklist["cases"]
        .as_array()
        .expect("cases")
        .iter()
        .filter(|c| c["passed"] != true)
        .map(|c| format!("{}: {}", c["key"], c["evidence"]))
        .collect()
}

async fn marketplace_state(app: &TestApp, device: &str) -> device_marketplace::Model {
    device_marketplace::Entity::find()
        .filter(device_marketplace::Column::DeviceId.eq(device))
        .filter(device_marketplace::Column::MarketplaceCode.eq("US"))
        .one(&app.db)
        .await
        .expect("query")
        .expect("US")
}

async fn submit(app: &TestApp, org: &str, device: &str) -> reqwest::Response {
    app.call("certify_marketplace", &[("org", org), ("device", device), ("marketplace", "US")]).await
}

async fn post_event(linked: &Linked, event: &Value) -> StatusCode {
    let response = cloud()
        .post(linked.app.url("/v3/events"))
        .header(AUTHORIZATION, format!("Bearer {}", linked.access))
        .json(event)
        .send()
        .await
        .expect("event");
    response.status()
}

fn level_report(slot: &str, litres: f64) -> Value {
    json!({ "event": {
        "header": { "namespace": "Alexa", "name": "ChangeReport", "messageId": "m-1", "payloadVersion": "3" },
        "endpoint": { "endpointId": "appliance-1" },
        "payload": { "change": { "cause": { "type": "PERIODIC_POLL" }, "properties": [{
            "namespace": "Alexa.InventoryLevelSensor", "name": "level", "instance": slot,
            "value": { "@type": "Volume", "value": litres, "unit": "LITER" },
            "timeOfSample": "2026-11-23T10:00:00Z", "uncertaintyInMilliseconds": 0
        }] } }
    } })
}

fn salt_consumed(kilograms: f64) -> Value {
    json!({ "event": {
        "header": { "namespace": "Alexa.InventoryUsageSensor", "name": "InventoryConsumed", "instance": "salt",
                    "messageId": "m-2", "payloadVersion": "3" },
        "endpoint": { "endpointId": "appliance-1" },
        "payload": { "usage": { "@type": "Weight", "value": kilograms, "unit": "KILOGRAM" },
                     "timeOfSample": "2026-11-23T10:00:00Z" }
    } })
}

/// Uploads the device image, names the device and both slots for US, and adds an endpoint for every
/// notification type: the device's own part of the checklist.
async fn prepare_device(app: &TestApp, org: &str, device: &str) {
    let (content_type, body) = multipart_image(&png_on_white(400, 400), "product.png", "image/png");
    let response = app
        .client
        .post(app.url(&format!("/orgs/{org}/devices/{device}/image")))
        .header(CONTENT_TYPE, content_type)
        .header(reqwest::header::ACCEPT, "application/json")
        .body(body)
        .send()
        .await
        .expect("upload");
    ok_json(response, "image").await;
    let names = [("org", org), ("device", device), ("names[US]", "Water Purifier")];
    ok_json(app.call("localize_device", &names).await, "friendly name").await;
    let mut slot_names = vec![("org".to_owned(), org.to_owned()), ("device".to_owned(), device.to_owned())];
    for (slot, name) in slots_of(app, device).await.iter().zip(["Carbon filter", "Dishwasher salt"]) {
        slot_names.push((app::models::inventory::slot_name_field(&slot.id, "US"), name.to_owned()));
    }
    ok_json(app.call("localize_slots", &borrowed(&slot_names)).await, "slot names").await;
    let (_, address) = Receiver::start(&[]).await;
    add_endpoint(app, org, address).await;
}

/// Drives every runtime case with the tester's test registration, as the sandbox simulator would.
async fn drive_sandbox(linked: &Linked) {
    let app = &linked.app;
    for slot in ["filter", "salt"] {
        let path = format!("/slotStatus/{slot}");
        let body = Some(("application/json", slot_status_json()));
        assert_eq!(drs(app, Method::POST, &path, &linked.access, SLOT_STATUS, body).await.0, StatusCode::OK);
    }
    assert_eq!(replenish(linked, "filter").await.1["detailCode"], "TEST_ORDER_PLACED");
    assert_eq!(replenish(linked, "filter").await.1["detailCode"], "ORDER_INPROGRESS");
    let cancel = ("DrsCancelTestOrdersInput@1.0", "DrsCancelTestOrdersResult@1.0");
    assert_eq!(
        drs(app, Method::DELETE, "/testOrders/filter", &linked.access, cancel, None).await.0,
        StatusCode::OK
    );

    // An order through its whole life, under a moved clock.
    assert_eq!(replenish(linked, "filter").await.1["detailCode"], "TEST_ORDER_PLACED");
    let settings = app::state::PortalSettings {
        public_url: "http://replenish.test".into(),
        review_inbox: "review@replenish.test".into(),
        ship_after: Duration::hours(1),
        deliver_after: Duration::hours(2),
    };
    for hours in [25, 27, 30] {
        app::services::fulfilment::advance_orders(
            &app.db,
            &settings,
            chrono::Utc::now() + Duration::hours(hours),
        )
        .await
        .expect("advance");
    }

    // The customer changes the product of a slot on their page.
    let customer = client_for(app.address);
    ok_json(
        app.call_with(&customer, "my_sign_in", &[("email", TESTER), ("password", PASSWORD)]).await,
        "sign in",
    )
    .await;
    let account = ok_json(app.call_with(&customer, "load_my_account", &[]).await, "account").await;
    let registration = account["devices"][0]["registration_id"].as_str().expect("registration").to_owned();
    let salt = account["devices"][0]["slots"]
        .as_array()
        .expect("slots")
        .iter()
        .find(|s| s["choices"].as_array().is_some_and(Vec::is_empty))
        .and_then(|s| s["key"].as_str())
        .expect("the salt slot")
        .to_owned();
    let change = [("registration", registration.as_str()), ("slot", salt.as_str()), ("choice", "B0SALT0001")];
    ok_json(app.call_with(&customer, "change_product", &change).await, "change product").await;

    // Both slots run low: a level sensor, and a usage sensor counting down from the reported quantity.
    assert_eq!(post_event(linked, &level_report("filter", 0.1)).await, StatusCode::ACCEPTED);
    assert_eq!(post_event(linked, &salt_consumed(3.0)).await, StatusCode::ACCEPTED);

    let deregister = ("DrsDeregisterInput@2.0", "DrsDeregisterResult@1.0");
    assert_eq!(
        drs(app, Method::DELETE, "/registration", &linked.access, deregister, None).await.0,
        StatusCode::OK
    );
}

#[tokio::test]
async fn a_marketplace_is_certified_on_evidence_by_a_reviewer_and_then_links_live_customers() {
    let (app, org, device, client_id, secret) = approved_device().await;

    // Forced past the disabled button, the submission is refused while cases fail, and nothing is stored.
    let refused = expect_status(submit(&app, &org, &device).await, StatusCode::BAD_REQUEST, "early").await;
    assert!(refused.contains("Every case must pass"), "{refused}");
    assert_eq!(certification_request::Entity::find().count(&app.db).await.expect("count"), 0);
    assert_eq!(marketplace_state(&app, &device).await.certification_state, "not_certified");
    let query = authorize_query(&client_id, RETURN_URL, &scope_data("WP-1", "SN-LIVE"));
    let buyer = customer(&app, &query, "buyer@example.com").await;
    let page = consent_page(&app, &buyer, &query).await;
    assert!(page.contains("not available in your marketplace yet"), "no live customer before certification");

    prepare_device(&app, &org, &device).await;
    let linked = link_device(app, device.clone(), client_id.clone(), secret).await;
    drive_sandbox(&linked).await;
    let app = &linked.app;
    let mut checklist = Value::Null;
    for _ in 0..100 {
        checklist = us_checklist(app, &org, &device).await;
        if failing(&checklist).is_empty() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(failing(&checklist), Vec::<String>::new(), "every case passes on its evidence");
    let logs = ok_json(
        app.call("load_device_logs", &[("org", org.as_str()), ("device", device.as_str())]).await,
        "logs",
    )
    .await;
    let deliveries = logs["deliveries"].as_array().expect("deliveries");
    let types: std::collections::BTreeSet<&str> = deliveries
        .iter()
        .filter(|d| d["state"] == "Delivered")
        .filter_map(|d| d["notification_type"].as_str())
        .collect();
    assert_eq!(
        types.len(),
        app::models::notification::NOTIFICATION_TYPES.len(),
        "the device's log shows each delivery"
    );

    ok_json(submit(app, &org, &device).await, "submit").await;
    assert_eq!(marketplace_state(app, &device).await.certification_state, "submitted");
    let request = app.inbox().wait_for("review@replenish.test", "Certification requested").await;
    let path = support::smtp::link_path(&request.text, "/review/certifications/");
    let id = path.rsplit('/').next().expect("id").to_owned();
    let again = expect_status(submit(app, &org, &device).await, StatusCode::BAD_REQUEST, "twice").await;
    assert!(again.contains("already waiting"), "{again}");

    // The maker cannot open the review; a reviewer must give a reason to fail it.
    let form = [("request", id.as_str())];
    expect_status(app.call("load_certification_request", &form).await, StatusCode::NOT_FOUND, "maker").await;
    let reviewer = reviewer(app).await;
    let queue = ok_json(app.call_with(&reviewer, "load_certification_queue", &[]).await, "queue").await;
    assert_eq!(queue[0]["id"], id.as_str());
    let review = ok_json(app.call_with(&reviewer, "load_certification_request", &form).await, "review").await;
    assert_eq!(review["cases"].as_array().map(Vec::len), Some(11));
    let no_reason = [("request", id.as_str()), ("decision", "fail"), ("note", " ")];
    let text = expect_status(
        app.call_with(&reviewer, "decide_certification", &no_reason).await,
        StatusCode::BAD_REQUEST,
        "no reason",
    )
    .await;
    assert!(text.contains("Say what failed"), "{text}");
    let fail = [("request", id.as_str()), ("decision", "fail"), ("note", "The image is too small.")];
    ok_json(app.call_with(&reviewer, "decide_certification", &fail).await, "fail").await;
    assert_eq!(marketplace_state(app, &device).await.certification_state, "not_certified");
    let failed = app.inbox().wait_for(MAKER, "Certification failed").await;
    assert!(failed.text.contains("The image is too small."), "{}", failed.text);
    let decided_twice = app.call_with(&reviewer, "decide_certification", &fail).await;
    expect_status(decided_twice, StatusCode::BAD_REQUEST, "decided twice").await;

    // A change while a request waits withdraws it: its evidence no longer describes the device.
    ok_json(submit(app, &org, &device).await, "resubmit").await;
    let queue = ok_json(app.call_with(&reviewer, "load_certification_queue", &[]).await, "queue").await;
    let stale = queue[0]["id"].as_str().expect("id").to_owned();
    let field = app::models::inventory::slot_name_field(&linked.keys["salt"], "US");
    let rename =
        [("org", org.as_str()), ("device", device.as_str()), (field.as_str(), "Dishwasher salt 2 kg")];
    ok_json(app.call("localize_slots", &rename).await, "rename while waiting").await;
    assert_eq!(marketplace_state(app, &device).await.certification_state, "not_certified");
    let withdrawn = [("request", stale.as_str()), ("decision", "certify"), ("note", "")];
    let text = expect_status(
        app.call_with(&reviewer, "decide_certification", &withdrawn).await,
        StatusCode::BAD_REQUEST,
        "withdrawn request",
    )
    .await;
    assert!(text.contains("already decided"), "{text}");

    ok_json(submit(app, &org, &device).await, "submit again").await;
    let queue = ok_json(app.call_with(&reviewer, "load_certification_queue", &[]).await, "queue").await;
    let second = queue[0]["id"].as_str().expect("id").to_owned();
    let certify = [("request", second.as_str()), ("decision", "certify"), ("note", "")];
    ok_json(app.call_with(&reviewer, "decide_certification", &certify).await, "certify").await;
    let state = marketplace_state(app, &device).await;
    assert_eq!(state.certification_state, "certified");
    assert!(state.certified_at.is_some());
    app.inbox().wait_for(MAKER, "Certified: Water Purifier in US").await;
    let (_, page) = app.page(&format!("/orgs/{org}/devices/{device}/certification")).await;
    assert!(page.contains("US · Certified"), "the badge");

    // Live use is on: a customer outside the allow list links without the test flag.
    let location = confirm(
        app,
        &buyer,
        &query,
        &[(app::models::consent::choice_field(&linked.keys["filter"]), "B07XJ8C8F5".into())],
    )
    .await;
    assert!(location.contains("code="), "{location}");
    let live = registration::Entity::find()
        .filter(registration::Column::Serial.eq("SN-LIVE"))
        .one(&app.db)
        .await
        .expect("query")
        .expect("live registration");
    assert!(!live.is_test);

    // Renaming a slot for US asks for re-certification, and live use stays on meanwhile.
    let filter = &linked.keys["filter"];
    let field = app::models::inventory::slot_name_field(filter, "US");
    let rename = [("org", org.as_str()), ("device", device.as_str()), (field.as_str(), "Carbon filter XL")];
    ok_json(app.call("localize_slots", &rename).await, "rename").await;
    let state = marketplace_state(app, &device).await;
    assert_eq!(state.certification_state, "needs_recertification");
    assert!(state.certified_at.is_some());
    let (_, page) = app.page(&format!("/orgs/{org}/devices/{device}")).await;
    assert!(page.contains("US · Needs re-certification"), "the device says so");

    // Another organization's member cannot submit.
    let stranger = app.stranger("stranger@example.com", "Strangers").await;
    let form = [("org", org.as_str()), ("device", device.as_str()), ("marketplace", "US")];
    expect_status(
        app.call_with(&stranger, "certify_marketplace", &form).await,
        StatusCode::NOT_FOUND,
        "stranger",
    )
    .await;
}
