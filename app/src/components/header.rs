use crate::api::auth::SignOut;
use crate::models::{OrgSummary, Viewer};
use leptos::prelude::*;

/// The site header: organization switcher, main navigation and account menu. Menus are `<details>`
/// elements so they open by keyboard and work without JavaScript.
#[component]
pub fn AppHeader(viewer: Viewer, current: Option<OrgSummary>) -> impl IntoView {
    let sign_out = ServerAction::<SignOut>::new();
    let switcher_label = current.as_ref().map(|o| o.name.clone()).unwrap_or_else(|| "Organizations".into());
    let current_id = current.as_ref().map(|o| o.id.clone());
    let organizations = viewer
        .organizations
        .iter()
        .map(|organization| {
            let is_current = current_id.as_deref() == Some(organization.id.as_str());
            view! {
                <li>
                    <a href=format!("/orgs/{}", organization.id) aria-current=is_current.then_some("page")>
                        {organization.name.clone()}
                    </a>
                </li>
            }
        })
        .collect_view();
    let navigation = current.map(|organization| {
        let base = format!("/orgs/{}", organization.id);
        view! {
            <nav aria-label="Main" class="main-nav">
                <a href=base.clone()>"Devices"</a>
                <a href=format!("{base}/members")>"Members"</a>
                {organization.role.can_manage().then(|| view! { <a href=format!("{base}/activity")>"Activity"</a> })}
                <a href=format!("{base}/settings")>"Settings"</a>
                <a href="/docs">"API docs"</a>
            </nav>
        }
    });
    view! {
        <header class="site-header">
            <a class="brand" href="/">"Replenish"</a>
            <details class="menu">
                <summary>
                    <span class="visually-hidden">"Organization: "</span>
                    {switcher_label}
                </summary>
                <ul class="menu-list">
                    {organizations}
                    <li>
                        <a href="/orgs/new">"New organization"</a>
                    </li>
                </ul>
            </details>
            {navigation}
            {viewer.is_reviewer.then(|| view! { <nav aria-label="Review" class="main-nav"><a href="/review">"Review"</a></nav> })}
            <details class="menu account-menu">
                <summary>
                    <span class="visually-hidden">"Account: "</span>
                    {viewer.email.clone()}
                </summary>
                <ul class="menu-list">
                    <li>
                        <a href="/account">"Account"</a>
                    </li>
                    <li>
                        <ActionForm action=sign_out>
                            <button type="submit" class="link-button">"Sign out"</button>
                        </ActionForm>
                    </li>
                </ul>
            </details>
        </header>
    }
}
