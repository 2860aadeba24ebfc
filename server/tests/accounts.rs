//! Accounts over HTTP: sign-up, verification, sign-in, limits, resets and sessions.

mod support;

use app::entities::{outbox_email, session, user};
use reqwest::StatusCode;
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use support::smtp::link_path;
use support::{client_for, spawn_app, spawn_app_with, PASSWORD};

mod reexport {
    pub use super::support::smtp::SmtpServer;
}
use reexport::*;

#[tokio::test]
async fn sign_up_sends_a_verification_mail_whose_link_lets_the_user_sign_in() {
    let app = spawn_app().await;
    app.sign_up("ada@example.com", "Analytical Engines").await;

    // Not verified yet: sign-in is refused and a fresh link is sent.
    let refused = app.sign_in_with(&app.client, "ada@example.com", PASSWORD).await;
    assert_eq!(refused.status(), StatusCode::BAD_REQUEST);
    assert!(refused.text().await.expect("body").contains("Verify your email address first"));

    let mail = app.inbox().wait_for("ada@example.com", "Verify your email").await;
    assert!(mail.html.contains("/verify?token="), "HTML part carries the link");
    let path = link_path(&mail.text, "/verify");
    let (status, page) = app.page(&path).await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("Verify your email"));

    app.verify("ada@example.com").await;
    app.sign_in("ada@example.com").await;
    let organization = app.first_organization_of("ada@example.com").await;
    let (status, page) = app.page(&format!("/orgs/{organization}")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("Analytical Engines"));
    assert!(page.contains("ada@example.com"));
}

#[tokio::test]
async fn a_verification_link_works_only_once() {
    let app = spawn_app().await;
    app.sign_up("once@example.com", "Once Ltd").await;
    let mail = app.inbox().wait_for("once@example.com", "Verify your email").await;
    let path = link_path(&mail.text, "/verify");
    let token = path.split("token=").nth(1).expect("token");
    assert_eq!(app.call("verify_email", &[("token", token)]).await.status(), StatusCode::OK);
    let again = app.call("verify_email", &[("token", token)]).await;
    assert_eq!(again.status(), StatusCode::BAD_REQUEST);
    assert!(again.text().await.expect("body").contains("invalid, was already used, or has expired"));
}

#[tokio::test]
async fn an_expired_verification_link_is_refused() {
    let app = spawn_app().await;
    app.sign_up("late@example.com", "Late Ltd").await;
    let mail = app.inbox().wait_for("late@example.com", "Verify your email").await;
    let token = link_path(&mail.text, "/verify").split("token=").nth(1).expect("token").to_owned();
    app::entities::account_token::Entity::update_many()
        .col_expr(
            app::entities::account_token::Column::ExpiresAt,
            sea_orm::sea_query::Expr::value(chrono::Utc::now() - chrono::Duration::minutes(1)),
        )
        .exec(&app.db)
        .await
        .expect("expire");
    assert_eq!(app.call("verify_email", &[("token", &token)]).await.status(), StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn sign_up_refuses_bad_fields_names_them_and_stores_nothing() {
    let app = spawn_app().await;
    let response = app
        .call("sign_up", &[("email", "not-an-email"), ("password", "short"), ("organization_name", "X")])
        .await;
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    let body = response.text().await.expect("body");
    assert!(body.contains("email") && body.contains("Enter an email address like"), "{body}");
    assert!(body.contains("Use at least 12 characters"), "{body}");
    assert!(body.contains("2 to 80 characters"), "{body}");
    assert!(body.contains("not-an-email"), "typed values come back: {body}");
    assert!(!body.contains("short\""), "the password is never echoed: {body}");
    assert_eq!(user::Entity::find().count(&app.db).await.expect("count"), 0);
    assert_eq!(outbox_email::Entity::find().count(&app.db).await.expect("count"), 0);
}

#[tokio::test]
async fn signing_up_twice_with_one_address_gives_the_same_answer_and_warns_the_owner() {
    let app = spawn_app().await;
    app.sign_up("twice@example.com", "First").await;
    app.sign_up("twice@example.com", "Second").await;
    app.inbox().wait_for("twice@example.com", "You already have a Replenish account").await;
    assert_eq!(user::Entity::find().count(&app.db).await.expect("count"), 1);
}

#[tokio::test]
async fn wrong_password_and_unknown_email_get_the_same_answer() {
    let app = spawn_app().await;
    app.signed_in_owner("known@example.com", "Known").await;
    let stranger = client_for(app.address);
    let wrong = app.sign_in_with(&stranger, "known@example.com", "not the right password").await;
    let unknown = app.sign_in_with(&stranger, "nobody@example.com", "not the right password").await;
    assert_eq!(wrong.status(), StatusCode::BAD_REQUEST);
    assert_eq!(unknown.status(), wrong.status());
    let wrong = wrong.text().await.expect("body").replace("known@example.com", "EMAIL");
    let unknown = unknown.text().await.expect("body").replace("nobody@example.com", "EMAIL");
    assert_eq!(wrong, unknown, "identical apart from echoing what was typed");
    assert!(wrong.contains("Email or password is incorrect."));
}

#[tokio::test]
async fn sign_in_is_limited_per_account_and_says_when_to_retry() {
    let app = spawn_app().await;
    app.signed_in_owner("target@example.com", "Target").await;
    let attacker = client_for(app.address);
    for _ in 0..app::services::accounts::MAX_FAILURES_PER_ACCOUNT {
        let response = app.sign_in_with(&attacker, "target@example.com", "guess guess guess").await;
        assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    }
    // Even the right password is refused now, with the time to wait.
    let limited = app.sign_in_with(&attacker, "target@example.com", PASSWORD).await;
    assert_eq!(limited.status(), StatusCode::TOO_MANY_REQUESTS);
    let body = limited.text().await.expect("body");
    assert!(body.contains("RateLimited") && body.contains("retry_after_minutes"), "{body}");
    // Another account from the same address is not affected by this account's limit.
    app.signed_in_owner("other@example.com", "Other").await;
}

#[tokio::test]
async fn parallel_guesses_cannot_slip_past_the_limit() {
    let app = spawn_app().await;
    app.signed_in_owner("parallel@example.com", "Parallel").await;
    let mut guesses = tokio::task::JoinSet::new();
    for attempt in 0..12 {
        let client = client_for(app.address);
        let url = app.url("/api/sign_in");
        guesses.spawn(async move {
            let form = [
                ("email", "parallel@example.com".to_owned()),
                ("password", format!("wrong guess number {attempt}")),
            ];
            client
                .post(url)
                .header("accept", "application/json")
                .form(&form)
                .send()
                .await
                .expect("post")
                .status()
        });
    }
    let statuses = guesses.join_all().await;
    let checked = statuses.iter().filter(|s| **s == StatusCode::BAD_REQUEST).count();
    let limited = statuses.iter().filter(|s| **s == StatusCode::TOO_MANY_REQUESTS).count();
    assert_eq!(checked + limited, 12, "{statuses:?}");
    assert!(
        checked as u64 <= app::services::accounts::MAX_FAILURES_PER_ACCOUNT,
        "{checked} passwords were checked"
    );
}

#[tokio::test]
async fn the_session_id_changes_at_sign_in_and_the_cookie_is_http_only_and_lax() {
    let app = spawn_app().await;
    app.sign_up("rotate@example.com", "Rotate").await;
    app.verify("rotate@example.com").await;
    // A session exists before sign-in (a planted one, for example).
    let before =
        app.call("sign_in", &[("email", "rotate@example.com"), ("password", "wrong password here")]).await;
    drop(before);
    let sessions_before: Vec<String> =
        session::Entity::find().all(&app.db).await.expect("sessions").into_iter().map(|s| s.id).collect();
    let response = app.sign_in_with(&app.client, "rotate@example.com", PASSWORD).await;
    let cookie = response
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with("replenish_session="))
        .expect("session cookie")
        .to_owned();
    assert!(cookie.contains("HttpOnly"), "{cookie}");
    assert!(cookie.contains("SameSite=Lax"), "{cookie}");
    assert!(!cookie.contains("Secure"), "http PUBLIC_URL: no Secure flag");
    let signed_in: Vec<session::Model> = session::Entity::find()
        .filter(session::Column::UserId.is_not_null())
        .all(&app.db)
        .await
        .expect("sessions");
    assert_eq!(signed_in.len(), 1);
    assert!(!sessions_before.contains(&signed_in[0].id), "the signed-in session has a new ID");
}

#[tokio::test]
async fn a_session_survives_a_server_restart() {
    let database = support::TestDatabase::fresh().await;
    let smtp = SmtpServer::start().await;
    let first = spawn_app_with(database, smtp).await;
    let organization = first.signed_in_owner("restart@example.com", "Restart").await;
    let cookies = first.client.get(first.url(&format!("/orgs/{organization}"))).send().await.expect("page");
    assert_eq!(cookies.status(), StatusCode::OK);

    // Take the database and the cookie jar over to a second server on another port.
    let support::TestApp { running, smtp, database, client, .. } = first;
    running.stop();
    let second = spawn_app_with(database, smtp).await;
    let response = client.get(second.url(&format!("/orgs/{organization}"))).send().await.expect("page");
    // The cookie was issued for 127.0.0.1 without a port, so the same jar sends it to the new port.
    assert_eq!(response.status(), StatusCode::OK);
    assert!(response.text().await.expect("body").contains("restart@example.com"));
}

#[tokio::test]
async fn signing_out_ends_the_session() {
    let app = spawn_app().await;
    let organization = app.signed_in_owner("leave@example.com", "Leave").await;
    assert_eq!(app.call("sign_out", &[]).await.status(), StatusCode::OK);
    let response = app.get(&format!("/orgs/{organization}")).await;
    assert_eq!(response.status(), StatusCode::FOUND);
    assert!(response.headers()["location"].to_str().expect("location").starts_with("/signin"));
}

/// Portal pages read the session together with its user: one that has passed its expiry must still sign
/// the visitor out, on pages inside an organization and outside any.
#[tokio::test]
async fn a_session_past_its_expiry_signs_the_visitor_out_of_every_page() {
    use sea_orm::sea_query::Expr;
    let app = spawn_app().await;
    let organization = app.signed_in_owner("lapsed@example.com", "Lapsed").await;
    for path in [format!("/orgs/{organization}"), "/account".to_owned()] {
        assert_eq!(app.get(&path).await.status(), StatusCode::OK, "{path} before the expiry");
    }

    let account = app.user_by_email("lapsed@example.com").await;
    let expired = session::Entity::update_many()
        .col_expr(session::Column::ExpiresAt, Expr::value(chrono::Utc::now() - chrono::Duration::seconds(1)))
        .filter(session::Column::UserId.eq(account.id))
        .exec(&app.db)
        .await
        .expect("expire");
    assert_eq!(expired.rows_affected, 1);
    // On PostgreSQL a page may still see the cached session until the change's notification arrives,
    // within milliseconds.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(8);
    while app.get(&format!("/orgs/{organization}")).await.status() == StatusCode::OK
        && std::time::Instant::now() < deadline
    {
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }

    for path in [format!("/orgs/{organization}"), "/account".to_owned()] {
        let response = app.get(&path).await;
        assert_eq!(response.status(), StatusCode::FOUND, "{path} after the expiry");
        let location = response.headers()["location"].to_str().expect("location").to_owned();
        assert!(location.starts_with("/signin"), "{path} sent to {location}");
    }
}

/// Sessions end after a week without use, not a week after sign-in: a session in use is saved again
/// (with a fresh cookie) once a day, and pages in between write nothing.
#[tokio::test]
async fn a_session_in_use_is_renewed_once_a_day_and_not_on_every_page() {
    use sea_orm::sea_query::Expr;
    let app = spawn_app().await;
    let organization = app.signed_in_owner("daily@example.com", "Daily").await;
    let page = format!("/orgs/{organization}");
    let session_of = || async {
        let account = app.user_by_email("daily@example.com").await;
        session::Entity::find()
            .filter(session::Column::UserId.eq(account.id))
            .one(&app.db)
            .await
            .expect("query")
            .expect("session")
    };
    let fresh = app.get(&page).await;
    assert_eq!(fresh.status(), StatusCode::OK);
    assert!(fresh.headers().get("set-cookie").is_none(), "a session saved today is not saved again");

    let expiry_of_a_session_saved_two_days_ago = chrono::Utc::now() + chrono::Duration::days(5);
    session::Entity::update_many()
        .col_expr(session::Column::ExpiresAt, Expr::value(expiry_of_a_session_saved_two_days_ago))
        .filter(session::Column::Id.eq(session_of().await.id))
        .exec(&app.db)
        .await
        .expect("age the session");
    // On PostgreSQL a page may still see the cached session until the change's notification arrives,
    // within milliseconds.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(8);
    let renewed = loop {
        let response = app.get(&page).await;
        assert_eq!(response.status(), StatusCode::OK);
        if response.headers().contains_key("set-cookie") || std::time::Instant::now() > deadline {
            break response;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    };
    let cookie = renewed.headers()["set-cookie"].to_str().expect("cookie").to_owned();
    assert!(cookie.starts_with("replenish_session=") && cookie.contains("Max-Age=604800"), "{cookie}");
    let expires_in = session_of().await.expires_at - chrono::Utc::now();
    assert!(expires_in > chrono::Duration::days(6), "the expiry moved a week ahead: {expires_in}");

    let next = app.get(&page).await;
    assert_eq!(next.status(), StatusCode::OK);
    assert!(next.headers().get("set-cookie").is_none(), "renewed once");
}

/// Secrets shown once, kept beside their session: a newer secret replaces one waiting, one put back after
/// a failed page does not replace a newer one, of two requests taking at once one gets it, and a session
/// that has ended keeps none.
#[tokio::test]
async fn a_secret_shown_once_is_taken_by_one_request_and_put_back_only_over_nothing_newer() {
    use app::services::shown_once::{keep, put_back, take, SIGNING_SECRET};
    use sea_orm::Set;
    let app = spawn_app().await;
    let (db, key) = (&app.db, "a-session-row-key");
    let row = session::ActiveModel {
        id: Set(key.to_owned()),
        user_id: Set(None),
        data: Set("{}".to_owned()),
        expires_at: Set(chrono::Utc::now() + chrono::Duration::days(1)),
    };
    session::Entity::insert(row).exec(db).await.expect("session");
    let take_both = || async {
        let (a, b) =
            tokio::join!(take::<String>(db, key, SIGNING_SECRET), take::<String>(db, key, SIGNING_SECRET));
        let mut taken = [a.expect("take"), b.expect("take")];
        taken.sort();
        taken
    };

    keep(db, key, SIGNING_SECRET, &"first").await.expect("keep");
    keep(db, key, SIGNING_SECRET, &"second").await.expect("keep a newer one");
    put_back(db, key, SIGNING_SECRET, &"first").await.expect("put back");
    assert_eq!(take_both().await, [None, Some("second".to_owned())]);
    put_back(db, key, SIGNING_SECRET, &"second").await.expect("put back");
    assert_eq!(take_both().await, [None, Some("second".to_owned())], "put back over nothing");
    assert_eq!(take_both().await, [None, None]);

    let ended = keep(db, "a-session-that-ended", SIGNING_SECRET, &"third").await;
    assert!(matches!(ended, Err(app::error::AppError::Unauthenticated)), "{ended:?}");
}

#[tokio::test]
async fn password_reset_link_is_single_use_and_ends_every_session() {
    let app = spawn_app().await;
    let organization = app.signed_in_owner("forgetful@example.com", "Forgetful").await;
    let other_browser = app.another_browser("forgetful@example.com").await;

    // Unknown addresses get the same answer and no mail.
    assert_eq!(app.call("forgot_password", &[("email", "ghost@example.com")]).await.status(), StatusCode::OK);
    assert_eq!(
        app.call("forgot_password", &[("email", "forgetful@example.com")]).await.status(),
        StatusCode::OK
    );
    let mail = app.inbox().wait_for("forgetful@example.com", "Reset your Replenish password").await;
    assert_eq!(app.inbox().count_to("ghost@example.com"), 0);
    let token = link_path(&mail.text, "/reset-password").split("token=").nth(1).expect("token").to_owned();

    let weak = app.call("reset_password", &[("token", &token), ("password", "short")]).await;
    assert_eq!(weak.status(), StatusCode::BAD_REQUEST);
    let new_password = "a brand new long passphrase";
    let done = app.call("reset_password", &[("token", &token), ("password", new_password)]).await;
    assert_eq!(done.status(), StatusCode::OK);
    let replay =
        app.call("reset_password", &[("token", &token), ("password", "yet another passphrase")]).await;
    assert_eq!(replay.status(), StatusCode::BAD_REQUEST);

    let page = other_browser.get(app.url(&format!("/orgs/{organization}"))).send().await.expect("page");
    assert_eq!(page.status(), StatusCode::FOUND, "other sessions were ended");
    let fresh = client_for(app.address);
    assert_eq!(
        app.sign_in_with(&fresh, "forgetful@example.com", PASSWORD).await.status(),
        StatusCode::BAD_REQUEST
    );
    assert_eq!(
        app.sign_in_with(&fresh, "forgetful@example.com", new_password).await.status(),
        StatusCode::OK
    );
}

#[tokio::test]
async fn changing_the_password_keeps_this_session_and_ends_the_others() {
    let app = spawn_app().await;
    let organization = app.signed_in_owner("changer@example.com", "Changer").await;
    let other_browser = app.another_browser("changer@example.com").await;

    let wrong = app
        .call(
            "change_password",
            &[("current_password", "not my password"), ("new_password", "another long passphrase")],
        )
        .await;
    assert_eq!(wrong.status(), StatusCode::BAD_REQUEST);
    assert!(wrong.text().await.expect("body").contains("not your current password"));

    let changed = app
        .call(
            "change_password",
            &[("current_password", PASSWORD), ("new_password", "another long passphrase")],
        )
        .await;
    assert_eq!(changed.status(), StatusCode::OK);
    let mine = app.get(&format!("/orgs/{organization}")).await;
    assert_eq!(mine.status(), StatusCode::OK);
    let theirs = other_browser.get(app.url(&format!("/orgs/{organization}"))).send().await.expect("page");
    assert_eq!(theirs.status(), StatusCode::FOUND);
}

#[tokio::test]
async fn a_form_posted_without_javascript_returns_to_the_form_with_the_error_and_typed_values() {
    let app = spawn_app().await;
    let response = app
        .post_form(
            "sign_up",
            &[("email", "typed@example.com"), ("password", "short"), ("organization_name", "Typed Org")],
            "/signup",
        )
        .await;
    assert_eq!(response.status(), StatusCode::FOUND);
    let location = response.headers()["location"].to_str().expect("location").to_owned();
    assert!(location.contains("/signup") && location.contains("__err="), "{location}");
    let path = location.trim_start_matches(&format!("http://{}", app.address)).to_owned();
    let (status, page) = app.page(&path).await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("Use at least 12 characters"), "the field error is rendered");
    assert!(page.contains("value=\"typed@example.com\""), "the typed email is kept");
    assert!(page.contains("value=\"Typed Org\""), "the typed organization name is kept");
    assert_eq!(user::Entity::find().count(&app.db).await.expect("count"), 0);
}

#[tokio::test]
async fn mail_that_cannot_be_delivered_is_kept_and_retried_until_the_server_is_back() {
    // Reserve a port, then leave it closed: the SMTP server is "down".
    let probe = SmtpServer::start().await;
    let address = probe.address;
    let inbox = probe.inbox.clone();
    probe.stop();
    drop(probe);
    tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    let database = support::TestDatabase::fresh().await;
    let running = server::startup::start(support::config(&database.url, &format!("smtp://{address}")))
        .await
        .expect("start");
    let client = client_for(running.address);
    let form = [("email", "patient@example.com"), ("password", PASSWORD), ("organization_name", "Patient")];
    let response = client
        .post(format!("http://{}/api/sign_up", running.address))
        .header("accept", "application/json")
        .form(&form)
        .send()
        .await
        .expect("post");
    assert_eq!(response.status(), StatusCode::OK);

    // The first attempt fails and is recorded; nothing is lost.
    let mut failed = None;
    for _ in 0..100 {
        let row = outbox_email::Entity::find().one(&running.db).await.expect("query").expect("queued mail");
        if row.attempts > 0 {
            failed = Some(row);
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    let failed = failed.expect("a failed attempt is recorded");
    assert!(failed.sent_at.is_none());
    assert!(failed.last_error.is_some());
    assert!(failed.next_attempt_at > failed.created_at, "the retry is scheduled with a delay");

    // The server comes back; the retry (made due now instead of waiting 10 s) delivers it once.
    let _back = SmtpServer::start_on(address, inbox.clone()).await;
    outbox_email::Entity::update_many()
        .col_expr(outbox_email::Column::NextAttemptAt, sea_orm::sea_query::Expr::value(chrono::Utc::now()))
        .exec(&running.db)
        .await
        .expect("due now");
    inbox.wait_for("patient@example.com", "Verify your email").await;
    // The worker marks the row sent once the SMTP server accepted it, a moment after the inbox has it.
    let mut sent = outbox_email::Entity::find().one(&running.db).await.expect("query").expect("row");
    for _ in 0..100 {
        if sent.sent_at.is_some() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        sent = outbox_email::Entity::find().one(&running.db).await.expect("query").expect("row");
    }
    assert!(sent.sent_at.is_some());
    assert!(sent.text_body.is_empty() && sent.html_body.is_empty(), "a delivered link is not kept");
    assert_eq!(inbox.count_to("patient@example.com"), 1);
    running.stop();
}

#[tokio::test]
async fn nobody_can_flood_an_inbox_through_password_resets_or_sign_ups() {
    let app = spawn_app().await;
    app.signed_in_owner("victim@example.com", "Victim").await;
    let limit = app::services::throttle::PER_RECIPIENT;
    // The sign-up already counted one mail to the victim.
    for _ in 1..limit {
        let response = app.call("forgot_password", &[("email", "victim@example.com")]).await;
        assert_eq!(response.status(), StatusCode::OK);
    }
    let refused = app.call("forgot_password", &[("email", "victim@example.com")]).await;
    assert_eq!(refused.status(), StatusCode::TOO_MANY_REQUESTS);
    let again = app
        .call(
            "sign_up",
            &[("email", "victim@example.com"), ("password", PASSWORD), ("organization_name", "Spam")],
        )
        .await;
    assert_eq!(again.status(), StatusCode::TOO_MANY_REQUESTS, "sign-ups count towards the same limit");
    // An unknown address is limited the same way, so the answers reveal nothing.
    for _ in 0..limit {
        assert_eq!(
            app.call("forgot_password", &[("email", "ghost@example.com")]).await.status(),
            StatusCode::OK
        );
    }
    let ghost = app.call("forgot_password", &[("email", "ghost@example.com")]).await;
    assert_eq!(ghost.status(), StatusCode::TOO_MANY_REQUESTS);
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    assert!(app.inbox().count_to("victim@example.com") as u64 <= limit);
}

/// The opening tag of the element with `id`.
fn tag_of(html: &str, id: &str) -> String {
    let at = html.find(&format!(r#"id="{id}""#)).unwrap_or_else(|| panic!("no element {id}"));
    let start = html[..at].rfind('<').expect("tag start");
    html[start..=at + html[at..].find('>').expect("tag end")].to_owned()
}

#[tokio::test]
async fn new_passwords_and_addresses_are_checked_before_a_submit_but_a_password_to_sign_in_is_not() {
    let app = spawn_app().await;
    let (_, html) = app.page("/signup").await;
    for (id, rule) in [
        ("field-email", "email"),
        ("field-password", "new_password"),
        ("field-organization_name", "organization_name"),
    ] {
        assert!(tag_of(&html, id).contains(&format!(r#"data-check="{rule}""#)), "sign-up {id}: {html}");
    }
    let (_, html) = app.page("/signin").await;
    // Checking an old password against today's rules would only refuse it before the server could say
    // whether it is right.
    assert!(!tag_of(&html, "field-password").contains("data-check"), "sign-in password");
    let (_, html) = app.page("/my").await;
    assert!(!tag_of(&html, "field-password").contains("data-check"), "customer sign-in password");
    assert!(
        tag_of(&html, "new-customer-password").contains(r#"data-check="new_password""#),
        "customer sign-up"
    );
    assert!(tag_of(&html, "new-customer-email").contains(r#"data-check="email""#), "customer sign-up email");
    let (_, html) = app.page("/reset-password?token=x").await;
    assert!(tag_of(&html, "field-password").contains(r#"data-check="new_password""#), "reset");

    app.signed_in_owner("checked@example.com", "Checked").await;
    let (_, html) = app.page("/account").await;
    assert!(!tag_of(&html, "field-current_password").contains("data-check"), "current password");
    assert!(tag_of(&html, "field-new_password").contains(r#"data-check="new_password""#), "new password");
    let (_, html) = app.page("/orgs/new").await;
    assert!(tag_of(&html, "field-name").contains(r#"data-check="organization_name""#), "new organization");
}
