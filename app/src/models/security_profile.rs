//! Security profiles: the OAuth clients a maker's cloud authenticates as, with the return URLs the consent
//! page may send customers back to.

use serde::{Deserialize, Serialize};
use std::collections::HashSet;

/// The longest return URL accepted; browsers and proxies start failing on much longer addresses.
const MAX_URL_LEN: usize = 2048;
pub const MAX_RETURN_URLS: usize = 10;

/// What the maker calls a profile (not shown to customers).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProfileName(String);

impl ProfileName {
    pub const MAX_LEN: usize = 60;

    pub fn parse(raw: &str) -> Result<Self, String> {
        let name = raw.trim();
        match name.chars().count() {
            0 => Err("Enter a name for the profile.".into()),
            n if n > Self::MAX_LEN => {
                Err(format!("A profile name has at most {} characters.", Self::MAX_LEN))
            }
            _ => Ok(Self(name.to_owned())),
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A return URL: absolute, HTTPS (plain HTTP only on a loopback host, for development), no fragment, no
/// credentials. Matching is exact, so the URL is kept as typed apart from surrounding spaces.
pub fn parse_return_url(raw: &str) -> Result<String, String> {
    let candidate = raw.trim();
    if candidate.len() > MAX_URL_LEN {
        return Err(format!("A return URL has at most {MAX_URL_LEN} characters."));
    }
    let Some((scheme, rest)) = candidate.split_once("://") else {
        return Err(format!("“{candidate}” is not an absolute URL such as https://example.com/callback."));
    };
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    let host = host_of(authority);
    if host.is_empty()
        || authority.contains('@')
        || candidate.chars().any(|c| c.is_whitespace() || c.is_control())
    {
        return Err(format!("“{candidate}” is not an absolute URL such as https://example.com/callback."));
    }
    if candidate.contains('#') {
        return Err("A return URL cannot contain a fragment (#).".into());
    }
    match scheme {
        "https" => Ok(candidate.to_owned()),
        "http" if is_loopback(host) => Ok(candidate.to_owned()),
        "http" => Err("Plain http is allowed only for localhost; use https.".into()),
        _ => Err(format!("“{candidate}” must start with https://.")),
    }
}

fn host_of(authority: &str) -> &str {
    if let Some(rest) = authority.strip_prefix('[') {
        return rest.split(']').next().unwrap_or_default();
    }
    authority.split(':').next().unwrap_or_default()
}

/// `localhost` or a loopback IP address (127.0.0.0/8, ::1); a name that merely starts with "127." is not.
fn is_loopback(host: &str) -> bool {
    host.eq_ignore_ascii_case("localhost")
        || host.parse::<std::net::IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

/// One return URL per line: at least one, at most ten, no repeats.
pub fn parse_return_urls(raw: &str) -> Result<Vec<String>, String> {
    let mut seen = HashSet::new();
    let mut urls = Vec::new();
    for line in raw.lines().map(str::trim).filter(|l| !l.is_empty()) {
        let url = parse_return_url(line)?;
        if !seen.insert(url.clone()) {
            return Err(format!("{url} is listed twice."));
        }
        urls.push(url);
    }
    match urls.len() {
        0 => Err("Enter at least one return URL.".into()),
        n if n > MAX_RETURN_URLS => Err(format!("List at most {MAX_RETURN_URLS} return URLs.")),
        _ => Ok(urls),
    }
}

/// How long a rolled secret keeps working, so clouds can switch without downtime.
pub const OVERLAP_CHOICES: [(u32, &str); 4] =
    [(0, "No overlap: the old secret stops now"), (1, "1 hour"), (24, "24 hours"), (168, "7 days")];

pub fn parse_overlap_hours(raw: &str) -> Result<u32, String> {
    raw.trim()
        .parse::<u32>()
        .ok()
        .filter(|hours| OVERLAP_CHOICES.iter().any(|(choice, _)| choice == hours))
        .ok_or_else(|| "Choose how long the old secret keeps working.".into())
}

/// A profile as the settings page lists it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SecurityProfileView {
    pub id: String,
    pub name: String,
    pub client_id: String,
    pub return_urls: Vec<String>,
    pub created_at: String,
    pub revoked_at: Option<String>,
    /// Until when the previous secret still works, after a roll.
    pub previous_secret_until: Option<String>,
}

/// A secret just created or rolled: shown once, on the page the maker lands on.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FreshSecret {
    pub profile_id: String,
    pub client_id: String,
    pub secret: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SecurityProfilesTab {
    pub profiles: Vec<SecurityProfileView>,
    pub can_edit: bool,
    pub fresh_secret: Option<FreshSecret>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn profile_names_have_one_to_sixty_characters() {
        assert!(ProfileName::parse("  ").is_err());
        assert_eq!(ProfileName::parse(" Cloud ").map(|n| n.as_str().to_owned()), Ok("Cloud".into()));
        assert!(ProfileName::parse(&"é".repeat(60)).is_ok());
        assert!(ProfileName::parse(&"é".repeat(61)).is_err());
    }

    #[test]
    fn return_urls_are_https_or_loopback_http() {
        assert!(parse_return_url("https://maker.example/callback?x=1").is_ok());
        assert!(parse_return_url("http://127.0.0.1:4000/cb").is_ok());
        assert!(parse_return_url("http://localhost/cb").is_ok());
        assert!(parse_return_url("http://[::1]:8080/cb").is_ok());
        assert!(parse_return_url("http://maker.example/cb").is_err());
        assert!(parse_return_url("http://127.attacker.example/cb").is_err(), "not a loopback address");
        assert!(parse_return_url("http://127.0.0.2:9/cb").is_ok());
        assert!(parse_return_url("https://maker.example/cb#frag").is_err());
        assert!(parse_return_url("https://user:pw@maker.example/cb").is_err());
        assert!(parse_return_url("javascript:alert(1)").is_err());
        assert!(parse_return_url("/relative").is_err());
        assert!(parse_return_url("https:///nohost").is_err());
        assert!(parse_return_url(&format!("https://a.example/{}", "x".repeat(2048))).is_err());
    }

    #[test]
    fn return_url_lists_need_one_to_ten_distinct_entries() {
        assert!(parse_return_urls(" \n ").is_err());
        assert_eq!(
            parse_return_urls("https://a.example/cb\n\nhttps://b.example/cb\n"),
            Ok(vec!["https://a.example/cb".into(), "https://b.example/cb".into()])
        );
        assert!(parse_return_urls("https://a.example/cb\nhttps://a.example/cb").is_err());
        let eleven: Vec<String> = (0..11).map(|i| format!("https://a.example/{i}")).collect();
        assert!(parse_return_urls(&eleven.join("\n")).is_err());
        assert!(parse_return_urls(&eleven[..10].join("\n")).is_ok());
    }

    #[test]
    fn overlaps_are_one_of_the_offered_choices() {
        assert_eq!(parse_overlap_hours("24"), Ok(24));
        assert_eq!(parse_overlap_hours("0"), Ok(0));
        assert!(parse_overlap_hours("5").is_err());
        assert!(parse_overlap_hours("-1").is_err());
        assert!(parse_overlap_hours("").is_err());
    }
}
