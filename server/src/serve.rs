//! Accepting connections. `axum::serve` gives hyper no timer, which leaves hyper's deadline for a
//! request's headers off: a client that connects and sends nothing, or sends its headers a byte at a
//! time, would hold a connection forever. This loop serves HTTP/1.1 (what browsers and load balancers
//! speak to a plain-HTTP backend) with that deadline on, and drains connections on shutdown.

use axum::Router;
use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use std::future::Future;
use std::net::SocketAddr;
use std::time::Duration;
use tokio::net::TcpListener;
use tower::Service;

/// How long open connections may take to finish their requests after a shutdown signal.
const DRAIN: Duration = Duration::from_secs(10);

/// Serves `router` until `shutdown` resolves. A connection that has not sent a request's headers within
/// `header_deadline` (counted from the connection, or from the previous response) is closed; the router's
/// own timeout covers slow bodies and slow handlers.
pub async fn serve(
    listener: TcpListener,
    router: Router,
    header_deadline: Duration,
    shutdown: impl Future<Output = ()>,
) {
    let mut connections = router.into_make_service_with_connect_info::<SocketAddr>();
    let mut builder = http1::Builder::new();
    builder.timer(TokioTimer::new()).header_read_timeout(header_deadline);
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
        let Ok(service) = connections.call(peer).await;
        let connection =
            graceful.watch(builder.serve_connection(TokioIo::new(stream), TowerToHyperService::new(service)));
        tokio::spawn(async move {
            if let Err(error) = connection.await {
                tracing::debug!(%error, %peer, "connection ended with an error");
            }
        });
    }
    if tokio::time::timeout(DRAIN, graceful.shutdown()).await.is_err() {
        tracing::warn!("connections still open after the drain period were dropped");
    }
}
