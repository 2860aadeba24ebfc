//! Tenant isolation, generated from the application itself: every page route (from the Leptos route list)
//! and every server function (from the server-function registry) is called with organization A's IDs by a
//! member of organization B, by a signed-in customer and by a signed-out visitor. Pages answer 404 or send
//! to sign-in; server functions answer 401, 403 or 404. A server function that is not about an
//! organization's data must be named in `NOT_TENANT_OWNED` with its reason, so a new one cannot slip by.

mod support;

use app::entities::{notification_endpoint, replenishment_order, replenishment_request, security_profile};
use reqwest::header::{ACCEPT, LOCATION};
use reqwest::{Client, StatusCode};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use std::collections::HashMap;
use support::fixtures::*;
use support::receiver::{add_endpoint, Receiver};
use support::runtime::*;
use support::{client_for, TestApp, PASSWORD};

/// Server functions that act on the caller's own account, a customer's own data, a reviewer's console, a
/// secret token or nothing at all: not organization data, so outside this test (each has its own tests).
const NOT_TENANT_OWNED: [&str; 29] = [
    // The member's own account and sign-in.
    "sign_up",
    "verify_email",
    "sign_in",
    "sign_out",
    "forgot_password",
    "reset_password",
    "change_password",
    "viewer",
    "create_organization",
    // Invitations, by their secret token.
    "view_invite",
    "accept_invite",
    // Public catalogues and helpers for the registration form.
    "load_catalogues",
    "suggest_model_id",
    // The consent page and the customer's own pages (by customer session or secret link).
    "load_consent",
    "customer_sign_up",
    "customer_sign_in",
    "confirm_consent",
    "load_my_account",
    "load_customer_marketplaces",
    "my_sign_up",
    "my_sign_in",
    "verify_customer_email",
    "my_sign_out",
    "change_product",
    "turn_off_replenishment",
    "answer_test_invitation",
    "cancel_my_order",
    "load_order_to_cancel",
    "cancel_order_by_link",
];
/// The platform reviewers' console: reviewers only, whatever organization they belong to.
const REVIEWER_ONLY: [&str; 9] = [
    "load_review_queue",
    "load_review_request",
    "claim_request",
    "approve_request",
    "request_changes",
    "reject_request",
    "load_certification_queue",
    "load_certification_request",
    "decide_certification",
];

struct TenantA {
    ids: HashMap<&'static str, String>,
}

/// Organization A with one of everything: an approved device with an image-less inventory, a request, a
/// security profile, a notification endpoint, a test registration and an order.
async fn tenant_a() -> (Linked, TenantA) {
    let linked = linked().await;
    let app = &linked.app;
    let device = app::entities::device::Entity::find_by_id(&linked.device)
        .one(&app.db)
        .await
        .expect("query")
        .expect("device");
    let (_, hook) = Receiver::start(&[]).await;
    let (_, endpoint) = add_endpoint(app, &device.organization_id, hook).await;
    let (_, order) = replenish(&linked, "filter").await;
    let request = replenishment_request::Entity::find().one(&app.db).await.expect("query").expect("request");
    let profile = security_profile::Entity::find().one(&app.db).await.expect("query").expect("profile");
    let stored_order = replenishment_order::Entity::find()
        .filter(replenishment_order::Column::Id.eq(order["eventInstanceId"].as_str().expect("order")))
        .one(&app.db)
        .await
        .expect("query")
        .expect("order");
    assert!(notification_endpoint::Entity::find_by_id(&endpoint)
        .one(&app.db)
        .await
        .expect("query")
        .is_some());
    let ids = HashMap::from([
        ("org", device.organization_id.clone()),
        ("id", device.organization_id.clone()),
        ("device", device.id.clone()),
        ("request", request.id.clone()),
        ("endpoint", endpoint),
        ("profile", profile.id.clone()),
        ("registration", stored_order.registration_id.clone()),
        ("order", stored_order.id.clone()),
    ]);
    (linked, TenantA { ids })
}

/// Every argument name the server functions take, with A's ID where it names something of A's and a
/// valid value otherwise, so that only the caller's right decides the answer.
fn superset_form(a: &TenantA) -> Vec<(String, String)> {
    let mut form: Vec<(String, String)> = a.ids.iter().map(|(k, v)| ((*k).to_owned(), v.clone())).collect();
    for (name, value) in [
        ("name", "Taken over"),
        ("email", "spy@example.com"),
        ("role", "owner"),
        ("user_id", "x"),
        ("invite_id", "x"),
        ("marketplace", "US"),
        ("url", "http://127.0.0.1:9/hook"),
        ("hours", "24"),
        ("account", "x"),
        ("delivery", "x"),
        ("call", "replenish"),
        ("slot", "filter"),
        ("remaining", "1"),
        ("reading", "1"),
        ("customer", TESTER),
        ("decision", "allow"),
        ("note", "x"),
        ("reason", "x"),
        ("return_urls", "https://spy.example/cb"),
        ("overlap_hours", "1"),
        ("intent", "submit"),
        ("confirm_name", "x"),
        ("search", ""),
        ("kind", "skills_kit"),
        ("model_id", "SPY-1"),
        ("category", "water_filter"),
        ("customer_id", "A2SPY"),
        ("test_accounts", "spy@example.com"),
        ("event_types[OrderPlacedNotification]", "on"),
        ("state", "submitted"),
    ] {
        form.push((name.to_owned(), value.to_owned()));
    }
    form
}

async fn post(app: &TestApp, client: &Client, path: &str, form: &[(String, String)]) -> (StatusCode, String) {
    let response =
        client.post(app.url(path)).header(ACCEPT, "application/json").form(form).send().await.expect("call");
    (response.status(), response.text().await.unwrap_or_default())
}

/// A page route with A's IDs in place of its parameters; `None` when it names nothing of A's.
fn page_of_a(route: &str, a: &TenantA) -> Option<String> {
    let mut named = false;
    let path = route
        .split('/')
        .map(|part| {
            let name = part.trim_start_matches([':', '{']).trim_end_matches('}');
            if part.starts_with([':', '{']) {
                if let Some(id) = a.ids.get(name) {
                    named = true;
                    return id.clone();
                }
                return "unknown".to_owned();
            }
            part.to_owned()
        })
        .collect::<Vec<_>>()
        .join("/");
    named.then_some(path)
}

#[tokio::test]
async fn every_route_and_server_function_of_one_organization_is_closed_to_everyone_else() {
    let (linked, a) = tenant_a().await;
    let app = &linked.app;
    let member_of_b = app.stranger("owner-b@example.com", "Organization B").await;
    let customer = client_for(app.address);
    let signed_in = [("email", TESTER), ("password", PASSWORD)];
    ok_json(app.call_with(&customer, "my_sign_in", &signed_in).await, "customer sign-in").await;
    let signed_out = client_for(app.address);
    let visitors =
        [("a member of B", &member_of_b), ("a customer", &customer), ("a signed-out visitor", &signed_out)];

    let routes: Vec<String> =
        server::startup::page_routes().into_iter().map(|route| route.path().to_owned()).collect();
    let pages: Vec<String> = routes.iter().filter_map(|route| page_of_a(route, &a)).collect();
    assert!(pages.len() >= 15, "the route list names A's pages: {routes:?}");
    for page in &pages {
        for (who, client) in visitors {
            let response = client.get(app.url(page)).send().await.expect("page");
            let status = response.status();
            let location =
                response.headers().get(LOCATION).and_then(|l| l.to_str().ok()).unwrap_or("").to_owned();
            let body = response.text().await.unwrap_or_default();
            // Without a member's session a page answers 401 with the way to sign in (or redirects there).
            let to_sign_in = (status.is_redirection() || status == StatusCode::UNAUTHORIZED)
                && location.starts_with("/signin");
            assert!(
                status == StatusCode::NOT_FOUND || to_sign_in,
                "{who} got {status} for {page} ({location})"
            );
            assert!(
                !body.contains("Water Purifier") && !body.contains("Filter Makers"),
                "{who} saw A on {page}"
            );
        }
    }

    let form = superset_form(&a);
    let functions: Vec<String> = leptos::server_fn::axum::server_fn_paths()
        .map(|(path, _)| path.to_owned())
        .filter(|path| {
            let name = path.trim_start_matches("/api/");
            !NOT_TENANT_OWNED.contains(&name) && !REVIEWER_ONLY.contains(&name)
        })
        .collect();
    assert!(functions.len() >= 40, "the registry lists the organization functions: {functions:?}");
    for path in &functions {
        for (who, client) in visitors {
            let (status, body) = post(app, client, path, &form).await;
            let expected: &[StatusCode] = if who == "a member of B" {
                &[StatusCode::NOT_FOUND]
            } else {
                &[StatusCode::UNAUTHORIZED, StatusCode::NOT_FOUND]
            };
            assert!(expected.contains(&status), "{who} got {status} from {path}: {body}");
        }
    }
    for path in REVIEWER_ONLY {
        let (status, body) = post(app, &member_of_b, &format!("/api/{path}"), &form).await;
        assert!(
            [StatusCode::FORBIDDEN, StatusCode::NOT_FOUND].contains(&status),
            "a member who is no reviewer got {status} from {path}: {body}"
        );
    }

    // Nothing of A changed.
    let device =
        app::entities::device::Entity::find_by_id(&a.ids["device"]).one(&app.db).await.expect("query");
    assert_eq!(device.expect("A's device").name, "Water Purifier");
    let order = replenishment_order::Entity::find_by_id(&a.ids["order"]).one(&app.db).await.expect("query");
    assert_eq!(order.expect("A's order").status, "Pending");
}
