//! The *Certification* tab: per marketplace, the checklist of certification cases and their evidence.

use serde::{Deserialize, Serialize};

/// One certification case. It passes only on recorded evidence, which `evidence` describes and `link`
/// leads to.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CertificationCase {
    pub key: String,
    pub title: String,
    pub passed: bool,
    /// What was found, or what is missing.
    pub evidence: String,
    pub link: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MarketplaceChecklist {
    pub code: String,
    pub name: String,
    /// The stored state (`not_certified`, `submitted`, `certified`, `needs_recertification`).
    pub state: String,
    pub cases: Vec<CertificationCase>,
    /// What the latest certification request came to, in a sentence.
    pub latest_request: Option<String>,
}

/// Marketplace states a certification request can be submitted from.
pub const SUBMITTABLE_STATES: [&str; 2] = ["not_certified", "needs_recertification"];

impl MarketplaceChecklist {
    pub fn passed(&self) -> usize {
        self.cases.iter().filter(|c| c.passed).count()
    }

    pub fn all_passed(&self) -> bool {
        self.cases.iter().all(|c| c.passed)
    }

    /// Whether *Certify Marketplace* is offered: every case passes and nothing is waiting or certified.
    pub fn can_submit(&self) -> bool {
        self.all_passed() && SUBMITTABLE_STATES.contains(&self.state.as_str())
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CertificationTab {
    pub marketplaces: Vec<MarketplaceChecklist>,
    pub can_edit: bool,
}

/// A certification request waiting in the reviewers' queue.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CertificationQueueItem {
    pub id: String,
    pub device_name: String,
    pub model_id: String,
    pub organization_name: String,
    pub marketplace: String,
    pub submitted_at: String,
}

/// One certification request as a reviewer reads it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CertificationReview {
    pub id: String,
    pub device_name: String,
    pub model_id: String,
    pub organization_name: String,
    pub marketplace: String,
    /// `submitted`, `certified` or `failed`.
    pub state: String,
    pub submitted_by: String,
    pub submitted_at: String,
    /// The checklist as it stood at submission.
    pub cases: Vec<CertificationCase>,
    pub decided: Option<String>,
    pub note: String,
}
