//! A device's inventory as its form submits it: rows of slots, checked all together so that every bad row
//! is marked at once and nothing is stored unless every row is good.

use super::device::{parse_category_code, SlotId};
use crate::error::FieldErrors;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};

/// One row of the inventory form. `key` is the stored slot's key, empty for a new row.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SlotRowInput {
    #[serde(default)]
    pub key: String,
    #[serde(default)]
    pub slot_id: String,
    #[serde(default)]
    pub category: String,
    /// Set when the maker confirmed deleting the row's slot.
    #[serde(default)]
    pub delete: String,
}

impl SlotRowInput {
    pub fn is_deleted(&self) -> bool {
        !self.delete.is_empty()
    }

    /// A new row left completely blank is ignored rather than refused.
    pub fn is_blank_new_row(&self) -> bool {
        self.key.is_empty() && self.slot_id.trim().is_empty() && self.category.trim().is_empty()
    }
}

/// A checked row: what to store.
#[derive(Debug, Clone, PartialEq)]
pub enum SlotChange {
    Keep { key: String, slot_id: SlotId, category: String, position: i32 },
    Add { slot_id: SlotId, category: String, position: i32 },
    Delete { key: String },
}

/// The form field a row's value travels in, also the key of its error message.
pub fn row_field(row: &str, field: &str) -> String {
    format!("rows[{row}][{field}]")
}

/// The group a slot's names travel in: the slot's key behind a prefix, because the form decoder reads a
/// bracketed name that starts with a digit as a list index.
pub fn slot_name_group(slot_key: &str) -> String {
    format!("slot-{slot_key}")
}

/// The form field of one slot's name in one marketplace, also the key of its error message.
pub fn slot_name_field(slot_key: &str, code: &str) -> String {
    format!("names[{}][{code}]", slot_name_group(slot_key))
}

/// Rows in the order the form shows them: row names are numbers, compared as numbers.
pub fn ordered_rows(rows: &BTreeMap<String, SlotRowInput>) -> Vec<(&String, &SlotRowInput)> {
    let mut ordered: Vec<_> = rows.iter().collect();
    ordered.sort_by_key(|(name, _)| (name.parse::<u64>().unwrap_or(u64::MAX), (*name).clone()));
    ordered
}

/// Errors with no message yet that keep every typed row value, so a refused form shows them again.
pub fn typed_rows(rows: &BTreeMap<String, SlotRowInput>) -> FieldErrors {
    let mut errors = FieldErrors::new();
    for (row, input) in rows {
        errors.values.insert(row_field(row, "key"), input.key.clone());
        errors.values.insert(row_field(row, "slot_id"), input.slot_id.clone());
        errors.values.insert(row_field(row, "category"), input.category.clone());
        errors.values.insert(row_field(row, "delete"), input.delete.clone());
    }
    errors
}

/// Checks every row. On failure the errors mark each bad row's field and keep every typed value.
pub fn check_inventory(rows: &BTreeMap<String, SlotRowInput>) -> Result<Vec<SlotChange>, FieldErrors> {
    let mut errors = typed_rows(rows);
    let mut changes = Vec::new();
    let mut seen: HashMap<String, &str> = HashMap::new();
    let mut keys = std::collections::HashSet::new();
    for (row, input) in rows {
        if !input.key.is_empty() && !keys.insert(input.key.as_str()) {
            errors.add(&row_field(row, "slot_id"), "This slot appears twice in the form. Reload the page.");
        }
    }
    let mut position = 0;
    for (row, input) in ordered_rows(rows) {
        if input.is_deleted() {
            if !input.key.is_empty() {
                changes.push(SlotChange::Delete { key: input.key.clone() });
            }
            continue;
        }
        if input.is_blank_new_row() {
            continue;
        }
        position += 1;
        let slot_id = errors.check(&row_field(row, "slot_id"), SlotId::parse(&input.slot_id));
        let category = errors.check(&row_field(row, "category"), parse_category_code(&input.category));
        if let Some(slot_id) = &slot_id {
            if let Some(first) = seen.insert(slot_id.as_str().to_owned(), row) {
                errors.add(
                    &row_field(row, "slot_id"),
                    format!(
                        "Slot ID “{}” is already used by slot {}.",
                        slot_id.as_str(),
                        row_number(rows, first)
                    ),
                );
            }
        }
        if let (Some(slot_id), Some(category)) = (slot_id, category) {
            changes.push(if input.key.is_empty() {
                SlotChange::Add { slot_id, category, position }
            } else {
                SlotChange::Keep { key: input.key.clone(), slot_id, category, position }
            });
        }
    }
    if position == 0 && errors.messages.is_empty() {
        errors.form = Some("A device needs at least one slot.".into());
        return Err(errors);
    }
    if errors.messages.is_empty() {
        Ok(changes)
    } else {
        let count = errors
            .messages
            .keys()
            .filter_map(|k| k.split(']').next())
            .collect::<std::collections::BTreeSet<_>>()
            .len();
        errors.form = Some(format!(
            "{count} slot(s) need correcting; nothing was saved. Each problem is marked next to its field."
        ));
        Err(errors)
    }
}

/// The 1-based number a row shows as ("Slot 02") among the rows that are not deleted.
fn row_number(rows: &BTreeMap<String, SlotRowInput>, row: &str) -> String {
    let index = ordered_rows(rows)
        .into_iter()
        .filter(|(_, input)| !input.is_deleted() && !input.is_blank_new_row())
        .position(|(name, _)| name == row)
        .map_or(0, |i| i + 1);
    format!("{index:02}")
}

/// A slot's low-supply threshold as the inventory tab edits it (slots with an approved measurement only).
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct ThresholdRow {
    pub key: String,
    pub slot_id: String,
    /// "Volume (L)", "Percentage".
    pub measurement: String,
    pub is_percentage: bool,
    /// The maker's threshold, empty for the default.
    pub threshold: String,
    pub default: String,
}

/// The form field of a slot's threshold (prefixed: a bracketed key starting with a digit reads as an index).
pub fn threshold_field(key: &str) -> String {
    format!("thresholds[slot-{key}]")
}

/// A threshold: empty for the default, else a number from 0 (at most 100 for a percentage), up to 3
/// decimals.
pub fn parse_threshold(raw: &str, is_percentage: bool) -> Result<Option<String>, String> {
    let raw = raw.trim();
    if raw.is_empty() {
        return Ok(None);
    }
    let decimals = raw.split_once('.').map_or(0, |(_, fraction)| fraction.len());
    match raw.parse::<f64>() {
        Ok(value) if value.is_finite() && value >= 0.0 && decimals <= 3 => {
            if is_percentage && value > 100.0 {
                Err("A percentage threshold is at most 100.".into())
            } else {
                Ok(Some(raw.to_owned()))
            }
        }
        _ => Err("Enter a number from 0, with at most 3 decimals, or leave it empty for the default.".into()),
    }
}

#[cfg(test)]
mod tests {

    #[test]
    fn thresholds_are_empty_or_a_non_negative_number() {
        assert_eq!(parse_threshold(" ", false), Ok(None));
        assert_eq!(parse_threshold("1.5", false), Ok(Some("1.5".into())));
        assert_eq!(parse_threshold("0", true), Ok(Some("0".into())));
        assert_eq!(parse_threshold("100", true), Ok(Some("100".into())));
        assert!(parse_threshold("100.5", true).is_err());
        assert!(parse_threshold("-1", false).is_err());
        assert!(parse_threshold("1.2345", false).is_err());
        assert!(parse_threshold("NaN", false).is_err());
        assert!(parse_threshold("ten", false).is_err());
    }
    use super::*;

    fn rows(items: &[(&str, &str, &str, &str)]) -> BTreeMap<String, SlotRowInput> {
        items
            .iter()
            .enumerate()
            .map(|(i, (key, slot_id, category, delete))| {
                (
                    i.to_string(),
                    SlotRowInput {
                        key: (*key).into(),
                        slot_id: (*slot_id).into(),
                        category: (*category).into(),
                        delete: (*delete).into(),
                    },
                )
            })
            .collect()
    }

    #[test]
    fn good_rows_become_changes_in_order() {
        let changes = check_inventory(&rows(&[
            ("k1", "ink-black", "ink_cartridge", ""),
            ("", "paper", "printer_paper", ""),
            ("k2", "old", "ink_cartridge", "1"),
        ]))
        .unwrap();
        assert_eq!(changes.len(), 3);
        assert!(matches!(&changes[0], SlotChange::Keep { key, position: 1, .. } if key == "k1"));
        assert!(matches!(&changes[1], SlotChange::Add { position: 2, .. }));
        assert!(matches!(&changes[2], SlotChange::Delete { key } if key == "k2"));
    }

    #[test]
    fn duplicate_slot_ids_mark_the_later_row() {
        let errors =
            check_inventory(&rows(&[("k1", "filter", "water_filter", ""), ("", "filter", "air_filter", "")]))
                .unwrap_err();
        let message = errors.messages.get("rows[1][slot_id]").expect("second row marked");
        assert!(message.contains("already used by slot 01"), "{message}");
        assert!(!errors.messages.contains_key("rows[0][slot_id]"));
    }

    #[test]
    fn a_stored_slot_may_appear_only_once() {
        let errors = check_inventory(&rows(&[("k1", "a", "air_filter", ""), ("k1", "b", "air_filter", "1")]))
            .unwrap_err();
        assert!(errors.messages.values().any(|m| m.contains("appears twice")), "{errors:?}");
    }

    #[test]
    fn a_deleted_row_frees_its_slot_id() {
        assert!(check_inventory(&rows(&[
            ("k1", "filter", "water_filter", "1"),
            ("", "filter", "air_filter", "")
        ]))
        .is_ok());
    }

    #[test]
    fn every_bad_row_is_marked_and_typed_values_are_kept() {
        let errors = check_inventory(&rows(&[
            ("k1", "bad id!", "water_filter", ""),
            ("", "ok", "", ""),
            ("", &"x".repeat(65), "air_filter", ""),
        ]))
        .unwrap_err();
        assert!(errors.messages.contains_key("rows[0][slot_id]"));
        assert!(errors.messages.contains_key("rows[1][category]"));
        assert!(errors.messages.contains_key("rows[2][slot_id]"));
        assert_eq!(errors.values.get("rows[0][slot_id]").map(String::as_str), Some("bad id!"));
        assert!(errors.form.as_deref().is_some_and(|f| f.starts_with("3 slot(s)")));
    }

    #[test]
    fn blank_new_rows_are_ignored_but_an_empty_inventory_is_refused() {
        assert!(check_inventory(&rows(&[("k1", "a", "air_filter", ""), ("", "", "", "")])).is_ok());
        let errors = check_inventory(&rows(&[("k1", "a", "air_filter", "1")])).unwrap_err();
        assert_eq!(errors.form.as_deref(), Some("A device needs at least one slot."));
    }

    #[test]
    fn rows_are_ordered_numerically() {
        let mut map = BTreeMap::new();
        for name in ["10", "2", "1"] {
            map.insert(name.to_owned(), SlotRowInput::default());
        }
        let order: Vec<_> = ordered_rows(&map).into_iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(order, ["1", "2", "10"]);
    }
}
