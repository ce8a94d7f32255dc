//! The payment method configuration model: the method catalogue, the private record kept in a
//! stored object's `meta`, parent defaults (on by default / off by default / blocked), the
//! resolution of a child's `display_preference`, and rendering.
//!
//! A configuration lives in the generic store (kind [`KIND`]) on the account it belongs to: a
//! platform's own configurations on the platform, children on the connected account. The
//! rendered JSON depends on live data (the parent's defaults, the account's capabilities), so
//! it is recomputed by [`render`] every time it is answered.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

use crate::app::Tx;
use crate::ids;
use crate::store::{State, Stored};

/// The store kind (and `object`) of a configuration.
pub const KIND: &str = "payment_method_configuration";

/// Methods every configuration renders: exactly the method keys of Stripe's fixture object.
pub const FIXTURE_METHODS: &[&str] = &[
    "acss_debit",
    "affirm",
    "afterpay_clearpay",
    "alipay",
    "amazon_pay",
    "apple_pay",
    "bacs_debit",
    "bancontact",
    "blik",
    "card",
    "cartes_bancaires",
    "cashapp",
    "customer_balance",
    "eps",
    "giropay",
    "google_pay",
    "ideal",
    "klarna",
    "link",
    "multibanco",
    "p24",
    "sepa_debit",
    "sofort",
    "us_bank_account",
    "wechat_pay",
    "zip",
];

/// Other methods the API accepts as parameters (stripe-node 23.1.0's create/update params).
/// They are rendered only once a preference or a default was set for them.
pub const EXTRA_METHODS: &[&str] = &[
    "alma",
    "apple_pay_later",
    "au_becs_debit",
    "billie",
    "bizum",
    "boleto",
    "crypto",
    "fpx",
    "fr_meal_voucher_conecs",
    "grabpay",
    "jcb",
    "kakao_pay",
    "konbini",
    "kr_card",
    "mb_way",
    "mobilepay",
    "naver_pay",
    "nz_bank_account",
    "oxxo",
    "pay_by_bank",
    "payco",
    "paynow",
    "paypal",
    "paypay",
    "payto",
    "pix",
    "promptpay",
    "revolut_pay",
    "samsung_pay",
    "satispay",
    "scalapay",
    "sequra",
    "sunbit",
    "swish",
    "twint",
    "upi",
];

/// Methods on for a new configuration (as in Stripe's fixture); every other one starts off.
pub const INITIALLY_ON: &[&str] = &["card", "apple_pay"];

/// Wallets that are not PaymentMethod types: at payment time they ride on `card`.
pub const CARD_WALLETS: &[&str] = &["apple_pay", "google_pay"];

/// Whether `name` is a payment method the API knows.
pub fn is_method(name: &str) -> bool {
    FIXTURE_METHODS.contains(&name) || EXTRA_METHODS.contains(&name)
}

/// A platform's setting for one method of a parent configuration (Dashboard-only on Stripe).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PmcDefault {
    /// On unless the account turns it off.
    OnByDefault,
    /// Off unless the account turns it on.
    OffByDefault,
    /// Off; the account cannot change it.
    Blocked,
}

impl PmcDefault {
    /// The wire name (`on_by_default`, `off_by_default`, `blocked`).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::OnByDefault => "on_by_default",
            Self::OffByDefault => "off_by_default",
            Self::Blocked => "blocked",
        }
    }

    /// Parses the wire name.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "on_by_default" => Some(Self::OnByDefault),
            "off_by_default" => Some(Self::OffByDefault),
            "blocked" => Some(Self::Blocked),
            _ => None,
        }
    }

    /// The setting of a method nobody configured.
    pub fn initial(method: &str) -> Self {
        if INITIALLY_ON.contains(&method) {
            Self::OnByDefault
        } else {
            Self::OffByDefault
        }
    }
}

/// What a configuration is.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Applies to payments on the account it lives on; `parent: null`. A platform's default one
    /// is also the parent of its connected accounts' children.
    #[default]
    Direct,
    /// A connected account's child of a platform's parent.
    Child,
}

/// Private data of a configuration, kept in the stored object's `meta`.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct PmcMeta {
    /// Direct or child.
    pub role: Role,
    /// The platform whose API created it (for children: the platform of the parent).
    pub platform: String,
    /// The account's own preference per method: `on`, `off` or `none` (absent = `none` for a
    /// child, the initial on/off for a direct configuration).
    pub preferences: BTreeMap<String, String>,
    /// Parents only: the setting children inherit, per method (absent = [`PmcDefault::initial`]).
    pub defaults: BTreeMap<String, PmcDefault>,
    /// Children only: the platform's per-account replacement of the parent's setting.
    pub overrides: BTreeMap<String, PmcDefault>,
}

impl PmcMeta {
    /// Reads the record of a stored configuration.
    pub fn of(stored: &Stored) -> Self {
        serde_json::from_value(stored.meta.clone()).unwrap_or_default()
    }

    fn to_value(&self) -> Value {
        serde_json::to_value(self).unwrap_or(Value::Null)
    }
}

/// The resolved display of one method.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Resolved {
    /// `display_preference.overridable` (`None` = null, for direct configurations).
    pub overridable: Option<bool>,
    /// `display_preference.preference`.
    pub preference: String,
    /// `display_preference.value` is `on`.
    pub on: bool,
}

/// The setting a child inherits for `method` (the platform's per-account override first).
pub fn child_setting(parent: Option<&PmcMeta>, child: &PmcMeta, method: &str) -> PmcDefault {
    child
        .overrides
        .get(method)
        .or_else(|| parent.and_then(|p| p.defaults.get(method)))
        .copied()
        .unwrap_or_else(|| PmcDefault::initial(method))
}

/// Resolves one method of a configuration. `parent` is the parent's record (children only).
pub fn resolve(meta: &PmcMeta, parent: Option<&PmcMeta>, method: &str) -> Resolved {
    let own = meta.preferences.get(method).map(String::as_str);
    match meta.role {
        Role::Direct => {
            let preference = own.unwrap_or(if INITIALLY_ON.contains(&method) {
                "on"
            } else {
                "off"
            });
            Resolved {
                overridable: None,
                preference: preference.to_owned(),
                on: preference == "on",
            }
        }
        Role::Child => {
            let preference = own.unwrap_or("none").to_owned();
            let (overridable, on) = match child_setting(parent, meta, method) {
                PmcDefault::OnByDefault => (true, preference != "off"),
                PmcDefault::OffByDefault => (true, preference == "on"),
                PmcDefault::Blocked => (false, false),
            };
            Resolved {
                overridable: Some(overridable),
                preference,
                on,
            }
        }
    }
}

/// The capability a method needs. Card wallets and Link ride on `card_payments`.
pub fn capability_for(method: &str) -> String {
    match method {
        "card" | "apple_pay" | "google_pay" => "card_payments".into(),
        "us_bank_account" => "us_bank_account_ach_payments".into(),
        "customer_balance" => "bank_transfer_payments".into(),
        other => format!("{other}_payments"),
    }
}

/// Whether `method`'s capability is active on `account`. A method whose own capability was never
/// requested follows `card_payments` (sandbox choice: platforms rarely request
/// `sepa_debit_payments` & co., and Stripe turns many of them on with cards).
pub fn capability_active(state: &State, account: &str, method: &str) -> bool {
    let Some(caps) = state
        .find(account, "account", account)
        .and_then(|a| a.get("capabilities"))
        .and_then(Value::as_object)
    else {
        return false;
    };
    let status = caps
        .get(&capability_for(method))
        .or_else(|| caps.get("card_payments"));
    status.and_then(Value::as_str) == Some("active")
}

/// The methods a configuration renders: the fixture's, plus extra ones that were configured.
pub fn rendered_methods(meta: &PmcMeta, parent: Option<&PmcMeta>) -> Vec<&'static str> {
    let configured = |m: &str| {
        meta.preferences.contains_key(m)
            || meta.overrides.contains_key(m)
            || meta.defaults.contains_key(m)
            || parent.is_some_and(|p| p.defaults.contains_key(m))
    };
    let mut out: Vec<&'static str> = FIXTURE_METHODS
        .iter()
        .chain(EXTRA_METHODS.iter().filter(|m| configured(m)))
        .copied()
        .collect();
    out.sort_unstable();
    out
}

/// The parent record of a stored configuration, if it is a child.
pub fn parent_of(state: &State, stored: &Stored) -> Option<PmcMeta> {
    let parent = stored.value.get("parent").and_then(Value::as_str)?;
    state.get(parent).map(PmcMeta::of)
}

/// Renders a stored configuration with its live per-method entries.
pub fn render(state: &State, stored: &Stored) -> Value {
    let meta = PmcMeta::of(stored);
    let parent = parent_of(state, stored);
    let mut out = Map::new();
    let base = stored.value.as_object().cloned().unwrap_or_default();
    for key in ["id", "object"] {
        out.insert(key.into(), base.get(key).cloned().unwrap_or(Value::Null));
    }
    let mut rest: BTreeMap<String, Value> = BTreeMap::new();
    for key in [
        "active",
        "application",
        "is_default",
        "livemode",
        "name",
        "parent",
    ] {
        rest.insert(key.into(), base.get(key).cloned().unwrap_or(Value::Null));
    }
    for method in rendered_methods(&meta, parent.as_ref()) {
        let r = resolve(&meta, parent.as_ref(), method);
        let available = r.on && capability_active(state, &stored.owner, method);
        rest.insert(
            method.into(),
            json!({
                "available": available,
                "display_preference": {
                    "overridable": r.overridable,
                    "preference": r.preference,
                    "value": if r.on { "on" } else { "off" },
                },
            }),
        );
    }
    out.extend(rest);
    Value::Object(out)
}

/// Every configuration stored on `owner` (oldest first).
pub fn on_account<'a>(state: &'a State, owner: &str) -> Vec<&'a Stored> {
    state
        .ids(owner, KIND)
        .iter()
        .filter_map(|id| state.get(id))
        .collect()
}

/// The platform's default configuration (the parent of its accounts' default children).
pub fn default_of<'a>(state: &'a State, platform: &str) -> Option<&'a Stored> {
    on_account(state, platform)
        .into_iter()
        .find(|s| s.value["is_default"] == json!(true) && s.value["parent"].is_null())
}

/// The child of `parent` on `account`, if any.
pub fn child_of<'a>(state: &'a State, account: &str, parent: &str) -> Option<&'a Stored> {
    on_account(state, account)
        .into_iter()
        .find(|s| s.value["parent"].as_str() == Some(parent))
}

/// Stores a new configuration and returns its id.
pub fn insert(tx: &mut Tx<'_>, owner: &str, fields: Value, meta: &PmcMeta) -> String {
    let id = ids::new_id("pmc");
    let mut value = json!({ "id": id, "object": KIND, "livemode": false });
    if let (Some(obj), Value::Object(extra)) = (value.as_object_mut(), fields) {
        obj.extend(extra);
    }
    tx.insert_with_meta(owner, KIND, value, meta.to_value());
    refresh(tx, &id);
    id
}

/// Saves a configuration's record and re-renders its stored JSON.
pub fn save_meta(tx: &mut Tx<'_>, id: &str, meta: &PmcMeta) {
    if let Some(stored) = tx.objects.get_mut(id) {
        stored.meta = meta.to_value();
    }
    refresh(tx, id);
}

/// Re-renders the stored JSON (kept current for code that reads the store directly).
pub fn refresh(tx: &mut Tx<'_>, id: &str) {
    let Some(rendered) = tx.get(id).map(|s| render(tx, s)) else {
        return;
    };
    if let Some(value) = tx.value_mut(id) {
        *value = rendered;
    }
}

/// Creates the platform's default configuration unless it exists; returns its id.
pub fn ensure_default(tx: &mut Tx<'_>, platform: &str) -> String {
    if let Some(existing) = default_of(tx, platform) {
        return existing.id.clone();
    }
    let meta = PmcMeta {
        role: Role::Direct,
        platform: platform.to_owned(),
        ..PmcMeta::default()
    };
    let fields = json!({
        "active": true,
        "application": null,
        "is_default": true,
        "name": "Default",
        "parent": null,
    });
    insert(tx, platform, fields, &meta)
}

/// Creates the child of `platform`'s default configuration on `account` unless it exists;
/// returns its id (`None` if `platform` is not a platform).
pub fn ensure_child(tx: &mut Tx<'_>, platform: &str, account: &str) -> Option<String> {
    if platform == account {
        return None;
    }
    let client_id = tx.platforms.get(platform)?.client_id.clone();
    let parent = ensure_default(tx, platform);
    if let Some(existing) = child_of(tx, account, &parent) {
        return Some(existing.id.clone());
    }
    let name = tx
        .get(&parent)
        .and_then(|s| s.value["name"].as_str())
        .unwrap_or("Default")
        .to_owned();
    let meta = PmcMeta {
        role: Role::Child,
        platform: platform.to_owned(),
        ..PmcMeta::default()
    };
    let fields = json!({
        "active": true,
        "application": client_id,
        "is_default": true,
        "name": name,
        "parent": parent,
    });
    Some(insert(tx, account, fields, &meta))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn child(prefs: &[(&str, &str)]) -> PmcMeta {
        PmcMeta {
            role: Role::Child,
            preferences: prefs
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect(),
            ..PmcMeta::default()
        }
    }

    fn parent(defaults: &[(&str, PmcDefault)]) -> PmcMeta {
        PmcMeta {
            defaults: defaults
                .iter()
                .map(|(k, v)| ((*k).to_owned(), *v))
                .collect(),
            ..PmcMeta::default()
        }
    }

    #[test]
    fn resolution_table() {
        let p = parent(&[
            ("klarna", PmcDefault::Blocked),
            ("sepa_debit", PmcDefault::OnByDefault),
            ("ideal", PmcDefault::OffByDefault),
        ]);
        let c = child(&[]);
        let r = resolve(&c, Some(&p), "sepa_debit");
        assert_eq!(
            (r.overridable, r.preference.as_str(), r.on),
            (Some(true), "none", true)
        );
        assert!(!resolve(&c, Some(&p), "ideal").on);
        let r = resolve(&c, Some(&p), "klarna");
        assert_eq!((r.overridable, r.on), (Some(false), false));
        let c = child(&[("sepa_debit", "off"), ("ideal", "on"), ("klarna", "on")]);
        assert!(!resolve(&c, Some(&p), "sepa_debit").on);
        assert!(resolve(&c, Some(&p), "ideal").on);
        assert!(!resolve(&c, Some(&p), "klarna").on);
        // Nothing configured: the fixture's initial state.
        assert!(resolve(&child(&[]), Some(&parent(&[])), "card").on);
        assert!(!resolve(&child(&[]), Some(&parent(&[])), "google_pay").on);
    }

    #[test]
    fn direct_uses_own_preference() {
        let d = PmcMeta::default();
        let r = resolve(&d, None, "card");
        assert_eq!(
            (r.overridable, r.preference.as_str(), r.on),
            (None, "on", true)
        );
        assert_eq!(resolve(&d, None, "ideal").preference, "off");
    }

    #[test]
    fn methods_are_sorted_and_extras_appear_when_configured() {
        let d = PmcMeta::default();
        assert_eq!(rendered_methods(&d, None).len(), FIXTURE_METHODS.len());
        let mut with_paypal = PmcMeta::default();
        with_paypal.preferences.insert("paypal".into(), "on".into());
        let methods = rendered_methods(&with_paypal, None);
        assert!(methods.contains(&"paypal"));
        assert!(methods.windows(2).all(|w| w[0] < w[1]));
    }
}
