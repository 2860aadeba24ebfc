//! `/ap/oa`: where a customer links a device to Replenish. The client's request is checked first; then the
//! customer signs in (or creates an account), picks a product for each slot and confirms.

use super::action_error;
use crate::api::consent::{load_consent, ConfirmConsent, CustomerSignIn, CustomerSignUp};
use crate::components::{ErrorPage, Field, FormAlert, Submit};
use crate::models::consent::{choice_field, ConsentSlot, ConsentView, NOTIFY_ONLY};
use crate::models::FieldRule;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_location;

#[component]
pub fn ConsentPage() -> impl IntoView {
    let location = use_location();
    let query = Memo::new(move |_| location.search.get().trim_start_matches('?').to_owned());
    let sign_in = ServerAction::<CustomerSignIn>::new();
    let sign_up = ServerAction::<CustomerSignUp>::new();
    let consent = Resource::new(move || query.get(), load_consent);
    view! {
        <Title text="Link your device · Replenish"/>
        <header class="site-header">
            <span class="brand">"Replenish"</span>
        </header>
        <main id="main" class="narrow consent">
            <Suspense fallback=|| view! { <p class="loading">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    let query = query.get_untracked();
                    match consent.await {
                        Ok(ConsentView::Invalid { message }) => view! {
                            <section class="error-page">
                                <h1>"This link cannot be used"</h1>
                                <p>{message}</p>
                                <p>"Go back to the app that sent you here and try again, or contact its maker."</p>
                            </section>
                        }
                            .into_any(),
                        Ok(ConsentView::Redirect { to }) => view! { <ReturnToClient to/> }.into_any(),
                        Ok(ConsentView::SignIn { device_name, maker, marketplaces }) => {
                            view! { <CustomerAccount query device_name maker marketplaces sign_in sign_up/> }.into_any()
                        }
                        Ok(ConsentView::Unavailable { customer_email, device_name, message }) => view! {
                            <h1>{format!("Link {device_name}")}</h1>
                            <p class="signed-in-as">{format!("Signed in as {customer_email}")}</p>
                            <div class="alert error" role="alert">{message}</div>
                            // Posted by the browser itself (`data-native`): the answer leads to the client's site.
                            <form method="post" action="/api/confirm_consent" data-native="">
                                <input type="hidden" name="query" value=query/>
                                <button type="submit" name="decision" value="deny" class="button">"Return to the app"</button>
                            </form>
                        }
                            .into_any(),
                        Ok(ConsentView::Choose { customer_email, device_name, maker, image_url, is_test, slots }) => view! {
                            <ChooseProducts query customer_email device_name maker image_url is_test slots/>
                        }
                            .into_any(),
                        Err(error) => view! { <ErrorPage error/> }.into_any(),
                    }
                })}
            </Suspense>
        </main>
    }
}

/// Sends the customer back to the client with an OAuth error: a redirect on the server, a link otherwise.
#[component]
fn ReturnToClient(to: String) -> impl IntoView {
    #[cfg(feature = "ssr")]
    leptos_axum::redirect(&to);
    view! {
        <h1>"Returning to the app"</h1>
        <p><a href=to>"Continue"</a></p>
    }
}

#[component]
fn CustomerAccount(
    query: String,
    device_name: String,
    maker: String,
    marketplaces: Vec<(String, String)>,
    sign_in: ServerAction<CustomerSignIn>,
    sign_up: ServerAction<CustomerSignUp>,
) -> impl IntoView {
    let (sign_in_error, sign_up_error) = (action_error(sign_in), action_error(sign_up));
    let sign_up_query = query.clone();
    view! {
        <h1>{format!("Link {device_name}")}</h1>
        <p>{format!("{maker} asks to reorder supplies for this device through Replenish. Sign in to choose what it orders.")}</p>
        <section aria-labelledby="sign-in-heading">
            <h2 id="sign-in-heading">"Sign in"</h2>
            <ActionForm action=sign_in attr:class="form" attr:novalidate=true>
                <FormAlert error=sign_in_error/>
                <input type="hidden" name="query" value=query.clone()/>
                <Field label="Email" name="email" kind="email" autocomplete="email" error=sign_in_error/>
                <Field label="Password" name="password" kind="password" autocomplete="current-password" error=sign_in_error/>
                <Submit label="Sign in"/>
            </ActionForm>
        </section>
        <section aria-labelledby="sign-up-heading">
            <h2 id="sign-up-heading">"New here? Create an account"</h2>
            <p>"We email you a link to verify your address; it brings you back here."</p>
            <ActionForm action=sign_up attr:class="form" attr:novalidate=true>
                <FormAlert error=sign_up_error/>
                <input type="hidden" name="query" value=sign_up_query.clone()/>
                <Field label="Email" name="email" id="new-customer-email".into() kind="email" autocomplete="email" error=sign_up_error check=FieldRule::Email/>
                <Field label="Password" name="password" id="new-customer-password".into() kind="password" autocomplete="new-password" hint="At least 12 characters." error=sign_up_error check=FieldRule::NewPassword/>
                <div class="field">
                    <label for="customer-marketplace">"Your marketplace"</label>
                    <select id="customer-marketplace" name="marketplace">
                        {marketplaces
                            .into_iter()
                            .map(|(code, name)| view! { <option value=code.clone()>{format!("{name} ({code})")}</option> })
                            .collect_view()}
                    </select>
                </div>
                <Submit label="Create account"/>
            </ActionForm>
        </section>
    }
}

/// The product choice. A plain form: confirming leaves this site for the client's return URL, which a
/// full navigation does the same with or without JavaScript.
#[component]
fn ChooseProducts(
    query: String,
    customer_email: String,
    device_name: String,
    maker: String,
    image_url: Option<String>,
    is_test: bool,
    slots: Vec<ConsentSlot>,
) -> impl IntoView {
    let confirm = ServerAction::<ConfirmConsent>::new();
    let error = action_error(confirm);
    view! {
        <h1>{format!("Link {device_name}")}</h1>
        <p class="signed-in-as">{format!("Signed in as {customer_email}")}</p>
        {image_url.map(|src| view! { <img class="device-image" src=src alt=format!("{device_name}") width="160" height="160"/> })}
        {is_test.then(|| view! { <p class="alert info">"Test device: its orders are never charged or shipped."</p> })}
        <p>{format!("{maker}'s device will order these supplies when they run low. You can change or cancel any order during its 24-hour hold.")}</p>
        // Posted by the browser itself (`data-native`): the answer leads to the client's site.
        <form method="post" action="/api/confirm_consent" class="form" data-native="">
            <FormAlert error=error/>
            <input type="hidden" name="query" value=query/>
            {slots.into_iter().map(|slot| view! { <SlotChoice slot_choice=slot/> }).collect_view()}
            <div class="actions">
                <button type="submit" name="decision" value="allow" class="button primary">"Allow and link device"</button>
                <button type="submit" name="decision" value="deny" class="button">"Cancel"</button>
            </div>
        </form>
    }
}

#[component]
fn SlotChoice(slot_choice: ConsentSlot) -> impl IntoView {
    let name = choice_field(&slot_choice.key);
    let legend = slot_choice.name.clone();
    if slot_choice.asins.is_empty() {
        let id = format!("choice-{}", slot_choice.key);
        return view! {
            <div class="field">
                <label for=id.clone()>{format!("{legend}: product (ASIN)")}</label>
                <p class="hint" id=format!("{id}-hint")>"Leave empty to be notified only, without automatic orders."</p>
                <input id=id.clone() name=name type="text" autocomplete="off" aria-describedby=format!("{id}-hint")/>
            </div>
        }
        .into_any();
    }
    let options = slot_choice
        .asins
        .iter()
        .enumerate()
        .map(|(index, asin)| {
            let id = format!("choice-{}-{index}", slot_choice.key);
            view! {
                <div class="choice">
                    <input type="radio" id=id.clone() name=name.clone() value=asin.clone() checked=index == 0/>
                    <label for=id>{format!("Reorder product {asin} automatically")}</label>
                </div>
            }
        })
        .collect_view();
    let notify_id = format!("choice-{}-notify", slot_choice.key);
    view! {
        <fieldset class="slot-choice">
            <legend>{legend}</legend>
            {options}
            <div class="choice">
                <input type="radio" id=notify_id.clone() name=name.clone() value=NOTIFY_ONLY/>
                <label for=notify_id>"Notify me only"</label>
            </div>
        </fieldset>
    }
    .into_any()
}
