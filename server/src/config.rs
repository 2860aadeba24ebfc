//! Configuration: environment variables only, read once at start-up into one typed struct. A bad value
//! stops start-up with a message naming the variable and the form it expects.

use app::models::Email;
use lettre::message::Mailbox;
use std::net::SocketAddr;
use std::path::PathBuf;
use url::Url;

/// A value that must never be printed (it may carry a password).
#[derive(Clone)]
pub struct Secret(String);

impl Secret {
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(…)")
    }
}

#[derive(Debug, Clone)]
pub struct Config {
    /// `DATABASE_URL`: `sqlite://path?mode=rwc` (default `sqlite://data/replenish.db?mode=rwc`) or
    /// `postgres://user@host/db`.
    pub database_url: Secret,
    /// `DATABASE_MAX_CONNECTIONS` (default 16): the most connections this instance opens to PostgreSQL
    /// for its work; one more listens for changes to what it caches. Instances times this plus one must
    /// stay below the server's `max_connections`. SQLite ignores it: it writes through one connection and
    /// reads through four.
    pub database_max_connections: u32,
    /// `LEPTOS_SITE_ADDR` (`host:port`), or `PORT` with host 127.0.0.1; default `127.0.0.1:3000`.
    pub site_addr: SocketAddr,
    /// `PUBLIC_URL`: the base of links in emails; `https` makes the session cookie `Secure`.
    /// Default `http://<site_addr>`.
    pub public_url: Url,
    /// `SMTP_URL`: `smtp://user:pass@host:port` (`?tls=required` for STARTTLS) or `smtps://…`.
    /// Absent: mail is written as files under `mail_dir`.
    pub smtp_url: Option<Secret>,
    /// Where mail goes without `SMTP_URL`: `data/mail/`.
    pub mail_dir: PathBuf,
    /// `MAIL_FROM`: the sender, `Name <address>` or `address`; default `Replenish <noreply@localhost>`.
    pub mail_from: Mailbox,
    /// `REVIEW_INBOX`: where replenishment-ID requests are sent for review; default
    /// `review@replenish.localhost`.
    pub review_inbox: Email,
    /// `FULFIL_SHIP_AFTER_SECONDS` (default 86400) and `FULFIL_DELIVER_AFTER_SECONDS` (default 172800): how
    /// long the built-in fulfiller takes from placing an order to shipping it, and from shipping to delivery.
    pub ship_after_seconds: u32,
    pub deliver_after_seconds: u32,
    /// `RUNTIME_RATE_PER_SECOND` (default 20): service calls one registration may make per second on
    /// average, in bursts of up to twice that; more are answered 429 with `Retry-After`.
    pub runtime_rate_per_second: u32,
    /// `REQUEST_TIMEOUT_SECONDS` (default 30): how long a new connection may take to send a request's
    /// headers, and a request to be answered (a slow body or handler is answered 408). After a response a
    /// connection may stay idle for 75 s, or this long if longer.
    pub request_timeout: std::time::Duration,
    /// `LEPTOS_SITE_ROOT` (default `target/site`) and `LEPTOS_SITE_PKG_DIR` (default `pkg`): the built
    /// stylesheet and WASM bundle.
    pub site_root: String,
    pub site_pkg_dir: String,
}

#[derive(Debug, thiserror::Error)]
#[error("{variable}: {problem} (expected {expected})")]
pub struct ConfigError {
    pub variable: &'static str,
    pub problem: String,
    pub expected: &'static str,
}

impl Config {
    /// Reads the process environment.
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_lookup(|name| std::env::var(name).ok().filter(|v| !v.trim().is_empty()))
    }

    /// Reads configuration through `lookup`, so tests can supply values without touching the environment.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let database_url =
            lookup("DATABASE_URL").unwrap_or_else(|| "sqlite://data/replenish.db?mode=rwc".into());
        if !(database_url.starts_with("sqlite:")
            || database_url.starts_with("postgres://")
            || database_url.starts_with("postgresql://"))
        {
            return Err(ConfigError {
                variable: "DATABASE_URL",
                problem: "unsupported database".into(),
                expected: "sqlite://path/to/file.db?mode=rwc or postgres://user@host:port/database",
            });
        }
        let database_max_connections = match lookup("DATABASE_MAX_CONNECTIONS") {
            None => 16,
            Some(raw) => {
                raw.trim().parse::<u32>().ok().filter(|n| (1..=10_000).contains(n)).ok_or_else(|| {
                    ConfigError {
                        variable: "DATABASE_MAX_CONNECTIONS",
                        problem: format!("{raw:?} is not a number of connections"),
                        expected: "a whole number from 1 to 10000, such as 16",
                    }
                })?
            }
        };
        let site_addr = match (lookup("LEPTOS_SITE_ADDR"), lookup("PORT")) {
            (Some(addr), _) => addr.trim().parse().map_err(|_| ConfigError {
                variable: "LEPTOS_SITE_ADDR",
                problem: format!("{addr:?} is not an address"),
                expected: "host:port, for example 127.0.0.1:3000",
            })?,
            (None, Some(port)) => {
                let port: u16 = port.trim().parse().map_err(|_| ConfigError {
                    variable: "PORT",
                    problem: format!("{port:?} is not a port number"),
                    expected: "a number from 0 to 65535",
                })?;
                SocketAddr::from(([127, 0, 0, 1], port))
            }
            (None, None) => SocketAddr::from(([127, 0, 0, 1], 3000)),
        };
        let public_url = match lookup("PUBLIC_URL") {
            Some(raw) => {
                let url = Url::parse(raw.trim()).map_err(|error| ConfigError {
                    variable: "PUBLIC_URL",
                    problem: error.to_string(),
                    expected: "an absolute http or https URL, for example https://replenish.example.com",
                })?;
                if !matches!(url.scheme(), "http" | "https") || url.host().is_none() {
                    return Err(ConfigError {
                        variable: "PUBLIC_URL",
                        problem: format!("{raw:?} is not an http(s) URL"),
                        expected: "an absolute http or https URL, for example https://replenish.example.com",
                    });
                }
                url
            }
            None => Url::parse(&format!("http://{site_addr}")).map_err(|error| ConfigError {
                variable: "LEPTOS_SITE_ADDR",
                problem: error.to_string(),
                expected: "host:port",
            })?,
        };
        let smtp_url = match lookup("SMTP_URL") {
            Some(raw) => {
                let parsed = Url::parse(raw.trim()).ok().filter(|u| matches!(u.scheme(), "smtp" | "smtps"));
                if parsed.is_none() {
                    return Err(ConfigError {
                        variable: "SMTP_URL",
                        problem: "not an smtp:// or smtps:// URL".into(),
                        expected:
                            "smtp://user:password@host:port (add ?tls=required for STARTTLS) or smtps://…",
                    });
                }
                Some(Secret(raw.trim().to_owned()))
            }
            None => None,
        };
        let mail_from_raw = lookup("MAIL_FROM").unwrap_or_else(|| "Replenish <noreply@localhost>".into());
        let mail_from: Mailbox = mail_from_raw.trim().parse().map_err(|_| ConfigError {
            variable: "MAIL_FROM",
            problem: format!("{mail_from_raw:?} is not a mailbox"),
            expected: "Name <address@example.com> or address@example.com",
        })?;
        let review_inbox_raw = lookup("REVIEW_INBOX").unwrap_or_else(|| "review@replenish.localhost".into());
        let review_inbox = Email::parse(&review_inbox_raw).map_err(|_| ConfigError {
            variable: "REVIEW_INBOX",
            problem: format!("{review_inbox_raw:?} is not an email address"),
            expected: "an address such as review@example.com",
        })?;
        let seconds = |variable: &'static str, default: u32| -> Result<u32, ConfigError> {
            match lookup(variable) {
                None => Ok(default),
                Some(raw) => raw.trim().parse::<u32>().map_err(|_| ConfigError {
                    variable,
                    problem: format!("{raw:?} is not a number of seconds"),
                    expected: "a whole number of seconds, such as 86400",
                }),
            }
        };
        let ship_after_seconds = seconds("FULFIL_SHIP_AFTER_SECONDS", 86_400)?;
        let deliver_after_seconds = seconds("FULFIL_DELIVER_AFTER_SECONDS", 172_800)?;
        let runtime_rate_per_second = match lookup("RUNTIME_RATE_PER_SECOND") {
            None => 20,
            Some(raw) => {
                raw.trim().parse::<u32>().ok().filter(|rate| *rate > 0).ok_or_else(|| ConfigError {
                    variable: "RUNTIME_RATE_PER_SECOND",
                    problem: format!("{raw:?} is not a positive number"),
                    expected: "calls per second, such as 20",
                })?
            }
        };
        let request_timeout = match seconds("REQUEST_TIMEOUT_SECONDS", 30)? {
            0 => {
                return Err(ConfigError {
                    variable: "REQUEST_TIMEOUT_SECONDS",
                    problem: "0 would time out every request".into(),
                    expected: "a whole number of seconds, such as 30",
                })
            }
            limit => std::time::Duration::from_secs(u64::from(limit)),
        };
        if public_url.scheme() == "https" && smtp_url.is_none() {
            // Files under data/mail are for trying Replenish out; a public deployment must send its links.
            return Err(ConfigError {
                variable: "SMTP_URL",
                problem: "not set, but PUBLIC_URL is https (a public deployment)".into(),
                expected: "smtp://user:password@host:port or smtps://…",
            });
        }
        Ok(Self {
            database_url: Secret(database_url),
            database_max_connections,
            site_addr,
            public_url,
            smtp_url,
            mail_dir: PathBuf::from("data/mail"),
            mail_from,
            review_inbox,
            ship_after_seconds,
            deliver_after_seconds,
            runtime_rate_per_second,
            request_timeout,
            site_root: lookup("LEPTOS_SITE_ROOT").unwrap_or_else(|| "target/site".into()),
            site_pkg_dir: lookup("LEPTOS_SITE_PKG_DIR").unwrap_or_else(|| "pkg".into()),
        })
    }

    pub fn secure_cookies(&self) -> bool {
        self.public_url.scheme() == "https"
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn config(pairs: &[(&str, &str)]) -> Result<Config, ConfigError> {
        let map: HashMap<String, String> =
            pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        Config::from_lookup(|name| map.get(name).cloned())
    }

    #[test]
    fn defaults_use_sqlite_in_data_and_port_3000() {
        let config = config(&[]).expect("defaults are valid");
        assert_eq!(config.database_url.expose(), "sqlite://data/replenish.db?mode=rwc");
        assert_eq!(config.database_max_connections, 16);
        assert_eq!(config.site_addr.to_string(), "127.0.0.1:3000");
        assert_eq!(config.public_url.as_str(), "http://127.0.0.1:3000/");
        assert!(config.smtp_url.is_none());
        assert!(!config.secure_cookies());
    }

    #[test]
    fn each_bad_value_names_its_variable() {
        for (variable, value) in [
            ("DATABASE_URL", "mysql://x"),
            ("DATABASE_MAX_CONNECTIONS", "0"),
            ("DATABASE_MAX_CONNECTIONS", "many"),
            ("LEPTOS_SITE_ADDR", "nowhere"),
            ("PORT", "70000"),
            ("PUBLIC_URL", "ftp://example.com"),
            ("PUBLIC_URL", "not a url"),
            ("SMTP_URL", "http://mail.example.com"),
            ("MAIL_FROM", "not a mailbox"),
            ("REVIEW_INBOX", "nobody"),
            ("FULFIL_SHIP_AFTER_SECONDS", "soon"),
            ("FULFIL_DELIVER_AFTER_SECONDS", "-1"),
            ("RUNTIME_RATE_PER_SECOND", "0"),
            ("REQUEST_TIMEOUT_SECONDS", "0"),
            ("REQUEST_TIMEOUT_SECONDS", "half a minute"),
        ] {
            let error = config(&[(variable, value)]).expect_err(value);
            assert_eq!(error.variable, variable, "{value}");
            assert!(error.to_string().starts_with(variable));
        }
    }

    #[test]
    fn https_public_url_makes_cookies_secure() {
        let config = config(&[
            ("PUBLIC_URL", "https://replenish.example.com"),
            ("SMTP_URL", "smtp://mail.example.com:25"),
        ]);
        assert!(config.expect("valid").secure_cookies());
    }

    #[test]
    fn a_public_https_deployment_needs_smtp() {
        let error = config(&[("PUBLIC_URL", "https://replenish.example.com")]).expect_err("no SMTP");
        assert_eq!(error.variable, "SMTP_URL");
    }

    #[test]
    fn secrets_do_not_print() {
        let config = config(&[("SMTP_URL", "smtp://user:hunter2@mail.example.com:587")]).expect("valid");
        assert!(!format!("{config:?}").contains("hunter2"));
    }
}
