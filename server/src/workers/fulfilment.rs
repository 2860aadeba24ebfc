//! The built-in fulfiller's clock: moves due orders along their lifecycle every few seconds.

use app::services::fulfilment::advance_orders;
use app::services::now;
use app::state::AppState;

const TICK: std::time::Duration = std::time::Duration::from_secs(5);

pub async fn run(state: AppState) {
    loop {
        match advance_orders(&state.db, &state.settings, now()).await {
            Ok(0) => tokio::time::sleep(TICK).await,
            Ok(_) => state.wake_workers(),
            Err(error) => {
                tracing::error!(%error, "fulfiller could not advance orders");
                tokio::time::sleep(TICK).await;
            }
        }
    }
}
