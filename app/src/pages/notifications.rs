//! *Settings → Notifications*: the endpoints an organization receives notifications at, and each one's
//! delivery log with replay.

use super::organizations::org;
use super::{action_error, query_param};
use crate::api::notifications::{
    load_delivery_log, load_notification_endpoints, CreateNotificationEndpoint, DeleteNotificationEndpoint,
    ReplayDelivery, RollNotificationSecret,
};
use crate::components::{
    in_org, org_id_param, ErrorPage, Field, FieldError, FormAlert, Notice, SelectField, Submit,
};
use crate::error::AppError;
use crate::models::notification::{
    DeliveryLog, DeliveryView, EndpointView, EndpointsTab, NOTIFICATION_TYPES,
};
use crate::models::security_profile::OVERLAP_CHOICES;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

fn saved_message(flag: &str) -> Option<String> {
    match flag {
        "created" => Some("Endpoint added.".into()),
        "rolled" => Some("A new signing secret was issued.".into()),
        "deleted" => Some("Endpoint removed.".into()),
        "replayed" => Some("The notification is queued for delivery again.".into()),
        _ => None,
    }
}

#[component]
pub fn NotificationsPage() -> impl IntoView {
    let org_id = org_id_param();
    let create = ServerAction::<CreateNotificationEndpoint>::new();
    let roll = ServerAction::<RollNotificationSecret>::new();
    let delete = ServerAction::<DeleteNotificationEndpoint>::new();
    let tab = Resource::new(move || org_id.get(), load_notification_endpoints);
    in_org(move || view! { <EndpointsView tab create roll delete/> })
}

#[component]
fn EndpointsView(
    tab: Resource<Result<EndpointsTab, AppError>>,
    create: ServerAction<CreateNotificationEndpoint>,
    roll: ServerAction<RollNotificationSecret>,
    delete: ServerAction<DeleteNotificationEndpoint>,
) -> impl IntoView {
    let organization = org().organization;
    let saved_flag = query_param("saved");
    let saved = Signal::derive(move || saved_flag.get().and_then(|flag| saved_message(&flag)));
    let org_id = StoredValue::new(organization.id.clone());
    let row_error = {
        let (roll_error, delete_error) = (action_error(roll), action_error(delete));
        Signal::derive(move || roll_error.get().or_else(|| delete_error.get()))
    };
    view! {
        <Title text=format!("Notifications · {} · Replenish", organization.name)/>
        <p class="breadcrumb"><a href=format!("/orgs/{}/settings", organization.id)>"Settings"</a></p>
        <h1>"Notifications"</h1>
        <p>
            "Replenish posts registration and order events to your endpoints as JSON, signed with the Standard
             Webhooks headers (" <code>"webhook-id"</code> ", " <code>"webhook-timestamp"</code> ", "
            <code>"webhook-signature"</code> "). A delivery that fails is retried with growing pauses for up
             to three days."
        </p>
        <Notice text=saved/>
        <FormAlert error=row_error/>
        <Suspense fallback=|| view! { <p class="loading">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match tab.await {
                    Ok(EndpointsTab { endpoints, can_edit, fresh_secret }) => {
                        let org_id = org_id.get_value();
                        view! {
                            {fresh_secret.map(|fresh| view! {
                                <section class="alert success secret" aria-labelledby="fresh-secret-heading">
                                    <h2 id="fresh-secret-heading">"Copy the signing secret now"</h2>
                                    <p>"Verify each delivery's signature with it. It will not be shown again."</p>
                                    <p><code data-testid="signing-secret">{fresh.secret}</code></p>
                                </section>
                            })}
                            {endpoints.is_empty().then(|| view! { <p>"No endpoints yet."</p> })}
                            {endpoints
                                .into_iter()
                                .map(|endpoint| view! { <EndpointCard org_id=org_id.clone() endpoint can_edit roll delete/> })
                                .collect_view()}
                            {can_edit.then(|| view! { <CreateEndpointForm org_id=org_id.clone() create/> })}
                        }
                            .into_any()
                    }
                    Err(error) => view! { <ErrorPage error/> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn EndpointCard(
    org_id: String,
    endpoint: EndpointView,
    can_edit: bool,
    roll: ServerAction<RollNotificationSecret>,
    delete: ServerAction<DeleteNotificationEndpoint>,
) -> impl IntoView {
    let heading_id = format!("endpoint-{}", endpoint.id);
    let log_path = format!("/orgs/{org_id}/settings/notifications/{}", endpoint.id);
    let forms = can_edit.then(|| {
        let (roll_org, id, delete_id) = (org_id.clone(), endpoint.id.clone(), endpoint.id.clone());
        let overlap_id = format!("endpoint-{id}-overlap");
        let delete_label = format!("Remove endpoint {}", endpoint.url);
        view! {
            <ActionForm action=roll attr:class="form">
                <input type="hidden" name="org" value=roll_org/>
                <input type="hidden" name="endpoint" value=id.clone()/>
                <SelectField label="After a roll, the old secret keeps signing for" id=overlap_id name="overlap_hours".into() message=Signal::derive(|| None)>
                    {OVERLAP_CHOICES.iter().map(|(hours, label)| view! { <option value=hours.to_string() selected=*hours == 24>{*label}</option> }).collect_view()}
                </SelectField>
                <Submit label="Roll signing secret" class="button"/>
            </ActionForm>
            <ActionForm action=delete attr:class="form">
                <input type="hidden" name="org" value=org_id.clone()/>
                <input type="hidden" name="endpoint" value=delete_id/>
                <Submit label="Remove endpoint" class="button danger" aria_label=delete_label/>
            </ActionForm>
        }
    });
    view! {
        <section class="card" aria-labelledby=heading_id.clone()>
            <h2 id=heading_id.clone()><code>{endpoint.url.clone()}</code></h2>
            <dl class="facts">
                <dt>"Events"</dt>
                <dd>{endpoint.event_types.join(", ")}</dd>
                <dt>"Added"</dt>
                <dd>{endpoint.created_at.clone()}</dd>
                {endpoint.previous_secret_until.clone().map(|until| view! {
                    <dt>"Previous secret"</dt>
                    <dd>{format!("still signs until {until}")}</dd>
                })}
            </dl>
            <p><a href=log_path>{format!("Delivery log for {}", endpoint.url)}</a></p>
            {forms}
        </section>
    }
}

#[component]
fn CreateEndpointForm(org_id: String, create: ServerAction<CreateNotificationEndpoint>) -> impl IntoView {
    let error = action_error(create);
    let types_message = Signal::derive(move || error.get().and_then(|e| e.field_message("event_types")));
    view! {
        <h2>"Add an endpoint"</h2>
        <ActionForm action=create attr:class="form" attr:novalidate=true>
            <FormAlert error/>
            <input type="hidden" name="org" value=org_id/>
            <Field label="Endpoint URL" name="url" kind="url" error hint="https, or plain http on localhost for development."/>
            <fieldset class="checkbox-group" aria-describedby=move || types_message.get().map(|_| crate::components::error_id("event_types"))>
                <legend>"Events"</legend>
                {NOTIFICATION_TYPES
                    .iter()
                    .map(|(name, description)| {
                        let id = format!("event-{name}");
                        view! {
                            <div class="choice">
                                <input type="checkbox" id=id.clone() name=format!("event_types[{name}]") checked=true/>
                                <label for=id>{*name} <span class="hint">{format!(" — {description}")}</span></label>
                            </div>
                        }
                    })
                    .collect_view()}
                <FieldError message=types_message name="event_types".into()/>
            </fieldset>
            <Submit label="Add endpoint"/>
        </ActionForm>
    }
}

#[component]
pub fn DeliveryLogPage() -> impl IntoView {
    let org_id = org_id_param();
    let params = use_params_map();
    let endpoint_id = Memo::new(move |_| params.read().get("endpoint").unwrap_or_default());
    let replay = ServerAction::<ReplayDelivery>::new();
    let log = Resource::new(
        move || (org_id.get(), endpoint_id.get()),
        |(org, endpoint)| load_delivery_log(org, endpoint),
    );
    in_org(move || view! { <DeliveryLogView log replay/> })
}

#[component]
fn DeliveryLogView(
    log: Resource<Result<DeliveryLog, AppError>>,
    replay: ServerAction<ReplayDelivery>,
) -> impl IntoView {
    let organization = org().organization;
    let saved_flag = query_param("saved");
    let saved = Signal::derive(move || saved_flag.get().and_then(|flag| saved_message(&flag)));
    let error = action_error(replay);
    let org_id = StoredValue::new(organization.id.clone());
    view! {
        <Title text=format!("Delivery log · {} · Replenish", organization.name)/>
        <p class="breadcrumb">
            <a href=format!("/orgs/{}/settings/notifications", organization.id)>"Notifications"</a>
        </p>
        <h1>"Delivery log"</h1>
        <Notice text=saved/>
        <FormAlert error/>
        <Suspense fallback=|| view! { <p class="loading">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match log.await {
                    Ok(DeliveryLog { endpoint, deliveries, can_edit }) => {
                        let org_id = org_id.get_value();
                        view! {
                            <p><code>{endpoint.url.clone()}</code></p>
                            {deliveries.is_empty().then(|| view! { <p>"Nothing has been sent to this endpoint yet."</p> })}
                            {(!deliveries.is_empty()).then(|| view! {
                                <table class="table">
                                    <caption>{format!("Newest {} deliveries", deliveries.len())}</caption>
                                    <thead>
                                        <tr>
                                            <th scope="col">"Notification"</th>
                                            <th scope="col">"Written"</th>
                                            <th scope="col">"State"</th>
                                            <th scope="col">"Attempts"</th>
                                            {can_edit.then(|| view! { <th scope="col">"Replay"</th> })}
                                        </tr>
                                    </thead>
                                    <tbody>
                                        {deliveries
                                            .into_iter()
                                            .map(|delivery| view! { <DeliveryRow org_id=org_id.clone() delivery can_edit replay/> })
                                            .collect_view()}
                                    </tbody>
                                </table>
                            })}
                        }
                            .into_any()
                    }
                    Err(error) => view! { <ErrorPage error/> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn DeliveryRow(
    org_id: String,
    delivery: DeliveryView,
    can_edit: bool,
    replay: ServerAction<ReplayDelivery>,
) -> impl IntoView {
    let label = format!("Replay {} {}", delivery.notification_type, delivery.notification_id);
    let attempts = delivery
        .attempts
        .iter()
        .map(|attempt| {
            let outcome = match (attempt.status_code, &attempt.error) {
                (Some(code), _) => format!("HTTP {code}"),
                (None, Some(error)) => format!("not reached: {error}"),
                (None, None) => "no answer".to_owned(),
            };
            let excerpt = (!attempt.response_excerpt.is_empty()).then(|| format!(" — “{}”", attempt.response_excerpt));
            view! { <li>{format!("{}: {outcome} in {} ms{}", attempt.at, attempt.latency_ms, excerpt.unwrap_or_default())}</li> }
        })
        .collect_view();
    let state = match &delivery.next_attempt_at {
        Some(next) => format!("{} (next try {next})", delivery.state),
        None => delivery.state.clone(),
    };
    view! {
        <tr>
            <td>{delivery.notification_type.clone()} <br/> <code>{delivery.notification_id.clone()}</code></td>
            <td>{delivery.created_at.clone()}</td>
            <td>{state}</td>
            <td><ul class="plain">{attempts}</ul></td>
            {can_edit.then(|| view! {
                <td>
                    <ActionForm action=replay>
                        <input type="hidden" name="org" value=org_id.clone()/>
                        <input type="hidden" name="delivery" value=delivery.id.clone()/>
                        <Submit label="Replay" class="button" aria_label=label.clone()/>
                    </ActionForm>
                </td>
            })}
        </tr>
    }
}
