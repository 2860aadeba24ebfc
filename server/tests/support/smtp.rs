//! A real SMTP server on loopback that keeps what it receives, for tests that assert on mail. It can be
//! stopped and restarted on the same port to simulate an outage.

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;
use tokio::task::JoinHandle;

#[derive(Debug, Clone)]
pub struct ReceivedMail {
    pub recipients: Vec<String>,
    pub subject: String,
    pub text: String,
    pub html: String,
    pub raw: String,
}

#[derive(Clone, Default)]
pub struct Inbox(Arc<Mutex<Vec<ReceivedMail>>>);

impl Inbox {
    pub fn all(&self) -> Vec<ReceivedMail> {
        self.0.lock().expect("inbox lock").clone()
    }

    /// Waits up to 10 s for a message to `to` whose subject contains `subject`.
    pub async fn wait_for(&self, to: &str, subject: &str) -> ReceivedMail {
        for _ in 0..200 {
            if let Some(mail) = self.all().into_iter().rev().find(|m| {
                m.recipients.iter().any(|r| r.eq_ignore_ascii_case(to)) && m.subject.contains(subject)
            }) {
                return mail;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("no mail to {to} with subject containing {subject:?}; received: {:#?}", self.all());
    }

    pub fn count_to(&self, to: &str) -> usize {
        self.all().iter().filter(|m| m.recipients.iter().any(|r| r.eq_ignore_ascii_case(to))).count()
    }

    /// Waits up to 5 s for `to` to have received `count` messages; answers how many arrived.
    pub async fn wait_for_count(&self, to: &str, count: usize) -> usize {
        for _ in 0..100 {
            if self.count_to(to) >= count {
                break;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        self.count_to(to)
    }
}

pub struct SmtpServer {
    pub address: SocketAddr,
    pub inbox: Inbox,
    task: JoinHandle<()>,
}

impl SmtpServer {
    pub async fn start() -> Self {
        Self::start_on("127.0.0.1:0".parse().expect("address"), Inbox::default()).await
    }

    pub async fn start_on(address: SocketAddr, inbox: Inbox) -> Self {
        let listener = TcpListener::bind(address).await.expect("bind smtp");
        let address = listener.local_addr().expect("smtp address");
        let keep = inbox.clone();
        // Sessions live in the accept task's set, so stopping the server also cuts the connections a
        // client pooled: a stopped server is down for everyone.
        let task = tokio::spawn(async move {
            let mut sessions = tokio::task::JoinSet::new();
            while let Ok((socket, _)) = listener.accept().await {
                sessions.spawn(serve(socket, keep.clone()));
                while sessions.try_join_next().is_some() {}
            }
        });
        Self { address, inbox, task }
    }

    pub fn url(&self) -> String {
        format!("smtp://{}", self.address)
    }

    pub fn stop(&self) {
        self.task.abort();
    }
}

impl Drop for SmtpServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn serve(socket: tokio::net::TcpStream, inbox: Inbox) {
    let (read, mut write) = socket.into_split();
    let mut lines = BufReader::new(read).lines();
    let _ = write.write_all(b"220 test.local ESMTP\r\n").await;
    let mut recipients = Vec::new();
    while let Ok(Some(line)) = lines.next_line().await {
        let upper = line.to_ascii_uppercase();
        let reply: &[u8] = if upper.starts_with("EHLO") || upper.starts_with("HELO") {
            b"250-test.local\r\n250 8BITMIME\r\n"
        } else if upper.starts_with("MAIL FROM") {
            recipients.clear();
            b"250 OK\r\n"
        } else if upper.starts_with("RCPT TO") {
            let address = line[8..].trim().trim_start_matches(':').trim().trim_matches(['<', '>']).to_owned();
            recipients.push(address);
            b"250 OK\r\n"
        } else if upper.starts_with("DATA") {
            let _ = write.write_all(b"354 end with .\r\n").await;
            let mut raw = String::new();
            while let Ok(Some(data)) = lines.next_line().await {
                if data == "." {
                    break;
                }
                raw.push_str(data.strip_prefix('.').filter(|_| data.starts_with("..")).unwrap_or(&data));
                raw.push_str("\r\n");
            }
            inbox.0.lock().expect("inbox lock").push(parse(recipients.clone(), raw));
            b"250 queued\r\n"
        } else if upper.starts_with("QUIT") {
            let _ = write.write_all(b"221 bye\r\n").await;
            return;
        } else {
            b"250 OK\r\n"
        };
        if write.write_all(reply).await.is_err() {
            return;
        }
    }
}

fn split_headers(part: &str) -> (Vec<(String, String)>, String) {
    let (head, body) = part.split_once("\r\n\r\n").unwrap_or((part, ""));
    let mut headers: Vec<(String, String)> = Vec::new();
    for line in head.split("\r\n") {
        if line.starts_with([' ', '\t']) {
            if let Some(last) = headers.last_mut() {
                last.1.push(' ');
                last.1.push_str(line.trim());
            }
        } else if let Some((name, value)) = line.split_once(':') {
            headers.push((name.trim().to_ascii_lowercase(), value.trim().to_owned()));
        }
    }
    (headers, body.to_owned())
}

fn header<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    headers.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str())
}

fn decode_body(headers: &[(String, String)], body: &str) -> String {
    match header(headers, "content-transfer-encoding").map(str::to_ascii_lowercase).as_deref() {
        Some("base64") => {
            let compact: String = body.chars().filter(|c| !c.is_whitespace()).collect();
            String::from_utf8_lossy(&STANDARD.decode(compact).unwrap_or_default()).into_owned()
        }
        Some("quoted-printable") => decode_quoted_printable(body),
        _ => body.to_owned(),
    }
}

fn decode_quoted_printable(body: &str) -> String {
    let joined = body.replace("=\r\n", "");
    let bytes = joined.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'=' && i + 2 < bytes.len() + 1 {
            if let Ok(byte) = u8::from_str_radix(
                std::str::from_utf8(&bytes[i + 1..(i + 3).min(bytes.len())]).unwrap_or(""),
                16,
            ) {
                out.push(byte);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Decodes an RFC 2047 encoded-word subject (lettre encodes non-ASCII subjects).
fn decode_subject(raw: &str) -> String {
    raw.split_whitespace()
        .map(|word| {
            let inner = word.strip_prefix("=?").and_then(|w| w.strip_suffix("?="));
            match inner.and_then(|w| {
                let mut pieces = w.splitn(3, '?');
                Some((pieces.next()?, pieces.next()?, pieces.next()?))
            }) {
                Some((_, encoding, text)) if encoding.eq_ignore_ascii_case("b") => {
                    String::from_utf8_lossy(&STANDARD.decode(text).unwrap_or_default()).into_owned()
                }
                Some((_, _, text)) => decode_quoted_printable(&text.replace('_', " ")),
                None => format!("{word} "),
            }
        })
        .collect::<String>()
        .trim()
        .to_owned()
}

fn parse(recipients: Vec<String>, raw: String) -> ReceivedMail {
    let (headers, body) = split_headers(&raw);
    let subject = decode_subject(header(&headers, "subject").unwrap_or_default());
    let (mut text, mut html) = (String::new(), String::new());
    let content_type = header(&headers, "content-type").unwrap_or_default().to_owned();
    if let Some(boundary) = content_type.split("boundary=").nth(1).map(|b| b.trim_matches('"').to_owned()) {
        for part in body.split(&format!("--{boundary}")).skip(1) {
            let part = part.trim_start_matches("\r\n");
            if part.starts_with("--") {
                break;
            }
            let (part_headers, part_body) = split_headers(part);
            let kind = header(&part_headers, "content-type").unwrap_or_default().to_ascii_lowercase();
            let decoded = decode_body(&part_headers, part_body.trim_end_matches("\r\n"));
            if kind.starts_with("text/plain") {
                text = decoded;
            } else if kind.starts_with("text/html") {
                html = decoded;
            }
        }
    } else {
        text = decode_body(&headers, &body);
    }
    ReceivedMail { recipients, subject, text, html, raw }
}

/// The path and query of the first link in `text` whose path starts with `prefix`.
pub fn link_path(text: &str, prefix: &str) -> String {
    text.split_whitespace()
        .filter_map(|word| word.strip_prefix("http://").or_else(|| word.strip_prefix("https://")))
        .filter_map(|rest| rest.find('/').map(|slash| rest[slash..].to_owned()))
        .find(|path| path.starts_with(prefix))
        .unwrap_or_else(|| panic!("no link starting with {prefix} in:\n{text}"))
}
