//! What the device's sandbox shows: the runtime API calls of its registrations.

use serde::{Deserialize, Serialize};

/// Which calls the log shows: by call, by outcome (`ok`, `error`) and by mode (`test`, `live`); an
/// empty or unknown value shows all.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct LogFilter {
    pub call: String,
    pub outcome: String,
    pub mode: String,
}

pub const OUTCOMES: [(&str, &str); 3] = [("", "Any status"), ("ok", "Succeeded (2xx)"), ("error", "Failed")];
pub const MODES: [(&str, &str); 3] = [("", "Test and live"), ("test", "Test only"), ("live", "Live only")];

impl LogFilter {
    /// Whether a call with this status and mode passes the outcome and mode parts of the filter.
    pub fn keeps(&self, status: u16, is_test: bool) -> bool {
        let outcome = match self.outcome.as_str() {
            "ok" => (200..300).contains(&status),
            "error" => !(200..300).contains(&status),
            _ => true,
        };
        let mode = match self.mode.as_str() {
            "test" => is_test,
            "live" => !is_test,
            _ => true,
        };
        outcome && mode
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ApiRequestView {
    pub id: String,
    pub at: String,
    pub call: String,
    pub path: String,
    pub status: u16,
    pub latency: String,
    pub is_test: bool,
    pub marketplace: String,
    pub request: String,
    pub response: String,
}

/// One notification about the device, delivered (or not yet) to one endpoint.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DeviceDeliveryView {
    pub at: String,
    pub notification_type: String,
    pub endpoint_url: String,
    /// The endpoint's delivery log, where each attempt is shown and the delivery can be replayed.
    pub log_href: String,
    /// `Delivered`, `Retrying` or `Failed`.
    pub state: String,
    pub attempts: i32,
    pub last_status: Option<i32>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DeviceLogs {
    pub requests: Vec<ApiRequestView>,
    /// The newest notification deliveries about the device's registrations.
    pub deliveries: Vec<DeviceDeliveryView>,
    /// Every call the device's log holds, for the filter's choices.
    pub calls: Vec<String>,
}

/// How far the test clock can be moved at once: hours, and the button's words.
pub const CLOCK_STEPS: [(i64, &str); 3] = [(1, "1 hour"), (24, "24 hours"), (72, "3 days")];

/// The sandbox's test clock: how far ahead of real time its test orders live.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SandboxClock {
    /// "Not moved", or how far ahead, in words.
    pub ahead: String,
    pub sandbox_time: String,
    pub can_edit: bool,
}

/// A customer account allowed to link the device before certification.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TestAccountView {
    pub id: String,
    pub email: String,
    /// Added by an owner (removable), or from the approved request.
    pub added_by_owner: bool,
    /// The tester accepted the invitation on `/my`, so the simulator can link test devices for them.
    pub accepted: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TestAccounts {
    pub accounts: Vec<TestAccountView>,
    /// Owners add and remove test accounts.
    pub can_manage: bool,
}

#[cfg(test)]
mod tests {
    use super::LogFilter;

    #[test]
    fn the_filter_keeps_calls_by_outcome_and_mode() {
        let all = LogFilter::default();
        assert!(all.keeps(200, true) && all.keeps(404, false));
        let failed_live = LogFilter { outcome: "error".into(), mode: "live".into(), ..LogFilter::default() };
        assert!(failed_live.keeps(400, false));
        assert!(!failed_live.keeps(400, true));
        assert!(!failed_live.keeps(201, false));
        let ok = LogFilter { outcome: "ok".into(), mode: "nonsense".into(), ..LogFilter::default() };
        assert!(ok.keeps(204, true) && ok.keeps(299, false) && !ok.keeps(300, false) && !ok.keeps(199, true));
    }
}
