//! The device's sandbox over HTTP: its runtime API log.

mod support;

use app::entities::{api_request, device, notification, registration, replenishment_order};
use app::services::now;
use app::services::request_log::{expire, LoggedCall, RequestLog, KEEP_PER_DEVICE, LOGGED_PER_SECOND};
use reqwest::{Method, StatusCode};
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use serde_json::Value;
use support::fixtures::*;
use support::runtime::*;
use support::TestApp;

async fn organization_of(app: &TestApp, device_id: &str) -> String {
    device::Entity::find_by_id(device_id).one(&app.db).await.expect("device").expect("row").organization_id
}

/// The device's log as its maker loads it, once it holds at least `count` calls (the log is written
/// every half second).
async fn logs(app: &TestApp, org: &str, device: &str, filter: &[(&str, &str)], count: usize) -> Value {
    let mut form = vec![("org", org), ("device", device)];
    form.extend_from_slice(filter);
    for _ in 0..100 {
        let logs = ok_json(app.call("load_device_logs", &form).await, "device logs").await;
        if logs["requests"].as_array().is_some_and(|r| r.len() >= count) {
            return logs;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("fewer than {count} logged calls");
}

#[tokio::test]
async fn the_sandbox_logs_each_call_with_status_latency_and_bodies_filterable_and_only_for_its_org() {
    let linked = linked().await;
    let app = &linked.app;
    let org = organization_of(app, &linked.device).await;
    let path = "/slotStatus/filter";
    let body = Some(("application/json", slot_status_json()));
    let (status, ..) = drs(app, Method::POST, path, &linked.access, SLOT_STATUS, body.clone()).await;
    assert_eq!(status, StatusCode::OK);
    let (status, ..) = drs(app, Method::POST, path, &linked.access, REPLENISH, body).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "wrong type header, after the token was checked");
    let (status, ..) = drs(app, Method::POST, path, "not-a-token", SLOT_STATUS, None).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "an unknown token names no device: not logged");

    let all = logs(app, &org, &linked.device, &[], 2).await;
    let requests = all["requests"].as_array().expect("requests");
    assert_eq!(requests.len(), 2, "{all}");
    let (refused, accepted) = (&requests[0], &requests[1]);
    assert_eq!(accepted["call"], "POST /slotStatus/{slot_id}");
    assert_eq!(accepted["path"], path);
    assert_eq!(accepted["status"], 200);
    assert_eq!(accepted["is_test"], true, "the tester's registration is a test one");
    assert_eq!(accepted["marketplace"], "US");
    assert!(accepted["request"].as_str().expect("request").contains("remainingQuantityInUnit"));
    assert!(accepted["latency"].as_str().expect("latency").ends_with(" ms"));
    assert_eq!(refused["status"], 400);
    assert!(refused["response"].as_str().expect("response").contains("x-amzn-type-version"), "{refused}");
    assert_eq!(all["calls"], serde_json::json!(["POST /slotStatus/{slot_id}"]));

    let failed = logs(app, &org, &linked.device, &[("filter[outcome]", "error")], 1).await;
    assert_eq!(failed["requests"].as_array().expect("requests").len(), 1);
    assert_eq!(failed["requests"][0]["status"], 400);
    let live = ok_json(
        app.call("load_device_logs", &[("org", &org), ("device", &linked.device), ("filter[mode]", "live")])
            .await,
        "live calls",
    )
    .await;
    assert_eq!(live["requests"], serde_json::json!([]), "no live calls");
    let other_call = [
        ("org", org.as_str()),
        ("device", linked.device.as_str()),
        ("filter[call]", "GET /subscriptionInfo"),
    ];
    let none = ok_json(app.call("load_device_logs", &other_call).await, "another call").await;
    assert_eq!(none["requests"], serde_json::json!([]));

    // The page renders the log without JavaScript, with the filter in the address.
    let (status, page) =
        app.page(&format!("/orgs/{org}/devices/{}/sandbox?outcome=error", linked.device)).await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("API requests") && page.contains("x-amzn-type-version"), "{page}");
    assert!(page.contains("1 request(s), newest first"), "the filter hides the accepted call");

    // Another organization's member sees neither the log nor the page.
    let stranger = app.stranger("stranger@example.com", "Strangers").await;
    let form = [("org", org.as_str()), ("device", linked.device.as_str())];
    expect_status(
        app.call_with(&stranger, "load_device_logs", &form).await,
        StatusCode::NOT_FOUND,
        "stranger",
    )
    .await;
    let page = stranger.get(app.url(&format!("/orgs/{org}/devices/{}/sandbox", linked.device))).send().await;
    assert_eq!(page.expect("page").status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn the_log_keeps_the_newest_calls_per_device_and_forgets_them_after_thirty_days() {
    let linked = linked().await;
    let app = &linked.app;
    let registration = registration::Entity::find()
        .filter(registration::Column::DeviceId.eq(&linked.device))
        .one(&app.db)
        .await
        .expect("registration")
        .expect("row");
    let call = |path: String, at| LoggedCall {
        registration_id: registration.id.clone(),
        organization_id: registration.organization_id.clone(),
        call: "POST /slotStatus/{slot_id}".into(),
        method: "POST".into(),
        path,
        status: 200,
        latency_micros: 900,
        request: Default::default(),
        response: Default::default(),
        at,
    };
    let log = RequestLog::default();
    let start = now();
    let kept = api_request::Entity::find().filter(api_request::Column::DeviceId.eq(&linked.device));

    // A flood within one second is sampled.
    let flood = start - chrono::Duration::hours(1);
    for n in 0..LOGGED_PER_SECOND + 10 {
        log.record(call(format!("/slotStatus/flood-{n}"), flood));
    }
    log.flush(&app.db).await.expect("flush");
    assert_eq!(kept.clone().count(&app.db).await.expect("count"), u64::from(LOGGED_PER_SECOND));

    let extra = 20;
    for n in 0..KEEP_PER_DEVICE + extra {
        log.record(call(format!("/slotStatus/call-{n}"), start + chrono::Duration::seconds(n as i64)));
    }
    // Two flushes: the buffer keeps the newest of one registration, the table the newest of the device.
    log.flush(&app.db).await.expect("flush");
    log.record(call("/slotStatus/newest".into(), start + chrono::Duration::minutes(20)));
    log.flush(&app.db).await.expect("flush");
    assert_eq!(kept.clone().count(&app.db).await.expect("count"), KEEP_PER_DEVICE);
    let paths: Vec<String> =
        kept.clone().all(&app.db).await.expect("rows").into_iter().map(|r| r.path).collect();
    assert!(paths.contains(&"/slotStatus/newest".to_owned()));
    assert!(!paths.contains(&format!("/slotStatus/call-{extra}")), "the oldest went first");
    assert!(paths.contains(&format!("/slotStatus/call-{}", extra + 1)));

    assert_eq!(expire(&app.db, start + chrono::Duration::days(29)).await.expect("expire"), 0);
    assert_eq!(expire(&app.db, start + chrono::Duration::days(31)).await.expect("expire"), KEEP_PER_DEVICE);
    assert_eq!(kept.count(&app.db).await.expect("count"), 0);
}

/// Whether each case of the device's US checklist passes, by case key.
async fn us_cases(
    app: &TestApp,
    org: &str,
    device: &str,
) -> std::collections::BTreeMap<String, (bool, String)> {
    let tab =
        ok_json(app.call("load_certification", &[("org", org), ("device", device)]).await, "checklist").await;
    let us =
        tab["marketplaces"].as_array().expect("marketplaces").iter().find(|m| m["code"] == "US").expect("US");
    us["cases"]
        .as_array()
        .expect("cases")
        .iter()
        .map(|c| {
            let key = c["key"].as_str().expect("key").to_owned();
            (
                key,
                (
                    c["passed"].as_bool().expect("passed"),
                    c["evidence"].as_str().expect("evidence").to_owned(),
                ),
            )
        })
        .collect()
}

/// Waits until the log writer has stored a call whose response mentions `text`.
async fn logged_answer(app: &TestApp, text: &str) {
    for _ in 0..100 {
        let found = api_request::Entity::find()
            .filter(api_request::Column::ResponseExcerpt.contains(text))
            .count(&app.db)
            .await
            .expect("count");
        if found > 0 {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("no logged answer with {text}");
}

#[tokio::test]
async fn each_certification_case_is_ticked_only_by_its_evidence() {
    let (app, org, device, client_id, secret) = approved_device().await;
    let before = us_cases(&app, &org, &device).await;
    assert_eq!(before.len(), 11, "{before:?}");
    assert!(before["ids"].0, "the approved request issued both IDs");
    for key in [
        "image",
        "token",
        "slot_status",
        "test_order",
        "in_progress",
        "cancelled",
        "deregistered",
        "notifications",
        "sensors",
    ] {
        assert!(!before[key].0, "{key} passes without evidence: {}", before[key].1);
    }
    assert!(before["notifications"].1.contains("OrderPlacedNotification"), "{}", before["notifications"].1);

    let linked = link_device(app, device, client_id, secret).await;
    let app = &linked.app;
    let device = &linked.device;
    assert!(us_cases(app, &org, device).await["token"].0, "the code was exchanged for a token");

    let body = || Some(("application/json", slot_status_json()));
    let (status, ..) =
        drs(app, Method::POST, "/slotStatus/filter", &linked.access, SLOT_STATUS, body()).await;
    assert_eq!(status, StatusCode::OK);
    let partial = us_cases(app, &org, device).await;
    assert!(!partial["slot_status"].0);
    assert_eq!(partial["slot_status"].1, "Not reported yet: salt.");
    drs(app, Method::POST, "/slotStatus/salt", &linked.access, SLOT_STATUS, body()).await;

    assert_eq!(replenish(&linked, "filter").await.1["detailCode"], "TEST_ORDER_PLACED");
    let after_order = us_cases(app, &org, device).await;
    assert!(after_order["slot_status"].0 && after_order["test_order"].0);
    assert!(!after_order["in_progress"].0, "one order is not a repeat");
    assert_eq!(replenish(&linked, "filter").await.1["detailCode"], "ORDER_INPROGRESS");
    logged_answer(app, "ORDER_INPROGRESS").await;
    assert!(us_cases(app, &org, device).await["in_progress"].0);

    let cancel = ("DrsCancelTestOrdersInput@1.0", "DrsCancelTestOrdersResult@1.0");
    let (status, ..) =
        drs(app, Method::DELETE, "/testOrders/slots/filter", &linked.access, cancel, None).await;
    assert_eq!(status, StatusCode::OK);
    let after_cancel = us_cases(app, &org, device).await;
    assert!(after_cancel["cancelled"].0, "{}", after_cancel["cancelled"].1);
    assert!(!after_cancel["deregistered"].0);

    let deregister = ("DrsDeregisterInput@2.0", "DrsDeregisterResult@1.0");
    let (status, ..) = drs(app, Method::DELETE, "/registration", &linked.access, deregister, None).await;
    assert_eq!(status, StatusCode::OK);
    let after = us_cases(app, &org, device).await;
    assert!(after["deregistered"].0, "{}", after["deregistered"].1);
    // No endpoint subscribed: nothing was acknowledged, whatever was emitted.
    assert!(!after["notifications"].0);

    // Another organization's member gets 404.
    let stranger = app.stranger("stranger@example.com", "Strangers").await;
    let form = [("org", org.as_str()), ("device", device.as_str())];
    expect_status(
        app.call_with(&stranger, "load_certification", &form).await,
        StatusCode::NOT_FOUND,
        "stranger",
    )
    .await;
    let (status, page) = app.page(&format!("/orgs/{org}/devices/{device}/certification")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        page.contains("A repeat replenish answered ORDER_INPROGRESS") && page.contains("Evidence"),
        "{page}"
    );
}

#[tokio::test]
async fn an_owner_adds_test_accounts_that_can_link_before_certification_and_removes_them() {
    let (app, org, device, client_id, _secret) = approved_device().await;
    let form = [("org", org.as_str()), ("device", device.as_str())];
    let load = || app.call("load_test_accounts", &form);
    let listed = ok_json(load().await, "accounts").await;
    let emails: Vec<&str> =
        listed["accounts"].as_array().expect("accounts").iter().filter_map(|a| a["email"].as_str()).collect();
    assert_eq!(emails, ["qa@example.com", TESTER], "the approved request's allow list");
    assert_eq!(listed["can_manage"], true);

    let add = |email: &'static str| {
        let (app, org, device) = (&app, org.clone(), device.clone());
        async move {
            app.call(
                "add_test_account",
                &[("org", org.as_str()), ("device", device.as_str()), ("email", email)],
            )
            .await
        }
    };
    let text = expect_status(add("not an address").await, StatusCode::BAD_REQUEST, "bad email").await;
    assert!(text.contains("email"), "{text}");
    let text = expect_status(add(TESTER).await, StatusCode::BAD_REQUEST, "already listed").await;
    assert!(text.contains("already a test account"), "{text}");
    ok_json(add("friend@example.com").await, "add").await;

    // The added account links the device in test mode through the real consent page.
    let query = authorize_query(&client_id, RETURN_URL, &scope_data("WP-1", "SN-FRIEND"));
    let friend = customer(&app, &query, "friend@example.com").await;
    let page = consent_page(&app, &friend, &query).await;
    assert!(page.contains("Test device") && page.contains("Allow and link device"), "{page}");

    let listed = ok_json(load().await, "accounts").await;
    let account = |email: &str| {
        listed["accounts"]
            .as_array()
            .expect("accounts")
            .iter()
            .find(|a| a["email"] == email)
            .expect("listed")
            .clone()
    };
    assert_eq!(account("friend@example.com")["added_by_owner"], true);
    let remove = |id: String| {
        let (app, org, device) = (&app, org.clone(), device.clone());
        async move {
            app.call(
                "remove_test_account",
                &[("org", org.as_str()), ("device", device.as_str()), ("account", id.as_str())],
            )
            .await
        }
    };
    let from_request = account(TESTER)["id"].as_str().expect("id").to_owned();
    expect_status(remove(from_request).await, StatusCode::BAD_REQUEST, "request's account").await;
    ok_json(remove(account("friend@example.com")["id"].as_str().expect("id").to_owned()).await, "remove")
        .await;
    let page = consent_page(&app, &friend, &query).await;
    assert!(page.contains("not available in your marketplace yet"), "removed accounts cannot link");

    let stranger = app.stranger("stranger@example.com", "Strangers").await;
    let form = [("org", org.as_str()), ("device", device.as_str()), ("email", "x@example.com")];
    expect_status(
        app.call_with(&stranger, "add_test_account", &form).await,
        StatusCode::NOT_FOUND,
        "stranger",
    )
    .await;
    let form = [("org", org.as_str()), ("device", device.as_str())];
    expect_status(
        app.call_with(&stranger, "load_test_accounts", &form).await,
        StatusCode::NOT_FOUND,
        "stranger",
    )
    .await;
}

#[tokio::test]
async fn the_test_clock_takes_the_sandbox_orders_through_hold_shipping_and_delivery() {
    let linked = linked().await;
    let app = &linked.app;
    let org = organization_of(app, &linked.device).await;
    let (_, placed) = replenish(&linked, "filter").await;
    assert_eq!(placed["detailCode"], "TEST_ORDER_PLACED");
    let status = || async {
        replenishment_order::Entity::find().one(&app.db).await.expect("query").expect("order").status
    };
    let advance = |hours: &'static str| {
        let (app, org, device) = (app, org.clone(), linked.device.clone());
        async move {
            app.call(
                "advance_sandbox_clock",
                &[("org", org.as_str()), ("device", device.as_str()), ("hours", hours)],
            )
            .await
        }
    };
    expect_status(advance("5").await, StatusCode::BAD_REQUEST, "not a step").await;
    ok_json(advance("1").await, "1 hour").await;
    assert_eq!(status().await, "Pending", "still in its hold");
    ok_json(advance("24").await, "24 hours").await;
    assert_eq!(status().await, "Placed");
    let clock = ok_json(
        app.call("load_sandbox_clock", &[("org", org.as_str()), ("device", linked.device.as_str())]).await,
        "clock",
    )
    .await;
    assert_eq!(clock["ahead"], "1 day 1 hour ahead");
    ok_json(advance("72").await, "3 days").await;
    let order = replenishment_order::Entity::find().one(&app.db).await.expect("query").expect("order");
    assert_eq!(order.status, "Delivered", "shipped after a day and delivered two days later, in one move");
    // Each step is stamped when it was due: the hold's end, then a day (shipping) and two days (delivery).
    let placed_at = order.placed_at.expect("placed");
    assert_eq!(placed_at, order.hold_until);
    assert_eq!(order.shipped_at, Some(placed_at + chrono::Duration::hours(24)));
    assert_eq!(order.delivered_at, Some(placed_at + chrono::Duration::hours(72)));
    app.inbox().wait_for(TESTER, "delivered").await;
    let shipped = notification::Entity::find()
        .filter(notification::Column::NotificationType.eq("ItemShippedNotification"))
        .count(&app.db)
        .await
        .expect("count");
    assert_eq!(shipped, 1);

    let stranger = app.stranger("stranger@example.com", "Strangers").await;
    let form = [("org", org.as_str()), ("device", linked.device.as_str()), ("hours", "72")];
    let refused = app.call_with(&stranger, "advance_sandbox_clock", &form).await;
    expect_status(refused, StatusCode::NOT_FOUND, "stranger").await;
}
