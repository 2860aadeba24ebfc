//! Delivers the mail outbox through lettre: SMTP when configured, files under `data/mail/` otherwise.
//! A failed delivery stays in the outbox and is retried with exponential backoff.

use app::entities::outbox_email;
use app::services::now;
use chrono::Duration;
use lettre::message::{header::ContentType, Mailbox, MultiPart, SinglePart};
use lettre::{AsyncFileTransport, AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ColumnTrait, Condition, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
};
use std::path::PathBuf;
use std::sync::Arc;
use tokio::sync::Notify;

/// How long a claimed message is reserved for the instance sending it.
const CLAIM_FOR: Duration = Duration::minutes(2);
const BATCH: u64 = 20;
/// When nothing wakes the worker, it still looks for due retries this often.
const IDLE_POLL: std::time::Duration = std::time::Duration::from_secs(2);

pub enum Mailer {
    Smtp(AsyncSmtpTransport<Tokio1Executor>),
    Files(AsyncFileTransport<Tokio1Executor>),
}

impl Mailer {
    pub fn smtp(url: &str) -> Result<Self, lettre::transport::smtp::Error> {
        // Well under the claim, so a hung server cannot let another instance send the same message.
        let timeout = Some(std::time::Duration::from_secs(30));
        Ok(Mailer::Smtp(AsyncSmtpTransport::<Tokio1Executor>::from_url(url)?.timeout(timeout).build()))
    }

    pub fn files(dir: PathBuf) -> std::io::Result<Self> {
        std::fs::create_dir_all(&dir)?;
        Ok(Mailer::Files(AsyncFileTransport::<Tokio1Executor>::new(dir)))
    }

    async fn send(&self, message: Message) -> Result<(), String> {
        match self {
            Mailer::Smtp(transport) => transport.send(message).await.map(|_| ()).map_err(|e| e.to_string()),
            Mailer::Files(transport) => transport.send(message).await.map(|_| ()).map_err(|e| e.to_string()),
        }
    }
}

/// The wait before attempt `attempts + 1`: 10 s doubling per failure, at most an hour.
pub fn retry_delay(attempts: i32) -> Duration {
    let exponent = attempts.clamp(0, 9) as u32;
    Duration::seconds((10_i64 << exponent).min(3600))
}

pub struct MailWorker {
    pub db: DatabaseConnection,
    pub mailer: Mailer,
    pub from: Mailbox,
    pub wake: Arc<Notify>,
}

impl MailWorker {
    pub async fn run(self) {
        loop {
            match self.deliver_due().await {
                Ok(0) => {
                    let _ = tokio::time::timeout(IDLE_POLL, self.wake.notified()).await;
                }
                Ok(_) => {}
                Err(error) => {
                    tracing::error!(%error, "mail worker could not read the outbox");
                    tokio::time::sleep(IDLE_POLL).await;
                }
            }
        }
    }

    /// Sends every message that is due and not claimed by another instance; returns how many it tried.
    pub async fn deliver_due(&self) -> Result<usize, sea_orm::DbErr> {
        let at = now();
        let due = outbox_email::Entity::find()
            .filter(outbox_email::Column::SentAt.is_null())
            .filter(outbox_email::Column::NextAttemptAt.lte(at))
            .filter(unclaimed(at))
            .order_by_asc(outbox_email::Column::NextAttemptAt)
            .limit(BATCH)
            .all(&self.db)
            .await?;
        let mut tried = 0;
        for row in due {
            // Claim with a guarded update: of several instances, exactly one sees a row changed. The lease
            // starts now, not when the batch was read, so slow sends before it cannot shorten it.
            let claimed_at = now();
            let claimed = outbox_email::Entity::update_many()
                .col_expr(outbox_email::Column::LockedUntil, Expr::value(claimed_at + CLAIM_FOR))
                .filter(outbox_email::Column::Id.eq(&row.id))
                .filter(outbox_email::Column::SentAt.is_null())
                .filter(unclaimed(claimed_at))
                .exec(&self.db)
                .await?;
            if claimed.rows_affected != 1 {
                continue;
            }
            tried += 1;
            let outcome = match build_message(&self.from, &row) {
                Ok(message) => self.mailer.send(message).await,
                Err(error) => Err(error),
            };
            let update = outbox_email::Entity::update_many().filter(outbox_email::Column::Id.eq(&row.id));
            match outcome {
                Ok(()) => {
                    // The bodies carry single-use links; once delivered, only the envelope is kept.
                    update
                        .col_expr(outbox_email::Column::SentAt, Expr::value(now()))
                        .col_expr(outbox_email::Column::TextBody, Expr::value(""))
                        .col_expr(outbox_email::Column::HtmlBody, Expr::value(""))
                        .col_expr(outbox_email::Column::Attempts, Expr::value(row.attempts + 1))
                        .col_expr(
                            outbox_email::Column::LockedUntil,
                            Expr::value(Option::<chrono::DateTime<chrono::Utc>>::None),
                        )
                        .exec(&self.db)
                        .await?;
                    tracing::info!(id = %row.id, subject = %row.subject, "mail sent");
                }
                Err(error) => {
                    let next = now() + retry_delay(row.attempts);
                    tracing::warn!(id = %row.id, attempts = row.attempts + 1, %error, retry_at = %next, "mail not sent; will retry");
                    update
                        .col_expr(outbox_email::Column::Attempts, Expr::value(row.attempts + 1))
                        .col_expr(outbox_email::Column::NextAttemptAt, Expr::value(next))
                        .col_expr(outbox_email::Column::LastError, Expr::value(error))
                        .col_expr(
                            outbox_email::Column::LockedUntil,
                            Expr::value(Option::<chrono::DateTime<chrono::Utc>>::None),
                        )
                        .exec(&self.db)
                        .await?;
                }
            }
        }
        Ok(tried)
    }
}

fn unclaimed(at: chrono::DateTime<chrono::Utc>) -> Condition {
    Condition::any()
        .add(outbox_email::Column::LockedUntil.is_null())
        .add(outbox_email::Column::LockedUntil.lt(at))
}

fn build_message(from: &Mailbox, row: &outbox_email::Model) -> Result<Message, String> {
    let to: Mailbox = row.to_address.parse().map_err(|e: lettre::address::AddressError| e.to_string())?;
    let domain = from.email.domain().to_owned();
    Message::builder()
        .from(from.clone())
        .to(to)
        .subject(&row.subject)
        .message_id(Some(format!("<{}@{}>", row.id, domain)))
        .multipart(
            MultiPart::alternative()
                .singlepart(SinglePart::builder().header(ContentType::TEXT_PLAIN).body(row.text_body.clone()))
                .singlepart(SinglePart::builder().header(ContentType::TEXT_HTML).body(row.html_body.clone())),
        )
        .map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::retry_delay;

    #[test]
    fn retry_delay_doubles_from_ten_seconds_and_caps_at_an_hour() {
        assert_eq!(retry_delay(0).num_seconds(), 10);
        assert_eq!(retry_delay(1).num_seconds(), 20);
        assert_eq!(retry_delay(5).num_seconds(), 320);
        assert_eq!(retry_delay(9).num_seconds(), 3600);
        assert_eq!(retry_delay(500).num_seconds(), 3600);
    }
}
