//! The customer's pages: `/my` (linked devices, the product of each slot, orders) and the cancel link of
//! order emails.

use super::{action_error, query_param};
use crate::api::customer::{
    load_customer_marketplaces, load_my_account, load_order_to_cancel, AnswerTestInvitation, CancelMyOrder,
    CancelOrderByLink, ChangeProduct, MySignIn, MySignOut, MySignUp, TurnOffReplenishment,
    VerifyCustomerEmail,
};
use crate::components::{ErrorPage, Field, FormAlert, Notice, SelectField, Submit};
use crate::models::consent::NOTIFY_ONLY;
use crate::models::customer_views::{MyAccount, MyDevice, MyOrder, MySlot, TestInvitation};
use crate::models::FieldRule;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

fn saved_message(flag: &str) -> Option<String> {
    match flag {
        "product" => Some("Product saved.".into()),
        "off" => Some("Replenishment is off for that device.".into()),
        "cancelled" => Some("Order cancelled.".into()),
        "accepted" => Some("Invitation accepted: the maker can now link test devices for you.".into()),
        "withdrawn" => Some("You no longer test that device.".into()),
        _ => None,
    }
}

#[component]
fn CustomerHeader() -> impl IntoView {
    view! {
        <header class="site-header">
            <span class="brand">"Replenish"</span>
            <nav aria-label="Your account" class="main-nav">
                <a href="/my">"Your devices and orders"</a>
            </nav>
        </header>
    }
}

#[component]
pub fn MyAccountPage() -> impl IntoView {
    let sign_in = ServerAction::<MySignIn>::new();
    let sign_up = ServerAction::<MySignUp>::new();
    let marketplaces = Resource::new(|| (), |_| load_customer_marketplaces());
    let sign_out = ServerAction::<MySignOut>::new();
    let change = ServerAction::<ChangeProduct>::new();
    let turn_off = ServerAction::<TurnOffReplenishment>::new();
    let cancel = ServerAction::<CancelMyOrder>::new();
    let answer = ServerAction::<AnswerTestInvitation>::new();
    let account = Resource::new(|| (), |_| load_my_account());
    let saved_flag = query_param("saved");
    let saved = Signal::derive(move || saved_flag.get().and_then(|flag| saved_message(&flag)));
    let errors = [action_error(change), action_error(turn_off), action_error(cancel), action_error(answer)];
    let error = Signal::derive(move || errors.iter().find_map(|e| e.get()));
    view! {
        <Title text="Your devices and orders · Replenish"/>
        <CustomerHeader/>
        <main id="main" class="narrow">
            <Suspense fallback=|| view! { <p class="loading">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match account.await {
                        Ok(None) => view! {
                            <MySignInForm sign_in/>
                            <MySignUpForm sign_up marketplaces=marketplaces.await.unwrap_or_default()/>
                        }
                            .into_any(),
                        Ok(Some(account)) => view! { <AccountView account sign_out change turn_off cancel answer saved error/> }.into_any(),
                        Err(error) => view! { <ErrorPage error/> }.into_any(),
                    }
                })}
            </Suspense>
        </main>
    }
}

/// Where the consent page's sign-up leads: the same page whether or not the address had an account.
#[component]
pub fn CustomerCheckEmailPage() -> impl IntoView {
    view! {
        <Title text="Check your email · Replenish"/>
        <CustomerHeader/>
        <main id="main" class="narrow">
            <h1>"Check your email"</h1>
            <p>"We sent you an email. Open its link to verify your address; it brings you back to where you signed up."</p>
            <p>"The link works once and expires in 24 hours. Nothing arrived? Check your spam folder, or sign in on the device's page to get a new link."</p>
        </main>
    }
}

/// The link of the verification email. Verifying takes a click, so a mail scanner that opens links does
/// not use it up. A plain form: verifying leads back to the consent page, whose policy allows its own
/// form to leave for the client's return URL, and only a full page load brings that policy.
#[component]
pub fn CustomerVerifyPage() -> impl IntoView {
    let action = ServerAction::<VerifyCustomerEmail>::new();
    let error = action_error(action);
    let token = query_param("token");
    view! {
        <Title text="Verify your email · Replenish"/>
        <CustomerHeader/>
        <main id="main" class="narrow">
            <h1>"Verify your email"</h1>
            <p>"Confirm that this address is yours; you are then signed in and taken back to link your device."</p>
            <form method="post" action="/api/verify_customer_email" class="form">
                <FormAlert error/>
                <input type="hidden" name="token" value=move || token.get().unwrap_or_default()/>
                <Submit label="Verify email"/>
            </form>
        </main>
    }
}

#[component]
fn MySignInForm(sign_in: ServerAction<MySignIn>) -> impl IntoView {
    let error = action_error(sign_in);
    view! {
        <h1>"Your devices and orders"</h1>
        <p>"Sign in with your Replenish customer account."</p>
        <ActionForm action=sign_in attr:class="form" attr:novalidate=true>
            <FormAlert error/>
            <Field label="Email" name="email" kind="email" autocomplete="email" error/>
            <Field label="Password" name="password" kind="password" autocomplete="current-password" error/>
            <Submit label="Sign in"/>
        </ActionForm>
    }
}

#[component]
fn MySignUpForm(sign_up: ServerAction<MySignUp>, marketplaces: Vec<(String, String)>) -> impl IntoView {
    let error = action_error(sign_up);
    view! {
        <section aria-labelledby="my-sign-up-heading">
            <h2 id="my-sign-up-heading">"New here? Create an account"</h2>
            <p>"Testing a device before it is offered? Create your account here; we email you a link to verify your address."</p>
            <ActionForm action=sign_up attr:class="form" attr:novalidate=true>
                <FormAlert error/>
                <Field label="Email" name="email" id="new-customer-email".into() kind="email" autocomplete="email" error check=FieldRule::Email/>
                <Field label="Password" name="password" id="new-customer-password".into() kind="password" autocomplete="new-password" hint="At least 12 characters." error check=FieldRule::NewPassword/>
                <SelectField label="Your marketplace" id="customer-marketplace".into() name="marketplace".into() message=Signal::derive(move || error.get().and_then(|e| e.field_message("marketplace")))>
                    {marketplaces
                        .into_iter()
                        .map(|(code, name)| view! { <option value=code.clone()>{format!("{name} ({code})")}</option> })
                        .collect_view()}
                </SelectField>
                <Submit label="Create account"/>
            </ActionForm>
        </section>
    }
}

#[component]
fn AccountView(
    account: MyAccount,
    sign_out: ServerAction<MySignOut>,
    change: ServerAction<ChangeProduct>,
    turn_off: ServerAction<TurnOffReplenishment>,
    cancel: ServerAction<CancelMyOrder>,
    answer: ServerAction<AnswerTestInvitation>,
    saved: Signal<Option<String>>,
    error: Signal<Option<crate::error::AppError>>,
) -> impl IntoView {
    let invitations = (!account.invitations.is_empty()).then(|| {
        let items = account.invitations.clone();
        view! { <Invitations items answer/> }
    });
    view! {
        <h1>"Your devices and orders"</h1>
        <p class="signed-in-as">{format!("Signed in as {}", account.email)}</p>
        <ActionForm action=sign_out>
            <button type="submit" class="link-button">"Sign out"</button>
        </ActionForm>
        <Notice text=saved/>
        <FormAlert error/>
        <h2>"Devices"</h2>
        {account.devices.is_empty().then(|| view! { <p>"No devices are linked to your account."</p> })}
        {account.devices.into_iter().map(|device| view! { <DeviceCard device change turn_off/> }).collect_view()}
        <h2>"Orders"</h2>
        {account.orders.is_empty().then(|| view! { <p>"No orders yet."</p> })}
        {(!account.orders.is_empty()).then(|| {
            let orders = account.orders.clone();
            view! { <OrdersTable orders cancel/> }
        })}
        {invitations}
    }
}

/// Makers' invitations to test a device, each accepted or withdrawn with one button.
#[component]
fn Invitations(items: Vec<TestInvitation>, answer: ServerAction<AnswerTestInvitation>) -> impl IntoView {
    view! {
        <h2>"Test invitations"</h2>
        <p>"Makers listed your address as a tester. Accept, and a maker's sandbox can link test devices for you: their orders are test orders, never charged or shipped, and you get their emails."</p>
        <ul class="test-accounts">
            {items
                .into_iter()
                .map(|item| {
                    let (decision, label) = if item.accepted { ("withdraw", "Stop testing") } else { ("accept", "Accept") };
                    let state = if item.accepted { "Accepted" } else { "Not accepted" };
                    let aria = format!("{label}: {} by {}", item.device_name, item.maker);
                    view! {
                        <li>
                            <span>{format!("{} by {}", item.device_name, item.maker)}</span>
                            <span class="hint">{state}</span>
                            <ActionForm action=answer attr:class="inline-form">
                                <input type="hidden" name="invitation" value=item.id/>
                                <input type="hidden" name="decision" value=decision/>
                                <Submit label=label class="button" aria_label=aria/>
                            </ActionForm>
                        </li>
                    }
                })
                .collect_view()}
        </ul>
    }
}

#[component]
fn DeviceCard(
    device: MyDevice,
    change: ServerAction<ChangeProduct>,
    turn_off: ServerAction<TurnOffReplenishment>,
) -> impl IntoView {
    let heading_id = format!("device-{}", device.registration_id);
    let registration = device.registration_id.clone();
    let off_label = format!("Turn off replenishment for {}", device.device_name);
    view! {
        <section class="card" aria-labelledby=heading_id.clone()>
            <h3 id=heading_id.clone()>
                {device.device_name.clone()}
                {device.is_test.then(|| view! { " " <span class="badge">"Test"</span> })}
            </h3>
            <p>{format!("By {} · serial {} · linked {}", device.maker, device.serial, device.linked_at)}</p>
            {device
                .slots
                .into_iter()
                .map(|slot| view! { <SlotProductForm registration=registration.clone() slot_choice=slot change/> })
                .collect_view()}
            <ActionForm action=turn_off attr:class="form">
                <input type="hidden" name="registration" value=registration.clone()/>
                <Submit label="Turn off replenishment" class="button danger" aria_label=off_label/>
            </ActionForm>
        </section>
    }
}

#[component]
fn SlotProductForm(
    registration: String,
    slot_choice: MySlot,
    change: ServerAction<ChangeProduct>,
) -> impl IntoView {
    let id = format!("product-{}", slot_choice.key);
    let current = slot_choice.asin.clone().unwrap_or_else(|| NOTIFY_ONLY.to_owned());
    let label = format!("{}: product", slot_choice.name);
    let control = if slot_choice.choices.is_empty() {
        let typed = slot_choice.asin.clone().unwrap_or_default();
        view! { <input id=id.clone() name="choice" type="text" value=typed autocomplete="off"/> }.into_any()
    } else {
        view! {
            <select id=id.clone() name="choice">
                {slot_choice
                    .choices
                    .iter()
                    .map(|asin| view! { <option value=asin.clone() selected=*asin == current>{format!("Reorder {asin} automatically")}</option> })
                    .collect_view()}
                <option value=NOTIFY_ONLY selected=current == NOTIFY_ONLY>"Notify me only"</option>
            </select>
        }
        .into_any()
    };
    let save_label = format!("Save product for {}", slot_choice.name);
    view! {
        <ActionForm action=change attr:class="form inline-form">
            <input type="hidden" name="registration" value=registration/>
            <input type="hidden" name="slot" value=slot_choice.key.clone()/>
            <label for=id>{label}</label>
            {control}
            <Submit label="Save" class="button" aria_label=save_label/>
        </ActionForm>
    }
}

#[component]
fn OrdersTable(orders: Vec<MyOrder>, cancel: ServerAction<CancelMyOrder>) -> impl IntoView {
    view! {
        <table class="table">
            <caption>"Your orders, newest first"</caption>
            <thead>
                <tr>
                    <th scope="col">"Product"</th>
                    <th scope="col">"Device"</th>
                    <th scope="col">"Status"</th>
                    <th scope="col">"Ordered"</th>
                    <th scope="col">"Cancel until"</th>
                    <th scope="col">"Expected delivery"</th>
                    <th scope="col">"Cancel"</th>
                </tr>
            </thead>
            <tbody>
                {orders
                    .into_iter()
                    .map(|order| {
                        let label = format!("Cancel order for {}", order.asin);
                        view! {
                            <tr>
                                <td>{format!("{} × {}", order.quantity, order.asin)} {order.is_test.then_some(" (test)")}</td>
                                <td>{format!("{} · {}", order.device_name, order.slot_id)}</td>
                                <td>{order.status.clone()}</td>
                                <td>{order.ordered_at.clone()}</td>
                                <td>{if order.cancellable { order.hold_until.clone() } else { "—".to_owned() }}</td>
                                <td>{order.expected_delivery.clone()}</td>
                                <td>
                                    {order.cancellable.then(|| view! {
                                        <ActionForm action=cancel>
                                            <input type="hidden" name="order" value=order.id.clone()/>
                                            <Submit label="Cancel" class="button" aria_label=label.clone()/>
                                        </ActionForm>
                                    })}
                                </td>
                            </tr>
                        }
                    })
                    .collect_view()}
            </tbody>
        </table>
    }
}

#[component]
pub fn CancelOrderPage() -> impl IntoView {
    let params = use_params_map();
    let order_id = Memo::new(move |_| params.read().get("order").unwrap_or_default());
    let token = query_param("token");
    let cancel = ServerAction::<CancelOrderByLink>::new();
    let order = Resource::new(
        move || (order_id.get(), token.get().unwrap_or_default()),
        |(order, token)| load_order_to_cancel(order, token),
    );
    let error = action_error(cancel);
    let saved_flag = query_param("saved");
    let saved = Signal::derive(move || saved_flag.get().and_then(|flag| saved_message(&flag)));
    view! {
        <Title text="Cancel an order · Replenish"/>
        <CustomerHeader/>
        <main id="main" class="narrow">
            <h1>"Cancel an order"</h1>
            <Notice text=saved/>
            <FormAlert error/>
            <Suspense fallback=|| view! { <p class="loading">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match order.await {
                        Ok(found) if found.cancellable => view! {
                            <p>{format!("Your order for {} can be cancelled until {}.", found.asin, found.hold_until)}</p>
                            <ActionForm action=cancel attr:class="form">
                                <input type="hidden" name="order" value=order_id.get_untracked()/>
                                <input type="hidden" name="token" value=token.get_untracked().unwrap_or_default()/>
                                <Submit label="Cancel this order"/>
                            </ActionForm>
                        }
                            .into_any(),
                        Ok(found) => view! {
                            <p>{format!("Your order for {} is {} and can no longer be cancelled here.", found.asin, found.status.to_lowercase())}</p>
                        }
                            .into_any(),
                        Err(error) => view! { <ErrorPage error/> }.into_any(),
                    }
                })}
            </Suspense>
        </main>
    }
}
