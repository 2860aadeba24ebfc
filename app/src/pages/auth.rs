use super::{action_error, query_param};
use crate::api::auth::{current_viewer, home_of, ForgotPassword, ResetPassword, SignIn, SignUp, VerifyEmail};
use crate::components::{Field, FormAlert, Notice, PublicFrame, Submit};
use crate::models::FieldRule;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::Redirect;

/// `/`: the signed-in user's home, or sign-in.
#[component]
pub fn HomePage() -> impl IntoView {
    let viewer = Resource::new(|| (), |_| current_viewer());
    view! {
        <Suspense fallback=|| ()>
            {move || Suspend::new(async move {
                match viewer.await {
                    Ok(Some(viewer)) => view! { <Redirect path=home_of(&viewer)/> }.into_any(),
                    _ => view! { <Redirect path="/signin"/> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
pub fn SignUpPage() -> impl IntoView {
    let action = ServerAction::<SignUp>::new();
    let error = action_error(action);
    view! {
        <Title text="Create account · Replenish"/>
        <PublicFrame>
            <h1>"Create your account"</h1>
            <p>"Register device models, request replenishment IDs and certify marketplaces."</p>
            <ActionForm action=action attr:class="form" attr:novalidate=true>
                <FormAlert error=error/>
                <Field
                    label="Email"
                    name="email"
                    kind="email"
                    autocomplete="email"
                    error=error
                    value=query_param("email").get_untracked()
                    check=FieldRule::Email
                />
                <Field
                    label="Password"
                    name="password"
                    kind="password"
                    autocomplete="new-password"
                    hint="At least 12 characters. Common passwords are refused."
                    error=error
                    check=FieldRule::NewPassword
                />
                <Field
                    label="Organization name"
                    name="organization_name"
                    autocomplete="organization"
                    hint="Your company or team; you can create more later."
                    error=error
                    check=FieldRule::OrganizationName
                />
                <Submit label="Create account"/>
            </ActionForm>
            <p>"Already have an account? " <a href="/signin">"Sign in"</a></p>
        </PublicFrame>
    }
}

#[component]
pub fn CheckEmailPage() -> impl IntoView {
    view! {
        <Title text="Check your email · Replenish"/>
        <PublicFrame>
            <h1>"Check your email"</h1>
            <p>"We sent a link to verify your address. It works once and expires in 24 hours."</p>
            <p>"Nothing arrived? Check your spam folder, or " <a href="/signin">"sign in"</a> " to get a new link."</p>
        </PublicFrame>
    }
}

#[component]
pub fn VerifyEmailPage() -> impl IntoView {
    let action = ServerAction::<VerifyEmail>::new();
    let error = action_error(action);
    let token = query_param("token");
    view! {
        <Title text="Verify your email · Replenish"/>
        <PublicFrame>
            <h1>"Verify your email"</h1>
            <p>"Confirm that this address is yours to finish creating your account."</p>
            <ActionForm action=action attr:class="form">
                <FormAlert error=error/>
                <input type="hidden" name="token" value=move || token.get().unwrap_or_default()/>
                <Submit label="Verify email"/>
            </ActionForm>
        </PublicFrame>
    }
}

#[component]
pub fn SignInPage() -> impl IntoView {
    let action = ServerAction::<SignIn>::new();
    let error = action_error(action);
    let next = query_param("next");
    let (verified, reset) = (query_param("verified"), query_param("reset"));
    let notice = Signal::derive(move || {
        if verified.get().is_some() {
            Some("Your email is verified. Sign in to continue.".to_owned())
        } else if reset.get().is_some() {
            Some("Your password was changed. Sign in with the new one.".to_owned())
        } else {
            None
        }
    });
    view! {
        <Title text="Sign in · Replenish"/>
        <PublicFrame>
            <h1>"Sign in"</h1>
            <Notice text=notice/>
            <ActionForm action=action attr:class="form" attr:novalidate=true>
                <FormAlert error=error/>
                <Field label="Email" name="email" kind="email" autocomplete="username" error=error value=query_param("email").get_untracked()/>
                <Field label="Password" name="password" kind="password" autocomplete="current-password" error=error/>
                {move || next.get().map(|next| view! { <input type="hidden" name="next" value=next/> })}
                <Submit label="Sign in"/>
            </ActionForm>
            <p>
                <a href="/forgot-password">"Forgot your password?"</a>
                " · "
                <a href="/signup">"Create an account"</a>
            </p>
        </PublicFrame>
    }
}

#[component]
pub fn ForgotPasswordPage() -> impl IntoView {
    let action = ServerAction::<ForgotPassword>::new();
    let error = action_error(action);
    let sent = query_param("sent");
    let notice = Signal::derive(move || {
        sent.get().map(|_| {
            "If an account exists for that address, we sent it a link to choose a new password. \
             The link expires in one hour."
                .to_owned()
        })
    });
    view! {
        <Title text="Reset your password · Replenish"/>
        <PublicFrame>
            <h1>"Reset your password"</h1>
            <Notice text=notice/>
            <ActionForm action=action attr:class="form" attr:novalidate=true>
                <FormAlert error=error/>
                <Field label="Email" name="email" kind="email" autocomplete="email" error=error check=FieldRule::Email/>
                <Submit label="Send reset link"/>
            </ActionForm>
        </PublicFrame>
    }
}

#[component]
pub fn ResetPasswordPage() -> impl IntoView {
    let action = ServerAction::<ResetPassword>::new();
    let error = action_error(action);
    let token = query_param("token");
    view! {
        <Title text="Choose a new password · Replenish"/>
        <PublicFrame>
            <h1>"Choose a new password"</h1>
            <ActionForm action=action attr:class="form" attr:novalidate=true>
                <FormAlert error=error/>
                <input type="hidden" name="token" value=move || token.get().unwrap_or_default()/>
                <Field
                    label="New password"
                    name="password"
                    kind="password"
                    autocomplete="new-password"
                    hint="At least 12 characters. Every other session of your account will be signed out."
                    error=error
                    check=FieldRule::NewPassword
                />
                <Submit label="Set new password"/>
            </ActionForm>
        </PublicFrame>
    }
}
