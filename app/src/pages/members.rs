use super::action_error;
use super::organizations::org;
use crate::api::members::{members, ChangeRole, InviteMember, RemoveMember, ResendInvite, RevokeInvite};
use crate::components::{in_org, org_id_param, ErrorPage, Field, FormAlert, RoleSelect, Submit};
use crate::error::AppError;
use crate::models::{FieldRule, MembersPage as MembersData, Role};
use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn MembersPage() -> impl IntoView {
    let org_id = org_id_param();
    let invite = ServerAction::<InviteMember>::new();
    let resend = ServerAction::<ResendInvite>::new();
    let revoke = ServerAction::<RevokeInvite>::new();
    let change_role = ServerAction::<ChangeRole>::new();
    let remove = ServerAction::<RemoveMember>::new();
    let data = Resource::new(move || org_id.get(), members);
    in_org(move || view! { <MembersView invite resend revoke change_role remove data/> })
}

#[component]
fn MembersView(
    invite: ServerAction<InviteMember>,
    resend: ServerAction<ResendInvite>,
    revoke: ServerAction<RevokeInvite>,
    change_role: ServerAction<ChangeRole>,
    remove: ServerAction<RemoveMember>,
    data: Resource<Result<MembersData, AppError>>,
) -> impl IntoView {
    let context = org();
    let organization = context.organization.clone();
    let invite_error = action_error(invite);
    let row_errors =
        [action_error(change_role), action_error(remove), action_error(resend), action_error(revoke)];
    let row_error = Signal::derive(move || row_errors.iter().find_map(|error| error.get()));
    let manage = organization.role.can_manage();
    let organization_id = StoredValue::new(organization.id.clone());
    let viewer_id = StoredValue::new(context.viewer.user_id.clone());
    view! {
        <Title text=format!("Members · {} · Replenish", organization.name)/>
        <h1>"Members"</h1>
        <FormAlert error=row_error/>
        <Suspense fallback=|| view! { <p class="loading">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match data.await {
                    Ok(MembersData { members, invites }) => {
                        let organization_id = organization_id.get_value();
                        view! {
                            <table class="table">
                                <caption>"Members"</caption>
                                <thead>
                                    <tr>
                                        <th scope="col">"Email"</th>
                                        <th scope="col">"Role"</th>
                                        <th scope="col">"Joined"</th>
                                        {manage.then(|| view! { <th scope="col">"Actions"</th> })}
                                    </tr>
                                </thead>
                                <tbody>
                                    {members
                                        .into_iter()
                                        .map(|member| {
                                            let is_self = member.user_id == viewer_id.get_value();
                                            let organization_id = organization_id.clone();
                                            view! {
                                                <tr>
                                                    <td>{member.email.clone()} {is_self.then_some(" (you)")}</td>
                                                    <td>{member.role.label()}</td>
                                                    <td>{member.joined_at.clone()}</td>
                                                    {manage.then(|| view! {
                                                        <MemberActions
                                                            organization_id=organization_id.clone()
                                                            user_id=member.user_id.clone()
                                                            email=member.email.clone()
                                                            role=member.role
                                                            change_role=change_role
                                                            remove=remove
                                                        />
                                                    })}
                                                </tr>
                                            }
                                        })
                                        .collect_view()}
                                </tbody>
                            </table>
                            {(manage && !invites.is_empty()).then(|| view! {
                                <table class="table">
                                    <caption>"Pending invites"</caption>
                                    <thead>
                                        <tr>
                                            <th scope="col">"Email"</th>
                                            <th scope="col">"Role"</th>
                                            <th scope="col">"Expires"</th>
                                            <th scope="col">"Actions"</th>
                                        </tr>
                                    </thead>
                                    <tbody>
                                        {invites
                                            .into_iter()
                                            .map(|pending| {
                                                let organization_id = organization_id.clone();
                                                view! {
                                                    <tr>
                                                        <td>{pending.email.clone()}</td>
                                                        <td>{pending.role.label()}</td>
                                                        <td>
                                                            {pending.expires_at.clone()}
                                                            {pending.expired.then_some(" (expired)")}
                                                        </td>
                                                        <InviteActions
                                                            organization_id=organization_id.clone()
                                                            invite_id=pending.id.clone()
                                                            email=pending.email.clone()
                                                            resend=resend
                                                            revoke=revoke
                                                        />
                                                    </tr>
                                                }
                                            })
                                            .collect_view()}
                                    </tbody>
                                </table>
                            })}
                        }
                            .into_any()
                    }
                    Err(error) => view! { <ErrorPage error/> }.into_any(),
                }
            })}
        </Suspense>
        {manage.then(|| view! {
            <section aria-labelledby="invite-heading">
                <h2 id="invite-heading">"Invite a member"</h2>
                <ActionForm action=invite attr:class="form" attr:novalidate=true>
                    <FormAlert error=invite_error/>
                    <input type="hidden" name="id" value=organization_id.get_value()/>
                    <Field label="Email" name="email" kind="email" error=invite_error check=FieldRule::Email/>
                    <div class="field">
                        <label for="invite-role">"Role"</label>
                        <RoleSelect name="role" id="invite-role".to_owned() selected=Role::Developer/>
                    </div>
                    <Submit label="Send invite"/>
                </ActionForm>
            </section>
        })}
    }
}

#[component]
fn MemberActions(
    organization_id: String,
    user_id: String,
    email: String,
    role: Role,
    change_role: ServerAction<ChangeRole>,
    remove: ServerAction<RemoveMember>,
) -> impl IntoView {
    let (organization_id_again, user_id_again) = (organization_id.clone(), user_id.clone());
    let (role_label, change_label, remove_label) =
        (format!("Role for {email}"), format!("Change role for {email}"), format!("Remove {email}"));
    view! {
        <td class="row-actions">
            <ActionForm action=change_role attr:class="inline-form">
                <input type="hidden" name="id" value=organization_id/>
                <input type="hidden" name="user_id" value=user_id.clone()/>
                <RoleSelect
                    name="role"
                    id=format!("role-{user_id}")
                    selected=role
                    aria_label=role_label
                />
                <Submit
                    label="Change role"
                    class="button"

                    aria_label=change_label
                />
            </ActionForm>
            <ActionForm action=remove attr:class="inline-form">
                <input type="hidden" name="id" value=organization_id_again/>
                <input type="hidden" name="user_id" value=user_id_again/>
                <Submit label="Remove" class="button danger" aria_label=remove_label/>
            </ActionForm>
        </td>
    }
}

#[component]
fn InviteActions(
    organization_id: String,
    invite_id: String,
    email: String,
    resend: ServerAction<ResendInvite>,
    revoke: ServerAction<RevokeInvite>,
) -> impl IntoView {
    let (organization_id_again, invite_id_again) = (organization_id.clone(), invite_id.clone());
    let (resend_label, revoke_label) =
        (format!("Resend invite to {email}"), format!("Revoke invite to {email}"));
    view! {
        <td class="row-actions">
            <ActionForm action=resend attr:class="inline-form">
                <input type="hidden" name="id" value=organization_id/>
                <input type="hidden" name="invite_id" value=invite_id/>
                <Submit label="Resend" class="button" aria_label=resend_label/>
            </ActionForm>
            <ActionForm action=revoke attr:class="inline-form">
                <input type="hidden" name="id" value=organization_id_again/>
                <input type="hidden" name="invite_id" value=invite_id_again/>
                <Submit label="Revoke" class="button danger" aria_label=revoke_label/>
            </ActionForm>
        </td>
    }
}
