//! Delivers notifications to makers' endpoints: POSTs the JSON with Standard Webhooks headers and records
//! every attempt. What fails is retried from the database with backoff, for up to three days.

use app::services::notifications::{
    claim_due, record_attempt, signature_header, AttemptOutcome, DueDelivery,
};
use app::services::now;
use chrono::Duration;
use sea_orm::DatabaseConnection;
use std::sync::Arc;
use std::time::Instant;
use tokio::sync::Notify;

/// Longer than any request may take, so a slow endpoint cannot let another instance send the same delivery.
const CLAIM_FOR: Duration = Duration::minutes(2);
const REQUEST_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(15);
const BATCH: u64 = 20;
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

async fn send(client: &reqwest::Client, due: &DueDelivery) -> AttemptOutcome {
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
            let excerpt = response.text().await.unwrap_or_default();
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
