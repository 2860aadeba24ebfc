//! `/docs`: the runtime API contract for makers, rendered from the same table as `/api/openapi.json`.

use crate::components::PublicFrame;
use crate::models::contract::{Call, CALLS, COMMON_ERRORS, TYPE_PREFIX};
use crate::models::notification::NOTIFICATION_TYPES;
use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn DocsPage() -> impl IntoView {
    view! {
        <Title text="Runtime API · Replenish"/>
        <PublicFrame>
            <h1>"Runtime API"</h1>
            <p>
                "Replenish answers the Dash Replenishment Service calls at the root of this server: point an
                 existing DRS client at this address and it works unchanged. The machine-readable description is "
                <a href="/api/openapi.json">"/api/openapi.json"</a> " (OpenAPI 3.1)."
            </p>
            <nav aria-label="On this page">
                <ul>
                    <li><a href="#linking">"Linking a device"</a></li>
                    <li><a href="#calls">"Service calls"</a></li>
                    <li><a href="#sensors">"Inventory sensors"</a></li>
                    <li><a href="#errors">"Errors"</a></li>
                    <li><a href="#notifications">"Notifications"</a></li>
                </ul>
            </nav>
            <h2 id="linking">"Linking a device"</h2>
            <ol>
                <li>
                    "Create a security profile under Settings → Security profiles: a client ID, a secret shown
                     once, and the return URLs your cloud accepts."
                </li>
                <li>
                    "Send the customer to " <code>"/ap/oa?client_id=…&scope=dash:replenish&response_type=code&redirect_uri=…&state=…&scope_data=…"</code>
                    " with " <code>"scope_data"</code> " = "
                    <code>r#"{"dash:replenish":{"device_model":"…","serial":"…","is_test_device":false,"should_include_non_live":false}}"#</code>
                    ". Until a marketplace is certified, only allow-listed test accounts can link, with "
                    <code>"should_include_non_live: true"</code> "."
                </li>
                <li>
                    "The customer signs in, picks a product per slot (or notify me only) and allows; the browser
                     returns to your URL with " <code>"code"</code> " and " <code>"state"</code> "."
                </li>
                <li>
                    "Exchange the code at " <code>"POST /auth/o2/token"</code> " (form-encoded, "
                    <code>"grant_type=authorization_code"</code> ", client credentials as fields or HTTP Basic)
                     within 5 minutes; refresh with " <code>"grant_type=refresh_token"</code>
                    ". Access tokens last 3600 seconds."
                </li>
            </ol>
            <h2 id="calls">"Service calls"</h2>
            <p>
                "Every call sends " <code>"Authorization: Bearer <access token>"</code> ", "
                <code>"x-amzn-type-version"</code> " and " <code>"x-amzn-accept-type"</code>
                "; type names start with " <code>{TYPE_PREFIX}</code>
                ". Bodies may be JSON or form-encoded; every answer is JSON."
            </p>
            {CALLS.iter().map(|call| view! { <CallDoc call=*call/> }).collect_view()}
            <h2 id="sensors">"Inventory sensors"</h2>
            <p>
                <code>"POST /v3/events"</code> " takes the same bearer token and answers " <code>"202 {}"</code>
                ". Send an " <code>"Alexa"</code> " " <code>"ChangeReport"</code> " whose properties are "
                <code>"Alexa.InventoryLevelSensor"</code> " " <code>"level"</code> " readings, or an "
                <code>"InventoryConsumed"</code> " (" <code>"payload.usage"</code> ") or "
                <code>"InventoryReplaced"</code> " event of " <code>"Alexa.InventoryUsageSensor"</code> " / "
                <code>"Alexa.InventoryLevelUsageSensor"</code> " with the slot ID in " <code>"header.instance"</code>
                ". A reading must use the slot's approved measurement and Alexa unit (for example "
                <code>r#"{"@type":"Volume","value":1.5,"unit":"LITER"}"#</code>
                "). At or below the slot's threshold (inventory tab; default 20 % or 1 unit) the customer is told
                 once; three low readings in a row order the chosen product when the customer picked automatic
                 reorder."
            </p>
            <h2 id="errors">"Errors every call can answer"</h2>
            <ul>
                {COMMON_ERRORS.iter().map(|(status, text)| view! { <li><strong>{*status}</strong> " " {*text}</li> }).collect_view()}
            </ul>
            <h2 id="notifications">"Notifications"</h2>
            <p>
                "Register endpoints under Settings → Notifications. Each delivery is a POST of the DRS
                 notification JSON with " <code>"webhook-id"</code> ", " <code>"webhook-timestamp"</code>
                " and " <code>"webhook-signature"</code> " (" <code>"v1,"</code>
                " followed by the base64 HMAC-SHA256 of " <code>"id.timestamp.body"</code>
                ", keyed with your signing secret after " <code>"whsec_"</code>
                "). Failed deliveries are retried with growing pauses for up to three days."
            </p>
            <table class="table">
                <caption>"Notification types"</caption>
                <thead><tr><th scope="col">"Type"</th><th scope="col">"Sent when"</th></tr></thead>
                <tbody>
                    {NOTIFICATION_TYPES.iter().map(|(name, text)| view! { <tr><td><code>{*name}</code></td><td>{*text}</td></tr> }).collect_view()}
                </tbody>
            </table>
        </PublicFrame>
    }
}

#[component]
fn CallDoc(call: Call) -> impl IntoView {
    let heading_id = format!("call-{}", call.operation);
    view! {
        <section class="card" aria-labelledby=heading_id.clone()>
            <h3 id=heading_id.clone()><code>{format!("{} {}", call.method, call.path)}</code></h3>
            <p>{call.summary}</p>
            <dl class="facts">
                <dt>"x-amzn-type-version"</dt>
                <dd><code>{format!("{TYPE_PREFIX}{}", call.input_type)}</code></dd>
                <dt>"x-amzn-accept-type"</dt>
                <dd>{call.result_types.iter().map(|r| view! { <code>{format!("{TYPE_PREFIX}{r}")}</code> " " }).collect_view()}</dd>
                {(!call.parameters.is_empty()).then(|| view! {
                    <dt>"Path"</dt>
                    <dd>{call.parameters.iter().map(|p| view! { <code>{p.name}</code> ": " {p.description} " " }).collect_view()}</dd>
                })}
                {(!call.body.is_empty()).then(|| view! {
                    <dt>"Body"</dt>
                    <dd>
                        <ul class="plain">
                            {call.body.iter().map(|f| view! { <li><code>{f.name}</code> {format!(" ({}) — {}", f.kind, f.description)}</li> }).collect_view()}
                        </ul>
                    </dd>
                })}
                <dt>"Answer"</dt>
                <dd><code>{call.example}</code></dd>
                {(!call.errors.is_empty()).then(|| view! {
                    <dt>"Errors"</dt>
                    <dd>{call.errors.iter().map(|(status, text)| view! { <strong>{*status}</strong> " " {*text} " " }).collect_view()}</dd>
                })}
            </dl>
        </section>
    }
}
