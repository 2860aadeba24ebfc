//! What the customer's consent page (`/ap/oa`) shows, and the device serial rule.

use serde::{Deserialize, Serialize};

/// A device's serial number as clients send it in `scope_data`: 1 to 64 of `[A-Za-z0-9+_-]`.
pub fn parse_serial(raw: &str) -> Result<String, String> {
    let valid = (1..=64).contains(&raw.len())
        && raw.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'_' | b'-'));
    if valid {
        Ok(raw.to_owned())
    } else {
        Err("serial must be 1 to 64 of A-Z, a-z, 0-9, +, _ and -".into())
    }
}

/// The form field of a slot's product choice. The key is prefixed because the form decoder reads a bracketed
/// key that starts with a digit as a list index.
pub fn choice_field(key: &str) -> String {
    format!("choice[slot-{key}]")
}

/// The slot key a decoded choice was sent for.
pub fn choice_key(decoded: &str) -> &str {
    decoded.strip_prefix("slot-").unwrap_or(decoded)
}

/// The value of a slot's choice that means *notify me only*.
pub const NOTIFY_ONLY: &str = "notify";

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ConsentSlot {
    /// The slot's internal key (see `choice_field`).
    pub key: String,
    pub name: String,
    /// The approved ASINs; empty means the customer types one (or leaves it empty to be notified only).
    pub asins: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum ConsentView {
    /// The request cannot be answered to its client (unknown client or return URL): the page says why.
    Invalid {
        message: String,
    },
    /// The request is answered to the client with an OAuth error.
    Redirect {
        to: String,
    },
    SignIn {
        device_name: String,
        maker: String,
        marketplaces: Vec<(String, String)>,
    },
    /// The customer is signed in but may not link this device (marketplace, certification).
    Unavailable {
        customer_email: String,
        device_name: String,
        message: String,
    },
    Choose {
        customer_email: String,
        device_name: String,
        maker: String,
        image_url: Option<String>,
        is_test: bool,
        slots: Vec<ConsentSlot>,
    },
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serials_have_one_to_sixty_four_allowed_characters() {
        assert!(parse_serial("AB+c_9-").is_ok());
        assert!(parse_serial(&"a".repeat(64)).is_ok());
        assert!(parse_serial(&"a".repeat(65)).is_err());
        assert!(parse_serial("").is_err());
        for bad in ["a b", "a/b", "a.b", "ä", "a=b"] {
            assert!(parse_serial(bad).is_err(), "{bad}");
        }
    }
}
