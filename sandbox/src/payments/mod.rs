//! The payments family: products, prices, customers, payment intents, charges, refunds,
//! disputes, application fees, balance and balance transactions, payouts, transfers and the
//! test helpers. Checkout Sessions live in [`crate::checkout`], their pages in
//! [`crate::pages::checkout`]. Every object lives on the account it acts on (`Stripe-Account`
//! selects a connected account for direct charges); application fees live on the platform.

pub mod balance;
pub mod charges;
pub mod customers;
pub mod disputes;
pub mod fees;
pub mod intents;
pub mod methods;
pub mod money;
pub mod payouts;
pub mod products;
pub mod refunds;
pub mod test_helpers;
pub mod transfers;

use axum::Router;
use axum::http::StatusCode;
use serde_json::{Map, Value, json};

use crate::app::{AppState, Tx};
use crate::store::State;
use crate::wire::error::{ApiError, ErrorType};
use crate::wire::form::Params;

/// Routes of the family under `/v1`.
pub fn router() -> Router<AppState> {
    Router::new()
        .merge(products::router())
        .merge(customers::router())
        .merge(intents::router())
        .merge(charges::router())
        .merge(refunds::router())
        .merge(disputes::router())
        .merge(fees::router())
        .merge(balance::router())
        .merge(payouts::router())
        .merge(transfers::router())
        .merge(methods::router())
        .merge(test_helpers::router())
}

/// 400 `resource_missing` for an id given in a parameter (Stripe answers 400, not 404, when the
/// missing object is named by a parameter rather than the URL).
pub fn missing_ref(thing: &str, id: &str, param: &str) -> ApiError {
    ApiError::invalid(format!("No such {thing}: '{id}'"))
        .code("resource_missing")
        .param(param)
}

/// Replaces the stored JSON of `id`; returns the new value.
pub fn replace(tx: &mut Tx<'_>, id: &str, value: Value) -> Value {
    if let Some(slot) = tx.value_mut(id) {
        *slot = value.clone();
    }
    value
}

/// A stored object of `kind` on `owner`, cloned, or a 404 on the URL's `id`.
pub fn load(
    state: &State,
    owner: &str,
    kind: &str,
    id: &str,
    thing: &str,
) -> Result<Value, ApiError> {
    state.require(owner, kind, id, thing, "id").cloned()
}

/// Applies `change` to a stored object and returns `(before, after)`.
pub fn modify(
    tx: &mut Tx<'_>,
    id: &str,
    change: impl FnOnce(&mut Map<String, Value>),
) -> (Value, Value) {
    let before = tx.get(id).map(|s| s.value.clone()).unwrap_or(Value::Null);
    let mut after = before.clone();
    if let Some(obj) = after.as_object_mut() {
        change(obj);
    }
    replace(tx, id, after.clone());
    (before, after)
}

/// Private data kept with a stored object (`Value::Null` when none).
pub fn meta(state: &State, id: &str) -> Value {
    state.get(id).map(|s| s.meta.clone()).unwrap_or(Value::Null)
}

/// Sets one key of a stored object's private data.
pub fn set_meta(tx: &mut Tx<'_>, id: &str, key: &str, value: Value) {
    if let Some(stored) = tx.objects.get_mut(id) {
        if !stored.meta.is_object() {
            stored.meta = json!({});
        }
        if let Some(obj) = stored.meta.as_object_mut() {
            obj.insert(key.to_owned(), value);
        }
    }
}

/// `metadata` from a create request (`{}` when absent).
pub fn metadata_param(p: &Params) -> Value {
    let mut out = Map::new();
    if let Some(map) = p.obj("metadata") {
        for (k, v) in map {
            if v.as_str().is_some_and(|s| !s.is_empty()) {
                out.insert(k.clone(), v.clone());
            }
        }
    }
    Value::Object(out)
}

/// Merges a `metadata` update into `obj` (`metadata=` clears all, `metadata[k]=` removes a key).
pub fn merge_metadata(obj: &mut Map<String, Value>, p: &Params) {
    if p.is_unset("metadata") {
        obj.insert("metadata".into(), json!({}));
        return;
    }
    let Some(update) = p.obj("metadata") else {
        return;
    };
    let mut current = obj
        .get("metadata")
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    for (k, v) in update {
        match v.as_str() {
            Some("") | None => {
                current.remove(k);
            }
            Some(_) => {
                current.insert(k.clone(), v.clone());
            }
        }
    }
    obj.insert("metadata".into(), Value::Object(current));
}

/// Copies optional string parameters into `obj` (`""` sets `null`).
pub fn set_strings(obj: &mut Map<String, Value>, p: &Params, names: &[&str]) {
    for name in names {
        if p.is_unset(name) {
            obj.insert((*name).to_owned(), Value::Null);
        } else if let Some(v) = p.str(name) {
            obj.insert((*name).to_owned(), json!(v));
        }
    }
}

/// The `application` (Connect client id `ca_…`) recorded on objects created by a platform on
/// a connected account; `null` when the account acts for itself.
pub fn application_of(state: &State, platform: &str, owner: &str) -> Value {
    if platform == owner {
        return Value::Null;
    }
    state
        .platforms
        .get(platform)
        .map_or(Value::Null, |p| json!(p.client_id))
}

/// A stored account's rendered JSON.
pub fn account_value<'a>(state: &'a State, account: &str) -> Option<&'a Value> {
    state.find(account, "account", account)
}

/// The merchant name shown on hosted pages and statement descriptors.
pub fn merchant_name(state: &State, account: &str) -> String {
    let Some(a) = account_value(state, account) else {
        return "Sandbox merchant".into();
    };
    [
        &a["settings"]["dashboard"]["display_name"],
        &a["business_profile"]["name"],
        &a["company"]["name"],
        &a["email"],
    ]
    .iter()
    .find_map(|v| v.as_str().filter(|s| !s.is_empty()))
    .map_or_else(|| account.to_owned(), str::to_owned)
}

/// Fails unless the account may accept payments (`charges_enabled`), as Stripe does.
pub fn require_charges_enabled(state: &State, account: &str) -> Result<(), ApiError> {
    let enabled = account_value(state, account)
        .and_then(|a| a.get("charges_enabled"))
        .and_then(Value::as_bool)
        .unwrap_or(false);
    if enabled {
        return Ok(());
    }
    Err(ApiError::invalid(format!(
        "Your account cannot currently make charges. To find out why charge creation is currently \
         disabled, look at the `requirements.disabled_reason` property on this account \
         (/v1/accounts/{account})."
    ))
    .code("account_invalid"))
}

/// A 402 `card_error`.
pub fn card_error(code: &str, message: &str) -> ApiError {
    ApiError::new(StatusCode::PAYMENT_REQUIRED, ErrorType::Card, message).code(code)
}

/// The state error Stripe answers when an object is not in a state allowing the operation.
pub fn unexpected_state(message: impl Into<String>) -> ApiError {
    ApiError::invalid(message).code("payment_intent_unexpected_state")
}
