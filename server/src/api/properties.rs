//! Properties of the runtime API's parsing, over generated input: sensor events of any shape, dates of any
//! text and type headers of any value are answered with the contract's error or parsed, never a panic.

use super::events::parse_event;
use super::wire::{negotiate, parse_date, CallTypes};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::IntoResponse;
use proptest::prelude::*;
use serde_json::{Map, Value};

/// The keys sensor events use, so generated documents reach deep into the parser.
const KEYS: [&str; 16] = [
    "event",
    "header",
    "namespace",
    "name",
    "payload",
    "change",
    "properties",
    "instance",
    "value",
    "@type",
    "unit",
    "timeOfSample",
    "usage",
    "endpoint",
    "messageId",
    "cause",
];
const WORDS: [&str; 10] = [
    "Alexa",
    "ChangeReport",
    "Alexa.InventoryLevelSensor",
    "Alexa.InventoryUsageSensor",
    "Alexa.InventoryLevelUsageSensor",
    "InventoryConsumed",
    "InventoryReplaced",
    "level",
    "Volume",
    "2026-11-24T10:00:00Z",
];

fn json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<f64>().prop_map(|n| serde_json::Number::from_f64(n).map_or(Value::Null, Value::Number)),
        any::<i64>().prop_map(Value::from),
        prop::sample::select(&WORDS[..]).prop_map(Value::from),
        ".{0,20}".prop_map(Value::String),
    ];
    leaf.prop_recursive(6, 64, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::vec((prop::sample::select(&KEYS[..]), inner), 0..6).prop_map(|pairs| {
                Value::Object(pairs.into_iter().map(|(k, v)| (k.to_owned(), v)).collect::<Map<_, _>>())
            }),
        ]
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 1024, ..ProptestConfig::default() })]

    #[test]
    fn any_event_document_is_parsed_or_refused_as_a_bad_request(body in json()) {
        if let Err(error) = parse_event(&body) {
            prop_assert_eq!(error.into_response().status(), StatusCode::BAD_REQUEST);
        }
    }

    #[test]
    fn any_date_text_is_parsed_or_refused_as_a_bad_request(text in ".{0,40}") {
        if let Err(error) = parse_date("lastUseDate", &text) {
            prop_assert_eq!(error.into_response().status(), StatusCode::BAD_REQUEST);
        }
    }

    #[test]
    fn any_type_header_is_negotiated_or_refused_as_a_bad_request(input in ".{0,80}", accept in ".{0,80}") {
        let mut headers = HeaderMap::new();
        for (name, value) in [("x-amzn-type-version", &input), ("x-amzn-accept-type", &accept)] {
            if let Ok(value) = HeaderValue::from_str(value) {
                headers.insert(name, value);
            }
        }
        let call = CallTypes { input: "DrsReplenishInput@1.0", results: &["DrsReplenishResult@1.0"] };
        if let Err(error) = negotiate(&headers, &call) {
            prop_assert_eq!(error.into_response().status(), StatusCode::BAD_REQUEST);
        }
    }
}
