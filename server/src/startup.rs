//! Builds the application from a `Config`: database, workers, router, listener.

use crate::config::Config;
use crate::workers::mail::{MailWorker, Mailer};
use crate::{
    api, cache_changes, db, device_images, field_checks, health, security, serve, server_fn_errors, workers,
};
use app::services::drs::SlotStatusWriter;
use app::services::rate_limit::RateLimiter;
use app::services::read_cache::ReadCaches;
use app::services::request_log::RequestLog;
use app::services::session_store::DatabaseSessionStore;
use app::services::simulator::RuntimeClient;
use app::state::{AppState, PortalSettings};
use app::tasks::spawn_essential;
use axum::extract::{DefaultBodyLimit, FromRef};
use axum::routing::{get, post};
use axum::Router;
use leptos::prelude::*;
use leptos_axum::{generate_route_list, AxumRouteListing, LeptosRoutes};
use sea_orm::{DatabaseConnection, DbBackend};
use std::net::SocketAddr;
use std::sync::{Arc, LazyLock};
use tokio::sync::Notify;
use tokio::task::JoinHandle;
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::timeout::TimeoutLayer;
use tower_sessions::cookie::SameSite;
use tower_sessions::{Expiry, SessionManagerLayer};

/// Largest request body the portal accepts.
const BODY_LIMIT: usize = 64 * 1024;
pub const SESSION_COOKIE: &str = "replenish_session";

#[derive(Debug, thiserror::Error)]
pub enum StartupError {
    #[error("database: {0}")]
    Database(#[from] sea_orm::DbErr),
    #[error("mail: {0}")]
    Mail(String),
    #[error("cannot listen on {address}: {source}")]
    Bind { address: SocketAddr, source: std::io::Error },
    #[error("HTTP client: {0}")]
    Http(String),
}

/// A started server: where it listens, its database, and the task serving it.
pub struct Running {
    pub address: SocketAddr,
    pub db: DatabaseConnection,
    pub server: JoinHandle<()>,
    pub workers: Vec<JoinHandle<()>>,
    /// The read caches, on while a listener hears PostgreSQL's notifications of changes.
    pub caches: Arc<ReadCaches>,
    /// Held while serving an SQLite database (see `db::claim_sqlite`); released by `stop`.
    sqlite_claim: std::sync::Mutex<Option<std::fs::File>>,
}

impl Running {
    /// Stops serving and the workers (tests use this to simulate a restart).
    pub fn stop(&self) {
        self.server.abort();
        for worker in &self.workers {
            worker.abort();
        }
        self.sqlite_claim.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).take();
    }
}

#[derive(Clone)]
struct RouterState {
    leptos: LeptosOptions,
    db: DatabaseConnection,
    app: AppState,
}

impl FromRef<RouterState> for AppState {
    fn from_ref(state: &RouterState) -> Self {
        state.app.clone()
    }
}

impl FromRef<RouterState> for LeptosOptions {
    fn from_ref(state: &RouterState) -> Self {
        state.leptos.clone()
    }
}

impl FromRef<RouterState> for DatabaseConnection {
    fn from_ref(state: &RouterState) -> Self {
        state.db.clone()
    }
}

/// Connects, migrates, starts the workers and serves. Binding port 0 picks a free port (tests do).
pub async fn start(config: Config) -> Result<Running, StartupError> {
    let sqlite_claim = std::sync::Mutex::new(db::claim_sqlite(config.database_url.expose())?);
    let db = db::connect(config.database_url.expose(), config.database_max_connections).await?;
    db::migrate(&db).await?;

    let mailer = match &config.smtp_url {
        Some(url) => Mailer::smtp(url.expose()).map_err(|e| StartupError::Mail(e.to_string()))?,
        None => {
            tracing::info!(directory = %config.mail_dir.display(), "SMTP_URL is not set: mail is written to files");
            Mailer::files(config.mail_dir.clone()).map_err(|e| StartupError::Mail(e.to_string()))?
        }
    };
    let mail_queued = Arc::new(Notify::new());
    let notifications_queued = Arc::new(Notify::new());
    let listener = tokio::net::TcpListener::bind(config.site_addr)
        .await
        .map_err(|source| StartupError::Bind { address: config.site_addr, source })?;
    let address =
        listener.local_addr().map_err(|source| StartupError::Bind { address: config.site_addr, source })?;
    let reads = db::connect_reader(config.database_url.expose(), &db).await?;
    let state = AppState {
        db: db.clone(),
        reads,
        slot_status: SlotStatusWriter::start(db.clone()),
        request_log: RequestLog::start(db.clone()),
        settings: Arc::new(PortalSettings {
            public_url: config.public_url.as_str().trim_end_matches('/').to_owned(),
            review_inbox: config.review_inbox.as_str().to_owned(),
            ship_after: chrono::Duration::seconds(i64::from(config.ship_after_seconds)),
            deliver_after: chrono::Duration::seconds(i64::from(config.deliver_after_seconds)),
        }),
        mail_queued: mail_queued.clone(),
        notifications_queued: notifications_queued.clone(),
        runtime_limiter: Arc::new(RateLimiter::new(
            config.runtime_rate_per_second,
            config.runtime_rate_per_second.saturating_mul(2),
        )),
        simulator: RuntimeClient::new(address).map_err(|e| StartupError::Http(e.to_string()))?,
        caches: Arc::new(ReadCaches::default()),
    };
    let mut workers = vec![
        spawn_essential(
            MailWorker { db: db.clone(), mailer, from: config.mail_from.clone(), wake: mail_queued }.run(),
        ),
        spawn_essential(workers::sessions::run(db.clone())),
        spawn_essential(workers::notifications::run(db.clone(), notifications_queued)),
        spawn_essential(workers::fulfilment::run(state.clone())),
    ];
    if db.get_database_backend() == DbBackend::Postgres {
        let url = config.database_url.expose().to_owned();
        workers.push(spawn_essential(cache_changes::listen(url, db.clone(), state.caches.clone())));
    }

    let caches = state.caches.clone();
    let router = build_router(&config, address, state, db.clone());
    let header_deadline = config.request_timeout;
    let server = tokio::spawn(async move {
        serve::serve(listener, router, header_deadline, shutdown_signal()).await;
    });
    tracing::info!(%address, public_url = %config.public_url, "Replenish is listening");
    Ok(Running { address, db, server, workers, caches, sqlite_claim })
}

/// The portal's page routes, derived from the `App` component once per process, after page loaders are
/// set to stop with their page (`page_tasks::install`, which must precede leptos_axum). Generating them
/// makes leptos suspend every resource that starts loading meanwhile, process-wide and for good, so a
/// second server started in the same process (as tests do) must never generate them while another renders.
pub fn page_routes() -> Vec<AxumRouteListing> {
    static ROUTES: LazyLock<Vec<AxumRouteListing>> = LazyLock::new(|| {
        crate::page_tasks::install();
        generate_route_list(app::App)
    });
    ROUTES.clone()
}

fn build_router(config: &Config, address: SocketAddr, state: AppState, db: DatabaseConnection) -> Router {
    let leptos = LeptosOptions::builder()
        .output_name("replenish")
        .site_root(config.site_root.as_str())
        .site_pkg_dir(config.site_pkg_dir.as_str())
        .site_addr(address)
        .build();
    let routes = page_routes();
    let context = {
        let state = state.clone();
        move || {
            provide_context(state.clone());
            provide_context(app::api::RequestViewer::default());
        }
    };
    let server_fns = {
        let context = context.clone();
        move |request| leptos_axum::handle_server_fns_with_context(context.clone(), request)
    };
    let sessions =
        SessionManagerLayer::new(DatabaseSessionStore::new(db.clone()).reading_from(state.reads.clone()))
            .with_name(SESSION_COOKIE)
            .with_secure(config.secure_cookies())
            .with_http_only(true)
            .with_same_site(SameSite::Lax)
            .with_expiry(Expiry::OnInactivity(app::services::session_store::IDLE_LIFETIME));
    let postgres = db.get_database_backend() == DbBackend::Postgres;
    let router_state = RouterState { leptos: leptos.clone(), db, app: state.clone() };
    let portal = Router::<RouterState>::new()
        .route("/healthz", get(health::healthz))
        .route("/readyz", get(health::readyz))
        .route("/api/{*fn_name}", get(server_fns.clone()).post(server_fns))
        .leptos_routes_with_context(&router_state, routes, context.clone(), {
            let leptos = leptos.clone();
            move || app::shell(leptos.clone())
        })
        .fallback(leptos_axum::file_and_error_handler_with_context::<RouterState, _>(context, app::shell))
        .layer(axum::middleware::map_response(server_fn_errors::with_error_status))
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
        // Answers 413 from Content-Length before the body is read; DefaultBodyLimit alone would surface
        // inside server functions as a generic error.
        .layer(RequestBodyLimitLayer::new(BODY_LIMIT));
    // Image uploads carry up to 1 MB and check their own size, so they sit outside the 64 KiB limit.
    let device_images = Router::<RouterState>::new()
        .route("/orgs/{org}/devices/{device}/image", post(device_images::upload))
        .route("/orgs/{org}/devices/{device}/image/{image}", get(device_images::original))
        .route("/orgs/{org}/devices/{device}/image/{image}/thumbnail", get(device_images::thumbnail))
        .route("/ap/images/{image}", get(device_images::customer_thumbnail))
        .layer(DefaultBodyLimit::max(device_images::UPLOAD_BODY_LIMIT));
    let mut portal = portal.merge(device_images).layer(sessions);
    // Outside the session layer, so that a change's session is saved before the cache is emptied.
    if postgres {
        let caches = state.caches.clone();
        portal =
            portal.layer(axum::middleware::from_fn_with_state(caches, cache_changes::empty_after_changes));
    }
    portal
        .merge(field_checks::router::<RouterState>())
        .layer(axum::middleware::from_fn(security::require_same_origin))
        // Devices and clouds call the runtime API without cookies or an Origin: it authenticates by token.
        .merge(api::router::<RouterState>(state.clone()))
        // A request that takes longer (a slow body, or a stuck handler) is answered 408 and its work dropped.
        .layer(TimeoutLayer::with_status_code(
            axum::http::StatusCode::REQUEST_TIMEOUT,
            config.request_timeout,
        ))
        .layer(axum::middleware::from_fn(security::security_headers))
        .with_state(router_state)
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = terminate => {},
    }
}
