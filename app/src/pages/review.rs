//! The reviewers' console: the queue across organizations, and one request with its decisions. Everyone
//! but a reviewer is shown "not found".

use super::certification_review::CertificationQueue;
use super::{action_error, query_param};
use crate::api::certification::load_certification_queue;
use crate::api::review::{
    load_review_queue, load_review_request, ApproveRequest, ClaimRequest, RejectRequest, RequestChanges,
};
use crate::components::{error_id, ErrorPage, FieldError, FormAlert, Notice, SignedInFrame, Submit};
use crate::error::AppError;
use crate::models::certification::CertificationQueueItem;
use crate::models::replenishment::RequestState;
use crate::models::{QueueItem, ReviewQueue, ReviewRequest};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::Form;
use leptos_router::hooks::use_params_map;

/// The filters the queue offers: a state's name (or `all`) and its label.
const FILTERS: [(&str, &str); 6] = [
    ("submitted", "Waiting for review"),
    ("changes_requested", "Changes requested"),
    ("approved", "Approved"),
    ("rejected", "Rejected"),
    ("withdrawn", "Withdrawn"),
    ("all", "All"),
];

/// The queue; 404 for everyone but reviewers.
#[component]
pub fn ReviewPage() -> impl IntoView {
    let filter = query_param("state");
    // Created here, outside the frame's Suspense, so that it is created (and loaded) once.
    let queue = Resource::new(move || filter.get().unwrap_or_default(), load_review_queue);
    let certifications = Resource::new(|| (), |_| load_certification_queue());
    view! {
        <Title text="Review queue · Replenish"/>
        <SignedInFrame>
            <ReviewQueueView queue certifications/>
        </SignedInFrame>
    }
}

#[component]
fn ReviewQueueView(
    queue: Resource<Result<ReviewQueue, AppError>>,
    certifications: Resource<Result<Vec<CertificationQueueItem>, AppError>>,
) -> impl IntoView {
    view! {
        <Suspense fallback=|| view! { <p class="loading">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match queue.await {
                    Ok(queue) => view! {
                        <QueueTable queue/>
                        <CertificationQueue queue=certifications/>
                    }
                        .into_any(),
                    Err(error) => view! { <ErrorPage error/> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn QueueTable(queue: ReviewQueue) -> impl IntoView {
    let filter = queue.filter.clone();
    let label = FILTERS.iter().find(|(value, _)| *value == filter).map_or("All", |(_, label)| *label);
    let options = FILTERS
        .into_iter()
        .map(|(value, label)| view! { <option value=value selected=value == filter>{label}</option> })
        .collect_view();
    let body = if queue.items.is_empty() {
        let text = if filter == "submitted" {
            "No requests are waiting.".to_owned()
        } else {
            format!("No requests: {}.", label.to_lowercase())
        };
        view! { <p>{text}</p> }.into_any()
    } else {
        view! {
            <table class="queue">
                <caption>{format!("{label}: {} request(s), by due date", queue.items.len())}</caption>
                <thead>
                    <tr>
                        <th scope="col">"Device"</th>
                        <th scope="col">"Organization"</th>
                        <th scope="col">"State"</th>
                        <th scope="col">"Submitted"</th>
                        <th scope="col">"Due"</th>
                        <th scope="col">"In queue"</th>
                        <th scope="col">"Claimed by"</th>
                    </tr>
                </thead>
                <tbody>{queue.items.into_iter().map(|item| view! { <QueueRow item/> }).collect_view()}</tbody>
            </table>
        }
        .into_any()
    };
    view! {
        <h1>"Review queue"</h1>
        <Form method="GET" action="/review" attr:class="form inline-form">
            <label for="queue-state">"Show"</label>
            <select id="queue-state" name="state">{options}</select>
            <button type="submit" class="button">"Filter"</button>
        </Form>
        {body}
    }
}

#[component]
fn QueueRow(item: QueueItem) -> impl IntoView {
    let kind = if item.is_change { " (change)" } else { "" };
    view! {
        <tr class:overdue=item.overdue>
            <td>
                <a href=format!("/review/requests/{}", item.id)>{item.device_name.clone()}</a>
                {kind}
                <br/>
                <code>{item.model_id.clone()}</code>
            </td>
            <td>{item.organization_name.clone()}</td>
            <td>{item.state.label()}</td>
            <td>{item.submitted_at.clone().unwrap_or_default()}</td>
            <td>
                {item.due_at.clone().unwrap_or_default()}
                {item.overdue.then(|| view! { " " <strong class="badge overdue-badge">"Overdue"</strong> })}
            </td>
            <td>{item.time_in_queue.clone().unwrap_or_else(|| "—".into())}</td>
            <td>{item.claimed_by.clone().unwrap_or_else(|| "Nobody".into())}</td>
        </tr>
    }
}

/// The actions of the request page, created once outside any `Suspense`.
#[derive(Clone, Copy)]
struct Decisions {
    claim: ServerAction<ClaimRequest>,
    approve: ServerAction<ApproveRequest>,
    changes: ServerAction<RequestChanges>,
    reject: ServerAction<RejectRequest>,
}

/// One request with its decisions; 404 for everyone but reviewers.
#[component]
pub fn ReviewRequestPage() -> impl IntoView {
    let params = use_params_map();
    let decisions = Decisions {
        claim: ServerAction::new(),
        approve: ServerAction::new(),
        changes: ServerAction::new(),
        reject: ServerAction::new(),
    };
    let request =
        Resource::new(move || params.read().get("request").unwrap_or_default(), load_review_request);
    view! {
        <Title text="Review request · Replenish"/>
        <SignedInFrame>
            <Suspense fallback=|| view! { <p class="loading">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match request.await {
                        Ok(request) => view! { <RequestView request decisions/> }.into_any(),
                        Err(error) => view! { <ErrorPage error/> }.into_any(),
                    }
                })}
            </Suspense>
        </SignedInFrame>
    }
}

fn decision_notice(saved: Option<String>) -> Option<String> {
    Some(
        match saved?.as_str() {
            "claimed" => "You claimed this request.",
            "approved" => "Approved: replenishment IDs issued and the maker emailed.",
            "changes_requested" => "Sent back for changes; the maker has been emailed.",
            "rejected" => "Rejected; the maker has been emailed.",
            _ => return None,
        }
        .to_owned(),
    )
}

#[component]
fn RequestView(request: ReviewRequest, decisions: Decisions) -> impl IntoView {
    let saved = query_param("saved");
    let notice = Signal::derive(move || decision_notice(saved.get()));
    let waiting = request.state == RequestState::Submitted && !request.own_organization;
    let own_note = request.own_organization.then(|| {
        view! { <p class="alert error" role="note">"You are a member of the organization that sent this request; another reviewer must review it."</p> }
    });
    let title = format!(
        "{} for {}",
        if request.is_change { "Change request" } else { "Replenishment-ID request" },
        request.device_name
    );
    let id = request.id.clone();
    let claim = match (&request.claimed_by, request.claimed_by_viewer) {
        (Some(_), true) => None,
        (claimed_by, _) => waiting.then(|| {
            let label = if claimed_by.is_some() { "Take over the review" } else { "Claim" };
            view! { <ClaimForm action=decisions.claim id=id.clone() label/> }
        }),
    };
    view! {
        <p class="breadcrumb"><a href="/review">"Review queue"</a></p>
        <h1>{title}</h1>
        <Notice text=notice/>
        {own_note}
        <dl class="facts">
            <dt>"State"</dt>
            <dd>
                {request.state.label()}
                {request.overdue.then(|| view! { " " <strong class="badge overdue-badge">"Overdue"</strong> })}
            </dd>
            <dt>"Organization"</dt><dd>{request.organization_name.clone()}</dd>
            <dt>"Device"</dt>
            <dd>
                {request.device_name.clone()} " · model ID " <code>{request.model_id.clone()}</code> " · " {request.device_kind.clone()}
                {request.device_type.clone().map(|t| format!(" · device type {t}"))}
            </dd>
            <dt>"Marketplaces"</dt><dd>{request.marketplaces.join(", ")}</dd>
            <dt>"Submitted by"</dt><dd>{request.submitted_by.clone()}</dd>
            <dt>"Submitted"</dt><dd>{request.submitted_at.clone().unwrap_or_default()}</dd>
            <dt>"Due"</dt><dd>{request.due_at.clone().unwrap_or_default()}</dd>
            <dt>"Claimed by"</dt><dd>{request.claimed_by.clone().unwrap_or_else(|| "Nobody".into())}</dd>
            <dt>"Customer ID"</dt><dd>{request.customer_id.clone()}</dd>
            <dt>"Test accounts"</dt><dd>{request.test_accounts.join(", ")}</dd>
        </dl>
        {claim}
        <h2>"Slots"</h2>
        {request
            .slots
            .iter()
            .map(|slot| {
                let heading = format!("Slot {} · {}", slot.slot_id, slot.category_name);
                view! {
                    <section class="review-slot" aria-label=heading.clone()>
                        <h3>{heading.clone()}</h3>
                        <dl class="facts">
                            <dt>"Customer-facing names"</dt><dd>{if slot.names.is_empty() { "None yet".to_owned() } else { slot.names.join("; ") }}</dd>
                            <dt>"Sensor type"</dt><dd>{slot.sensor_type.clone()} " — " {slot.sensor_explanation.clone()}</dd>
                            <dt>"Measurement"</dt><dd>{slot.measurement.clone()}</dd>
                            <dt>"Unit size"</dt><dd>{slot.unit_size.clone()}</dd>
                            <dt>"Consumable"</dt><dd>{slot.description.clone()}</dd>
                            <dt>"ASINs"</dt><dd>{if slot.asins.is_empty() { "Any (no custom list)".to_owned() } else { slot.asins.clone() }}</dd>
                            <dt>"Detail"</dt><dd>{if slot.detail.is_empty() { "None".to_owned() } else { slot.detail.clone() }}</dd>
                            {slot.replenishment_id.clone().map(|id| view! { <dt>"Current ID"</dt><dd><code>{id}</code></dd> })}
                        </dl>
                    </section>
                }
            })
            .collect_view()}
        <super::devices::Thread entries=request.thread.clone()/>
        {waiting.then(|| view! { <DecisionForms id=request.id.clone() decisions/> })}
    }
}

#[component]
fn ClaimForm(action: ServerAction<ClaimRequest>, id: String, label: &'static str) -> impl IntoView {
    let error = action_error(action);
    view! {
        <ActionForm action attr:class="form inline-form">
            <FormAlert error/>
            <input type="hidden" name="request" value=id/>
            <Submit label class="button"/>
        </ActionForm>
    }
}

#[component]
fn DecisionForms(id: String, decisions: Decisions) -> impl IntoView {
    let Decisions { approve, changes, reject, .. } = decisions;
    let (approve_id, changes_id) = (id.clone(), id.clone());
    view! {
        <h2>"Decision"</h2>
        <div class="decisions">
            <ActionForm action=approve attr:class="form decision" attr:novalidate=true>
                <NoteFields error=action_error(approve) id=approve_id heading="Approve" field="note" label="Note to the maker (optional)" button="Approve and issue IDs" class="button primary"/>
            </ActionForm>
            <ActionForm action=changes attr:class="form decision" attr:novalidate=true>
                <NoteFields error=action_error(changes) id=changes_id heading="Request changes" field="note" label="What needs to change" button="Request changes" class="button"/>
            </ActionForm>
            <ActionForm action=reject attr:class="form decision" attr:novalidate=true>
                <NoteFields error=action_error(reject) id heading="Reject" field="reason" label="Reason for the rejection" button="Reject request" class="button danger"/>
            </ActionForm>
        </div>
    }
}

/// The inside of one decision's form: its note and its button.
#[component]
pub(crate) fn NoteFields(
    error: Signal<Option<AppError>>,
    id: String,
    heading: &'static str,
    field: &'static str,
    label: &'static str,
    button: &'static str,
    class: &'static str,
) -> impl IntoView {
    let message = Signal::derive(move || error.get().and_then(|e| e.field_message(field)));
    let textarea_id = format!("{}-{field}", heading.to_lowercase().replace(' ', "-"));
    let typed = error.get_untracked().and_then(|e| e.typed_value(field)).unwrap_or_default();
    view! {
        <h3>{heading}</h3>
        <FormAlert error/>
        <input type="hidden" name="request" value=id/>
        <div class="field" class:invalid=move || message.get().is_some()>
            <label for=textarea_id.clone()>{label}</label>
            <textarea
                id=textarea_id
                name=field
                rows="3"
                aria-invalid=move || message.get().map(|_| "true")
                aria-describedby=move || message.get().map(|_| error_id(field))
            >{typed}</textarea>
            <FieldError message name=field.to_owned()/>
        </div>
        <Submit label=button class/>
    }
}
