//! The rules of a replenishment-ID request: sensor types, measurements, ASIN lists, and the states a
//! request moves through between the maker and the reviewers.

use super::inventory::slot_name_group;
use super::Email;
use crate::error::FieldErrors;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashSet};

/// How a slot's sensor reports inventory (the three Alexa inventory sensors).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum SensorType {
    Level,
    Usage,
    LevelUsage,
}

impl SensorType {
    pub const ALL: [SensorType; 3] = [SensorType::Level, SensorType::Usage, SensorType::LevelUsage];

    pub fn as_str(self) -> &'static str {
        match self {
            SensorType::Level => "Level",
            SensorType::Usage => "Usage",
            SensorType::LevelUsage => "LevelUsage",
        }
    }

    /// When to choose it, in one line.
    pub fn explanation(self) -> &'static str {
        match self {
            SensorType::Level => "The device knows exactly how much is left and reports the remaining amount.",
            SensorType::Usage => {
                "Supplies are stored elsewhere in the home; the device reports how much each use consumed."
            }
            SensorType::LevelUsage => {
                "The device knows neither the amount left nor the amount each use takes; it reports use events."
            }
        }
    }

    pub fn parse(raw: &str) -> Result<Self, String> {
        SensorType::ALL
            .into_iter()
            .find(|t| t.as_str() == raw.trim())
            .ok_or_else(|| "Choose Level, Usage or LevelUsage.".to_owned())
    }
}

/// What a sensor's numbers mean: a count, a percentage, or a volume or weight in a unit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Measurement {
    Count,
    Percentage,
    Volume { unit: String },
    Weight { unit: String },
}

impl Measurement {
    pub const VOLUME_UNITS: [&'static str; 4] = ["mL", "L", "fl oz", "gal"];
    pub const WEIGHT_UNITS: [&'static str; 4] = ["g", "kg", "oz", "lb"];

    /// Parses the kind (`Count`, `Percentage`, `Volume`, `Weight`) and, for volume and weight, the unit.
    pub fn parse(kind: &str, unit: &str) -> Result<Self, String> {
        let unit = unit.trim();
        let checked = |allowed: &[&str], what: &str| {
            allowed
                .iter()
                .find(|u| **u == unit)
                .map(|u| (*u).to_owned())
                .ok_or_else(|| format!("Choose a {what} unit: {}.", allowed.join(", ")))
        };
        match kind.trim() {
            "Count" => Ok(Measurement::Count),
            "Percentage" => Ok(Measurement::Percentage),
            "Volume" => checked(&Self::VOLUME_UNITS, "volume").map(|unit| Measurement::Volume { unit }),
            "Weight" => checked(&Self::WEIGHT_UNITS, "weight").map(|unit| Measurement::Weight { unit }),
            _ => Err("Choose Count, Percentage, Volume or Weight.".into()),
        }
    }

    /// The kind as forms and the database spell it.
    pub fn kind(&self) -> &'static str {
        match self {
            Measurement::Count => "Count",
            Measurement::Percentage => "Percentage",
            Measurement::Volume { .. } => "Volume",
            Measurement::Weight { .. } => "Weight",
        }
    }

    pub fn unit(&self) -> &str {
        match self {
            Measurement::Volume { unit } | Measurement::Weight { unit } => unit,
            Measurement::Count | Measurement::Percentage => "",
        }
    }

    /// The unit's name in Alexa discovery and sensor payloads.
    pub fn alexa_unit(&self) -> Option<&'static str> {
        Some(match self.unit() {
            "mL" => "MILLILITER",
            "L" => "LITER",
            "fl oz" => "US_FLUID_OUNCE",
            "gal" => "US_FLUID_GALLON",
            "g" => "GRAM",
            "kg" => "KILOGRAM",
            "oz" => "OUNCE",
            "lb" => "POUND",
            _ => return None,
        })
    }

    /// "Volume (mL)", "Count".
    pub fn label(&self) -> String {
        match self.unit() {
            "" => self.kind().to_owned(),
            unit => format!("{} ({unit})", self.kind()),
        }
    }
}

/// The maker's customer ID: what identifies the maker's account with the platform.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CustomerId(String);

impl CustomerId {
    pub const MAX_LEN: usize = 64;

    pub fn parse(raw: &str) -> Result<Self, String> {
        let id = raw.trim();
        if id.is_empty() {
            return Err("Enter your customer ID.".into());
        }
        if id.chars().count() > Self::MAX_LEN {
            return Err(format!("A customer ID has at most {} characters.", Self::MAX_LEN));
        }
        if !id.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_') {
            return Err("A customer ID uses only letters, digits, - and _.".into());
        }
        Ok(Self(id.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The most test accounts one request may name.
pub const MAX_TEST_ACCOUNTS: usize = 20;

/// Test accounts as typed: emails separated by commas, spaces or new lines, none twice.
pub fn parse_test_accounts(raw: &str) -> Result<Vec<Email>, String> {
    let mut accounts: Vec<Email> = Vec::new();
    for entry in raw.split(|c: char| c == ',' || c == ';' || c.is_whitespace()).filter(|e| !e.is_empty()) {
        let email = Email::parse(entry).map_err(|message| format!("“{entry}”: {message}"))?;
        if accounts.contains(&email) {
            return Err(format!("{email} is listed twice."));
        }
        accounts.push(email);
    }
    if accounts.len() > MAX_TEST_ACCOUNTS {
        return Err(format!("List at most {MAX_TEST_ACCOUNTS} test accounts."));
    }
    Ok(accounts)
}

/// The amount in one refill, in the measurement's unit: a positive number with at most three decimals.
/// Returned as written without superfluous zeros ("0.50" → "0.5").
pub fn parse_unit_size(raw: &str) -> Result<String, String> {
    const MESSAGE: &str =
        "Enter the amount in one refill: a number above 0 with at most 3 decimals, such as 30 or 0.75.";
    let raw = raw.trim();
    let (whole, fraction) = raw.split_once('.').unwrap_or((raw, ""));
    let digits = |s: &str| s.chars().all(|c| c.is_ascii_digit());
    if whole.is_empty() || !digits(whole) || !digits(fraction) || fraction.len() > 3 || whole.len() > 7 {
        return Err(MESSAGE.into());
    }
    let fraction = fraction.trim_end_matches('0');
    let whole = whole.trim_start_matches('0');
    let whole = if whole.is_empty() { "0" } else { whole };
    if whole == "0" && fraction.is_empty() {
        return Err(MESSAGE.into());
    }
    Ok(if fraction.is_empty() { whole.to_owned() } else { format!("{whole}.{fraction}") })
}

/// An Amazon Standard Identification Number: exactly 10 upper-case letters or digits.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Asin(String);

impl Asin {
    pub const LEN: usize = 10;

    pub fn parse(raw: &str) -> Result<Self, String> {
        let asin = raw.trim();
        if asin.len() == Self::LEN && asin.chars().all(|c| c.is_ascii_uppercase() || c.is_ascii_digit()) {
            Ok(Self(asin.to_owned()))
        } else {
            Err(format!("“{asin}” is not an ASIN: an ASIN is exactly 10 upper-case letters or digits."))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The most ASINs one slot's custom list may hold.
pub const MAX_ASINS: usize = 100;

/// A custom ASIN list as typed: separated by commas, spaces or new lines; empty means "no custom list";
/// every entry must be an ASIN, none may repeat, and there are at most [`MAX_ASINS`].
pub fn parse_asin_list(raw: &str) -> Result<Vec<Asin>, String> {
    let mut seen = HashSet::new();
    let mut asins = Vec::new();
    for entry in raw.split(|c: char| c == ',' || c.is_whitespace()).filter(|e| !e.is_empty()) {
        let asin = Asin::parse(entry)?;
        if !seen.insert(asin.clone()) {
            return Err(format!("ASIN {} is listed twice.", asin.as_str()));
        }
        asins.push(asin);
    }
    if asins.len() > MAX_ASINS {
        return Err(format!("List at most {MAX_ASINS} ASINs."));
    }
    Ok(asins)
}

/// The most characters of a consumable's description and of a slot's free-text detail.
pub const MAX_DESCRIPTION: usize = 200;
pub const MAX_DETAIL: usize = 2000;

/// One slot's part of the request form, as typed.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct RequestSlotInput {
    #[serde(default)]
    pub sensor_type: String,
    #[serde(default)]
    pub measurement: String,
    #[serde(default)]
    pub unit: String,
    #[serde(default)]
    pub unit_size: String,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub asins: String,
    #[serde(default)]
    pub detail: String,
}

/// The request form as typed; `slots` is keyed by `slot_name_group(slot key)`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct RequestInput {
    pub customer_id: String,
    pub test_accounts: String,
    pub slots: BTreeMap<String, RequestSlotInput>,
}

/// The form field of one slot's value, also the key of its error message.
pub fn request_slot_field(slot_key: &str, field: &str) -> String {
    format!("slots[{}][{field}]", slot_name_group(slot_key))
}

/// One slot after checking, normalized for storage. In a draft any value may still be empty.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CheckedSlot {
    pub slot_key: String,
    pub sensor_type: String,
    pub measurement: String,
    pub unit: String,
    pub unit_size: String,
    pub description: String,
    /// ASINs joined by ", ".
    pub asins: String,
    pub detail: String,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct CheckedRequest {
    pub customer_id: String,
    /// Lower-cased emails.
    pub test_accounts: Vec<String>,
    pub slots: Vec<CheckedSlot>,
}

/// Checks the request for the device's slots (`(key, slot ID)` in the device's order). What is filled in
/// must be valid; with `complete` (a submission) every field a reviewer needs must be filled in too, for
/// every slot. On failure every typed value is kept so the form can show it again.
pub fn check_request(
    input: &RequestInput,
    slots: &[(String, String)],
    complete: bool,
) -> Result<CheckedRequest, FieldErrors> {
    let mut errors = FieldErrors::new()
        .keep("customer_id", &input.customer_id)
        .keep("test_accounts", &input.test_accounts);
    let required = |raw: &str, message: &str| -> Option<Result<(), String>> {
        if raw.trim().is_empty() {
            complete.then(|| Err(message.to_owned()))
        } else {
            Some(Ok(()))
        }
    };
    let mut checked = CheckedRequest::default();

    if let Some(Err(message)) = required(&input.customer_id, "Enter your customer ID.") {
        errors.add("customer_id", message);
    } else if !input.customer_id.trim().is_empty() {
        if let Some(id) = errors.check("customer_id", CustomerId::parse(&input.customer_id)) {
            checked.customer_id = id.as_str().to_owned();
        }
    }
    match parse_test_accounts(&input.test_accounts) {
        Ok(accounts) if accounts.is_empty() && complete => errors.add(
            "test_accounts",
            "Add at least one test account: the customers who may try the device in the sandbox.",
        ),
        Ok(accounts) => checked.test_accounts = accounts.iter().map(|e| e.as_str().to_owned()).collect(),
        Err(message) => errors.add("test_accounts", message),
    }

    let empty = RequestSlotInput::default();
    for (key, _slot_id) in slots {
        let typed = input.slots.get(&slot_name_group(key)).unwrap_or(&empty);
        let field = |name: &str| request_slot_field(key, name);
        for (name, value) in [
            ("sensor_type", &typed.sensor_type),
            ("measurement", &typed.measurement),
            ("unit", &typed.unit),
            ("unit_size", &typed.unit_size),
            ("description", &typed.description),
            ("asins", &typed.asins),
            ("detail", &typed.detail),
        ] {
            errors.values.insert(field(name), value.clone());
        }
        let mut slot = CheckedSlot { slot_key: key.clone(), ..CheckedSlot::default() };

        let sensor = match required(
            &typed.sensor_type,
            "Choose how the sensor reports: Level, Usage or LevelUsage.",
        ) {
            Some(Ok(())) => errors.check(&field("sensor_type"), SensorType::parse(&typed.sensor_type)),
            Some(Err(message)) => {
                errors.add(&field("sensor_type"), message);
                None
            }
            None => None,
        };
        let needs_unit = matches!(typed.measurement.trim(), "Volume" | "Weight");
        let measurement = match required(&typed.measurement, "Choose what the numbers measure.") {
            // A draft keeps a volume or weight whose unit is still to be chosen.
            Some(Ok(())) if needs_unit && typed.unit.trim().is_empty() && !complete => {
                slot.measurement = typed.measurement.trim().to_owned();
                None
            }
            Some(Ok(())) => {
                let parsed = Measurement::parse(&typed.measurement, &typed.unit);
                // A wrong unit is the unit field's fault, not the measurement's.
                let target = if needs_unit { "unit" } else { "measurement" };
                errors.check(&field(target), parsed)
            }
            Some(Err(message)) => {
                errors.add(&field("measurement"), message);
                None
            }
            None => None,
        };
        if let (Some(SensorType::Usage), Some(Measurement::Percentage)) = (sensor, &measurement) {
            errors.add(
                &field("measurement"),
                "A usage sensor reports how much each use consumed: choose Count, Volume or Weight.",
            );
        }
        if let Some(sensor) = sensor {
            slot.sensor_type = sensor.as_str().to_owned();
        }
        if let Some(measurement) = measurement {
            slot.measurement = measurement.kind().to_owned();
            slot.unit = measurement.unit().to_owned();
        }
        match required(&typed.unit_size, "Enter the amount in one refill.") {
            Some(Ok(())) => {
                if let Some(size) = errors.check(&field("unit_size"), parse_unit_size(&typed.unit_size)) {
                    slot.unit_size = size;
                }
            }
            Some(Err(message)) => errors.add(&field("unit_size"), message),
            None => {}
        }
        let description = typed.description.trim();
        match required(description, "Describe the consumable: brand, product and pack size.") {
            Some(Err(message)) => errors.add(&field("description"), message),
            _ if description.chars().count() > MAX_DESCRIPTION => errors
                .add(&field("description"), format!("Keep the description to {MAX_DESCRIPTION} characters.")),
            _ => slot.description = description.to_owned(),
        }
        if let Some(asins) = errors.check(&field("asins"), parse_asin_list(&typed.asins)) {
            slot.asins = asins.iter().map(Asin::as_str).collect::<Vec<_>>().join(", ");
        }
        let detail = typed.detail.trim();
        if detail.chars().count() > MAX_DETAIL {
            errors.add(&field("detail"), format!("Keep the detail to {MAX_DETAIL} characters."));
        } else {
            slot.detail = detail.to_owned();
        }
        checked.slots.push(slot);
    }
    if errors.is_empty() {
        Ok(checked)
    } else {
        Err(errors)
    }
}

/// Where a request stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum RequestState {
    Draft,
    Submitted,
    ChangesRequested,
    Approved,
    Rejected,
    Withdrawn,
}

/// What someone does to a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum RequestAction {
    /// The maker sends a draft, or a request that needed changes, to the reviewers.
    Submit,
    /// The maker takes a submitted request back before a decision.
    Withdraw,
    Approve,
    RequestChanges,
    Reject,
}

impl RequestState {
    pub const ALL: [RequestState; 6] = [
        RequestState::Draft,
        RequestState::Submitted,
        RequestState::ChangesRequested,
        RequestState::Approved,
        RequestState::Rejected,
        RequestState::Withdrawn,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            RequestState::Draft => "draft",
            RequestState::Submitted => "submitted",
            RequestState::ChangesRequested => "changes_requested",
            RequestState::Approved => "approved",
            RequestState::Rejected => "rejected",
            RequestState::Withdrawn => "withdrawn",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            RequestState::Draft => "Draft",
            RequestState::Submitted => "Waiting for review",
            RequestState::ChangesRequested => "Changes requested",
            RequestState::Approved => "Approved",
            RequestState::Rejected => "Rejected",
            RequestState::Withdrawn => "Withdrawn",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        RequestState::ALL.into_iter().find(|s| s.as_str() == raw)
    }

    /// Only drafts and requests sent back for changes can be edited by the maker.
    pub fn is_editable(self) -> bool {
        matches!(self, RequestState::Draft | RequestState::ChangesRequested)
    }

    /// The state after `action`, or why the action is not possible now.
    pub fn after(self, action: RequestAction) -> Result<RequestState, String> {
        use RequestAction as A;
        use RequestState as S;
        match (self, action) {
            (S::Draft | S::ChangesRequested, A::Submit) => Ok(S::Submitted),
            (S::Submitted, A::Withdraw) => Ok(S::Withdrawn),
            (S::Submitted, A::Approve) => Ok(S::Approved),
            (S::Submitted, A::RequestChanges) => Ok(S::ChangesRequested),
            (S::Submitted, A::Reject) => Ok(S::Rejected),
            (state, action) => Err(format!(
                "A request that is {} cannot be {}.",
                state.label().to_lowercase(),
                action.past_tense()
            )),
        }
    }
}

impl RequestAction {
    pub const ALL: [RequestAction; 5] = [
        RequestAction::Submit,
        RequestAction::Withdraw,
        RequestAction::Approve,
        RequestAction::RequestChanges,
        RequestAction::Reject,
    ];

    fn past_tense(self) -> &'static str {
        match self {
            RequestAction::Submit => "submitted",
            RequestAction::Withdraw => "withdrawn",
            RequestAction::Approve => "approved",
            RequestAction::RequestChanges => "sent back for changes",
            RequestAction::Reject => "rejected",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sensor_types_round_trip_and_explain_themselves() {
        for sensor in SensorType::ALL {
            assert_eq!(SensorType::parse(sensor.as_str()), Ok(sensor));
            assert!(!sensor.explanation().is_empty());
        }
        assert!(SensorType::parse("level").is_err());
        assert!(SensorType::parse("").is_err());
    }

    #[test]
    fn measurements_need_a_unit_only_for_volume_and_weight() {
        assert_eq!(Measurement::parse("Count", ""), Ok(Measurement::Count));
        assert_eq!(Measurement::parse("Percentage", "kg"), Ok(Measurement::Percentage));
        assert_eq!(Measurement::parse("Volume", "mL"), Ok(Measurement::Volume { unit: "mL".into() }));
        assert_eq!(Measurement::parse("Weight", "lb"), Ok(Measurement::Weight { unit: "lb".into() }));
        assert!(Measurement::parse("Volume", "").is_err());
        assert!(Measurement::parse("Volume", "kg").is_err());
        assert!(Measurement::parse("Weight", "mL").is_err());
        assert!(Measurement::parse("Length", "m").is_err());
    }

    #[test]
    fn an_asin_is_exactly_ten_upper_case_letters_or_digits() {
        assert!(Asin::parse("B07XJ8C8F5").is_ok());
        assert!(Asin::parse("0123456789").is_ok());
        assert!(Asin::parse(" B07XJ8C8F5 ").is_ok());
        for bad in ["B07XJ8C8F", "B07XJ8C8F55", "b07xj8c8f5", "B07XJ8C8F-", "B07XJ8 C8F5", "B07XJ8C8FÜ", ""]
        {
            assert!(Asin::parse(bad).is_err(), "{bad:?} should be refused");
        }
    }

    #[test]
    fn an_asin_list_is_split_checked_and_free_of_duplicates() {
        let list = parse_asin_list("B07XJ8C8F5, B000000001\nB000000002").unwrap();
        assert_eq!(list.len(), 3);
        assert_eq!(parse_asin_list("  "), Ok(Vec::new()));
        assert!(parse_asin_list("B07XJ8C8F5 B07XJ8C8F5").unwrap_err().contains("twice"));
        assert!(parse_asin_list("B07XJ8C8F5, nope").unwrap_err().contains("“nope”"));
        let hundred: Vec<String> = (0..100).map(|i| format!("B{i:09}")).collect();
        assert_eq!(parse_asin_list(&hundred.join(",")).map(|l| l.len()), Ok(100));
        let hundred_one: Vec<String> = (0..101).map(|i| format!("B{i:09}")).collect();
        assert!(parse_asin_list(&hundred_one.join(",")).unwrap_err().contains("at most 100"));
    }

    #[test]
    fn every_allowed_transition_leads_where_it_should() {
        use RequestAction as A;
        use RequestState as S;
        let allowed = [
            (S::Draft, A::Submit, S::Submitted),
            (S::ChangesRequested, A::Submit, S::Submitted),
            (S::Submitted, A::Withdraw, S::Withdrawn),
            (S::Submitted, A::Approve, S::Approved),
            (S::Submitted, A::RequestChanges, S::ChangesRequested),
            (S::Submitted, A::Reject, S::Rejected),
        ];
        for (from, action, to) in allowed {
            assert_eq!(from.after(action), Ok(to), "{from:?} --{action:?}-->");
        }
        // Every other pair is refused with a message.
        for from in RequestState::ALL {
            for action in RequestAction::ALL {
                if allowed.iter().any(|(f, a, _)| *f == from && *a == action) {
                    continue;
                }
                let refused = from.after(action);
                assert!(refused.is_err(), "{from:?} --{action:?}--> should be refused");
            }
        }
        assert!(S::Approved.after(A::Approve).unwrap_err().contains("approved cannot be approved"));
    }

    #[test]
    fn only_drafts_and_returned_requests_are_editable() {
        let editable: Vec<_> = RequestState::ALL.into_iter().filter(|s| s.is_editable()).collect();
        assert_eq!(editable, [RequestState::Draft, RequestState::ChangesRequested]);
        for state in RequestState::ALL {
            assert_eq!(RequestState::parse(state.as_str()), Some(state));
        }
    }

    #[test]
    fn a_customer_id_is_one_to_64_letters_digits_dashes_or_underscores() {
        assert_eq!(CustomerId::parse(" A1B2-c_3 ").map(|c| c.as_str().to_owned()), Ok("A1B2-c_3".into()));
        assert!(CustomerId::parse(&"A".repeat(64)).is_ok());
        assert!(CustomerId::parse(&"A".repeat(65)).is_err());
        for bad in ["", "   ", "A1 B2", "A1/B2", "Ä1B2", "A1<B2"] {
            assert!(CustomerId::parse(bad).is_err(), "{bad:?} should be refused");
        }
    }

    #[test]
    fn test_accounts_are_emails_listed_once_and_at_most_twenty() {
        let accounts = parse_test_accounts("a@example.com\nB@Example.com, c@example.com").unwrap();
        assert_eq!(
            accounts.iter().map(|a| a.as_str()).collect::<Vec<_>>(),
            ["a@example.com", "b@example.com", "c@example.com"]
        );
        assert_eq!(parse_test_accounts(""), Ok(Vec::new()));
        assert!(parse_test_accounts("a@example.com A@EXAMPLE.COM").unwrap_err().contains("twice"));
        assert!(parse_test_accounts("a@example.com nope").unwrap_err().contains("“nope”"));
        let twenty: Vec<String> = (0..20).map(|i| format!("t{i}@example.com")).collect();
        assert!(parse_test_accounts(&twenty.join(" ")).is_ok());
        let twenty_one: Vec<String> = (0..21).map(|i| format!("t{i}@example.com")).collect();
        assert!(parse_test_accounts(&twenty_one.join(" ")).is_err());
    }

    #[test]
    fn a_unit_size_is_a_positive_number_with_at_most_three_decimals() {
        for (raw, stored) in
            [("30", "30"), ("0.75", "0.75"), ("0.50", "0.5"), ("007", "7"), ("2.", "2"), ("1.250", "1.25")]
        {
            assert_eq!(parse_unit_size(raw), Ok(stored.to_owned()), "{raw:?}");
        }
        for bad in ["", "0", "0.000", "-1", "1.2345", "abc", "1e3", ".5", "1,5", "12345678"] {
            assert!(parse_unit_size(bad).is_err(), "{bad:?} should be refused");
        }
    }

    fn complete_slot() -> RequestSlotInput {
        RequestSlotInput {
            sensor_type: "Level".into(),
            measurement: "Volume".into(),
            unit: "mL".into(),
            unit_size: "500".into(),
            description: "Acme filter, 2-pack".into(),
            asins: "B07XJ8C8F5 B000000001".into(),
            detail: String::new(),
        }
    }

    fn device_slots() -> Vec<(String, String)> {
        vec![("k1".into(), "filter".into()), ("k2".into(), "pods".into())]
    }

    #[test]
    fn a_draft_may_be_incomplete_but_what_is_filled_in_must_be_valid() {
        let input =
            RequestInput { customer_id: String::new(), test_accounts: String::new(), slots: BTreeMap::new() };
        let checked = check_request(&input, &device_slots(), false).unwrap();
        assert_eq!(checked.slots.len(), 2);
        let mut slots = BTreeMap::new();
        let unit_later = RequestSlotInput { measurement: "Volume".into(), ..RequestSlotInput::default() };
        slots.insert("slot-k2".to_owned(), unit_later);
        let draft = RequestInput { slots: slots.clone(), ..input.clone() };
        let checked =
            check_request(&draft, &device_slots(), false).expect("a unit may come later in a draft");
        assert_eq!((checked.slots[1].measurement.as_str(), checked.slots[1].unit.as_str()), ("Volume", ""));
        let errors = check_request(&draft, &device_slots(), true).unwrap_err();
        assert!(errors.messages["slots[slot-k2][unit]"].contains("volume unit"));
        slots.insert(
            "slot-k1".to_owned(),
            RequestSlotInput { asins: "nope".into(), ..RequestSlotInput::default() },
        );
        let input = RequestInput { slots, ..input };
        let errors = check_request(&input, &device_slots(), false).unwrap_err();
        assert!(errors.messages.contains_key("slots[slot-k1][asins]"));
        assert_eq!(errors.values["slots[slot-k1][asins]"], "nope");
    }

    #[test]
    fn a_submission_needs_every_slot_complete() {
        let mut slots = BTreeMap::new();
        slots.insert("slot-k1".to_owned(), complete_slot());
        let input = RequestInput { customer_id: "A1".into(), test_accounts: "t@example.com".into(), slots };
        let errors = check_request(&input, &device_slots(), true).unwrap_err();
        for field in ["sensor_type", "measurement", "unit_size", "description"] {
            assert!(errors.messages.contains_key(&format!("slots[slot-k2][{field}]")), "{field}");
        }
        assert!(!errors.messages.keys().any(|k| k.contains("slot-k1")));
        let mut input = input;
        input.slots.insert(
            "slot-k2".to_owned(),
            RequestSlotInput { measurement: "Count".into(), unit: "kg".into(), ..complete_slot() },
        );
        let checked = check_request(&input, &device_slots(), true).unwrap();
        assert_eq!(checked.slots[0].asins, "B07XJ8C8F5, B000000001");
        assert_eq!(checked.slots[1].unit, "", "a count has no unit");
        assert_eq!(checked.test_accounts, ["t@example.com"]);
    }

    #[test]
    fn a_usage_sensor_cannot_report_a_percentage_and_units_must_match_the_measurement() {
        let mut slots = BTreeMap::new();
        slots.insert(
            "slot-k1".to_owned(),
            RequestSlotInput {
                sensor_type: "Usage".into(),
                measurement: "Percentage".into(),
                ..complete_slot()
            },
        );
        slots.insert(
            "slot-k2".to_owned(),
            RequestSlotInput { measurement: "Weight".into(), unit: "mL".into(), ..complete_slot() },
        );
        let input = RequestInput { customer_id: "A1".into(), test_accounts: "t@example.com".into(), slots };
        let errors = check_request(&input, &device_slots(), true).unwrap_err();
        assert!(errors.messages["slots[slot-k1][measurement]"].contains("usage sensor"));
        assert!(errors.messages["slots[slot-k2][unit]"].contains("weight unit"));
    }
}
