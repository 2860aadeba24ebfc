//! The device's sandbox: its runtime API log.

use crate::error::AppError;
use crate::models::sandbox::{DeviceLogs, LogFilter};
use leptos::prelude::*;

#[server(prefix = "/api", endpoint = "load_device_logs")]
pub async fn load_device_logs(
    org: String,
    device: String,
    #[server(default)] filter: LogFilter,
) -> Result<DeviceLogs, AppError> {
    use super::server::*;
    let (state, session) = (state()?, session().await?);
    let result = async {
        let user_id = signed_in_user_id(&session).await?;
        crate::services::request_log::device_logs(&state.db, &user_id, &org, &device, &filter).await
    }
    .await;
    finish(result).await
}
