//! Same-origin checks, security headers, body limits and health endpoints.

mod support;

use app::entities::user;
use reqwest::{Client, StatusCode};
use sea_orm::{EntityTrait, PaginatorTrait};
use support::{spawn_app, PASSWORD};

#[tokio::test]
async fn a_cross_origin_post_is_refused_and_changes_nothing() {
    let app = spawn_app().await;
    let plain = Client::builder().redirect(reqwest::redirect::Policy::none()).build().expect("client");
    let form = [("email", "csrf@example.com"), ("password", PASSWORD), ("organization_name", "Csrf")];
    let url = app.url("/api/sign_up");
    let cases = [
        Some(("origin", "http://evil.example")),
        Some(("origin", "null")),
        Some(("referer", "http://evil.example/form")),
        None,
    ];
    for header in cases {
        let mut request = plain.post(&url).form(&form);
        if let Some((name, value)) = header {
            request = request.header(name, value);
        }
        let response = request.send().await.expect("post");
        assert_eq!(response.status(), StatusCode::FORBIDDEN, "{header:?}");
    }
    let cross_site = plain
        .post(&url)
        .header("origin", format!("http://{}", app.address))
        .header("sec-fetch-site", "cross-site")
        .form(&form)
        .send()
        .await
        .expect("post");
    assert_eq!(cross_site.status(), StatusCode::FORBIDDEN);
    assert_eq!(user::Entity::find().count(&app.db).await.expect("count"), 0);

    // The same request from the site's own origin goes through.
    let same = plain
        .post(&url)
        .header("origin", format!("http://{}", app.address))
        .form(&form)
        .send()
        .await
        .expect("post");
    assert_eq!(same.status(), StatusCode::OK);
}

#[tokio::test]
async fn every_page_carries_security_headers_and_a_nonce_csp() {
    let app = spawn_app().await;
    let response = app.get("/signin").await;
    assert_eq!(response.status(), StatusCode::OK);
    let headers = response.headers().clone();
    assert_eq!(headers["x-content-type-options"], "nosniff");
    assert_eq!(headers["referrer-policy"], "same-origin");
    assert_eq!(headers["x-frame-options"], "DENY");
    let csp = headers["content-security-policy"].to_str().expect("csp").to_owned();
    assert!(csp.contains("frame-ancestors 'none'") && csp.contains("script-src 'self' 'nonce-"), "{csp}");
    assert!(!csp.contains("unsafe-inline"), "{csp}");
    let body = response.text().await.expect("body");
    let nonce = csp.split("'nonce-").nth(1).and_then(|rest| rest.split('\'').next()).expect("nonce");
    assert!(body.contains(&format!("nonce=\"{nonce}\"")), "inline scripts carry the response's nonce");

    let health = app.get("/healthz").await;
    assert_eq!(health.headers()["x-frame-options"], "DENY");
    assert!(health.headers()["content-security-policy"]
        .to_str()
        .expect("csp")
        .contains("default-src 'none'"));
}

#[tokio::test]
async fn unknown_pages_answer_404() {
    let app = spawn_app().await;
    let (status, body) = app.page("/no/such/page").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(body.contains("Page not found"));
}

#[tokio::test]
async fn an_oversized_body_is_refused_with_413() {
    let app = spawn_app().await;
    let huge = "x".repeat(200 * 1024);
    let response = app
        .call("sign_up", &[("email", "big@example.com"), ("password", &huge), ("organization_name", "Big")])
        .await;
    assert_eq!(response.status(), StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(user::Entity::find().count(&app.db).await.expect("count"), 0);
}

#[tokio::test]
async fn health_and_readiness_answer_json() {
    let app = spawn_app().await;
    let health = app.get("/healthz").await;
    assert_eq!(health.status(), StatusCode::OK);
    assert_eq!(health.json::<serde_json::Value>().await.expect("json")["status"], "ok");
    let ready = app.get("/readyz").await;
    assert_eq!(ready.status(), StatusCode::OK);
    let body: serde_json::Value = ready.json().await.expect("json");
    assert_eq!(body["status"], "ready");
    assert_eq!(body["database"], "ok");
}
