use super::{action_error, query_param};
use crate::api::account::ChangePassword;
use crate::components::{Field, FormAlert, Notice, SignedInFrame, Submit};
use crate::models::FieldRule;
use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn AccountPage() -> impl IntoView {
    view! {
        <Title text="Account · Replenish"/>
        <SignedInFrame>
            <AccountForms/>
        </SignedInFrame>
    }
}

#[component]
fn AccountForms() -> impl IntoView {
    let action = ServerAction::<ChangePassword>::new();
    let error = action_error(action);
    let changed = query_param("changed");
    let notice = Signal::derive(move || {
        let done = changed.get().is_some() || matches!(action.value().get(), Some(Ok(())));
        done.then(|| "Password changed. Your other sessions were signed out.".to_owned())
    });
    view! {
        <h1>"Account"</h1>
        <h2>"Change password"</h2>
        <Notice text=notice/>
        <ActionForm action=action attr:class="form" attr:novalidate=true>
            <FormAlert error=error/>
            <Field label="Current password" name="current_password" kind="password" autocomplete="current-password" error=error/>
            <Field
                label="New password"
                name="new_password"
                kind="password"
                autocomplete="new-password"
                hint="At least 12 characters."
                error=error
                check=FieldRule::NewPassword
            />
            <Submit label="Change password"/>
        </ActionForm>
    }
}
