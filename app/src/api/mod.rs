//! Server functions, one file per area. Each reads the session, calls one service and maps the result.
//! A page's loaders are named `load_…` or `list_…` and change nothing but the session's expiry: the server
//! empties its caches after every other `POST` (`server::cache_changes`), and not after theirs.

pub mod account;
pub mod auth;
pub mod certification;
pub mod consent;
pub mod customer;
pub mod devices;
pub mod members;
pub mod notifications;
pub mod organizations;
pub mod requests;
pub mod review;
pub mod sandbox;
pub mod security_profiles;
pub mod simulator;

#[cfg(feature = "ssr")]
pub(crate) mod server;
#[cfg(feature = "ssr")]
pub use server::RequestViewer;

/// Only local paths are followed after sign-in, so a crafted link cannot send users elsewhere.
pub fn safe_next(next: &str) -> Option<String> {
    // Browsers drop tabs and newlines while parsing URLs ("/\t/evil" becomes "//evil"), so only plain
    // printable ASCII is accepted, and never a second slash or backslash right after the first.
    let printable = next.bytes().all(|b| b.is_ascii_graphic());
    let local = next.starts_with('/') && !matches!(next.as_bytes().get(1), Some(b'/' | b'\\'));
    (printable && local && !next.contains('\\')).then(|| next.to_owned())
}

#[cfg(test)]
mod tests {
    use super::safe_next;

    #[test]
    fn only_local_paths_are_followed() {
        assert_eq!(safe_next("/invites/abc"), Some("/invites/abc".into()));
        assert_eq!(safe_next("//evil.example"), None);
        assert_eq!(safe_next("https://evil.example"), None);
        assert_eq!(safe_next("/\\evil.example"), None);
        assert_eq!(safe_next(""), None);
        assert_eq!(safe_next("/\t/evil.example"), None);
        assert_eq!(safe_next("/\n/evil.example"), None);
        assert_eq!(safe_next(" //evil.example"), None);
        assert_eq!(safe_next("/orgs/abc/members?tab=1"), Some("/orgs/abc/members?tab=1".into()));
    }
}
