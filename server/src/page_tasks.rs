//! Ends a page's loaders once nobody waits for the page. Leptos runs each resource of a page render (the
//! server functions that load the device, the list, the viewer) as a task of its own, which outlives
//! the request: when a browser drops a page load, hyper drops the render but its loaders still queue for
//! a database connection and run their queries. Under a storm of dropped loads that work piled up until
//! live pages waited 11 to 20 s, or past the request timeout, behind loaders nobody would read
//! (`server/benches/aborted_pages.py`). Here the tasks Leptos spawns while rendering a page stop once its
//! response is written or its client is gone; everything else Leptos spawns runs as on plain tokio.
//! Work that must outlive a page therefore never goes through Leptos' spawn: it uses `tokio::spawn` or
//! `app::tasks::spawn_essential`.
//!
//! A stopped loader is dropped at an await, as when the request timeout or a killed process cuts it:
//! page loaders only read, and changes come as POSTs, which are not watched.

use axum::http::request::Parts;
use leptos::reactive::owner::{with_context, Owner};
use std::sync::Once;
use tokio::sync::watch;

/// Held while the client waits for the answer: `serve` keeps it in the response body, which hyper drops
/// once the last frame is in the connection's write buffer or the connection is gone.
pub struct ClientWaits {
    _waiting: watch::Sender<()>,
}

/// In a page request's extensions: `gone` resolves once its `ClientWaits` is dropped.
#[derive(Clone)]
pub struct ClientWatch(watch::Receiver<()>);

impl ClientWatch {
    async fn gone(mut self) {
        // `changed` fails only once the sender is dropped; nothing is ever sent.
        while self.0.changed().await.is_ok() {}
    }
}

pub fn watch_client() -> (ClientWaits, ClientWatch) {
    let (waits, watch) = watch::channel(());
    (ClientWaits { _waiting: waits }, ClientWatch(watch))
}

/// Makes Leptos spawn its tasks through `PageTasks`. Must run before leptos_axum sets up its routes: it
/// would otherwise settle the process on plain tokio, and pages would keep loading for nobody.
pub fn install() {
    static INSTALL: Once = Once::new();
    INSTALL.call_once(|| {
        any_spawner::Executor::init_custom_executor(PageTasks)
            .expect("page_tasks::install runs before anything sets Leptos' executor");
    });
}

struct PageTasks;

impl any_spawner::CustomExecutor for PageTasks {
    fn spawn(&self, task: any_spawner::PinnedFuture<()>) {
        // Leptos spawns a loader inside the render's reactive owner, where the request is in context.
        let client =
            with_context::<Parts, _>(|parts| parts.extensions.get::<ClientWatch>().cloned()).flatten();
        match client {
            Some(client) => {
                let owners = ancestry();
                tokio::spawn(async move {
                    tokio::select! {
                        biased;
                        () = client.gone() => {}
                        () = task => {}
                    }
                    // Only now, with the loader dropped: see `ancestry`.
                    drop(owners);
                });
            }
            None => {
                tokio::spawn(task);
            }
        }
    }

    fn spawn_local(&self, task: any_spawner::PinnedLocalFuture<()>) {
        tokio::task::spawn_local(task);
    }

    fn poll_local(&self) {}
}

/// The current reactive owner and all its ancestors. A context lookup in Leptos holds a lock on the
/// loader's owner while it climbs to the ancestors; had the render let go of them meanwhile (its page
/// load dropped), the lookup would drop the last reference to one, whose cleanup then waits for that
/// same lock forever. Stopping loaders as their page goes made that race common: the server hung on a
/// worker thread within a few 20 s runs of `aborted_pages.py`. A loader's task therefore keeps its
/// ancestry alive until the loader is dropped.
fn ancestry() -> Vec<Owner> {
    std::iter::successors(Owner::current(), Owner::parent).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use leptos::prelude::{provide_context, ArcAsyncDerived};
    use std::sync::{Arc, Mutex};
    use std::time::Duration;
    use tokio::sync::oneshot;

    /// Tells, by being dropped, that the loader holding it ended, finished or not.
    struct Ended(Option<oneshot::Sender<()>>);

    impl Drop for Ended {
        fn drop(&mut self) {
            if let Some(ended) = self.0.take() {
                let _ = ended.send(());
            }
        }
    }

    struct Loader {
        /// Whether the loader finished its work.
        finished: oneshot::Receiver<bool>,
        /// Resolves when the loader ended, finished or stopped.
        ended: oneshot::Receiver<()>,
        /// What a page render holds while it waits for the loader.
        _render: (Owner, ArcAsyncDerived<()>),
    }

    /// Starts, as a page's resource does, a loader that waits for `release`, under a render whose request
    /// carries `client` in its extensions.
    fn start_loader(client: Option<ClientWatch>, release: oneshot::Receiver<()>) -> Loader {
        install();
        let (finished_tx, finished) = oneshot::channel();
        let (ended_tx, ended) = oneshot::channel();
        let mut parts = axum::http::Request::new(()).into_parts().0;
        if let Some(client) = client {
            parts.extensions.insert(client);
        }
        let work = Arc::new(Mutex::new(Some((release, finished_tx, Ended(Some(ended_tx))))));
        let owner = Owner::new();
        let derived = owner.with(|| {
            provide_context(parts);
            ArcAsyncDerived::new(move || {
                let work = work.lock().unwrap().take();
                async move {
                    if let Some((release, finished_tx, _ended)) = work {
                        let finished = release.await.is_ok();
                        let _ = finished_tx.send(finished);
                    }
                }
            })
        });
        Loader { finished, ended, _render: (owner, derived) }
    }

    async fn within_seconds<T>(future: impl std::future::Future<Output = T>) -> T {
        tokio::time::timeout(Duration::from_secs(5), future).await.expect("the loader did not end in 5 s")
    }

    #[tokio::test]
    async fn a_loader_stops_when_its_client_is_gone() {
        let (waits, watch) = watch_client();
        let (_release, release) = oneshot::channel();
        let loader = start_loader(Some(watch), release);
        drop(waits);
        within_seconds(loader.ended).await.unwrap();
        assert!(loader.finished.await.is_err(), "the loader was stopped, so it never finished");
    }

    #[tokio::test]
    async fn a_loader_runs_to_its_end_while_its_client_waits() {
        let (waits, watch) = watch_client();
        let (release_tx, release) = oneshot::channel();
        let loader = start_loader(Some(watch), release);
        release_tx.send(()).unwrap();
        assert!(within_seconds(loader.finished).await.unwrap());
        within_seconds(loader.ended).await.unwrap();
        drop(waits);
    }

    #[tokio::test]
    async fn loaders_of_unwatched_requests_run_as_on_plain_tokio() {
        let (release_tx, release) = oneshot::channel();
        let loader = start_loader(None, release);
        release_tx.send(()).unwrap();
        assert!(within_seconds(loader.finished).await.unwrap());
    }
}
