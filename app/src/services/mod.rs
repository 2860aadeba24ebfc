//! Plain async functions that take a connection and do one thing each. Pages and server functions call
//! these; tests call them directly.

pub mod accounts;
pub mod audit;
pub mod business_days;
pub mod certification;
pub mod certification_review;
pub mod consent;
pub mod customer_account;
pub mod customers;
pub mod device_pages;
pub mod devices;
pub mod discovery;
pub mod drs;
pub mod events;
pub mod fulfilment;
pub mod images;
pub mod inventory;
pub mod mail;
pub mod members;
pub mod notifications;
pub mod oauth;
pub mod orders;
pub mod organizations;
pub mod passwords;
pub mod rate_limit;
pub mod read_cache;
pub mod registrations;
pub mod request_log;
pub mod request_mail;
pub mod requests;
pub mod review;
pub mod sandbox;
pub mod security_profiles;
pub mod sensors;
pub mod session_store;
pub mod shown_once;
pub mod simulator;
pub mod thresholds;
pub mod throttle;
pub mod tokens;
pub mod transactions;

use chrono::{DateTime, Utc};

/// Current time, truncated to microseconds so that values read back from either database compare equal.
pub fn now() -> DateTime<Utc> {
    let now = Utc::now();
    DateTime::from_timestamp_micros(now.timestamp_micros()).unwrap_or(now)
}

/// Whole minutes from now until `at`, at least one: what "try again in N minutes" says.
pub fn minutes_until(at: DateTime<Utc>) -> u64 {
    ((at - now()).num_seconds().max(0) as u64).div_ceil(60).max(1)
}

/// Dates as pages show them.
pub fn display_time(at: DateTime<Utc>) -> String {
    at.format("%Y-%m-%d %H:%M UTC").to_string()
}
