//! Delivers notifications to makers' endpoints: POSTs the JSON with Standard Webhooks headers and records
//! every attempt. What fails is retried from the database with backoff, for up to three days.

use app::services::notifications::{
    claim_due, record_attempt, signature_header, AttemptOutcome, DueDelivery, EXCERPT_LEN,
};
use app::services::now;
use chrono::Duration;
use sea_orm::DatabaseConnection;
use std::net::IpAddr;
use std::sync::Arc;
use std::time::Instant;
use tokio::sync::Notify;

/// Far longer than one request may take (`REQUEST_TIMEOUT`), so another instance never sends a delivery
/// this one is still sending. One delivery is claimed at a time for the same reason.
const CLAIM_FOR: Duration = Duration::minutes(2);
const REQUEST_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(15);
const BATCH: u64 = 1;
const IDLE_POLL: std::time::Duration = std::time::Duration::from_secs(2);

pub async fn run(db: DatabaseConnection, wake: Arc<Notify>) {
    let client = match reqwest::Client::builder()
        .timeout(REQUEST_TIMEOUT)
        .redirect(reqwest::redirect::Policy::none())
        .user_agent("Replenish-Webhooks/1")
        .build()
    {
        Ok(client) => client,
        Err(error) => {
            tracing::error!(%error, "notification worker cannot build its HTTP client");
            return;
        }
    };
    loop {
        match claim_due(&db, BATCH, CLAIM_FOR).await {
            Ok(due) if due.is_empty() => {
                let _ = tokio::time::timeout(IDLE_POLL, wake.notified()).await;
            }
            Ok(due) => {
                for delivery in due {
                    let outcome = send(&client, &delivery).await;
                    if let Err(error) = record_attempt(&db, &delivery, outcome).await {
                        tracing::error!(%error, id = %delivery.delivery.id, "could not record a delivery attempt");
                    }
                }
            }
            Err(error) => {
                tracing::error!(%error, "notification worker could not read the outbox");
                tokio::time::sleep(IDLE_POLL).await;
            }
        }
    }
}

/// Whether an address is one a maker's public endpoint must not reach: loopback, private, link-local,
/// shared or unspecified (the cloud's metadata service, the database, this server's neighbours).
fn is_internal(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => {
            v4.is_loopback()
                || v4.is_private()
                || v4.is_link_local()
                || v4.is_unspecified()
                || v4.is_broadcast()
                || (v4.octets()[0] == 100 && (64..128).contains(&v4.octets()[1]))
        }
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => is_internal(IpAddr::V4(v4)),
            None => {
                v6.is_loopback()
                    || v6.is_unspecified()
                    || (v6.segments()[0] & 0xfe00) == 0xfc00
                    || (v6.segments()[0] & 0xffc0) == 0xfe80
            }
        },
    }
}

/// An https endpoint must resolve to public addresses only. (Plain http is accepted only for loopback
/// hosts, for development, when the endpoint is saved.)
async fn check_destination(url: &str) -> Result<(), String> {
    let parsed = url::Url::parse(url).map_err(|e| e.to_string())?;
    if parsed.scheme() != "https" {
        return Ok(());
    }
    let host = parsed.host_str().unwrap_or_default().trim_start_matches('[').trim_end_matches(']').to_owned();
    let port = parsed.port_or_known_default().unwrap_or(443);
    let addresses = tokio::net::lookup_host((host.as_str(), port))
        .await
        .map_err(|e| format!("cannot resolve {host}: {e}"))?;
    for address in addresses {
        if is_internal(address.ip()) {
            return Err(format!("refused: {host} resolves to the internal address {}", address.ip()));
        }
    }
    Ok(())
}

async fn send(client: &reqwest::Client, due: &DueDelivery) -> AttemptOutcome {
    if let Err(error) = check_destination(&due.endpoint.url).await {
        tracing::warn!(endpoint = %due.endpoint.url, %error, "notification not sent");
        return AttemptOutcome {
            status_code: None,
            latency_ms: 0,
            response_excerpt: String::new(),
            error: Some(error),
        };
    }
    let body = due.notification.payload.clone();
    let timestamp = now().timestamp();
    let message_id = &due.notification.id;
    let signature = signature_header(&due.endpoint, message_id, timestamp, &body, now());
    let started = Instant::now();
    let result = client
        .post(&due.endpoint.url)
        .header("content-type", "application/json")
        .header("webhook-id", message_id)
        .header("webhook-timestamp", timestamp.to_string())
        .header("webhook-signature", signature)
        .body(body)
        .send()
        .await;
    let latency = |started: Instant| i32::try_from(started.elapsed().as_millis()).unwrap_or(i32::MAX);
    match result {
        Ok(response) => {
            let status = response.status().as_u16();
            let excerpt = excerpt_of(response).await;
            tracing::info!(endpoint = %due.endpoint.url, status, "notification delivered");
            AttemptOutcome {
                status_code: Some(status),
                latency_ms: latency(started),
                response_excerpt: excerpt,
                error: None,
            }
        }
        Err(error) => {
            tracing::warn!(endpoint = %due.endpoint.url, %error, "notification not delivered; will retry");
            AttemptOutcome {
                status_code: None,
                latency_ms: latency(started),
                response_excerpt: String::new(),
                error: Some(error.to_string()),
            }
        }
    }
}

/// The start of an endpoint's answer, read no further than the log keeps.
async fn excerpt_of(mut response: reqwest::Response) -> String {
    let mut bytes = Vec::new();
    while bytes.len() < EXCERPT_LEN {
        match response.chunk().await {
            Ok(Some(chunk)) => bytes.extend_from_slice(&chunk),
            _ => break,
        }
    }
    bytes.truncate(EXCERPT_LEN);
    String::from_utf8_lossy(&bytes).into_owned()
}

#[cfg(test)]
mod tests {
    use super::is_internal;

    #[test]
    fn internal_addresses_are_recognised() {
        for internal in [
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "169.254.169.254",
            "100.64.0.1",
            "0.0.0.0",
            "::1",
            "fd00::1",
            "fe80::1",
            "::ffff:10.0.0.1",
        ] {
            assert!(is_internal(internal.parse().expect("ip")), "{internal}");
        }
        for public in ["93.184.216.34", "8.8.8.8", "2606:4700::1111", "100.128.0.1"] {
            assert!(!is_internal(public.parse().expect("ip")), "{public}");
        }
    }
}
