//! A maker's notification receiver on loopback, for the tests of deliveries.

use super::fixtures::{borrowed, ok_json};
use super::TestApp;
use axum::http::HeaderMap;
use std::collections::VecDeque;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

/// A maker's notification receiver on loopback: records every request and answers with the scripted
/// statuses (then 200).
#[derive(Clone, Default)]
pub struct Receiver {
    received: Arc<Mutex<Vec<(HeaderMap, String)>>>,
    script: Arc<Mutex<VecDeque<u16>>>,
}

impl Receiver {
    pub async fn start(script: &[u16]) -> (Self, SocketAddr) {
        let receiver = Receiver::default();
        receiver.script.lock().expect("lock").extend(script);
        let state = receiver.clone();
        let router = axum::Router::new().route(
            "/hook",
            axum::routing::post(move |headers: HeaderMap, body: String| {
                let state = state.clone();
                async move {
                    state.received.lock().expect("lock").push((headers, body));
                    let status = state.script.lock().expect("lock").pop_front().unwrap_or(200);
                    (axum::http::StatusCode::from_u16(status).expect("status"), "thanks")
                }
            }),
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let address = listener.local_addr().expect("address");
        tokio::spawn(async move { axum::serve(listener, router).await.ok() });
        (receiver, address)
    }

    pub fn received(&self) -> Vec<(HeaderMap, String)> {
        self.received.lock().expect("lock").clone()
    }

    /// Waits until `count` requests arrived.
    pub async fn wait_for(&self, count: usize) -> Vec<(HeaderMap, String)> {
        for _ in 0..200 {
            let received = self.received();
            if received.len() >= count {
                return received;
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        panic!("expected {count} deliveries, got {:?}", self.received().len());
    }
}

/// Adds an endpoint for every event type; answers its signing secret and ID.
pub async fn add_endpoint(app: &TestApp, org: &str, address: SocketAddr) -> (String, String) {
    let url = format!("http://{address}/hook");
    let mut form = vec![("org".to_owned(), org.to_owned()), ("url".to_owned(), url)];
    for (name, _) in app::models::notification::NOTIFICATION_TYPES {
        form.push((format!("event_types[{name}]"), "on".to_owned()));
    }
    ok_json(app.call("create_notification_endpoint", &borrowed(&form)).await, "add endpoint").await;
    let tab = ok_json(app.call("load_notification_endpoints", &[("org", org)]).await, "endpoints").await;
    (
        tab["fresh_secret"]["secret"].as_str().expect("secret").to_owned(),
        tab["fresh_secret"]["endpoint_id"].as_str().expect("endpoint").to_owned(),
    )
}
