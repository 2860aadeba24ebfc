//! The sandbox's device simulator: link a test device for a test account, then send the device's calls
//! through the runtime API and read the exchange.

use super::super::{action_error, organizations::org, query_param};
use super::frame::device;
use crate::api::simulator::{LinkTestDevice, SimulateCall};
use crate::components::{ErrorPage, Field, FormAlert, SelectField, Submit};
use crate::error::AppError;
use crate::models::simulator::{Simulator, SimulatorExchange, SimulatorSlot};
use leptos::prelude::*;
use leptos_router::components::Form;

#[derive(Clone, Copy)]
pub struct SimulatorContext {
    pub simulator: Resource<Result<Simulator, AppError>>,
    pub link: ServerAction<LinkTestDevice>,
    pub simulate: ServerAction<SimulateCall>,
}

#[component]
pub fn DeviceSimulator() -> impl IntoView {
    let SimulatorContext { simulator, .. } = expect_context::<SimulatorContext>();
    view! {
        <section aria-labelledby="simulator-heading">
            <h2 id="simulator-heading">"Device simulator"</h2>
            <p>"Acts as one of your test devices: every call goes to the runtime API over HTTP with a token of the chosen test registration, exactly as your device would send it, and lands in the log below."</p>
            <Suspense fallback=|| view! { <p class="loading">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match simulator.await {
                        Ok(simulator) => view! { <SimulatorView simulator/> }.into_any(),
                        Err(error) => view! { <ErrorPage error/> }.into_any(),
                    }
                })}
            </Suspense>
        </section>
    }
}

#[component]
fn SimulatorView(simulator: Simulator) -> impl IntoView {
    let chosen = query_param("registration").get_untracked();
    let current = simulator
        .registrations
        .iter()
        .find(|r| Some(&r.id) == chosen.as_ref())
        .or(simulator.registrations.first())
        .map(|r| r.id.clone());
    let chooser = (!simulator.registrations.is_empty()).then(|| {
        let options = simulator
            .registrations
            .iter()
            .map(|r| {
                let selected = Some(&r.id) == current.as_ref();
                view! { <option value=r.id.clone() selected=selected>{r.label.clone()}</option> }
            })
            .collect_view();
        view! {
            <Form method="GET" action="" attr:class="filter-form" attr:aria-label="Choose a test device">
                <div class="field">
                    <label for="sim-registration">"Test device"</label>
                    <select id="sim-registration" name="registration">{options}</select>
                </div>
                <button type="submit" class="button">"Choose"</button>
            </Form>
        }
    });
    let calls = match (&current, simulator.can_drive) {
        (Some(registration), true) => {
            view! { <SimulatorCalls registration=registration.clone() slots=simulator.slots.clone()/> }
                .into_any()
        }
        (None, _) => view! { <p role="status">"No test device is linked yet."</p> }.into_any(),
        (Some(_), false) => {
            view! { <p>"Owners and developers send the simulator's calls; viewers read the log."</p> }
                .into_any()
        }
    };
    // The last call is shown with the test device it was sent for (or after it ended it).
    let last = simulator.last.clone().filter(|last| {
        Some(&last.registration_id) == current.as_ref()
            || !simulator.registrations.iter().any(|r| r.id == last.registration_id)
    });
    view! {
        {chooser}
        {calls}
        {last.map(|last| view! { <LastExchange last/> })}
        {simulator.can_drive.then(|| view! { <LinkForm simulator/> })}
    }
}

fn slot_options(slots: &[SimulatorSlot], with_sensor: bool) -> impl IntoView {
    slots
        .iter()
        .map(|slot| {
            let label = if with_sensor {
                format!("{} · {} sensor · {}", slot.slot_id, slot.sensor_type, slot.measurement)
            } else {
                slot.slot_id.clone()
            };
            view! { <option value=slot.slot_id.clone()>{label}</option> }
        })
        .collect_view()
}

/// The hidden fields every call form carries.
fn call_fields(registration: &str, call: &'static str) -> impl IntoView {
    let (org_id, device_id) = (org().organization.id.clone(), device().detail.id.clone());
    view! {
        <input type="hidden" name="org" value=org_id/>
        <input type="hidden" name="device" value=device_id/>
        <input type="hidden" name="registration" value=registration.to_owned()/>
        <input type="hidden" name="call" value=call/>
    }
}

#[component]
fn SimulatorCalls(registration: String, slots: Vec<SimulatorSlot>) -> impl IntoView {
    let SimulatorContext { simulate, .. } = expect_context::<SimulatorContext>();
    let error = action_error(simulate);
    let no_message = Signal::derive(|| None::<String>);
    let fields = |call| call_fields(&registration, call);
    let (status_fields, sensor_fields, replenish_fields, cancel_fields, deregister_fields) = (
        fields("slot_status"),
        fields("sensor"),
        fields("replenish"),
        fields("cancel"),
        fields("deregister"),
    );
    let (status_slots, sensor_slots, replenish_slots, cancel_slots) = (
        slot_options(&slots, false),
        slot_options(&slots, true),
        slot_options(&slots, false),
        slot_options(&slots, false),
    );
    view! {
        <FormAlert error/>
        <div class="decisions simulator-calls">
            <ActionForm action=simulate attr:class="decision form" attr:aria-label="Report slot status" attr:novalidate=true>
                <h3>"Slot status"</h3>
                {status_fields}
                <SelectField label="Slot" id="sim-status-slot".into() name="slot".into() message=no_message>
                    {status_slots}
                </SelectField>
                <Field label="Remaining quantity" name="remaining" id="sim-remaining".into() error value=Some("2".to_owned())
                    hint="In the slot's unit; the original quantity sent is the approved unit size of one refill."/>
                <Submit label="Report slot status"/>
            </ActionForm>
            <ActionForm action=simulate attr:class="decision form" attr:aria-label="Send a sensor reading" attr:novalidate=true>
                <h3>"Sensor reading"</h3>
                {sensor_fields}
                <SelectField label="Slot" id="sim-sensor-slot".into() name="slot".into() message=no_message>
                    {sensor_slots}
                </SelectField>
                <Field label="Reading" name="reading" id="sim-reading".into() error value=Some("0".to_owned())
                    hint="The amount left for a level sensor, the amount one use took for a usage sensor."/>
                <Submit label="Send sensor reading"/>
            </ActionForm>
            <ActionForm action=simulate attr:class="decision form" attr:aria-label="Replenish">
                <h3>"Replenish"</h3>
                {replenish_fields}
                <SelectField label="Slot" id="sim-replenish-slot".into() name="slot".into() message=no_message>
                    {replenish_slots}
                </SelectField>
                <Submit label="Replenish"/>
            </ActionForm>
            <ActionForm action=simulate attr:class="decision form" attr:aria-label="Cancel test orders">
                <h3>"Cancel test orders"</h3>
                {cancel_fields}
                <SelectField label="Slot" id="sim-cancel-slot".into() name="slot".into() message=no_message>
                    <option value="">"Every slot"</option>
                    {cancel_slots}
                </SelectField>
                <Submit label="Cancel test orders"/>
            </ActionForm>
            <ActionForm action=simulate attr:class="decision form" attr:aria-label="Deregister">
                <h3>"Deregister"</h3>
                {deregister_fields}
                <p class="hint">"Ends the registration and revokes its tokens, as turning replenishment off does."</p>
                <Submit label="Deregister" class="button danger"/>
            </ActionForm>
        </div>
    }
}

#[component]
fn LastExchange(last: SimulatorExchange) -> impl IntoView {
    let ok = (200..300).contains(&last.status);
    view! {
        <div class="card simulator-exchange">
            <h3 id="simulator-last">{format!("Last call: {}", last.call)}</h3>
            <p role="status">
                "Answered "
                <strong class:status-ok=ok class:status-error=!ok>{last.status}</strong>
            </p>
            <figure>
                <figcaption>"Request"</figcaption>
                <pre class="json" tabindex="0">{last.request}</pre>
            </figure>
            <figure>
                <figcaption>"Response"</figcaption>
                <pre class="json" tabindex="0">{last.response}</pre>
            </figure>
        </div>
    }
}

#[component]
fn LinkForm(simulator: Simulator) -> impl IntoView {
    let SimulatorContext { link, .. } = expect_context::<SimulatorContext>();
    let error = action_error(link);
    let message =
        move |field: &'static str| Signal::derive(move || error.get().and_then(|e| e.field_message(field)));
    let (org_id, device_id) = (org().organization.id.clone(), device().detail.id.clone());
    let body = match simulator.link_blocked {
        Some(reason) => view! { <p>{reason}</p> }.into_any(),
        None => view! {
            <ActionForm action=link attr:class="form" attr:novalidate=true>
                <FormAlert error/>
                <input type="hidden" name="org" value=org_id/>
                <input type="hidden" name="device" value=device_id/>
                <SelectField label="Test account" id="sim-customer".into() name="customer".into() message=message("customer")>
                    {simulator
                        .customers
                        .into_iter()
                        .map(|c| view! { <option value=c.email.clone()>{format!("{} · {}", c.email, c.marketplace)}</option> })
                        .collect_view()}
                </SelectField>
                <SelectField label="Security profile" id="sim-profile".into() name="profile".into() message=message("profile")>
                    {simulator
                        .profiles
                        .into_iter()
                        .map(|p| view! { <option value=p.id>{p.name}</option> })
                        .collect_view()}
                </SelectField>
                <Submit label="Link a test device"/>
            </ActionForm>
        }
        .into_any(),
    };
    view! {
        <h3>"Link a test device"</h3>
        <p>"The portal gives the consent for the test account, choosing each slot's first product, and links a new test device with its own serial."</p>
        {body}
    }
}
