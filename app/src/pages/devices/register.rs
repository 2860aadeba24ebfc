//! Registering a device: kind, name, model ID (typed or generated), device type, primary marketplace and
//! the first slot's consumable category.

use super::super::{action_error, organizations::org, query_param};
use super::{draft_query, draft_value};
use crate::api::devices::{load_catalogues, suggest_model_id, RegisterDevice};
use crate::components::{
    error_id, in_org, org_id_param, DefaultSubmit, ErrorPage, Field, FieldError, FormAlert, Submit,
};
use crate::error::AppError;
use crate::models::{Catalogues, DeviceKind, FieldRule};
use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn RegisterDevicePage() -> impl IntoView {
    let org_id = org_id_param();
    let catalogues = Resource::new(move || org_id.get(), load_catalogues);
    let generate = query_param("generate");
    let generated = Resource::new(
        move || (org_id.get(), generate.get().is_some()),
        |(org, wanted)| async move {
            if wanted {
                suggest_model_id(org).await.map(Some)
            } else {
                Ok(None)
            }
        },
    );
    in_org(move || view! { <RegisterView catalogues generated/> })
}

#[component]
fn RegisterView(
    catalogues: Resource<Result<Catalogues, AppError>>,
    generated: Resource<Result<Option<String>, AppError>>,
) -> impl IntoView {
    let organization = org().organization;
    if !organization.role.can_edit() {
        return view! { <ErrorPage error=AppError::Forbidden/> }.into_any();
    }
    let org_id = StoredValue::new(organization.id.clone());
    view! {
        <Title text=format!("Register a device · {} · Replenish", organization.name)/>
        <p class="breadcrumb"><a href=format!("/orgs/{}", organization.id)>"Devices"</a></p>
        <h1>"Register a device"</h1>
        <Suspense fallback=|| view! { <p class="loading">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match (catalogues.await, generated.await) {
                    (Ok(catalogues), Ok(generated)) => {
                        view! { <RegisterForm catalogues generated org_id=org_id.get_value()/> }.into_any()
                    }
                    (Err(error), _) | (_, Err(error)) => view! { <ErrorPage error/> }.into_any(),
                }
            })}
        </Suspense>
    }
    .into_any()
}

#[component]
fn RegisterForm(catalogues: Catalogues, generated: Option<String>, org_id: String) -> impl IntoView {
    let action = ServerAction::<RegisterDevice>::new();
    let error = action_error(action);
    let query = draft_query();
    let value = move |name: &'static str| draft_value(error, query, name);
    let kind = value("kind").and_then(|k| DeviceKind::parse(&k).ok()).unwrap_or(DeviceKind::SkillsKit);
    // What was typed before a failed save wins over a generated ID, which wins over the address.
    let typed_model_id = error.get_untracked().and_then(|e| e.typed_value("model_id"));
    let initial_model_id = typed_model_id.or(generated).or_else(|| value("model_id")).unwrap_or_default();
    let marketplace = value("marketplace").unwrap_or_else(|| "US".to_owned());
    let category = value("category").unwrap_or_default();
    let message =
        move |name: &'static str| Signal::derive(move || error.get().and_then(|e| e.field_message(name)));
    let model_id_message = message("model_id");
    // "Generate new ID" reloads this page with `generate=1` and what was typed so far.
    let generate_href = format!("/orgs/{org_id}/devices/new");
    view! {
        <ActionForm action=action attr:class="form register-form" attr:novalidate=true>
            <DefaultSubmit label="Save"/>
            <FormAlert error=error/>
            <input type="hidden" name="org" value=org_id.clone()/>
            <fieldset class="field" aria-describedby=move || message("kind").get().map(|_| error_id("kind"))>
                <legend>"Choose what kind of device you want"</legend>
                {DeviceKind::ALL
                    .into_iter()
                    .map(|option| {
                        let id = format!("kind-{}", option.as_str());
                        view! {
                            <div class="choice">
                                <input type="radio" id=id.clone() name="kind" value=option.as_str() checked=option == kind/>
                                <label for=id>{option.label()}</label>
                            </div>
                        }
                    })
                    .collect_view()}
                <FieldError message=message("kind") name="kind".to_owned()/>
            </fieldset>
            <Field
                label="Device name"
                name="name"
                error=error
                value=value("name")
                hint="Identifies the device in this portal; customers never see it. At most 60 characters."
                check=FieldRule::DeviceName
            />
            <div class="field" class:invalid=move || model_id_message.get().is_some()>
                <label for="field-model_id">"Model ID"</label>
                <p class="hint" id="field-model_id-hint">
                    "Your model number, or generate one. 1 to 64 letters, digits, +, _ or -. It becomes the API's device_model and cannot be changed later."
                </p>
                <div class="input-with-button">
                    <input
                        id="field-model_id"
                        name="model_id"
                        type="text"
                        autocomplete="off"
                        value=initial_model_id
                        aria-invalid=move || model_id_message.get().map(|_| "true")
                        aria-describedby=move || {
                            let mut ids = "field-model_id-hint".to_owned();
                            if model_id_message.get().is_some() {
                                ids.push(' ');
                                ids.push_str(&error_id("model_id"));
                            }
                            ids
                        }
                        data-check=FieldRule::ModelId.as_str()
                        data-error-id=error_id("model_id")
                    />
                    <button
                        type="submit"
                        class="button"
                        formmethod="get"
                        formaction=generate_href
                        formnovalidate=true
                        name="generate"
                        value="1"
                    >
                        "Generate new ID"
                    </button>
                </div>
                <FieldError message=model_id_message name="model_id".to_owned()/>
            </div>
            <div class="connect-kit-only">
                <Field
                    label="Device type"
                    name="device_type"
                    error=error
                    value=value("device_type")
                    hint="Required for Alexa Connect Kit devices: the deviceType from your ACK configuration file."
                />
            </div>
            <div class="field" class:invalid=move || message("marketplace").get().is_some()>
                <label for="field-marketplace">"Primary marketplace"</label>
                <select id="field-marketplace" name="marketplace">
                    {catalogues
                        .marketplaces
                        .iter()
                        .map(|m| {
                            view! {
                                <option value=m.code.clone() selected=m.code == marketplace>
                                    {format!("{} ({}, {})", m.name, m.domain, m.code)}
                                </option>
                            }
                        })
                        .collect_view()}
                </select>
                <FieldError message=message("marketplace") name="marketplace".to_owned()/>
            </div>
            <div class="field" class:invalid=move || message("category").get().is_some()>
                <label for="field-category">"Consumable category of the first slot"</label>
                <p class="hint" id="field-category-hint">"More slots can be added on the device's Inventory tab."</p>
                <select
                    id="field-category"
                    name="category"
                    aria-describedby=move || {
                        let mut ids = "field-category-hint".to_owned();
                        if message("category").get().is_some() {
                            ids.push(' ');
                            ids.push_str(&error_id("category"));
                        }
                        ids
                    }
                    aria-invalid=move || message("category").get().map(|_| "true")
                >
                    <option value="" selected=category.is_empty()>"Choose a category"</option>
                    {catalogues
                        .categories
                        .iter()
                        .map(|c| view! { <option value=c.code.clone() selected=c.code == category>{c.name.clone()}</option> })
                        .collect_view()}
                </select>
                <FieldError message=message("category") name="category".to_owned()/>
            </div>
            <Submit label="Save"/>
        </ActionForm>
    }
}
