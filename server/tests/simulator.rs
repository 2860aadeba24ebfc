//! The sandbox's device simulator over HTTP: the portal links a test device for a verified test account,
//! and each call goes through the real runtime API with a token made for it, leaving its evidence for the
//! certification checklist.

mod support;

use app::entities::{
    customer, oauth_token, registration, registration_slot, replenishment_order, slot_reading,
};
use reqwest::StatusCode;
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use serde_json::Value;
use support::fixtures::*;
use support::runtime::*;
use support::TestApp;

async fn simulator(app: &TestApp, org: &str, device: &str) -> Value {
    ok_json(app.call("load_simulator", &[("org", org), ("device", device)]).await, "simulator").await
}

async fn simulate(
    app: &TestApp,
    org: &str,
    device: &str,
    registration: &str,
    fields: &[(&str, &str)],
) -> Value {
    let mut form = vec![("org", org), ("device", device), ("registration", registration)];
    form.extend_from_slice(fields);
    ok_json(app.call("simulate_call", &form).await, "simulated call").await;
    simulator(app, org, device).await["last"].clone()
}

/// The tester accepts the device's test invitation on their page.
async fn accept_invitation(app: &TestApp, tester: &reqwest::Client) {
    let account = ok_json(app.call_with(tester, "load_my_account", &[]).await, "account").await;
    let invitation = account["invitations"][0]["id"].as_str().expect("invitation").to_owned();
    let form = [("invitation", invitation.as_str()), ("decision", "accept")];
    ok_json(app.call_with(tester, "answer_test_invitation", &form).await, "accept").await;
}

/// Signs the allow-listed tester up as a verified customer who accepts the invitation, and links a test
/// device for them from the simulator: (registration ID).
async fn linked_from_simulator(app: &TestApp, org: &str, device: &str, client_id: &str) -> String {
    let tester =
        customer(app, &authorize_query(client_id, RETURN_URL, &scope_data("WP-1", "SN-1")), TESTER).await;
    accept_invitation(app, &tester).await;
    let view = simulator(app, org, device).await;
    let profile = view["profiles"][0]["id"].as_str().expect("profile").to_owned();
    let form = [("org", org), ("device", device), ("customer", TESTER), ("profile", profile.as_str())];
    ok_json(app.call("link_test_device", &form).await, "link").await;
    let view = simulator(app, org, device).await;
    view["registrations"][0]["id"].as_str().expect("registration").to_owned()
}

async fn case_passed(app: &TestApp, org: &str, device: &str, key: &str) -> bool {
    let tab = ok_json(app.call("load_certification", &[("org", org), ("device", device)]).await, "tab").await;
    tab["marketplaces"][0]["cases"]
        .as_array()
        .expect("cases")
        .iter()
        .any(|case| case["key"] == key && case["passed"] == true)
}

#[tokio::test]
async fn the_simulator_links_a_test_device_and_drives_every_call_through_the_runtime_api() {
    let (app, org, device, client_id, _) = approved_device().await;

    // Until a tester accepted the invitation, nothing can be linked, and the page says why.
    let empty = simulator(&app, &org, &device).await;
    assert_eq!(empty["registrations"], serde_json::json!([]));
    assert!(empty["link_blocked"].as_str().expect("blocked").contains("accepted the invitation"), "{empty}");
    assert_eq!(empty["can_drive"], true);

    // The tester creates a customer account at /my, before any cloud sends them to a consent page.
    let (status, page) = app.page("/my").await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("New here? Create an account"), "{page}");
    let tester = support::client_for(app.address);
    let form = [("email", TESTER), ("password", support::PASSWORD), ("marketplace", "US")];
    ok_json(app.call_with(&tester, "my_sign_up", &form).await, "sign-up at /my").await;
    let bad = [("email", "not an address"), ("password", "short"), ("marketplace", "US")];
    expect_status(app.call_with(&tester, "my_sign_up", &bad).await, StatusCode::BAD_REQUEST, "bad sign-up")
        .await;
    assert_eq!(customer::Entity::find().count(&app.db).await.expect("count"), 1, "only the valid sign-up");
    let link = verification_link(&app, TESTER).await;
    let verified = tester
        .post(app.url("/api/verify_customer_email"))
        .header(reqwest::header::ACCEPT, "text/html")
        .header("referer", app.url(&link))
        .form(&[("token", token_of(&link))])
        .send()
        .await
        .expect("verify");
    assert_eq!(verified.headers()[reqwest::header::LOCATION].to_str().expect("location"), "/my");

    // A verified account is not enough: the tester accepts the invitation on their page first (and
    // another customer cannot answer it).
    let waiting = simulator(&app, &org, &device).await;
    assert!(
        waiting["link_blocked"].as_str().expect("blocked").contains("accepted the invitation"),
        "{waiting}"
    );
    let account = ok_json(app.call_with(&tester, "load_my_account", &[]).await, "account").await;
    assert_eq!(account["invitations"][0]["device_name"], "Your device");
    assert_eq!(account["invitations"][0]["maker"], "Filter Makers");
    assert_eq!(account["invitations"][0]["accepted"], false);
    let invitation = account["invitations"][0]["id"].as_str().expect("invitation").to_owned();
    let other = customer(
        &app,
        &authorize_query(&client_id, RETURN_URL, &scope_data("WP-1", "SN-9")),
        "other@example.com",
    )
    .await;
    let hijack = [("invitation", invitation.as_str()), ("decision", "accept")];
    expect_status(
        app.call_with(&other, "answer_test_invitation", &hijack).await,
        StatusCode::NOT_FOUND,
        "not theirs",
    )
    .await;
    assert!(simulator(&app, &org, &device).await["link_blocked"].is_string());
    accept_invitation(&app, &tester).await;
    let accounts =
        ok_json(app.call("load_test_accounts", &[("org", &org), ("device", &device)]).await, "accounts")
            .await;
    let listed = accounts["accounts"].as_array().expect("accounts");
    assert!(listed.iter().any(|a| a["email"] == TESTER && a["accepted"] == true), "{accounts}");
    assert!(listed.iter().filter(|a| a["email"] != TESTER).all(|a| a["accepted"] == false), "{accounts}");
    let ready = simulator(&app, &org, &device).await;
    assert_eq!(ready["link_blocked"], Value::Null, "{ready}");
    assert_eq!(ready["customers"], serde_json::json!([{ "email": TESTER, "marketplace": "US" }]));
    let profile = ready["profiles"][0]["id"].as_str().expect("profile").to_owned();
    let slots: Vec<&str> =
        ready["slots"].as_array().expect("slots").iter().filter_map(|s| s["slot_id"].as_str()).collect();
    assert_eq!(slots, ["filter", "salt"]);

    // Bad choices are refused per field, and nothing is linked.
    let bad = [("org", org.as_str()), ("device", device.as_str()), ("customer", MAKER), ("profile", "nope")];
    let refused =
        expect_status(app.call("link_test_device", &bad).await, StatusCode::BAD_REQUEST, "bad link").await;
    assert!(refused.contains("Choose a tester who accepted the invitation."), "{refused}");
    assert!(refused.contains("Choose one of your security profiles."), "{refused}");
    assert_eq!(registration::Entity::find().count(&app.db).await.expect("count"), 0);

    let form = [
        ("org", org.as_str()),
        ("device", device.as_str()),
        ("customer", TESTER),
        ("profile", profile.as_str()),
    ];
    ok_json(app.call("link_test_device", &form).await, "link").await;
    let stored = registration::Entity::find().one(&app.db).await.expect("query").expect("registration");
    assert!(stored.is_test, "the portal links test devices only");
    assert!(stored.serial.starts_with("SIM-"), "{}", stored.serial);
    let id = stored.id.clone();
    let view = simulator(&app, &org, &device).await;
    assert_eq!(view["registrations"][0]["id"], id.as_str());
    assert!(view["registrations"][0]["label"].as_str().expect("label").contains(TESTER));

    // A quantity that is not a number is refused next to its field and nothing is sent.
    let typo = [("call", "slot_status"), ("slot", "filter"), ("remaining", "two")];
    let mut form = vec![("org", org.as_str()), ("device", device.as_str()), ("registration", id.as_str())];
    form.extend_from_slice(&typo);
    let refused =
        expect_status(app.call("simulate_call", &form).await, StatusCode::BAD_REQUEST, "typo").await;
    let refused: Value = serde_json::from_str(&refused).expect("json");
    assert_eq!(refused["Validation"]["messages"]["remaining"], "Enter a number, such as 2.5.", "{refused}");
    assert_eq!(refused["Validation"]["values"]["remaining"], "two", "the typed value comes back");
    assert_eq!(oauth_token::Entity::find().count(&app.db).await.expect("count"), 0, "no token was made");

    // Each call crosses HTTP with the original headers, and the page shows both sides.
    for slot in ["filter", "salt"] {
        let status = [("call", "slot_status"), ("slot", slot), ("remaining", "2")];
        let last = simulate(&app, &org, &device, &id, &status).await;
        assert_eq!(last["status"], 200, "{last}");
        let request = last["request"].as_str().expect("request");
        assert!(request.starts_with(&format!("POST /slotStatus/{slot} HTTP/1.1")), "{request}");
        assert!(request.contains("x-amzn-type-version: com.amazon.dash.replenishment.DrsSlotStatusInput@1.0"));
        assert!(request.contains("\"remainingQuantityInUnit\": 2.0"), "{request}");
        assert!(last["response"].as_str().expect("response").starts_with("HTTP/1.1 200 OK"), "{last}");
    }
    let filter = registration_slot::Entity::find()
        .filter(registration_slot::Column::RegistrationId.eq(&id))
        .filter(registration_slot::Column::SlotId.eq("filter"))
        .one(&app.db)
        .await
        .expect("query")
        .expect("slot");
    assert_eq!(filter.remaining_quantity, Some(2.0));

    let first = simulate(&app, &org, &device, &id, &[("call", "replenish"), ("slot", "filter")]).await;
    assert!(first["response"].as_str().expect("response").contains("TEST_ORDER_PLACED"), "{first}");
    assert_eq!(first["call"], "Replenish");
    let repeat = simulate(&app, &org, &device, &id, &[("call", "replenish"), ("slot", "filter")]).await;
    assert!(repeat["response"].as_str().expect("response").contains("ORDER_INPROGRESS"), "{repeat}");
    let cancel = simulate(&app, &org, &device, &id, &[("call", "cancel"), ("slot", "filter")]).await;
    assert_eq!(cancel["status"], 200, "{cancel}");
    assert!(cancel["request"].as_str().expect("request").starts_with("DELETE /testOrders/filter HTTP/1.1"));
    let order = replenishment_order::Entity::find().one(&app.db).await.expect("query").expect("order");
    assert!(order.is_test);
    assert_eq!(order.status, "Cancelled");

    let reading = [("call", "sensor"), ("slot", "filter"), ("reading", "0")];
    let sensed = simulate(&app, &org, &device, &id, &reading).await;
    assert_eq!(sensed["status"], 202, "{sensed}");
    assert!(sensed["request"].as_str().expect("request").contains("Alexa.InventoryLevelSensor"));
    let usage = [("call", "sensor"), ("slot", "salt"), ("reading", "3")];
    assert_eq!(simulate(&app, &org, &device, &id, &usage).await["status"], 202);
    assert_eq!(slot_reading::Entity::find().count(&app.db).await.expect("count"), 2);

    // Every token the simulator made was for one call only.
    let tokens = oauth_token::Entity::find().all(&app.db).await.expect("tokens");
    assert_eq!(tokens.len(), 7);
    assert!(tokens.iter().all(|t| t.revoked_at.is_some() && t.registration_id == id));

    let ended = simulate(&app, &org, &device, &id, &[("call", "deregister")]).await;
    assert_eq!(ended["status"], 200, "{ended}");
    let stored = registration::Entity::find_by_id(&id).one(&app.db).await.expect("query").expect("row");
    assert!(stored.deregistered_at.is_some());
    let mut again = vec![("org", org.as_str()), ("device", device.as_str()), ("registration", id.as_str())];
    again.extend_from_slice(&[("call", "replenish"), ("slot", "filter")]);
    let refused =
        expect_status(app.call("simulate_call", &again).await, StatusCode::BAD_REQUEST, "ended").await;
    assert!(refused.contains("deregistered"), "{refused}");
    assert_eq!(simulator(&app, &org, &device).await["registrations"], serde_json::json!([]));

    // The calls are the checklist's evidence (the in-progress answer is read from the request log,
    // written every second).
    for key in ["token", "slot_status", "test_order", "cancelled", "deregistered"] {
        assert!(case_passed(&app, &org, &device, key).await, "{key}");
    }
    let mut logged = false;
    for _ in 0..60 {
        logged = case_passed(&app, &org, &device, "in_progress").await;
        if logged {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(logged, "the ORDER_INPROGRESS answer counts once logged");
}

#[tokio::test]
async fn only_the_organization_s_editors_drive_the_simulator_and_only_its_test_devices() {
    let (app, org, device, client_id, _) = approved_device().await;
    let id = linked_from_simulator(&app, &org, &device, &client_id).await;
    let replenish = [
        ("org", org.as_str()),
        ("device", device.as_str()),
        ("registration", id.as_str()),
        ("call", "replenish"),
        ("slot", "filter"),
    ];

    // A viewer sees the simulator but cannot send, link, move the clock or submit for certification.
    let viewer = app.add_member(&org, "viewer@example.com", "viewer").await;
    let seen = ok_json(
        app.call_with(&viewer, "load_simulator", &[("org", &org), ("device", &device)]).await,
        "viewer",
    )
    .await;
    assert_eq!(seen["can_drive"], false);
    expect_status(
        app.call_with(&viewer, "simulate_call", &replenish).await,
        StatusCode::FORBIDDEN,
        "viewer call",
    )
    .await;
    let link = [("org", org.as_str()), ("device", device.as_str()), ("customer", TESTER), ("profile", "x")];
    expect_status(
        app.call_with(&viewer, "link_test_device", &link).await,
        StatusCode::FORBIDDEN,
        "viewer link",
    )
    .await;
    let clock = [("org", org.as_str()), ("device", device.as_str()), ("hours", "24")];
    expect_status(
        app.call_with(&viewer, "advance_sandbox_clock", &clock).await,
        StatusCode::FORBIDDEN,
        "clock",
    )
    .await;
    let certify = [("org", org.as_str()), ("device", device.as_str()), ("marketplace", "US")];
    expect_status(
        app.call_with(&viewer, "certify_marketplace", &certify).await,
        StatusCode::FORBIDDEN,
        "certify",
    )
    .await;

    // Another organization's member finds nothing at all.
    let stranger = app.stranger("stranger@example.com", "Other Makers").await;
    let load = [("org", org.as_str()), ("device", device.as_str())];
    expect_status(app.call_with(&stranger, "load_simulator", &load).await, StatusCode::NOT_FOUND, "load")
        .await;
    expect_status(app.call_with(&stranger, "simulate_call", &replenish).await, StatusCode::NOT_FOUND, "call")
        .await;
    expect_status(app.call_with(&stranger, "link_test_device", &link).await, StatusCode::NOT_FOUND, "link")
        .await;

    // A live (non-test) registration is not the simulator's to drive.
    registration::Entity::update_many()
        .col_expr(registration::Column::IsTest, sea_orm::sea_query::Expr::value(false))
        .filter(registration::Column::Id.eq(&id))
        .exec(&app.db)
        .await
        .expect("make it live");
    expect_status(app.call("simulate_call", &replenish).await, StatusCode::NOT_FOUND, "a live registration")
        .await;
    registration::Entity::update_many()
        .col_expr(registration::Column::IsTest, sea_orm::sea_query::Expr::value(true))
        .filter(registration::Column::Id.eq(&id))
        .exec(&app.db)
        .await
        .expect("test again");

    // An unknown registration, or an unknown call, sends nothing.
    let unknown = [
        ("org", org.as_str()),
        ("device", device.as_str()),
        ("registration", "nope"),
        ("call", "replenish"),
        ("slot", "filter"),
    ];
    expect_status(app.call("simulate_call", &unknown).await, StatusCode::NOT_FOUND, "unknown registration")
        .await;
    let odd = [
        ("org", org.as_str()),
        ("device", device.as_str()),
        ("registration", id.as_str()),
        ("call", "reboot"),
    ];
    let refused =
        expect_status(app.call("simulate_call", &odd).await, StatusCode::BAD_REQUEST, "unknown call").await;
    assert!(refused.contains("Choose one of the simulator's calls."), "{refused}");
    assert_eq!(replenishment_order::Entity::find().count(&app.db).await.expect("count"), 0);
    assert_eq!(oauth_token::Entity::find().count(&app.db).await.expect("count"), 0);

    // The sandbox page shows the simulator to a browser without JavaScript.
    let (status, page) = app.page(&format!("/orgs/{org}/devices/{device}/sandbox")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("Device simulator") && page.contains("Report slot status"), "{page}");
    assert!(page.contains("SIM-"), "the linked test device is offered");
}
