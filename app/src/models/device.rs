//! The rules for what a device maker types: device and slot identifiers, names, kinds. Server functions
//! apply them on submit, and fields ask the server for them while being filled in (`FieldRule`).

use serde::{Deserialize, Serialize};

/// Characters a model ID may use besides ASCII letters and digits.
const MODEL_ID_EXTRA: &[char] = &['+', '_', '-'];
/// Characters a slot ID may use besides ASCII letters and digits.
const SLOT_ID_EXTRA: &[char] = &['_', '-'];

fn check_identifier(
    raw: &str,
    what: &str,
    max: usize,
    extra: &[char],
    allowed_words: &str,
) -> Result<String, String> {
    let value = raw.trim();
    if value.is_empty() {
        return Err(format!("Enter a {what}."));
    }
    if value.chars().count() > max {
        return Err(format!("A {what} has at most {max} characters."));
    }
    if let Some(bad) = value.chars().find(|c| !(c.is_ascii_alphanumeric() || extra.contains(c))) {
        let shown = if bad.is_whitespace() { "a space".to_owned() } else { format!("“{bad}”") };
        return Err(format!("A {what} may contain only {allowed_words}; it contains {shown}."));
    }
    Ok(value.to_owned())
}

fn check_name(raw: &str, what: &str, max: usize) -> Result<String, String> {
    let name = raw.trim();
    if name.is_empty() {
        return Err(format!("Enter a {what}."));
    }
    if name.chars().count() > max {
        return Err(format!("A {what} has at most {max} characters."));
    }
    if name.chars().any(char::is_control) {
        return Err(format!("A {what} cannot contain control characters."));
    }
    Ok(name.to_owned())
}

/// The maker's own name for a device: trimmed, 1 to 60 characters, never shown to customers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeviceName(String);

impl DeviceName {
    pub const MAX_LEN: usize = 60;

    pub fn parse(raw: &str) -> Result<Self, String> {
        check_name(raw, "device name", Self::MAX_LEN).map(Self)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A device model's identifier, the runtime API's `device_model`: 1 to 64 of letters, digits, `+`, `_`, `-`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ModelId(String);

impl ModelId {
    pub const MAX_LEN: usize = 64;

    pub fn parse(raw: &str) -> Result<Self, String> {
        check_identifier(
            raw,
            "model ID",
            Self::MAX_LEN,
            MODEL_ID_EXTRA,
            "letters A–Z, digits, plus, underscore and dash",
        )
        .map(Self)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A slot's identifier within its device, the runtime API's `{slotId}`: 1 to 64 of letters, digits, `_`, `-`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct SlotId(String);

impl SlotId {
    pub const MAX_LEN: usize = 64;

    pub fn parse(raw: &str) -> Result<Self, String> {
        check_identifier(
            raw,
            "slot ID",
            Self::MAX_LEN,
            SLOT_ID_EXTRA,
            "letters A–Z, digits, underscore and dash",
        )
        .map(Self)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// An Alexa Connect Kit device type from the maker's ACK configuration file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeviceType(String);

impl DeviceType {
    pub const MAX_LEN: usize = 64;

    pub fn parse(raw: &str) -> Result<Self, String> {
        let value = raw.trim();
        if value.is_empty() {
            return Err("Enter the device type from your Alexa Connect Kit configuration file.".into());
        }
        check_identifier(
            value,
            "device type",
            Self::MAX_LEN,
            &['.', '_', '-'],
            "letters A–Z, digits, dot, underscore and dash",
        )
        .map(Self)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A name customers see (a device's friendly name, a slot's name) in one marketplace's language:
/// trimmed, 1 to 60 characters.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CustomerFacingName(String);

impl CustomerFacingName {
    pub const MAX_LEN: usize = 60;

    pub fn parse(raw: &str) -> Result<Self, String> {
        check_name(raw, "name", Self::MAX_LEN).map(Self)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Which Alexa integration a device uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum DeviceKind {
    SkillsKit,
    ConnectKit,
}

impl DeviceKind {
    pub const ALL: [DeviceKind; 2] = [DeviceKind::SkillsKit, DeviceKind::ConnectKit];

    pub fn as_str(self) -> &'static str {
        match self {
            DeviceKind::SkillsKit => "skills_kit",
            DeviceKind::ConnectKit => "connect_kit",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            DeviceKind::SkillsKit => "Alexa Skills Kit device",
            DeviceKind::ConnectKit => "Alexa Connect Kit device",
        }
    }

    pub fn parse(raw: &str) -> Result<Self, String> {
        match raw.trim() {
            "skills_kit" => Ok(DeviceKind::SkillsKit),
            "connect_kit" => Ok(DeviceKind::ConnectKit),
            _ => Err("Choose Alexa Skills Kit device or Alexa Connect Kit device.".into()),
        }
    }

    /// Only Connect Kit devices have a device type; for Skills Kit devices it is not asked for.
    pub fn parse_device_type(self, raw: &str) -> Result<Option<DeviceType>, String> {
        match self {
            DeviceKind::ConnectKit => DeviceType::parse(raw).map(Some),
            DeviceKind::SkillsKit => Ok(None),
        }
    }
}

/// A marketplace code from the catalogue: two upper-case letters.
pub fn parse_marketplace_code(raw: &str) -> Result<String, String> {
    let code = raw.trim().to_ascii_uppercase();
    if code.len() == 2 && code.chars().all(|c| c.is_ascii_uppercase()) {
        Ok(code)
    } else {
        Err("Choose a marketplace.".into())
    }
}

/// A consumable category code from the catalogue: lower-case letters and underscores.
pub fn parse_category_code(raw: &str) -> Result<String, String> {
    let code = raw.trim();
    if !code.is_empty() && code.len() <= 64 && code.chars().all(|c| c.is_ascii_lowercase() || c == '_') {
        Ok(code.to_owned())
    } else {
        Err("Choose a consumable category.".into())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn device_name_allows_60_characters_and_refuses_61() {
        assert!(DeviceName::parse(&"n".repeat(60)).is_ok());
        assert!(DeviceName::parse(&"n".repeat(61)).is_err());
        assert!(DeviceName::parse("").is_err());
        assert!(DeviceName::parse("   ").is_err());
    }

    #[test]
    fn device_name_is_trimmed_and_counts_unicode_characters() {
        assert_eq!(DeviceName::parse("  Kaffeemaschine  ").map(|n| n.0), Ok("Kaffeemaschine".into()));
        assert!(DeviceName::parse(&"ü".repeat(60)).is_ok());
        assert!(DeviceName::parse(&"ü".repeat(61)).is_err());
        assert!(DeviceName::parse("プリンター 🖨").is_ok());
        assert!(DeviceName::parse("Tab\tname").is_err());
    }

    #[test]
    fn customer_facing_names_allow_60_unicode_characters() {
        assert!(CustomerFacingName::parse(&"é".repeat(60)).is_ok());
        assert!(CustomerFacingName::parse(&"é".repeat(61)).is_err());
        assert!(CustomerFacingName::parse("Cartouche d’encre").is_ok());
        assert!(CustomerFacingName::parse("インクカートリッジ").is_ok());
        assert!(CustomerFacingName::parse("").is_err());
    }

    #[test]
    fn model_id_allows_64_characters_and_refuses_65() {
        assert!(ModelId::parse(&"M".repeat(64)).is_ok());
        assert!(ModelId::parse(&"M".repeat(65)).is_err());
        assert!(ModelId::parse("").is_err());
    }

    #[test]
    fn model_id_accepts_letters_digits_plus_underscore_and_dash() {
        assert!(ModelId::parse("Printer+X_200-b").is_ok());
        assert_eq!(ModelId::parse("  AB-1 ").map(|m| m.0), Ok("AB-1".into()));
    }

    #[test]
    fn model_id_refuses_every_other_character_class() {
        for bad in [
            "a b", "a.b", "a/b", "a:b", "a@b", "a#b", "a%b", "a*b", "a\\b", "a'b", "a\"b", "a<b", "é1",
            "日本", "a\u{0}b", "a🙂",
        ] {
            assert!(ModelId::parse(bad).is_err(), "{bad:?} should be refused");
        }
    }

    #[test]
    fn model_id_error_names_the_character() {
        let message = ModelId::parse("a.b").unwrap_err();
        assert!(message.contains("“.”"), "{message}");
        assert!(ModelId::parse("a b").unwrap_err().contains("a space"));
    }

    #[test]
    fn slot_id_allows_64_characters_and_refuses_65() {
        assert!(SlotId::parse(&"s".repeat(64)).is_ok());
        assert!(SlotId::parse(&"s".repeat(65)).is_err());
        assert!(SlotId::parse("").is_err());
    }

    #[test]
    fn slot_id_accepts_letters_digits_underscore_and_dash_only() {
        assert!(SlotId::parse("Filter_01-main").is_ok());
        for bad in ["a+b", "a b", "a.b", "a/b", "a?b", "a&b", "ü", "a\nb", "a,b", "a=b"] {
            assert!(SlotId::parse(bad).is_err(), "{bad:?} should be refused");
        }
    }

    #[test]
    fn device_type_is_required_only_for_connect_kit_devices() {
        assert!(DeviceKind::ConnectKit.parse_device_type("").is_err());
        assert!(DeviceKind::ConnectKit.parse_device_type("   ").is_err());
        assert_eq!(
            DeviceKind::ConnectKit.parse_device_type("A2X9RV8EXAMPLE").map(|t| t.map(|t| t.0)),
            Ok(Some("A2X9RV8EXAMPLE".into()))
        );
        assert_eq!(DeviceKind::SkillsKit.parse_device_type(""), Ok(None));
        assert_eq!(DeviceKind::SkillsKit.parse_device_type("ignored"), Ok(None));
        assert!(DeviceKind::ConnectKit.parse_device_type("bad type!").is_err());
    }

    #[test]
    fn device_kind_round_trips_and_rejects_unknown() {
        for kind in DeviceKind::ALL {
            assert_eq!(DeviceKind::parse(kind.as_str()), Ok(kind));
        }
        assert!(DeviceKind::parse("zigbee").is_err());
    }

    #[test]
    fn catalogue_codes_are_checked_for_shape() {
        assert_eq!(parse_marketplace_code("de"), Ok("DE".into()));
        assert!(parse_marketplace_code("DEU").is_err());
        assert!(parse_marketplace_code("").is_err());
        assert_eq!(parse_category_code("ink_cartridge"), Ok("ink_cartridge".into()));
        assert!(parse_category_code("Ink cartridge").is_err());
        assert!(parse_category_code("").is_err());
    }
}
