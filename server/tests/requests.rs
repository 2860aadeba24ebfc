//! Replenishment-ID requests over HTTP: drafts, submission and its two emails in one transaction, the
//! review console (queue, claim, decisions), approval issuing IDs, tenancy and who may do what.

mod support;

use app::entities::{audit_log, device_test_account, outbox_email, replenishment_request, request_event};
use app::services::business_days::{add_business_days, REVIEW_BUSINESS_DAYS};
use reqwest::header::LOCATION;
use reqwest::{Client, Response, StatusCode};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder};
use serde_json::Value;
use std::collections::HashSet;
use support::fixtures::*;
use support::smtp::link_path;
use support::{client_for, spawn_app, TestApp, PASSWORD};

const MAKER: &str = "maker@example.com";
const REVIEW_INBOX: &str = "review@replenish.test";

/// Asserts a 400 refusal with a message on `field`.
async fn refused_on(response: Response, field: &str) -> Value {
    let text = expect_status(response, StatusCode::BAD_REQUEST, field).await;
    let body: Value = serde_json::from_str(&text).expect("JSON error");
    let message = body["Validation"]["messages"][field].as_str().unwrap_or_default();
    assert!(!message.is_empty(), "a message on {field}: {body}");
    body
}

/// A signed-in owner with a device of two slots: (app, organization, device, slot keys).
async fn maker_with_device() -> (TestApp, String, String, Vec<String>) {
    let app = spawn_app().await;
    let org = app.signed_in_owner(MAKER, "Filter Makers").await;
    let device = register_two_slot_device(&app, &app.client, &org, "Water Purifier", "WP-1").await;
    let keys = slot_keys(&app, &device).await;
    (app, org, device, keys)
}

async fn save_request(app: &TestApp, client: &Client, form: &[(String, String)]) -> Response {
    app.call_with(client, "save_request", &borrowed(form)).await
}

async fn requests_of(app: &TestApp, device: &str) -> Vec<replenishment_request::Model> {
    replenishment_request::Entity::find()
        .filter(replenishment_request::Column::DeviceId.eq(device))
        .all(&app.db)
        .await
        .expect("requests")
}

async fn only_request(app: &TestApp, device: &str) -> replenishment_request::Model {
    let mut requests = requests_of(app, device).await;
    assert_eq!(requests.len(), 1, "one request: {requests:?}");
    requests.remove(0)
}

async fn outbox_to(app: &TestApp, to: &str) -> u64 {
    outbox_email::Entity::find()
        .filter(outbox_email::Column::ToAddress.eq(to))
        .count(&app.db)
        .await
        .expect("count")
}

/// Submits the full request and returns its ID.
async fn submitted(app: &TestApp, org: &str, device: &str, keys: &[String]) -> String {
    ok_json(save_request(app, &app.client, &request_form(org, device, keys, "submit")).await, "submit").await;
    only_request(app, device).await.id
}

async fn thread_actions(app: &TestApp, request: &str) -> Vec<String> {
    request_event::Entity::find()
        .filter(request_event::Column::RequestId.eq(request))
        .order_by_asc(request_event::Column::CreatedAt)
        .all(&app.db)
        .await
        .expect("events")
        .into_iter()
        .map(|e| e.action)
        .collect()
}

async fn audited(app: &TestApp, org: &str, action: &str) -> bool {
    audit_log::Entity::find()
        .filter(audit_log::Column::OrganizationId.eq(org))
        .filter(audit_log::Column::Action.eq(action))
        .count(&app.db)
        .await
        .expect("count")
        > 0
}

#[tokio::test]
async fn a_draft_saves_incomplete_but_a_submission_with_a_slot_left_out_is_refused_and_changes_nothing() {
    let (app, org, device, keys) = maker_with_device().await;
    let mut form = request_form(&org, &device, &keys, "draft");
    form.retain(|(name, _)| !name.contains(&keys[1]));
    ok_json(save_request(&app, &app.client, &form).await, "draft").await;
    let draft = only_request(&app, &device).await;
    assert_eq!(draft.state, "draft");

    let submit: Vec<(String, String)> = form
        .iter()
        .map(|(k, v)| (k.clone(), if k == "intent" { "submit".into() } else { v.clone() }))
        .collect();
    let body = refused_on(
        save_request(&app, &app.client, &submit).await,
        &format!("slots[slot-{}][sensor_type]", keys[1]),
    )
    .await;
    assert!(body["Validation"]["messages"]
        .as_object()
        .expect("messages")
        .keys()
        .all(|k| !k.contains(&keys[0])));
    let after = only_request(&app, &device).await;
    assert_eq!(after.state, "draft");
    assert_eq!(after.due_at, None);
    assert_eq!(outbox_to(&app, REVIEW_INBOX).await, 0);

    // A bad ASIN is refused even in a draft, on its field.
    let mut bad = request_form(&org, &device, &keys, "draft");
    bad.retain(|(k, _)| !k.ends_with("[asins]"));
    bad.push((format!("slots[slot-{}][asins]", keys[0]), "B07XJ8C8F5, b07".into()));
    refused_on(save_request(&app, &app.client, &bad).await, &format!("slots[slot-{}][asins]", keys[0])).await;
}

#[tokio::test]
async fn submitting_stores_the_due_date_and_queues_the_reviewers_email_and_the_confirmation() {
    let (app, org, device, keys) = maker_with_device().await;
    let request = submitted(&app, &org, &device, &keys).await;
    let stored = only_request(&app, &device).await;
    assert_eq!(stored.state, "submitted");
    let submitted_at = stored.submitted_at.expect("submitted at");
    assert_eq!(stored.due_at, Some(add_business_days(submitted_at, REVIEW_BUSINESS_DAYS)));
    assert_eq!(stored.test_accounts, "tester@example.com\nqa@example.com");

    let review = app.inbox().wait_for(REVIEW_INBOX, "Review needed").await;
    assert_eq!(link_path(&review.text, "/review/requests/"), format!("/review/requests/{request}"));
    for expected in [
        "Water Purifier",
        "WP-1",
        "A2CUSTOMER42",
        "B07XJ8C8F5, B000000001",
        "Volume (L)",
        "Weight (kg)",
        "Slot salt",
        MAKER,
    ] {
        assert!(review.text.contains(expected), "{expected} in {}", review.text);
    }
    let confirmation = app.inbox().wait_for(MAKER, "We received your replenishment-ID request").await;
    assert!(confirmation.text.contains(&format!("/orgs/{org}/devices/{device}/replenishment")));
    assert!(audited(&app, &org, "request.submitted").await);
    assert_eq!(thread_actions(&app, &request).await, ["started", "submitted"]);

    // Waiting for review, it cannot be edited.
    let edit = save_request(&app, &app.client, &request_form(&org, &device, &keys, "draft")).await;
    let text = expect_status(edit, StatusCode::BAD_REQUEST, "edit while submitted").await;
    assert!(text.contains("Withdraw it first"), "{text}");
}

/// Makes every insert of mail to `address` fail inside the database, as a crash after the request was
/// written would.
async fn fail_mail_to(app: &TestApp, address: &str) {
    let statements = if app.db.get_database_backend() == sea_orm::DbBackend::Postgres {
        vec![
            format!(
                "CREATE FUNCTION fail_mail() RETURNS trigger AS $$ BEGIN IF NEW.to_address = '{address}' THEN \
                 RAISE EXCEPTION 'forced failure'; END IF; RETURN NEW; END $$ LANGUAGE plpgsql"
            ),
            "CREATE TRIGGER fail_mail BEFORE INSERT ON outbox_email FOR EACH ROW EXECUTE FUNCTION fail_mail()".into(),
        ]
    } else {
        vec![format!(
            "CREATE TRIGGER fail_mail BEFORE INSERT ON outbox_email WHEN NEW.to_address = '{address}' \
             BEGIN SELECT RAISE(ABORT, 'forced failure'); END"
        )]
    };
    for statement in statements {
        app.db.execute_unprepared(&statement).await.expect("install the failing trigger");
    }
}

#[tokio::test]
async fn a_failure_after_the_insert_leaves_neither_email_nor_the_submission() {
    let (app, org, device, keys) = maker_with_device().await;
    // The confirmation to the maker is queued after the request and the reviewers' email.
    fail_mail_to(&app, MAKER).await;
    let failed = save_request(&app, &app.client, &request_form(&org, &device, &keys, "submit")).await;
    expect_status(failed, StatusCode::INTERNAL_SERVER_ERROR, "submit with failing mail").await;
    assert!(requests_of(&app, &device).await.is_empty(), "no request is stored");
    assert_eq!(outbox_to(&app, REVIEW_INBOX).await, 0, "no reviewers' email is queued");
    assert!(!audited(&app, &org, "request.submitted").await);

    let drop = if app.db.get_database_backend() == sea_orm::DbBackend::Postgres {
        "DROP TRIGGER fail_mail ON outbox_email"
    } else {
        "DROP TRIGGER fail_mail"
    };
    app.db.execute_unprepared(drop).await.expect("drop trigger");
    submitted(&app, &org, &device, &keys).await;
    assert_eq!(outbox_to(&app, REVIEW_INBOX).await, 1);
}

#[tokio::test]
async fn approval_issues_one_unique_id_per_slot_allows_the_test_accounts_and_emails_the_makers() {
    let (app, org, device, keys) = maker_with_device().await;
    let _developer = app.add_member(&org, "dev@example.com", "developer").await;
    let _viewer = app.add_member(&org, "viewer@example.com", "viewer").await;
    let request = submitted(&app, &org, &device, &keys).await;
    let reviewer = reviewer(&app).await;

    ok_json(app.call_with(&reviewer, "claim_request", &[("request", &request)]).await, "claim").await;
    assert_eq!(only_request(&app, &device).await.claimed_by_email.as_deref(), Some(REVIEWER));
    ok_json(
        app.call_with(&reviewer, "approve_request", &[("request", &request), ("note", "Looks good")]).await,
        "approve",
    )
    .await;

    let ids: Vec<String> = slots_of(&app, &device)
        .await
        .into_iter()
        .map(|s| s.replenishment_id.expect("an ID per slot"))
        .collect();
    assert_eq!(ids.len(), 2);
    assert_eq!(ids.iter().collect::<HashSet<_>>().len(), 2, "IDs differ");
    for id in &ids {
        let uuid = id.strip_prefix("arn:alexa:smarthome:drs:sensor:").expect("ARN prefix");
        assert!(uuid::Uuid::parse_str(uuid).is_ok(), "{id}");
    }
    let allowed: Vec<String> = device_test_account::Entity::find()
        .filter(device_test_account::Column::DeviceId.eq(&device))
        .all(&app.db)
        .await
        .expect("allow list")
        .into_iter()
        .map(|a| a.email)
        .collect();
    assert_eq!(
        allowed.iter().collect::<HashSet<_>>(),
        ["tester@example.com".to_owned(), "qa@example.com".to_owned()].iter().collect()
    );

    for maker in [MAKER, "dev@example.com"] {
        let mail = app.inbox().wait_for(maker, "Approved").await;
        assert!(mail.text.contains("Looks good"));
    }
    assert_eq!(
        app.inbox()
            .all()
            .iter()
            .filter(
                |m| m.subject.contains("Approved") && m.recipients.iter().any(|r| r == "viewer@example.com")
            )
            .count(),
        0
    );
    assert!(audited(&app, &org, "request.approved").await);

    // The tab shows each ID with its discovery JSON.
    let tab =
        ok_json(app.call("load_replenishment", &[("org", &org), ("device", &device)]).await, "tab").await;
    let issued = tab["issued"].as_array().expect("issued");
    assert_eq!(issued.len(), 2);
    let capability: Value =
        serde_json::from_str(issued[0]["discovery_json"].as_str().expect("JSON text")).expect("JSON");
    assert_eq!(capability["instance"], "filter");
    assert_eq!(capability["interface"], "Alexa.InventoryLevelSensor");
    assert_eq!(capability["configuration"]["measurement"]["unit"], "LITER");
    assert_eq!(capability["configuration"]["replenishment"]["value"], ids[0]);
    assert_eq!(capability["configuration"]["replenishment"]["@type"], "DashReplenishmentId");

    // A decided request takes no second decision.
    let again =
        app.call_with(&reviewer, "reject_request", &[("request", &request), ("reason", "Too late")]).await;
    expect_status(again, StatusCode::BAD_REQUEST, "second decision").await;
    assert_eq!(only_request(&app, &device).await.state, "approved");

    // Approved slots keep their slot ID: renaming one is refused.
    let rows = [
        ("org", org.as_str()),
        ("device", device.as_str()),
        ("rows[0][key]", keys[0].as_str()),
        ("rows[0][slot_id]", "renamed"),
        ("rows[0][category]", "water_filter"),
        ("rows[1][key]", keys[1].as_str()),
        ("rows[1][slot_id]", "salt"),
        ("rows[1][category]", "dishwasher_detergent"),
    ];
    refused_on(app.call("save_inventory", &rows).await, "rows[0][slot_id]").await;

    // A change request keeps the issued IDs.
    let change = request_form(&org, &device, &keys, "submit");
    ok_json(save_request(&app, &app.client, &change).await, "change request").await;
    let open = requests_of(&app, &device)
        .await
        .into_iter()
        .find(|r| r.state == "submitted")
        .expect("change request");
    assert!(open.is_change);
    ok_json(app.call_with(&reviewer, "approve_request", &[("request", &open.id)]).await, "approve change")
        .await;
    let after: Vec<String> =
        slots_of(&app, &device).await.into_iter().filter_map(|s| s.replenishment_id).collect();
    assert_eq!(after, ids);
}

#[tokio::test]
async fn changes_requested_then_resubmitted_keeps_one_thread() {
    let (app, org, device, keys) = maker_with_device().await;
    let request = submitted(&app, &org, &device, &keys).await;
    let reviewer = reviewer(&app).await;

    refused_on(
        app.call_with(&reviewer, "request_changes", &[("request", &request), ("note", "  ")]).await,
        "note",
    )
    .await;
    assert_eq!(only_request(&app, &device).await.state, "submitted");
    let note = "Slot salt: a usage sensor needs the grams per wash in the detail.";
    ok_json(
        app.call_with(&reviewer, "request_changes", &[("request", &request), ("note", note)]).await,
        "changes",
    )
    .await;
    assert_eq!(only_request(&app, &device).await.state, "changes_requested");
    let mail = app.inbox().wait_for(MAKER, "Changes requested").await;
    assert!(mail.text.contains(note));

    let tab =
        ok_json(app.call("load_replenishment", &[("org", &org), ("device", &device)]).await, "tab").await;
    assert_eq!(tab["open"]["state"], "ChangesRequested");
    let thread = tab["open"]["thread"].as_array().expect("thread");
    assert!(thread.iter().any(|e| e["note"] == note && e["actor"] == "Replenish review"), "{thread:?}");

    ok_json(save_request(&app, &app.client, &request_form(&org, &device, &keys, "submit")).await, "resubmit")
        .await;
    let resubmitted = only_request(&app, &device).await;
    assert_eq!(resubmitted.id, request, "the same request, keeping its thread");
    assert_eq!(resubmitted.state, "submitted");
    assert_eq!(
        thread_actions(&app, &request).await,
        ["started", "submitted", "changes_requested", "resubmitted"]
    );
    assert_eq!(app.inbox().wait_for_count(REVIEW_INBOX, 2).await, 2, "the resubmission is emailed again");
    let again = app
        .inbox()
        .all()
        .into_iter()
        .rev()
        .find(|m| m.recipients.iter().any(|r| r == REVIEW_INBOX))
        .expect("mail");
    assert!(again.text.contains("resubmitted, with the changes asked for"), "{}", again.text);

    ok_json(
        app.call_with(&reviewer, "reject_request", &[("request", &request), ("reason", "Not a consumable")])
            .await,
        "reject",
    )
    .await;
    assert_eq!(only_request(&app, &device).await.state, "rejected");
    assert!(app.inbox().wait_for(MAKER, "Rejected").await.text.contains("Not a consumable"));
    assert!(audited(&app, &org, "request.rejected").await);
}

#[tokio::test]
async fn a_withdrawal_needs_a_reason_and_tells_the_reviewers() {
    let (app, org, device, keys) = maker_with_device().await;
    submitted(&app, &org, &device, &keys).await;
    refused_on(
        app.call("withdraw_request", &[("org", &org), ("device", &device), ("reason", "")]).await,
        "reason",
    )
    .await;
    assert_eq!(only_request(&app, &device).await.state, "submitted");
    ok_json(
        app.call("withdraw_request", &[("org", &org), ("device", &device), ("reason", "Wrong unit")]).await,
        "withdraw",
    )
    .await;
    assert_eq!(only_request(&app, &device).await.state, "withdrawn");
    assert!(app.inbox().wait_for(REVIEW_INBOX, "Withdrawn").await.text.contains("Wrong unit"));
    let again =
        app.call("withdraw_request", &[("org", &org), ("device", &device), ("reason", "Again")]).await;
    expect_status(again, StatusCode::BAD_REQUEST, "nothing left to withdraw").await;

    // The next request starts from the withdrawn one.
    let tab =
        ok_json(app.call("load_replenishment", &[("org", &org), ("device", &device)]).await, "tab").await;
    assert_eq!(tab["customer_id"], "A2CUSTOMER42");
    assert_eq!(tab["slots"][0]["values"]["asins"], "B07XJ8C8F5, B000000001");
    assert!(tab["open"].is_null());
    assert_eq!(tab["last_closed"]["state"], "Withdrawn");
}

#[tokio::test]
async fn members_get_404_on_the_console_and_reviewers_cannot_edit_devices() {
    let (app, org, device, keys) = maker_with_device().await;
    let request = submitted(&app, &org, &device, &keys).await;
    let member_calls: [(&str, Vec<(&str, &str)>); 5] = [
        ("load_review_queue", vec![]),
        ("load_review_request", vec![("request", &request)]),
        ("claim_request", vec![("request", &request)]),
        ("approve_request", vec![("request", &request)]),
        ("reject_request", vec![("request", &request), ("reason", "no")]),
    ];
    for (endpoint, form) in &member_calls {
        expect_status(app.call(endpoint, form).await, StatusCode::NOT_FOUND, endpoint).await;
    }
    for path in ["/review".to_owned(), format!("/review/requests/{request}")] {
        assert_eq!(app.page(&path).await.0, StatusCode::NOT_FOUND, "{path}");
    }
    assert_eq!(only_request(&app, &device).await.state, "submitted");

    let reviewer = reviewer(&app).await;
    let device_calls: [(&str, Vec<(&str, &str)>); 5] = [
        ("load_device", vec![("org", &org), ("device", &device)]),
        ("update_device", vec![("org", &org), ("device", &device), ("name", "Hijacked")]),
        ("save_inventory", vec![("org", &org), ("device", &device)]),
        ("load_replenishment", vec![("org", &org), ("device", &device)]),
        ("withdraw_request", vec![("org", &org), ("device", &device), ("reason", "mine now")]),
    ];
    for (endpoint, form) in &device_calls {
        expect_status(app.call_with(&reviewer, endpoint, form).await, StatusCode::NOT_FOUND, endpoint).await;
    }
    let page = reviewer
        .get(app.url(&format!("/orgs/{org}/devices/{device}/replenishment")))
        .send()
        .await
        .expect("page");
    assert_eq!(page.status(), StatusCode::NOT_FOUND);
    let stored =
        app::entities::device::Entity::find_by_id(&device).one(&app.db).await.expect("q").expect("device");
    assert_eq!(stored.name, "Water Purifier");
    assert_eq!(only_request(&app, &device).await.state, "submitted");
    // Drafts are the maker's own: a reviewer cannot open one.
    let coffee = register_two_slot_device(&app, &app.client, &org, "Coffee", "CF-1").await;
    let coffee_keys = slot_keys(&app, &coffee).await;
    ok_json(
        save_request(&app, &app.client, &request_form(&org, &coffee, &coffee_keys, "draft")).await,
        "draft",
    )
    .await;
    let draft = only_request(&app, &coffee).await;
    expect_status(
        app.call_with(&reviewer, "load_review_request", &[("request", &draft.id)]).await,
        StatusCode::NOT_FOUND,
        "draft",
    )
    .await;
}

#[tokio::test]
async fn another_organization_gets_404_for_the_tab_and_every_request_call() {
    let (app, org, device, keys) = maker_with_device().await;
    submitted(&app, &org, &device, &keys).await;
    let other = client_for(app.address);
    let form = [("email", "other@example.com"), ("password", PASSWORD), ("organization_name", "Others")];
    expect_status(app.call_with(&other, "sign_up", &form).await, StatusCode::OK, "sign-up").await;
    let mail = app.inbox().wait_for("other@example.com", "Verify your email").await;
    let token = link_path(&mail.text, "/verify").split("token=").nth(1).expect("token").to_owned();
    expect_status(
        app.call_with(&other, "verify_email", &[("token", &token)]).await,
        StatusCode::OK,
        "verify",
    )
    .await;
    expect_status(app.sign_in_with(&other, "other@example.com", PASSWORD).await, StatusCode::OK, "sign-in")
        .await;

    expect_status(
        app.call_with(&other, "load_replenishment", &[("org", &org), ("device", &device)]).await,
        StatusCode::NOT_FOUND,
        "tab",
    )
    .await;
    let form = request_form(&org, &device, &keys, "draft");
    expect_status(save_request(&app, &other, &form).await, StatusCode::NOT_FOUND, "save").await;
    expect_status(
        app.call_with(&other, "withdraw_request", &[("org", &org), ("device", &device), ("reason", "x")])
            .await,
        StatusCode::NOT_FOUND,
        "withdraw",
    )
    .await;
    let page = other
        .get(app.url(&format!("/orgs/{org}/devices/{device}/replenishment")))
        .send()
        .await
        .expect("page");
    assert_eq!(page.status(), StatusCode::NOT_FOUND);
    // Their own organization's ID with this device is no way in either.
    let own = app.first_organization_of("other@example.com").await;
    expect_status(
        app.call_with(&other, "load_replenishment", &[("org", &own), ("device", &device)]).await,
        StatusCode::NOT_FOUND,
        "own org",
    )
    .await;
    assert_eq!(only_request(&app, &device).await.state, "submitted");
}

#[tokio::test]
async fn the_queue_lists_requests_by_due_date_flags_overdue_ones_and_filters_by_state() {
    let (app, org, device, keys) = maker_with_device().await;
    let first = submitted(&app, &org, &device, &keys).await;
    let second_device = register_two_slot_device(&app, &app.client, &org, "Coffee Maker", "CM-1").await;
    let second_keys = slot_keys(&app, &second_device).await;
    ok_json(
        save_request(&app, &app.client, &request_form(&org, &second_device, &second_keys, "submit")).await,
        "submit",
    )
    .await;
    // The second request has been waiting for twenty days (seven business days never span more than eleven).
    let long_ago = chrono::Utc::now() - chrono::Duration::days(20);
    replenishment_request::Entity::update_many()
        .col_expr(replenishment_request::Column::SubmittedAt, Expr::value(long_ago))
        .col_expr(
            replenishment_request::Column::DueAt,
            Expr::value(add_business_days(long_ago, REVIEW_BUSINESS_DAYS)),
        )
        .filter(replenishment_request::Column::DeviceId.eq(&second_device))
        .exec(&app.db)
        .await
        .expect("age the request");

    let reviewer = reviewer(&app).await;
    let queue = ok_json(app.call_with(&reviewer, "load_review_queue", &[]).await, "queue").await;
    let items = queue["items"].as_array().expect("items");
    assert_eq!(items.len(), 2);
    assert_eq!(items[0]["device_name"], "Coffee Maker", "the earliest due first");
    assert_eq!(items[0]["overdue"], true);
    assert!(
        items[0]["time_in_queue"].as_str().expect("time in queue").starts_with("20 days"),
        "{}",
        items[0]
    );
    assert_eq!(items[1]["id"], first.as_str());
    assert_eq!(items[1]["overdue"], false);
    assert_eq!(items[1]["organization_name"], "Filter Makers");

    let page = reviewer.get(app.url("/review")).send().await.expect("page").text().await.expect("body");
    assert!(page.contains("Overdue") && page.contains("Coffee Maker") && page.contains("Water Purifier"));

    ok_json(app.call_with(&reviewer, "approve_request", &[("request", &first)]).await, "approve").await;
    let approved =
        ok_json(app.call_with(&reviewer, "load_review_queue", &[("state", "approved")]).await, "approved")
            .await;
    assert_eq!(approved["items"].as_array().expect("items").len(), 1);
    let waiting =
        ok_json(app.call_with(&reviewer, "load_review_queue", &[("state", "submitted")]).await, "waiting")
            .await;
    assert_eq!(waiting["items"].as_array().expect("items").len(), 1);
    let all = ok_json(app.call_with(&reviewer, "load_review_queue", &[("state", "all")]).await, "all").await;
    assert_eq!(all["items"].as_array().expect("items").len(), 2);
    refused_on(app.call_with(&reviewer, "load_review_queue", &[("state", "draft")]).await, "state").await;
}

#[tokio::test]
async fn without_javascript_the_forms_post_and_redirect_and_the_pages_render_the_request() {
    let (app, org, device, keys) = maker_with_device().await;
    let tab_path = format!("/orgs/{org}/devices/{device}/replenishment");
    let form = request_form(&org, &device, &keys, "submit");
    let response = app.post_form("save_request", &borrowed(&form), &tab_path).await;
    assert!(
        matches!(response.status(), StatusCode::FOUND | StatusCode::SEE_OTHER),
        "status {}",
        response.status()
    );
    let location = response.headers()[LOCATION].to_str().expect("location").to_owned();
    assert_eq!(location, format!("{tab_path}?saved=submitted"));
    let (status, page) = app.page(&location).await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("Request submitted.") && page.contains("Waiting for review"), "{page}");

    // A refused no-JavaScript submit comes back to the form with the message and what was typed.
    let second_device = register_two_slot_device(&app, &app.client, &org, "Coffee Maker", "CM-1").await;
    let second_keys = slot_keys(&app, &second_device).await;
    let mut bad = request_form(&org, &second_device, &second_keys, "draft");
    bad.retain(|(k, _)| k != "customer_id");
    bad.push(("customer_id".into(), "has spaces".into()));
    let second_path = format!("/orgs/{org}/devices/{second_device}/replenishment");
    let refused = app.post_form("save_request", &borrowed(&bad), &second_path).await;
    let back = refused.headers()[LOCATION].to_str().expect("location").to_owned();
    let back = back.trim_start_matches(&format!("http://{}", app.address)).to_owned();
    assert!(back.starts_with(&second_path), "{back}");
    let (_, page) = app.page(&back).await;
    assert!(page.contains("A customer ID uses only letters, digits, - and _."), "{page}");
    assert!(page.contains("value=\"has spaces\""), "typed value kept");
    assert!(requests_of(&app, &second_device).await.is_empty());

    let request = only_request(&app, &device).await.id;
    let reviewer = reviewer(&app).await;
    let page = reviewer
        .get(app.url(&format!("/review/requests/{request}")))
        .send()
        .await
        .expect("page")
        .text()
        .await
        .expect("body");
    for expected in [
        "Water Purifier",
        "A2CUSTOMER42",
        "tester@example.com",
        "B07XJ8C8F5, B000000001",
        "Volume (L)",
        "Approve and issue IDs",
    ] {
        assert!(page.contains(expected), "{expected}");
    }
}

#[tokio::test]
async fn a_reviewer_never_reviews_a_request_of_their_own_organization() {
    let (app, org, device, keys) = maker_with_device().await;
    let request = submitted(&app, &org, &device, &keys).await;
    // The maker is made a reviewer too.
    app::services::accounts::create_reviewer(&app.db, MAKER, PASSWORD).await.expect("promote");
    for (endpoint, form) in [
        ("claim_request", vec![("request", request.as_str())]),
        ("approve_request", vec![("request", request.as_str())]),
        ("reject_request", vec![("request", request.as_str()), ("reason", "mine")]),
    ] {
        let text = expect_status(app.call(endpoint, &form).await, StatusCode::BAD_REQUEST, endpoint).await;
        assert!(text.contains("another reviewer must review it"), "{text}");
    }
    let stored = only_request(&app, &device).await;
    assert_eq!((stored.state.as_str(), stored.claimed_by_email), ("submitted", None));
    assert!(slots_of(&app, &device).await.iter().all(|s| s.replenishment_id.is_none()));
    let (status, page) = app.page(&format!("/review/requests/{request}")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("another reviewer must review it") && !page.contains("Approve and issue IDs"));
}

#[tokio::test]
async fn the_inventory_waits_while_a_request_is_under_review_and_one_device_has_one_open_request() {
    let (app, org, device, keys) = maker_with_device().await;
    let request = submitted(&app, &org, &device, &keys).await;
    let rows = [
        ("org", org.as_str()),
        ("device", device.as_str()),
        ("rows[0][key]", keys[0].as_str()),
        ("rows[0][slot_id]", "filter"),
        ("rows[0][category]", "water_filter"),
        ("rows[1][key]", keys[1].as_str()),
        ("rows[1][slot_id]", "salt"),
        ("rows[1][category]", "dishwasher_detergent"),
        ("rows[1][delete]", "1"),
    ];
    let text =
        expect_status(app.call("save_inventory", &rows).await, StatusCode::BAD_REQUEST, "inventory").await;
    assert!(text.contains("waiting for review"), "{text}");
    assert_eq!(slots_of(&app, &device).await.len(), 2);

    // The database itself refuses a second open request for the device.
    let stored = only_request(&app, &device).await;
    let mut second: replenishment_request::ActiveModel = stored.clone().into();
    second.id = sea_orm::Set("second".to_owned());
    second.state = sea_orm::Set("draft".to_owned());
    let refused = sea_orm::ActiveModelTrait::insert(second.clone(), &app.db).await;
    assert!(refused.is_err(), "a second open request is refused by the unique index");
    second.state = sea_orm::Set("rejected".to_owned());
    sea_orm::ActiveModelTrait::insert(second, &app.db).await.expect("closed requests are not limited");

    let withdraw = [("org", org.as_str()), ("device", device.as_str()), ("reason", "Slots change")];
    ok_json(app.call("withdraw_request", &withdraw).await, "withdraw").await;
    ok_json(app.call("save_inventory", &rows).await, "inventory after withdrawal").await;
    assert_eq!(slots_of(&app, &device).await.len(), 1);
    assert_eq!(thread_actions(&app, &request).await, ["started", "submitted", "withdrawn"]);
}
