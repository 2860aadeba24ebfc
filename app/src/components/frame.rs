use crate::api::auth::current_viewer;
use crate::api::organizations::load_org_context;
use crate::components::AppHeader;
use crate::error::AppError;
use crate::models::OrgContext;
use leptos::prelude::*;
use leptos_router::components::{Outlet, Redirect};
use leptos_router::hooks::{use_location, use_params_map};

/// Pages for visitors who are not signed in.
#[component]
pub fn PublicFrame(children: Children) -> impl IntoView {
    view! {
        <header class="site-header">
            <a class="brand" href="/">"Replenish"</a>
            <nav aria-label="Account" class="main-nav">
                <a href="/signin">"Sign in"</a>
                <a href="/signup">"Create account"</a>
            </nav>
        </header>
        <main id="main" class="narrow">{children()}</main>
    }
}

fn sign_in_redirect() -> impl IntoView {
    let location = use_location();
    let next = location.pathname.get_untracked();
    view! { <Redirect path=format!("/signin?next={}", urlencode(&next))/> }
}

/// Percent-encodes a value for a query string (slashes kept, for readable paths).
pub(crate) fn urlencode(raw: &str) -> String {
    raw.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b'/' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// The page shown for an error that is not one form's business: not found, forbidden, a fault.
#[component]
pub fn ErrorPage(error: AppError) -> impl IntoView {
    #[cfg(feature = "ssr")]
    if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
        response.set_status(
            axum::http::StatusCode::from_u16(error.status())
                .unwrap_or(axum::http::StatusCode::INTERNAL_SERVER_ERROR),
        );
    }
    let title = match error {
        AppError::NotFound => "Page not found",
        AppError::Forbidden => "Not allowed",
        _ => "Something went wrong",
    };
    view! {
        <section class="error-page">
            <h1>{title}</h1>
            <p>{error.to_string()}</p>
            <p>
                <a href="/">"Go to the start page"</a>
            </p>
        </section>
    }
}

/// Pages for signed-in users outside any one organization.
#[component]
pub fn SignedInFrame(children: ChildrenFn) -> impl IntoView {
    let viewer = Resource::new(|| (), |_| current_viewer());
    let children = StoredValue::new(children);
    view! {
        <Suspense fallback=|| view! { <p class="loading">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match viewer.await {
                    Ok(Some(viewer)) => {
                        view! {
                            <AppHeader viewer=viewer current=None/>
                            <main id="main">{children.with_value(|children| children())}</main>
                        }
                            .into_any()
                    }
                    Ok(None) | Err(AppError::Unauthenticated) => sign_in_redirect().into_any(),
                    Err(error) => view! { <main id="main"><ErrorPage error/></main> }.into_any(),
                }
            })}
        </Suspense>
    }
}

/// The organization's context as `OrgFrame` loads it, once, for every page below it.
#[derive(Clone, Copy)]
pub struct OrgResource(pub Resource<Result<OrgContext, AppError>>);

/// The organization ID in the address, for pages that start loading their data before the
/// organization's context has arrived.
pub fn org_id_param() -> Memo<String> {
    let params = use_params_map();
    Memo::new(move |_| params.read().get("org").unwrap_or_default())
}

/// The layout of every page inside organization `:org`. The page itself sits outside the frame's
/// `Suspense`: an `Outlet` inside it would build the page, and start its data loading, twice.
#[component]
pub fn OrgFrame() -> impl IntoView {
    let org_id = org_id_param();
    let context = Resource::new(move || org_id.get(), load_org_context);
    provide_context(OrgResource(context));
    view! {
        <Suspense fallback=|| ()>
            {move || Suspend::new(async move {
                match context.await {
                    Ok(OrgContext { viewer, organization }) => {
                        view! { <AppHeader viewer=viewer current=Some(organization)/> }.into_any()
                    }
                    Err(AppError::Unauthenticated) => sign_in_redirect().into_any(),
                    // The page shows the error.
                    Err(_) => ().into_any(),
                }
            })}
        </Suspense>
        <main id="main">
            <Outlet/>
        </main>
    }
}

/// Renders a page of the organization once its context has loaded, with `OrgContext` provided, or the
/// error page for anyone who is not a member. Pages create their resources before calling this and only
/// read them inside `render`, so that nothing is loaded twice.
pub fn in_org<V: IntoView + 'static>(
    render: impl Fn() -> V + Clone + Send + Sync + 'static,
) -> impl IntoView {
    let OrgResource(context) = expect_context::<OrgResource>();
    view! {
        <Suspense fallback=|| view! { <p class="loading">"Loading…"</p> }>
            {move || {
                let render = render.clone();
                Suspend::new(async move {
                    match context.await {
                        Ok(context) => {
                            provide_context(context);
                            render().into_any()
                        }
                        // The frame sends the visitor to sign in.
                        Err(AppError::Unauthenticated) => ().into_any(),
                        Err(error) => view! { <ErrorPage error/> }.into_any(),
                    }
                })
            }}
        </Suspense>
    }
}
