use serde::{Deserialize, Serialize};

/// An organization's display name: trimmed, 2 to 80 characters, no control characters.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrgName(String);

impl OrgName {
    pub const MIN_LEN: usize = 2;
    pub const MAX_LEN: usize = 80;

    pub fn parse(raw: &str) -> Result<Self, String> {
        let name = raw.trim();
        let length = name.chars().count();
        if length == 0 {
            return Err("Enter an organization name.".into());
        }
        if !(Self::MIN_LEN..=Self::MAX_LEN).contains(&length) {
            return Err(format!(
                "An organization name has {} to {} characters.",
                Self::MIN_LEN,
                Self::MAX_LEN
            ));
        }
        if name.chars().any(char::is_control) {
            return Err("An organization name cannot contain control characters.".into());
        }
        Ok(Self(name.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A member's role in an organization.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Role {
    Owner,
    Developer,
    Viewer,
}

impl Role {
    pub const ALL: [Role; 3] = [Role::Owner, Role::Developer, Role::Viewer];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Owner => "owner",
            Role::Developer => "developer",
            Role::Viewer => "viewer",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Role::Owner => "Owner",
            Role::Developer => "Developer",
            Role::Viewer => "Viewer",
        }
    }

    pub fn parse(raw: &str) -> Result<Self, String> {
        match raw.trim().to_lowercase().as_str() {
            "owner" => Ok(Role::Owner),
            "developer" => Ok(Role::Developer),
            "viewer" => Ok(Role::Viewer),
            _ => Err("Choose owner, developer or viewer.".into()),
        }
    }

    /// Developers and owners change devices; viewers only read.
    pub fn can_edit(self) -> bool {
        matches!(self, Role::Owner | Role::Developer)
    }

    /// Only owners manage members, invites and see the activity log.
    pub fn can_manage(self) -> bool {
        self == Role::Owner
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn org_name_is_trimmed() {
        assert_eq!(OrgName::parse("  Acme  ").map(|n| n.0), Ok("Acme".into()));
    }

    #[test]
    fn org_name_length_boundaries() {
        assert!(OrgName::parse("").is_err());
        assert!(OrgName::parse("A").is_err());
        assert!(OrgName::parse("AB").is_ok());
        assert!(OrgName::parse(&"x".repeat(80)).is_ok());
        assert!(OrgName::parse(&"x".repeat(81)).is_err());
    }

    #[test]
    fn org_name_counts_unicode_characters() {
        assert!(OrgName::parse(&"ü".repeat(80)).is_ok());
        assert!(OrgName::parse("株式会社").is_ok());
    }

    #[test]
    fn org_name_refuses_control_characters() {
        assert!(OrgName::parse("Acme\u{0007}Labs").is_err());
        assert!(OrgName::parse("Acme\nLabs").is_err());
    }

    #[test]
    fn role_round_trips_and_rejects_unknown() {
        for role in Role::ALL {
            assert_eq!(Role::parse(role.as_str()), Ok(role));
        }
        assert!(Role::parse("admin").is_err());
    }

    #[test]
    fn only_owner_manages_and_viewer_cannot_edit() {
        assert!(Role::Owner.can_manage() && Role::Owner.can_edit());
        assert!(!Role::Developer.can_manage() && Role::Developer.can_edit());
        assert!(!Role::Viewer.can_manage() && !Role::Viewer.can_edit());
    }
}
