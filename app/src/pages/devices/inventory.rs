//! The inventory tab: a device's slots, edited as one form and saved all at once.
//!
//! *Add another slot* and *Delete* are submit buttons that reload this page with what was typed in the
//! address (`rows[N][...]`) plus what to do (`add_row`, `ask_delete`, `delete_row`, `keep_row`); the page
//! rebuilds the rows from there. A control must never be
//! named after a form method (`remove`, `submit`, `reset`): the form element exposes controls by name,
//! which hides the method, and unmounting the form then fails in the browser.

use super::super::{action_error, organizations::org, query_param};
use super::draft_query;
use super::frame::{device, device_tab};
use crate::api::devices::{load_thresholds, SaveInventory, SaveThresholds};
use crate::components::{described, error_id, DefaultSubmit, FieldError, FormAlert, Notice, Submit};
use crate::error::AppError;
use crate::models::inventory::{ordered_rows, row_field, threshold_field, SlotRowInput, ThresholdRow};
use crate::models::{ConsumableCategory, DeviceDetail, FieldRule};
use leptos::prelude::*;
use leptos_meta::Title;
use std::collections::BTreeMap;

#[derive(Clone, Copy, PartialEq)]
enum RowState {
    Normal,
    Confirming,
    Deleted,
}

#[derive(Clone)]
struct Row {
    name: String,
    key: String,
    slot_id: String,
    category: String,
    state: RowState,
    /// The replenishment ID issued for the stored slot, which makes it impossible to delete.
    replenishment_id: Option<String>,
}

/// Rows from a flat map of form fields (`rows[N][field]` → value).
fn rows_from_fields<'a>(fields: impl Iterator<Item = (&'a str, &'a str)>) -> BTreeMap<String, SlotRowInput> {
    let mut rows: BTreeMap<String, SlotRowInput> = BTreeMap::new();
    for (name, value) in fields {
        let Some(rest) = name.strip_prefix("rows[") else { continue };
        let Some((row, field)) = rest.split_once("][") else { continue };
        let Some(field) = field.strip_suffix(']') else { continue };
        if row.is_empty() || !row.chars().all(|c| c.is_ascii_digit()) {
            continue;
        }
        let entry = rows.entry(row.to_owned()).or_default();
        match field {
            "key" => entry.key = value.to_owned(),
            "slot_id" => entry.slot_id = value.to_owned(),
            "category" => entry.category = value.to_owned(),
            "delete" => entry.delete = value.to_owned(),
            _ => {}
        }
    }
    rows
}

/// The rows to show first: what a failed save sent back, else what a no-JavaScript button carried in
/// the address, else the stored slots; then the button's action applied.
fn initial_rows(detail: &DeviceDetail, error: Option<AppError>) -> Vec<Row> {
    // After a failed save the address still carries the button that led here; it must not act twice.
    let replay = error.is_none();
    let query = draft_query();
    let query = query.read_untracked();
    let from_error = match error {
        Some(AppError::Validation(errors)) => {
            Some(rows_from_fields(errors.values.iter().map(|(k, v)| (k.as_str(), v.as_str()))))
        }
        _ => None,
    }
    .filter(|rows| !rows.is_empty());
    let from_query = || {
        let fields: Vec<(String, String)> = query
            .clone()
            .into_iter()
            .filter(|(k, _)| k.starts_with("rows["))
            .map(|(k, v)| (k.to_string(), v))
            .collect();
        Some(rows_from_fields(fields.iter().map(|(k, v)| (k.as_str(), v.as_str()))))
            .filter(|rows| !rows.is_empty())
    };
    let inputs: Vec<(String, SlotRowInput)> = match from_error.or_else(from_query) {
        Some(rows) => {
            ordered_rows(&rows).into_iter().map(|(name, input)| (name.clone(), input.clone())).collect()
        }
        None => detail
            .slots
            .iter()
            .enumerate()
            .map(|(i, slot)| {
                (
                    i.to_string(),
                    SlotRowInput {
                        key: slot.key.clone(),
                        slot_id: slot.slot_id.clone(),
                        category: slot.category.clone(),
                        delete: String::new(),
                    },
                )
            })
            .collect(),
    };
    let mut rows: Vec<Row> = inputs
        .into_iter()
        .map(|(name, input)| {
            let replenishment_id = detail
                .slots
                .iter()
                .find(|s| s.key == input.key && !input.key.is_empty())
                .and_then(|s| s.replenishment_id.clone());
            new_row(
                name,
                input.key.clone(),
                input.slot_id,
                input.category,
                if input.delete.is_empty() { RowState::Normal } else { RowState::Deleted },
                replenishment_id,
            )
        })
        .collect();
    if replay && query.get("add_row").is_some() {
        let name = next_row_name(&rows);
        rows.push(new_row(name, String::new(), String::new(), String::new(), RowState::Normal, None));
    }
    for (param, state) in [
        ("ask_delete", RowState::Confirming),
        ("delete_row", RowState::Deleted),
        ("keep_row", RowState::Normal),
    ] {
        if let Some(target) = query.get(param).filter(|_| replay) {
            if let Some(row) = rows.iter_mut().find(|r| r.name == target && r.replenishment_id.is_none()) {
                row.state = state;
            }
        }
    }
    rows
}

fn new_row(
    name: String,
    key: String,
    slot_id: String,
    category: String,
    state: RowState,
    replenishment_id: Option<String>,
) -> Row {
    Row { name, key, slot_id, category, state, replenishment_id }
}

fn next_row_name(rows: &[Row]) -> String {
    rows.iter().filter_map(|r| r.name.parse::<u64>().ok()).max().map_or(0, |n| n + 1).to_string()
}

#[component]
pub fn InventoryPage() -> impl IntoView {
    let org_id = crate::components::org_id_param();
    let params = leptos_router::hooks::use_params_map();
    let save_thresholds = ServerAction::<SaveThresholds>::new();
    let thresholds = Resource::new(
        move || (org_id.get(), params.read().get("device").unwrap_or_default()),
        |(org, device)| load_thresholds(org, device),
    );
    provide_context(Thresholds { rows: thresholds, save: save_thresholds });
    device_tab(|| view! { <InventoryTab/> <ThresholdsForm/> })
}

/// The thresholds' data and action, created outside the tab's `Suspense` so they load once.
#[derive(Clone, Copy)]
struct Thresholds {
    rows: Resource<Result<Vec<ThresholdRow>, AppError>>,
    save: ServerAction<SaveThresholds>,
}

/// Low-supply thresholds, for the slots whose measurement approval fixed.
#[component]
fn ThresholdsForm() -> impl IntoView {
    let Thresholds { rows: thresholds, save } = expect_context::<Thresholds>();
    let context = device();
    let error = action_error(save);
    let saved = query_param("thresholds");
    let notice = Signal::derive(move || saved.get().map(|_| "Thresholds saved.".to_owned()));
    let organization_id = org().organization.id;
    let device_id = context.detail.id.clone();
    let can_edit = context.detail.can_edit;
    view! {
        <h2 id="thresholds">"Low-supply thresholds"</h2>
        <p>
            "When a sensor reports a slot at or below its threshold, the customer is told once; three low
             readings in a row place an order when the customer chose automatic reorder. Empty means the
             default: 20 % for percentages, 1 unit otherwise."
        </p>
        <Notice text=notice/>
        <Suspense fallback=|| view! { <p class="loading">"Loading…"</p> }>
            {move || {
                let (organization_id, device_id) = (organization_id.clone(), device_id.clone());
                Suspend::new(async move {
                    match thresholds.await {
                        Ok(rows) if rows.is_empty() => view! {
                            <p>"Thresholds can be set once a slot's replenishment ID is approved."</p>
                        }
                            .into_any(),
                        Ok(rows) => view! {
                            <ActionForm action=save attr:class="form" attr:novalidate=true>
                                <FormAlert error/>
                                <input type="hidden" name="org" value=organization_id/>
                                <input type="hidden" name="device" value=device_id/>
                                {rows.into_iter().map(|row| view! { <ThresholdField row error can_edit/> }).collect_view()}
                                {can_edit.then(|| view! { <Submit label="Save thresholds"/> })}
                            </ActionForm>
                        }
                            .into_any(),
                        Err(error) => view! { <FormAlert error=Signal::derive(move || Some(error.clone()))/> }.into_any(),
                    }
                })
            }}
        </Suspense>
    }
}

#[component]
fn ThresholdField(row: ThresholdRow, error: Signal<Option<AppError>>, can_edit: bool) -> impl IntoView {
    let name = threshold_field(&row.key);
    let id = format!("threshold-{}", row.key);
    let hint_id = format!("{id}-hint");
    let message = {
        let name = name.clone();
        Signal::derive(move || error.get().and_then(|e| e.field_message(&name)))
    };
    let typed = error.get_untracked().and_then(|e| e.typed_value(&name)).unwrap_or(row.threshold.clone());
    let error_name = name.clone();
    let described = {
        let (hint_id, name) = (hint_id.clone(), name.clone());
        move || described(Some(&hint_id), message.get().map(|_| error_id(&name)))
    };
    view! {
        <div class="field" class:invalid=move || message.get().is_some()>
            <label for=id.clone()>{format!("Threshold for slot {}", row.slot_id)}</label>
            <p class="hint" id=hint_id.clone()>{format!("{}; default {}", row.measurement, row.default)}</p>
            <input id=id name=name type="text" inputmode="decimal" value=typed placeholder=row.default.clone() disabled=!can_edit aria-invalid=move || message.get().map(|_| "true") aria-describedby=described/>
            <FieldError message name=error_name/>
        </div>
    }
}

#[component]
fn InventoryTab() -> impl IntoView {
    let context = device();
    let detail = context.detail.clone();
    let action = ServerAction::<SaveInventory>::new();
    let error = action_error(action);
    let rows = initial_rows(&detail, error.get_untracked());
    let saved = query_param("saved");
    let notice = Signal::derive(move || saved.get().map(|_| "Inventory saved.".to_owned()));
    let href = format!("{}/inventory", context.base());
    let can_edit = detail.can_edit;
    let organization_id = org().organization.id;
    let mut number = 0;
    let slot_rows = rows
        .into_iter()
        .map(|row| {
            // Deleted rows keep their place but no number.
            if row.state != RowState::Deleted {
                number += 1;
            }
            view! { <SlotRow row number error categories=detail.categories.clone() href=href.clone() can_edit/> }
        })
        .collect_view();
    view! {
        <Title text=format!("Inventory · {} · Replenish", detail.name)/>
        <h2>"Inventory"</h2>
        <p>"One slot per consumable the device uses. Slot IDs (1 to 64 letters, digits, _ or -) are not shown to customers; they are the {slotId} of the API."</p>
        <Notice text=notice/>
        <ActionForm action=action attr:class="form inventory" attr:novalidate=true>
            {can_edit.then(|| view! { <DefaultSubmit label="Save inventory"/> })}
            <FormAlert error=error/>
            <input type="hidden" name="org" value=organization_id/>
            <input type="hidden" name="device" value=detail.id.clone()/>
            {slot_rows}
            {can_edit.then(|| view! {
                <div class="form-actions">
                    <button
                        type="submit"
                        class="button"
                        formmethod="get"
                        formaction=href.clone()
                        formnovalidate=true
                        name="add_row"
                        value="1"
                    >
                        "+ Add another slot"
                    </button>
                    <Submit label="Save inventory"/>
                </div>
            })}
        </ActionForm>
    }
}

#[component]
fn SlotRow(
    row: Row,
    number: usize,
    error: Signal<Option<AppError>>,
    categories: Vec<ConsumableCategory>,
    href: String,
    can_edit: bool,
) -> impl IntoView {
    let Row { name, key, slot_id, category, state, replenishment_id } = row;
    let (id_field, category_field, key_field, delete_field) = (
        row_field(&name, "slot_id"),
        row_field(&name, "category"),
        row_field(&name, "key"),
        row_field(&name, "delete"),
    );
    let error = error.get_untracked();
    let id_message = error.as_ref().and_then(|e| e.field_message(&id_field));
    let category_message = error.as_ref().and_then(|e| e.field_message(&category_field));
    let (id_invalid, category_invalid) = (id_message.is_some(), category_message.is_some());
    let input_id = format!("slot-{name}-id");
    let select_id = format!("slot-{name}-category");
    let (id_error_id, category_error_id) = (error_id(&id_field), error_id(&category_field));
    let (id_error_name, category_error_name) = (id_field.clone(), category_field.clone());
    let locked = replenishment_id.is_some();
    // A save skips a new row left empty, so its blank slot ID is no error.
    let is_new = key.is_empty();
    let deleted = state == RowState::Deleted;
    let shown_id = if slot_id.trim().is_empty() {
        "this new slot".to_owned()
    } else {
        format!("“{}”", slot_id.trim())
    };
    let button = |label: &'static str, param: &'static str, class: &'static str| {
        view! {
            <button
                type="submit"
                class=class
                formmethod="get"
                formaction=href.clone()
                formnovalidate=true
                name=param
                value=name.clone()
            >
                {label}
            </button>
        }
    };
    let editable = can_edit && !locked;
    let delete = (editable && state == RowState::Normal)
        .then(|| view! { <div class="row-actions">{button("Delete", "ask_delete", "button danger")}</div> });
    let confirmation = editable.then(|| match state {
        RowState::Normal => ().into_any(),
        RowState::Confirming => view! {
            <div class="confirm" role="group" aria-label="Confirm deletion">
                <p>"Delete slot " {shown_id.clone()} "? It is removed when you save the inventory."</p>
                {button("Delete slot", "delete_row", "button danger")}
                {button("Keep slot", "keep_row", "button")}
            </div>
        }
        .into_any(),
        RowState::Deleted => view! {
            <div class="deleted-note">
                <p>"Slot " {shown_id.clone()} " will be deleted when you save the inventory."</p>
                {button("Undo", "keep_row", "button")}
            </div>
        }
        .into_any(),
    });
    view! {
        <fieldset class="slot-row" class:deleted=deleted>
            <legend>{if deleted { "Deleted slot".to_owned() } else { format!("Slot {number:02}") }}</legend>
            <input type="hidden" name=key_field value=key/>
            <input type="hidden" name=delete_field value=if deleted { "1" } else { "" }/>
            <div class="row-fields" class:hidden=deleted>
                <div class="field" class:invalid=id_invalid>
                    <label for=input_id.clone()>"Slot ID"</label>
                    <input
                        id=input_id
                        type="text"
                        name=id_field
                        autocomplete="off"
                        value=slot_id
                        readonly=!can_edit || locked
                        aria-invalid=id_invalid.then_some("true")
                        aria-describedby=id_invalid.then_some(id_error_id.clone())
                        data-check=(can_edit && !locked).then_some(FieldRule::SlotId.as_str())
                        data-error-id=id_error_id
                        data-blank-allowed=is_new.then_some("")
                    />
                    <FieldError message=Signal::stored(id_message) name=id_error_name/>
                </div>
                <div class="field" class:invalid=category_invalid>
                    <label for=select_id.clone()>"Consumable category"</label>
                    <select
                        id=select_id
                        name=category_field
                        disabled=!can_edit
                        aria-invalid=category_invalid.then_some("true")
                        aria-describedby=category_invalid.then_some(category_error_id)
                    >
                        <option value="" selected=category.is_empty()>"Choose a category"</option>
                        {categories
                            .iter()
                            // An approved slot's category is fixed: it offers only its own.
                            .filter(|c| !locked || c.code == category)
                            .map(|c| view! { <option value=c.code.clone() selected=c.code == category>{c.name.clone()}</option> })
                            .collect_view()}
                    </select>
                    <FieldError message=Signal::stored(category_message) name=category_error_name/>
                </div>
                {replenishment_id.map(|id| view! {
                    <p class="hint">"Replenishment ID " <code>{id}</code> ". A slot with an issued replenishment ID keeps its slot ID and category and cannot be deleted."</p>
                })}
                {delete}
            </div>
            {confirmation}
        </fieldset>
    }
}
