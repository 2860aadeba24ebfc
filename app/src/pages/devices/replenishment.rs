//! The *Replenishment IDs* tab: the issued IDs with their discovery JSON, the request in progress and its
//! thread, and the request form (draft, submit, withdraw).

use super::super::{action_error, query_param};
use super::frame::{device, device_tab};
use crate::api::requests::{load_replenishment, SaveRequest, WithdrawRequest};
use crate::components::{
    described, error_id, org_id_param, DefaultSubmit, FieldError, FormAlert, Notice, SelectField, Submit,
    TextareaField,
};
use crate::error::AppError;
use crate::models::replenishment::{request_slot_field, Measurement, RequestState, SensorType};
use crate::models::{IssuedId, MakerRequest, ReplenishmentTab, RequestSlotView, ThreadEntry};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

/// What the page shares with the tab below the device frame: created once, outside any `Suspense`.
#[derive(Clone, Copy)]
struct TabContext {
    tab: Resource<Result<ReplenishmentTab, AppError>>,
    save: ServerAction<SaveRequest>,
    withdraw: ServerAction<WithdrawRequest>,
}

#[component]
pub fn ReplenishmentPage() -> impl IntoView {
    let org_id = org_id_param();
    let params = use_params_map();
    let save = ServerAction::<SaveRequest>::new();
    let withdraw = ServerAction::<WithdrawRequest>::new();
    let tab = Resource::new(
        move || (org_id.get(), params.read().get("device").unwrap_or_default()),
        |(org, device)| load_replenishment(org, device),
    );
    provide_context(TabContext { tab, save, withdraw });
    device_tab(|| view! { <ReplenishmentView/> })
}

fn saved_notice(saved: Option<String>) -> Option<String> {
    Some(
        match saved?.as_str() {
            "draft" => "Draft saved. Submit it when every slot is described.",
            "submitted" => "Request submitted. The reviewers have been emailed, and so have you.",
            "withdrawn" => "Request withdrawn. The reviewers have been told.",
            _ => return None,
        }
        .to_owned(),
    )
}

#[component]
fn ReplenishmentView() -> impl IntoView {
    let TabContext { tab, save, withdraw } = expect_context::<TabContext>();
    let context = device();
    let name = context.detail.name.clone();
    let can_edit = context.detail.can_edit;
    let saved = query_param("saved");
    let notice = Signal::derive(move || saved_notice(saved.get()));
    view! {
        <Title text=format!("Replenishment IDs · {name} · Replenish")/>
        <h2>"Replenishment IDs"</h2>
        <Notice text=notice/>
        <Suspense fallback=|| view! { <p class="loading">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match tab.await {
                    Ok(tab) => view! { <TabBody tab save withdraw can_edit/> }.into_any(),
                    Err(error) => view! { <FormAlert error=Signal::derive(move || Some(error.clone()))/> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn TabBody(
    tab: ReplenishmentTab,
    save: ServerAction<SaveRequest>,
    withdraw: ServerAction<WithdrawRequest>,
    can_edit: bool,
) -> impl IntoView {
    let open_state = tab.open.as_ref().map(|r| r.state);
    let editable = can_edit && open_state.is_none_or(RequestState::is_editable);
    let has_issued = !tab.issued.is_empty();
    let uncovered = tab.uncovered.clone();
    let status = tab
        .open
        .clone()
        .or_else(|| tab.last_closed.clone())
        .map(|request| view! { <RequestStatus request/> });
    let issued = has_issued.then(|| {
        let issued = tab.issued.clone();
        view! {
            <section aria-labelledby="issued-heading">
                <h3 id="issued-heading">"Issued IDs"</h3>
                <p>"Approved slots are locked: a change to their sensor, measurement or ASIN list goes through a new request."</p>
                {issued.into_iter().map(|issued| view! { <IssuedSlot issued/> }).collect_view()}
            </section>
        }
    });
    let uncovered_note = (has_issued && !uncovered.is_empty()).then(|| {
        view! { <p class="hint">"Without a replenishment ID yet: " {uncovered.join(", ")} ". Request a change to cover them."</p> }
    });
    let withdraw_form =
        (can_edit && open_state == Some(RequestState::Submitted)).then(|| view! { <WithdrawForm withdraw/> });
    let form = editable.then(|| {
        let form = view! { <RequestForm tab=tab.clone() save/> };
        // With IDs issued and nothing open, the form is a change request, folded away until wanted.
        if has_issued && open_state.is_none() {
            // Open after a refused save, so that its messages are seen.
            let refused = save.value().get_untracked().is_some_and(|result| result.is_err());
            view! { <details class="change-request" open=refused><summary>"Request a change"</summary>{form}</details> }
                .into_any()
        } else {
            form.into_any()
        }
    });
    let viewer_note =
        (!can_edit).then(|| view! { <p class="hint">"Owners and developers request replenishment IDs."</p> });
    view! {
        {issued}
        {uncovered_note}
        {status}
        {withdraw_form}
        {form}
        {viewer_note}
    }
}

#[component]
fn IssuedSlot(issued: IssuedId) -> impl IntoView {
    let json_id = format!("discovery-{}", issued.slot_id);
    let heading_id = format!("issued-{}", issued.slot_id);
    let labelled_by = heading_id.clone();
    let json = issued.discovery_json.clone();
    view! {
        <article class="issued-id" aria-labelledby=labelled_by>
            <h4 id=heading_id>"Slot " {issued.slot_id.clone()}</h4>
            <dl class="facts">
                <dt>"Replenishment ID"</dt><dd><code>{issued.replenishment_id.clone()}</code></dd>
                <dt>"Sensor"</dt><dd>{issued.sensor_type.clone()}</dd>
                <dt>"Measurement"</dt><dd>{issued.measurement.clone()}</dd>
                <dt>"Unit size"</dt><dd>{issued.unit_size.clone()}</dd>
                <dt>"ASINs"</dt><dd>{if issued.asins.is_empty() { "Any (no custom list)".to_owned() } else { issued.asins.clone() }}</dd>
            </dl>
            <p>"Discovery capability for slot " {issued.slot_id.clone()} ":"</p>
            <pre id=json_id.clone() class="json" tabindex="0" role="region" aria-label=format!("Discovery JSON for slot {}", issued.slot_id)>{json}</pre>
            <CopyButton source=json_id label=format!("Copy JSON for slot {}", issued.slot_id)/>
        </article>
    }
}

/// A button that copies the element `source`'s text, with its announcement. Hidden until
/// `app/src/clipboard.js` finds a clipboard to write to: without JavaScript the text above it is selected
/// and copied by hand. Plain script rather than an island, so a page swapped out keeps nothing alive.
#[component]
fn CopyButton(source: String, label: String) -> impl IntoView {
    let status = format!("{source}-copy-status");
    view! {
        <span class="copy-action">
            <button type="button" class="button" data-copy-from=source data-copy-status=status.clone()>{label}</button>
            <span class="copy-status" role="status" id=status></span>
        </span>
    }
}

#[component]
fn RequestStatus(request: MakerRequest) -> impl IntoView {
    let state = request.state;
    let summary = match state {
        RequestState::Draft => "A draft: nothing has been sent yet.".to_owned(),
        RequestState::Submitted => format!(
            "Waiting for review. The reviewers decide by {}.",
            request.due_at.clone().unwrap_or_default()
        ),
        RequestState::ChangesRequested => {
            "The reviewers asked for changes: edit the request below and submit it again.".to_owned()
        }
        RequestState::Approved => "Approved.".to_owned(),
        RequestState::Rejected => {
            "Rejected. You can correct the request below and submit it again.".to_owned()
        }
        RequestState::Withdrawn => {
            "Withdrawn. You can edit the request below and submit it again.".to_owned()
        }
    };
    let title = if request.is_change { "Change request" } else { "Request" };
    view! {
        <section class="request-status" aria-labelledby="status-heading">
            <h3 id="status-heading">{format!("{title}: {}", state.label())}</h3>
            <p>{summary}</p>
            <Thread entries=request.thread/>
        </section>
    }
}

#[component]
pub(crate) fn Thread(entries: Vec<ThreadEntry>) -> impl IntoView {
    (!entries.is_empty()).then(|| {
        view! {
            <h4>"History"</h4>
            <ol class="thread">
                {entries
                    .into_iter()
                    .map(|entry| view! {
                        <li>
                            <span class="thread-when">{entry.at}</span> " · " <span class="thread-who">{entry.actor}</span>
                            " · " <strong>{entry.what}</strong>
                            {(!entry.note.is_empty()).then(|| view! { <blockquote>{entry.note}</blockquote> })}
                        </li>
                    })
                    .collect_view()}
            </ol>
        }
    })
}

#[component]
fn WithdrawForm(withdraw: ServerAction<WithdrawRequest>) -> impl IntoView {
    let error = action_error(withdraw);
    let context = device();
    let message = Signal::derive(move || error.get().and_then(|e| e.field_message("reason")));
    view! {
        <ActionForm action=withdraw attr:class="form" attr:novalidate=true>
            <h3>"Withdraw the request"</h3>
            <FormAlert error=error/>
            <input type="hidden" name="org" value=org_id_param().get_untracked()/>
            <input type="hidden" name="device" value=context.detail.id.clone()/>
            <div class="field" class:invalid=move || message.get().is_some()>
                <label for="withdraw-reason">"Reason"</label>
                <textarea
                    id="withdraw-reason"
                    name="reason"
                    rows="2"
                    aria-invalid=move || message.get().map(|_| "true")
                    aria-describedby=move || message.get().map(|_| error_id("reason"))
                ></textarea>
                <FieldError message=message name="reason".to_owned()/>
            </div>
            <Submit label="Withdraw request" class="button danger"/>
        </ActionForm>
    }
}

/// What a field shows: what was typed before a refused save, else what is stored.
fn shown(error: &Option<AppError>, field: &str, stored: &str) -> String {
    error.as_ref().and_then(|e| e.typed_value(field)).unwrap_or_else(|| stored.to_owned())
}

#[component]
fn RequestForm(tab: ReplenishmentTab, save: ServerAction<SaveRequest>) -> impl IntoView {
    let error = action_error(save);
    let typed = error.get_untracked();
    let context = device();
    let message =
        move |field: &'static str| Signal::derive(move || error.get().and_then(|e| e.field_message(field)));
    let customer_id = shown(&typed, "customer_id", &tab.customer_id);
    let test_accounts = shown(&typed, "test_accounts", &tab.test_accounts);
    let slots = tab.slots.clone();
    view! {
        <ActionForm action=save attr:class="form request-form" attr:novalidate=true>
            <DefaultSubmit label="Save draft"/>
            <h3>"Request replenishment IDs"</h3>
            <p>"Describe every slot. Save a draft at any time; submitting sends the request to the reviewers, who decide within seven business days."</p>
            <FormAlert error=error/>
            <input type="hidden" name="org" value=org_id_param().get_untracked()/>
            <input type="hidden" name="device" value=context.detail.id.clone()/>
            <InputField
                label="Customer ID"
                hint="Your account's customer ID: letters, digits, - and _."
                id="customer-id".into()
                name="customer_id".into()
                value=customer_id
                message=message("customer_id")
                inputmode="text"
            />
            <TextareaField
                label="Test accounts"
                hint="Emails of the customer accounts that may use the device in the sandbox, one per line (up to 20)."
                id="test-accounts".into()
                name="test_accounts".into()
                value=test_accounts
                message=message("test_accounts")
                rows="3"
            />
            {slots.into_iter().map(|slot| view! { <SlotFields part=slot error typed=typed.clone()/> }).collect_view()}
            <div class="form-actions">
                <button type="submit" class="button" name="intent" value="draft">"Save draft"</button>
                <button type="submit" class="button primary" name="intent" value="submit">"Submit for review"</button>
            </div>
        </ActionForm>
    }
}

#[component]
fn SlotFields(
    part: RequestSlotView,
    error: Signal<Option<AppError>>,
    typed: Option<AppError>,
) -> impl IntoView {
    let slot = part;
    let key = slot.key.clone();
    let field = move |name: &str| request_slot_field(&key, name);
    let message = |name: String| Signal::derive(move || error.get().and_then(|e| e.field_message(&name)));
    let values = &slot.values;
    let sensor = shown(&typed, &field("sensor_type"), &values.sensor_type);
    let measurement = shown(&typed, &field("measurement"), &values.measurement);
    let unit = shown(&typed, &field("unit"), &values.unit);
    let prefix = format!("slot-{}", slot.key);
    let sensor_message = message(field("sensor_type"));
    let sensor_name = field("sensor_type");
    let radios = SensorType::ALL
        .into_iter()
        .map(|option| {
            let id = format!("{prefix}-sensor-{}", option.as_str());
            let hint = format!("{id}-hint");
            view! {
                <div class="choice">
                    <input type="radio" id=id.clone() name=sensor_name.clone() value=option.as_str() checked=sensor == option.as_str() aria-describedby=hint.clone()/>
                    <label for=id>{option.as_str()}</label>
                    <p class="hint" id=hint>{option.explanation()}</p>
                </div>
            }
        })
        .collect_view();
    let measurement_options = ["Count", "Percentage", "Volume", "Weight"]
        .into_iter()
        .map(|kind| view! { <option value=kind selected=measurement == kind>{kind}</option> })
        .collect_view();
    let unit_group = |label: &'static str, units: [&'static str; 4]| {
        let unit = unit.clone();
        view! {
            <optgroup label=label>
                {units.into_iter().map(|u| view! { <option value=u selected=unit == u>{u}</option> }).collect_view()}
            </optgroup>
        }
    };
    let volume_units = unit_group("Volume", Measurement::VOLUME_UNITS);
    let weight_units = unit_group("Weight", Measurement::WEIGHT_UNITS);
    let names = if slot.names.is_empty() {
        String::new()
    } else {
        format!(" Shown to customers as {}.", slot.names.join("; "))
    };
    let current_id = slot.replenishment_id.clone().map(|id| view! { <p class="hint">"Current replenishment ID " <code>{id}</code> " (kept when the change is approved)."</p> });
    view! {
        <fieldset class="request-slot">
            <legend>{format!("Slot {} · {}", slot.slot_id, slot.category_name)}</legend>
            {(!names.is_empty()).then(|| view! { <p class="hint">{names.trim().to_owned()}</p> })}
            {current_id}
            <fieldset class="choices" aria-describedby=move || sensor_message.get().map(|_| error_id(&sensor_name))>
                <legend>"Sensor type"</legend>
                {radios}
                <FieldError message=sensor_message name=field("sensor_type")/>
            </fieldset>
            <div class="field-row">
                <SelectField label="Measurement" id=format!("{prefix}-measurement") name=field("measurement") message=message(field("measurement"))>
                    <option value="" selected=measurement.is_empty()>"Choose"</option>
                    {measurement_options}
                </SelectField>
                <SelectField label="Unit (volume and weight only)" id=format!("{prefix}-unit") name=field("unit") message=message(field("unit"))>
                    <option value="" selected=unit.is_empty()>"No unit"</option>
                    {volume_units}
                    {weight_units}
                </SelectField>
                <InputField label="Unit size of one refill" id=format!("{prefix}-unit-size") name=field("unit_size") value=shown(&typed, &field("unit_size"), &values.unit_size) message=message(field("unit_size")) inputmode="decimal"/>
            </div>
            <InputField label="Consumable (brand, product, pack size)" id=format!("{prefix}-description") name=field("description") value=shown(&typed, &field("description"), &values.description) message=message(field("description")) inputmode="text"/>
            <TextareaField label="Custom ASIN list (optional)" hint="Limits reorders to your own products: 10-character ASINs separated by commas or new lines." id=format!("{prefix}-asins") name=field("asins") value=shown(&typed, &field("asins"), &values.asins) message=message(field("asins"))/>
            <TextareaField label="Sensor description and additional detail (optional)" hint="Anything the fields above do not cover." id=format!("{prefix}-detail") name=field("detail") value=shown(&typed, &field("detail"), &values.detail) message=message(field("detail"))/>
        </fieldset>
    }
}

#[component]
fn InputField(
    label: &'static str,
    #[prop(optional)] hint: Option<&'static str>,
    id: String,
    name: String,
    value: String,
    message: Signal<Option<String>>,
    inputmode: &'static str,
) -> impl IntoView {
    let error_name = name.clone();
    let hint_id = format!("{id}-hint");
    let hint_ref = hint.map(|_| hint_id.clone());
    view! {
        <div class="field" class:invalid=move || message.get().is_some()>
            <label for=id.clone()>{label}</label>
            {hint.map(|text| view! { <p class="hint" id=hint_id.clone()>{text}</p> })}
            <input id=id type="text" name=name.clone() value=value inputmode=inputmode autocomplete="off" aria-invalid=move || message.get().map(|_| "true") aria-describedby=move || described(hint_ref.as_deref(), message.get().map(|_| error_id(&name)))/>
            <FieldError message name=error_name/>
        </div>
    }
}
