//! Properties of every validator, over generated input: any text gets an answer (never a panic), and what
//! a validator accepts it accepts again as it stored it, so a stored value always reads back as valid.

use super::replenishment::{
    parse_asin_list, parse_test_accounts, parse_unit_size, Asin, CustomerId, Measurement, SensorType,
};
use super::security_profile::{parse_overlap_hours, parse_return_url, parse_return_urls, ProfileName};
use super::*;
use proptest::prelude::*;

/// Text that reaches validators: printable and control characters, the separators they split on, and
/// letters from other scripts.
fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        ".{0,80}",
        "[ -~]{0,300}",
        "[a-zA-Z0-9@._+\\-, \n\t:/?#=%]{0,120}",
        "[a-z0-9]{1,20}@[a-z0-9]{1,20}\\.[a-z]{2,6}",
        "(https?://)?[a-z0-9.:\\[\\]]{0,40}(/[a-z0-9?=&#]{0,20})?",
    ]
}

/// `parse` accepts its own stored form, unchanged.
macro_rules! stable {
    ($raw:expr, $parse:path) => {
        if let Ok(value) = $parse($raw) {
            let again = $parse(value.as_str()).map(|v| v.as_str().to_owned());
            prop_assert_eq!(again, Ok(value.as_str().to_owned()));
        }
    };
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn named_values_answer_any_text_and_keep_what_they_accept(raw in text()) {
        stable!(&raw, Email::parse);
        stable!(&raw, OrgName::parse);
        stable!(&raw, DeviceName::parse);
        stable!(&raw, ModelId::parse);
        stable!(&raw, SlotId::parse);
        stable!(&raw, DeviceType::parse);
        stable!(&raw, CustomerFacingName::parse);
        stable!(&raw, CustomerId::parse);
        stable!(&raw, Asin::parse);
        stable!(&raw, ProfileName::parse);
    }

    #[test]
    fn other_validators_answer_any_text(raw in text(), unit in text(), percentage in any::<bool>()) {
        let _ = Password::parse(&raw);
        let _ = parse_marketplace_code(&raw);
        let _ = parse_category_code(&raw);
        let _ = super::consent::parse_serial(&raw);
        let _ = super::inventory::parse_threshold(&raw, percentage);
        let _ = parse_test_accounts(&raw);
        let _ = parse_unit_size(&raw);
        let _ = parse_asin_list(&raw);
        let _ = parse_return_url(&raw);
        let _ = parse_return_urls(&raw);
        let _ = parse_overlap_hours(&raw);
        let _ = SensorType::parse(&raw);
        let _ = Measurement::parse(&raw, &unit);
        let _ = super::notification::parse_event_types(&[raw.clone(), unit.clone()]);
        for kind in DeviceKind::ALL {
            let _ = kind.parse_device_type(&raw);
        }
    }

    #[test]
    fn accepted_lists_hold_only_values_their_item_validator_accepts(raw in text()) {
        if let Ok(asins) = parse_asin_list(&raw) {
            for asin in asins {
                prop_assert!(Asin::parse(asin.as_str()).is_ok());
            }
        }
        if let Ok(emails) = parse_test_accounts(&raw) {
            for email in emails {
                prop_assert!(Email::parse(email.as_str()).is_ok());
            }
        }
    }
}
