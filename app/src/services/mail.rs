//! Mail is written to the outbox in the caller's transaction and sent later by the mail worker, so a
//! change and the email it causes are stored together or not at all.

use crate::entities::outbox_email;
use crate::services::{now, tokens::new_id};
use sea_orm::{ActiveModelTrait, ConnectionTrait, DbErr, Set};

/// A message ready for the outbox, with a plain-text and an HTML part.
#[derive(Debug, Clone, PartialEq)]
pub struct OutgoingEmail {
    pub to: String,
    pub subject: String,
    pub text: String,
    pub html: String,
}

impl OutgoingEmail {
    /// Builds both parts from the same paragraphs and an optional button link.
    pub fn compose(to: &str, subject: &str, paragraphs: &[String], action: Option<(&str, &str)>) -> Self {
        let mut text = paragraphs.join("\n\n");
        let mut html = String::from(
            "<!doctype html><html><body style=\"font-family:system-ui,sans-serif;line-height:1.5;color:#1b1f24\">",
        );
        for paragraph in paragraphs {
            html.push_str(&format!("<p>{}</p>", escape_html(paragraph)));
        }
        if let Some((label, url)) = action {
            text.push_str(&format!("\n\n{label}:\n{url}\n"));
            html.push_str(&format!(
                "<p><a href=\"{0}\" style=\"background:#1f5fbf;color:#fff;padding:8px 14px;border-radius:4px;\
                 text-decoration:none\">{1}</a></p><p style=\"font-size:90%\">Or paste this link into your \
                 browser: {0}</p>",
                escape_html(url),
                escape_html(label)
            ));
        }
        text.push_str("\n\n-- \nReplenish\n");
        html.push_str("<p style=\"color:#57606a\">Replenish</p></body></html>");
        Self { to: to.to_owned(), subject: subject.to_owned(), text, html }
    }
}

pub fn escape_html(raw: &str) -> String {
    let mut escaped = String::with_capacity(raw.len());
    for c in raw.chars() {
        match c {
            '&' => escaped.push_str("&amp;"),
            '<' => escaped.push_str("&lt;"),
            '>' => escaped.push_str("&gt;"),
            '"' => escaped.push_str("&quot;"),
            '\'' => escaped.push_str("&#39;"),
            _ => escaped.push(c),
        }
    }
    escaped
}

/// Stores the email in the outbox on `conn` (pass the transaction of the change that causes it).
pub async fn queue_email(conn: &impl ConnectionTrait, email: OutgoingEmail) -> Result<(), DbErr> {
    let at = now();
    outbox_email::ActiveModel {
        id: Set(new_id()),
        to_address: Set(email.to),
        subject: Set(email.subject),
        text_body: Set(email.text),
        html_body: Set(email.html),
        attempts: Set(0),
        next_attempt_at: Set(at),
        locked_until: Set(None),
        sent_at: Set(None),
        last_error: Set(None),
        created_at: Set(at),
    }
    .insert(conn)
    .await
    .map(|_| ())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn composed_email_has_the_link_in_both_parts_and_escapes_html() {
        let email = OutgoingEmail::compose(
            "a@example.com",
            "Hello",
            &["Tom & <Jerry>".to_owned()],
            Some(("Open", "https://x.test/verify?token=a&b=c")),
        );
        assert!(email.text.contains("https://x.test/verify?token=a&b=c"));
        assert!(email.html.contains("Tom &amp; &lt;Jerry&gt;"));
        assert!(email.html.contains("href=\"https://x.test/verify?token=a&amp;b=c\""));
    }
}
