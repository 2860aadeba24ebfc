//! The reviewers' side of certification: the requests waiting (shown on the review queue page) and one
//! request with the evidence it was submitted with, certified or failed with a note.

use super::review::NoteFields;
use super::{action_error, query_param};
use crate::api::certification::{load_certification_request, DecideCertification};
use crate::components::{ErrorPage, Notice, SignedInFrame};
use crate::error::AppError;
use crate::models::certification::{CertificationQueueItem, CertificationReview};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

/// The certification requests waiting for a decision, oldest first.
#[component]
pub fn CertificationQueue(queue: Resource<Result<Vec<CertificationQueueItem>, AppError>>) -> impl IntoView {
    view! {
        <Suspense fallback=|| view! { <p class="loading">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match queue.await {
                    Ok(items) => view! { <CertificationTable items/> }.into_any(),
                    Err(error) => view! { <ErrorPage error/> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn CertificationTable(items: Vec<CertificationQueueItem>) -> impl IntoView {
    let body = if items.is_empty() {
        view! { <p>"No certification requests are waiting."</p> }.into_any()
    } else {
        view! {
            <table class="queue">
                <caption>{format!("{} certification request(s), oldest first", items.len())}</caption>
                <thead>
                    <tr>
                        <th scope="col">"Device"</th>
                        <th scope="col">"Organization"</th>
                        <th scope="col">"Marketplace"</th>
                        <th scope="col">"Submitted"</th>
                    </tr>
                </thead>
                <tbody>
                    {items
                        .into_iter()
                        .map(|item| view! {
                            <tr>
                                <td>
                                    <a href=format!("/review/certifications/{}", item.id)>{item.device_name}</a>
                                    <br/>
                                    <code>{item.model_id}</code>
                                </td>
                                <td>{item.organization_name}</td>
                                <td>{item.marketplace}</td>
                                <td>{item.submitted_at}</td>
                            </tr>
                        })
                        .collect_view()}
                </tbody>
            </table>
        }
        .into_any()
    };
    view! {
        <section aria-labelledby="certification-queue-heading">
            <h2 id="certification-queue-heading">"Certification requests"</h2>
            {body}
        </section>
    }
}

#[derive(Clone, Copy)]
struct Decisions {
    certify: ServerAction<DecideCertification>,
    fail: ServerAction<DecideCertification>,
}

/// One certification request; 404 for everyone but reviewers.
#[component]
pub fn CertificationReviewPage() -> impl IntoView {
    let params = use_params_map();
    let decisions = Decisions { certify: ServerAction::new(), fail: ServerAction::new() };
    let request =
        Resource::new(move || params.read().get("request").unwrap_or_default(), load_certification_request);
    view! {
        <Title text="Certification request · Replenish"/>
        <SignedInFrame>
            <Suspense fallback=|| view! { <p class="loading">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match request.await {
                        Ok(request) => view! { <ReviewView request decisions/> }.into_any(),
                        Err(error) => view! { <ErrorPage error/> }.into_any(),
                    }
                })}
            </Suspense>
        </SignedInFrame>
    }
}

fn saved_notice(saved: Option<String>) -> Option<String> {
    Some(
        match saved?.as_str() {
            "certify" => "Certified; the maker has been emailed.",
            "fail" => "Failed; the maker has been emailed your note.",
            _ => return None,
        }
        .to_owned(),
    )
}

fn state_label(state: &str) -> &'static str {
    match state {
        "submitted" => "Waiting for review",
        "certified" => "Certified",
        _ => "Failed",
    }
}

#[component]
fn ReviewView(request: CertificationReview, decisions: Decisions) -> impl IntoView {
    let saved = query_param("saved");
    let notice = Signal::derive(move || saved_notice(saved.get()));
    let waiting = request.state == "submitted";
    let Decisions { certify, fail } = decisions;
    let (certify_id, fail_id) = (request.id.clone(), request.id.clone());
    view! {
        <p class="breadcrumb"><a href="/review">"Review queue"</a></p>
        <h1>{format!("Certification of {} in {}", request.device_name, request.marketplace)}</h1>
        <Notice text=notice/>
        <dl class="facts">
            <dt>"State"</dt><dd>{state_label(&request.state)}</dd>
            <dt>"Organization"</dt><dd>{request.organization_name.clone()}</dd>
            <dt>"Device"</dt><dd>{request.device_name.clone()} " · model ID " <code>{request.model_id.clone()}</code></dd>
            <dt>"Submitted by"</dt><dd>{request.submitted_by.clone()}</dd>
            <dt>"Submitted"</dt><dd>{request.submitted_at.clone()}</dd>
            {request.decided.clone().map(|at| view! { <dt>"Decided"</dt><dd>{at}</dd> })}
            {(!request.note.is_empty()).then(|| view! { <dt>"Note"</dt><dd>{request.note.clone()}</dd> })}
        </dl>
        <h2>"Evidence at submission"</h2>
        <ul class="cases">
            {request
                .cases
                .into_iter()
                .map(|case| view! {
                    <li class="case" class:passed=case.passed data-case=case.key>
                        <span class="case-state">{if case.passed { "Passed" } else { "Not yet" }}</span>
                        <span class="case-title">{case.title}</span>
                        <span class="case-evidence">{case.evidence}</span>
                    </li>
                })
                .collect_view()}
        </ul>
        {waiting.then(|| view! {
            <h2>"Decision"</h2>
            <div class="decisions">
                <ActionForm action=certify attr:class="form decision" attr:novalidate=true>
                    <input type="hidden" name="decision" value="certify"/>
                    <NoteFields error=action_error(certify) id=certify_id heading="Certify" field="note" label="Note to the maker (optional)" button="Certify marketplace" class="button primary"/>
                </ActionForm>
                <ActionForm action=fail attr:class="form decision" attr:novalidate=true>
                    <input type="hidden" name="decision" value="fail"/>
                    <NoteFields error=action_error(fail) id=fail_id heading="Fail" field="note" label="What failed" button="Fail certification" class="button danger"/>
                </ActionForm>
            </div>
        })}
    }
}
