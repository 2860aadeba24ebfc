//! Rules a form field has checked while it is being filled in. The browser asks the server
//! (`POST /checks/{rule}`, answered by the same parsers the server functions apply on submit), so a
//! field's format is judged in the submit's words. What needs the database (a model ID already taken, a
//! slot ID used twice, an email address already registered) is still found by the submit alone.

use super::security_profile::{parse_return_urls, ProfileName};
use super::{CustomerFacingName, DeviceName, DeviceType, Email, ModelId, OrgName, Password, SlotId};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldRule {
    DeviceName,
    ModelId,
    DeviceType,
    SlotId,
    /// A friendly name or slot name in one marketplace's language.
    CustomerFacingName,
    /// An email address to sign up, invite or add a tester with.
    Email,
    /// A password being chosen; the password typed to sign in is never checked.
    NewPassword,
    /// An organization's name, when it is created or renamed.
    OrganizationName,
    /// A security profile's name.
    ProfileName,
    /// A security profile's return URLs, one per line.
    ReturnUrls,
}

impl FieldRule {
    pub const ALL: [FieldRule; 10] = [
        FieldRule::DeviceName,
        FieldRule::ModelId,
        FieldRule::DeviceType,
        FieldRule::SlotId,
        FieldRule::CustomerFacingName,
        FieldRule::Email,
        FieldRule::NewPassword,
        FieldRule::OrganizationName,
        FieldRule::ProfileName,
        FieldRule::ReturnUrls,
    ];

    /// The rule's name in the field's `data-check` attribute and in the check's address.
    pub fn as_str(self) -> &'static str {
        match self {
            FieldRule::DeviceName => "device_name",
            FieldRule::ModelId => "model_id",
            FieldRule::DeviceType => "device_type",
            FieldRule::SlotId => "slot_id",
            FieldRule::CustomerFacingName => "customer_facing_name",
            FieldRule::Email => "email",
            FieldRule::NewPassword => "new_password",
            FieldRule::OrganizationName => "organization_name",
            FieldRule::ProfileName => "profile_name",
            FieldRule::ReturnUrls => "return_urls",
        }
    }

    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|rule| rule.as_str() == name)
    }

    /// What is wrong with `value`, in the words a submit would use.
    pub fn check(self, value: &str) -> Result<(), String> {
        match self {
            FieldRule::DeviceName => DeviceName::parse(value).map(drop),
            FieldRule::ModelId => ModelId::parse(value).map(drop),
            FieldRule::DeviceType => DeviceType::parse(value).map(drop),
            FieldRule::SlotId => SlotId::parse(value).map(drop),
            FieldRule::CustomerFacingName => CustomerFacingName::parse(value).map(drop),
            FieldRule::Email => Email::parse(value).map(drop),
            FieldRule::NewPassword => Password::parse(value).map(drop),
            FieldRule::OrganizationName => OrgName::parse(value).map(drop),
            FieldRule::ProfileName => ProfileName::parse(value).map(drop),
            FieldRule::ReturnUrls => parse_return_urls(value).map(drop),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_rule_is_found_by_its_name_and_no_other_name_is() {
        for rule in FieldRule::ALL {
            assert_eq!(FieldRule::from_name(rule.as_str()), Some(rule));
        }
        assert_eq!(FieldRule::from_name("password"), None);
        assert_eq!(FieldRule::from_name("current_password"), None);
        assert_eq!(FieldRule::from_name(""), None);
    }

    #[test]
    fn each_rule_answers_in_the_words_of_a_submit() {
        assert_eq!(
            FieldRule::ModelId.check("has space"),
            Err("A model ID may contain only letters A–Z, digits, plus, underscore and dash; it contains a space."
                .to_owned())
        );
        assert_eq!(FieldRule::ModelId.check("CM+1_x"), Ok(()));
        assert_eq!(FieldRule::DeviceName.check("  "), Err("Enter a device name.".to_owned()));
        assert_eq!(
            FieldRule::DeviceName.check(&"n".repeat(61)),
            Err("A device name has at most 60 characters.".to_owned())
        );
        assert_eq!(
            FieldRule::SlotId.check("a+b"),
            Err("A slot ID may contain only letters A–Z, digits, underscore and dash; it contains “+”."
                .to_owned())
        );
        assert_eq!(FieldRule::DeviceType.check("A.b_c-1"), Ok(()));
        assert_eq!(
            FieldRule::DeviceType.check(""),
            Err("Enter the device type from your Alexa Connect Kit configuration file.".to_owned())
        );
        assert_eq!(
            FieldRule::CustomerFacingName.check(&"é".repeat(61)),
            Err("A name has at most 60 characters.".to_owned())
        );
        assert_eq!(FieldRule::CustomerFacingName.check("Kaffeebohnen"), Ok(()));
        assert_eq!(
            FieldRule::Email.check("ada@"),
            Err("Enter an email address like name@example.com.".to_owned())
        );
        assert_eq!(FieldRule::Email.check(" Ada@Example.com "), Ok(()));
        assert_eq!(FieldRule::NewPassword.check("short"), Err("Use at least 12 characters.".to_owned()));
        assert_eq!(
            FieldRule::NewPassword.check("Password1234"),
            Err("This password is too common; choose another.".to_owned())
        );
        assert_eq!(
            FieldRule::OrganizationName.check("A"),
            Err("An organization name has 2 to 80 characters.".to_owned())
        );
        assert_eq!(FieldRule::ProfileName.check(" "), Err("Enter a name for the profile.".to_owned()));
        assert_eq!(FieldRule::ProfileName.check("Cloud"), Ok(()));
        assert_eq!(
            FieldRule::ReturnUrls.check("https://example.com/done\nhttp://example.com/back"),
            Err("Plain http is allowed only for localhost; use https.".to_owned())
        );
        assert_eq!(
            FieldRule::ReturnUrls.check("https://example.com/done\n\nhttp://localhost:8080/back"),
            Ok(())
        );
        assert_eq!(FieldRule::ReturnUrls.check("\n"), Err("Enter at least one return URL.".to_owned()));
    }
}
