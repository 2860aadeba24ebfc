//! `GET /api/openapi.json`: an OpenAPI 3.1 document of the runtime API, generated from the same contract
//! table the portal's *API docs* page renders.

use app::models::contract::{Call, CALLS, COMMON_ERRORS, TYPE_PREFIX};
use axum::http::{header, HeaderValue};
use axum::response::IntoResponse;
use serde_json::{json, Map, Value};
use std::sync::OnceLock;

pub async fn openapi() -> impl IntoResponse {
    static DOCUMENT: OnceLock<String> = OnceLock::new();
    let body = DOCUMENT.get_or_init(|| document().to_string()).clone();
    ([(header::CONTENT_TYPE, HeaderValue::from_static("application/json"))], body)
}

fn type_header(name: &str, description: &str, values: Vec<String>) -> Value {
    json!({
        "name": name,
        "in": "header",
        "required": true,
        "description": description,
        "schema": { "type": "string", "enum": values },
    })
}

fn error_responses(call: &Call) -> Map<String, Value> {
    let mut responses = Map::new();
    for (status, description) in COMMON_ERRORS.iter().chain(call.errors) {
        let entry = responses.entry(status.to_string()).or_insert_with(|| {
            json!({ "description": "", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Message" } } } })
        });
        let text = entry["description"].as_str().unwrap_or_default();
        entry["description"] = Value::String(if text.is_empty() {
            (*description).to_owned()
        } else {
            format!("{text}; {description}")
        });
    }
    responses
}

fn operation(call: &Call) -> Value {
    let mut parameters: Vec<Value> = call
        .parameters
        .iter()
        .map(|p| json!({ "name": p.name, "in": "path", "required": true, "description": p.description, "schema": { "type": "string" } }))
        .collect();
    parameters.push(type_header(
        "x-amzn-type-version",
        "The input type.",
        vec![format!("{TYPE_PREFIX}{}", call.input_type)],
    ));
    parameters.push(type_header(
        "x-amzn-accept-type",
        "The result type wanted; the answer echoes it in x-amzn-type-version.",
        call.result_types.iter().map(|r| format!("{TYPE_PREFIX}{r}")).collect(),
    ));
    if call.operation == "replenish" {
        parameters.push(json!({
            "name": "Idempotency-Key", "in": "header", "required": false,
            "description": "Repeats of a key within 24 hours get the first answer again.",
            "schema": { "type": "string", "maxLength": 255 },
        }));
    }
    let mut responses = error_responses(call);
    responses.insert(
        "200".into(),
        json!({
            "description": format!("{TYPE_PREFIX}{}", call.result_types.join(" or ")),
            "headers": { "x-amzn-type-version": { "schema": { "type": "string" } } },
            "content": { "application/json": { "example": serde_json::from_str::<Value>(call.example).unwrap_or(Value::Null) } },
        }),
    );
    let mut operation = json!({
        "operationId": call.operation,
        "summary": call.summary,
        "security": [{ "bearer": [] }],
        "parameters": parameters,
        "responses": responses,
    });
    if !call.body.is_empty() {
        let properties: Map<String, Value> = call
            .body
            .iter()
            .map(|field| {
                let schema = match field.kind {
                    "number" => json!({ "type": "number", "minimum": 0, "description": field.description }),
                    _ => json!({ "type": "string", "format": "date-time", "description": field.description }),
                };
                (field.name.to_owned(), schema)
            })
            .collect();
        let required: Vec<&str> = call.body.iter().filter(|f| f.required).map(|f| f.name).collect();
        let schema = json!({ "type": "object", "properties": properties, "required": required });
        operation["requestBody"] = json!({
            "required": true,
            "content": { "application/json": { "schema": schema }, "application/x-www-form-urlencoded": { "schema": schema } },
        });
    }
    operation
}

fn token_endpoint() -> Value {
    json!({
        "post": {
            "operationId": "token",
            "summary": "Exchanges an authorization code, or a refresh token, for an access token (3600 s).",
            "security": [],
            "requestBody": {
                "required": true,
                "content": { "application/x-www-form-urlencoded": { "schema": {
                    "type": "object",
                    "required": ["grant_type"],
                    "properties": {
                        "grant_type": { "type": "string", "enum": ["authorization_code", "refresh_token"] },
                        "code": { "type": "string", "description": "Single use, valid 5 minutes." },
                        "redirect_uri": { "type": "string", "description": "The one the code was issued for." },
                        "refresh_token": { "type": "string" },
                        "client_id": { "type": "string", "description": "Or HTTP Basic." },
                        "client_secret": { "type": "string", "description": "Or HTTP Basic." },
                    },
                } } },
            },
            "responses": {
                "200": { "description": "Tokens", "content": { "application/json": { "example":
                    { "access_token": "…", "refresh_token": "…", "token_type": "bearer", "expires_in": 3600 } } } },
                "400": { "description": "RFC 6749 error: invalid_grant, invalid_request, unsupported_grant_type" },
                "401": { "description": "invalid_client" },
            },
        }
    })
}

fn consent_page() -> Value {
    let parameters: Vec<Value> = ["client_id", "scope", "response_type", "redirect_uri", "state", "scope_data"]
        .iter()
        .map(|name| json!({ "name": name, "in": "query", "required": *name != "state", "schema": { "type": "string" } }))
        .collect();
    json!({
        "get": {
            "operationId": "authorize",
            "summary": "The customer's consent page. Redirects to redirect_uri with code and state, or with an OAuth error.",
            "security": [],
            "parameters": parameters,
            "responses": { "200": { "description": "The consent page (HTML)" }, "302": { "description": "Back to the client" } },
        }
    })
}

fn inventory_events() -> Value {
    json!({
        "post": {
            "operationId": "inventoryEvents",
            "summary": "Inventory-sensor reports: an Alexa ChangeReport with Alexa.InventoryLevelSensor `level` properties, or an InventoryConsumed / InventoryReplaced event of Alexa.InventoryUsageSensor or Alexa.InventoryLevelUsageSensor. The capability `instance` is the slot ID; the reading's type and unit must be the slot's approved measurement.",
            "security": [{ "bearer": [] }],
            "requestBody": { "required": true, "content": { "application/json": { "schema": {
                "type": "object",
                "required": ["event"],
                "properties": { "event": { "type": "object", "required": ["header", "payload"] } },
            } } } },
            "responses": {
                "202": { "description": "Stored", "content": { "application/json": { "example": {} } } },
                "400": { "description": "Invalid token; an unsupported event; a reading of the wrong sensor, type or unit, negative, or a percentage over 100", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Message" } } } },
                "404": { "description": "the instance is not a slot of this registration" },
                "413": { "description": "a body over 16 KiB" },
                "429": { "description": "over the registration's rate; see Retry-After" },
            },
        }
    })
}

pub fn document() -> Value {
    let mut paths = Map::new();
    for call in CALLS {
        let entry = paths.entry(call.path.to_owned()).or_insert_with(|| json!({}));
        entry[call.method.to_ascii_lowercase()] = operation(call);
    }
    paths.insert("/auth/o2/token".into(), token_endpoint());
    paths.insert("/ap/oa".into(), consent_page());
    paths.insert("/v3/events".into(), inventory_events());
    json!({
        "openapi": "3.1.0",
        "info": {
            "title": "Replenish runtime API",
            "version": env!("CARGO_PKG_VERSION"),
            "description": "Wire-compatible with the Dash Replenishment Service: an existing DRS client works by changing only its base URL.",
        },
        "paths": paths,
        "components": {
            "securitySchemes": { "bearer": { "type": "http", "scheme": "bearer", "description": "An access token from /auth/o2/token." } },
            "schemas": { "Message": { "type": "object", "required": ["message"], "properties": { "message": { "type": "string" } } } },
        },
    })
}
