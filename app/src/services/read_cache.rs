//! What portal pages read, kept in memory between requests on PostgreSQL, so a page costs the database
//! nothing while nothing it shows has changed. A statement there is a round trip to another process, and
//! most of a page's database time is the protocol's, not the query's. Three caches: signed-in viewers
//! (every page starts with its viewer), device pages and pages of the device list.
//!
//! A cached entry is right only while nothing it was read from has changed. Triggers on those tables
//! notify every instance on commit, and each instance's listener empties the caches the change concerns.
//! While no listener is known to hear them (before the first one has heard its own probe, after one is
//! lost or stops hearing), the caches are off: a notification sent meanwhile would be missed. SQLite, one
//! process with no notifications, never turns them on.
//!
//! A notification reaches the listener shortly after its commit, so a browser's next request to the same
//! instance could overtake it; an instance therefore also empties its caches after every change it
//! answers itself.
//!
//! An entry is stored under what identifies it to the database, the organization first, and handed out
//! only after the viewer's membership of that organization is checked: a cache never answers a question
//! the database would have refused.

use crate::error::AppError;
use crate::models::{DeviceDetail, DeviceList, Viewer};
use chrono::{DateTime, Utc};
use std::collections::HashMap;
use std::future::Future;
use std::hash::Hash;
use std::sync::{Arc, Mutex, MutexGuard};

/// A value a cache can hold: it may stop being true with time alone, not only with a change.
pub trait Cacheable: Clone {
    /// Whether the value still holds at `now`.
    fn holds_at(&self, _now: DateTime<Utc>) -> bool {
        true
    }
}

/// A session's viewer and the session's expiry: the viewer stops holding when the session expires.
impl Cacheable for (Viewer, DateTime<Utc>) {
    fn holds_at(&self, now: DateTime<Utc>) -> bool {
        self.1 > now
    }
}

impl Cacheable for DeviceDetail {}

impl Cacheable for DeviceList {}

/// One cache: values by key, while a listener hears changes.
pub struct ReadCache<K, V> {
    inner: Mutex<Inner<K, V>>,
    /// Past this many entries the cache is emptied and fills again with the ones in use.
    capacity: usize,
}

struct Inner<K, V> {
    /// Moves on every emptying, so a value read before it is not stored after it.
    generation: u64,
    listening: bool,
    entries: HashMap<K, Arc<V>>,
}

impl<K, V> Inner<K, V> {
    /// Empties the cache and moves its generation, turning it on or off if `listening` says so.
    fn reset(&mut self, listening: Option<bool>) {
        self.generation += 1;
        self.entries.clear();
        if let Some(listening) = listening {
            self.listening = listening;
        }
    }
}

/// What a lookup found.
enum Lookup<V> {
    Hit(V),
    /// Not cached: read it, and store it with this ticket (`None` while the cache is off).
    Miss(Option<Ticket>),
}

/// Taken before a value is read from the database; storing with it fails if the cache was emptied since.
#[derive(Clone, Copy)]
struct Ticket(u64);

impl<K: Eq + Hash, V: Cacheable> ReadCache<K, V> {
    pub fn new(capacity: usize) -> Self {
        let inner = Inner { generation: 0, listening: false, entries: HashMap::new() };
        Self { inner: Mutex::new(inner), capacity }
    }

    fn lock(&self) -> MutexGuard<'_, Inner<K, V>> {
        // The map is left consistent at every step, so a panic elsewhere while it was held changes nothing.
        self.inner.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// The value stored under `key` if cached and still holding at `now`.
    fn lookup(&self, key: &K, now: DateTime<Utc>) -> Lookup<V> {
        let mut inner = self.lock();
        if !inner.listening {
            return Lookup::Miss(None);
        }
        let ticket = Some(Ticket(inner.generation));
        let Some(cached) = inner.entries.get(key).cloned() else {
            return Lookup::Miss(ticket);
        };
        if !cached.holds_at(now) {
            inner.entries.remove(key);
            return Lookup::Miss(ticket);
        }
        drop(inner);
        Lookup::Hit(V::clone(&cached))
    }

    /// The value stored under `key`, from the cache, or else from `load` and then cached. An error is
    /// never cached.
    pub async fn get_or_load<F>(&self, key: K, load: impl FnOnce() -> F) -> Result<V, AppError>
    where
        F: Future<Output = Result<V, AppError>>,
    {
        let ticket = match self.lookup(&key, crate::services::now()) {
            Lookup::Hit(value) => return Ok(value),
            Lookup::Miss(ticket) => ticket,
        };
        let value = load().await?;
        if let Some(ticket) = ticket {
            self.store(ticket, key, &value);
        }
        Ok(value)
    }

    /// Keeps a value read after `ticket` was taken, unless the cache was emptied or turned off since.
    fn store(&self, ticket: Ticket, key: K, value: &V) {
        let mut inner = self.lock();
        if !inner.listening || inner.generation != ticket.0 {
            return;
        }
        if inner.entries.len() >= self.capacity {
            inner.entries.clear();
        }
        inner.entries.insert(key, Arc::new(value.clone()));
    }

    /// Forgets every value: something they were read from may have changed.
    pub fn empty(&self) {
        self.lock().reset(None);
    }

    /// Turns the cache on once a listener is connected and hears; empty, since changes went unheard before.
    fn resume(&self) {
        self.lock().reset(Some(true));
    }

    /// Whether values are cached: a listener is known to hear changes.
    fn is_on(&self) -> bool {
        self.lock().listening
    }

    /// Turns the cache off when the listener is lost or stops.
    fn suspend(&self) {
        self.lock().reset(Some(false));
    }

    #[cfg(test)]
    fn len(&self) -> usize {
        self.lock().entries.len()
    }
}

/// A device page's key: its organization and device.
pub type DeviceKey = (String, String);
/// A page of the device list's key: its organization, page and search.
pub type DeviceListKey = (String, u64, String);

/// The server's caches, turned on and off together by the listener.
pub struct ReadCaches {
    /// How many times the caches turned on.
    resumed: std::sync::atomic::AtomicU64,
    /// Viewers by session key.
    pub viewers: ReadCache<String, (Viewer, DateTime<Utc>)>,
    pub devices: ReadCache<DeviceKey, DeviceDetail>,
    pub device_lists: ReadCache<DeviceListKey, DeviceList>,
}

impl Default for ReadCaches {
    /// Off until a listener hears. The capacities bound memory: a viewer or a device page takes a few KB,
    /// a page of 50 devices about 20 KB.
    fn default() -> Self {
        Self {
            resumed: std::sync::atomic::AtomicU64::new(0),
            viewers: ReadCache::new(10_000),
            devices: ReadCache::new(5_000),
            device_lists: ReadCache::new(1_000),
        }
    }
}

impl ReadCaches {
    /// Forgets every viewer.
    pub fn empty_viewers(&self) {
        self.viewers.empty();
    }

    /// Forgets every device page and page of the device list.
    pub fn empty_devices(&self) {
        self.devices.empty();
        self.device_lists.empty();
    }

    /// Forgets everything.
    pub fn empty(&self) {
        self.empty_viewers();
        self.empty_devices();
    }

    /// Turns the caches on, empty, once a listener is connected and hears.
    pub fn resume(&self) {
        self.resumed.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        self.viewers.resume();
        self.devices.resume();
        self.device_lists.resume();
    }

    /// Turns the caches off when the listener is lost or stops.
    pub fn suspend(&self) {
        self.viewers.suspend();
        self.devices.suspend();
        self.device_lists.suspend();
    }

    /// Whether the caches are on: a listener is known to hear changes.
    pub fn is_on(&self) -> bool {
        self.viewers.is_on()
    }

    /// How many times the caches have turned on, each time empty: a check that a change shows proves
    /// the caches were emptied for it only if this did not move meanwhile.
    pub fn times_resumed(&self) -> u64 {
        self.resumed.load(std::sync::atomic::Ordering::SeqCst)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::models::{OrgSummary, Role};
    use std::sync::atomic::{AtomicUsize, Ordering};

    type Viewers = ReadCache<String, (Viewer, DateTime<Utc>)>;

    const CAPACITY: usize = 100;

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

    fn ticket(cache: &Viewers, key: &str) -> Ticket {
        match cache.lookup(&key.to_owned(), Utc::now()) {
            Lookup::Miss(Some(ticket)) => ticket,
            Lookup::Miss(None) => panic!("the cache is off"),
            Lookup::Hit(..) => panic!("{key} is cached already"),
        }
    }

    fn store(cache: &Viewers, ticket: Ticket, key: &str, email: &str, expires_at: DateTime<Utc>) {
        cache.store(ticket, key.to_owned(), &(viewer(email), expires_at));
    }

    fn hit(cache: &Viewers, key: &str, now: DateTime<Utc>) -> Option<(Viewer, DateTime<Utc>)> {
        match cache.lookup(&key.to_owned(), now) {
            Lookup::Hit(value) => Some(value),
            Lookup::Miss(_) => None,
        }
    }

    fn tomorrow() -> DateTime<Utc> {
        Utc::now() + chrono::Duration::days(1)
    }

    fn listening() -> Viewers {
        let cache = ReadCache::new(CAPACITY);
        cache.resume();
        cache
    }

    #[test]
    fn a_stored_viewer_is_found_under_its_session_until_the_session_expires() {
        let cache = listening();
        let expires_at = Utc::now() + chrono::Duration::days(7);
        let ticket = ticket(&cache, "session-a");
        store(&cache, ticket, "session-a", "a@example.com", expires_at);

        assert_eq!(hit(&cache, "session-a", Utc::now()), Some((viewer("a@example.com"), expires_at)));
        assert_eq!(hit(&cache, "session-b", Utc::now()), None);
        assert_eq!(hit(&cache, "session-a", expires_at), None, "a session expiring now is not signed in");
        assert_eq!(cache.len(), 0, "the expired entry is dropped");
    }

    #[test]
    fn a_value_read_before_the_cache_was_emptied_is_not_stored() {
        let cache = listening();
        let ticket = ticket(&cache, "session-a");
        cache.empty();
        store(&cache, ticket, "session-a", "a@example.com", tomorrow());
        assert_eq!(hit(&cache, "session-a", Utc::now()), None);
    }

    #[test]
    fn emptying_forgets_every_value() {
        let cache = listening();
        for key in ["session-a", "session-b"] {
            let ticket = ticket(&cache, key);
            store(&cache, ticket, key, "a@example.com", tomorrow());
        }
        assert_eq!(cache.len(), 2);
        cache.empty();
        assert_eq!(cache.len(), 0);
        assert_eq!(hit(&cache, "session-a", Utc::now()), None);
    }

    #[test]
    fn the_cache_is_off_until_a_listener_connects_and_while_it_is_lost() {
        let cache: Viewers = ReadCache::new(CAPACITY);
        assert!(matches!(cache.lookup(&"session-a".to_owned(), Utc::now()), Lookup::Miss(None)));

        cache.resume();
        let before_loss = ticket(&cache, "session-a");
        store(&cache, before_loss, "session-a", "a@example.com", tomorrow());
        cache.suspend();
        assert!(matches!(cache.lookup(&"session-a".to_owned(), Utc::now()), Lookup::Miss(None)));
        store(&cache, before_loss, "session-a", "a@example.com", tomorrow());

        cache.resume();
        assert_eq!(hit(&cache, "session-a", Utc::now()), None, "nothing cached before the loss survives it");
        store(&cache, before_loss, "session-a", "a@example.com", tomorrow());
        assert_eq!(cache.len(), 0, "nor is a value read before the loss stored after it");
    }

    #[test]
    fn a_full_cache_starts_over_rather_than_grow() {
        let cache = listening();
        let expires_at = tomorrow();
        for n in 0..CAPACITY {
            let key = format!("session-{n}");
            let ticket = ticket(&cache, &key);
            store(&cache, ticket, &key, "a@example.com", expires_at);
        }
        assert_eq!(cache.len(), CAPACITY);
        let ticket = ticket(&cache, "one-more");
        store(&cache, ticket, "one-more", "a@example.com", expires_at);
        assert_eq!(cache.len(), 1);
        assert!(hit(&cache, "one-more", Utc::now()).is_some());
    }

    #[tokio::test]
    async fn get_or_load_reads_once_while_on_never_while_off_and_keeps_no_error() {
        let caches = ReadCaches::default();
        let cache = &caches.device_lists;
        let key = || ("org-1".to_owned(), 1, String::new());
        let list =
            DeviceList { devices: Vec::new(), total: 0, matching: 0, page: 1, page_count: 1, per_page: 50 };
        let loads = AtomicUsize::new(0);
        let load = |result: Result<DeviceList, AppError>| {
            loads.fetch_add(1, Ordering::SeqCst);
            std::future::ready(result)
        };
        let loads_since = || loads.swap(0, Ordering::SeqCst);

        for _ in 0..2 {
            cache.get_or_load(key(), || load(Ok(list.clone()))).await.expect("loaded");
        }
        assert_eq!(loads_since(), 2, "off: every call reads");

        caches.resume();
        assert!(cache.get_or_load(key(), || load(Err(AppError::NotFound))).await.is_err());
        for _ in 0..2 {
            assert_eq!(cache.get_or_load(key(), || load(Ok(list.clone()))).await.ok(), Some(list.clone()));
        }
        assert_eq!(loads_since(), 2, "on: an error is read again, a value once");

        caches.empty_viewers();
        cache.get_or_load(key(), || load(Ok(list.clone()))).await.expect("loaded");
        assert_eq!(loads_since(), 0, "a change to viewers keeps the device list");
        caches.empty_devices();
        cache.get_or_load(key(), || load(Ok(list.clone()))).await.expect("loaded");
        assert_eq!(loads_since(), 1, "a change to devices empties it");

        caches.suspend();
        for _ in 0..2 {
            cache.get_or_load(key(), || load(Ok(list.clone()))).await.expect("loaded");
        }
        assert_eq!(loads_since(), 2, "a lost listener turns every cache off");
    }
}
