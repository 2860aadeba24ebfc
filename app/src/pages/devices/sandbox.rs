//! The *Sandbox* tab: the runtime API calls of the device's registrations, newest first, filterable by
//! call, outcome and mode (a GET form, so the filter is in the address and works without JavaScript).

use super::super::query_param;
use super::frame::{device, device_tab};
use crate::api::sandbox::load_device_logs;
use crate::components::{org_id_param, ErrorPage};
use crate::error::AppError;
use crate::models::sandbox::{ApiRequestView, DeviceLogs, LogFilter, MODES, OUTCOMES};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::Form;
use leptos_router::hooks::use_params_map;

#[derive(Clone, Copy)]
struct LogsContext {
    logs: Resource<Result<DeviceLogs, AppError>>,
    filter: Memo<LogFilter>,
}

#[component]
pub fn SandboxPage() -> impl IntoView {
    let org_id = org_id_param();
    let params = use_params_map();
    let (call, outcome, mode) = (query_param("call"), query_param("outcome"), query_param("mode"));
    let filter = Memo::new(move |_| LogFilter {
        call: call.get().unwrap_or_default(),
        outcome: outcome.get().unwrap_or_default(),
        mode: mode.get().unwrap_or_default(),
    });
    let logs = Resource::new(
        move || (org_id.get(), params.read().get("device").unwrap_or_default(), filter.get()),
        |(org, device, filter)| load_device_logs(org, device, filter),
    );
    provide_context(LogsContext { logs, filter });
    device_tab(|| view! { <SandboxView/> })
}

#[component]
fn SandboxView() -> impl IntoView {
    let context = device();
    let LogsContext { logs, filter } = expect_context::<LogsContext>();
    view! {
        <Title text=format!("Sandbox · {} · Replenish", context.detail.name)/>
        <section aria-labelledby="api-log-heading">
            <h2 id="api-log-heading">"API requests"</h2>
            <p>"The newest 500 runtime API calls of this device's registrations, kept for 30 days. Calls appear within a second."</p>
            <Suspense fallback=|| view! { <p class="loading">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match logs.await {
                        Ok(DeviceLogs { requests, calls }) => view! {
                            <LogFilterForm calls filter=filter.get_untracked()/>
                            <RequestTable requests/>
                        }
                            .into_any(),
                        Err(error) => view! { <ErrorPage error/> }.into_any(),
                    }
                })}
            </Suspense>
        </section>
    }
}

fn options(choices: Vec<(String, String)>, selected: String) -> impl IntoView {
    choices
        .into_iter()
        .map(|(value, label)| {
            let chosen = value == selected;
            view! { <option value=value selected=chosen>{label}</option> }
        })
        .collect_view()
}

#[component]
fn LogFilterForm(calls: Vec<String>, filter: LogFilter) -> impl IntoView {
    let calls: Vec<(String, String)> = std::iter::once((String::new(), "Every call".to_owned()))
        .chain(calls.into_iter().map(|c| (c.clone(), c)))
        .collect();
    let fixed = |choices: &[(&str, &str)]| -> Vec<(String, String)> {
        choices.iter().map(|(v, l)| ((*v).to_owned(), (*l).to_owned())).collect()
    };
    view! {
        <Form method="GET" action="" attr:class="filter-form" attr:aria-label="Filter API requests">
            <div class="field">
                <label for="log-call">"Call"</label>
                <select id="log-call" name="call">{options(calls, filter.call)}</select>
            </div>
            <div class="field">
                <label for="log-outcome">"Status"</label>
                <select id="log-outcome" name="outcome">{options(fixed(&OUTCOMES), filter.outcome)}</select>
            </div>
            <div class="field">
                <label for="log-mode">"Mode"</label>
                <select id="log-mode" name="mode">{options(fixed(&MODES), filter.mode)}</select>
            </div>
            <button type="submit" class="button">"Filter"</button>
        </Form>
    }
}

#[component]
fn RequestTable(requests: Vec<ApiRequestView>) -> impl IntoView {
    if requests.is_empty() {
        return view! { <p role="status">"No API requests to show yet."</p> }.into_any();
    }
    view! {
        <table class="table api-log">
            <caption>{format!("{} request(s), newest first", requests.len())}</caption>
            <thead>
                <tr>
                    <th scope="col">"Time"</th>
                    <th scope="col">"Call"</th>
                    <th scope="col">"Status"</th>
                    <th scope="col">"Latency"</th>
                    <th scope="col">"Mode"</th>
                    <th scope="col">"Bodies"</th>
                </tr>
            </thead>
            <tbody>
                {requests
                    .into_iter()
                    .map(|request| {
                        let ok = (200..300).contains(&request.status);
                        view! {
                            <tr id=format!("request-{}", request.id)>
                                <td>{request.at}</td>
                                <th scope="row"><code>{request.call}</code><br/><span class="hint">{request.path}</span></th>
                                <td class:status-ok=ok class:status-error=!ok>{request.status}</td>
                                <td>{request.latency}</td>
                                <td>{if request.is_test { "Test" } else { "Live" }} " · " {request.marketplace}</td>
                                <td>
                                    <details>
                                        <summary>"Request and response"</summary>
                                        <p class="hint">"Request"</p>
                                        <pre>{request.request}</pre>
                                        <p class="hint">"Response"</p>
                                        <pre>{request.response}</pre>
                                    </details>
                                </td>
                            </tr>
                        }
                    })
                    .collect_view()}
            </tbody>
        </table>
    }
        .into_any()
}
