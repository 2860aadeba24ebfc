//! What the replenishment-ID pages render: the maker's tab and the reviewers' console.

use super::replenishment::{RequestSlotInput, RequestState};
use serde::{Deserialize, Serialize};

/// One entry of a request's thread.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ThreadEntry {
    pub at: String,
    /// Who acted; makers see reviewers as "Replenish review".
    pub actor: String,
    pub what: String,
    pub note: String,
}

/// A slot as the request form shows it: what it is, and what the request says about it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RequestSlotView {
    pub key: String,
    pub slot_id: String,
    pub category_name: String,
    /// Customer-facing names, "US: Water filter".
    pub names: Vec<String>,
    pub values: RequestSlotInput,
    /// The slot's issued ID, when a request for it was approved before.
    pub replenishment_id: Option<String>,
}

/// A request as its device's tab shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MakerRequest {
    pub state: RequestState,
    pub is_change: bool,
    pub customer_id: String,
    /// One email per line.
    pub test_accounts: String,
    pub due_at: Option<String>,
    pub thread: Vec<ThreadEntry>,
}

/// An approved slot: its replenishment ID, what approval fixed, and the discovery capability to paste.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IssuedId {
    pub slot_id: String,
    pub replenishment_id: String,
    pub sensor_type: String,
    pub measurement: String,
    pub unit_size: String,
    pub asins: String,
    /// Pretty-printed JSON.
    pub discovery_json: String,
}

/// The *Replenishment IDs* tab.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReplenishmentTab {
    pub issued: Vec<IssuedId>,
    /// Slot IDs of slots that have no replenishment ID yet.
    pub uncovered: Vec<String>,
    /// The request in progress (draft, waiting for review, or sent back for changes), if any.
    pub open: Option<MakerRequest>,
    /// The last closed request (approved, rejected, withdrawn), to show how it ended.
    pub last_closed: Option<MakerRequest>,
    /// The form's slots, filled from the open request or, for a new one, from the last request.
    pub slots: Vec<RequestSlotView>,
    /// What a new request starts from when none is open.
    pub customer_id: String,
    pub test_accounts: String,
}

/// One line of the reviewers' queue.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct QueueItem {
    pub id: String,
    pub organization_name: String,
    pub device_name: String,
    pub model_id: String,
    pub state: RequestState,
    pub is_change: bool,
    pub submitted_at: Option<String>,
    pub due_at: Option<String>,
    /// "2 days 3 hours".
    pub time_in_queue: Option<String>,
    pub overdue: bool,
    pub claimed_by: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReviewQueue {
    /// The state filter applied: a state's name, or "all".
    pub filter: String,
    pub items: Vec<QueueItem>,
}

/// One slot as the reviewer reads it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReviewSlot {
    pub slot_id: String,
    pub category_name: String,
    pub names: Vec<String>,
    pub sensor_type: String,
    pub sensor_explanation: String,
    pub measurement: String,
    pub unit_size: String,
    pub description: String,
    pub asins: String,
    pub detail: String,
    pub replenishment_id: Option<String>,
}

/// A request as the review console shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReviewRequest {
    pub id: String,
    pub state: RequestState,
    pub is_change: bool,
    pub organization_name: String,
    pub device_name: String,
    pub model_id: String,
    pub device_kind: String,
    pub device_type: Option<String>,
    pub marketplaces: Vec<String>,
    pub submitted_by: String,
    pub customer_id: String,
    pub test_accounts: Vec<String>,
    pub submitted_at: Option<String>,
    pub due_at: Option<String>,
    pub overdue: bool,
    pub claimed_by: Option<String>,
    pub claimed_by_viewer: bool,
    /// The reviewer belongs to the requesting organization, so may not review it.
    pub own_organization: bool,
    pub slots: Vec<ReviewSlot>,
    pub thread: Vec<ThreadEntry>,
}
