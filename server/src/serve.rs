//! Accepting connections, with a deadline for each request's headers. `axum::serve` has none: a client
//! that connects and sends nothing, or sends its headers a byte at a time, would hold a connection
//! forever. Hyper's own header timeout arms and drops a timer for every request (the runtime API's
//! `slotStatus` on SQLite averaged 11,400 requests/s with it and 12,400 with this, `wrk` at 64
//! connections); here a connection only notes, with an atomic store, when it starts waiting for headers
//! and when a request is being answered, and one sweeper task closes connections that waited too long.
//! The router's own timeout covers slow bodies and slow handlers. HTTP/1.1 only: what browsers and load
//! balancers speak to a plain-HTTP backend.

use axum::body::{Body, Bytes};
use hyper::body::{Frame, Incoming, SizeHint};
use hyper::server::conn::http1;
use hyper_util::rt::TokioIo;
use hyper_util::server::graceful::GracefulShutdown;
use std::convert::Infallible;
use std::future::Future;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, Weak};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};
use tokio::net::TcpListener;
use tokio::sync::Notify;
use tower::{Service, ServiceExt};

/// How long open connections may take to finish their requests after a shutdown signal.
const DRAIN: Duration = Duration::from_secs(10);
/// `Watch::waiting_since` while a request is being answered.
const ANSWERING: u64 = u64::MAX;

/// Serves `router` until `shutdown` resolves. A connection that has not sent a request's headers within
/// `header_deadline` (counted from the connection, or from the end of the previous response) is closed.
pub async fn serve(
    listener: TcpListener,
    router: axum::Router,
    header_deadline: Duration,
    shutdown: impl Future<Output = ()>,
) {
    let mut connections = router.into_make_service_with_connect_info::<SocketAddr>();
    let deadlines =
        Arc::new(Deadlines { epoch: Instant::now(), limit: header_deadline, watches: Mutex::default() });
    tokio::spawn(sweep(Arc::downgrade(&deadlines)));
    let builder = http1::Builder::new();
    let graceful = GracefulShutdown::new();
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(connection) => connection,
                Err(error) => {
                    // Out of descriptors and the like: wait instead of spinning on the error.
                    tracing::warn!(%error, "accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let _ = stream.set_nodelay(true);
        let Ok(router) = connections.call(peer).await;
        let watch = deadlines.watch();
        let epoch = deadlines.epoch;
        let answering = watch.clone();
        let service = hyper::service::service_fn(move |request: hyper::Request<Incoming>| {
            answering.waiting_since.store(ANSWERING, Ordering::Relaxed);
            let response = router.clone().oneshot(request);
            let watch = answering.clone();
            async move {
                let Ok(response) = response.await;
                Ok::<_, Infallible>(response.map(|body| Body::new(Answer { body, watch, epoch })))
            }
        });
        let connection = graceful.watch(builder.serve_connection(TokioIo::new(stream), service));
        tokio::spawn(async move {
            tokio::select! {
                result = connection => {
                    if let Err(error) = result {
                        tracing::debug!(%error, %peer, "connection ended with an error");
                    }
                }
                () = watch.close.notified() => {
                    tracing::debug!(%peer, "closed: no request headers within the deadline");
                }
            }
        });
    }
    if tokio::time::timeout(DRAIN, graceful.shutdown()).await.is_err() {
        tracing::warn!("connections still open after the drain period were dropped");
    }
}

struct Deadlines {
    epoch: Instant,
    limit: Duration,
    watches: Mutex<Vec<Weak<Watch>>>,
}

/// One connection as the sweeper sees it.
struct Watch {
    /// Milliseconds after `Deadlines::epoch` at which the connection began waiting for a request's
    /// headers, or `ANSWERING`.
    waiting_since: AtomicU64,
    close: Notify,
}

impl Deadlines {
    fn watch(&self) -> Arc<Watch> {
        let watch =
            Arc::new(Watch { waiting_since: AtomicU64::new(millis_since(self.epoch)), close: Notify::new() });
        self.watches.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).push(Arc::downgrade(&watch));
        watch
    }
}

fn millis_since(epoch: Instant) -> u64 {
    u64::try_from(epoch.elapsed().as_millis()).unwrap_or(ANSWERING - 1)
}

/// Closes connections that waited longer than the deadline, checking four times per deadline (at most
/// every second); ends with the server.
async fn sweep(deadlines: Weak<Deadlines>) {
    let Some(period) =
        deadlines.upgrade().map(|d| (d.limit / 4).clamp(Duration::from_millis(50), Duration::from_secs(1)))
    else {
        return;
    };
    let mut ticks = tokio::time::interval(period);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        ticks.tick().await;
        let Some(deadlines) = deadlines.upgrade() else { return };
        let now = millis_since(deadlines.epoch);
        let limit = u64::try_from(deadlines.limit.as_millis()).unwrap_or(u64::MAX);
        let mut watches = deadlines.watches.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        watches.retain(|watch| {
            let Some(watch) = watch.upgrade() else { return false };
            let since = watch.waiting_since.load(Ordering::Relaxed);
            if since != ANSWERING && now.saturating_sub(since) >= limit {
                watch.close.notify_one();
            }
            true
        });
    }
}

/// A response body; once hyper has sent it (and drops it), the connection waits for the next headers.
struct Answer {
    body: Body,
    watch: Arc<Watch>,
    epoch: Instant,
}

impl Drop for Answer {
    fn drop(&mut self) {
        self.watch.waiting_since.store(millis_since(self.epoch), Ordering::Relaxed);
    }
}

impl hyper::body::Body for Answer {
    type Data = Bytes;
    type Error = axum::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Self::Data>, Self::Error>>> {
        Pin::new(&mut self.body).poll_frame(cx)
    }

    fn is_end_stream(&self) -> bool {
        self.body.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.body.size_hint()
    }
}
