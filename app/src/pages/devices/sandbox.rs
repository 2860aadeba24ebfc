//! The *Sandbox* tab: the test accounts that may link the device before certification, and the runtime
//! API calls of the device's registrations, newest first, filterable by call, outcome and mode (a GET
//! form, so the filter is in the address and works without JavaScript).

use super::super::{action_error, organizations::org, query_param};
use super::frame::{device, device_tab};
use super::simulator::{DeviceSimulator, SimulatorContext};
use crate::api::sandbox::{
    load_device_logs, load_sandbox_clock, load_test_accounts, AddTestAccount, AdvanceSandboxClock,
    RemoveTestAccount,
};
use crate::api::simulator::{load_simulator, LinkTestDevice, SimulateCall};
use crate::components::{org_id_param, ErrorPage, Field, FormAlert, Notice, Submit};
use crate::error::AppError;
use crate::models::sandbox::{
    ApiRequestView, DeviceDeliveryView, DeviceLogs, LogFilter, SandboxClock, TestAccounts, CLOCK_STEPS,
    MODES, OUTCOMES,
};
use crate::models::FieldRule;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::Form;
use leptos_router::hooks::use_params_map;

#[derive(Clone, Copy)]
struct LogsContext {
    logs: Resource<Result<DeviceLogs, AppError>>,
    filter: Memo<LogFilter>,
    accounts: Resource<Result<TestAccounts, AppError>>,
    add: ServerAction<AddTestAccount>,
    remove: ServerAction<RemoveTestAccount>,
    clock: Resource<Result<SandboxClock, AppError>>,
    advance: ServerAction<AdvanceSandboxClock>,
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
    let (link, simulate) = (ServerAction::<LinkTestDevice>::new(), ServerAction::<SimulateCall>::new());
    let simulator = Resource::new(
        move || (org_id.get(), params.read().get("device").unwrap_or_default()),
        |(org, device)| load_simulator(org, device),
    );
    provide_context(SimulatorContext { simulator, link, simulate });
    let logs = Resource::new(
        move || {
            let device = params.read().get("device").unwrap_or_default();
            (org_id.get(), device, filter.get())
        },
        |(org, device, filter)| load_device_logs(org, device, filter),
    );
    let (add, remove) = (ServerAction::<AddTestAccount>::new(), ServerAction::<RemoveTestAccount>::new());
    let accounts = Resource::new(
        move || (org_id.get(), params.read().get("device").unwrap_or_default()),
        |(org, device)| load_test_accounts(org, device),
    );
    let advance = ServerAction::<AdvanceSandboxClock>::new();
    let clock = Resource::new(
        move || (org_id.get(), params.read().get("device").unwrap_or_default()),
        |(org, device)| load_sandbox_clock(org, device),
    );
    provide_context(LogsContext { logs, filter, accounts, add, remove, clock, advance });
    device_tab(|| view! { <SandboxView/> })
}

#[component]
fn SandboxView() -> impl IntoView {
    let context = device();
    let LogsContext { logs, filter, accounts, clock, .. } = expect_context::<LogsContext>();
    view! {
        <Title text=format!("Sandbox · {} · Replenish", context.detail.name)/>
        <DeviceSimulator/>
        <section aria-labelledby="test-accounts-heading">
            <h2 id="test-accounts-heading">"Test accounts"</h2>
            <p>"These customer accounts can link the device before it is certified (with " <code>"should_include_non_live"</code> "). Their registrations are test registrations: every order is a test order, never charged or handed to a fulfiller. A tester who accepts the invitation at " <code>"/my"</code> " also lets the simulator link test devices for them."</p>
            <Suspense fallback=|| view! { <p class="loading">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match accounts.await {
                        Ok(accounts) => view! { <TestAccountList accounts/> }.into_any(),
                        Err(error) => view! { <ErrorPage error/> }.into_any(),
                    }
                })}
            </Suspense>
        </section>
        <section aria-labelledby="test-clock-heading">
            <h2 id="test-clock-heading">"Test clock"</h2>
            <p>"Move this sandbox ahead in time to see test orders leave their 24-hour hold, ship and be delivered, with their notifications and emails. Live orders keep real time."</p>
            <Suspense fallback=|| view! { <p class="loading">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match clock.await {
                        Ok(clock) => view! { <TestClock clock/> }.into_any(),
                        Err(error) => view! { <ErrorPage error/> }.into_any(),
                    }
                })}
            </Suspense>
        </section>
        <section aria-labelledby="api-log-heading">
            <h2 id="api-log-heading">"API requests"</h2>
            <p>"The newest 500 runtime API calls of this device's registrations, kept for 30 days. Calls appear within a second."</p>
            <Suspense fallback=|| view! { <p class="loading">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match logs.await {
                        Ok(DeviceLogs { requests, calls, deliveries }) => view! {
                            <LogFilterForm calls filter=filter.get_untracked()/>
                            <RequestTable requests/>
                            <DeliveryTable deliveries/>
                        }
                            .into_any(),
                        Err(error) => view! { <ErrorPage error/> }.into_any(),
                    }
                })}
            </Suspense>
        </section>
    }
}

#[component]
fn TestAccountList(accounts: TestAccounts) -> impl IntoView {
    let LogsContext { add, remove, .. } = expect_context::<LogsContext>();
    let (org_id, device_id) = (org().organization.id.clone(), device().detail.id.clone());
    let changed = query_param("accounts");
    let notice = Signal::derive(move || {
        changed.get().and_then(|what| match what.as_str() {
            "added" => Some("Test account added.".to_owned()),
            "removed" => Some("Test account removed.".to_owned()),
            _ => None,
        })
    });
    let (add_error, remove_error) = (action_error(add), action_error(remove));
    let can_manage = accounts.can_manage;
    let list = if accounts.accounts.is_empty() {
        view! { <p>"No test accounts yet."</p> }.into_any()
    } else {
        let (org_id, device_id) = (org_id.clone(), device_id.clone());
        view! {
            <ul class="test-accounts">
                {accounts
                    .accounts
                    .into_iter()
                    .map(|account| {
                        let source = match (account.added_by_owner, account.accepted) {
                            (true, true) => "Added by an owner · accepted",
                            (true, false) => "Added by an owner · not accepted yet",
                            (false, true) => "From the approved request · accepted",
                            (false, false) => "From the approved request · not accepted yet",
                        };
                        let removable = can_manage && account.added_by_owner;
                        let label = format!("Remove {}", account.email);
                        let (org_id, device_id) = (org_id.clone(), device_id.clone());
                        view! {
                            <li>
                                <span>{account.email.clone()}</span>
                                <span class="hint">{source}</span>
                                {removable.then(|| view! {
                                    <ActionForm action=remove attr:class="inline-form">
                                        <input type="hidden" name="org" value=org_id/>
                                        <input type="hidden" name="device" value=device_id/>
                                        <input type="hidden" name="account" value=account.id/>
                                        <Submit label="Remove" aria_label=label class="button"/>
                                    </ActionForm>
                                })}
                            </li>
                        }
                    })
                    .collect_view()}
            </ul>
        }
        .into_any()
    };
    view! {
        <Notice text=notice/>
        <FormAlert error=remove_error/>
        {list}
        {can_manage.then(|| view! {
            <ActionForm action=add attr:class="form inline-form" attr:novalidate=true>
                <FormAlert error=add_error/>
                <input type="hidden" name="org" value=org_id/>
                <input type="hidden" name="device" value=device_id/>
                <Field label="Customer email" name="email" kind="email" error=add_error check=FieldRule::Email hint="The tester creates a customer account with this address at /my or on the consent page."/>
                <Submit label="Add test account"/>
            </ActionForm>
        })}
    }
}

#[component]
fn TestClock(clock: SandboxClock) -> impl IntoView {
    let LogsContext { advance, .. } = expect_context::<LogsContext>();
    let (org_id, device_id) = (org().organization.id.clone(), device().detail.id.clone());
    let moved = query_param("clock");
    let notice = Signal::derive(move || {
        moved.get().map(|steps| format!("The clock moved; test orders took {steps} step(s)."))
    });
    let error = action_error(advance);
    view! {
        <Notice text=notice/>
        <FormAlert error/>
        <p class="clock">{format!("{} · sandbox time {}", clock.ahead, clock.sandbox_time)}</p>
        {clock.can_edit.then(|| view! {
            <div class="clock-buttons">
                {CLOCK_STEPS
                    .into_iter()
                    .map(|(hours, words)| {
                        let (org_id, device_id) = (org_id.clone(), device_id.clone());
                        view! {
                            <ActionForm action=advance attr:class="inline-form">
                                <input type="hidden" name="org" value=org_id/>
                                <input type="hidden" name="device" value=device_id/>
                                <input type="hidden" name="hours" value=hours.to_string()/>
                                <button type="submit" class="button">
                                    {format!("Advance {words}")}
                                </button>
                            </ActionForm>
                        }
                    })
                    .collect_view()}
            </div>
        })}
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

#[component]
fn DeliveryTable(deliveries: Vec<DeviceDeliveryView>) -> impl IntoView {
    let body = if deliveries.is_empty() {
        view! { <p role="status">"No notifications about this device yet."</p> }.into_any()
    } else {
        view! {
            <table class="table api-log">
                <caption>{format!("{} delivery(ies), newest first", deliveries.len())}</caption>
                <thead>
                    <tr>
                        <th scope="col">"Time"</th>
                        <th scope="col">"Notification"</th>
                        <th scope="col">"Endpoint"</th>
                        <th scope="col">"State"</th>
                        <th scope="col">"Attempts"</th>
                    </tr>
                </thead>
                <tbody>
                    {deliveries
                        .into_iter()
                        .map(|d| {
                            let ok = d.state == "Delivered";
                            let last = d.last_status.map(|s| format!(" · last {s}")).unwrap_or_default();
                            view! {
                                <tr>
                                    <td>{d.at}</td>
                                    <th scope="row"><code>{d.notification_type}</code></th>
                                    <td><a href=d.log_href>{d.endpoint_url}</a></td>
                                    <td class:status-ok=ok class:status-error=!ok>{d.state}</td>
                                    <td>{format!("{}{last}", d.attempts)}</td>
                                </tr>
                            }
                        })
                        .collect_view()}
                </tbody>
            </table>
        }
        .into_any()
    };
    view! {
        <h3>"Notification deliveries"</h3>
        {body}
    }
}
