//! Signed-in viewers kept in memory between requests, so a portal page on PostgreSQL costs the database its
//! own statement only, not also the session's. A statement there is a round trip to another process, and
//! most of a page's database time is the protocol's, not the query's.
//!
//! A cached viewer is right only while nothing it was read from has changed. Triggers on those tables
//! (`session`, `user`, `membership`, `organization`) notify every instance on commit, and each instance's
//! listener empties its cache. While no listener is known to hear them (before the first one has heard
//! its own probe, after one is lost or stops hearing), the cache is off: a notification sent meanwhile
//! would be missed. SQLite, one process with no notifications, never turns it on.
//!
//! A notification reaches the listener shortly after its commit, so a browser's next request to the same
//! instance could overtake it; an instance therefore also empties its cache after every change it answers
//! itself.

use crate::error::AppError;
use crate::models::Viewer;
use chrono::{DateTime, Utc};
use std::collections::HashMap;
use std::future::Future;
use std::sync::{Arc, Mutex, MutexGuard};

/// Past this many sessions the cache is emptied and fills again with the ones in use.
const CAPACITY: usize = 10_000;

#[derive(Default)]
pub struct ViewerCache {
    inner: Mutex<Inner>,
}

#[derive(Default)]
struct Inner {
    /// Moves on every emptying, so a viewer read before it is not stored after it.
    generation: u64,
    listening: bool,
    entries: HashMap<String, Arc<Cached>>,
}

impl Inner {
    /// Empties the cache and moves its generation, turning it on or off if `listening` says so.
    fn reset(&mut self, listening: Option<bool>) {
        self.generation += 1;
        self.entries.clear();
        if let Some(listening) = listening {
            self.listening = listening;
        }
    }
}

struct Cached {
    viewer: Viewer,
    session_expires_at: DateTime<Utc>,
}

/// What a lookup found.
enum Lookup {
    /// The session's viewer and the session's expiry.
    Hit(Viewer, DateTime<Utc>),
    /// Not cached: read it, and store it with this ticket (`None` while the cache is off).
    Miss(Option<Ticket>),
}

/// Taken before a viewer is read from the database; storing with it fails if the cache was emptied since.
#[derive(Clone, Copy)]
struct Ticket(u64);

impl ViewerCache {
    fn lock(&self) -> MutexGuard<'_, Inner> {
        // The map is left consistent at every step, so a panic elsewhere while it was held changes nothing.
        self.inner.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// The viewer of the session stored under `session_key` if cached and the session unexpired.
    fn lookup(&self, session_key: &str, now: DateTime<Utc>) -> Lookup {
        let mut inner = self.lock();
        if !inner.listening {
            return Lookup::Miss(None);
        }
        let ticket = Some(Ticket(inner.generation));
        let Some(cached) = inner.entries.get(session_key).cloned() else {
            return Lookup::Miss(ticket);
        };
        if cached.session_expires_at <= now {
            inner.entries.remove(session_key);
            return Lookup::Miss(ticket);
        }
        drop(inner);
        Lookup::Hit(cached.viewer.clone(), cached.session_expires_at)
    }

    /// The viewer of the session stored under `session_key` with the session's expiry, from the cache, or
    /// else from `load` and then cached.
    pub async fn get_or_load<F>(
        &self,
        session_key: &str,
        load: impl FnOnce() -> F,
    ) -> Result<(Viewer, DateTime<Utc>), AppError>
    where
        F: Future<Output = Result<(Viewer, DateTime<Utc>), AppError>>,
    {
        let ticket = match self.lookup(session_key, crate::services::now()) {
            Lookup::Hit(viewer, expires_at) => return Ok((viewer, expires_at)),
            Lookup::Miss(ticket) => ticket,
        };
        let (viewer, expires_at) = load().await?;
        if let Some(ticket) = ticket {
            self.store(ticket, session_key, &viewer, expires_at);
        }
        Ok((viewer, expires_at))
    }

    /// Keeps a viewer read after `ticket` was taken, unless the cache was emptied or turned off since.
    fn store(&self, ticket: Ticket, session_key: &str, viewer: &Viewer, session_expires_at: DateTime<Utc>) {
        let mut inner = self.lock();
        if !inner.listening || inner.generation != ticket.0 {
            return;
        }
        if inner.entries.len() >= CAPACITY {
            inner.entries.clear();
        }
        let cached = Cached { viewer: viewer.clone(), session_expires_at };
        inner.entries.insert(session_key.to_owned(), Arc::new(cached));
    }

    /// Forgets every viewer: something they were read from may have changed.
    pub fn empty(&self) {
        self.lock().reset(None);
    }

    /// Turns the cache on once a listener is connected and hears; empty, since changes went unheard before.
    pub fn resume(&self) {
        self.lock().reset(Some(true));
    }

    /// Whether viewers are cached: a listener is known to hear changes.
    pub fn is_on(&self) -> bool {
        self.lock().listening
    }

    /// Turns the cache off when the listener is lost or stops.
    pub fn suspend(&self) {
        self.lock().reset(Some(false));
    }

    #[cfg(test)]
    fn len(&self) -> usize {
        self.lock().entries.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::models::{OrgSummary, Role};

    fn viewer(email: &str) -> Viewer {
        Viewer {
            user_id: "user-1".to_owned(),
            email: email.to_owned(),
            is_reviewer: false,
            organizations: vec![OrgSummary {
                id: "org-1".to_owned(),
                name: "Acme".to_owned(),
                role: Role::Owner,
            }],
        }
    }

    fn ticket(cache: &ViewerCache, key: &str) -> Ticket {
        match cache.lookup(key, Utc::now()) {
            Lookup::Miss(Some(ticket)) => ticket,
            Lookup::Miss(None) => panic!("the cache is off"),
            Lookup::Hit(..) => panic!("{key} is cached already"),
        }
    }

    fn hit(cache: &ViewerCache, key: &str, now: DateTime<Utc>) -> Option<(Viewer, DateTime<Utc>)> {
        match cache.lookup(key, now) {
            Lookup::Hit(viewer, expires_at) => Some((viewer, expires_at)),
            Lookup::Miss(_) => None,
        }
    }

    fn tomorrow() -> DateTime<Utc> {
        Utc::now() + chrono::Duration::days(1)
    }

    fn listening() -> ViewerCache {
        let cache = ViewerCache::default();
        cache.resume();
        cache
    }

    #[test]
    fn a_stored_viewer_is_found_under_its_session_until_the_session_expires() {
        let cache = listening();
        let expires_at = Utc::now() + chrono::Duration::days(7);
        let ticket = ticket(&cache, "session-a");
        cache.store(ticket, "session-a", &viewer("a@example.com"), expires_at);

        assert_eq!(hit(&cache, "session-a", Utc::now()), Some((viewer("a@example.com"), expires_at)));
        assert_eq!(hit(&cache, "session-b", Utc::now()), None);
        assert_eq!(hit(&cache, "session-a", expires_at), None, "a session expiring now is not signed in");
        assert_eq!(cache.len(), 0, "the expired entry is dropped");
    }

    #[test]
    fn a_viewer_read_before_the_cache_was_emptied_is_not_stored() {
        let cache = listening();
        let ticket = ticket(&cache, "session-a");
        cache.empty();
        cache.store(ticket, "session-a", &viewer("a@example.com"), tomorrow());
        assert_eq!(hit(&cache, "session-a", Utc::now()), None);
    }

    #[test]
    fn emptying_forgets_every_viewer() {
        let cache = listening();
        for key in ["session-a", "session-b"] {
            let ticket = ticket(&cache, key);
            cache.store(ticket, key, &viewer("a@example.com"), tomorrow());
        }
        assert_eq!(cache.len(), 2);
        cache.empty();
        assert_eq!(cache.len(), 0);
        assert_eq!(hit(&cache, "session-a", Utc::now()), None);
    }

    #[test]
    fn the_cache_is_off_until_a_listener_connects_and_while_it_is_lost() {
        let cache = ViewerCache::default();
        assert!(matches!(cache.lookup("session-a", Utc::now()), Lookup::Miss(None)));

        cache.resume();
        let before_loss = ticket(&cache, "session-a");
        cache.store(before_loss, "session-a", &viewer("a@example.com"), tomorrow());
        cache.suspend();
        assert!(matches!(cache.lookup("session-a", Utc::now()), Lookup::Miss(None)));
        cache.store(before_loss, "session-a", &viewer("a@example.com"), tomorrow());

        cache.resume();
        assert_eq!(hit(&cache, "session-a", Utc::now()), None, "nothing cached before the loss survives it");
        cache.store(before_loss, "session-a", &viewer("a@example.com"), tomorrow());
        assert_eq!(cache.len(), 0, "nor is a viewer read before the loss stored after it");
    }

    #[test]
    fn a_full_cache_starts_over_rather_than_grow() {
        let cache = listening();
        let expires_at = tomorrow();
        for n in 0..CAPACITY {
            let key = format!("session-{n}");
            let ticket = ticket(&cache, &key);
            cache.store(ticket, &key, &viewer("a@example.com"), expires_at);
        }
        assert_eq!(cache.len(), CAPACITY);
        let ticket = ticket(&cache, "one-more");
        cache.store(ticket, "one-more", &viewer("a@example.com"), expires_at);
        assert_eq!(cache.len(), 1);
        assert!(hit(&cache, "one-more", Utc::now()).is_some());
    }
}
