//! `POST /v3/events`: Alexa-era inventory-sensor reports, with the same bearer token as the DRS calls.

use super::wire::{authenticate, parse_date, read_fields, DrsError, Fields};
use app::models::replenishment::SensorType;
use app::services::sensors::{record_readings, Reading, ReadingKind};
use app::state::AppState;
use axum::body::Body;
use axum::extract::State;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::Value;

pub async fn events(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, DrsError> {
    let caller = authenticate(&state, &headers).await?;
    let Fields::Json(body) = read_fields(&headers, body).await? else {
        return Err(DrsError::bad_request("an event is a JSON object"));
    };
    let readings = parse_event(&Value::Object(body))?;
    record_readings(&state.db, &state.settings, &caller, &readings).await.map_err(|error| {
        DrsError::from_service(
            error,
            "the event names a slot (instance) that is not a slot of this registration",
        )
    })?;
    state.wake_workers();
    Ok((StatusCode::ACCEPTED, [(header::CONTENT_TYPE, HeaderValue::from_static("application/json"))], "{}")
        .into_response())
}

fn text<'a>(value: &'a Value, pointer: &str) -> Result<&'a str, DrsError> {
    value
        .pointer(pointer)
        .and_then(Value::as_str)
        .ok_or_else(|| DrsError::bad_request(format!("{pointer} is required")))
}

/// `{"@type": ..., "value": ..., "unit": ...}`: the type, the number and the unit.
fn measured(value: &Value, at: &str) -> Result<(String, f64, Option<String>), DrsError> {
    let kind = text(value, "/@type").map_err(|_| DrsError::bad_request(format!("{at}.@type is required")))?;
    let number = value
        .get("value")
        .and_then(Value::as_f64)
        .ok_or_else(|| DrsError::bad_request(format!("{at}.value must be a number")))?;
    let unit = value.get("unit").and_then(Value::as_str).map(str::to_owned);
    Ok((kind.to_owned(), number, unit))
}

fn interface_of(namespace: &str) -> Option<SensorType> {
    match namespace {
        "Alexa.InventoryLevelSensor" => Some(SensorType::Level),
        "Alexa.InventoryUsageSensor" => Some(SensorType::Usage),
        "Alexa.InventoryLevelUsageSensor" => Some(SensorType::LevelUsage),
        _ => None,
    }
}

/// The readings an event carries: a ChangeReport's `level` properties, or one consumption or replacement.
pub fn parse_event(body: &Value) -> Result<Vec<Reading>, DrsError> {
    let event = body.get("event").ok_or_else(|| DrsError::bad_request("event is required"))?;
    let namespace = text(event, "/header/namespace")?;
    let name = text(event, "/header/name")?;
    match (namespace, name) {
        ("Alexa", "ChangeReport") => {
            let properties = event
                .pointer("/payload/change/properties")
                .and_then(Value::as_array)
                .ok_or_else(|| DrsError::bad_request("/payload/change/properties is required"))?;
            properties
                .iter()
                .filter(|p| p.get("name").and_then(Value::as_str) == Some("level"))
                .map(|property| {
                    let interface = interface_of(text(property, "/namespace")?)
                        .filter(|i| *i == SensorType::Level)
                        .ok_or_else(|| {
                            DrsError::bad_request("a level is reported by Alexa.InventoryLevelSensor")
                        })?;
                    let (measurement, value, unit) =
                        measured(property.get("value").unwrap_or(&Value::Null), "value")?;
                    Ok(Reading {
                        slot_id: text(property, "/instance")?.to_owned(),
                        interface,
                        kind: ReadingKind::Level,
                        measurement: Some(measurement),
                        value,
                        unit,
                        sampled_at: parse_date("timeOfSample", text(property, "/timeOfSample")?)?,
                    })
                })
                .collect::<Result<Vec<_>, DrsError>>()
                .and_then(|readings| {
                    if readings.is_empty() {
                        Err(DrsError::bad_request("the ChangeReport carries no level property"))
                    } else {
                        Ok(readings)
                    }
                })
        }
        (namespace, "InventoryConsumed" | "InventoryReplaced") => {
            let interface = interface_of(namespace)
                .filter(|i| *i != SensorType::Level)
                .ok_or_else(|| DrsError::bad_request(format!("{namespace} does not send {name}")))?;
            let slot_id = text(event, "/header/instance")?.to_owned();
            let sampled_at = parse_date("timeOfSample", text(event, "/payload/timeOfSample")?)?;
            if name == "InventoryReplaced" {
                if interface != SensorType::LevelUsage {
                    return Err(DrsError::bad_request(
                        "InventoryReplaced comes from Alexa.InventoryLevelUsageSensor",
                    ));
                }
                return Ok(vec![Reading {
                    slot_id,
                    interface,
                    kind: ReadingKind::Replacement,
                    measurement: None,
                    value: 0.0,
                    unit: None,
                    sampled_at,
                }]);
            }
            let (measurement, value, unit) =
                measured(event.pointer("/payload/usage").unwrap_or(&Value::Null), "payload.usage")?;
            Ok(vec![Reading {
                slot_id,
                interface,
                kind: ReadingKind::Usage,
                measurement: Some(measurement),
                value,
                unit,
                sampled_at,
            }])
        }
        _ => Err(DrsError::bad_request(format!("unsupported event {namespace}.{name}"))),
    }
}
