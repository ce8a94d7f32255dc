//! Payment method configurations (`/v1/payment_method_configurations`).
//!
//! Each platform has a default configuration (`is_default: true`, `parent: null`) created with
//! the platform; it is also the parent of one child per connected account (`parent` = its id,
//! `application` = the platform's `ca_…`), created when the account is created or connected.
//! The platform's per-method parent setting (on by default / off by default / blocked) is
//! Dashboard-only on Stripe; here it is set with `POST /_sandbox/payment_method_configurations/
//! defaults` or [`crate::Sandbox::set_payment_method_defaults`]. Payments code asks
//! [`enabled_methods`] / [`enabled_methods_for`] which methods an account offers. Stripe has no
//! events for this resource, so none are emitted.

pub mod api;
pub mod defaults;
pub mod model;

use axum::Router;
use serde_json::{Value, json};

use crate::app::{AppState, Tx};
use crate::store::State;
use crate::wire::error::ApiError;

pub use model::PmcDefault;
use model::{CARD_WALLETS, FIXTURE_METHODS, KIND, PmcMeta, Role};

/// Routes under `/v1`.
pub fn router() -> Router<AppState> {
    api::router()
}

/// Sandbox-only routes (`/_sandbox/payment_method_configurations/…`).
pub fn sandbox_router() -> Router<AppState> {
    defaults::router()
}

/// Hook: a platform was created; give it its default configuration.
pub fn on_platform_created(tx: &mut Tx<'_>, platform: &str) {
    model::ensure_default(tx, platform);
}

/// Hook: an account was created; give it a child of each platform it is connected to.
pub fn on_account_created(tx: &mut Tx<'_>, account: &str) {
    for platform in tx.platforms_of(account) {
        model::ensure_child(tx, &platform, account);
    }
}

/// Hook: an existing account was connected to `platform` (OAuth); give it a child unless it
/// already has one (reconnections keep the account's earlier preferences).
pub fn on_account_connected(tx: &mut Tx<'_>, platform: &str, account: &str) {
    model::ensure_child(tx, platform, account);
}

/// The configuration that governs payments by `platform` on `account`, as (record, parent
/// record, id, parent id). `configuration` is the request's `payment_method_configuration`.
struct Governing {
    meta: PmcMeta,
    parent: Option<PmcMeta>,
    id: Option<String>,
    parent_id: Option<String>,
}

fn no_such(id: &str) -> ApiError {
    ApiError::invalid_param(
        "payment_method_configuration",
        format!("No such payment_method_configuration: '{id}'"),
    )
    .code("resource_missing")
}

fn governing(
    state: &State,
    platform: &str,
    account: &str,
    configuration: Option<&str>,
) -> Result<Governing, ApiError> {
    let direct = |stored: &crate::store::Stored| Governing {
        meta: PmcMeta::of(stored),
        parent: None,
        id: Some(stored.id.clone()),
        parent_id: None,
    };
    // The account's child of `parent`, or a stand-in with no preferences if it was never made.
    let child = |parent: &crate::store::Stored| match model::child_of(state, account, &parent.id) {
        Some(c) => Governing {
            meta: PmcMeta::of(c),
            parent: Some(PmcMeta::of(parent)),
            id: Some(c.id.clone()),
            parent_id: Some(parent.id.clone()),
        },
        None => Governing {
            meta: PmcMeta {
                role: Role::Child,
                platform: platform.to_owned(),
                ..PmcMeta::default()
            },
            parent: Some(PmcMeta::of(parent)),
            id: None,
            parent_id: Some(parent.id.clone()),
        },
    };
    let fallback = || Governing {
        meta: PmcMeta::default(),
        parent: None,
        id: None,
        parent_id: None,
    };
    let Some(wanted) = configuration else {
        return Ok(match model::default_of(state, platform) {
            Some(default) if account == platform => direct(default),
            Some(default) => child(default),
            None => fallback(),
        });
    };
    let stored = state
        .get(wanted)
        .filter(|s| s.kind == KIND)
        .ok_or_else(|| no_such(wanted))?;
    if stored.value["active"] == json!(false) {
        return Err(ApiError::invalid_param(
            "payment_method_configuration",
            format!(
                "The payment method configuration {wanted} is not active: activate it or use \
                 another one."
            ),
        ));
    }
    let client_id = state.platforms.get(platform).map(|p| p.client_id.as_str());
    if stored.owner == platform && stored.value["parent"].is_null() {
        return Ok(if account == platform {
            direct(stored)
        } else {
            child(stored)
        });
    }
    let ours =
        stored.value["application"].is_null() || stored.value["application"].as_str() == client_id;
    if stored.owner == account && ours {
        let parent = model::parent_of(state, stored);
        return Ok(Governing {
            meta: PmcMeta::of(stored),
            parent,
            id: Some(stored.id.clone()),
            parent_id: stored.value["parent"].as_str().map(str::to_owned),
        });
    }
    Err(no_such(wanted))
}

/// PaymentMethod types offered by a configuration on `owner`: `available` entries (display value
/// `on` and capability active), card first then the fixture's order, card wallets left out.
fn offered(state: &State, owner: &str, g: &Governing) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut methods: Vec<&str> = vec!["card"];
    methods.extend(FIXTURE_METHODS.iter().filter(|m| **m != "card"));
    methods.extend(
        model::rendered_methods(&g.meta, g.parent.as_ref())
            .into_iter()
            .filter(|m| !FIXTURE_METHODS.contains(m)),
    );
    for method in methods {
        if CARD_WALLETS.contains(&method) {
            continue;
        }
        if model::resolve(&g.meta, g.parent.as_ref(), method).on
            && model::capability_active(state, owner, method)
        {
            out.push(method.to_owned());
        }
    }
    out
}

/// The PaymentMethod types `account` offers for payments made on it: a connected account uses
/// its child of the first platform it is connected to, a platform (or an unconnected account)
/// its own default configuration. Card first; `apple_pay`/`google_pay` are folded into `card`.
pub fn enabled_methods(state: &State, account: &str) -> Vec<String> {
    let platform = if state.is_platform(account) {
        Some(account.to_owned())
    } else {
        state.platforms_of(account).into_iter().next()
    };
    let g = match platform {
        Some(p) => governing(state, &p, account, None).unwrap_or_else(|_| Governing {
            meta: PmcMeta::default(),
            parent: None,
            id: None,
            parent_id: None,
        }),
        None => Governing {
            meta: PmcMeta::default(),
            parent: None,
            id: None,
            parent_id: None,
        },
    };
    offered(state, account, &g)
}

/// Currencies a method can be paid in, for the methods limited to a few (the rest take any).
fn currencies(method: &str) -> Option<&'static [&'static str]> {
    Some(match method {
        "sepa_debit" | "ideal" | "bancontact" | "eps" | "giropay" | "sofort" | "multibanco" => {
            &["eur"]
        }
        "p24" => &["eur", "pln"],
        "blik" => &["pln"],
        "bacs_debit" => &["gbp"],
        "acss_debit" => &["cad", "usd"],
        "us_bank_account" | "cashapp" | "amazon_pay" => &["usd"],
        "affirm" => &["usd", "cad"],
        "zip" => &["usd", "aud"],
        "afterpay_clearpay" => &["usd", "cad", "gbp", "aud", "nzd", "eur"],
        _ => return None,
    })
}

/// [`enabled_methods`] restricted to the methods that can take `currency` (lowercase ISO code),
/// for a payment's default `payment_method_types`.
pub fn payment_method_types(state: &State, account: &str, currency: &str) -> Vec<String> {
    let currency = currency.to_ascii_lowercase();
    enabled_methods(state, account)
        .into_iter()
        .filter(|m| currencies(m).is_none_or(|cs| cs.contains(&currency.as_str())))
        .collect()
}

/// Like [`enabled_methods`] for payments `platform` makes on `account` (the platform itself or
/// one of its connected accounts), honouring a `payment_method_configuration` parameter: a
/// parent id resolves to the account's child, as on Stripe. Unknown, foreign or inactive ids
/// answer 400 on `payment_method_configuration`.
pub fn enabled_methods_for(
    state: &State,
    platform: &str,
    account: &str,
    configuration: Option<&str>,
) -> Result<Vec<String>, ApiError> {
    let g = governing(state, platform, account, configuration)?;
    Ok(offered(state, account, &g))
}

/// `{id, parent}` of the configuration that governs payments `platform` makes on `account`
/// (`payment_method_configuration_details` of checkout sessions and payment intents), or `None`.
pub fn configuration_details(
    state: &State,
    platform: &str,
    account: &str,
    configuration: Option<&str>,
) -> Option<Value> {
    let g = governing(state, platform, account, configuration).ok()?;
    let id = g.id.or_else(|| g.parent_id.clone())?;
    Some(json!({ "id": id, "parent": g.parent_id }))
}

impl crate::Sandbox {
    /// Sets a platform's parent defaults (Dashboard-only on Stripe): `platform` is the platform's
    /// account id, each pair a method and its setting. Fails on an unknown platform or method.
    pub fn set_payment_method_defaults(
        &self,
        platform: &str,
        settings: &[(&str, PmcDefault)],
    ) -> Result<Value, String> {
        let changes: Vec<(String, Option<PmcDefault>)> = settings
            .iter()
            .map(|(m, d)| ((*m).to_owned(), Some(*d)))
            .collect();
        self.app()
            .write(|tx| defaults::apply(tx, platform, None, None, &changes))
            .map_err(|e| e.message)
    }

    /// The platform's per-account replacement of its parent setting (`None` removes it), e.g.
    /// to unblock a method for one account, as Stripe's Dashboard allows.
    pub fn set_payment_method_override(
        &self,
        platform: &str,
        account: &str,
        settings: &[(&str, Option<PmcDefault>)],
    ) -> Result<Value, String> {
        let changes: Vec<(String, Option<PmcDefault>)> = settings
            .iter()
            .map(|(m, d)| ((*m).to_owned(), *d))
            .collect();
        self.app()
            .write(|tx| defaults::apply(tx, platform, None, Some(account), &changes))
            .map_err(|e| e.message)
    }

    /// The PaymentMethod types `account` offers (see [`enabled_methods`]).
    pub fn enabled_payment_methods(&self, account: &str) -> Vec<String> {
        self.app().read(|s| enabled_methods(s, account))
    }
}
