use super::action_error;
use crate::api::organizations::{activity, CreateOrganization, RenameOrganization};
use crate::components::{in_org, org_id_param, ErrorPage, Field, FormAlert, Notice, SignedInFrame, Submit};
use crate::error::AppError;
use crate::models::{AuditEntry, FieldRule, OrgContext};
use leptos::prelude::*;
use leptos_meta::Title;

pub(crate) fn org() -> OrgContext {
    expect_context::<OrgContext>()
}

#[component]
pub fn NewOrganizationPage() -> impl IntoView {
    view! {
        <Title text="New organization · Replenish"/>
        <SignedInFrame>
            <NewOrganizationForm/>
        </SignedInFrame>
    }
}

#[component]
fn NewOrganizationForm() -> impl IntoView {
    let action = ServerAction::<CreateOrganization>::new();
    let error = action_error(action);
    view! {
        <h1>"New organization"</h1>
        <p>"An organization owns devices and everything under them. You become its owner."</p>
        <ActionForm action=action attr:class="form" attr:novalidate=true>
            <FormAlert error=error/>
            <Field
                label="Organization name"
                name="name"
                autocomplete="organization"
                error=error
                check=FieldRule::OrganizationName
            />
            <Submit label="Create organization"/>
        </ActionForm>
    }
}

#[component]
pub fn SettingsPage() -> impl IntoView {
    in_org(|| view! { <SettingsView/> })
}

#[component]
fn SettingsView() -> impl IntoView {
    let context = org();
    let action = ServerAction::<RenameOrganization>::new();
    let error = action_error(action);
    let saved_flag = super::query_param("saved");
    let saved = Signal::derive(move || saved_flag.get().map(|_| "Organization renamed.".to_owned()));
    let organization = context.organization.clone();
    let profiles_path = format!("/orgs/{}/settings/security-profiles", organization.id);
    let notifications_path = format!("/orgs/{}/settings/notifications", organization.id);
    view! {
        <Title text=format!("Settings · {} · Replenish", organization.name)/>
        <h1>"Settings"</h1>
        <dl class="facts">
            <dt>"Organization"</dt>
            <dd>{organization.name.clone()}</dd>
            <dt>"Your role"</dt>
            <dd>{organization.role.label()}</dd>
        </dl>
        {organization.role.can_manage().then(|| {
            let current_name = organization.name.clone();
            view! {
                <h2>"Rename organization"</h2>
                <Notice text=saved/>
                <ActionForm action=action attr:class="form" attr:novalidate=true>
                    <FormAlert error=error/>
                    <input type="hidden" name="id" value=organization.id.clone()/>
                    <Field
                        label="Organization name"
                        name="name"
                        error=error
                        value=Some(current_name.clone())
                        check=FieldRule::OrganizationName
                    />
                    <Submit label="Rename"/>
                </ActionForm>
            }
        })}
        <h2>"Runtime API"</h2>
        <ul>
            <li>
                <a href=profiles_path>"Security profiles"</a>
                " — the OAuth clients your cloud uses to link customers' devices and call the runtime API."
            </li>
            <li>
                <a href=notifications_path>"Notifications"</a>
                " — where Replenish posts registration and order events, and what it delivered."
            </li>
        </ul>
        <p>
            <a href="/orgs/new">"Create another organization"</a>
        </p>
    }
}

#[component]
pub fn ActivityPage() -> impl IntoView {
    let org_id = org_id_param();
    let entries = Resource::new(move || org_id.get(), activity);
    in_org(move || view! { <ActivityView entries/> })
}

#[component]
fn ActivityView(entries: Resource<Result<Vec<AuditEntry>, AppError>>) -> impl IntoView {
    let context = org();
    view! {
        <Title text=format!("Activity · {} · Replenish", context.organization.name)/>
        <h1>"Activity"</h1>
        <Suspense fallback=|| view! { <p class="loading">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match entries.await {
                    Ok(entries) if entries.is_empty() => view! { <p>"Nothing has happened yet."</p> }.into_any(),
                    Ok(entries) => {
                        view! {
                            <table class="table">
                                <caption>"Changes in this organization, newest first"</caption>
                                <thead>
                                    <tr>
                                        <th scope="col">"When"</th>
                                        <th scope="col">"Who"</th>
                                        <th scope="col">"What"</th>
                                        <th scope="col">"Target"</th>
                                        <th scope="col">"Detail"</th>
                                    </tr>
                                </thead>
                                <tbody>
                                    {entries
                                        .into_iter()
                                        .map(|entry| {
                                            view! {
                                                <tr>
                                                    <td>{entry.at}</td>
                                                    <td>{entry.actor.unwrap_or_else(|| "system".into())}</td>
                                                    <td><code>{entry.action}</code></td>
                                                    <td>{entry.target}</td>
                                                    <td>{entry.detail}</td>
                                                </tr>
                                            }
                                        })
                                        .collect_view()}
                                </tbody>
                            </table>
                        }
                            .into_any()
                    }
                    Err(error) => view! { <ErrorPage error/> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
pub fn NotFoundPage() -> impl IntoView {
    view! {
        <Title text="Not found · Replenish"/>
        <main id="main" class="narrow">
            <ErrorPage error=AppError::NotFound/>
        </main>
    }
}
