//! Payment intents (`pi_…`, client secret `pi_…_secret_…`) and the payment engine every
//! payment goes through (API confirmations, Checkout, the hosted pages, test helpers):
//! confirmation with a test method, 3D Secure (`requires_action` → the sandbox's
//! authentication page), declines (402 `card_error` with `payment_intent`), manual capture
//! (partial captures release the rest), cancellation, and SEPA Direct Debit settlement by a
//! scheduled action after `async_payment_delay` / `delayed_async_payment_delay`.
//!
//! Endpoints: `POST /v1/payment_intents`, `GET|POST /v1/payment_intents/{id}`,
//! `POST …/{id}/confirm|capture|cancel`, `GET /v1/payment_intents` (`customer`, `created`).

use axum::extract::{Path, State};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::{Value, json};

use crate::accounts::model::diff;
use crate::app::{AppState, Tx};
use crate::ids;
use crate::payments::charges::{self, NewCharge};
use crate::payments::methods::{self, Behaviour, Billing, Decline};
use crate::payments::{
    card_error, customers, disputes, load, merge_metadata, meta, metadata_param, missing_ref,
    modify, money, refunds, require_charges_enabled, set_meta, set_strings, unexpected_state,
};
use crate::scheduler::ScheduledAction;
use crate::wire::auth::Caller;
use crate::wire::error::{ApiError, ApiResult};
use crate::wire::expand;
use crate::wire::form::{Field, Form, Params, Schema, Ty, opt, req};
use crate::wire::list;

/// Scheduler kind settling a processing SEPA payment.
pub const SEPA_SETTLE: &str = "payments.sepa_settle";

/// Routes under `/v1`.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/payment_intents", get(list_intents).post(create))
        .route("/payment_intents/{id}", get(retrieve).post(update))
        .route("/payment_intents/{id}/confirm", post(confirm_endpoint))
        .route("/payment_intents/{id}/capture", post(capture_endpoint))
        .route("/payment_intents/{id}/cancel", post(cancel_endpoint))
}

/// What a new payment intent holds.
#[derive(Clone, Debug)]
pub struct PiSpec {
    /// Minor units.
    pub amount: i64,
    /// Lowercase currency.
    pub currency: String,
    /// `automatic`, `automatic_async` or `manual`.
    pub capture_method: String,
    /// `cus_…` or null.
    pub customer: Value,
    /// `description`.
    pub description: Value,
    /// `metadata` (an object).
    pub metadata: Value,
    /// `receipt_email`.
    pub receipt_email: Value,
    /// `application_fee_amount`.
    pub application_fee_amount: Option<i64>,
    /// `transfer_data` or null.
    pub transfer_data: Value,
    /// `on_behalf_of`.
    pub on_behalf_of: Value,
    /// `statement_descriptor`.
    pub statement_descriptor: Value,
    /// `statement_descriptor_suffix`.
    pub statement_descriptor_suffix: Value,
    /// `setup_future_usage`.
    pub setup_future_usage: Value,
    /// Allowed payment method types.
    pub payment_method_types: Vec<String>,
    /// `automatic_payment_methods` was used (no explicit types).
    pub automatic: bool,
    /// `transfer_group`.
    pub transfer_group: Value,
    /// `shipping`.
    pub shipping: Value,
    /// The platform whose key created it (receives application fees).
    pub platform: String,
    /// The Checkout Session that created it.
    pub checkout_session: Option<String>,
    /// `payment_method_configuration_details` (null with explicit types).
    pub configuration_details: Value,
}

/// Whether a payment method type can take `currency` (the sandbox's pages offer card and
/// SEPA Direct Debit; other types follow their usual currencies).
fn takes_currency(method: &str, currency: &str) -> bool {
    match method {
        "sepa_debit" | "ideal" | "bancontact" | "eps" | "giropay" | "sofort" => currency == "eur",
        "p24" => currency == "eur" || currency == "pln",
        "bacs_debit" => currency == "gbp",
        "us_bank_account" | "cashapp" => currency == "usd",
        "au_becs_debit" => currency == "aud",
        "acss_debit" => currency == "cad" || currency == "usd",
        _ => true,
    }
}

/// The payment method types a payment by `platform` on `account` in `currency` offers when the
/// request names none, from the account's payment method configuration (or the one named by
/// `configuration`), with `payment_method_configuration_details`. Fails like Stripe when the
/// configuration is unknown or nothing is left.
pub fn offered_types(
    state: &crate::store::State,
    platform: &str,
    account: &str,
    currency: &str,
    configuration: Option<&str>,
) -> Result<(Vec<String>, Value), ApiError> {
    use crate::payment_method_configs as pmc;
    let types: Vec<String> = match configuration {
        None => crate::hooks::payment_method_types(state, account, currency).unwrap_or_default(),
        Some(cfg) => pmc::enabled_methods_for(state, platform, account, Some(cfg))?
            .into_iter()
            .filter(|m| takes_currency(m, currency))
            .collect(),
    };
    if types.is_empty() {
        return Err(ApiError::invalid(format!(
            "No valid payment method types for this request. Please ensure that you have activated \
             payment methods compatible with your chosen currency ({currency}) in your dashboard \
             (https://dashboard.stripe.com/settings/payment_methods) or specify payment_method_types."
        )));
    }
    let details =
        pmc::configuration_details(state, platform, account, configuration).unwrap_or(Value::Null);
    Ok((types, details))
}

fn method_options(types: &[String]) -> Value {
    let mut o = serde_json::Map::new();
    for t in types {
        let v = match t.as_str() {
            "card" => {
                json!({ "installments": null, "mandate_options": null, "network": null, "request_three_d_secure": "automatic" })
            }
            _ => json!({}),
        };
        o.insert(t.clone(), v);
    }
    Value::Object(o)
}

/// Creates a payment intent on `owner` (`requires_payment_method`); emits
/// `payment_intent.created`.
pub fn create_intent(tx: &mut Tx<'_>, owner: &str, spec: PiSpec) -> Value {
    let id = ids::new_id("pi");
    let secret = format!("{id}_secret_{}", ids::random_chars(25));
    let application = crate::payments::application_of(tx, &spec.platform, owner);
    let value = json!({
        "id": id,
        "object": "payment_intent",
        "amount": spec.amount,
        "amount_capturable": 0,
        "amount_details": { "tip": {} },
        "amount_received": 0,
        "application": application,
        "application_fee_amount": spec.application_fee_amount,
        "automatic_payment_methods": if spec.automatic { json!({ "allow_redirects": "always", "enabled": true }) } else { Value::Null },
        "canceled_at": null,
        "cancellation_reason": null,
        "capture_method": spec.capture_method,
        "client_secret": secret,
        "confirmation_method": "automatic",
        "created": tx.now(),
        "currency": spec.currency,
        "customer": spec.customer,
        "customer_account": null,
        "description": spec.description,
        "excluded_payment_method_types": null,
        "last_payment_error": null,
        "latest_charge": null,
        "livemode": false,
        "managed_payments": null,
        "metadata": spec.metadata,
        "next_action": null,
        "on_behalf_of": spec.on_behalf_of,
        "payment_method": null,
        "payment_method_configuration_details": spec.configuration_details,
        "payment_method_options": method_options(&spec.payment_method_types),
        "payment_method_types": spec.payment_method_types,
        "processing": null,
        "receipt_email": spec.receipt_email,
        "review": null,
        "setup_future_usage": spec.setup_future_usage,
        "shipping": spec.shipping,
        "source": null,
        "statement_descriptor": spec.statement_descriptor,
        "statement_descriptor_suffix": spec.statement_descriptor_suffix,
        "status": "requires_payment_method",
        "transfer_data": spec.transfer_data,
        "transfer_group": spec.transfer_group,
    });
    let pi = tx.insert_with_meta(
        owner,
        "payment_intent",
        value,
        json!({ "platform": spec.platform, "checkout_session": spec.checkout_session }),
    );
    tx.emit(owner, "payment_intent.created", pi.clone(), None);
    pi
}

/// How a confirmation is made.
#[derive(Clone, Debug, Default)]
pub struct ConfirmOpts {
    /// Where a redirect-based step (3D Secure) returns to.
    pub return_url: Option<String>,
    /// The customer is not present (3D Secure cards then decline).
    pub off_session: bool,
    /// Decline instead of asking for 3D Secure.
    pub error_on_requires_action: bool,
}

/// The result of a payment attempt.
#[derive(Clone, Debug)]
pub enum Outcome {
    /// Paid.
    Succeeded(Value),
    /// Authorized, waiting for capture.
    RequiresCapture(Value),
    /// SEPA: waiting for the bank.
    Processing(Value),
    /// 3D Secure needed; the page is in `next_action`.
    RequiresAction(Value),
    /// Declined; the error is what the API answers (402).
    Declined {
        /// The payment intent after the failure.
        pi: Value,
        /// The 402 `card_error`.
        error: Box<ApiError>,
    },
}

impl Outcome {
    /// The payment intent after the attempt.
    pub fn pi(&self) -> &Value {
        match self {
            Self::Succeeded(pi)
            | Self::RequiresCapture(pi)
            | Self::Processing(pi)
            | Self::RequiresAction(pi) => pi,
            Self::Declined { pi, .. } => pi,
        }
    }
}

fn doc_url(code: &str) -> String {
    format!(
        "https://stripe.com/docs/error-codes/{}",
        code.replace('_', "-")
    )
}

/// The sandbox page where a customer completes 3D Secure for `pi`.
pub fn authentication_url(tx: &Tx<'_>, pi: &Value) -> String {
    format!(
        "{}pay/authenticate/{}?client_secret={}",
        tx.app.base_url(),
        pi["id"].as_str().unwrap_or_default(),
        pi["client_secret"].as_str().unwrap_or_default()
    )
}

/// Checks that `pm` may pay `pi` (before anything changes).
fn check_confirmable(tx: &Tx<'_>, owner: &str, pi: &Value, pm: &Value) -> Result<(), ApiError> {
    let status = pi["status"].as_str().unwrap_or_default();
    if !matches!(
        status,
        "requires_payment_method" | "requires_confirmation" | "requires_action"
    ) {
        return Err(unexpected_state(format!(
            "You cannot confirm this PaymentIntent because it has a status of {status}. Only a \
             PaymentIntent with one of the following statuses may be confirmed: \
             requires_confirmation, requires_payment_method, requires_action."
        )));
    }
    let pm_type = pm["type"].as_str().unwrap_or("card");
    let allowed: Vec<&str> = pi["payment_method_types"]
        .as_array()
        .map(|a| a.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    if !allowed.contains(&pm_type) {
        return Err(ApiError::invalid(format!(
            "The PaymentMethod provided ({pm_type}) is not allowed for this PaymentIntent. Please \
             attach a PaymentMethod of one of the following types: {}. Alternatively, update the \
             allowed payment_method_types for this PaymentIntent to include \"{pm_type}\".",
            allowed.join(", ")
        ))
        .code("payment_intent_incompatible_payment_method")
        .param("payment_method"));
    }
    if pm_type == "sepa_debit" && pi["currency"] != "eur" {
        return Err(ApiError::invalid(format!(
            "The currency provided ({}) is invalid. Payments with sepa_debit support the following currencies: eur.",
            pi["currency"].as_str().unwrap_or_default()
        ))
        .param("payment_method"));
    }
    if !tx.is_platform(owner) {
        require_charges_enabled(tx, owner)?;
    }
    Ok(())
}

/// Confirms `pi_id` on `owner` with the stored payment method `pm`. Validation errors leave
/// nothing changed; a decline is an `Ok(Outcome::Declined)` with the state already updated.
pub fn confirm(
    tx: &mut Tx<'_>,
    owner: &str,
    pi_id: &str,
    pm: &Value,
    opts: &ConfirmOpts,
) -> Result<Outcome, ApiError> {
    let pi = load(tx, owner, "payment_intent", pi_id, "payment_intent")?;
    check_confirmable(tx, owner, &pi, pm)?;
    if let Some(url) = &opts.return_url {
        set_meta(tx, pi_id, "return_url", json!(url));
    }
    let pm_id = pm["id"].clone();
    let (_, pi) = modify(tx, pi_id, |p| {
        p.insert("payment_method".into(), pm_id.clone());
        p.insert("last_payment_error".into(), Value::Null);
        p.insert("next_action".into(), Value::Null);
    });
    let behaviour = methods::behaviour_of(tx, pm["id"].as_str().unwrap_or_default());
    Ok(match behaviour {
        Behaviour::ThreeDs { .. } if opts.off_session || opts.error_on_requires_action => {
            fail_card(tx, owner, &pi, pm, Decline::AuthenticationRequired)
        }
        Behaviour::ThreeDs { .. } => require_action(tx, owner, &pi, pm, opts.return_url.as_deref()),
        Behaviour::Decline(d) => fail_card(tx, owner, &pi, pm, d),
        b if b.is_sepa() => process_sepa(tx, owner, &pi, pm, b),
        b => succeed_card(tx, owner, &pi, pm, b, false),
    })
}

fn require_action(
    tx: &mut Tx<'_>,
    owner: &str,
    pi: &Value,
    pm: &Value,
    return_url: Option<&str>,
) -> Outcome {
    let url = authentication_url(tx, pi);
    let next_action = match return_url {
        Some(return_url) => json!({
            "redirect_to_url": { "return_url": return_url, "url": url },
            "type": "redirect_to_url",
        }),
        None => json!({
            "type": "use_stripe_sdk",
            "use_stripe_sdk": { "source": pm["id"], "stripe_js": url, "type": "three_d_secure_redirect" },
        }),
    };
    let id = pi["id"].as_str().unwrap_or_default().to_owned();
    let (_, after) = modify(tx, &id, |p| {
        p.insert("status".into(), json!("requires_action"));
        p.insert("next_action".into(), next_action);
    });
    tx.emit(owner, "payment_intent.requires_action", after.clone(), None);
    Outcome::RequiresAction(after)
}

fn fail_card(tx: &mut Tx<'_>, owner: &str, pi: &Value, pm: &Value, decline: Decline) -> Outcome {
    let charge = charges::create_for_intent(
        tx,
        owner,
        pi,
        pm,
        &NewCharge {
            status: "failed",
            captured: false,
            outcome: decline.outcome(),
            failure_code: Some(decline.code().into()),
            failure_message: Some(decline.message().into()),
            three_d_secure: false,
        },
    );
    tx.emit(owner, "charge.failed", charge.clone(), None);
    let error_obj = json!({
        "charge": charge["id"],
        "code": decline.code(),
        "decline_code": decline.decline_code(),
        "doc_url": doc_url(decline.code()),
        "message": decline.message(),
        "payment_method": pm,
        "type": "card_error",
    });
    let id = pi["id"].as_str().unwrap_or_default().to_owned();
    let (_, after) = modify(tx, &id, |p| {
        p.insert("status".into(), json!("requires_payment_method"));
        p.insert("payment_method".into(), Value::Null);
        p.insert("latest_charge".into(), charge["id"].clone());
        p.insert("last_payment_error".into(), error_obj);
        p.insert("next_action".into(), Value::Null);
    });
    tx.emit(owner, "payment_intent.payment_failed", after.clone(), None);
    let error = card_error(decline.code(), decline.message())
        .decline_code(decline.decline_code())
        .with("charge", charge["id"].clone())
        .with("payment_intent", after.clone())
        .with("payment_method", pm.clone());
    Outcome::Declined {
        pi: after,
        error: Box::new(error),
    }
}

fn succeed_card(
    tx: &mut Tx<'_>,
    owner: &str,
    pi: &Value,
    pm: &Value,
    behaviour: Behaviour,
    three_d_secure: bool,
) -> Outcome {
    let captured = pi["capture_method"] != "manual";
    let amount = pi["amount"].as_i64().unwrap_or(0);
    let mut charge = charges::create_for_intent(
        tx,
        owner,
        pi,
        pm,
        &NewCharge {
            status: "succeeded",
            captured,
            outcome: charges::approved_outcome(),
            failure_code: None,
            failure_message: None,
            three_d_secure,
        },
    );
    let charge_id = charge["id"].as_str().unwrap_or_default().to_owned();
    if captured {
        charge = charges::settle(
            tx,
            owner,
            &charge_id,
            amount,
            behaviour == Behaviour::BypassPending,
        );
    }
    tx.emit(owner, "charge.succeeded", charge.clone(), None);
    let id = pi["id"].as_str().unwrap_or_default().to_owned();
    let (_, after) = modify(tx, &id, |p| {
        p.insert(
            "status".into(),
            json!(if captured {
                "succeeded"
            } else {
                "requires_capture"
            }),
        );
        p.insert(
            "amount_received".into(),
            json!(if captured { amount } else { 0 }),
        );
        p.insert(
            "amount_capturable".into(),
            json!(if captured { 0 } else { amount }),
        );
        p.insert("latest_charge".into(), json!(charge_id));
        p.insert("last_payment_error".into(), Value::Null);
        p.insert("next_action".into(), Value::Null);
    });
    if captured {
        tx.emit(owner, "payment_intent.succeeded", after.clone(), None);
        if let Behaviour::Dispute(kind) = behaviour {
            disputes::open(tx, owner, &charge_id, kind);
        }
        Outcome::Succeeded(after)
    } else {
        tx.emit(
            owner,
            "payment_intent.amount_capturable_updated",
            after.clone(),
            None,
        );
        Outcome::RequiresCapture(after)
    }
}

fn process_sepa(
    tx: &mut Tx<'_>,
    owner: &str,
    pi: &Value,
    pm: &Value,
    behaviour: Behaviour,
) -> Outcome {
    let charge = charges::create_for_intent(
        tx,
        owner,
        pi,
        pm,
        &NewCharge {
            status: "pending",
            captured: true,
            outcome: json!({
                "advice_code": null, "network_advice_code": null, "network_decline_code": null,
                "network_status": "approved_by_network", "reason": null, "risk_level": "not_assessed",
                "seller_message": "Payment complete.", "type": "authorized",
            }),
            failure_code: None,
            failure_message: None,
            three_d_secure: false,
        },
    );
    tx.emit(owner, "charge.pending", charge.clone(), None);
    let id = pi["id"].as_str().unwrap_or_default().to_owned();
    let (_, after) = modify(tx, &id, |p| {
        p.insert("status".into(), json!("processing"));
        p.insert("latest_charge".into(), charge["id"].clone());
        p.insert("processing".into(), Value::Null);
    });
    tx.emit(owner, "payment_intent.processing", after.clone(), None);
    let delayed = matches!(
        behaviour,
        Behaviour::SepaSucceed { delayed: true } | Behaviour::SepaFail { delayed: true, .. }
    );
    let delay = if delayed {
        tx.app.config.delayed_async_payment_delay
    } else {
        tx.app.config.async_payment_delay
    };
    let due = tx.now() + crate::clock::duration_ms(delay).div_euclid(1000);
    tx.schedule(due, SEPA_SETTLE, &id, json!({ "charge": charge["id"] }));
    Outcome::Processing(after)
}

/// Finishes 3D Secure on a `requires_action` intent (the authentication page's buttons).
pub fn authenticate(tx: &mut Tx<'_>, pi_id: &str, success: bool) -> Result<Outcome, ApiError> {
    let stored = tx
        .get(pi_id)
        .cloned()
        .filter(|s| s.kind == "payment_intent")
        .ok_or_else(|| ApiError::no_such("payment_intent", pi_id, "id"))?;
    let owner = stored.owner;
    let pi = stored.value;
    if pi["status"] != "requires_action" {
        return Err(unexpected_state(format!(
            "This PaymentIntent does not need authentication: its status is {}.",
            pi["status"].as_str().unwrap_or_default()
        )));
    }
    let pm_id = pi["payment_method"].as_str().unwrap_or_default().to_owned();
    let pm = tx
        .find(&owner, "payment_method", &pm_id)
        .cloned()
        .unwrap_or(Value::Null);
    let outcome = if success {
        match methods::behaviour_of(tx, &pm_id) {
            Behaviour::ThreeDs { then: Some(d) } => fail_card(tx, &owner, &pi, &pm, d),
            _ => succeed_card(tx, &owner, &pi, &pm, Behaviour::Succeed, true),
        }
    } else {
        let message = "The provided PaymentMethod has failed authentication. You can provide \
                       payment_method_data or a new PaymentMethod to attempt to fulfill this \
                       PaymentIntent again.";
        let code = "payment_intent_authentication_failure";
        let (_, after) = modify(tx, pi_id, |p| {
            p.insert("status".into(), json!("requires_payment_method"));
            p.insert("payment_method".into(), Value::Null);
            p.insert("next_action".into(), Value::Null);
            p.insert(
                "last_payment_error".into(),
                json!({ "code": code, "doc_url": doc_url(code), "message": message, "payment_method": pm, "type": "invalid_request_error" }),
            );
        });
        tx.emit(&owner, "payment_intent.payment_failed", after.clone(), None);
        let error = card_error(code, message).with("payment_intent", after.clone());
        Outcome::Declined {
            pi: after,
            error: Box::new(error),
        }
    };
    if let Some(cs) = meta(tx, pi_id)["checkout_session"]
        .as_str()
        .map(str::to_owned)
    {
        crate::checkout::flow::after_attempt(tx, &owner, &cs, &outcome);
    }
    Ok(outcome)
}

/// `payments.sepa_settle`: the bank answers for a processing SEPA payment.
pub fn sepa_settle(tx: &mut Tx<'_>, action: &ScheduledAction) -> Result<(), ApiError> {
    let pi_id = action.target.clone();
    let stored = tx
        .get(&pi_id)
        .cloned()
        .ok_or_else(|| ApiError::no_such("payment_intent", &pi_id, "id"))?;
    let owner = stored.owner;
    let pi = stored.value;
    if pi["status"] != "processing" {
        return Ok(());
    }
    let charge_id = pi["latest_charge"].as_str().unwrap_or_default().to_owned();
    let pm_id = pi["payment_method"].as_str().unwrap_or_default().to_owned();
    let pm = tx
        .find(&owner, "payment_method", &pm_id)
        .cloned()
        .unwrap_or(Value::Null);
    let amount = pi["amount"].as_i64().unwrap_or(0);
    let behaviour = methods::behaviour_of(tx, &pm_id);
    let outcome = if let Behaviour::SepaFail {
        insufficient_funds, ..
    } = behaviour
    {
        let (code, message) = if insufficient_funds {
            (
                "insufficient_funds",
                "The customer's account has insufficient funds to cover this payment.",
            )
        } else {
            (
                "generic_could_not_process",
                "The payment could not be processed by the customer's bank.",
            )
        };
        let (_, charge) = modify(tx, &charge_id, |c| {
            c.insert("status".into(), json!("failed"));
            c.insert("captured".into(), json!(false));
            c.insert("failure_code".into(), json!(code));
            c.insert("failure_message".into(), json!(message));
            c.insert(
                "outcome".into(),
                json!({
                    "advice_code": null, "network_advice_code": null, "network_decline_code": null,
                    "network_status": "declined_by_network", "reason": code, "risk_level": "not_assessed",
                    "seller_message": "The bank returned a failure for this payment.", "type": "issuer_declined",
                }),
            );
        });
        tx.emit(&owner, "charge.failed", charge, None);
        let (_, after) = modify(tx, &pi_id, |p| {
            p.insert("status".into(), json!("requires_payment_method"));
            p.insert("payment_method".into(), Value::Null);
            p.insert(
                "last_payment_error".into(),
                json!({ "charge": charge_id, "code": code, "doc_url": doc_url(code), "message": message, "payment_method": pm, "type": "card_error" }),
            );
        });
        tx.emit(&owner, "payment_intent.payment_failed", after.clone(), None);
        let error = card_error(code, message).with("payment_intent", after.clone());
        Outcome::Declined {
            pi: after,
            error: Box::new(error),
        }
    } else {
        modify(tx, &charge_id, |c| {
            c.insert("status".into(), json!("succeeded"));
            c.insert("paid".into(), json!(true));
            c.insert("amount_captured".into(), json!(amount));
        });
        let charge = charges::settle(tx, &owner, &charge_id, amount, false);
        tx.emit(&owner, "charge.succeeded", charge, None);
        let (_, after) = modify(tx, &pi_id, |p| {
            p.insert("status".into(), json!("succeeded"));
            p.insert("amount_received".into(), json!(amount));
        });
        tx.emit(&owner, "payment_intent.succeeded", after.clone(), None);
        if behaviour == Behaviour::SepaDispute {
            disputes::open(tx, &owner, &charge_id, methods::DisputeKind::Sepa);
        }
        Outcome::Succeeded(after)
    };
    if let Some(cs) = meta(tx, &pi_id)["checkout_session"]
        .as_str()
        .map(str::to_owned)
    {
        crate::checkout::flow::after_attempt(tx, &owner, &cs, &outcome);
    }
    Ok(())
}

/// Whether `application_fee_amount` may be used: a direct charge (acting on a connected
/// account) or a destination charge.
fn check_fee_context(caller: &Caller, has_destination: bool) -> Result<(), ApiError> {
    if caller.is_platform() && !has_destination {
        return Err(ApiError::invalid(
            "Can only apply an application_fee_amount when the PaymentIntent is attempting a direct \
             payment (using an OAuth key or Stripe-Account header) or destination payment (using \
             `transfer_data[destination]`).",
        )
        .param("application_fee_amount")
        .not_stored());
    }
    Ok(())
}

fn check_fee_amount(fee: i64, amount: i64) -> Result<(), ApiError> {
    if fee > amount {
        return Err(ApiError::invalid(format!(
            "The application_fee_amount ({fee}) must be less than or equal to the amount ({amount})."
        ))
        .param("application_fee_amount")
        .not_stored());
    }
    Ok(())
}

/// Captures an authorized intent (all of it, or `amount_to_capture`; the rest is released).
pub fn capture(
    tx: &mut Tx<'_>,
    caller: &Caller,
    pi_id: &str,
    amount_to_capture: Option<i64>,
    fee: Option<i64>,
) -> Result<Value, ApiError> {
    let owner = caller.acting_as.clone();
    let pi = load(tx, &owner, "payment_intent", pi_id, "payment_intent")?;
    let status = pi["status"].as_str().unwrap_or_default();
    if status != "requires_capture" {
        return Err(unexpected_state(format!(
            "This PaymentIntent could not be captured because it has a status of {status}. Only a \
             PaymentIntent with one of the following statuses may be captured: requires_capture."
        )));
    }
    let capturable = pi["amount_capturable"].as_i64().unwrap_or(0);
    let amount = amount_to_capture.unwrap_or(capturable);
    if amount > capturable {
        return Err(ApiError::invalid(format!(
            "The amount_to_capture ({amount}) must be less than or equal to the amount_capturable ({capturable})."
        ))
        .code("amount_too_large")
        .param("amount_to_capture")
        .not_stored());
    }
    if let Some(fee) = fee {
        check_fee_context(caller, !pi["transfer_data"].is_null())?;
        check_fee_amount(fee, amount)?;
    } else if let Some(existing) = pi["application_fee_amount"].as_i64()
        && existing > amount
    {
        check_fee_amount(existing, amount)?;
    }
    let charge_id = pi["latest_charge"].as_str().unwrap_or_default().to_owned();
    let pm_id = pi["payment_method"].as_str().unwrap_or_default().to_owned();
    let behaviour = methods::behaviour_of(tx, &pm_id);
    if let Some(fee) = fee {
        modify(tx, pi_id, |p| {
            p.insert("application_fee_amount".into(), json!(fee));
        });
    }
    let (before, _) = modify(tx, &charge_id, |c| {
        c.insert("captured".into(), json!(true));
        c.insert("amount_captured".into(), json!(amount));
        if let Some(fee) = fee {
            c.insert("application_fee_amount".into(), json!(fee));
        }
    });
    let charge = charges::settle(
        tx,
        &owner,
        &charge_id,
        amount,
        behaviour == Behaviour::BypassPending,
    );
    tx.emit(
        &owner,
        "charge.captured",
        charge.clone(),
        diff(&before, &charge),
    );
    let (_, after) = modify(tx, pi_id, |p| {
        p.insert("status".into(), json!("succeeded"));
        p.insert("amount_received".into(), json!(amount));
        p.insert("amount_capturable".into(), json!(0));
    });
    tx.emit(&owner, "payment_intent.succeeded", after.clone(), None);
    if let Behaviour::Dispute(kind) = behaviour {
        disputes::open(tx, &owner, &charge_id, kind);
    }
    Ok(after)
}

/// Cancels an intent (`from_checkout`: the session expired, so Checkout's own guard is off).
pub fn cancel(
    tx: &mut Tx<'_>,
    owner: &str,
    pi_id: &str,
    reason: Option<&str>,
    from_checkout: bool,
) -> Result<Value, ApiError> {
    let pi = load(tx, owner, "payment_intent", pi_id, "payment_intent")?;
    let status = pi["status"].as_str().unwrap_or_default().to_owned();
    if !matches!(
        status.as_str(),
        "requires_payment_method"
            | "requires_capture"
            | "requires_confirmation"
            | "requires_action"
    ) {
        return Err(unexpected_state(format!(
            "You cannot cancel this PaymentIntent because it has a status of {status}. Only a \
             PaymentIntent with one of the following statuses may be canceled: \
             requires_payment_method, requires_capture, requires_confirmation, requires_action, processing."
        )));
    }
    if !from_checkout
        && let Some(cs) = meta(tx, pi_id)["checkout_session"].as_str()
        && tx.get(cs).is_some_and(|s| s.value["status"] == "open")
    {
        return Err(unexpected_state(
            "You cannot cancel this PaymentIntent because it was created by Checkout and its \
             Checkout Session is still open. Expire the Checkout Session instead.",
        ));
    }
    if status == "requires_capture"
        && let Some(charge) = pi["latest_charge"].as_str()
    {
        refunds::release_authorization(tx, owner, charge);
    }
    let now = tx.now();
    let (_, after) = modify(tx, pi_id, |p| {
        p.insert("status".into(), json!("canceled"));
        p.insert("canceled_at".into(), json!(now));
        p.insert("cancellation_reason".into(), json!(reason));
        p.insert("amount_capturable".into(), json!(0));
        p.insert("next_action".into(), Value::Null);
    });
    tx.emit(owner, "payment_intent.canceled", after.clone(), None);
    Ok(after)
}

const TRANSFER_DATA: &[Field] = &[
    req("destination", Ty::Str),
    opt(
        "amount",
        Ty::Int {
            min: Some(1),
            max: None,
        },
    ),
];
const SHIPPING: Ty = Ty::Any;
const CREATE: Schema = Schema::new(&[
    req(
        "amount",
        Ty::Int {
            min: Some(1),
            max: Some(99_999_999),
        },
    ),
    req("currency", Ty::Str),
    opt(
        "automatic_payment_methods",
        Ty::Obj(&[
            req("enabled", Ty::Bool),
            opt("allow_redirects", Ty::Enum(&["always", "never"])),
        ]),
    ),
    opt("payment_method_types", Ty::List(&Ty::Str)),
    opt("confirm", Ty::Bool),
    opt("payment_method", Ty::Str),
    opt("customer", Ty::Str),
    opt(
        "capture_method",
        Ty::Enum(&["automatic", "automatic_async", "manual"]),
    ),
    opt(
        "application_fee_amount",
        Ty::Int {
            min: Some(0),
            max: None,
        },
    ),
    opt("transfer_data", Ty::Obj(TRANSFER_DATA)),
    opt("on_behalf_of", Ty::Str),
    opt("metadata", Ty::Map),
    opt("description", Ty::Str),
    opt("receipt_email", Ty::Str),
    opt("statement_descriptor", Ty::Str),
    opt("statement_descriptor_suffix", Ty::Str),
    opt(
        "setup_future_usage",
        Ty::Enum(&["off_session", "on_session"]),
    ),
    opt("off_session", Ty::Any),
    opt("error_on_requires_action", Ty::Bool),
    opt("return_url", Ty::Str),
    opt("confirmation_method", Ty::Enum(&["automatic", "manual"])),
    opt("transfer_group", Ty::Str),
    opt("shipping", SHIPPING),
    opt("mandate_data", Ty::Any),
    opt("mandate", Ty::Str),
    opt("payment_method_options", Ty::Any),
    opt("payment_method_configuration", Ty::Str),
    opt("payment_method_data", Ty::Any),
    opt("use_stripe_sdk", Ty::Bool),
    opt("radar_options", Ty::Any),
    opt("excluded_payment_method_types", Ty::List(&Ty::Str)),
    opt("confirmation_token", Ty::Str),
    opt("amount_details", Ty::Any),
    opt("hooks", Ty::Any),
    opt("payment_details", Ty::Any),
]);
const UPDATE: Schema = Schema::new(&[
    opt(
        "amount",
        Ty::Int {
            min: Some(1),
            max: Some(99_999_999),
        },
    ),
    opt("currency", Ty::Str),
    opt("customer", Ty::Str),
    opt("description", Ty::Str),
    opt("metadata", Ty::Map),
    opt("payment_method", Ty::Str),
    opt("payment_method_types", Ty::List(&Ty::Str)),
    opt("receipt_email", Ty::Str),
    opt(
        "capture_method",
        Ty::Enum(&["automatic", "automatic_async", "manual"]),
    ),
    opt(
        "application_fee_amount",
        Ty::Int {
            min: Some(0),
            max: None,
        },
    ),
    opt(
        "setup_future_usage",
        Ty::Enum(&["off_session", "on_session"]),
    ),
    opt("statement_descriptor", Ty::Str),
    opt("statement_descriptor_suffix", Ty::Str),
    opt("transfer_group", Ty::Str),
    opt(
        "transfer_data",
        Ty::Obj(&[opt(
            "amount",
            Ty::Int {
                min: Some(1),
                max: None,
            },
        )]),
    ),
    opt("shipping", SHIPPING),
    opt("payment_method_options", Ty::Any),
    opt("payment_method_data", Ty::Any),
    opt("payment_method_configuration", Ty::Str),
    opt("excluded_payment_method_types", Ty::List(&Ty::Str)),
]);
const CONFIRM: Schema = Schema::new(&[
    opt("payment_method", Ty::Str),
    opt("return_url", Ty::Str),
    opt("off_session", Ty::Any),
    opt("error_on_requires_action", Ty::Bool),
    opt("mandate_data", Ty::Any),
    opt("mandate", Ty::Str),
    opt("payment_method_types", Ty::List(&Ty::Str)),
    opt("receipt_email", Ty::Str),
    opt(
        "capture_method",
        Ty::Enum(&["automatic", "automatic_async", "manual"]),
    ),
    opt(
        "setup_future_usage",
        Ty::Enum(&["off_session", "on_session"]),
    ),
    opt("shipping", SHIPPING),
    opt("payment_method_options", Ty::Any),
    opt("payment_method_data", Ty::Any),
    opt("use_stripe_sdk", Ty::Bool),
    opt("radar_options", Ty::Any),
    opt("confirmation_token", Ty::Str),
    opt("client_secret", Ty::Str),
]);
const CAPTURE: Schema = Schema::new(&[
    opt(
        "amount_to_capture",
        Ty::Int {
            min: Some(1),
            max: None,
        },
    ),
    opt(
        "application_fee_amount",
        Ty::Int {
            min: Some(0),
            max: None,
        },
    ),
    opt("metadata", Ty::Map),
    opt("statement_descriptor", Ty::Str),
    opt("statement_descriptor_suffix", Ty::Str),
    opt("final_capture", Ty::Bool),
    opt("transfer_data", Ty::Any),
]);
const CANCEL: Schema = Schema::new(&[opt(
    "cancellation_reason",
    Ty::Enum(&[
        "abandoned",
        "duplicate",
        "fraudulent",
        "requested_by_customer",
    ]),
)]);
const RETRIEVE: Schema = Schema::new(&[opt("client_secret", Ty::Str)]);
const LIST: Schema = Schema::list(&[opt("customer", Ty::Str)]);

fn off_session(p: &Params) -> bool {
    matches!(
        p.get("off_session").and_then(Value::as_str),
        Some("true" | "one_off" | "recurring")
    )
}

fn respond(tx: &Tx<'_>, caller: &Caller, mut value: Value, p: &Params) -> ApiResult<Json<Value>> {
    expand::expand(tx, caller, &mut value, &p.expand())?;
    Ok(Json(value))
}

/// Maps an outcome to the API answer: declines are 402 errors.
fn answer(tx: &Tx<'_>, caller: &Caller, outcome: Outcome, p: &Params) -> ApiResult<Json<Value>> {
    match outcome {
        Outcome::Declined { error, .. } => Err(*error),
        other => respond(tx, caller, other.pi().clone(), p),
    }
}

async fn create(State(app): State<AppState>, caller: Caller, form: Form) -> ApiResult<Json<Value>> {
    let p = CREATE.validate(form)?;
    let currency = money::currency(p.str("currency").unwrap_or_default(), "currency")?;
    let amount = p.i64("amount").unwrap_or(0);
    money::check_minimum(amount, &currency, "amount")?;
    if p.has("payment_method_types") && p.has("automatic_payment_methods") {
        return Err(ApiError::exclusive(
            "automatic_payment_methods",
            "payment_method_types",
        ));
    }
    let destination = p.str("transfer_data.destination").map(str::to_owned);
    if let Some(fee) = p.i64("application_fee_amount") {
        check_fee_context(&caller, destination.is_some())?;
        check_fee_amount(fee, amount)?;
    }
    if destination.is_some() && p.has("application_fee_amount") && p.has("transfer_data.amount") {
        return Err(ApiError::invalid(
            "You cannot specify both `application_fee_amount` and `transfer_data[amount]`.",
        )
        .param("transfer_data[amount]")
        .not_stored());
    }
    let confirm_now = p.bool("confirm").unwrap_or(false);
    let explicit_types = p.strs("payment_method_types");
    let automatic = explicit_types.is_empty();
    let redirects_never = p.str("automatic_payment_methods.allow_redirects") == Some("never");
    if confirm_now
        && automatic
        && !redirects_never
        && p.str("return_url").is_none()
        && !off_session(&p)
    {
        return Err(ApiError::invalid(
            "This PaymentIntent is configured to accept payment methods enabled in your Dashboard. \
             Because some of these payment methods might redirect your customer off of your page, \
             you must provide a `return_url`. If you don't want to accept redirect-based payment \
             methods, set `automatic_payment_methods[enabled]` to `true` and \
             `automatic_payment_methods[allow_redirects]` to `never` when creating Setup Intents \
             and Payment Intents.",
        )
        .param("return_url")
        .not_stored());
    }
    if confirm_now && p.str("payment_method").is_none() {
        return Err(unexpected_state(
            "You cannot confirm this PaymentIntent because it's missing a payment method. You can \
             either update the PaymentIntent with a payment method and then confirm it again, or \
             confirm it again directly with a payment method or ConfirmationToken.",
        )
        .not_stored());
    }
    app.write(|tx| {
        let owner = caller.acting_as.clone();
        if !tx.is_platform(&owner) {
            require_charges_enabled(tx, &owner)?;
        }
        if let Some(c) = p.str("customer")
            && customers::live(tx, &owner, c).is_none()
        {
            return Err(missing_ref("customer", c, "customer"));
        }
        if let Some(dest) = &destination
            && (!caller.is_platform() || tx.connection(&caller.platform, dest).is_none())
        {
            return Err(missing_ref(
                "destination",
                dest,
                "transfer_data[destination]",
            ));
        }
        let (types, configuration_details) = if automatic {
            offered_types(
                tx,
                &caller.platform,
                &owner,
                &currency,
                p.str("payment_method_configuration"),
            )?
        } else {
            (explicit_types.clone(), Value::Null)
        };
        let pm = match p.str("payment_method") {
            Some(reference) => Some(methods::resolve(
                tx,
                &owner,
                reference,
                &Billing::default(),
                "payment_method",
            )?),
            None => None,
        };
        let transfer_data = match &destination {
            Some(d) => json!({ "amount": p.i64("transfer_data.amount"), "destination": d }),
            None => Value::Null,
        };
        let spec = PiSpec {
            amount,
            currency: currency.clone(),
            capture_method: p
                .str("capture_method")
                .unwrap_or("automatic_async")
                .to_owned(),
            customer: json!(p.str("customer")),
            description: json!(p.str("description")),
            metadata: metadata_param(&p),
            receipt_email: json!(p.str("receipt_email")),
            application_fee_amount: p.i64("application_fee_amount"),
            transfer_data,
            on_behalf_of: json!(p.str("on_behalf_of")),
            statement_descriptor: json!(p.str("statement_descriptor")),
            statement_descriptor_suffix: json!(p.str("statement_descriptor_suffix")),
            setup_future_usage: json!(p.str("setup_future_usage")),
            payment_method_types: types,
            automatic,
            transfer_group: json!(p.str("transfer_group")),
            shipping: p
                .get("shipping")
                .cloned()
                .filter(Value::is_object)
                .unwrap_or(Value::Null),
            platform: caller.platform.clone(),
            checkout_session: None,
            configuration_details,
        };
        let pi = create_intent(tx, &owner, spec);
        let pi_id = pi["id"].as_str().unwrap_or_default().to_owned();
        match (pm, confirm_now) {
            (Some(pm), true) => {
                let opts = ConfirmOpts {
                    return_url: p.str("return_url").map(str::to_owned),
                    off_session: off_session(&p),
                    error_on_requires_action: p.bool("error_on_requires_action").unwrap_or(false),
                };
                let outcome = confirm(tx, &owner, &pi_id, &pm, &opts)?;
                answer(tx, &caller, outcome, &p)
            }
            (Some(pm), false) => {
                let (_, after) = modify(tx, &pi_id, |o| {
                    o.insert("payment_method".into(), pm["id"].clone());
                    o.insert("status".into(), json!("requires_confirmation"));
                });
                respond(tx, &caller, after, &p)
            }
            (None, _) => respond(tx, &caller, pi, &p),
        }
    })
}

async fn retrieve(
    State(app): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    form: Form,
) -> ApiResult<Json<Value>> {
    let p = RETRIEVE.validate(form)?;
    app.read(|s| {
        let mut v = load(
            s,
            &caller.acting_as,
            "payment_intent",
            &id,
            "payment_intent",
        )?;
        expand::expand(s, &caller, &mut v, &p.expand())?;
        Ok(Json(v))
    })
}

const MUTABLE_AFTER_CONFIRM: &[&str] = &[
    "description",
    "metadata",
    "receipt_email",
    "shipping",
    "expand",
];

async fn update(
    State(app): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    form: Form,
) -> ApiResult<Json<Value>> {
    let p = UPDATE.validate(form)?;
    let currency = match p.str("currency") {
        Some(c) => Some(money::currency(c, "currency")?),
        None => None,
    };
    app.write(|tx| {
        let owner = caller.acting_as.clone();
        let pi = load(tx, &owner, "payment_intent", &id, "payment_intent")?;
        let status = pi["status"].as_str().unwrap_or_default().to_owned();
        let editable = matches!(status.as_str(), "requires_payment_method" | "requires_confirmation" | "requires_action");
        if !editable && let Some(key) = p.0.keys().find(|k| !MUTABLE_AFTER_CONFIRM.contains(&k.as_str())) {
            return Err(unexpected_state(format!(
                "This PaymentIntent's {key} could not be updated because it has a status of {status}. \
                 You may only update the {key} of a PaymentIntent with one of the following statuses: \
                 requires_payment_method, requires_confirmation, requires_action."
            ))
            .param(key));
        }
        let amount = p.i64("amount").or_else(|| pi["amount"].as_i64()).unwrap_or(0);
        if let Some(fee) = p.i64("application_fee_amount") {
            check_fee_context(&caller, !pi["transfer_data"].is_null())?;
            check_fee_amount(fee, amount)?;
        }
        if let Some(c) = p.str("customer")
            && customers::live(tx, &owner, c).is_none()
        {
            return Err(missing_ref("customer", c, "customer"));
        }
        let pm = match p.str("payment_method") {
            Some(reference) => Some(methods::resolve(tx, &owner, reference, &Billing::default(), "payment_method")?),
            None => None,
        };
        let (_, after) = modify(tx, &id, |o| {
            set_strings(o, &p, &["description", "receipt_email", "customer", "statement_descriptor", "statement_descriptor_suffix", "transfer_group", "setup_future_usage", "capture_method"]);
            merge_metadata(o, &p);
            if let Some(a) = p.i64("amount") {
                o.insert("amount".into(), json!(a));
            }
            if let Some(c) = &currency {
                o.insert("currency".into(), json!(c));
            }
            if let Some(f) = p.i64("application_fee_amount") {
                o.insert("application_fee_amount".into(), json!(f));
            }
            if p.has("payment_method_types") {
                let types = p.strs("payment_method_types");
                o.insert("payment_method_options".into(), method_options(&types));
                o.insert("payment_method_types".into(), json!(types));
                o.insert("automatic_payment_methods".into(), Value::Null);
            }
            if let Some(s) = p.get("shipping") {
                o.insert("shipping".into(), if s.is_object() { s.clone() } else { Value::Null });
            }
            if let Some(a) = p.i64("transfer_data.amount")
                && let Some(td) = o.get_mut("transfer_data").and_then(Value::as_object_mut)
            {
                td.insert("amount".into(), json!(a));
            }
            if let Some(pm) = &pm {
                o.insert("payment_method".into(), pm["id"].clone());
                o.insert("status".into(), json!("requires_confirmation"));
            }
        });
        respond(tx, &caller, after, &p)
    })
}

async fn confirm_endpoint(
    State(app): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    form: Form,
) -> ApiResult<Json<Value>> {
    let p = CONFIRM.validate(form)?;
    app.write(|tx| {
        let owner = caller.acting_as.clone();
        let pi = load(tx, &owner, "payment_intent", &id, "payment_intent")?;
        let pm = match (p.str("payment_method"), pi["payment_method"].as_str()) {
            (Some(reference), _) => methods::resolve(tx, &owner, reference, &Billing::default(), "payment_method")?,
            (None, Some(existing)) => tx.find(&owner, "payment_method", existing).cloned().ok_or_else(|| missing_ref("PaymentMethod", existing, "payment_method"))?,
            (None, None) => {
                return Err(unexpected_state(
                    "You cannot confirm this PaymentIntent because it's missing a payment method. \
                     You can either update the PaymentIntent with a payment method and then confirm \
                     it again, or confirm it again directly with a payment method or ConfirmationToken.",
                ));
            }
        };
        let automatic = !pi["automatic_payment_methods"].is_null();
        let redirects_never = pi["automatic_payment_methods"]["allow_redirects"] == "never";
        if automatic && !redirects_never && p.str("return_url").is_none() && !off_session(&p) {
            return Err(ApiError::invalid(
                "This PaymentIntent is configured to accept payment methods enabled in your Dashboard. \
                 Because some of these payment methods might redirect your customer off of your page, \
                 you must provide a `return_url`. If you don't want to accept redirect-based payment \
                 methods, set `automatic_payment_methods[enabled]` to `true` and \
                 `automatic_payment_methods[allow_redirects]` to `never` when creating Setup Intents \
                 and Payment Intents.",
            )
            .param("return_url"));
        }
        if let Some(cm) = p.str("capture_method") {
            modify(tx, &id, |o| {
                o.insert("capture_method".into(), json!(cm));
            });
        }
        if let Some(email) = p.str("receipt_email") {
            modify(tx, &id, |o| {
                o.insert("receipt_email".into(), json!(email));
            });
        }
        let opts = ConfirmOpts {
            return_url: p.str("return_url").map(str::to_owned),
            off_session: off_session(&p),
            error_on_requires_action: p.bool("error_on_requires_action").unwrap_or(false),
        };
        let outcome = confirm(tx, &owner, &id, &pm, &opts)?;
        answer(tx, &caller, outcome, &p)
    })
}

async fn capture_endpoint(
    State(app): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    form: Form,
) -> ApiResult<Json<Value>> {
    let p = CAPTURE.validate(form)?;
    app.write(|tx| {
        let mut pi = capture(
            tx,
            &caller,
            &id,
            p.i64("amount_to_capture"),
            p.i64("application_fee_amount"),
        )?;
        if p.has("metadata") {
            let (_, after) = modify(tx, &id, |o| merge_metadata(o, &p));
            pi = after;
        }
        respond(tx, &caller, pi, &p)
    })
}

async fn cancel_endpoint(
    State(app): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    form: Form,
) -> ApiResult<Json<Value>> {
    let p = CANCEL.validate(form)?;
    app.write(|tx| {
        let pi = cancel(
            tx,
            &caller.acting_as,
            &id,
            p.str("cancellation_reason"),
            false,
        )?;
        respond(tx, &caller, pi, &p)
    })
}

async fn list_intents(
    State(app): State<AppState>,
    caller: Caller,
    form: Form,
) -> ApiResult<Json<Value>> {
    let p = LIST.validate(form)?;
    app.read(|s| {
        let all = s.newest_first(&caller.acting_as, "payment_intent");
        let keep = |v: &Value| p.str("customer").is_none_or(|c| v["customer"] == c);
        let mut out = list::paginate(&all, &p, "/v1/payment_intents", "payment_intent", keep)?;
        expand::expand(s, &caller, &mut out, &p.expand())?;
        Ok(Json(out))
    })
}
