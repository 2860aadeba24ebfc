use super::action_error;
use crate::api::auth::SignOut;
use crate::api::members::{view_invite, AcceptInvite};
use crate::components::{urlencode, FormAlert, PublicFrame, Submit};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

/// `/invites/:token`: the recipient of an invitation accepts it here.
#[component]
pub fn InvitePage() -> impl IntoView {
    let params = use_params_map();
    let token = move || params.read().get("token").unwrap_or_default();
    let invite = Resource::new(token, view_invite);
    let accept = ServerAction::<AcceptInvite>::new();
    let sign_out = ServerAction::<SignOut>::new();
    let error = action_error(accept);
    view! {
        <Title text="Invitation · Replenish"/>
        <PublicFrame>
            <Suspense fallback=|| view! { <p class="loading">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    let token = token();
                    match invite.await {
                        Ok(invite) => {
                            let here = format!("/invites/{token}");
                            let intro = format!(
                                "You were invited to join {} as {}.",
                                invite.organization_name,
                                invite.role.label().to_lowercase()
                            );
                            let body = match invite.signed_in_as.clone() {
                                Some(email) if email == invite.email => view! {
                                    <ActionForm action=accept attr:class="form">
                                        <FormAlert error=error/>
                                        <input type="hidden" name="token" value=token.clone()/>
                                        <Submit label="Accept invite"/>
                                    </ActionForm>
                                }.into_any(),
                                Some(email) => view! {
                                    <div class="alert error" role="alert">
                                        {format!("You are signed in as {email}, but this invitation is for {}.", invite.email)}
                                    </div>
                                    <ActionForm action=sign_out attr:class="form">
                                        <Submit label="Sign out" class="button"/>
                                    </ActionForm>
                                }.into_any(),
                                None => {
                                    let encoded_email = urlencode(&invite.email);
                                    view! {
                                        <p>{format!("Sign in or create an account with {} to accept.", invite.email)}</p>
                                        <p class="actions">
                                            <a class="button primary" href=format!("/signin?next={here}&email={encoded_email}")>"Sign in"</a>
                                            <a class="button" href=format!("/signup?email={encoded_email}")>"Create an account"</a>
                                        </p>
                                    }.into_any()
                                }
                            };
                            view! {
                                <h1>{format!("Join {}", invite.organization_name)}</h1>
                                <p>{intro}</p>
                                {body}
                            }.into_any()
                        }
                        Err(error) => view! {
                            <h1>"Invitation"</h1>
                            <div class="alert error" role="alert">{error.to_string()}</div>
                        }.into_any(),
                    }
                })}
            </Suspense>
        </PublicFrame>
    }
}
