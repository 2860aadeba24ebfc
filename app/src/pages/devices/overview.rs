//! A device's overview tab: its details, image, marketplaces, and deletion.

use super::super::{action_error, query_param};
use super::frame::{device, device_tab};
use crate::api::devices::{DeleteDevice, EnableMarketplace, UpdateDevice};
use crate::components::{Field, FieldError, FormAlert, Notice, Submit};
use crate::models::image::ImageRefusal;
use crate::models::{certification_label, DeviceKind, FieldRule};
use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn DeviceOverviewPage() -> impl IntoView {
    device_tab(|| view! { <DeviceOverviewTab/> })
}

#[component]
fn DeviceOverviewTab() -> impl IntoView {
    let context = device();
    let detail = context.detail.clone();
    let saved = query_param("saved");
    let notice = Signal::derive(move || {
        saved.get().map(|what| {
            match what.as_str() {
                "registered" => "Device registered with its primary marketplace and first slot.",
                "image" => "Image saved.",
                "marketplace" => "Marketplace enabled.",
                _ => "Changes saved.",
            }
            .to_owned()
        })
    });
    view! {
        <Title text=format!("{} · Devices · Replenish", detail.name)/>
        <Notice text=notice/>
        <DetailsSection/>
        <ImageSection/>
        <MarketplacesSection/>
        {detail.can_edit.then(|| view! { <DeleteSection/> })}
    }
}

#[component]
fn DetailsSection() -> impl IntoView {
    let context = device();
    let detail = context.detail.clone();
    let action = ServerAction::<UpdateDevice>::new();
    let error = action_error(action);
    let connect_kit = detail.kind == DeviceKind::ConnectKit;
    let (name, device_type) = (detail.name.clone(), detail.device_type.clone().unwrap_or_default());
    view! {
        <section aria-labelledby="details-heading">
            <h2 id="details-heading">"Details"</h2>
            <dl class="facts">
                <dt>"Kind"</dt>
                <dd>{detail.kind.label()}</dd>
                <dt>"Model ID"</dt>
                <dd><code>{detail.model_id.clone()}</code> " (cannot be changed)"</dd>
                {connect_kit.then(|| view! {
                    <dt>"Device type"</dt>
                    <dd><code>{detail.device_type.clone().unwrap_or_default()}</code></dd>
                })}
                <dt>"Registered"</dt>
                <dd>{detail.created_at.clone()}</dd>
            </dl>
            {detail.can_edit.then(|| view! {
                <ActionForm action=action attr:class="form" attr:novalidate=true>
                    <FormAlert error=error/>
                    <input type="hidden" name="org" value=super::super::organizations::org().organization.id/>
                    <input type="hidden" name="device" value=detail.id.clone()/>
                    <Field
                        label="Device name"
                        name="name"
                        error=error
                        value=Some(name.clone())
                        hint="Not shown to customers. At most 60 characters."
                        check=FieldRule::DeviceName
                    />
                    {connect_kit.then(|| view! {
                        <Field
                            label="Device type"
                            name="device_type"
                            error=error
                            value=Some(device_type.clone())
                            check=FieldRule::DeviceType
                        />
                    })}
                    <Submit label="Save details"/>
                </ActionForm>
            })}
        </section>
    }
}

#[component]
fn ImageSection() -> impl IntoView {
    let context = device();
    let detail = context.detail.clone();
    let refused = query_param("image_error");
    let message =
        Signal::derive(move || refused.get().and_then(|code| ImageRefusal::message_for_code(&code)));
    let upload_href = format!("{}/image", context.base());
    view! {
        <section aria-labelledby="device-image-heading" id="device-image">
            <h2 id="device-image-heading">"Device image"</h2>
            <p>"Shown to customers in low-supply notifications and emails."</p>
            {match detail.image.clone() {
                Some(image) => view! {
                    <figure class="device-image">
                        <img src=image.thumbnail_url.clone() alt=format!("Current image of {}", detail.name) width="160"/>
                        <figcaption>
                            {format!("{}, {} × {} pixels, {} KB. ", image.content_type, image.width, image.height, image.byte_size.div_ceil(1024))}
                            <a href=image.url.clone()>"Open the original"</a>
                        </figcaption>
                    </figure>
                }.into_any(),
                None => view! { <p class="no-image">"No image yet."</p> }.into_any(),
            }}
            {detail.can_edit.then(|| view! {
                <form class="form" method="post" action=upload_href enctype="multipart/form-data">
                    <div class="field" class:invalid=move || message.get().is_some()>
                        <label for="field-image">{if detail.image.is_some() { "Replace the image" } else { "Upload an image" }}</label>
                        <p class="hint" id="field-image-hint">
                            "PNG, JPEG, WebP or GIF, at most 1 MB, with a white or transparent background."
                        </p>
                        <input
                            id="field-image"
                            type="file"
                            name="image"
                            accept="image/png,image/jpeg,image/webp,image/gif"
                            aria-describedby=move || if message.get().is_some() { "field-image-hint error-image" } else { "field-image-hint" }
                            aria-invalid=move || message.get().map(|_| "true")
                        />
                        <FieldError message=message name="image".to_owned()/>
                    </div>
                    <Submit label="Upload image"/>
                </form>
            })}
        </section>
    }
}

#[component]
fn MarketplacesSection() -> impl IntoView {
    let context = device();
    let detail = context.detail.clone();
    let action = ServerAction::<EnableMarketplace>::new();
    let error = action_error(action);
    let message = Signal::derive(move || error.get().and_then(|e| e.field_message("marketplace")));
    let organization_id = super::super::organizations::org().organization.id;
    view! {
        <section aria-labelledby="marketplaces-heading">
            <h2 id="marketplaces-heading">"Marketplaces"</h2>
            <table class="table">
                <caption>"Marketplaces enabled on this device"</caption>
                <thead>
                    <tr>
                        <th scope="col">"Marketplace"</th>
                        <th scope="col">"Domain"</th>
                        <th scope="col">"Locale"</th>
                        <th scope="col">"Currency"</th>
                        <th scope="col">"Friendly name"</th>
                        <th scope="col">"Certification"</th>
                    </tr>
                </thead>
                <tbody>
                    {detail
                        .marketplaces
                        .iter()
                        .map(|m| view! {
                            <tr>
                                <th scope="row">
                                    {format!("{} ({})", m.marketplace.name, m.marketplace.code)}
                                    {m.primary.then_some(" · primary")}
                                </th>
                                <td>{m.marketplace.domain.clone()}</td>
                                <td>{m.marketplace.locale.clone()}</td>
                                <td>{m.marketplace.currency.clone()}</td>
                                <td lang=m.marketplace.locale.clone()>{m.friendly_name.clone().unwrap_or_else(|| "Not set".into())}</td>
                                <td>{certification_label(&m.certification)}</td>
                            </tr>
                        })
                        .collect_view()}
                </tbody>
            </table>
            {(detail.can_edit && !detail.other_marketplaces.is_empty()).then(|| view! {
                <ActionForm action=action attr:class="form inline" attr:novalidate=true>
                    <FormAlert error=error/>
                    <input type="hidden" name="org" value=organization_id.clone()/>
                    <input type="hidden" name="device" value=detail.id.clone()/>
                    <div class="field" class:invalid=move || message.get().is_some()>
                        <label for="field-marketplace">"Enable another marketplace"</label>
                        <select id="field-marketplace" name="marketplace">
                            {detail
                                .other_marketplaces
                                .iter()
                                .map(|m| view! {
                                    <option value=m.code.clone()>{format!("{} ({}, {})", m.name, m.domain, m.code)}</option>
                                })
                                .collect_view()}
                        </select>
                        <FieldError message=message name="marketplace".to_owned()/>
                    </div>
                    <Submit label="Enable marketplace"/>
                </ActionForm>
            })}
        </section>
    }
}

#[component]
fn DeleteSection() -> impl IntoView {
    let context = device();
    let detail = context.detail.clone();
    let action = ServerAction::<DeleteDevice>::new();
    let error = action_error(action);
    let organization_id = super::super::organizations::org().organization.id;
    view! {
        <section aria-labelledby="delete-heading" class="danger-zone">
            <h2 id="delete-heading">"Delete this device"</h2>
            <p>
                "Deleting removes the device, its slots, names and image from every list. The activity log keeps its history. "
                "To confirm, type the device name: " <strong>{detail.name.clone()}</strong>
            </p>
            <ActionForm action=action attr:class="form" attr:novalidate=true>
                <FormAlert error=error/>
                <input type="hidden" name="org" value=organization_id/>
                <input type="hidden" name="device" value=detail.id.clone()/>
                <Field label="Device name to confirm" name="confirm_name" error=error/>
                <Submit label="Delete device" class="button danger"/>
            </ActionForm>
        </section>
    }
}
