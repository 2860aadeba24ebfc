//! What device pages render: the catalogues, the device list and one device with everything under it.

use super::DeviceKind;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// A marketplace from the catalogue.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Marketplace {
    pub code: String,
    pub name: String,
    pub domain: String,
    pub locale: String,
    pub currency: String,
}

/// A consumable category from the catalogue.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ConsumableCategory {
    pub code: String,
    pub name: String,
}

/// What the registration form offers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Catalogues {
    pub marketplaces: Vec<Marketplace>,
    pub categories: Vec<ConsumableCategory>,
}

/// A marketplace enabled on a device, with its certification state.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MarketplaceState {
    pub code: String,
    pub certification: String,
}

/// One line of the device list.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DeviceSummary {
    pub id: String,
    pub name: String,
    pub model_id: String,
    pub kind: DeviceKind,
    pub thumbnail_url: Option<String>,
    pub marketplaces: Vec<MarketplaceState>,
    pub slot_count: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DeviceList {
    /// One page of the devices that match the search.
    pub devices: Vec<DeviceSummary>,
    /// Devices in the organization, before the search filter.
    pub total: u64,
    /// Devices that match the search.
    pub matching: u64,
    /// The page shown, from 1.
    pub page: u64,
    pub page_count: u64,
    /// Devices per page.
    pub per_page: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DeviceImage {
    pub url: String,
    pub thumbnail_url: String,
    pub content_type: String,
    pub width: u32,
    pub height: u32,
    pub byte_size: u64,
}

/// A marketplace as one device has it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DeviceMarketplace {
    pub marketplace: Marketplace,
    pub primary: bool,
    pub friendly_name: Option<String>,
    pub certification: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Slot {
    /// The stored slot's key; forms send it back to say which slot a row edits.
    pub key: String,
    pub slot_id: String,
    pub category: String,
    pub category_name: String,
    pub position: i32,
    pub replenishment_id: Option<String>,
    /// Customer-facing names by marketplace code.
    pub names: BTreeMap<String, String>,
}

/// One device with everything its pages show.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DeviceDetail {
    pub id: String,
    pub name: String,
    pub model_id: String,
    pub kind: DeviceKind,
    pub device_type: Option<String>,
    pub image: Option<DeviceImage>,
    pub marketplaces: Vec<DeviceMarketplace>,
    /// Catalogue marketplaces not yet enabled on the device.
    pub other_marketplaces: Vec<Marketplace>,
    pub slots: Vec<Slot>,
    pub categories: Vec<ConsumableCategory>,
    pub created_at: String,
    pub can_edit: bool,
}

/// The label of a stored certification state.
pub fn certification_label(state: &str) -> &'static str {
    match state {
        "certified" => "Certified",
        "submitted" => "Submitted for certification",
        "needs_recertification" => "Needs re-certification",
        _ => "Not certified",
    }
}
