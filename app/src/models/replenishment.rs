//! The rules of a replenishment-ID request: sensor types, measurements, ASIN lists, and the states a
//! request moves through between the maker and the reviewers.

use serde::{Deserialize, Serialize};
use std::collections::HashSet;

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

/// A custom ASIN list as typed: separated by commas, spaces or new lines; empty means "no custom list";
/// every entry must be an ASIN and none may repeat.
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
    Ok(asins)
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
}
