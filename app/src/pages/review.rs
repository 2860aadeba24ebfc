use crate::api::review::load_review_queue;
use crate::components::{ErrorPage, SignedInFrame};
use crate::error::AppError;
use crate::models::ReviewQueue;
use leptos::prelude::*;
use leptos_meta::Title;

/// The reviewers' console; 404 for everyone else.
#[component]
pub fn ReviewPage() -> impl IntoView {
    // Created here, outside the frame's Suspense, so that it is created (and loaded) once.
    let queue = Resource::new(|| (), |_| load_review_queue());
    view! {
        <Title text="Review · Replenish"/>
        <SignedInFrame>
            <ReviewQueueView queue/>
        </SignedInFrame>
    }
}

#[component]
fn ReviewQueueView(queue: Resource<Result<ReviewQueue, AppError>>) -> impl IntoView {
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
