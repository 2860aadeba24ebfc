//! Same-origin checks, security headers, body limits, slow clients and health endpoints.

mod support;

use app::entities::user;
use reqwest::{Client, StatusCode};
use sea_orm::{EntityTrait, PaginatorTrait};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;
use support::{spawn_app, PASSWORD};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

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

/// What a raw connection receives until the server closes it; `None` if it is still open after 10 s.
async fn received_before_close(reader: &mut (impl AsyncReadExt + Unpin)) -> Option<String> {
    let mut received = Vec::new();
    let read = tokio::time::timeout(Duration::from_secs(10), reader.read_to_end(&mut received)).await;
    match read {
        Ok(_) => Some(String::from_utf8_lossy(&received).into_owned()),
        Err(_) => None,
    }
}

#[tokio::test]
async fn slow_clients_are_cut_off_at_the_deadline_while_others_are_served() {
    let app = support::spawn_configured(
        support::TestDatabase::fresh().await,
        support::smtp::SmtpServer::start().await,
        &[("REQUEST_TIMEOUT_SECONDS", "1")],
    )
    .await;
    let address = app.address;

    // Connects and never sends a request.
    let mut silent = TcpStream::connect(address).await.expect("connect");
    // Sends its headers a byte every 200 ms: 8 s in all, far past the deadline.
    let trickling = TcpStream::connect(address).await.expect("connect");
    let (mut trickle_reader, mut trickle_writer) = trickling.into_split();
    let headers = "GET /healthz HTTP/1.1\r\nHost: replenish\r\nX-Slow: 1234\r\n\r\n";
    let sent = Arc::new(AtomicUsize::new(0));
    let trickle = tokio::spawn({
        let sent = sent.clone();
        async move {
            for byte in headers.as_bytes() {
                if trickle_writer.write_all(&[*byte]).await.is_err() {
                    return;
                }
                sent.fetch_add(1, Ordering::Relaxed);
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
        }
    });
    // Sends complete headers, then only part of the body it announced.
    let mut slow_body = TcpStream::connect(address).await.expect("connect");
    let partial = format!(
        "POST /api/sign_in HTTP/1.1\r\nHost: {address}\r\nOrigin: http://{address}\r\n\
         Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 100\r\n\r\nemail=slow"
    );
    slow_body.write_all(partial.as_bytes()).await.expect("write");

    // Meanwhile everyone else is served.
    for _ in 0..3 {
        assert_eq!(app.get("/healthz").await.status(), StatusCode::OK);
    }

    let silent_got = received_before_close(&mut silent).await;
    assert_eq!(silent_got.as_deref(), Some(""), "a silent connection is closed without an answer");
    let trickle_got = received_before_close(&mut trickle_reader).await;
    assert_eq!(trickle_got.as_deref(), Some(""), "a trickling client is closed before its headers end");
    let sent = sent.load(Ordering::Relaxed);
    assert!(
        sent < headers.len(),
        "closed while the headers were arriving ({sent} of {} bytes)",
        headers.len()
    );
    trickle.abort();

    let mut answer = Vec::new();
    let mut chunk = [0_u8; 512];
    let status_line = tokio::time::timeout(Duration::from_secs(10), async {
        while !answer.windows(2).any(|pair| pair == b"\r\n") {
            let read = slow_body.read(&mut chunk).await.expect("read");
            if read == 0 {
                break;
            }
            answer.extend_from_slice(&chunk[..read]);
        }
        String::from_utf8_lossy(&answer).lines().next().unwrap_or_default().to_owned()
    })
    .await
    .expect("a slow body is answered within the deadline");
    assert_eq!(status_line, "HTTP/1.1 408 Request Timeout");
}
