//! The runtime API over HTTP, as a maker's cloud and a customer use it: security profiles, the consent
//! page, the token endpoint and every DRS call with its errors.

mod support;

use app::entities::{customer, device_marketplace, oauth_code, registration};
use app::models::consent::choice_field;
use reqwest::header::{ACCEPT, AUTHORIZATION, LOCATION};
use reqwest::{Method, StatusCode};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use serde_json::{json, Value};
use std::collections::HashMap;
use support::fixtures::*;
use support::runtime::*;
use support::smtp::link_path;
use support::{client_for, spawn_app, TestApp, PASSWORD};

async fn roll_secret(app: &TestApp, org: &str, profile: &str, overlap_hours: &str) -> reqwest::Response {
    app.call(
        "roll_security_profile_secret",
        &[("org", org), ("profile", profile), ("overlap_hours", overlap_hours)],
    )
    .await
}

#[tokio::test]
async fn a_security_profile_shows_its_secret_once_rolls_with_an_overlap_and_revokes() {
    let app = spawn_app().await;
    let org = app.signed_in_owner(MAKER, "Filter Makers").await;
    let refused = app
        .call(
            "create_security_profile",
            &[("org", &org), ("name", ""), ("return_urls", "http://cloud.example/cb")],
        )
        .await;
    let body: Value =
        serde_json::from_str(&expect_status(refused, StatusCode::BAD_REQUEST, "bad profile").await)
            .expect("json");
    assert!(body["Validation"]["messages"]["name"].is_string(), "{body}");
    assert!(
        body["Validation"]["messages"]["return_urls"].as_str().unwrap_or_default().contains("https"),
        "{body}"
    );

    let (client_id, secret) = create_profile(&app, &org, RETURN_URL).await;
    assert!(client_id.starts_with("amzn1.application-oa2-client."));
    let again = ok_json(app.call("load_security_profiles", &[("org", &org)]).await, "reload").await;
    assert!(again["fresh_secret"].is_null(), "the secret is shown once: {again}");
    let profile = again["profiles"][0]["id"].as_str().expect("profile").to_owned();
    let stored = app::entities::security_profile::Entity::find_by_id(&profile)
        .one(&app.db)
        .await
        .expect("q")
        .expect("row");
    assert_ne!(stored.secret_hash, secret, "stored hashed");

    let authenticate = |secret: String| {
        let (db, client_id) = (app.db.clone(), client_id.clone());
        async move {
            app::services::security_profiles::authenticate_client(&db, &client_id, &secret)
                .await
                .expect("ok")
                .is_some()
        }
    };
    assert!(authenticate(secret.clone()).await);
    ok_json(roll_secret(&app, &org, &profile, "24").await, "roll").await;
    let rolled = ok_json(app.call("load_security_profiles", &[("org", &org)]).await, "after roll").await;
    let new_secret = rolled["fresh_secret"]["secret"].as_str().expect("new secret").to_owned();
    assert!(authenticate(new_secret.clone()).await, "the new secret works");
    assert!(authenticate(secret.clone()).await, "the old one still works during the overlap");
    assert!(rolled["profiles"][0]["previous_secret_until"].is_string());
    ok_json(roll_secret(&app, &org, &profile, "0").await, "roll now").await;
    assert!(!authenticate(new_secret).await, "no overlap: the previous secret stops at once");
    let bad_overlap = roll_secret(&app, &org, &profile, "5").await;
    expect_status(bad_overlap, StatusCode::BAD_REQUEST, "overlap outside the choices").await;

    let viewer = app.add_member(&org, "viewer@example.com", "viewer").await;
    let forbidden =
        app.call_with(&viewer, "revoke_security_profile", &[("org", &org), ("profile", &profile)]).await;
    expect_status(forbidden, StatusCode::FORBIDDEN, "a viewer cannot revoke").await;
    let stranger = app.stranger("other@example.com", "Other").await;
    for (endpoint, form) in [
        ("load_security_profiles", vec![("org", org.as_str())]),
        ("revoke_security_profile", vec![("org", org.as_str()), ("profile", profile.as_str())]),
    ] {
        expect_status(app.call_with(&stranger, endpoint, &form).await, StatusCode::NOT_FOUND, endpoint).await;
    }
    let (status, _) = app.page(&format!("/orgs/{org}/settings/security-profiles")).await;
    assert_eq!(status, StatusCode::OK);

    ok_json(app.call("revoke_security_profile", &[("org", &org), ("profile", &profile)]).await, "revoke")
        .await;
    let db = app.db.clone();
    let all_secrets =
        app::services::security_profiles::authenticate_client(&db, &client_id, &secret).await.expect("ok");
    assert!(all_secrets.is_none(), "a revoked profile authenticates nobody");
}

/// A session is saved whole, and once a day a page load saves the copy it read as it began (the renewal).
/// Such a save landing after another tab had a secret issued, or had it shown, neither loses the secret
/// nor shows it again; a page that fails, or another organization's, leaves it for the page it belongs to;
/// a secret never shown ends with its session. One that the previous release kept in the session's data
/// is still shown, once.
#[tokio::test]
async fn a_secret_shown_once_survives_stale_saves_of_its_session_and_ends_with_it() {
    use app::entities::{session, shown_once};
    let app = spawn_app().await;
    let org = app.signed_in_owner(MAKER, "Filter Makers").await;
    let user_id = app.user_by_email(MAKER).await.id;
    let session_now = || async {
        session::Entity::find()
            .filter(session::Column::UserId.eq(&user_id))
            .one(&app.db)
            .await
            .expect("query")
            .expect("the session")
    };
    let db = &app.db;
    let save_stale = |stale: session::Model| async move {
        let saved = session::Entity::update_many()
            .col_expr(session::Column::Data, Expr::value(stale.data))
            .filter(session::Column::Id.eq(stale.id))
            .exec(db)
            .await
            .expect("save");
        assert_eq!(saved.rows_affected, 1);
    };
    let load_tab =
        || async { ok_json(app.call("load_security_profiles", &[("org", &org)]).await, "tab").await };

    let read_before_issue = session_now().await;
    let form = [("org", org.as_str()), ("name", "Cloud"), ("return_urls", RETURN_URL)];
    ok_json(app.call("create_security_profile", &form).await, "create").await;
    save_stale(read_before_issue).await;
    let sister = app.call("create_organization", &[("name", "Sister Company")]).await;
    let sister =
        sister.headers()[LOCATION].to_str().expect("location").trim_start_matches("/orgs/").to_owned();
    let elsewhere = ok_json(app.call("load_security_profiles", &[("org", &sister)]).await, "sister").await;
    assert!(elsewhere["fresh_secret"].is_null(), "not shown on another organization's page {elsewhere}");
    let failed = app.call("load_security_profiles", &[("org", "no-such-org")]).await;
    assert_eq!(failed.status(), StatusCode::NOT_FOUND);
    let tab = load_tab().await;
    assert!(tab["fresh_secret"]["secret"].is_string(), "issued, then a stale save: still shown {tab}");
    let profile = tab["profiles"][0]["id"].as_str().expect("profile").to_owned();

    ok_json(roll_secret(&app, &org, &profile, "0").await, "roll").await;
    let read_while_waiting = session_now().await;
    assert!(load_tab().await["fresh_secret"]["secret"].is_string(), "the rolled secret is shown");
    save_stale(read_while_waiting).await;
    let tab = load_tab().await;
    assert!(tab["fresh_secret"].is_null(), "shown, then a stale save: not shown again {tab}");

    // An instance of the previous release kept the secret in the session's data.
    let mut previous_release = session_now().await;
    let mut data: Value = serde_json::from_str(&previous_release.data).expect("session data");
    data["fresh_secret"] = json!({"profile_id": profile, "client_id": "amzn1.earlier", "secret": "s3cret"});
    previous_release.data = data.to_string();
    save_stale(previous_release).await;
    assert_eq!(load_tab().await["fresh_secret"]["secret"], "s3cret", "shown during a rolling upgrade");
    assert!(load_tab().await["fresh_secret"].is_null(), "and shown once");

    ok_json(roll_secret(&app, &org, &profile, "0").await, "roll again").await;
    let waiting = || async { shown_once::Entity::find().count(&app.db).await.expect("count") };
    assert_eq!(waiting().await, 1);
    app.call("sign_out", &[]).await;
    assert_eq!(waiting().await, 0, "a secret never shown ends with its session");
}

#[tokio::test]
async fn the_consent_page_refuses_unknown_clients_and_return_urls_and_redirects_other_errors_with_state() {
    let (app, _org, _device, client_id, _secret) = approved_device().await;
    let good_scope = scope_data("WP-1", "SN-1");
    let (status, page) =
        app.page(&format!("/ap/oa?{}", authorize_query("amzn1.nobody", RETURN_URL, &good_scope))).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(page.contains("unknown client_id"), "{page}");
    let (status, page) = app
        .page(&format!("/ap/oa?{}", authorize_query(&client_id, "https://cloud.example/other", &good_scope)))
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(page.contains("has not registered"));
    // A repeated parameter is ambiguous: refused on the page, whichever copy is the registered one.
    let repeated = format!(
        "{}&redirect_uri=https%3A%2F%2Fevil.example%2F",
        authorize_query(&client_id, RETURN_URL, &good_scope)
    );
    let (status, page) = app.page(&format!("/ap/oa?{repeated}")).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(page.contains("repeats a parameter"), "{page}");

    let cases = [
        (
            authorize_query(&client_id, RETURN_URL, &good_scope)
                .replace("response_type=code", "response_type=token"),
            "unsupported_response_type",
        ),
        (
            authorize_query(&client_id, RETURN_URL, &good_scope).replace("scope=dash", "scope=other"),
            "invalid_scope",
        ),
        (authorize_query(&client_id, RETURN_URL, "{not json"), "invalid_request"),
        (authorize_query(&client_id, RETURN_URL, &scope_data("NO-SUCH-MODEL", "SN-1")), "invalid_request"),
        (authorize_query(&client_id, RETURN_URL, &scope_data("WP-1", "bad serial!")), "invalid_request"),
    ];
    for (query, error) in cases {
        let response = app.get(&format!("/ap/oa?{query}")).await;
        assert!(response.status().is_redirection(), "{query}: {}", response.status());
        let location = response.headers()[LOCATION].to_str().expect("location").to_owned();
        assert!(location.starts_with(RETURN_URL), "{location}");
        let answer = query_of(&location);
        assert_eq!(answer.get("error").map(String::as_str), Some(error), "{query}");
        assert_eq!(answer.get("state").map(String::as_str), Some("xyz 123"));
    }
    assert_eq!(registration::Entity::find().count(&app.db).await.expect("count"), 0, "nothing stored");
}

#[tokio::test]
async fn a_customer_proves_the_address_before_signing_in_and_sign_up_reveals_no_account() {
    let (app, _org, _device, client_id, _secret) = approved_device().await;
    let query = authorize_query(&client_id, RETURN_URL, &scope_data("WP-1", "SN-3"));
    let sign_up = |email: &'static str, password: &'static str| {
        let (app, query) = (&app, query.clone());
        async move {
            let browser = client_for(app.address);
            let form =
                [("query", query.as_str()), ("email", email), ("password", password), ("marketplace", "US")];
            (app.call_with(&browser, "customer_sign_up", &form).await, browser)
        }
    };

    // Bad input is refused next to its field, and nothing is stored or mailed.
    let (refused, _) = sign_up("not-an-address", "short").await;
    let text = expect_status(refused, StatusCode::BAD_REQUEST, "bad sign-up").await;
    assert!(text.contains("email") && text.contains("password"), "{text}");
    assert_eq!(customer::Entity::find().count(&app.db).await.expect("count"), 0);

    let (answer, browser) = sign_up(TESTER, PASSWORD).await;
    let first = expect_status(answer, StatusCode::OK, "sign-up").await;
    let link = verification_link(&app, TESTER).await;
    // Not signed in yet: the consent page still asks for an account, and the password alone does not
    // open it; a new link is mailed instead.
    assert!(consent_page(&app, &browser, &query).await.contains("Create account"));
    let unverified = app
        .call_with(
            &browser,
            "customer_sign_in",
            &[("query", &query), ("email", TESTER), ("password", PASSWORD)],
        )
        .await;
    let text = expect_status(unverified, StatusCode::BAD_REQUEST, "unverified sign-in").await;
    assert!(text.contains("Verify your email address first"), "{text}");
    assert_eq!(app.inbox().wait_for_count(TESTER, 2).await, 2, "a second link");

    // Signing up again before anyone proved the address answers the same; the password typed last is
    // the one that will work, so nobody can claim an address ahead of its owner.
    let (again, _) = sign_up(TESTER, "another long passphrase").await;
    assert_eq!(expect_status(again, StatusCode::OK, "repeat sign-up").await, first);
    assert_eq!(app.inbox().wait_for_count(TESTER, 3).await, 3, "a third link");
    let third = verification_link(&app, TESTER).await;
    assert_ne!(third, link);
    assert_eq!(customer::Entity::find().count(&app.db).await.expect("count"), 1);

    // The first link still works, signs the customer in and returns to the consent; then no link works.
    let verified = browser
        .post(app.url("/api/verify_customer_email"))
        .header(ACCEPT, "text/html")
        .header("referer", app.url(&link))
        .form(&[("token", token_of(&link))])
        .send()
        .await
        .expect("verify");
    assert!(verified.status().is_redirection(), "{}", verified.status());
    assert_eq!(verified.headers()[LOCATION].to_str().expect("location"), format!("/ap/oa?{query}"));
    assert!(consent_page(&app, &browser, &query).await.contains(&format!("Signed in as {TESTER}")));
    for used in [&link, &third] {
        let reused = app.call_with(&browser, "verify_customer_email", &[("token", &token_of(used))]).await;
        let text = expect_status(reused, StatusCode::BAD_REQUEST, "used link").await;
        assert!(text.contains("already used"), "{text}");
    }
    let stored = customer::Entity::find().one(&app.db).await.expect("customer").expect("row");
    assert!(stored.email_verified_at.is_some());

    // The password typed last works from another browser; the first one no longer does.
    let sign_in = |password: &'static str| {
        let (app, query) = (&app, query.clone());
        async move {
            let other = client_for(app.address);
            let form = [("query", query.as_str()), ("email", TESTER), ("password", password)];
            (app.call_with(&other, "customer_sign_in", &form).await, other)
        }
    };
    expect_status(sign_in(PASSWORD).await.0, StatusCode::BAD_REQUEST, "replaced password").await;
    let (signed_in, other) = sign_in("another long passphrase").await;
    expect_status(signed_in, StatusCode::OK, "verified sign-in").await;
    assert!(consent_page(&app, &other, &query).await.contains(&format!("Signed in as {TESTER}")));

    // Once the address is proven, a sign-up answers the same and mails its owner instead.
    let (known, _) = sign_up(TESTER, PASSWORD).await;
    assert_eq!(expect_status(known, StatusCode::OK, "known address").await, first);
    let notice = app.inbox().wait_for(TESTER, "You already have a Replenish account").await;
    assert_eq!(link_path(&notice.text, "/ap/oa"), format!("/ap/oa?{query}"));
    assert_eq!(customer::Entity::find().count(&app.db).await.expect("count"), 1);
}

#[tokio::test]
async fn a_customer_signs_up_on_the_consent_page_picks_products_and_the_code_works_once() {
    let (app, _org, device, client_id, secret) = approved_device().await;
    let query = authorize_query(&client_id, RETURN_URL, &scope_data("WP-1", "SN-7"));
    let (status, page) = app.page(&format!("/ap/oa?{query}")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("Create account") && page.contains("Sign in"), "{page}");
    let browser = customer(&app, &query, TESTER).await;
    let page = consent_page(&app, &browser, &query).await;
    assert!(
        page.contains("B07XJ8C8F5") && page.contains("B000000001") && page.contains("Notify me only"),
        "{page}"
    );
    assert!(page.contains("Test device"), "not certified: a test registration");

    // A product outside the slot's approved list is refused and nothing is linked.
    let keys: HashMap<String, String> =
        slots_of(&app, &device).await.into_iter().map(|s| (s.slot_id, s.id)).collect();
    let wrong = app
        .call_with(
            &browser,
            "confirm_consent",
            &[("query", &query), ("decision", "allow"), (&choice_field(&keys["filter"]), "B0NOTLISTED")],
        )
        .await;
    expect_status(wrong, StatusCode::BAD_REQUEST, "ASIN outside the list").await;
    assert_eq!(registration::Entity::find().count(&app.db).await.expect("count"), 0);

    let location =
        confirm(&app, &browser, &query, &[(choice_field(&keys["filter"]), "B07XJ8C8F5".into())]).await;
    let code = query_of(&location).remove("code").expect("code");
    let exchange = |code: String, redirect_uri: &'static str, secret: String| {
        let app = &app;
        let client_id = client_id.clone();
        async move {
            token_call(
                app,
                &[
                    ("grant_type", "authorization_code"),
                    ("code", &code),
                    ("redirect_uri", redirect_uri),
                    ("client_id", &client_id),
                    ("client_secret", &secret),
                ],
            )
            .await
        }
    };
    let (status, body) = exchange(code.clone(), RETURN_URL, "wrong secret".into()).await;
    assert_eq!((status, body["error"].as_str()), (StatusCode::UNAUTHORIZED, Some("invalid_client")));
    let (status, body) = exchange(code.clone(), "http://127.0.0.1:9/cb", secret.clone()).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (StatusCode::BAD_REQUEST, Some("invalid_grant")),
        "another redirect URI"
    );
    // HTTP Basic authenticates the client as well as the form fields do.
    let basic =
        base64::Engine::encode(&base64::engine::general_purpose::STANDARD, format!("{client_id}:{secret}"));
    let response = cloud()
        .post(app.url("/auth/o2/token"))
        .header(AUTHORIZATION, format!("Basic {basic}"))
        .form(&[("grant_type", "authorization_code"), ("code", code.as_str()), ("redirect_uri", RETURN_URL)])
        .send()
        .await
        .expect("token");
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()["cache-control"], "no-store");
    let tokens: Value = response.json().await.expect("json");
    let (status, body) = exchange(code, RETURN_URL, secret.clone()).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (StatusCode::BAD_REQUEST, Some("invalid_grant")),
        "a replayed code"
    );

    let refresh = tokens["refresh_token"].as_str().expect("refresh");
    let (status, refreshed) = token_call(
        &app,
        &[
            ("grant_type", "refresh_token"),
            ("refresh_token", refresh),
            ("client_id", &client_id),
            ("client_secret", &secret),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{refreshed}");
    assert_ne!(refreshed["access_token"], tokens["access_token"]);
    let (status, body) = token_call(
        &app,
        &[("grant_type", "password"), ("client_id", &client_id), ("client_secret", &secret)],
    )
    .await;
    assert_eq!((status, body["error"].as_str()), (StatusCode::BAD_REQUEST, Some("unsupported_grant_type")));

    // A code past its five minutes no longer works.
    let location = confirm(&app, &browser, &query, &[]).await;
    let late = query_of(&location).remove("code").expect("code");
    oauth_code::Entity::update_many()
        .col_expr(
            oauth_code::Column::ExpiresAt,
            Expr::value(chrono::Utc::now() - chrono::Duration::seconds(1)),
        )
        .filter(oauth_code::Column::UsedAt.is_null())
        .exec(&app.db)
        .await
        .expect("expire");
    let (status, body) = exchange(late, RETURN_URL, secret).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (StatusCode::BAD_REQUEST, Some("invalid_grant")),
        "an expired code"
    );
    let live = registration::Entity::find()
        .filter(registration::Column::DeregisteredAt.is_null())
        .count(&app.db)
        .await
        .expect("count");
    assert_eq!(live, 1, "linking the same serial again replaced the first registration");
}

#[tokio::test]
async fn declining_sends_access_denied_and_an_account_outside_the_allow_list_cannot_link_before_certification(
) {
    let (app, _org, _device, client_id, _secret) = approved_device().await;
    let query = authorize_query(&client_id, RETURN_URL, &scope_data("WP-1", "SN-9"));
    let stranger = customer(&app, &query, "someone@example.com").await;
    let page = consent_page(&app, &stranger, &query).await;
    assert!(page.contains("not available in your marketplace yet"), "{page}");
    let refused =
        app.call_with(&stranger, "confirm_consent", &[("query", &query), ("decision", "allow")]).await;
    expect_status(refused, StatusCode::BAD_REQUEST, "not allow-listed").await;
    let response = stranger
        .post(app.url("/api/confirm_consent"))
        .header(ACCEPT, "text/html")
        .form(&[("query", query.as_str()), ("decision", "deny")])
        .send()
        .await
        .expect("deny");
    let answer = query_of(response.headers()[LOCATION].to_str().expect("location"));
    assert_eq!(answer.get("error").map(String::as_str), Some("access_denied"));
    assert_eq!(answer.get("state").map(String::as_str), Some("xyz 123"));
    assert_eq!(registration::Entity::find().count(&app.db).await.expect("count"), 0);
}

#[tokio::test]
async fn service_calls_check_the_token_and_the_type_headers_and_echo_the_result_type() {
    let linked = linked().await;
    let app = &linked.app;
    let (status, headers, body) = drs(
        app,
        Method::POST,
        "/slotStatus/filter",
        &linked.access,
        SLOT_STATUS,
        Some(("application/json", slot_status_json())),
    )
    .await;
    assert_eq!((status, body.clone()), (StatusCode::OK, json!({})));
    assert_eq!(headers["x-amzn-type-version"], format!("{PREFIX}DrsSlotStatusResult@1.0"));
    assert_eq!(headers["content-type"], "application/json");

    for token in ["", "not-a-token", linked.refresh.as_str()] {
        let (status, _, body) = drs(
            app,
            Method::POST,
            "/slotStatus/filter",
            token,
            SLOT_STATUS,
            Some(("application/json", slot_status_json())),
        )
        .await;
        assert_eq!(
            (status, body),
            (StatusCode::BAD_REQUEST, json!({"message": "Invalid token"})),
            "token {token:?}"
        );
    }
    let (status, _, body) = drs(
        app,
        Method::POST,
        "/slotStatus/filter",
        &linked.access,
        ("DrsSlotStatusInput@9.9", "DrsSlotStatusResult@1.0"),
        Some(("application/json", slot_status_json())),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(body["message"].as_str().unwrap_or_default().contains("DrsSlotStatusInput@1.0"), "{body}");
    let (status, _, body) = drs(
        app,
        Method::POST,
        "/slotStatus/filter",
        &linked.access,
        ("DrsSlotStatusInput@1.0", "Nope@1.0"),
        Some(("application/json", slot_status_json())),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(body["message"].as_str().unwrap_or_default().contains("DrsSlotStatusResult@1.0"), "{body}");
    let missing = cloud()
        .post(app.url("/slotStatus/filter"))
        .header(AUTHORIZATION, format!("Bearer {}", linked.access))
        .send()
        .await
        .expect("call");
    assert_eq!(missing.status(), StatusCode::BAD_REQUEST);
    assert!(missing.text().await.expect("body").contains("x-amzn-type-version"));

    // An access token past its hour is refused like an unknown one.
    app::entities::oauth_token::Entity::update_many()
        .col_expr(
            app::entities::oauth_token::Column::ExpiresAt,
            Expr::value(chrono::Utc::now() - chrono::Duration::seconds(1)),
        )
        .filter(app::entities::oauth_token::Column::Kind.eq("access"))
        .exec(&app.db)
        .await
        .expect("expire");
    let (status, _, body) = drs(
        app,
        Method::POST,
        "/slotStatus/filter",
        &linked.access,
        SLOT_STATUS,
        Some(("application/json", slot_status_json())),
    )
    .await;
    assert_eq!((status, body), (StatusCode::BAD_REQUEST, json!({"message": "Invalid token"})));
}

#[tokio::test]
async fn slot_status_takes_json_or_form_bodies_and_refuses_bad_input_without_storing_it() {
    let linked = linked().await;
    let app = &linked.app;
    let form = "expectedReplenishmentDate=2026-12-01&remainingQuantityInUnit=1&originalQuantityInUnit=4&totalQuantityOnHand=1&lastUseDate=2026-11-20T10%3A00%3A00%2B01%3A00".to_owned();
    let (status, _, _) = drs(
        app,
        Method::POST,
        "/slotStatus/filter",
        &linked.access,
        SLOT_STATUS,
        Some(("application/x-www-form-urlencoded", form)),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let stored = stored_slot(&linked, "filter").await;
    assert_eq!(stored.remaining_quantity, Some(1.0));
    assert_eq!(stored.last_use_at.map(|at| at.to_rfc3339()), Some("2026-11-20T09:00:00+00:00".to_owned()));

    let with = |field: &str, value: Value| {
        let mut body: Value = serde_json::from_str(&slot_status_json()).expect("json");
        body[field] = value;
        body.to_string()
    };
    let bad = [
        ("application/json", with("remainingQuantityInUnit", json!(-1)), "must not be negative"),
        ("application/json", with("remainingQuantityInUnit", json!("3")), "must be a number"),
        ("application/json", with("lastUseDate", json!("yesterday")), "ISO-8601"),
        (
            "application/json",
            with("unknownField", json!("ignored")).replace("\"lastUseDate\"", "\"lastUse\""),
            "lastUseDate is required",
        ),
        ("application/json", "{\"remainingQuantityInUnit\": ".to_owned(), "not valid JSON"),
        ("text/plain", slot_status_json(), "Content-Type"),
    ];
    for (content_type, body, expected) in bad {
        let (status, _, answer) = drs(
            app,
            Method::POST,
            "/slotStatus/filter",
            &linked.access,
            SLOT_STATUS,
            Some((content_type, body)),
        )
        .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{expected}");
        assert!(answer["message"].as_str().unwrap_or_default().contains(expected), "{expected}: {answer}");
    }
    let huge = format!("{{\"pad\":\"{}\"}}", "x".repeat(17 * 1024));
    let (status, _, answer) = drs(
        app,
        Method::POST,
        "/slotStatus/filter",
        &linked.access,
        SLOT_STATUS,
        Some(("application/json", huge)),
    )
    .await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE, "{answer}");
    let (status, _, answer) = drs(
        app,
        Method::POST,
        "/slotStatus/no-such-slot",
        &linked.access,
        SLOT_STATUS,
        Some(("application/json", slot_status_json())),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{answer}");
    assert_eq!(stored_slot(&linked, "filter").await, stored, "nothing refused was stored");
    // Unknown fields are ignored.
    let (status, _, _) = drs(
        app,
        Method::POST,
        "/slotStatus/filter",
        &linked.access,
        SLOT_STATUS,
        Some(("application/json", with("extra", json!({"a": 1})))),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
}

#[tokio::test]
async fn device_status_subscription_info_and_deregistration_follow_the_contract() {
    let linked = linked().await;
    let app = &linked.app;
    let device_status = ("DrsDeviceStatusInput@1.0", "DrsDeviceStatusResult@1.0");
    let (status, _, _) = drs(
        app,
        Method::POST,
        "/deviceStatus",
        &linked.access,
        device_status,
        Some(("application/json", json!({"mostRecentlyActiveDate": "2026-11-22T12:00:00Z"}).to_string())),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let (status, _, _) =
        drs(app, Method::POST, "/deviceStatus/2026-11-23T12:00:00Z", &linked.access, device_status, None)
            .await;
    assert_eq!(status, StatusCode::OK);
    let stored = registration::Entity::find().one(&app.db).await.expect("q").expect("registration");
    assert_eq!(stored.last_active_at.map(|at| at.to_rfc3339()), Some("2026-11-23T12:00:00+00:00".into()));
    let (status, _, _) =
        drs(app, Method::POST, "/deviceStatus/not-a-date", &linked.access, device_status, None).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);

    let (status, headers, v1) = subscription_v1(app, &linked.access).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(headers["x-amzn-type-version"], format!("{PREFIX}DrsSubscriptionInfoResult@1.0"));
    assert_eq!(v1, json!({"slotsSubscriptionStatus": {"filter": true, "salt": false}}));
    let (_, headers, v2) = drs(
        app,
        Method::GET,
        "/subscriptionInfo",
        &linked.access,
        ("DrsSubscriptionInfoInput@1.0", "DrsSubscriptionInfoResult@2.0"),
        None,
    )
    .await;
    assert_eq!(headers["x-amzn-type-version"], format!("{PREFIX}DrsSubscriptionInfoResult@2.0"));
    assert_eq!(
        v2["slotsSubscriptionStatus"]["filter"],
        json!({"subscribed": true, "productInfoList": [{"asin": "B000000001", "quantity": 2.0, "unit": "L"}]})
    );
    assert_eq!(v2["slotsSubscriptionStatus"]["salt"], json!({"subscribed": false, "productInfoList": []}));

    let deregister_v1 = ("DrsDeregisterInput@1.0", "DrsDeregisterResult@1.0");
    let (status, _, _) = drs(
        app,
        Method::DELETE,
        "/deviceModels/WP-1/devices/OTHER/registration",
        &linked.access,
        deregister_v1,
        None,
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND, "another serial");
    let (status, _, body) = drs(
        app,
        Method::DELETE,
        "/deviceModels/WP-1/devices/SN-0001/registration",
        &linked.access,
        deregister_v1,
        None,
    )
    .await;
    assert_eq!((status, body), (StatusCode::OK, json!({})));
    let (status, _, body) = subscription_v1(app, &linked.access).await;
    assert_eq!(
        (status, body),
        (StatusCode::BAD_REQUEST, json!({"message": "Invalid token"})),
        "deregistration revokes the access token"
    );
    let (status, body) = token_call(
        app,
        &[
            ("grant_type", "refresh_token"),
            ("refresh_token", &linked.refresh),
            ("client_id", &linked.client_id),
            ("client_secret", &linked.secret),
        ],
    )
    .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (StatusCode::BAD_REQUEST, Some("invalid_grant")),
        "and the refresh token"
    );
}

#[tokio::test]
async fn replenish_places_one_test_order_answers_in_progress_until_cancelled_and_repeats_idempotent_answers()
{
    let linked = linked().await;
    let app = &linked.app;
    let (status, first) = replenish(&linked, "filter").await;
    assert_eq!(status, StatusCode::OK, "{first}");
    assert_eq!(first["detailCode"], "TEST_ORDER_PLACED");
    let instance = first["eventInstanceId"].as_str().expect("instance").to_owned();
    let (_, again) = replenish(&linked, "filter").await;
    assert_eq!(again, json!({"eventInstanceId": instance, "detailCode": "ORDER_INPROGRESS"}));
    let (status, body) = replenish(&linked, "salt").await;
    assert_eq!((status, body), (StatusCode::BAD_REQUEST, json!({"message": "slot is not subscribed"})));
    let (status, _) = replenish(&linked, "nope").await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    let order_info = ("DrsOrderInfoInput@1.0", "DrsOrderInfoResult@1.0");
    let (status, _, info) =
        drs(app, Method::GET, &format!("/getOrderInfo/{instance}"), &linked.access, order_info, None).await;
    assert_eq!(status, StatusCode::OK);
    let item = &info["orderInfoData"]["orderItems"][0];
    assert_eq!(info["orderInfoData"]["instanceId"], instance.as_str());
    assert_eq!(
        (item["asin"].as_str(), item["slotId"].as_str(), item["status"].as_str(), item["quantity"].as_i64()),
        (Some("B000000001"), Some("filter"), Some("Pending"), Some(1))
    );
    assert!(item["expectedDeliveryDate"].as_str().is_some_and(|d| d.ends_with('Z')));
    let (status, _, _) =
        drs(app, Method::GET, "/getOrderInfo/unknown", &linked.access, order_info, None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    let cancel = ("DrsCancelTestOrdersInput@1.0", "DrsCancelTestOrdersResult@1.0");
    let (status, _, body) =
        drs(app, Method::DELETE, "/testOrders/slots/filter", &linked.access, cancel, None).await;
    assert_eq!(
        (status, body),
        (
            StatusCode::OK,
            json!({"slotOrderStatuses": [{"slotId": "filter", "orderStatus": "NO_ORDER_IN_PROGRESS"}]})
        )
    );
    let (_, _, info) =
        drs(app, Method::GET, &format!("/getOrderInfo/{instance}"), &linked.access, order_info, None).await;
    assert_eq!(info["orderInfoData"]["orderItems"][0]["status"], "Cancelled");
    let (_, _, body) = drs(app, Method::DELETE, "/testOrders", &linked.access, cancel, None).await;
    assert_eq!(body["slotOrderStatuses"].as_array().map(Vec::len), Some(2));
    let (status, _, _) = drs(app, Method::DELETE, "/testOrders/nope", &linked.access, cancel, None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    // With an Idempotency-Key the first answer comes back, even after the order state changed.
    let keyed = || {
        cloud()
            .post(app.url("/replenish/filter"))
            .header(AUTHORIZATION, format!("Bearer {}", linked.access))
            .header("x-amzn-type-version", format!("{PREFIX}{}", REPLENISH.0))
            .header("x-amzn-accept-type", format!("{PREFIX}{}", REPLENISH.1))
            .header("Idempotency-Key", "retry-42")
            .send()
    };
    let placed: Value = keyed().await.expect("call").json().await.expect("json");
    assert_eq!(placed["detailCode"], "TEST_ORDER_PLACED");
    let repeated: Value = keyed().await.expect("call").json().await.expect("json");
    assert_eq!(repeated, placed);
    assert_eq!(order_count(app).await, 2);
}

#[tokio::test]
async fn a_certified_marketplace_places_standard_orders_and_another_registration_sees_none_of_them() {
    let linked = linked().await;
    let app = &linked.app;
    device_marketplace::Entity::update_many()
        .col_expr(device_marketplace::Column::CertificationState, Expr::value("certified"))
        .col_expr(device_marketplace::Column::CertifiedAt, Expr::value(app::services::now()))
        .filter(device_marketplace::Column::DeviceId.eq(&linked.device))
        .exec(&app.db)
        .await
        .expect("certify");
    let query = authorize_query(&linked.client_id, RETURN_URL, &scope_data("WP-1", "SN-LIVE"));
    let browser = customer(app, &query, "buyer@example.com").await;
    let choice = [(choice_field(&linked.keys["filter"]), "B07XJ8C8F5".to_owned())];
    let location = confirm(app, &browser, &query, &choice).await;
    let code = query_of(&location).remove("code").expect("code");
    let (_, tokens) = token_call(
        app,
        &[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("redirect_uri", RETURN_URL),
            ("client_id", &linked.client_id),
            ("client_secret", &linked.secret),
        ],
    )
    .await;
    let live = Linked { access: tokens["access_token"].as_str().expect("access").to_owned(), ..linked };
    let (_, order) = replenish(&live, "filter").await;
    assert_eq!(order["detailCode"], "STANDARD_ORDER_PLACED", "{order}");

    // The tester's registration (another serial) cannot read the buyer's order.
    let instance = order["eventInstanceId"].as_str().expect("instance");
    let (status, _, _) = drs(
        &live.app,
        Method::GET,
        &format!("/getOrderInfo/{instance}"),
        &live.refresh,
        ("DrsOrderInfoInput@1.0", "DrsOrderInfoResult@1.0"),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "a refresh token is not an access token");
    let other = linked_again(&live).await;
    let (status, _, _) = drs(
        &live.app,
        Method::GET,
        &format!("/getOrderInfo/{instance}"),
        &other,
        ("DrsOrderInfoInput@1.0", "DrsOrderInfoResult@1.0"),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND, "another registration's order");
}

/// A fresh access token of the tester's registration, through the refresh grant.
async fn linked_again(linked: &Linked) -> String {
    let (status, tokens) = token_call(
        &linked.app,
        &[
            ("grant_type", "refresh_token"),
            ("refresh_token", &linked.refresh),
            ("client_id", &linked.client_id),
            ("client_secret", &linked.secret),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{tokens}");
    tokens["access_token"].as_str().expect("access").to_owned()
}

#[tokio::test]
async fn fifty_concurrent_replenish_calls_on_one_slot_create_exactly_one_order() {
    let linked = std::sync::Arc::new(linked().await);
    let calls = (0..50).map(|_| {
        let linked = linked.clone();
        tokio::spawn(async move { replenish(&linked, "filter").await })
    });
    let answers: Vec<(StatusCode, Value)> =
        futures_join(calls.collect()).await.into_iter().map(|joined| joined.expect("task")).collect();
    assert!(answers.iter().all(|(status, _)| *status == StatusCode::OK), "{answers:?}");
    let placed = answers.iter().filter(|(_, body)| body["detailCode"] == "TEST_ORDER_PLACED").count();
    assert_eq!(placed, 1, "{answers:?}");
    let instances: std::collections::HashSet<_> =
        answers.iter().map(|(_, body)| body["eventInstanceId"].clone()).collect();
    assert_eq!(instances.len(), 1, "every answer names the one order");
    assert_eq!(order_count(&linked.app).await, 1);
}

async fn futures_join<T>(handles: Vec<tokio::task::JoinHandle<T>>) -> Vec<Result<T, tokio::task::JoinError>> {
    let mut results = Vec::with_capacity(handles.len());
    for handle in handles {
        results.push(handle.await);
    }
    results
}

/// A customer's session, like a maker's, ends after a week without use: the customer's pages save it
/// again once a day, with a fresh cookie, and write nothing in between.
#[tokio::test]
async fn a_customer_session_in_use_is_renewed_once_a_day() {
    use app::entities::session;
    let (app, _org, _device, client_id, _secret) = approved_device().await;
    let query = authorize_query(&client_id, RETURN_URL, &scope_data("WP-1", "SN-0001"));
    let browser = customer(&app, &query, TESTER).await;
    let customer_sessions = || session::Entity::find().filter(session::Column::Data.contains("customer_id"));
    let load = |path: String| {
        let browser = browser.clone();
        let url = app.url(&path);
        async move {
            let response = browser.get(url).send().await.expect("page");
            assert_eq!(response.status(), StatusCode::OK, "{path}");
            response.headers().get("set-cookie").map(|v| v.to_str().expect("cookie").to_owned())
        }
    };
    assert_eq!(load("/my".into()).await, None, "a session saved today is not saved again");
    for page in ["/my".to_owned(), format!("/ap/oa?{query}")] {
        age_customer_sessions(&app).await;
        let cookie = load(page.clone()).await.unwrap_or_else(|| panic!("{page} renews the session"));
        assert!(cookie.starts_with("replenish_session=") && cookie.contains("Max-Age=604800"), "{cookie}");
        let renewed = customer_sessions()
            .filter(session::Column::ExpiresAt.gt(chrono::Utc::now() + chrono::Duration::days(6)))
            .count(&app.db)
            .await
            .expect("count");
        assert_eq!(renewed, 1, "{page} moved the expiry a week ahead");
        assert_eq!(load(page.clone()).await, None, "{page} renewed once");
    }
}

/// Gives every customer session the expiry of one saved two days ago.
async fn age_customer_sessions(app: &TestApp) {
    use app::entities::session;
    let saved_two_days_ago = chrono::Utc::now() + chrono::Duration::days(5);
    session::Entity::update_many()
        .col_expr(session::Column::ExpiresAt, Expr::value(saved_two_days_ago))
        .filter(session::Column::Data.contains("customer_id"))
        .exec(&app.db)
        .await
        .expect("age the sessions");
}

#[tokio::test]
async fn a_customer_changes_products_turns_replenishment_off_and_cancels_during_the_hold() {
    let linked = linked().await;
    let app = &linked.app;
    let (_, order) = replenish(&linked, "filter").await;
    let order_id = order["eventInstanceId"].as_str().expect("order").to_owned();
    let (status, page) = app.page("/my").await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("Sign in with your Replenish customer account"), "signed out: {page}");

    let browser = client_for(app.address);
    ok_json(
        app.call_with(&browser, "my_sign_in", &[("email", TESTER), ("password", PASSWORD)]).await,
        "sign in",
    )
    .await;
    let account = ok_json(app.call_with(&browser, "load_my_account", &[]).await, "account").await;
    let device = &account["devices"][0];
    let registration = device["registration_id"].as_str().expect("registration").to_owned();
    let salt = device["slots"]
        .as_array()
        .expect("slots")
        .iter()
        .find(|s| s["choices"].as_array().is_some_and(Vec::is_empty))
        .expect("salt slot");
    let salt_key = salt["key"].as_str().expect("key").to_owned();
    assert_eq!(account["orders"][0]["cancellable"], true);
    let page = browser.get(app.url("/my")).send().await.expect("page").text().await.expect("body");
    assert!(page.contains("SN-0001") && page.contains("Cancel order for B000000001"), "{page}");

    let refused = app
        .call_with(
            &browser,
            "change_product",
            &[("registration", &registration), ("slot", &salt_key), ("choice", "not an asin")],
        )
        .await;
    expect_status(refused, StatusCode::BAD_REQUEST, "a bad ASIN").await;
    ok_json(
        app.call_with(
            &browser,
            "change_product",
            &[("registration", &registration), ("slot", &salt_key), ("choice", "B0SALT0001")],
        )
        .await,
        "change",
    )
    .await;
    let (_, _, v1) = subscription_v1(app, &linked.access).await;
    assert_eq!(v1, json!({"slotsSubscriptionStatus": {"filter": true, "salt": true}}));
    let changed = app::entities::notification::Entity::find()
        .filter(app::entities::notification::Column::NotificationType.eq("SubscriptionChangedNotification"))
        .count(&app.db)
        .await
        .expect("count");
    assert_eq!(changed, 1);

    // Another customer can neither change nor cancel anything of this one.
    let query = authorize_query(&linked.client_id, RETURN_URL, &scope_data("WP-1", "SN-OTHER"));
    let other = customer(app, &query, "qa@example.com").await;
    for (endpoint, form) in [
        (
            "change_product",
            vec![("registration", registration.as_str()), ("slot", salt_key.as_str()), ("choice", "notify")],
        ),
        ("cancel_my_order", vec![("order", order_id.as_str())]),
        ("turn_off_replenishment", vec![("registration", registration.as_str())]),
    ] {
        expect_status(app.call_with(&other, endpoint, &form).await, StatusCode::NOT_FOUND, endpoint).await;
    }
    let (status, _) = app.page(&format!("/my/orders/{order_id}/cancel?token=forged")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    ok_json(app.call_with(&browser, "cancel_my_order", &[("order", &order_id)]).await, "cancel").await;
    let account = ok_json(app.call_with(&browser, "load_my_account", &[]).await, "account").await;
    assert_eq!(account["orders"][0]["status"], "Cancelled");
    expect_status(
        app.call_with(&browser, "cancel_my_order", &[("order", &order_id)]).await,
        StatusCode::BAD_REQUEST,
        "twice",
    )
    .await;

    ok_json(
        app.call_with(&browser, "turn_off_replenishment", &[("registration", &registration)]).await,
        "off",
    )
    .await;
    let (status, _, body) = subscription_v1(app, &linked.access).await;
    assert_eq!((status, body), (StatusCode::BAD_REQUEST, json!({"message": "Invalid token"})));
    let account = ok_json(app.call_with(&browser, "load_my_account", &[]).await, "account").await;
    assert_eq!(account["devices"].as_array().map(Vec::len), Some(0), "the device is no longer listed");
}

#[tokio::test]
async fn the_openapi_document_and_the_docs_page_describe_every_call_the_server_answers() {
    let app = spawn_app().await;
    let response = app.get("/api/openapi.json").await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()["content-type"], "application/json");
    let document: Value = response.json().await.expect("json");
    assert_eq!(document["openapi"], "3.1.0");
    let (_, docs) = app.page("/docs").await;
    for call in app::models::contract::CALLS {
        let operation = &document["paths"][call.path][call.method.to_ascii_lowercase()];
        assert_eq!(operation["operationId"], call.operation, "{} {}", call.method, call.path);
        let versions = operation["parameters"]
            .as_array()
            .expect("parameters")
            .iter()
            .find(|p| p["name"] == "x-amzn-accept-type")
            .expect("accept header");
        assert_eq!(versions["schema"]["enum"].as_array().map(Vec::len), Some(call.result_types.len()));
        // The route exists: without a token it answers the contract's token error, not 404.
        let concrete = call
            .path
            .replace("{slotId}", "filter")
            .replace("{instanceId}", "x")
            .replace("{mostRecentlyActiveDate}", "2026-11-23")
            .replace("{modelId}", "WP-1")
            .replace("{serial}", "SN-1");
        let method = reqwest::Method::from_bytes(call.method.as_bytes()).expect("method");
        let answer = cloud().request(method, app.url(&concrete)).send().await.expect("call");
        assert_eq!(answer.status(), StatusCode::BAD_REQUEST, "{} {concrete}", call.method);
        assert_eq!(answer.json::<Value>().await.expect("json"), json!({"message": "Invalid token"}));
        assert!(
            docs.contains(&format!("{} {}", call.method, call.path)),
            "the docs page shows {}",
            call.path
        );
    }
    assert!(document["paths"]["/auth/o2/token"]["post"].is_object());
    assert!(document["paths"]["/ap/oa"]["get"].is_object());
    assert_eq!(document["paths"]["/v3/events"]["post"]["operationId"], "inventoryEvents");
    assert!(docs.contains("/v3/events"));
    // Any runtime call declaring a body over 16 KiB is refused before it is read.
    let large = cloud()
        .post(app.url("/replenish/filter"))
        .header("content-length", "20000")
        .body(vec![b'x'; 20_000])
        .send()
        .await
        .expect("call");
    assert_eq!(large.status(), StatusCode::PAYLOAD_TOO_LARGE);
}

#[tokio::test]
async fn a_registration_over_its_rate_gets_429_with_retry_after() {
    let app = support::spawn_configured(
        support::TestDatabase::fresh().await,
        support::smtp::SmtpServer::start().await,
        &[("RUNTIME_RATE_PER_SECOND", "2")],
    )
    .await;
    let (app, _org, device, client_id, secret) = approved_device_on(app).await;
    let linked = link_device(app, device, client_id, secret).await;
    let types = ("DrsSubscriptionInfoInput@1.0", "DrsSubscriptionInfoResult@1.0");
    let mut statuses = Vec::new();
    let mut retry_after = None;
    for _ in 0..6 {
        let response = cloud()
            .get(linked.app.url("/subscriptionInfo"))
            .header(AUTHORIZATION, format!("Bearer {}", linked.access))
            .header("x-amzn-type-version", format!("com.amazon.dash.replenishment.{}", types.0))
            .header("x-amzn-accept-type", format!("com.amazon.dash.replenishment.{}", types.1))
            .send()
            .await
            .expect("call");
        statuses.push(response.status().as_u16());
        if response.status() == StatusCode::TOO_MANY_REQUESTS {
            retry_after =
                response.headers().get("retry-after").and_then(|v| v.to_str().ok()).map(str::to_owned);
        }
    }
    assert_eq!(&statuses[..4], &[200, 200, 200, 200], "a burst of twice the rate: {statuses:?}");
    assert!(statuses[4..].contains(&429), "{statuses:?}");
    assert_eq!(retry_after.as_deref(), Some("1"));
}

#[tokio::test]
async fn concurrent_slot_status_reports_are_all_acknowledged_and_the_stored_one_is_one_of_them() {
    let linked = std::sync::Arc::new(linked().await);
    let calls = (0..30).map(|i| {
        let linked = linked.clone();
        tokio::spawn(async move {
            let slot = if i == 7 { "nope" } else { "filter" };
            let mut body: Value = serde_json::from_str(&slot_status_json()).expect("json");
            body["remainingQuantityInUnit"] = json!(i);
            let (status, _, _) = drs(
                &linked.app,
                Method::POST,
                &format!("/slotStatus/{slot}"),
                &linked.access,
                SLOT_STATUS,
                Some(("application/json", body.to_string())),
            )
            .await;
            (i, status)
        })
    });
    let mut answers = Vec::new();
    for call in calls.collect::<Vec<_>>() {
        answers.push(call.await.expect("task"));
    }
    for (i, status) in &answers {
        let expected = if *i == 7 { StatusCode::NOT_FOUND } else { StatusCode::OK };
        assert_eq!(*status, expected, "report {i}");
    }
    let stored = stored_slot(&linked, "filter").await.remaining_quantity.expect("stored");
    assert!((0.0..30.0).contains(&stored) && stored != 7.0, "{stored}");
}
