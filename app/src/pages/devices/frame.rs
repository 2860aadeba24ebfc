//! The frame around one device's tabs: loads the device once and hands it to the tab below.

use super::super::organizations::org;
use crate::api::devices::load_device;
use crate::components::{org_id_param, ErrorPage, OrgResource};
use crate::error::AppError;
use crate::models::{certification_label, DeviceDetail, DeviceMarketplace};
use leptos::prelude::*;
use leptos_router::components::Outlet;
use leptos_router::hooks::{use_location, use_params_map};

/// What the frame shares with the tab below it: the device, loading once for both.
#[derive(Clone, Copy)]
struct DeviceFrameContext {
    detail: Resource<Result<DeviceDetail, AppError>>,
}

/// The device the current tab shows.
#[derive(Clone)]
pub(crate) struct DeviceContext {
    pub detail: DeviceDetail,
}

impl DeviceContext {
    pub fn base(&self) -> String {
        format!("/orgs/{}/devices/{}", org().organization.id, self.detail.id)
    }
}

pub(crate) fn device() -> DeviceContext {
    expect_context::<DeviceContext>()
}

/// Renders a tab once the device has loaded, with `DeviceContext` provided.
pub(crate) fn device_tab<V: IntoView + 'static>(render: fn() -> V) -> impl IntoView {
    let frame = expect_context::<DeviceFrameContext>();
    let OrgResource(organization) = expect_context::<OrgResource>();
    view! {
        <Transition fallback=|| view! { <p class="loading">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match (organization.await, frame.detail.await) {
                    (Ok(organization), Ok(detail)) => {
                        provide_context(organization);
                        provide_context(DeviceContext { detail });
                        render().into_any()
                    }
                    // The frame shows the error page.
                    _ => ().into_any(),
                }
            })}
        </Transition>
    }
}

const TABS: [(&str, &str); 7] = [
    ("", "Overview"),
    ("/localization", "Localization"),
    ("/inventory", "Inventory"),
    ("/slot-localization", "Slot localization"),
    ("/replenishment", "Replenishment IDs"),
    ("/sandbox", "Sandbox"),
    ("/certification", "Certification"),
];

/// A badge per marketplace that is certified, waiting for review or needs re-certification.
#[component]
fn CertificationBadges(marketplaces: Vec<DeviceMarketplace>) -> impl IntoView {
    let shown: Vec<DeviceMarketplace> =
        marketplaces.into_iter().filter(|m| m.certification != "not_certified").collect();
    (!shown.is_empty()).then(|| {
        view! {
            <ul class="badges" aria-label="Certification">
                {shown
                    .into_iter()
                    .map(|m| {
                        let class = format!("badge certification-{}", m.certification);
                        view! { <li class=class>{format!("{} · {}", m.marketplace.code, certification_label(&m.certification))}</li> }
                    })
                    .collect_view()}
            </ul>
        }
    })
}

#[component]
pub fn DeviceFrame() -> impl IntoView {
    let org_id = org_id_param();
    let params = use_params_map();
    let detail = Resource::new(
        move || (org_id.get(), params.read().get("device").unwrap_or_default()),
        |(org, device)| load_device(org, device),
    );
    provide_context(DeviceFrameContext { detail });
    let location = use_location();
    view! {
        <Transition fallback=|| view! { <p class="loading">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match detail.await {
                    Ok(detail) => {
                        let org_id = org_id.get_untracked();
                        let base = format!("/orgs/{org_id}/devices/{}", detail.id);
                        view! {
                            <p class="breadcrumb"><a href=format!("/orgs/{org_id}")>"Devices"</a></p>
                            <h1>{detail.name.clone()}</h1>
                            <p class="subtitle">"Model ID " <code>{detail.model_id.clone()}</code></p>
                            <CertificationBadges marketplaces=detail.marketplaces.clone()/>
                            <nav class="tabs" aria-label="Device sections">
                                {TABS
                                    .into_iter()
                                    .map(|(suffix, label)| {
                                        let href = format!("{base}{suffix}");
                                        let current = {
                                            let href = href.clone();
                                            move || (location.pathname.get() == href).then_some("page")
                                        };
                                        view! { <a href=href aria-current=current>{label}</a> }
                                    })
                                    .collect_view()}
                            </nav>
                        }
                            .into_any()
                    }
                    Err(error) => view! { <ErrorPage error/> }.into_any(),
                }
            })}
        </Transition>
        <Outlet/>
    }
}
