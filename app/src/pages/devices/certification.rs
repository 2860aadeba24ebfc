//! The *Certification* tab: per marketplace, each certification case with the evidence that ticks it.

use super::frame::{device, device_tab};
use crate::api::certification::load_certification;
use crate::components::{org_id_param, ErrorPage};
use crate::error::AppError;
use crate::models::certification::{CertificationTab, MarketplaceChecklist};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

#[derive(Clone, Copy)]
struct TabContext {
    tab: Resource<Result<CertificationTab, AppError>>,
}

#[component]
pub fn CertificationPage() -> impl IntoView {
    let org_id = org_id_param();
    let params = use_params_map();
    let tab = Resource::new(
        move || (org_id.get(), params.read().get("device").unwrap_or_default()),
        |(org, device)| load_certification(org, device),
    );
    provide_context(TabContext { tab });
    device_tab(|| view! { <CertificationView/> })
}

#[component]
fn CertificationView() -> impl IntoView {
    let context = device();
    let TabContext { tab } = expect_context::<TabContext>();
    view! {
        <Title text=format!("Certification · {} · Replenish", context.detail.name)/>
        <p>"Each case is ticked by evidence recorded in the sandbox or by the device's own data. Drive the cases with a test registration, then certify the marketplace."</p>
        <Suspense fallback=|| view! { <p class="loading">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match tab.await {
                    Ok(tab) => tab
                        .marketplaces
                        .into_iter()
                        .map(|checklist| view! { <Checklist checklist/> })
                        .collect_view()
                        .into_any(),
                    Err(error) => view! { <ErrorPage error/> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn Checklist(checklist: MarketplaceChecklist) -> impl IntoView {
    let heading = format!("certification-{}", checklist.code);
    let summary =
        format!("{} of {} cases pass · {}", checklist.passed(), checklist.cases.len(), checklist.state);
    view! {
        <section class="checklist" aria-labelledby=heading.clone()>
            <h2 id=heading.clone()>{format!("{} ({})", checklist.name, checklist.code)}</h2>
            <p class="checklist-summary">{summary}</p>
            <ul class="cases">
                {checklist
                    .cases
                    .into_iter()
                    .map(|case| {
                        let mark = if case.passed { "Passed" } else { "Not yet" };
                        view! {
                            <li class="case" class:passed=case.passed data-case=case.key>
                                <span class="case-state">{mark}</span>
                                <span class="case-title">{case.title}</span>
                                <span class="case-evidence">
                                    {case.evidence}
                                    {case.link.map(|href| view! { " " <a href=href>"Evidence"</a> })}
                                </span>
                            </li>
                        }
                    })
                    .collect_view()}
            </ul>
        </section>
    }
}
