//! Device pages: the list, registration, and one device's tabs.

mod certification;
mod frame;
mod inventory;
mod localization;
mod overview;
mod register;
mod replenishment;
mod sandbox;
mod simulator;

pub use certification::CertificationPage;
pub use frame::DeviceFrame;
pub use inventory::InventoryPage;
pub use localization::{DeviceLocalizationPage, SlotLocalizationPage};
pub use overview::DeviceOverviewPage;
pub use register::RegisterDevicePage;
pub use replenishment::ReplenishmentPage;
pub(crate) use replenishment::Thread;
pub use sandbox::SandboxPage;

use super::organizations::org;
use super::query_param;
use crate::api::devices::list_devices;
use crate::components::{in_org, org_id_param, ErrorPage, Notice};
use crate::error::AppError;
use crate::models::{certification_label, DeviceList};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::Form;
use leptos_router::hooks::use_query_map;
use leptos_router::params::ParamsMap;

/// The current address's query, for forms that a no-JavaScript button reloads with what was typed.
pub(crate) fn draft_query() -> Memo<ParamsMap> {
    use_query_map()
}

/// What a field shows first: what was typed before a failed submit, else what the address carries.
pub(crate) fn draft_value(
    error: Signal<Option<AppError>>,
    query: Memo<ParamsMap>,
    name: &str,
) -> Option<String> {
    error.get_untracked().and_then(|e| e.typed_value(name)).or_else(|| query.read_untracked().get(name))
}

/// The organization's start page: its devices, searchable by name or model ID.
#[component]
pub fn DevicesPage() -> impl IntoView {
    let org_id = org_id_param();
    let search = query_param("q");
    let page = query_param("page");
    let list = Resource::new(
        move || {
            let page = page.get().and_then(|p| p.parse::<u64>().ok()).unwrap_or(1);
            (org_id.get(), search.get().unwrap_or_default(), page)
        },
        |(org, q, page)| list_devices(org, q, page),
    );
    in_org(move || view! { <DevicesView list search/> })
}

#[component]
fn DevicesView(
    list: Resource<Result<DeviceList, AppError>>,
    search: Signal<Option<String>>,
) -> impl IntoView {
    let context = org();
    let organization = context.organization.clone();
    let deleted = query_param("deleted");
    let can_edit = organization.role.can_edit();
    let register_href = format!("/orgs/{}/devices/new", organization.id);
    let org_id = StoredValue::new(organization.id.clone());
    view! {
        <Title text=format!("Devices · {} · Replenish", organization.name)/>
        <div class="page-heading">
            <h1>"Devices"</h1>
            {can_edit.then(|| view! { <a class="button primary" href=register_href.clone()>"Register a device"</a> })}
        </div>
        <Notice text=Signal::derive(move || deleted.get().map(|_| "The device was deleted.".to_owned()))/>
        <Form method="GET" action="" attr:class="search-form" attr:role="search">
            <label for="device-search">"Search by name or model ID"</label>
            <input id="device-search" type="search" name="q" value=move || search.get().unwrap_or_default()/>
            <button type="submit" class="button">"Search"</button>
        </Form>
        <Suspense fallback=|| view! { <p class="loading">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match list.await {
                    Ok(DeviceList { total: 0, .. }) => view! {
                        <section class="empty-state">
                            <h2>"No devices yet"</h2>
                            <p>"Register a device model to define its consumable slots, names and image."</p>
                            {can_edit.then(|| view! {
                                <a class="button primary" href=format!("/orgs/{}/devices/new", org_id.get_value())>
                                    "Register a device"
                                </a>
                            })}
                        </section>
                    }.into_any(),
                    Ok(DeviceList { devices, .. }) if devices.is_empty() => view! {
                        <p role="status">"No device matches “" {search.get_untracked().unwrap_or_default()} "”."</p>
                    }.into_any(),
                    Ok(list) => {
                        let pages = pagination(&list, search.get_untracked().unwrap_or_default());
                        view! {
                            <DeviceTable list org_id=org_id.get_value()/>
                            {pages}
                        }.into_any()
                    }
                    Err(error) => view! { <ErrorPage error/> }.into_any(),
                }
            })}
        </Suspense>
    }
}

/// "Previous" and "Next" links for a device list longer than one page; they keep the search.
fn pagination(list: &DeviceList, search: String) -> Option<impl IntoView> {
    if list.page_count <= 1 {
        return None;
    }
    let href = move |page: u64| {
        if search.is_empty() {
            format!("?page={page}")
        } else {
            format!("?q={}&page={page}", crate::components::urlencode(&search))
        }
    };
    let (page, count) = (list.page, list.page_count);
    Some(view! {
        <nav class="pagination" aria-label="Device pages">
            {(page > 1).then(|| view! { <a href=href(page - 1) rel="prev">"Previous page"</a> })}
            <span>{format!("Page {page} of {count}")}</span>
            {(page < count).then(|| view! { <a href=href(page + 1) rel="next">"Next page"</a> })}
        </nav>
    })
}

/// What the table's caption says: how many devices, and which of them this page shows.
fn caption(list: &DeviceList) -> String {
    let shown = list.devices.len() as u64;
    let first = (list.page - 1) * list.per_page + 1;
    let range = if shown == list.matching {
        String::new()
    } else {
        format!(", showing {first}–{}", first + shown - 1)
    };
    if list.matching == list.total {
        format!("{} device(s){range}", list.total)
    } else {
        format!("{} of {} device(s) match{range}", list.matching, list.total)
    }
}

#[component]
fn DeviceTable(list: DeviceList, org_id: String) -> impl IntoView {
    let caption = caption(&list);
    let devices = list.devices;
    view! {
        <table class="table devices">
            <caption>{caption}</caption>
            <thead>
                <tr>
                    <th scope="col">"Image"</th>
                    <th scope="col">"Name"</th>
                    <th scope="col">"Model ID"</th>
                    <th scope="col">"Kind"</th>
                    <th scope="col">"Marketplaces"</th>
                    <th scope="col">"Slots"</th>
                </tr>
            </thead>
            <tbody>
                {devices
                    .into_iter()
                    .map(|device| {
                        let href = format!("/orgs/{org_id}/devices/{}", device.id);
                        view! {
                            <tr>
                                <td class="thumbnail-cell">
                                    {match device.thumbnail_url {
                                        Some(url) => view! {
                                            <img class="thumbnail" src=url alt=format!("{} image", device.name) width="48" height="48" loading="lazy"/>
                                        }.into_any(),
                                        None => view! { <span class="no-image">"No image"</span> }.into_any(),
                                    }}
                                </td>
                                <th scope="row"><a href=href>{device.name.clone()}</a></th>
                                <td><code>{device.model_id}</code></td>
                                <td>{device.kind.label()}</td>
                                <td>
                                    <ul class="plain">
                                        {device.marketplaces.into_iter().map(|m| view! {
                                            <li>{m.code} " · " {certification_label(&m.certification)}</li>
                                        }).collect_view()}
                                    </ul>
                                </td>
                                <td>{device.slot_count}</td>
                            </tr>
                        }
                    })
                    .collect_view()}
            </tbody>
        </table>
    }
}
