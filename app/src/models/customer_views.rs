//! What the customer's own pages show: their linked devices with a product per slot, and their orders.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MySlot {
    pub key: String,
    pub name: String,
    /// The chosen product; `None` is *notify me only*.
    pub asin: Option<String>,
    /// The approved products; empty means any ASIN may be typed.
    pub choices: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MyDevice {
    pub registration_id: String,
    pub device_name: String,
    pub maker: String,
    pub serial: String,
    pub linked_at: String,
    pub is_test: bool,
    pub slots: Vec<MySlot>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MyOrder {
    pub id: String,
    pub device_name: String,
    pub slot_id: String,
    pub asin: String,
    pub quantity: i32,
    pub status: String,
    pub ordered_at: String,
    pub hold_until: String,
    pub expected_delivery: String,
    pub is_test: bool,
    pub cancellable: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MyAccount {
    pub email: String,
    pub devices: Vec<MyDevice>,
    pub orders: Vec<MyOrder>,
    /// Devices whose makers listed this address as a tester.
    pub invitations: Vec<TestInvitation>,
}

/// A maker's invitation to test a device: accepted, the maker's sandbox may link test devices for the
/// customer (their orders are test orders, never charged or shipped).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TestInvitation {
    pub id: String,
    pub device_name: String,
    pub maker: String,
    pub accepted: bool,
}

/// An order as its email's cancel link shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OrderToCancel {
    pub asin: String,
    pub status: String,
    pub hold_until: String,
    pub cancellable: bool,
}
