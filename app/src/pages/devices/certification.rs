//! The *Certification* tab: per marketplace, each certification case with the evidence that ticks it, and
//! *Certify Marketplace*, offered once every case passes.

use super::super::{action_error, organizations::org, query_param};
use super::frame::{device, device_tab};
use crate::api::certification::{load_certification, CertifyMarketplace};
use crate::components::{org_id_param, ErrorPage, FormAlert, Notice};
use crate::error::AppError;
use crate::models::certification::{CertificationTab, MarketplaceChecklist};
use crate::models::certification_label;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

#[derive(Clone, Copy)]
struct TabContext {
    tab: Resource<Result<CertificationTab, AppError>>,
    submit: ServerAction<CertifyMarketplace>,
}

#[component]
pub fn CertificationPage() -> impl IntoView {
    let org_id = org_id_param();
    let params = use_params_map();
    let submit = ServerAction::<CertifyMarketplace>::new();
    let tab = Resource::new(
        move || (org_id.get(), params.read().get("device").unwrap_or_default()),
        |(org, device)| load_certification(org, device),
    );
    provide_context(TabContext { tab, submit });
    device_tab(|| view! { <CertificationView/> })
}

#[component]
fn CertificationView() -> impl IntoView {
    let context = device();
    let TabContext { tab, submit } = expect_context::<TabContext>();
    let submitted = query_param("submitted");
    let notice = Signal::derive(move || {
        submitted
            .get()
            .map(|code| format!("{code} was submitted for certification. The reviewers have been emailed."))
    });
    let error = action_error(submit);
    view! {
        <Title text=format!("Certification · {} · Replenish", context.detail.name)/>
        <p>"Each case is ticked by evidence recorded in the sandbox or by the device's own data. Drive the cases with a test registration, then certify the marketplace."</p>
        <Notice text=notice/>
        <FormAlert error/>
        <Suspense fallback=|| view! { <p class="loading">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match tab.await {
                    Ok(tab) => {
                        let can_edit = tab.can_edit;
                        tab.marketplaces
                            .into_iter()
                            .map(|checklist| view! { <Checklist checklist can_edit submit/> })
                            .collect_view()
                            .into_any()
                    }
                    Err(error) => view! { <ErrorPage error/> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn Checklist(
    checklist: MarketplaceChecklist,
    can_edit: bool,
    submit: ServerAction<CertifyMarketplace>,
) -> impl IntoView {
    let context = device();
    let heading = format!("certification-{}", checklist.code);
    let summary = format!(
        "{} of {} cases pass · {}",
        checklist.passed(),
        checklist.cases.len(),
        certification_label(&checklist.state)
    );
    let can_submit = checklist.can_submit();
    let hint_id = format!("certify-hint-{}", checklist.code);
    let hint = if can_submit {
        "Every case passes: the reviewers check the evidence and certify the marketplace."
    } else if checklist.all_passed() {
        "Nothing to submit: the marketplace is certified or waiting for review."
    } else {
        "Available once every case passes."
    };
    let code = checklist.code.clone();
    view! {
        <section class="checklist" aria-labelledby=heading.clone()>
            <h2 id=heading.clone()>{format!("{} ({})", checklist.name, checklist.code)}</h2>
            <p class="checklist-summary">{summary}</p>
            {checklist.latest_request.map(|sentence| view! { <p>{sentence}</p> })}
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
            {can_edit.then(|| view! {
                <ActionForm action=submit attr:class="form certify-form">
                    <input type="hidden" name="org" value=org().organization.id.clone()/>
                    <input type="hidden" name="device" value=context.detail.id.clone()/>
                    <input type="hidden" name="marketplace" value=code.clone()/>
                    <button
                        type="submit"
                        class="button primary"
                        disabled=!can_submit
                        aria-describedby=hint_id.clone()
                    >
                        {format!("Certify Marketplace {code}")}
                    </button>
                    <p class="hint" id=hint_id.clone()>{hint}</p>
                </ActionForm>
            })}
        </section>
    }
}
