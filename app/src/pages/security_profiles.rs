//! *Settings → Security profiles*: the OAuth clients a maker's cloud uses for the runtime API.

use super::organizations::org;
use super::{action_error, query_param};
use crate::api::security_profiles::{
    load_security_profiles, CreateSecurityProfile, RevokeSecurityProfile, RollSecurityProfileSecret,
    UpdateSecurityProfile,
};
use crate::components::{
    in_org, org_id_param, ErrorPage, Field, FormAlert, Notice, SelectField, Submit, TextareaField,
};
use crate::error::AppError;
use crate::models::security_profile::{
    FreshSecret, SecurityProfileView, SecurityProfilesTab, OVERLAP_CHOICES,
};
use crate::models::FieldRule;
use leptos::prelude::*;
use leptos_meta::Title;

const RETURN_URLS_HINT: &str =
    "One per line. The consent page returns customers only to an address listed here, matched exactly. \
     Use https; plain http only for localhost.";

#[component]
pub fn SecurityProfilesPage() -> impl IntoView {
    let org_id = org_id_param();
    let create = ServerAction::<CreateSecurityProfile>::new();
    let update = ServerAction::<UpdateSecurityProfile>::new();
    let roll = ServerAction::<RollSecurityProfileSecret>::new();
    let revoke = ServerAction::<RevokeSecurityProfile>::new();
    let tab = Resource::new(move || org_id.get(), load_security_profiles);
    in_org(move || view! { <ProfilesView tab create update roll revoke/> })
}

fn saved_message(flag: &str) -> Option<String> {
    match flag {
        "created" => Some("Security profile created.".into()),
        "updated" => Some("Security profile saved.".into()),
        "rolled" => Some("A new client secret was issued.".into()),
        "revoked" => Some("Security profile revoked: its secrets and tokens no longer work.".into()),
        _ => None,
    }
}

#[component]
fn ProfilesView(
    tab: Resource<Result<SecurityProfilesTab, AppError>>,
    create: ServerAction<CreateSecurityProfile>,
    update: ServerAction<UpdateSecurityProfile>,
    roll: ServerAction<RollSecurityProfileSecret>,
    revoke: ServerAction<RevokeSecurityProfile>,
) -> impl IntoView {
    let organization = org().organization;
    let saved_flag = query_param("saved");
    let saved = Signal::derive(move || saved_flag.get().and_then(|flag| saved_message(&flag)));
    let org_id = StoredValue::new(organization.id.clone());
    view! {
        <Title text=format!("Security profiles · {} · Replenish", organization.name)/>
        <p class="breadcrumb"><a href=format!("/orgs/{}/settings", organization.id)>"Settings"</a></p>
        <h1>"Security profiles"</h1>
        <p>
            "A security profile is the OAuth client your cloud uses: the consent page sends customers back to one
             of its return URLs with a code, and your cloud exchanges that code at "
            <code>"/auth/o2/token"</code> " with the client ID and secret."
        </p>
        <Notice text=saved/>
        <Suspense fallback=|| view! { <p class="loading">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match tab.await {
                    Ok(SecurityProfilesTab { profiles, can_edit, fresh_secret }) => {
                        let org_id = org_id.get_value();
                        view! {
                            {fresh_secret.map(|fresh| view! { <SecretNotice fresh/> })}
                            {profiles.is_empty().then(|| view! { <p>"No security profiles yet."</p> })}
                            {profiles
                                .into_iter()
                                .map(|profile| view! { <ProfileCard org_id=org_id.clone() profile can_edit update roll revoke/> })
                                .collect_view()}
                            {can_edit.then(|| view! { <CreateForm org_id=org_id.clone() create/> })}
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
fn SecretNotice(fresh: FreshSecret) -> impl IntoView {
    view! {
        <section class="alert success secret" aria-labelledby="fresh-secret-heading">
            <h2 id="fresh-secret-heading">"Copy the client secret now"</h2>
            <p>"It is stored only as a hash and will not be shown again."</p>
            <dl class="facts">
                <dt>"Client ID"</dt>
                <dd><code>{fresh.client_id}</code></dd>
                <dt>"Client secret"</dt>
                <dd><code data-testid="client-secret">{fresh.secret}</code></dd>
            </dl>
        </section>
    }
}

/// Errors of one profile's forms show on that profile only: each form sends its profile's ID.
fn errors_of(action_error: Signal<Option<AppError>>, profile_id: String) -> Signal<Option<AppError>> {
    Signal::derive(move || {
        action_error.get().filter(|error| error.typed_value("profile").is_none_or(|id| id == profile_id))
    })
}

#[component]
fn ProfileCard(
    org_id: String,
    profile: SecurityProfileView,
    can_edit: bool,
    update: ServerAction<UpdateSecurityProfile>,
    roll: ServerAction<RollSecurityProfileSecret>,
    revoke: ServerAction<RevokeSecurityProfile>,
) -> impl IntoView {
    let heading_id = format!("profile-{}", profile.id);
    let live = profile.revoked_at.is_none();
    let forms = (can_edit && live).then(|| {
        let (id, name) = (profile.id.clone(), profile.name.clone());
        let return_urls = profile.return_urls.join("\n");
        view! {
            <EditForm org_id=org_id.clone() profile_id=id.clone() name=name.clone() return_urls update/>
            <RollForm org_id=org_id.clone() profile_id=id.clone() roll/>
            <RevokeForm org_id profile_id=id name revoke/>
        }
    });
    view! {
        <section class="card" aria-labelledby=heading_id.clone()>
            <h2 id=heading_id.clone()>{profile.name.clone()} {(!live).then(|| view! { " " <span class="badge">"Revoked"</span> })}</h2>
            <dl class="facts">
                <dt>"Client ID"</dt>
                <dd><code>{profile.client_id.clone()}</code></dd>
                <dt>"Return URLs"</dt>
                <dd>
                    <ul class="plain">
                        {profile.return_urls.iter().map(|url| view! { <li><code>{url.clone()}</code></li> }).collect_view()}
                    </ul>
                </dd>
                <dt>"Created"</dt>
                <dd>{profile.created_at.clone()}</dd>
                {profile.previous_secret_until.clone().map(|until| view! {
                    <dt>"Previous secret"</dt>
                    <dd>{format!("still works until {until}")}</dd>
                })}
                {profile.revoked_at.clone().map(|at| view! { <dt>"Revoked"</dt><dd>{at}</dd> })}
            </dl>
            {forms}
        </section>
    }
}

#[component]
fn EditForm(
    org_id: String,
    profile_id: String,
    name: String,
    return_urls: String,
    update: ServerAction<UpdateSecurityProfile>,
) -> impl IntoView {
    let error = errors_of(action_error(update), profile_id.clone());
    let typed_urls = error.get_untracked().and_then(|e| e.typed_value("return_urls")).unwrap_or(return_urls);
    let urls_id = format!("profile-{profile_id}-return-urls");
    view! {
        <details open=error.get_untracked().is_some()>
            <summary>"Edit name and return URLs"</summary>
            <ActionForm action=update attr:class="form" attr:novalidate=true>
                <FormAlert error/>
                <input type="hidden" name="org" value=org_id.clone()/>
                <input type="hidden" name="profile" value=profile_id.clone()/>
                <Field
                    label="Name"
                    name="name"
                    id=format!("profile-{profile_id}-name")
                    error
                    value=Some(name.clone())
                    check=FieldRule::ProfileName
                />
                <TextareaField
                    label="Return URLs"
                    hint=RETURN_URLS_HINT
                    id=urls_id.clone()
                    name="return_urls".into()
                    value=typed_urls.clone()
                    message=Signal::derive(move || error.get().and_then(|e| e.field_message("return_urls")))
                    rows="3"
                    check=FieldRule::ReturnUrls
                />
                <Submit label="Save profile"/>
            </ActionForm>
        </details>
    }
}

#[component]
fn RollForm(
    org_id: String,
    profile_id: String,
    roll: ServerAction<RollSecurityProfileSecret>,
) -> impl IntoView {
    let error = errors_of(action_error(roll), profile_id.clone());
    let overlap_id = format!("profile-{profile_id}-overlap");
    view! {
        <ActionForm action=roll attr:class="form" attr:novalidate=true>
            <FormAlert error/>
            <input type="hidden" name="org" value=org_id.clone()/>
            <input type="hidden" name="profile" value=profile_id.clone()/>
            <SelectField label="After a roll, the old secret keeps working for" id=overlap_id.clone() name="overlap_hours".into() message=Signal::derive(move || error.get().and_then(|e| e.field_message("overlap_hours")))>
                {OVERLAP_CHOICES.iter().map(|(hours, label)| view! { <option value=hours.to_string() selected=*hours == 24>{*label}</option> }).collect_view()}
            </SelectField>
            <Submit label="Roll secret" class="button"/>
        </ActionForm>
    }
}

#[component]
fn RevokeForm(
    org_id: String,
    profile_id: String,
    name: String,
    revoke: ServerAction<RevokeSecurityProfile>,
) -> impl IntoView {
    let error = errors_of(action_error(revoke), profile_id.clone());
    let label = format!("Revoke profile {name}");
    view! {
        <ActionForm action=revoke attr:class="form">
            <FormAlert error/>
            <input type="hidden" name="org" value=org_id.clone()/>
            <input type="hidden" name="profile" value=profile_id.clone()/>
            <Submit label="Revoke profile" class="button danger" aria_label=label.clone()/>
        </ActionForm>
    }
}

#[component]
fn CreateForm(org_id: String, create: ServerAction<CreateSecurityProfile>) -> impl IntoView {
    let error = action_error(create);
    let typed_urls = move || error.get().and_then(|e| e.typed_value("return_urls")).unwrap_or_default();
    view! {
        <h2>"New security profile"</h2>
        <ActionForm action=create attr:class="form" attr:novalidate=true>
            <FormAlert error=error/>
            <input type="hidden" name="org" value=org_id/>
            <Field
                label="Name"
                name="name"
                error=error
                hint="For your team only; customers never see it."
                check=FieldRule::ProfileName
            />
            <TextareaField
                label="Return URLs"
                hint=RETURN_URLS_HINT
                id="new-profile-return-urls".into()
                name="return_urls".into()
                value=typed_urls()
                message=Signal::derive(move || error.get().and_then(|e| e.field_message("return_urls")))
                rows="3"
                check=FieldRule::ReturnUrls
            />
            <Submit label="Create profile"/>
        </ActionForm>
    }
}
