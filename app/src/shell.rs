use crate::components::OrgFrame;
use crate::pages::*;
use leptos::prelude::*;
use leptos_meta::{provide_meta_context, MetaTags, Title};
use leptos_router::components::{ParentRoute, Route, Router, Routes};
use leptos_router::{path, SsrMode};

/// The HTML document around the app, rendered on the server only.
pub fn shell(options: LeptosOptions) -> impl IntoView {
    #[cfg(feature = "ssr")]
    content_security_policy();
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8"/>
                <meta name="viewport" content="width=device-width, initial-scale=1"/>
                <link rel="stylesheet" href="/pkg/replenish.css"/>
                <link rel="icon" href="data:,"/>
                <HydrationScripts options islands=true/>
                <script type="module" nonce=leptos::nonce::use_nonce()>{include_str!("navigation.js")}</script>
                <script nonce=leptos::nonce::use_nonce()>{include_str!("clipboard.js")}</script>
                <script nonce=leptos::nonce::use_nonce()>{include_str!("field_checks.js")}</script>
                <MetaTags/>
            </head>
            <body>
                <App/>
            </body>
        </html>
    }
}

/// A per-response nonce lets exactly the bundle's loader and the navigation, clipboard and field-check scripts
/// run; nothing else inline does.
#[cfg(feature = "ssr")]
fn content_security_policy() {
    leptos::nonce::provide_nonce();
    set_content_security_policy(None);
}

/// Lets this page's forms lead to `origin` too: the consent page's answer redirects the customer to the
/// client's return URL, and browsers check a form's redirects against `form-action`.
#[cfg(feature = "ssr")]
pub fn allow_form_action(origin: &str) {
    set_content_security_policy(Some(origin));
}

#[cfg(feature = "ssr")]
fn set_content_security_policy(extra_form_action: Option<&str>) {
    use axum::http::{header, HeaderValue};
    let (Some(nonce), Some(response)) =
        (leptos::nonce::use_nonce(), use_context::<leptos_axum::ResponseOptions>())
    else {
        return;
    };
    let policy = format!(
        "default-src 'self'; script-src 'self' 'nonce-{nonce}' 'wasm-unsafe-eval'; style-src 'self'; \
         img-src 'self' data:; connect-src 'self'; form-action 'self'{}; frame-ancestors 'none'; \
         base-uri 'none'; object-src 'none'",
        extra_form_action.map(|origin| format!(" {origin}")).unwrap_or_default()
    );
    if let Ok(value) = HeaderValue::from_str(&policy) {
        response.insert_header(header::CONTENT_SECURITY_POLICY, value);
    }
}

#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    // Every route renders fully on the server before it is sent (SsrMode::Async), so the portal works
    // without JavaScript.
    view! {
        <Title text="Replenish"/>
        <a class="skip-link" href="#main">"Skip to content"</a>
        <Router>
            <Routes fallback=|| view! { <NotFoundPage/> }>
                <Route path=path!("/") view=HomePage ssr=SsrMode::Async/>
                <Route path=path!("/signup") view=SignUpPage ssr=SsrMode::Async/>
                <Route path=path!("/check-email") view=CheckEmailPage ssr=SsrMode::Async/>
                <Route path=path!("/verify") view=VerifyEmailPage ssr=SsrMode::Async/>
                <Route path=path!("/signin") view=SignInPage ssr=SsrMode::Async/>
                <Route path=path!("/forgot-password") view=ForgotPasswordPage ssr=SsrMode::Async/>
                <Route path=path!("/reset-password") view=ResetPasswordPage ssr=SsrMode::Async/>
                <Route path=path!("/account") view=AccountPage ssr=SsrMode::Async/>
                <Route path=path!("/invites/:token") view=InvitePage ssr=SsrMode::Async/>
                <Route path=path!("/review") view=ReviewPage ssr=SsrMode::Async/>
                <Route path=path!("/review/requests/:request") view=ReviewRequestPage ssr=SsrMode::Async/>
                <Route path=path!("/review/certifications/:request") view=CertificationReviewPage ssr=SsrMode::Async/>
                <Route path=path!("/docs") view=DocsPage ssr=SsrMode::Async/>
                <Route path=path!("/ap/oa") view=ConsentPage ssr=SsrMode::Async/>
                <Route path=path!("/my") view=MyAccountPage ssr=SsrMode::Async/>
                <Route path=path!("/my/orders/:order/cancel") view=CancelOrderPage ssr=SsrMode::Async/>
                <Route path=path!("/my/check-email") view=CustomerCheckEmailPage ssr=SsrMode::Async/>
                <Route path=path!("/my/verify") view=CustomerVerifyPage ssr=SsrMode::Async/>
                <Route path=path!("/orgs/new") view=NewOrganizationPage ssr=SsrMode::Async/>
                <ParentRoute path=path!("/orgs/:org") view=OrgFrame ssr=SsrMode::Async>
                    <Route path=path!("") view=DevicesPage ssr=SsrMode::Async/>
                    <Route path=path!("devices/new") view=RegisterDevicePage ssr=SsrMode::Async/>
                    <ParentRoute path=path!("devices/:device") view=DeviceFrame ssr=SsrMode::Async>
                        <Route path=path!("") view=DeviceOverviewPage ssr=SsrMode::Async/>
                        <Route path=path!("localization") view=DeviceLocalizationPage ssr=SsrMode::Async/>
                        <Route path=path!("inventory") view=InventoryPage ssr=SsrMode::Async/>
                        <Route path=path!("slot-localization") view=SlotLocalizationPage ssr=SsrMode::Async/>
                        <Route path=path!("replenishment") view=ReplenishmentPage ssr=SsrMode::Async/>
                        <Route path=path!("sandbox") view=SandboxPage ssr=SsrMode::Async/>
                        <Route path=path!("certification") view=CertificationPage ssr=SsrMode::Async/>
                    </ParentRoute>
                    <Route path=path!("members") view=MembersPage ssr=SsrMode::Async/>
                    <Route path=path!("activity") view=ActivityPage ssr=SsrMode::Async/>
                    <Route path=path!("settings") view=SettingsPage ssr=SsrMode::Async/>
                    <Route path=path!("settings/security-profiles") view=SecurityProfilesPage ssr=SsrMode::Async/>
                    <Route path=path!("settings/notifications") view=NotificationsPage ssr=SsrMode::Async/>
                    <Route path=path!("settings/notifications/:endpoint") view=DeliveryLogPage ssr=SsrMode::Async/>
                </ParentRoute>
            </Routes>
        </Router>
    }
}
