//! Server functions, one file per area. Each reads the session, calls one service and maps the result.

pub mod account;
pub mod auth;
pub mod members;
pub mod organizations;
pub mod review;

#[cfg(feature = "ssr")]
pub(crate) mod server;

/// Only local paths are followed after sign-in, so a crafted link cannot send users elsewhere.
pub fn safe_next(next: &str) -> Option<String> {
    let next = next.trim();
    let local = next.starts_with('/') && !next.starts_with("//") && !next.contains('\\');
    local.then(|| next.to_owned())
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
    }
}
