//! The sandbox's device simulator: links a test device for an allow-listed test customer (the portal
//! performs the consent), then sends the calls a device would make through the real runtime API, over
//! HTTP, with a short-lived token of that registration, and keeps the exchange for the page.

use crate::entities::{
    customer, device_marketplace, device_test_account, registration, registration_slot, security_profile,
    slot, slot_approval,
};
use crate::error::{AppError, FieldErrors};
use crate::models::replenishment::Measurement;
use crate::models::simulator::{
    Simulator, SimulatorCustomer, SimulatorExchange, SimulatorProfile, SimulatorRegistration, SimulatorSlot,
    CALLS,
};
use crate::models::Role;
use crate::services::audit::{self, Actor};
use crate::services::consent::{approved_slots, asin_list, link};
use crate::services::devices::find_device;
use crate::services::oauth;
use crate::services::organizations::{member_role, require_role};
use crate::services::tokens::new_id;
use crate::services::transactions;
use crate::services::{display_time, now};
use chrono::{DateTime, Utc};
use reqwest::header::{HeaderMap, AUTHORIZATION, CONTENT_TYPE};
use reqwest::Method;
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder};
use serde_json::{json, Value};
use std::collections::{HashMap, HashSet};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};

const TYPE_PREFIX: &str = "com.amazon.dash.replenishment.";
/// Bodies shown on the page are cut here; the request log keeps its own excerpts.
const SHOWN_BODY: usize = 4000;

/// The way back into this server's own runtime API, so the simulator's calls cross HTTP and every layer a
/// device's call crosses (token check, rate limit, request log).
#[derive(Clone)]
pub struct RuntimeClient {
    base: String,
    http: reqwest::Client,
}

impl RuntimeClient {
    /// For the address the server listens on; an unspecified address is reached on loopback.
    pub fn new(listening: SocketAddr) -> Result<Self, reqwest::Error> {
        let ip = match listening.ip() {
            IpAddr::V4(ip) if ip.is_unspecified() => IpAddr::V4(Ipv4Addr::LOCALHOST),
            IpAddr::V6(ip) if ip.is_unspecified() => IpAddr::V6(Ipv6Addr::LOCALHOST),
            ip => ip,
        };
        let http = reqwest::Client::builder()
            .timeout(std::time::Duration::from_secs(10))
            .redirect(reqwest::redirect::Policy::none())
            // The token must not leave the machine through a proxy from the environment.
            .no_proxy()
            .build()?;
        Ok(Self { base: format!("http://{}", SocketAddr::new(ip, listening.port())), http })
    }
}

/// What one simulator form sent: the registration, the call and its fields (unused ones stay empty).
#[derive(Debug, Clone, Default)]
pub struct SimulatorCall {
    pub registration: String,
    pub call: String,
    pub slot: String,
    pub remaining: String,
    pub reading: String,
}

pub async fn simulator(
    db: &DatabaseConnection,
    user_id: &str,
    organization_id: &str,
    device_id: &str,
) -> Result<Simulator, AppError> {
    let role = member_role(db, organization_id, user_id).await?;
    let device = find_device(db, organization_id, device_id).await?;
    let profiles = active_profiles(db, organization_id).await?;
    let live: Vec<_> = registration::Entity::find()
        .filter(registration::Column::OrganizationId.eq(organization_id))
        .filter(registration::Column::DeviceId.eq(device_id))
        .filter(registration::Column::IsTest.eq(true))
        .filter(registration::Column::DeregisteredAt.is_null())
        .order_by_desc(registration::Column::CreatedAt)
        .all(db)
        .await?
        .into_iter()
        .filter(|r| profiles.iter().any(|p| p.id == r.security_profile_id))
        .collect();
    let emails: HashMap<String, String> = customer::Entity::find()
        .filter(customer::Column::Id.is_in(live.iter().map(|r| r.customer_id.clone())))
        .all(db)
        .await?
        .into_iter()
        .map(|c| (c.id, c.email))
        .collect();
    let registrations = live
        .into_iter()
        .map(|r| SimulatorRegistration {
            label: format!(
                "{} · {} · {} · linked {}",
                r.serial,
                emails.get(&r.customer_id).map_or("a customer", String::as_str),
                r.marketplace_code,
                display_time(r.created_at)
            ),
            id: r.id,
        })
        .collect();
    let approved = approved_slots(db, &device).await?;
    let slots = slot_approvals(db, organization_id, device_id)
        .await?
        .into_iter()
        .map(|(slot, approval)| SimulatorSlot {
            slot_id: slot.slot_id.clone(),
            sensor_type: approval.sensor_type.clone(),
            measurement: match Measurement::parse(&approval.measurement, &approval.unit) {
                Ok(m @ (Measurement::Volume { .. } | Measurement::Weight { .. })) => {
                    format!("{} in {}", m.kind(), m.unit())
                }
                Ok(m) => m.kind().to_owned(),
                Err(_) => approval.measurement.clone(),
            },
        })
        .collect();
    let customers = eligible_customers(db, device_id).await?;
    let link_blocked = if approved.is_none() {
        Some("Every slot needs an approved replenishment ID before a test device can be linked.".to_owned())
    } else if profiles.is_empty() {
        Some(
            "Create a security profile (Settings → Security profiles) first: registrations belong to one."
                .into(),
        )
    } else if customers.is_empty() {
        Some(
            "No tester has accepted the invitation yet: a tester signs in at /my (creating a customer account \
             in one of the device's marketplaces if needed) and accepts it under Test invitations."
                .into(),
        )
    } else {
        None
    };
    Ok(Simulator {
        registrations,
        slots,
        customers: customers
            .into_iter()
            .map(|c| SimulatorCustomer { email: c.email, marketplace: c.marketplace_code })
            .collect(),
        profiles: profiles.into_iter().map(|p| SimulatorProfile { id: p.id, name: p.name }).collect(),
        link_blocked,
        can_drive: role.can_edit(),
        last: None,
    })
}

/// Test accounts of the device whose customer accepted the invitation on `/my` (so the address is theirs,
/// verified, and they agreed), in one of the device's marketplaces.
async fn eligible_customers(
    db: &DatabaseConnection,
    device_id: &str,
) -> Result<Vec<customer::Model>, AppError> {
    let allowed: Vec<String> = device_test_account::Entity::find()
        .filter(device_test_account::Column::DeviceId.eq(device_id))
        .filter(device_test_account::Column::AcceptedAt.is_not_null())
        .all(db)
        .await?
        .into_iter()
        .map(|a| a.email)
        .collect();
    let marketplaces: HashSet<String> = device_marketplace::Entity::find()
        .filter(device_marketplace::Column::DeviceId.eq(device_id))
        .all(db)
        .await?
        .into_iter()
        .map(|m| m.marketplace_code)
        .collect();
    Ok(customer::Entity::find()
        .filter(customer::Column::Email.is_in(allowed))
        .filter(customer::Column::EmailVerifiedAt.is_not_null())
        .order_by_asc(customer::Column::Email)
        .all(db)
        .await?
        .into_iter()
        .filter(|c| marketplaces.contains(&c.marketplace_code))
        .collect())
}

/// The device's slots that have an approval, in the maker's order.
async fn slot_approvals(
    db: &DatabaseConnection,
    organization_id: &str,
    device_id: &str,
) -> Result<Vec<(slot::Model, slot_approval::Model)>, AppError> {
    let slots = slot::Entity::find()
        .filter(slot::Column::OrganizationId.eq(organization_id))
        .filter(slot::Column::DeviceId.eq(device_id))
        .order_by_asc(slot::Column::Position)
        .all(db)
        .await?;
    let mut approvals: HashMap<String, slot_approval::Model> = slot_approval::Entity::find()
        .filter(slot_approval::Column::OrganizationId.eq(organization_id))
        .filter(slot_approval::Column::SlotKey.is_in(slots.iter().map(|s| s.id.clone())))
        .all(db)
        .await?
        .into_iter()
        .map(|a| (a.slot_key.clone(), a))
        .collect();
    Ok(slots.into_iter().filter_map(|slot| approvals.remove(&slot.id).map(|a| (slot, a))).collect())
}

async fn active_profiles(
    db: &DatabaseConnection,
    organization_id: &str,
) -> Result<Vec<security_profile::Model>, AppError> {
    Ok(security_profile::Entity::find()
        .filter(security_profile::Column::OrganizationId.eq(organization_id))
        .filter(security_profile::Column::RevokedAt.is_null())
        .order_by_asc(security_profile::Column::Name)
        .all(db)
        .await?)
}

/// Performs the consent for an allow-listed test customer, as if they had confirmed it with every slot on
/// its first product (or *notify me only* where a slot offers none): a test registration under a new
/// serial. Answers the registration's ID.
pub async fn link_test_device(
    db: &DatabaseConnection,
    actor: &Actor,
    organization_id: &str,
    device_id: &str,
    email: &str,
    profile_id: &str,
) -> Result<String, AppError> {
    require_role(db, organization_id, &actor.user_id, Role::can_edit).await?;
    let device = find_device(db, organization_id, device_id).await?;
    let Some(slots) = approved_slots(db, &device).await? else {
        return Err(AppError::Refused(
            "Every slot needs an approved replenishment ID before a test device can be linked.".into(),
        ));
    };
    let mut errors = FieldErrors::new();
    let customer = eligible_customers(db, device_id).await?.into_iter().find(|c| c.email == email.trim());
    if customer.is_none() {
        errors.add("customer", "Choose a tester who accepted the invitation.");
    }
    let profile = active_profiles(db, organization_id).await?.into_iter().find(|p| p.id == profile_id);
    if profile.is_none() {
        errors.add("profile", "Choose one of your security profiles.");
    }
    let (Some(customer), Some(profile)) = (customer, profile) else {
        return Err(AppError::Validation(errors));
    };
    let chosen: Vec<_> =
        slots.iter().map(|(slot, approval)| (slot, asin_list(approval).into_iter().next())).collect();
    let serial = format!("SIM-{}", new_id()[..8].to_uppercase());
    let txn = transactions::begin(db).await?;
    let registration_id = link(&txn, &device, &profile.id, &customer, &serial, true, &chosen).await?;
    audit::record(
        &txn,
        Some(organization_id),
        Some(actor),
        "sandbox.test_device_linked",
        &device.model_id,
        &format!("{serial} for {}", customer.email),
    )
    .await?;
    txn.commit().await?;
    Ok(registration_id)
}

/// A call ready to send: method, path, the DRS type versions (none for sensor events) and a JSON body.
struct Outgoing {
    method: Method,
    path: String,
    types: Option<(&'static str, &'static str)>,
    body: Option<Value>,
}

/// Sends one simulator call through the runtime API with a token of the chosen test registration, made for
/// this call and revoked once it is answered.
pub async fn drive(
    db: &DatabaseConnection,
    client: &RuntimeClient,
    actor: &Actor,
    organization_id: &str,
    device_id: &str,
    call: &SimulatorCall,
) -> Result<SimulatorExchange, AppError> {
    require_role(db, organization_id, &actor.user_id, Role::can_edit).await?;
    find_device(db, organization_id, device_id).await?;
    let registration = registration::Entity::find_by_id(&call.registration)
        .filter(registration::Column::OrganizationId.eq(organization_id))
        .filter(registration::Column::DeviceId.eq(device_id))
        .filter(registration::Column::IsTest.eq(true))
        .one(db)
        .await?
        .ok_or(AppError::NotFound)?;
    if registration.deregistered_at.is_some() {
        return Err(AppError::Refused("This test device was deregistered; link a new one.".into()));
    }
    if !active_profiles(db, organization_id).await?.iter().any(|p| p.id == registration.security_profile_id) {
        return Err(AppError::Refused(
            "This test device's security profile was revoked; link a new one.".into(),
        ));
    }
    let Some((_, words)) = CALLS.iter().find(|(key, _)| *key == call.call) else {
        return Err(AppError::Refused("Choose one of the simulator's calls.".into()));
    };
    // The registration's own slots: one added to the device after linking is not the device's to report.
    let linked: HashSet<String> = registration_slot::Entity::find()
        .filter(registration_slot::Column::RegistrationId.eq(&registration.id))
        .all(db)
        .await?
        .into_iter()
        .map(|s| s.slot_key)
        .collect();
    let slots: Vec<_> = slot_approvals(db, organization_id, device_id)
        .await?
        .into_iter()
        .filter(|(slot, _)| linked.contains(&slot.id))
        .collect();
    let slot = || {
        slots
            .iter()
            .find(|(slot, _)| slot.slot_id == call.slot)
            .ok_or_else(|| AppError::Refused("Choose one of the test device's slots.".into()))
    };
    let at = now();
    let outgoing = match call.call.as_str() {
        "slot_status" => {
            let (slot, approval) = slot()?;
            let mut errors = FieldErrors::new().keep("remaining", &call.remaining);
            let Some(remaining) = errors.check("remaining", quantity(&call.remaining)) else {
                return Err(AppError::Validation(errors));
            };
            // A full refill holds the approved unit size.
            let original = approval.unit_size.parse::<f64>().unwrap_or(remaining);
            let slot_id = &slot.slot_id;
            Outgoing {
                method: Method::POST,
                path: format!("/slotStatus/{slot_id}"),
                types: Some(("DrsSlotStatusInput@1.0", "DrsSlotStatusResult@1.0")),
                body: Some(json!({
                    "expectedReplenishmentDate": wire_time(at + chrono::Duration::days(30)),
                    "remainingQuantityInUnit": remaining,
                    "originalQuantityInUnit": original,
                    "totalQuantityOnHand": remaining,
                    "lastUseDate": wire_time(at),
                })),
            }
        }
        "sensor" => {
            let (slot, approval) = slot()?;
            let mut errors = FieldErrors::new().keep("reading", &call.reading);
            let Some(value) = errors.check("reading", quantity(&call.reading)) else {
                return Err(AppError::Validation(errors));
            };
            let measurement =
                Measurement::parse(&approval.measurement, &approval.unit).map_err(|_| AppError::Internal)?;
            Outgoing {
                method: Method::POST,
                path: "/v3/events".into(),
                types: None,
                body: Some(sensor_event(&slot.slot_id, &approval.sensor_type, &measurement, value, at)),
            }
        }
        "replenish" => Outgoing {
            method: Method::POST,
            path: format!("/replenish/{}", slot()?.0.slot_id),
            types: Some(("DrsReplenishInput@1.0", "DrsReplenishResult@1.0")),
            body: None,
        },
        "cancel" => Outgoing {
            method: Method::DELETE,
            path: if call.slot.is_empty() {
                "/testOrders".into()
            } else {
                format!("/testOrders/{}", slot()?.0.slot_id)
            },
            types: Some(("DrsCancelTestOrdersInput@1.0", "DrsCancelTestOrdersResult@1.0")),
            body: None,
        },
        _ => Outgoing {
            method: Method::DELETE,
            path: "/registration".into(),
            types: Some(("DrsDeregisterInput@2.0", "DrsDeregisterResult@1.0")),
            body: None,
        },
    };
    let token = oauth::issue_simulator_token(db, &registration).await?;
    let request = request_text(&outgoing, &token);
    // Sent and revoked in a task of its own, so the token is revoked even if the portal's request is
    // dropped meanwhile.
    let (db, client) = (db.clone(), client.clone());
    let answer = tokio::spawn(async move {
        let answer = send(&client, &token, &outgoing).await;
        if let Err(error) = oauth::revoke(&db, &token).await {
            tracing::error!(%error, "a simulator token was not revoked; it expires within five minutes");
        }
        answer
    })
    .await
    .map_err(|_| AppError::Internal)?;
    let (status, response) = answer?;
    Ok(SimulatorExchange {
        registration_id: registration.id,
        call: (*words).to_owned(),
        request,
        status,
        response,
    })
}

/// A quantity as a form gives it: any finite number (the API itself answers negative ones).
fn quantity(raw: &str) -> Result<f64, String> {
    raw.trim()
        .parse::<f64>()
        .ok()
        .filter(|n| n.is_finite())
        .ok_or_else(|| "Enter a number, such as 2.5.".to_owned())
}

fn wire_time(at: DateTime<Utc>) -> String {
    at.format("%Y-%m-%dT%H:%M:%SZ").to_string()
}

/// The event a sensor of this slot's approved kind sends: a level report, or one consumption.
fn sensor_event(
    slot_id: &str,
    sensor_type: &str,
    measurement: &Measurement,
    value: f64,
    at: DateTime<Utc>,
) -> Value {
    let mut amount = json!({ "@type": measurement.kind(), "value": value });
    if let Some(unit) = measurement.alexa_unit() {
        amount["unit"] = json!(unit);
    }
    let message_id = new_id();
    if sensor_type == "Level" {
        return json!({ "event": {
            "header": { "namespace": "Alexa", "name": "ChangeReport", "messageId": message_id, "payloadVersion": "3" },
            "endpoint": { "endpointId": slot_id },
            "payload": { "change": { "cause": { "type": "PERIODIC_POLL" }, "properties": [{
                "namespace": "Alexa.InventoryLevelSensor", "name": "level", "instance": slot_id,
                "value": amount, "timeOfSample": wire_time(at), "uncertaintyInMilliseconds": 0
            }] } }
        } });
    }
    let namespace =
        if sensor_type == "Usage" { "Alexa.InventoryUsageSensor" } else { "Alexa.InventoryLevelUsageSensor" };
    json!({ "event": {
        "header": { "namespace": namespace, "name": "InventoryConsumed", "instance": slot_id,
                    "messageId": message_id, "payloadVersion": "3" },
        "endpoint": { "endpointId": slot_id },
        "payload": { "usage": amount, "timeOfSample": wire_time(at) }
    } })
}

async fn send(client: &RuntimeClient, token: &str, outgoing: &Outgoing) -> Result<(u16, String), AppError> {
    let mut request = client
        .http
        .request(outgoing.method.clone(), format!("{}{}", client.base, outgoing.path))
        .header(AUTHORIZATION, format!("Bearer {token}"));
    if let Some((input, result)) = outgoing.types {
        request = request
            .header("x-amzn-type-version", format!("{TYPE_PREFIX}{input}"))
            .header("x-amzn-accept-type", format!("{TYPE_PREFIX}{result}"));
    }
    if let Some(body) = &outgoing.body {
        request = request.header(CONTENT_TYPE, "application/json").body(body.to_string());
    }
    let response = request.send().await.map_err(|error| {
        tracing::error!(%error, "the simulator could not reach the runtime API");
        AppError::Internal
    })?;
    let status = response.status();
    let headers = response.headers().clone();
    let body = response.text().await.unwrap_or_default();
    let mut text = format!("HTTP/1.1 {}\n", status);
    text.push_str(&shown_headers(&headers));
    text.push('\n');
    text.push_str(&shown_body(&body));
    Ok((status.as_u16(), text))
}

/// The headers a DRS client reads from an answer.
fn shown_headers(headers: &HeaderMap) -> String {
    ["content-type", "x-amzn-type-version", "retry-after"]
        .into_iter()
        .filter_map(|name| headers.get(name).and_then(|v| v.to_str().ok()).map(|v| format!("{name}: {v}\n")))
        .collect()
}

/// JSON pretty-printed, anything else as it came; cut at `SHOWN_BODY` characters.
fn shown_body(body: &str) -> String {
    let pretty = serde_json::from_str::<Value>(body)
        .ok()
        .and_then(|v| serde_json::to_string_pretty(&v).ok())
        .unwrap_or_else(|| body.to_owned());
    match pretty.char_indices().nth(SHOWN_BODY) {
        Some((cut, _)) => format!("{}…", &pretty[..cut]),
        None => pretty,
    }
}

/// The request as sent, with the token shortened: it was revoked once answered, but a page is no place
/// for secrets.
fn request_text(outgoing: &Outgoing, token: &str) -> String {
    let mut text = format!("{} {} HTTP/1.1\n", outgoing.method, outgoing.path);
    text.push_str(&format!("Authorization: Bearer {}… (a token for this call only)\n", &token[..6]));
    if let Some((input, result)) = outgoing.types {
        text.push_str(&format!("x-amzn-type-version: {TYPE_PREFIX}{input}\n"));
        text.push_str(&format!("x-amzn-accept-type: {TYPE_PREFIX}{result}\n"));
    }
    if let Some(body) = &outgoing.body {
        text.push_str("Content-Type: application/json\n\n");
        text.push_str(&serde_json::to_string_pretty(body).unwrap_or_default());
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_unspecified_listening_address_is_reached_on_loopback() {
        let any: SocketAddr = "0.0.0.0:3000".parse().expect("address");
        assert_eq!(RuntimeClient::new(any).expect("client").base, "http://127.0.0.1:3000");
        let any6: SocketAddr = "[::]:3000".parse().expect("address");
        assert_eq!(RuntimeClient::new(any6).expect("client").base, "http://[::1]:3000");
        let fixed: SocketAddr = "10.0.0.5:80".parse().expect("address");
        assert_eq!(RuntimeClient::new(fixed).expect("client").base, "http://10.0.0.5:80");
    }

    #[test]
    fn sensor_events_follow_the_slot_s_interface_and_measurement() {
        let at = "2026-11-24T10:00:00Z".parse().expect("time");
        let litres = Measurement::parse("Volume", "L").expect("volume");
        let level = sensor_event("filter", "Level", &litres, 0.5, at);
        let property = &level["event"]["payload"]["change"]["properties"][0];
        assert_eq!(property["namespace"], "Alexa.InventoryLevelSensor");
        assert_eq!(property["instance"], "filter");
        assert_eq!(property["value"], json!({ "@type": "Volume", "value": 0.5, "unit": "LITER" }));
        let count = Measurement::parse("Count", "").expect("count");
        let usage = sensor_event("pods", "LevelUsage", &count, 2.0, at);
        assert_eq!(usage["event"]["header"]["namespace"], "Alexa.InventoryLevelUsageSensor");
        assert_eq!(usage["event"]["header"]["name"], "InventoryConsumed");
        assert_eq!(usage["event"]["payload"]["usage"], json!({ "@type": "Count", "value": 2.0 }));
        assert_eq!(usage["event"]["payload"]["timeOfSample"], "2026-11-24T10:00:00Z");
    }

    #[test]
    fn quantities_must_be_finite_numbers_and_long_bodies_are_cut() {
        assert_eq!(quantity(" 2.5 "), Ok(2.5));
        assert_eq!(quantity("-1"), Ok(-1.0));
        assert!(quantity("lots").is_err());
        assert!(quantity("inf").is_err());
        assert!(quantity("").is_err());
        let long = format!("\"{}\"", "é".repeat(SHOWN_BODY + 10));
        let shown = shown_body(&long);
        assert_eq!(shown.chars().count(), SHOWN_BODY + 1);
        assert!(shown.ends_with('…'));
        assert_eq!(shown_body("{\"a\":1}"), "{\n  \"a\": 1\n}");
    }
}
