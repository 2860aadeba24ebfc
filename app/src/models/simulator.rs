//! What the sandbox's device simulator shows: the device's live test registrations, whom a new one can be
//! made for, and the last call it sent through the runtime API.

use serde::{Deserialize, Serialize};

/// The calls the simulator sends, by the `call` value of its forms, with a button's words.
pub const CALLS: [(&str, &str); 5] = [
    ("slot_status", "Report slot status"),
    ("sensor", "Send a sensor reading"),
    ("replenish", "Replenish"),
    ("cancel", "Cancel test orders"),
    ("deregister", "Deregister"),
];

/// A slot as the simulator offers it: the sensor's reading is in the slot's approved measurement.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SimulatorSlot {
    pub slot_id: String,
    /// `Level`, `Usage` or `LevelUsage`.
    pub sensor_type: String,
    /// How a reading is measured, in words ("Volume in L", "Count").
    pub measurement: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SimulatorRegistration {
    pub id: String,
    /// Serial, customer and marketplace, for the chooser.
    pub label: String,
}

/// A verified, allow-listed customer a test device can be linked for.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SimulatorCustomer {
    pub email: String,
    pub marketplace: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SimulatorProfile {
    pub id: String,
    pub name: String,
}

/// One call the simulator sent, as it went over the wire.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SimulatorExchange {
    pub registration_id: String,
    /// The call's words, from `CALLS`.
    pub call: String,
    /// Request line, headers (the token shortened) and body.
    pub request: String,
    pub status: u16,
    /// Status line, the headers a client reads and the body.
    pub response: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Simulator {
    pub registrations: Vec<SimulatorRegistration>,
    pub slots: Vec<SimulatorSlot>,
    pub customers: Vec<SimulatorCustomer>,
    pub profiles: Vec<SimulatorProfile>,
    /// Why no test device can be linked yet, when that is so.
    pub link_blocked: Option<String>,
    /// Owners and developers drive the simulator; viewers see it.
    pub can_drive: bool,
    pub last: Option<SimulatorExchange>,
}
