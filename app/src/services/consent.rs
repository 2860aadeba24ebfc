//! The customer's authorization (`/ap/oa`): checking the client's request as the contract says, what
//! the page shows, and linking the device when the customer confirms.

use crate::entities::{
    customer, device, device_image, device_marketplace, device_test_account, oauth_code, organization,
    registration, registration_slot, security_profile, slot, slot_approval, slot_name,
};
use crate::error::AppError;
use crate::models::consent::{choice_key, parse_serial, ConsentSlot, ConsentView, NOTIFY_ONLY};
use crate::models::replenishment::Asin;
use crate::services::security_profiles::find_live_client;
use crate::services::tokens::{hash_secret, new_id, new_secret};
use crate::services::transactions;
use crate::services::{events, now, registrations};
use chrono::Duration;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder,
    Set,
};
use std::collections::{BTreeMap, HashMap};

pub const SCOPE: &str = "dash:replenish";
/// How long an authorization code can be exchanged.
pub const CODE_LIFETIME: Duration = Duration::minutes(5);

/// A client's authorization request, checked.
struct Authorization {
    profile: security_profile::Model,
    redirect_uri: String,
    state: Option<String>,
    device: device::Model,
    serial: String,
    is_test_device: bool,
    include_non_live: bool,
}

#[derive(serde::Deserialize)]
struct ScopeData {
    #[serde(rename = "dash:replenish")]
    replenish: ReplenishScope,
}

#[derive(serde::Deserialize)]
struct ReplenishScope {
    device_model: String,
    serial: String,
    #[serde(default)]
    is_test_device: bool,
    #[serde(default)]
    should_include_non_live: bool,
}

/// The redirect URI with an OAuth error (and the client's state) added to its query.
fn error_redirect(redirect_uri: &str, error: &str, description: &str, state: Option<&str>) -> String {
    with_query(redirect_uri, &[("error", error), ("error_description", description)], state)
}

fn with_query(redirect_uri: &str, pairs: &[(&str, &str)], state: Option<&str>) -> String {
    let Ok(mut url) = url::Url::parse(redirect_uri) else {
        return redirect_uri.to_owned();
    };
    {
        let mut query = url.query_pairs_mut();
        for (name, value) in pairs {
            query.append_pair(name, value);
        }
        if let Some(state) = state {
            query.append_pair("state", state);
        }
    }
    url.to_string()
}

/// Checks the request in the contract's order: client and return URL first (failures there cannot be sent
/// back, so the page shows them), then everything else, answered to the client as an OAuth error.
async fn check_request(
    conn: &impl ConnectionTrait,
    query: &str,
) -> Result<Result<Authorization, ConsentView>, AppError> {
    let pairs: Vec<(String, String)> =
        url::form_urlencoded::parse(query.trim_start_matches('?').as_bytes()).into_owned().collect();
    let params: HashMap<String, String> = pairs.iter().cloned().collect();
    let param = |name: &str| params.get(name).map(String::as_str).unwrap_or_default();
    let invalid = |message: &str| Ok(Err(ConsentView::Invalid { message: message.to_owned() }));
    // RFC 6749 (3.1): a parameter sent twice makes the request ambiguous, whichever copy would be read.
    if pairs.len() != params.len() {
        return invalid("The request repeats a parameter, so it cannot be trusted.");
    }
    if param("client_id").is_empty() {
        return invalid("The request names no client (client_id is missing).");
    }
    let Some(profile) = find_live_client(conn, param("client_id")).await? else {
        return invalid("The app that sent you here is not known to Replenish (unknown client_id).");
    };
    let redirect_uri = param("redirect_uri");
    if !profile.return_urls.lines().any(|allowed| allowed == redirect_uri) {
        return invalid("The app that sent you here asked to return to an address it has not registered.");
    }
    let state = params.get("state").map(String::as_str);
    let refuse = |error: &str, description: &str| {
        Ok(Err(ConsentView::Redirect { to: error_redirect(redirect_uri, error, description, state) }))
    };
    if param("response_type") != "code" {
        return refuse("unsupported_response_type", "response_type must be code");
    }
    if param("scope") != SCOPE {
        return refuse("invalid_scope", "scope must be dash:replenish");
    }
    let Ok(scope) = serde_json::from_str::<ScopeData>(param("scope_data")) else {
        return refuse(
            "invalid_request",
            "scope_data must be {\"dash:replenish\":{\"device_model\":...,\"serial\":...}}",
        );
    };
    let scope = scope.replenish;
    let Ok(serial) = parse_serial(&scope.serial) else {
        return refuse("invalid_request", "serial must be 1 to 64 of A-Z, a-z, 0-9, +, _ and -");
    };
    let device = device::Entity::find()
        .filter(device::Column::OrganizationId.eq(&profile.organization_id))
        .filter(device::Column::ModelId.eq(&scope.device_model))
        .one(conn)
        .await?;
    let Some(device) = device else {
        return refuse("invalid_request", "device_model is not a model of this client's organization");
    };
    Ok(Ok(Authorization {
        redirect_uri: redirect_uri.to_owned(),
        state: state.map(str::to_owned),
        device,
        serial,
        is_test_device: scope.is_test_device,
        include_non_live: scope.should_include_non_live,
        profile,
    }))
}

/// The device's slots with their approvals, in the maker's order; `None` while any slot lacks one.
pub(crate) async fn approved_slots(
    conn: &impl ConnectionTrait,
    device: &device::Model,
) -> Result<Option<Vec<(slot::Model, slot_approval::Model)>>, AppError> {
    let slots = slot::Entity::find()
        .filter(slot::Column::DeviceId.eq(&device.id))
        .filter(slot::Column::OrganizationId.eq(&device.organization_id))
        .order_by_asc(slot::Column::Position)
        .all(conn)
        .await?;
    let mut approvals: HashMap<String, slot_approval::Model> = slot_approval::Entity::find()
        .filter(slot_approval::Column::SlotKey.is_in(slots.iter().map(|s| s.id.clone())))
        .filter(slot_approval::Column::OrganizationId.eq(&device.organization_id))
        .all(conn)
        .await?
        .into_iter()
        .map(|a| (a.slot_key.clone(), a))
        .collect();
    let paired: Option<Vec<_>> = slots
        .into_iter()
        .map(|slot| {
            let approval = approvals.remove(&slot.id).filter(|_| slot.replenishment_id.is_some())?;
            Some((slot, approval))
        })
        .collect();
    Ok(paired.filter(|slots| !slots.is_empty()))
}

pub(crate) fn asin_list(approval: &slot_approval::Model) -> Vec<String> {
    approval.asins.split([',', ' ']).filter(|a| !a.is_empty()).map(str::to_owned).collect()
}

/// Whether this customer may link the device: answers whether the registration is a test one, or why not.
async fn eligibility(
    conn: &impl ConnectionTrait,
    authorization: &Authorization,
    customer: &customer::Model,
) -> Result<Result<bool, String>, AppError> {
    let device = &authorization.device;
    let marketplace = device_marketplace::Entity::find()
        .filter(device_marketplace::Column::DeviceId.eq(&device.id))
        .filter(device_marketplace::Column::MarketplaceCode.eq(&customer.marketplace_code))
        .one(conn)
        .await?;
    let Some(marketplace) = marketplace else {
        return Ok(Err(format!(
            "This device is not offered in your marketplace ({}).",
            customer.marketplace_code
        )));
    };
    if marketplace.certified_at.is_some() {
        return Ok(Ok(authorization.is_test_device));
    }
    let allow_listed = device_test_account::Entity::find()
        .filter(device_test_account::Column::DeviceId.eq(&device.id))
        .filter(device_test_account::Column::Email.eq(&customer.email))
        .one(conn)
        .await?
        .is_some();
    if authorization.include_non_live && allow_listed {
        Ok(Ok(true))
    } else {
        Ok(Err("This device is not available in your marketplace yet.".into()))
    }
}

pub(crate) async fn display_names(
    conn: &impl ConnectionTrait,
    device: &device::Model,
    marketplace_code: Option<&str>,
) -> Result<(String, String), AppError> {
    let marketplaces = device_marketplace::Entity::find()
        .filter(device_marketplace::Column::DeviceId.eq(&device.id))
        .all(conn)
        .await?;
    let chosen = marketplaces
        .iter()
        .find(|m| Some(m.marketplace_code.as_str()) == marketplace_code)
        .or_else(|| marketplaces.iter().find(|m| m.is_primary));
    let device_name =
        chosen.and_then(|m| m.friendly_name.clone()).unwrap_or_else(|| "Your device".to_owned());
    let maker = organization::Entity::find_by_id(&device.organization_id)
        .one(conn)
        .await?
        .map(|o| o.name)
        .unwrap_or_default();
    Ok((device_name, maker))
}

/// What the consent page shows for this request and (signed-in or not) customer.
pub async fn load_consent(
    db: &DatabaseConnection,
    customer_id: Option<&str>,
    query: &str,
) -> Result<ConsentView, AppError> {
    let authorization = match check_request(db, query).await? {
        Ok(authorization) => authorization,
        Err(view) => return Ok(view),
    };
    let Some(slots) = approved_slots(db, &authorization.device).await? else {
        return Ok(ConsentView::Redirect {
            to: error_redirect(
                &authorization.redirect_uri,
                "invalid_request",
                "the device model has slots without an approved replenishment ID",
                authorization.state.as_deref(),
            ),
        });
    };
    let customer = match customer_id {
        Some(id) => crate::services::customers::verified(db, id).await?,
        None => None,
    };
    let Some(customer) = customer else {
        let (device_name, maker) = display_names(db, &authorization.device, None).await?;
        let marketplaces = crate::services::customers::marketplaces(db).await?;
        return Ok(ConsentView::SignIn { device_name, maker, marketplaces });
    };
    let (device_name, maker) =
        display_names(db, &authorization.device, Some(&customer.marketplace_code)).await?;
    let is_test = match eligibility(db, &authorization, &customer).await? {
        Ok(is_test) => is_test,
        Err(message) => {
            return Ok(ConsentView::Unavailable { customer_email: customer.email, device_name, message });
        }
    };
    let names: HashMap<String, String> = slot_name::Entity::find()
        .filter(slot_name::Column::SlotKey.is_in(slots.iter().map(|(s, _)| s.id.clone())))
        .filter(slot_name::Column::MarketplaceCode.eq(&customer.marketplace_code))
        .all(db)
        .await?
        .into_iter()
        .map(|n| (n.slot_key, n.name))
        .collect();
    let image_url = device_image::Entity::find()
        .filter(device_image::Column::DeviceId.eq(&authorization.device.id))
        .one(db)
        .await?
        .map(|image| format!("/ap/images/{}", image.id));
    Ok(ConsentView::Choose {
        customer_email: customer.email,
        device_name,
        maker,
        image_url,
        is_test,
        slots: slots
            .iter()
            .map(|(slot, approval)| ConsentSlot {
                key: slot.id.clone(),
                name: names.get(&slot.id).cloned().unwrap_or_else(|| slot.slot_id.clone()),
                asins: asin_list(approval),
            })
            .collect(),
    })
}

/// The origin of the request's `redirect_uri`, for the consent page's form-action policy.
pub fn return_origin(query: &str) -> Option<String> {
    let (_, redirect_uri) = url::form_urlencoded::parse(query.trim_start_matches('?').as_bytes())
        .find(|(name, _)| name == "redirect_uri")?;
    let url = url::Url::parse(&redirect_uri).ok()?;
    matches!(url.scheme(), "http" | "https").then(|| url.origin().ascii_serialization())
}

/// The product chosen for a slot: one of its approved ASINs, or (for a slot without a list) any ASIN;
/// `None` is *notify me only*.
pub(crate) fn parse_choice(
    approval: &slot_approval::Model,
    raw: Option<&String>,
) -> Result<Option<String>, String> {
    let raw = raw.map(|r| r.trim()).unwrap_or_default();
    if raw.is_empty() || raw == NOTIFY_ONLY {
        return Ok(None);
    }
    let allowed = asin_list(approval);
    if allowed.is_empty() {
        return Asin::parse(raw).map(|asin| Some(asin.as_str().to_owned()));
    }
    if allowed.iter().any(|asin| asin == raw) {
        Ok(Some(raw.to_owned()))
    } else {
        Err("Choose one of the products offered, or notify me only.".into())
    }
}

/// The `subscriptionInfo` member of registration notifications: per slot, whether it reorders and what.
pub fn subscription_info(slots: &[(String, Option<String>)]) -> serde_json::Value {
    let statuses: serde_json::Map<String, serde_json::Value> = slots
        .iter()
        .map(|(slot_id, asin)| {
            (slot_id.clone(), serde_json::json!({ "subscribed": asin.is_some(), "asin": asin }))
        })
        .collect();
    serde_json::json!({ "slotsSubscriptionStatus": statuses })
}

/// The customer's answer: `allow` links the device and answers the redirect carrying a fresh code; anything
/// else answers the client's redirect with `access_denied`.
pub async fn confirm_consent(
    db: &DatabaseConnection,
    customer_id: &str,
    query: &str,
    decision: &str,
    choices: &BTreeMap<String, String>,
) -> Result<String, AppError> {
    let authorization = match check_request(db, query).await? {
        Ok(authorization) => authorization,
        Err(ConsentView::Redirect { to }) => return Ok(to),
        Err(ConsentView::Invalid { message }) => return Err(AppError::Refused(message)),
        Err(_) => return Err(AppError::Internal),
    };
    let state = authorization.state.as_deref();
    if decision != "allow" {
        return Ok(error_redirect(
            &authorization.redirect_uri,
            "access_denied",
            "the customer declined",
            state,
        ));
    }
    let customer =
        crate::services::customers::verified(db, customer_id).await?.ok_or(AppError::Unauthenticated)?;
    let is_test = eligibility(db, &authorization, &customer).await?.map_err(AppError::Refused)?;
    let Some(slots) = approved_slots(db, &authorization.device).await? else {
        return Err(AppError::Refused("This device is not ready to be linked.".into()));
    };
    let choices: HashMap<&str, &String> =
        choices.iter().map(|(key, value)| (choice_key(key), value)).collect();
    let mut chosen = Vec::with_capacity(slots.len());
    for (slot, approval) in &slots {
        let asin = parse_choice(approval, choices.get(slot.id.as_str()).copied())
            .map_err(|message| AppError::Refused(format!("{}: {message}", slot.slot_id)))?;
        chosen.push((slot, asin));
    }

    let code = new_secret();
    let at = now();
    let device = &authorization.device;
    let txn = transactions::begin(db).await?;
    let registration_id =
        link(&txn, device, &authorization.profile.id, &customer, &authorization.serial, is_test, &chosen)
            .await?;
    oauth_code::ActiveModel {
        code_hash: Set(hash_secret(&code)),
        organization_id: Set(device.organization_id.clone()),
        registration_id: Set(registration_id),
        security_profile_id: Set(authorization.profile.id.clone()),
        redirect_uri: Set(authorization.redirect_uri.clone()),
        expires_at: Set(at + CODE_LIFETIME),
        used_at: Set(None),
    }
    .insert(&txn)
    .await?;
    txn.commit().await?;
    Ok(with_query(&authorization.redirect_uri, &[("code", &code)], state))
}

/// Links a customer's device: replaces any live link of the same serial (and everything issued for it),
/// stores the registration with the chosen product per slot and tells the maker
/// (`DeviceRegisteredNotification`). Answers the registration's ID.
pub(crate) async fn link(
    txn: &impl ConnectionTrait,
    device: &device::Model,
    profile_id: &str,
    customer: &customer::Model,
    serial: &str,
    is_test: bool,
    chosen: &[(&slot::Model, Option<String>)],
) -> Result<String, AppError> {
    let at = now();
    // Linking a device that is already linked replaces the old link and everything issued for it.
    let previous = registration::Entity::find()
        .filter(registration::Column::DeviceId.eq(&device.id))
        .filter(registration::Column::Serial.eq(serial))
        .filter(registration::Column::DeregisteredAt.is_null())
        .all(txn)
        .await?;
    for old in previous {
        registrations::deregister_and_notify(txn, &old.id, at).await?;
    }
    let registration_id = new_id();
    registration::ActiveModel {
        id: Set(registration_id.clone()),
        organization_id: Set(device.organization_id.clone()),
        device_id: Set(device.id.clone()),
        security_profile_id: Set(profile_id.to_owned()),
        customer_id: Set(customer.id.clone()),
        serial: Set(serial.to_owned()),
        marketplace_code: Set(customer.marketplace_code.clone()),
        is_test: Set(is_test),
        last_active_at: Set(None),
        created_at: Set(at),
        deregistered_at: Set(None),
    }
    .insert(txn)
    .await?;
    let chosen_summary: Vec<(String, Option<String>)> =
        chosen.iter().map(|(slot, asin)| (slot.slot_id.clone(), asin.clone())).collect();
    for (slot, asin) in chosen {
        registration_slot::ActiveModel {
            id: Set(new_id()),
            organization_id: Set(device.organization_id.clone()),
            registration_id: Set(registration_id.clone()),
            slot_key: Set(slot.id.clone()),
            slot_id: Set(slot.slot_id.clone()),
            asin: Set(asin.clone()),
            expected_replenishment_at: Set(None),
            remaining_quantity: Set(None),
            original_quantity: Set(None),
            total_quantity_on_hand: Set(None),
            last_use_at: Set(None),
            status_reported_at: Set(None),
            level: Set(None),
            low_streak: Set(0),
            low_notified: Set(false),
        }
        .insert(txn)
        .await?;
    }
    let context = events::registration_context(txn, &registration_id).await?;
    events::notify(
        txn,
        &context,
        "DeviceRegisteredNotification",
        Some(("subscriptionInfo", subscription_info(&chosen_summary))),
    )
    .await?;
    Ok(registration_id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_and_codes_are_added_to_the_redirect_query() {
        assert_eq!(
            error_redirect("https://maker.example/cb?x=1", "access_denied", "no", Some("s t")),
            "https://maker.example/cb?x=1&error=access_denied&error_description=no&state=s+t"
        );
        assert_eq!(
            with_query("http://127.0.0.1:9/cb", &[("code", "abc")], None),
            "http://127.0.0.1:9/cb?code=abc"
        );
    }
}
