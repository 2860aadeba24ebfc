//! Background tasks the server cannot do without: the slot-status writers, the request log's writer, the
//! workers, the connection deadline sweeper. The server unwinds on panic so that a page's render task can
//! panic and end alone (Leptos panics there when a browser aborts the page load); a panic in one of these
//! tasks would then leave the server running without it, so it ends the process instead, for the
//! supervisor to restart.

use std::future::Future;
use tokio::task::JoinHandle;

tokio::task_local! {
    static ESSENTIAL: ();
}

/// Spawns `task` on the runtime as essential: with `abort_on_essential_panic` installed, a panic in it ends
/// the process.
pub fn spawn_essential<F>(task: F) -> JoinHandle<F::Output>
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    tokio::spawn(ESSENTIAL.scope((), task))
}

/// Whether the running code belongs to an essential task.
pub fn in_essential_task() -> bool {
    ESSENTIAL.try_with(|_| ()).is_ok()
}

/// Makes a panic in an essential task end the process after the usual report; panics elsewhere end only
/// their task. Installed by `replenish serve`, never by tests that run many servers in one process.
pub fn abort_on_essential_panic() {
    let report = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        report(info);
        if in_essential_task() {
            eprintln!("an essential background task panicked: stopping the server");
            std::process::abort();
        }
    }));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn only_tasks_spawned_as_essential_are_essential() {
        let essential = spawn_essential(async {
            tokio::task::yield_now().await;
            in_essential_task()
        });
        let ordinary = tokio::spawn(async { in_essential_task() });
        assert_eq!((essential.await.ok(), ordinary.await.ok()), (Some(true), Some(false)));
        assert!(!in_essential_task(), "the test itself is not essential");
    }
}
