//! The runtime API under generated requests: every call, with any body, content type, type headers and
//! token, is answered as the contract says (a JSON `message`, or the token endpoint's `error`) or
//! succeeds; never a server error.

mod support;

use proptest::prelude::*;
use proptest::strategy::ValueTree;
use proptest::test_runner::TestRunner;
use reqwest::header::{HeaderValue, AUTHORIZATION, CONTENT_TYPE};
use reqwest::Method;
use serde_json::Value;
use support::runtime::*;

const CASES: usize = 400;

/// (method, path, type versions); the last two take no DRS type headers.
const ROUTES: [(&str, &str, (&str, &str)); 9] = [
    ("POST", "/slotStatus/filter", SLOT_STATUS),
    ("POST", "/replenish/filter", REPLENISH),
    ("POST", "/deviceStatus", ("DrsDeviceStatusInput@1.0", "DrsDeviceStatusResult@1.0")),
    ("GET", "/subscriptionInfo", ("DrsSubscriptionInfoInput@1.0", "DrsSubscriptionInfoResult@1.0")),
    ("DELETE", "/testOrders/filter", ("DrsCancelTestOrdersInput@1.0", "DrsCancelTestOrdersResult@1.0")),
    ("GET", "/getOrderInfo/unknown", ("DrsOrderInfoInput@1.0", "DrsOrderInfoResult@1.0")),
    ("POST", "/replenish/unknown-slot", REPLENISH),
    ("POST", "/v3/events", ("", "")),
    ("POST", "/auth/o2/token", ("", "")),
];

#[derive(Debug, Clone)]
struct Case {
    route: usize,
    content_type: Option<String>,
    /// None: no header; Some(None): the right value; Some(Some(text)): this text.
    type_version: Option<Option<String>>,
    accept: Option<Option<String>>,
    body: Vec<u8>,
    real_token: bool,
}

fn header_text() -> impl Strategy<Value = Option<Option<String>>> {
    prop::option::of(prop::option::of(prop_oneof![
        "[ -~]{0,60}",
        "com\\.amazon\\.dash\\.replenishment\\.Drs[A-Za-z]{0,20}@[0-9.]{0,4}",
    ]))
}

fn body() -> impl Strategy<Value = Vec<u8>> {
    let number = prop_oneof![
        any::<f64>().prop_map(|n| n.to_string()),
        Just("-1".to_owned()),
        Just("1e400".to_owned()),
        Just("\"3\"".to_owned()),
        Just("null".to_owned()),
        Just("[]".to_owned()),
    ];
    let date =
        prop_oneof![Just("\"2026-11-24T10:00:00Z\"".to_owned()), "\"[ -~]{0,30}\"", Just("42".to_owned())];
    prop_oneof![
        (number.clone(), number, date).prop_map(|(remaining, original, used)| format!(
            r#"{{"remainingQuantityInUnit":{remaining},"originalQuantityInUnit":{original},"lastUseDate":{used},"extra":{{"a":[1,2]}}}}"#
        )
        .into_bytes()),
        "[a-zA-Z=&%0-9.\\-_+]{0,200}".prop_map(String::into_bytes),
        "[ -~]{0,300}".prop_map(String::into_bytes),
        prop::collection::vec(any::<u8>(), 0..300),
        Just(Vec::new()),
    ]
}

fn case() -> impl Strategy<Value = Case> {
    (
        0..ROUTES.len(),
        prop::option::of(prop_oneof![
            Just("application/json".to_owned()),
            Just("application/x-www-form-urlencoded".to_owned()),
            Just("application/json; charset=utf-8".to_owned()),
            Just("text/plain".to_owned()),
            "[ -~]{0,40}",
        ]),
        header_text(),
        header_text(),
        body(),
        prop::bool::weighted(0.85),
    )
        .prop_map(|(route, content_type, type_version, accept, body, real_token)| Case {
            route,
            content_type,
            type_version,
            accept,
            body,
            real_token,
        })
}

fn header(value: &str) -> Option<HeaderValue> {
    HeaderValue::from_str(value).ok()
}

#[tokio::test]
async fn generated_requests_are_answered_with_the_contract_s_errors_and_never_a_server_error() {
    let linked = linked().await;
    let client = cloud();
    let mut runner = TestRunner::deterministic();
    let strategy = case();
    for _ in 0..CASES {
        let case = strategy.new_tree(&mut runner).expect("case").current();
        let (method, path, (input, accept)) = ROUTES[case.route];
        let mut request = client
            .request(Method::from_bytes(method.as_bytes()).expect("method"), linked.app.url(path))
            .body(case.body.clone());
        let token = if case.real_token { linked.access.clone() } else { "not-a-token".to_owned() };
        request = request.header(AUTHORIZATION, format!("Bearer {token}"));
        if let Some(value) = case.content_type.as_deref().and_then(header) {
            request = request.header(CONTENT_TYPE, value);
        }
        for (name, chosen, right) in
            [("x-amzn-type-version", &case.type_version, input), ("x-amzn-accept-type", &case.accept, accept)]
        {
            let value = match chosen {
                None => continue,
                Some(None) => format!("{PREFIX}{right}"),
                Some(Some(text)) => text.clone(),
            };
            if let Some(value) = header(&value) {
                request = request.header(name, value);
            }
        }
        let response = request.send().await.expect("answer");
        let status = response.status();
        let text = response.text().await.expect("body");
        assert!(status.as_u16() < 500, "{case:?} answered {status}: {text}");
        if status.is_client_error() {
            let answer: Value =
                serde_json::from_str(&text).unwrap_or_else(|_| panic!("{case:?}: not JSON: {text}"));
            let key = if path == "/auth/o2/token" { "error" } else { "message" };
            assert!(answer[key].is_string(), "{case:?} answered {status} without `{key}`: {text}");
        }
    }
}

#[tokio::test]
async fn server_function_fields_that_do_not_fit_its_arguments_are_the_caller_s_400() {
    let app = support::spawn_app().await;
    let org = app.signed_in_owner("owner@example.com", "Fuzzers").await;
    // `names` of slot localization is keyed by slot, then marketplace: a flat `names[US]` does not fit.
    let response = app.call("localize_slots", &[("org", &org), ("device", "x"), ("names[US]", "Spy")]).await;
    assert_eq!(response.status(), reqwest::StatusCode::BAD_REQUEST);
    let answer: Value = response.json().await.expect("json");
    assert!(answer["Refused"].as_str().expect("message").contains("not understood"), "{answer}");
}
