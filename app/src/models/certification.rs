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
    pub state: String,
    pub cases: Vec<CertificationCase>,
}

impl MarketplaceChecklist {
    pub fn passed(&self) -> usize {
        self.cases.iter().filter(|c| c.passed).count()
    }

    pub fn all_passed(&self) -> bool {
        self.cases.iter().all(|c| c.passed)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CertificationTab {
    pub marketplaces: Vec<MarketplaceChecklist>,
}
