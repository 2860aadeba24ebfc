//! `spawn_app()`: the whole server on a free port with a fresh database, a real SMTP server and a client
//! that keeps cookies. `REPLENISH_TEST_BACKEND=postgres` runs the same tests on PostgreSQL
//! (`TEST_DATABASE_URL`, default `postgres://postgres@127.0.0.1:5432/postgres`), one database per test.

#![allow(dead_code)] // each test binary uses a different part of the support code

pub mod fixtures;
pub mod images;
pub mod receiver;
pub mod runtime;
pub mod smtp;

use reqwest::header::{HeaderMap, HeaderValue, ACCEPT, ORIGIN};
use reqwest::redirect::Policy;
use reqwest::{Client, Response, StatusCode};
use sea_orm::{ConnectionTrait, Database, DatabaseConnection, DbBackend, Statement};
use server::config::Config;
use server::startup::Running;
use smtp::{link_path, Inbox, SmtpServer};
use std::collections::HashMap;
use std::net::SocketAddr;

pub const PASSWORD: &str = "correct horse battery staple 42";

pub struct TestDatabase {
    pub url: String,
    cleanup: Option<(String, String)>, // (admin url, database name) for PostgreSQL
    _dir: Option<tempfile::TempDir>,
}

impl TestDatabase {
    pub async fn fresh() -> Self {
        match std::env::var("REPLENISH_TEST_BACKEND").as_deref() {
            Ok("postgres") => {
                let admin = std::env::var("TEST_DATABASE_URL")
                    .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into());
                let name = format!("replenish_test_{}", uuid::Uuid::new_v4().simple());
                let connection = Database::connect(&admin).await.expect("connect to PostgreSQL");
                connection
                    .execute_unprepared(&format!("CREATE DATABASE \"{name}\""))
                    .await
                    .expect("create database");
                connection.close().await.ok();
                let base = admin.rsplit_once('/').map(|(base, _)| base.to_owned()).unwrap_or(admin.clone());
                Self { url: format!("{base}/{name}"), cleanup: Some((admin, name)), _dir: None }
            }
            _ => {
                let dir = tempfile::tempdir().expect("temp dir");
                let url = format!("sqlite://{}/replenish.db?mode=rwc", dir.path().display());
                Self { url, cleanup: None, _dir: Some(dir) }
            }
        }
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        if let Some((admin, name)) = self.cleanup.take() {
            // Runs on its own thread: Drop cannot await, and the test's runtime may be shutting down.
            let _ = std::thread::spawn(move || {
                let runtime =
                    tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
                runtime.block_on(async {
                    if let Ok(connection) = Database::connect(&admin).await {
                        let _ = connection
                            .execute_unprepared(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"))
                            .await;
                    }
                });
            })
            .join();
        }
    }
}

pub struct TestApp {
    pub address: SocketAddr,
    pub db: DatabaseConnection,
    pub smtp: SmtpServer,
    pub client: Client,
    pub running: Running,
    pub database: TestDatabase,
}

pub fn config(database_url: &str, smtp_url: &str) -> Config {
    config_with(database_url, smtp_url, &[])
}

/// The test configuration with some variables set otherwise.
pub fn config_with(database_url: &str, smtp_url: &str, overrides: &[(&'static str, &str)]) -> Config {
    let mut values: HashMap<&str, String> = HashMap::from([
        ("DATABASE_URL", database_url.to_owned()),
        ("LEPTOS_SITE_ADDR", "127.0.0.1:0".to_owned()),
        ("PUBLIC_URL", "http://replenish.test".to_owned()),
        ("SMTP_URL", smtp_url.to_owned()),
        ("MAIL_FROM", "Replenish <noreply@replenish.test>".to_owned()),
        ("REVIEW_INBOX", "review@replenish.test".to_owned()),
        // Tests make many calls at once; the limit itself has its own test.
        ("RUNTIME_RATE_PER_SECOND", "100000".to_owned()),
    ]);
    values.extend(overrides.iter().map(|(name, value)| (*name, (*value).to_owned())));
    Config::from_lookup(|name| values.get(name).cloned()).expect("test config")
}

pub fn client_for(address: SocketAddr) -> Client {
    let mut headers = HeaderMap::new();
    headers.insert(ORIGIN, HeaderValue::from_str(&format!("http://{address}")).expect("origin"));
    // Pages are requested as browsers do; server-function calls override this (see `call_with`).
    headers.insert(ACCEPT, HeaderValue::from_static("text/html,application/xhtml+xml,*/*;q=0.8"));
    Client::builder()
        .cookie_store(true)
        .redirect(Policy::none())
        // A stuck request fails its test (naming the request) instead of hanging the suite.
        .timeout(std::time::Duration::from_secs(30))
        .default_headers(headers)
        .build()
        .expect("client")
}

pub async fn spawn_app() -> TestApp {
    let database = TestDatabase::fresh().await;
    let smtp = SmtpServer::start().await;
    spawn_app_with(database, smtp).await
}

pub async fn spawn_app_with(database: TestDatabase, smtp: SmtpServer) -> TestApp {
    spawn_configured(database, smtp, &[]).await
}

/// An app whose configuration differs from the test default in `overrides`.
pub async fn spawn_configured(
    database: TestDatabase,
    smtp: SmtpServer,
    overrides: &[(&'static str, &str)],
) -> TestApp {
    let running =
        server::startup::start(config_with(&database.url, &smtp.url(), overrides)).await.expect("start app");
    TestApp {
        address: running.address,
        db: running.db.clone(),
        client: client_for(running.address),
        smtp,
        running,
        database,
    }
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{}", self.address, path)
    }

    pub fn inbox(&self) -> &Inbox {
        &self.smtp.inbox
    }

    /// Calls a server function the way hydrated pages do (no `Accept: text/html`).
    pub async fn call(&self, endpoint: &str, form: &[(&str, &str)]) -> Response {
        self.call_with(&self.client, endpoint, form).await
    }

    pub async fn call_with(&self, client: &Client, endpoint: &str, form: &[(&str, &str)]) -> Response {
        client
            .post(self.url(&format!("/api/{endpoint}")))
            .header(ACCEPT, "application/json")
            .form(form)
            .send()
            .await
            .expect("request")
    }

    /// Posts a form the way a browser without JavaScript does.
    pub async fn post_form(&self, endpoint: &str, form: &[(&str, &str)], referer: &str) -> Response {
        self.client
            .post(self.url(&format!("/api/{endpoint}")))
            .header(ACCEPT, "text/html,application/xhtml+xml")
            .header("referer", self.url(referer))
            .form(form)
            .send()
            .await
            .expect("request")
    }

    pub async fn get(&self, path: &str) -> Response {
        self.client.get(self.url(path)).send().await.expect("request")
    }

    pub async fn page(&self, path: &str) -> (StatusCode, String) {
        let response = self.get(path).await;
        let status = response.status();
        (status, response.text().await.expect("body"))
    }

    pub async fn sign_up(&self, email: &str, organization: &str) {
        let response = self
            .call("sign_up", &[("email", email), ("password", PASSWORD), ("organization_name", organization)])
            .await;
        assert_eq!(
            response.status(),
            StatusCode::OK,
            "sign-up: {}",
            response.text().await.unwrap_or_default()
        );
    }

    /// Follows the verification link from the mail sent to `email`.
    pub async fn verify(&self, email: &str) {
        let mail = self.inbox().wait_for(email, "Verify your email").await;
        let path = link_path(&mail.text, "/verify");
        let token = path.split("token=").nth(1).expect("token in link").to_owned();
        let response = self.call("verify_email", &[("token", &token)]).await;
        assert_eq!(
            response.status(),
            StatusCode::OK,
            "verify: {}",
            response.text().await.unwrap_or_default()
        );
    }

    pub async fn sign_in_with(&self, client: &Client, email: &str, password: &str) -> Response {
        self.call_with(client, "sign_in", &[("email", email), ("password", password)]).await
    }

    pub async fn sign_in(&self, email: &str) {
        let response = self.sign_in_with(&self.client, email, PASSWORD).await;
        assert_eq!(
            response.status(),
            StatusCode::OK,
            "sign-in: {}",
            response.text().await.unwrap_or_default()
        );
    }

    /// A verified, signed-in account with its first organization; returns that organization's ID.
    pub async fn signed_in_owner(&self, email: &str, organization: &str) -> String {
        self.sign_up(email, organization).await;
        self.verify(email).await;
        self.sign_in(email).await;
        self.first_organization_of(email).await
    }

    /// The account registered under `email`.
    pub async fn user_by_email(&self, email: &str) -> app::entities::user::Model {
        use app::entities::user;
        use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
        user::Entity::find()
            .filter(user::Column::Email.eq(email))
            .one(&self.db)
            .await
            .expect("query")
            .expect("user")
    }

    pub async fn first_organization_of(&self, email: &str) -> String {
        use app::entities::membership;
        use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
        let account = self.user_by_email(email).await;
        membership::Entity::find()
            .filter(membership::Column::UserId.eq(account.id))
            .order_by_asc(membership::Column::CreatedAt)
            .one(&self.db)
            .await
            .expect("query")
            .expect("membership")
            .organization_id
    }

    /// A new client (another browser) signed in as `email`.
    pub async fn another_browser(&self, email: &str) -> Client {
        let client = client_for(self.address);
        let response = self.sign_in_with(&client, email, PASSWORD).await;
        assert_eq!(response.status(), StatusCode::OK);
        client
    }

    /// A verified owner of their own new organization, signed in in a browser of their own: someone who must
    /// see nothing of the first tenant.
    pub async fn stranger(&self, email: &str, organization: &str) -> Client {
        let client = client_for(self.address);
        let form = [("email", email), ("password", PASSWORD), ("organization_name", organization)];
        assert_eq!(
            self.call_with(&client, "sign_up", &form).await.status(),
            StatusCode::OK,
            "stranger sign-up"
        );
        self.verify(email).await;
        assert_eq!(
            self.sign_in_with(&client, email, PASSWORD).await.status(),
            StatusCode::OK,
            "stranger sign-in"
        );
        client
    }

    /// Invites `email` into `organization` with `role` and has them sign up, verify and accept. Returns a
    /// client signed in as the new member.
    pub async fn add_member(&self, organization: &str, email: &str, role: &str) -> Client {
        let response =
            self.call("invite_member", &[("id", organization), ("email", email), ("role", role)]).await;
        assert_eq!(
            response.status(),
            StatusCode::OK,
            "invite: {}",
            response.text().await.unwrap_or_default()
        );
        let invite = self.inbox().wait_for(email, "invited you").await;
        let token = link_path(&invite.text, "/invites/").trim_start_matches("/invites/").to_owned();
        let member = client_for(self.address);
        let form = [("email", email), ("password", PASSWORD), ("organization_name", "Member's own")];
        assert_eq!(self.call_with(&member, "sign_up", &form).await.status(), StatusCode::OK);
        let mail = self.inbox().wait_for(email, "Verify your email").await;
        let path = link_path(&mail.text, "/verify");
        let verify_token = path.split("token=").nth(1).expect("token").to_owned();
        assert_eq!(
            self.call_with(&member, "verify_email", &[("token", &verify_token)]).await.status(),
            StatusCode::OK
        );
        assert_eq!(self.sign_in_with(&member, email, PASSWORD).await.status(), StatusCode::OK);
        let accepted = self.call_with(&member, "accept_invite", &[("token", &token)]).await;
        assert_eq!(
            accepted.status(),
            StatusCode::OK,
            "accept: {}",
            accepted.text().await.unwrap_or_default()
        );
        member
    }
}

/// The count a PostgreSQL statement answers.
pub async fn postgres_count(conn: &impl ConnectionTrait, sql: &str) -> i64 {
    conn.query_one_raw(Statement::from_string(DbBackend::Postgres, sql))
        .await
        .expect("query")
        .expect("a row")
        .try_get_by_index(0)
        .expect("count")
}
