//! Types shared by the browser and the server: validated inputs, roles and the DTOs pages render.

mod account;
pub mod certification;
pub mod consent;
pub mod contract;
pub mod customer_views;
mod device;
mod device_views;
mod field_rule;
pub mod image;
pub mod inventory;
pub mod notification;
mod organization;
#[cfg(test)]
mod properties;
pub mod replenishment;
mod request_views;
pub mod sandbox;
pub mod security_profile;
pub mod simulator;

pub use account::{Email, Password};
pub use device::{
    parse_category_code, parse_marketplace_code, CustomerFacingName, DeviceKind, DeviceName, DeviceType,
    ModelId, SlotId,
};
pub use device_views::{
    certification_label, Catalogues, ConsumableCategory, DeviceDetail, DeviceImage, DeviceList,
    DeviceMarketplace, DeviceSummary, Marketplace, MarketplaceState, Slot,
};
pub use field_rule::FieldRule;
pub use organization::{OrgName, Role};
pub use request_views::{
    IssuedId, MakerRequest, QueueItem, ReplenishmentTab, RequestSlotView, ReviewQueue, ReviewRequest,
    ReviewSlot, ThreadEntry,
};

use serde::{Deserialize, Serialize};

/// The signed-in user as pages see them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Viewer {
    pub user_id: String,
    pub email: String,
    pub is_reviewer: bool,
    pub organizations: Vec<OrgSummary>,
}

impl Viewer {
    /// The viewer inside one organization. Anyone who is not a member gets `NotFound`, never a hint that
    /// the organization exists.
    pub fn in_org(self, organization_id: &str) -> Result<OrgContext, crate::error::AppError> {
        let organization = self.membership(organization_id)?.clone();
        Ok(OrgContext { viewer: self, organization })
    }

    /// The viewer's role in the organization, `NotFound` for non-members.
    pub fn role_in(&self, organization_id: &str) -> Result<Role, crate::error::AppError> {
        Ok(self.membership(organization_id)?.role)
    }

    fn membership(&self, organization_id: &str) -> Result<&OrgSummary, crate::error::AppError> {
        self.organizations.iter().find(|o| o.id == organization_id).ok_or(crate::error::AppError::NotFound)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OrgSummary {
    pub id: String,
    pub name: String,
    pub role: Role,
}

/// What every page inside an organization needs: who is looking, and with which role.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OrgContext {
    pub viewer: Viewer,
    pub organization: OrgSummary,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Member {
    pub user_id: String,
    pub email: String,
    pub role: Role,
    pub joined_at: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PendingInvite {
    pub id: String,
    pub email: String,
    pub role: Role,
    pub expires_at: String,
    pub expired: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MembersPage {
    pub members: Vec<Member>,
    pub invites: Vec<PendingInvite>,
}

/// An invitation as its recipient sees it before accepting.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InviteView {
    pub organization_name: String,
    pub email: String,
    pub role: Role,
    pub signed_in_as: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AuditEntry {
    pub at: String,
    pub actor: Option<String>,
    pub action: String,
    pub target: String,
    pub detail: String,
}
