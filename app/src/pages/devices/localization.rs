//! Customer-facing names per marketplace: the device's friendly name and every slot's name, each with
//! *copy from another marketplace*.

use super::super::{action_error, organizations::org, query_param};
use super::frame::{device, device_tab};
use super::{draft_query, draft_value};
use crate::api::devices::{LocalizeDevice, LocalizeSlots};
use crate::components::{error_id, DefaultSubmit, FieldError, FormAlert, Notice, Submit};
use crate::error::AppError;
use crate::models::inventory::slot_name_field;
use crate::models::{DeviceMarketplace, FieldRule};
use leptos::prelude::*;
use leptos_meta::Title;

/// Copies names between marketplaces: the button reloads the page with what was typed and
/// `copy_from`/`copy_to`, and the page applies the copy when it renders.
#[component]
fn CopyControl(marketplaces: Vec<DeviceMarketplace>, href: String) -> impl IntoView {
    // The last copy's choice stays selected; the first two marketplaces before any.
    let query = draft_query();
    let chosen = |name: &str| query.read_untracked().get(name).filter(|code| !code.is_empty());
    let first = marketplaces.first().map(|m| m.marketplace.code.clone()).unwrap_or_default();
    let second = marketplaces.get(1).map(|m| m.marketplace.code.clone()).unwrap_or_else(|| first.clone());
    let (first, second) = (chosen("copy_from").unwrap_or(first), chosen("copy_to").unwrap_or(second));
    let options = |selected: String| {
        marketplaces
            .iter()
            .map(|m| {
                view! {
                    <option value=m.marketplace.code.clone() selected=m.marketplace.code == selected>
                        {format!("{} ({})", m.marketplace.name, m.marketplace.code)}
                    </option>
                }
            })
            .collect_view()
    };
    view! {
        <fieldset class="copy-control">
            <legend>"Copy from another marketplace"</legend>
            <label for="copy-from">"From"</label>
            <select id="copy-from" name="copy_from">{options(first)}</select>
            <label for="copy-to">"to"</label>
            <select id="copy-to" name="copy_to">{options(second)}</select>
            <button type="submit" class="button" formmethod="get" formaction=href formnovalidate=true name="copy" value="1">
                "Copy names"
            </button>
        </fieldset>
    }
}

/// What the copy did, said to the maker.
fn copy_notice(from: &str, to: &str) -> String {
    if from == to {
        "Choose two different marketplaces to copy between.".to_owned()
    } else {
        format!("Copied the names from {from} to {to}. Review them, then save.")
    }
}

/// The copy the address asks for: (from, to). After a failed save the address still carries it, and it
/// must not run again over what was typed.
fn requested_copy(error: Signal<Option<AppError>>) -> Option<(String, String)> {
    if error.get_untracked().is_some() {
        return None;
    }
    let query = draft_query();
    let query = query.read_untracked();
    query.get("copy")?;
    Some((query.get("copy_from")?, query.get("copy_to")?))
}

/// Applies the copy the address asks for to rows of (marketplace code, name) cells: one row for the
/// device, one per slot for the slots. Returns the notice to show.
fn apply_copy<'a>(
    rows: impl IntoIterator<Item = &'a mut Vec<(String, String)>>,
    error: Signal<Option<AppError>>,
) -> Option<String> {
    let (from, to) = requested_copy(error)?;
    if from != to {
        for cells in rows {
            let source = cells.iter().find(|(code, _)| *code == from).map(|(_, name)| name.clone());
            if let (Some(source), Some(target)) = (source, cells.iter_mut().find(|(code, _)| *code == to)) {
                target.1 = source;
            }
        }
    }
    Some(copy_notice(&from, &to))
}

fn name_input(
    id: String,
    name: String,
    label: String,
    lang: String,
    value: String,
    error: Signal<Option<AppError>>,
    readonly: bool,
) -> impl IntoView {
    let message = error.get_untracked().and_then(|e| e.field_message(&name));
    let message_id = error_id(&name);
    view! {
        <label for=id.clone() class="visually-hidden">{label}</label>
        <input
            id=id
            name=name.clone()
            type="text"
            lang=lang
            readonly=readonly
            value=value
            aria-invalid=message.is_some().then_some("true")
            aria-describedby=message.is_some().then_some(message_id.clone())
            // A blank name is cleared by a save, so only a typed one is checked.
            data-check=(!readonly).then_some(FieldRule::CustomerFacingName.as_str())
            data-error-id=(!readonly).then_some(message_id)
            data-blank-allowed=(!readonly).then_some("")
        />
        <FieldError message=Signal::stored(message) name=name/>
    }
}

#[component]
pub fn DeviceLocalizationPage() -> impl IntoView {
    device_tab(|| view! { <DeviceLocalizationTab/> })
}

#[component]
fn DeviceLocalizationTab() -> impl IntoView {
    let context = device();
    let detail = context.detail.clone();
    let action = ServerAction::<LocalizeDevice>::new();
    let error = action_error(action);
    let query = draft_query();
    let mut names: Vec<(String, String)> = detail
        .marketplaces
        .iter()
        .map(|m| {
            let name = format!("names[{}]", m.marketplace.code);
            let initial =
                draft_value(error, query, &name).or_else(|| m.friendly_name.clone()).unwrap_or_default();
            (m.marketplace.code.clone(), initial)
        })
        .collect();
    let copied = apply_copy([&mut names], error);
    let fields: Vec<(DeviceMarketplace, String)> =
        detail.marketplaces.iter().cloned().zip(names.into_iter().map(|(_, name)| name)).collect();
    let saved = query_param("saved");
    let notice = Signal::derive(move || {
        copied.clone().or_else(|| saved.get().map(|_| "Friendly names updated.".to_owned()))
    });
    let organization_id = org().organization.id;
    let href = format!("{}/localization", context.base());
    view! {
        <Title text=format!("Localization · {} · Replenish", detail.name)/>
        <h2>"Device localization"</h2>
        <p>"The friendly name customers see in the Alexa app and in notifications, in each marketplace's language (1 to 60 characters)."</p>
        <Notice text=notice/>
        {if detail.can_edit {
            view! {
                <ActionForm action=action attr:class="form" attr:novalidate=true>
                    <DefaultSubmit label="Update"/>
                    <FormAlert error=error/>
                    <input type="hidden" name="org" value=organization_id/>
                    <input type="hidden" name="device" value=detail.id.clone()/>
                    {(fields.len() > 1).then(|| view! {
                        <CopyControl marketplaces=detail.marketplaces.clone() href=href/>
                    })}
                    <table class="table localization">
                        <caption>"Friendly name per marketplace"</caption>
                        <thead>
                            <tr>
                                <th scope="col">"Marketplace"</th>
                                <th scope="col">"Locale"</th>
                                <th scope="col">"Friendly name"</th>
                            </tr>
                        </thead>
                        <tbody>
                            {fields
                                .iter()
                                .map(|(m, field)| {
                                    let code = m.marketplace.code.clone();
                                    view! {
                                        <tr>
                                            <th scope="row">{format!("{} ({})", m.marketplace.name, code)}</th>
                                            <td>{m.marketplace.locale.clone()}</td>
                                            <td>
                                                {name_input(
                                                    format!("friendly-name-{code}"),
                                                    format!("names[{code}]"),
                                                    format!("Friendly name in {} ({code})", m.marketplace.name),
                                                    m.marketplace.locale.clone(),
                                                    field.clone(),
                                                    error,
                                                    false,
                                                )}
                                            </td>
                                        </tr>
                                    }
                                })
                                .collect_view()}
                        </tbody>
                    </table>
                    <Submit label="Update"/>
                </ActionForm>
            }
            .into_any()
        } else {
            view! {
                <ul class="plain">
                    {detail.marketplaces.iter().map(|m| view! {
                        <li>
                            {format!("{} ({}): ", m.marketplace.name, m.marketplace.code)}
                            <span lang=m.marketplace.locale.clone()>{m.friendly_name.clone().unwrap_or_else(|| "Not set".into())}</span>
                        </li>
                    }).collect_view()}
                </ul>
            }
            .into_any()
        }}
    }
}

/// One slot's row of the slot-name grid: a field per enabled marketplace code.
#[derive(Clone)]
struct SlotNames {
    key: String,
    slot_id: String,
    cells: Vec<(String, String)>,
}

#[component]
pub fn SlotLocalizationPage() -> impl IntoView {
    device_tab(|| view! { <SlotLocalizationTab/> })
}

#[component]
fn SlotLocalizationTab() -> impl IntoView {
    let context = device();
    let detail = context.detail.clone();
    let action = ServerAction::<LocalizeSlots>::new();
    let error = action_error(action);
    let query = draft_query();
    // One field per slot and marketplace.
    let mut grid: Vec<SlotNames> = detail
        .slots
        .iter()
        .map(|slot| {
            let cells = detail
                .marketplaces
                .iter()
                .map(|m| {
                    let code = m.marketplace.code.clone();
                    let name = slot_name_field(&slot.key, &code);
                    let initial = draft_value(error, query, &name)
                        .or_else(|| slot.names.get(&code).cloned())
                        .unwrap_or_default();
                    (code, initial)
                })
                .collect();
            SlotNames { key: slot.key.clone(), slot_id: slot.slot_id.clone(), cells }
        })
        .collect();
    let copied = apply_copy(grid.iter_mut().map(|row| &mut row.cells), error);
    let saved = query_param("saved");
    let notice = Signal::derive(move || {
        copied.clone().or_else(|| saved.get().map(|_| "Slot names updated.".to_owned()))
    });
    let organization_id = org().organization.id;
    let href = format!("{}/slot-localization", context.base());
    let marketplaces = detail.marketplaces.clone();
    let can_edit = detail.can_edit;
    view! {
        <Title text=format!("Slot localization · {} · Replenish", detail.name)/>
        <h2>"Slot localization"</h2>
        <p>"The customer-facing name of each slot's product type, in each marketplace's language (1 to 60 characters)."</p>
        <Notice text=notice/>
        <ActionForm action=action attr:class="form" attr:novalidate=true>
            {detail.can_edit.then(|| view! { <DefaultSubmit label="Update"/> })}
            <FormAlert error=error/>
            <input type="hidden" name="org" value=organization_id/>
            <input type="hidden" name="device" value=detail.id.clone()/>
            {(detail.can_edit && marketplaces.len() > 1).then(|| view! {
                <CopyControl marketplaces=marketplaces.clone() href=href/>
            })}
            <table class="table localization">
                <caption>"Customer-facing slot names"</caption>
                <thead>
                    <tr>
                        <th scope="col">"Slot"</th>
                        {marketplaces.iter().map(|m| view! {
                            <th scope="col">{format!("{} ({})", m.marketplace.name, m.marketplace.code)}</th>
                        }).collect_view()}
                    </tr>
                </thead>
                <tbody>
                    {grid
                        .iter()
                        .map(|SlotNames { key, slot_id, cells }| {
                            view! {
                                <tr>
                                    <th scope="row"><code>{slot_id.clone()}</code></th>
                                    {cells.iter().map(|(code, field)| {
                                        let market = marketplaces.iter().find(|m| &m.marketplace.code == code).map(|m| (m.marketplace.name.clone(), m.marketplace.locale.clone())).unwrap_or_default();
                                        view! {
                                            <td>
                                                {name_input(
                                                    format!("slot-name-{key}-{code}"),
                                                    slot_name_field(key, code),
                                                    format!("Name of slot {slot_id} in {} ({code})", market.0),
                                                    market.1,
                                                    field.clone(),
                                                    error,
                                                    !can_edit,
                                                )}
                                            </td>
                                        }
                                    }).collect_view()}
                                </tr>
                            }
                        })
                        .collect_view()}
                </tbody>
            </table>
            {detail.can_edit.then(|| view! { <Submit label="Update"/> })}
        </ActionForm>
    }
}
