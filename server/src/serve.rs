//! Accepting connections, with a deadline for each request's headers. `axum::serve` has none: a client
//! that connects and sends nothing, or sends its headers a byte at a time, would hold a connection
//! forever. Hyper's own header timeout arms and drops a timer for every request (the runtime API's
//! `slotStatus` on SQLite averaged 11,400 requests/s with it and 12,400 with this, `wrk` at 64
//! connections); here a connection only notes, with an atomic store, when it must have sent headers by
//! and when a request is being answered, and one sweeper task closes connections past their time.
//! The router's own timeout covers slow bodies and slow handlers. HTTP/1.1 only: what browsers and load
//! balancers speak to a plain-HTTP backend.

use crate::page_tasks::{self, ClientWaits};
use app::tasks::spawn_essential;
use axum::body::{Body, Bytes};
use axum::http::Method;
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
/// How long a connection may stay idle after a response: longer than the 60 s load balancers commonly
/// keep idle upstream connections, so that none reuses one this server just closed.
const KEEP_ALIVE: Duration = Duration::from_secs(75);
/// `Watch::close_at` while a request is being answered.
const ANSWERING: u64 = u64::MAX;

/// Serves `router` until `shutdown` resolves. A new connection that has not sent a request's headers
/// within `header_deadline` is closed, and so is one that sends nothing for `KEEP_ALIVE` (or the deadline,
/// if longer) after a response.
pub async fn serve(
    listener: TcpListener,
    router: axum::Router,
    header_deadline: Duration,
    shutdown: impl Future<Output = ()>,
) {
    let mut connections = router.into_make_service_with_connect_info::<SocketAddr>();
    let deadlines = Arc::new(Deadlines {
        epoch: Instant::now(),
        first_request: header_deadline,
        next_request: header_deadline.max(KEEP_ALIVE),
        watches: Mutex::default(),
    });
    spawn_essential(sweep(Arc::downgrade(&deadlines)));
    let builder = http1::Builder::new();
    let graceful = GracefulShutdown::new();
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(connection) => connection,
                Err(error) if is_connection_error(&error) => continue,
                Err(error) => {
                    // Out of descriptors and the like: wait instead of spinning on the error.
                    tracing::warn!(%error, "accept failed");
                    tokio::time::sleep(Duration::from_secs(1)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let _ = stream.set_nodelay(true);
        let Ok(router) = connections.call(peer).await;
        let watch = deadlines.watch();
        let answering = watch.clone();
        let after_answer = Arc::clone(&deadlines);
        let service = hyper::service::service_fn(move |mut request: hyper::Request<Incoming>| {
            answering.close_at.store(ANSWERING, Ordering::Relaxed);
            // Only page loads (GET, HEAD) spawn loaders that could outlive their client.
            let client = matches!(*request.method(), Method::GET | Method::HEAD).then(|| {
                let (waits, client_watch) = page_tasks::watch_client();
                request.extensions_mut().insert(client_watch);
                waits
            });
            let response = router.clone().oneshot(request);
            let watch = answering.clone();
            let deadlines = Arc::clone(&after_answer);
            async move {
                let Ok(response) = response.await;
                Ok::<_, Infallible>(
                    response.map(|body| Body::new(Answer { body, watch, deadlines, _client: client })),
                )
            }
        });
        let connection = graceful.watch(builder.serve_connection(TokioIo::new(stream), service));
        tokio::spawn(async move {
            let mut connection = std::pin::pin!(connection);
            loop {
                tokio::select! {
                    biased;
                    // A request whose headers arrived after the sweeper's look is answered, not cut off.
                    () = watch.close.notified() => {
                        if watch.close_at.load(Ordering::Relaxed) != ANSWERING {
                            tracing::debug!(%peer, "closed: no request headers within the deadline");
                            return;
                        }
                    }
                    result = &mut connection => {
                        if let Err(error) = result {
                            tracing::debug!(%error, %peer, "connection ended with an error");
                        }
                        return;
                    }
                }
            }
        });
    }
    // New connections are refused at once while the open ones finish.
    drop(listener);
    if tokio::time::timeout(DRAIN, graceful.shutdown()).await.is_err() {
        tracing::warn!("connections still open after the drain period are closed with the process");
    }
}

/// Errors of one connection that never reached us, not of the listener.
fn is_connection_error(error: &std::io::Error) -> bool {
    matches!(
        error.kind(),
        std::io::ErrorKind::ConnectionRefused
            | std::io::ErrorKind::ConnectionAborted
            | std::io::ErrorKind::ConnectionReset
    )
}

struct Deadlines {
    epoch: Instant,
    first_request: Duration,
    next_request: Duration,
    watches: Mutex<Vec<Weak<Watch>>>,
}

/// One connection as the sweeper sees it.
struct Watch {
    /// Milliseconds after `Deadlines::epoch` from which the connection is closed unless a request's
    /// headers arrived, or `ANSWERING`.
    close_at: AtomicU64,
    close: Notify,
}

impl Deadlines {
    fn millis_after(&self, wait: Duration) -> u64 {
        let at = self.epoch.elapsed().saturating_add(wait).as_millis();
        u64::try_from(at).unwrap_or(ANSWERING - 1).min(ANSWERING - 1)
    }

    fn watch(&self) -> Arc<Watch> {
        let close_at = AtomicU64::new(self.millis_after(self.first_request));
        let watch = Arc::new(Watch { close_at, close: Notify::new() });
        self.watches.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).push(Arc::downgrade(&watch));
        watch
    }
}

/// Closes connections past their deadline, looking four times per header deadline (at most every
/// second); ends with the server.
async fn sweep(deadlines: Weak<Deadlines>) {
    let Some(period) = deadlines
        .upgrade()
        .map(|d| (d.first_request / 4).clamp(Duration::from_millis(50), Duration::from_secs(1)))
    else {
        return;
    };
    let mut ticks = tokio::time::interval(period);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        ticks.tick().await;
        let Some(deadlines) = deadlines.upgrade() else { return };
        let now = deadlines.millis_after(Duration::ZERO);
        let mut watches = deadlines.watches.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        watches.retain(|watch| {
            let Some(watch) = watch.upgrade() else { return false };
            let close_at = watch.close_at.load(Ordering::Relaxed);
            if close_at != ANSWERING && now >= close_at {
                watch.close.notify_one();
            }
            true
        });
    }
}

/// A response body. Hyper drops it once its last frame is in the connection's write buffer, or with the
/// connection; from then on the connection waits for the next request's headers, and a page's loaders
/// stop (`page_tasks`).
struct Answer {
    body: Body,
    watch: Arc<Watch>,
    deadlines: Arc<Deadlines>,
    _client: Option<ClientWaits>,
}

impl Drop for Answer {
    fn drop(&mut self) {
        let close_at = self.deadlines.millis_after(self.deadlines.next_request);
        self.watch.close_at.store(close_at, Ordering::Relaxed);
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
