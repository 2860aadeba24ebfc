//! A maker's notification receiver on loopback, for the tests of deliveries.

use super::fixtures::{borrowed, ok_json};
use super::TestApp;
use axum::http::HeaderMap;
use std::collections::VecDeque;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

/// A serving receiver: the signal that stops it, and its task, which ends once every connection closed.
type Running = (oneshot::Sender<()>, JoinHandle<()>);

/// A maker's notification receiver on loopback: records every request and answers with the scripted
/// statuses (then 200). It can be stopped and restarted on its port.
#[derive(Clone, Default)]
pub struct Receiver {
    received: Arc<Mutex<Vec<(HeaderMap, String)>>>,
    script: Arc<Mutex<VecDeque<u16>>>,
    running: Arc<Mutex<Option<Running>>>,
}

impl Receiver {
    pub async fn start(script: &[u16]) -> (Self, SocketAddr) {
        let receiver = Receiver::default();
        receiver.script.lock().expect("lock").extend(script);
        let address = receiver.serve_on("127.0.0.1:0".parse().expect("address")).await;
        (receiver, address)
    }

    /// Serves on `address` (port 0 picks one); answers the bound address.
    async fn serve_on(&self, address: SocketAddr) -> SocketAddr {
        let state = self.clone();
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
        let listener = tokio::net::TcpListener::bind(address).await.expect("bind");
        let address = listener.local_addr().expect("address");
        let (stop, stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            axum::serve(listener, router)
                .with_graceful_shutdown(async move {
                    let _ = stopped.await;
                })
                .await
                .ok();
        });
        *self.running.lock().expect("lock") = Some((stop, task));
        address
    }

    /// Takes the receiver down: the port refuses connections and kept-alive ones are closed.
    pub async fn stop(&self) {
        let running = self.running.lock().expect("lock").take();
        if let Some((stop, task)) = running {
            let _ = stop.send(());
            task.await.expect("receiver stopped");
        }
    }

    /// Brings a stopped receiver back on the port it had.
    pub async fn restart(&self, address: SocketAddr) {
        self.serve_on(address).await;
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
