use crate::api::review::load_review_queue;
use crate::components::{ErrorPage, SignedInFrame};
use leptos::prelude::*;
use leptos_meta::Title;

/// The reviewers' console; 404 for everyone else.
#[component]
pub fn ReviewPage() -> impl IntoView {
    view! {
        <Title text="Review · Replenish"/>
        <SignedInFrame>
            <ReviewQueueView/>
        </SignedInFrame>
    }
}

#[component]
fn ReviewQueueView() -> impl IntoView {
    let queue = Resource::new(|| (), |_| load_review_queue());
    view! {
        <Suspense fallback=|| view! { <p class="loading">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match queue.await {
                    Ok(queue) if queue.items.is_empty() => view! {
                        <h1>"Review queue"</h1>
                        <p>"No requests are waiting."</p>
                    }.into_any(),
                    Ok(queue) => view! {
                        <h1>"Review queue"</h1>
                        <ul>{queue.items.into_iter().map(|item| view! { <li>{item}</li> }).collect_view()}</ul>
                    }.into_any(),
                    Err(error) => view! { <ErrorPage error/> }.into_any(),
                }
            })}
        </Suspense>
    }
}
