//! Completing a Checkout Session: what a paying customer does on the hosted or embedded page,
//! and what `POST /v1/test_helpers/checkout/sessions/{id}/complete` does through the same code.
//!
//! Submitting creates (or reuses, after a decline) the session's payment intent and confirms it
//! with the customer's payment method. Success, an authorization (manual capture) or a SEPA
//! debit in processing completes the session and emits `checkout.session.completed`; a decline
//! leaves it open; 3D Secure sends the customer to the authentication page first. A SEPA
//! payment settling later emits `checkout.session.async_payment_succeeded` / `_failed`.

use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::app::{AppState, Tx};
use crate::payments::intents::{self, ConfirmOpts, Outcome, PiSpec};
use crate::payments::methods::{self, Billing, CardInput};
use crate::payments::{customers, meta, modify, set_meta};
use crate::wire::error::ApiError;

/// How the customer pays.
#[derive(Clone, Debug)]
pub enum MethodInput {
    /// A test token (`pm_card_visa`, `pm_success_de`, …) or a `pm_…` of the account.
    Reference(String),
    /// A typed card (already validated).
    Card(CardInput),
    /// A typed IBAN (already validated, normalized).
    Iban(String),
}

/// What the customer submits.
#[derive(Clone, Debug)]
pub struct Submission {
    /// The payment method.
    pub method: MethodInput,
    /// Email typed on the page.
    pub email: Option<String>,
    /// Cardholder / account holder name.
    pub name: Option<String>,
    /// Billing country.
    pub country: Option<String>,
    /// Billing postal code.
    pub postal_code: Option<String>,
}

/// The result of a submission.
#[derive(Clone, Debug)]
pub enum Submitted {
    /// The session is complete (paid, authorized or processing); `event` is the id of
    /// `checkout.session.completed`.
    Completed {
        /// The session after completion.
        session: Value,
        /// `evt_…` of `checkout.session.completed`.
        event: String,
    },
    /// 3D Secure first: send the customer to `url`.
    RequiresAction {
        /// The session (still open).
        session: Value,
        /// The payment intent.
        pi: Value,
    },
    /// Declined: the session stays open.
    Declined {
        /// The session (still open).
        session: Value,
        /// The 402 error.
        error: Box<ApiError>,
    },
}

/// An open session by id, or the reason it cannot take a payment (a 400 for the helper; the
/// pages show their own messages).
pub fn open_session(tx: &Tx<'_>, id: &str) -> Result<(String, Value), ApiError> {
    let stored = tx
        .get(id)
        .filter(|s| s.kind == "checkout.session")
        .ok_or_else(|| ApiError::no_such("checkout.session", id, "id"))?;
    let session = stored.value.clone();
    match session["status"].as_str() {
        Some("open") if session["expires_at"].as_i64().unwrap_or(0) > tx.now() => {
            Ok((stored.owner.clone(), session))
        }
        Some("complete") => Err(
            ApiError::invalid("This Checkout Session is already complete.")
                .code("checkout_session_unexpected_state"),
        ),
        _ => Err(ApiError::invalid("This Checkout Session has expired.")
            .code("checkout_session_unexpected_state")),
    }
}

fn pi_spec(session: &Value, data: &Value, platform: &str) -> PiSpec {
    let s = |k: &str| {
        data.get(k)
            .cloned()
            .filter(|v| !v.is_null() && v != "")
            .unwrap_or(Value::Null)
    };
    let destination = data["transfer_data"]["destination"].as_str();
    PiSpec {
        amount: session["amount_total"].as_i64().unwrap_or(0),
        currency: session["currency"].as_str().unwrap_or("usd").to_owned(),
        capture_method: data["capture_method"]
            .as_str()
            .unwrap_or("automatic_async")
            .to_owned(),
        customer: session["customer"].clone(),
        description: s("description"),
        metadata: data
            .get("metadata")
            .cloned()
            .filter(Value::is_object)
            .unwrap_or_else(|| json!({})),
        receipt_email: s("receipt_email"),
        application_fee_amount: data["application_fee_amount"].as_i64(),
        transfer_data: destination.map_or(
            Value::Null,
            |d| json!({ "amount": data["transfer_data"]["amount"].as_i64(), "destination": d }),
        ),
        on_behalf_of: s("on_behalf_of"),
        statement_descriptor: s("statement_descriptor"),
        statement_descriptor_suffix: s("statement_descriptor_suffix"),
        setup_future_usage: s("setup_future_usage"),
        payment_method_types: session["payment_method_types"]
            .as_array()
            .map(|a| {
                a.iter()
                    .filter_map(Value::as_str)
                    .map(str::to_owned)
                    .collect()
            })
            .unwrap_or_default(),
        automatic: false,
        transfer_group: s("transfer_group"),
        shipping: data
            .get("shipping")
            .cloned()
            .filter(Value::is_object)
            .unwrap_or(Value::Null),
        platform: platform.to_owned(),
        checkout_session: session["id"].as_str().map(str::to_owned),
        configuration_details: session["payment_method_configuration_details"].clone(),
    }
}

/// Pays an open session (the shared path of the pages and the test helper).
pub fn submit(tx: &mut Tx<'_>, id: &str, sub: &Submission) -> Result<Submitted, ApiError> {
    let (owner, session) = open_session(tx, id)?;
    let customer_email = session["customer"]
        .as_str()
        .and_then(|c| customers::live(tx, &owner, c))
        .and_then(|c| c["email"].as_str().map(str::to_owned));
    let email = sub
        .email
        .clone()
        .filter(|e| !e.is_empty())
        .or_else(|| session["customer_email"].as_str().map(str::to_owned))
        .or(customer_email)
        .or_else(|| Some("customer@example.com".to_owned()));
    let billing = Billing {
        name: sub.name.clone().filter(|n| !n.is_empty()),
        email: email.clone(),
        country: sub.country.clone().filter(|c| !c.is_empty()),
        postal_code: sub.postal_code.clone().filter(|c| !c.is_empty()),
    };
    let wanted_type = match &sub.method {
        MethodInput::Card(_) => Some("card"),
        MethodInput::Iban(_) => Some("sepa_debit"),
        MethodInput::Reference(_) => None,
    };
    let accepts = |t: &str| {
        session["payment_method_types"]
            .as_array()
            .is_some_and(|a| a.iter().any(|x| x == t))
    };
    if let Some(t) = wanted_type
        && !accepts(t)
    {
        return Err(ApiError::invalid_param(
            "payment_method",
            format!("This Checkout Session does not accept {t} payments."),
        ));
    }
    let pm = match &sub.method {
        MethodInput::Reference(r) => methods::resolve(tx, &owner, r, &billing, "payment_method")?,
        MethodInput::Card(card) => methods::create_card(tx, &owner, card, &billing),
        MethodInput::Iban(iban) => methods::create_sepa(tx, &owner, iban, &billing),
    };
    let pm_type = pm["type"].as_str().unwrap_or("card").to_owned();
    if !accepts(&pm_type) {
        return Err(ApiError::invalid_param(
            "payment_method",
            format!("This Checkout Session does not accept {pm_type} payments."),
        ));
    }
    let data = meta(tx, id);
    let platform = data["platform"].as_str().unwrap_or(&owner).to_owned();
    let reusable = session["payment_intent"]
        .as_str()
        .filter(|pi| {
            tx.get(pi).is_some_and(|s| {
                matches!(
                    s.value["status"].as_str(),
                    Some("requires_payment_method" | "requires_action" | "requires_confirmation")
                )
            })
        })
        .map(str::to_owned);
    let pi_id = match reusable {
        Some(pi) => pi,
        None => {
            let spec = pi_spec(&session, &data["payment_intent_data"], &platform);
            let pi = intents::create_intent(tx, &owner, spec);
            let pi_id = pi["id"].as_str().unwrap_or_default().to_owned();
            modify(tx, id, |s| {
                s.insert("payment_intent".into(), json!(pi_id));
            });
            pi_id
        }
    };
    set_meta(
        tx,
        id,
        "customer",
        json!({ "email": email, "name": billing.name, "country": billing.country, "postal_code": billing.postal_code }),
    );
    let outcome = intents::confirm(tx, &owner, &pi_id, &pm, &ConfirmOpts::default())?;
    let event = after_attempt(tx, &owner, id, &outcome);
    let session = tx.get(id).map(|s| s.value.clone()).unwrap_or(Value::Null);
    Ok(match outcome {
        Outcome::Declined { error, .. } => Submitted::Declined { session, error },
        Outcome::RequiresAction(pi) => Submitted::RequiresAction { session, pi },
        _ => Submitted::Completed {
            session,
            event: event.unwrap_or_default(),
        },
    })
}

/// Applies a payment attempt's outcome to its session; returns the id of
/// `checkout.session.completed` when this completed the session.
pub fn after_attempt(tx: &mut Tx<'_>, owner: &str, id: &str, outcome: &Outcome) -> Option<String> {
    let session = tx.get(id).map(|s| s.value.clone())?;
    let status = session["status"].as_str().unwrap_or_default().to_owned();
    match outcome {
        Outcome::Succeeded(_) | Outcome::RequiresCapture(_) | Outcome::Processing(_)
            if status == "open" =>
        {
            let paid = matches!(outcome, Outcome::Succeeded(_));
            Some(complete(tx, owner, id, outcome.pi(), paid))
        }
        Outcome::Succeeded(_) if status == "complete" => {
            let (_, after) = modify(tx, id, |s| {
                s.insert("payment_status".into(), json!("paid"));
            });
            tx.emit(
                owner,
                "checkout.session.async_payment_succeeded",
                after,
                None,
            );
            None
        }
        Outcome::Declined { .. } if status == "complete" => {
            let after = tx.get(id).map(|s| s.value.clone()).unwrap_or(Value::Null);
            tx.emit(owner, "checkout.session.async_payment_failed", after, None);
            None
        }
        _ => None,
    }
}

fn complete(tx: &mut Tx<'_>, owner: &str, id: &str, pi: &Value, paid: bool) -> String {
    let info = meta(tx, id)["customer"].clone();
    let session = tx.get(id).map(|s| s.value.clone()).unwrap_or(Value::Null);
    let mut customer = session["customer"].clone();
    if customer.is_null() && session["customer_creation"] == "always" {
        let created = customers::insert(
            tx,
            owner,
            info["email"].as_str(),
            info["name"].as_str(),
            None,
        );
        customer = created["id"].clone();
        let pi_id = pi["id"].as_str().unwrap_or_default().to_owned();
        modify(tx, &pi_id, |p| {
            p.insert("customer".into(), customer.clone());
        });
        if let Some(charge) = pi["latest_charge"].as_str().map(str::to_owned) {
            modify(tx, &charge, |c| {
                c.insert("customer".into(), customer.clone());
            });
        }
    }
    let details = json!({
        "address": {
            "city": null, "country": info["country"], "line1": null, "line2": null,
            "postal_code": info["postal_code"], "state": null,
        },
        "business_name": null,
        "email": info["email"],
        "individual_name": null,
        "name": info["name"],
        "phone": null,
        "tax_exempt": "none",
        "tax_ids": [],
    });
    let (_, after) = modify(tx, id, |s| {
        s.insert("status".into(), json!("complete"));
        // Stripe only shows `url` while the session is open.
        s.insert("url".into(), Value::Null);
        s.insert(
            "payment_status".into(),
            json!(if paid { "paid" } else { "unpaid" }),
        );
        s.insert("payment_intent".into(), pi["id"].clone());
        s.insert("customer".into(), customer.clone());
        s.insert("customer_details".into(), details);
        s.insert(
            "collected_information".into(),
            json!({ "business_name": null, "individual_name": null, "shipping_details": null }),
        );
    });
    tx.emit(owner, "checkout.session.completed", after, None)
}

/// Where the customer goes once a session is complete: `success_url` (hosted) or `return_url`
/// (embedded), with `{CHECKOUT_SESSION_ID}` substituted. `None` when there is none.
pub fn completion_url(session: &Value) -> Option<String> {
    let id = session["id"].as_str().unwrap_or_default();
    session["success_url"]
        .as_str()
        .or_else(|| session["return_url"].as_str())
        .map(|u| u.replace("{CHECKOUT_SESSION_ID}", id))
}

/// Waits (at most `timeout`) until every delivery of `event_id` had its first attempt, as
/// Stripe waits for `checkout.session.completed` before redirecting the customer.
pub async fn wait_first_attempts(app: &AppState, event_id: &str, timeout: Duration) {
    if event_id.is_empty() {
        return;
    }
    let deadline = Instant::now() + timeout;
    loop {
        let waiting = app.read(|s| {
            s.deliveries
                .values()
                .any(|d| d.event_id == event_id && (d.attempt == 0 || d.in_flight))
        });
        if !waiting || Instant::now() >= deadline {
            return;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}
