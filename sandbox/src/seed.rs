//! `POST /_sandbox/seed/charges`: many realistic card payments on a connected account at once,
//! for benchmarks and scale tests. Each payment goes through the same code as the API (payment
//! intent, card payment method, confirmation, charge, balance transaction, the platform's
//! application fee; optionally a partial refund or a dispute), then its objects are back-dated
//! into a time range so lists and charts have history. Not part of Stripe's API.
//!
//! Body (JSON), with `Authorization: Bearer <platform sk>`:
//! `{ "account": "acct_…", "count": 500, "currency": "eur", "amount_min": 500, "amount_max": 20000,
//!    "fee_percent": 5, "customers": 50, "email_domain": "example.com",
//!    "created_from": 1700000000, "created_to": 1702592000,
//!    "refund_every": 0, "dispute_every": 0, "quiet": true }`
//! Every field but `account` has a default. `quiet` (the default) removes the events of the
//! seeded objects and their webhook deliveries, so a big seed does not flood receivers. Seed an
//! account in chronological order: lists are ordered by insertion.

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::app::{AppState, Tx};
use crate::payments::intents::{self, ConfirmOpts, PiSpec};
use crate::payments::methods::{self, Billing, DisputeKind};
use crate::payments::refunds::{self, NewRefund};
use crate::payments::{disputes, modify};
use crate::wire::auth;
use crate::wire::error::ApiError;

/// Payments made per write transaction, so API requests are not held up for long.
const CHUNK: u64 = 200;

/// The largest `count` one call accepts.
pub const MAX_COUNT: u64 = 20_000;

/// Routes at `/_sandbox/seed`.
pub fn router() -> Router<AppState> {
    Router::new().route("/_sandbox/seed/charges", post(seed_charges))
}

#[derive(Debug, Deserialize)]
#[serde(default)]
struct SeedCharges {
    account: String,
    count: u64,
    currency: String,
    amount_min: i64,
    amount_max: i64,
    fee_percent: i64,
    customers: u64,
    email_domain: String,
    created_from: Option<i64>,
    created_to: Option<i64>,
    refund_every: u64,
    dispute_every: u64,
    quiet: bool,
}

impl Default for SeedCharges {
    fn default() -> Self {
        Self {
            account: String::new(),
            count: 100,
            currency: "eur".into(),
            amount_min: 500,
            amount_max: 20_000,
            fee_percent: 5,
            customers: 50,
            email_domain: "example.com".into(),
            created_from: None,
            created_to: None,
            refund_every: 0,
            dispute_every: 0,
            quiet: true,
        }
    }
}

/// What one payment needs, already decided.
struct Plan {
    n: u64,
    amount: i64,
    created: i64,
    email: String,
}

async fn seed_charges(State(app): State<AppState>, headers: HeaderMap, body: Bytes) -> Response {
    let spec: SeedCharges = match serde_json::from_slice(&body) {
        Ok(s) => s,
        Err(e) => return bad_request(&format!("Invalid seed request: {e}")),
    };
    let Some(key) = auth::api_key(&headers) else {
        return ApiError::no_api_key().into_response();
    };
    let platform = match app.write(|tx| auth::resolve_key(tx, &key)) {
        Ok(caller) => caller.platform,
        Err(e) => return e.into_response(),
    };
    if let Err(message) = check(&app, &platform, &spec) {
        return bad_request(&message);
    }
    let now = app.clock.now();
    let to = spec.created_to.unwrap_or(now).min(now);
    let from = spec.created_from.unwrap_or(to).min(to);
    let step = (to - from) / i64::try_from(spec.count.max(1)).unwrap_or(1);
    let span = (spec.amount_max - spec.amount_min).max(0) + 1;
    let mut charges = Vec::new();
    let mut first = 0;
    while first < spec.count {
        let last = (first + CHUNK).min(spec.count);
        let made = app.write(|tx| {
            let mut made = Vec::new();
            for n in first..last {
                let i = i64::try_from(n).unwrap_or(0);
                let plan = Plan {
                    n,
                    // A fixed spread (not random) so runs are comparable.
                    amount: spec.amount_min + (i * 7919).rem_euclid(span),
                    created: from + i * step,
                    email: format!(
                        "customer{}@{}",
                        n % spec.customers.max(1),
                        spec.email_domain
                    ),
                };
                made.push(pay(tx, &platform, &spec, &plan)?);
            }
            Ok::<_, ApiError>(made)
        });
        match made {
            Ok(mut ids) => charges.append(&mut ids),
            Err(e) => return e.into_response(),
        }
        first = last;
    }
    Json(json!({ "account": spec.account, "count": charges.len(), "charges": charges }))
        .into_response()
}

fn check(app: &AppState, platform: &str, spec: &SeedCharges) -> Result<(), String> {
    if spec.count == 0 || spec.count > MAX_COUNT {
        return Err(format!("`count` must be between 1 and {MAX_COUNT}"));
    }
    if spec.amount_min < 50 || spec.amount_max < spec.amount_min {
        return Err("`amount_min` must be at least 50 and at most `amount_max`".into());
    }
    if !(0..=100).contains(&spec.fee_percent) {
        return Err("`fee_percent` is between 0 and 100".into());
    }
    app.read(|s| {
        if s.connection(platform, &spec.account).is_none() {
            return Err(format!(
                "{} is not connected to this platform",
                spec.account
            ));
        }
        crate::payments::require_charges_enabled(s, &spec.account)
            .map_err(|_| format!("{} cannot take charges", spec.account))
    })
}

/// One payment through the API's code, then back-dated; returns its charge id.
fn pay(
    tx: &mut Tx<'_>,
    platform: &str,
    spec: &SeedCharges,
    plan: &Plan,
) -> Result<String, ApiError> {
    let before = tx.seq;
    let account = spec.account.as_str();
    let fee = plan.amount * spec.fee_percent / 100;
    let pi = intents::create_intent(
        tx,
        account,
        PiSpec {
            amount: plan.amount,
            currency: spec.currency.clone(),
            capture_method: "automatic".into(),
            customer: Value::Null,
            description: json!(format!("Order #{}", plan.n + 1)),
            metadata: json!({}),
            receipt_email: json!(plan.email),
            application_fee_amount: (fee > 0).then_some(fee),
            transfer_data: Value::Null,
            on_behalf_of: Value::Null,
            statement_descriptor: Value::Null,
            statement_descriptor_suffix: Value::Null,
            setup_future_usage: Value::Null,
            payment_method_types: vec!["card".into()],
            automatic: false,
            transfer_group: Value::Null,
            shipping: Value::Null,
            platform: platform.to_owned(),
            checkout_session: None,
            configuration_details: Value::Null,
        },
    );
    let pi_id = pi["id"].as_str().unwrap_or_default().to_owned();
    let billing = Billing {
        name: Some(format!("Customer {}", plan.n % spec.customers.max(1))),
        email: Some(plan.email.clone()),
        ..Billing::default()
    };
    // Funds available at once: a seeded history must not leave thousands of pending balance
    // transactions for the scheduler.
    let pm = methods::resolve(
        tx,
        account,
        "pm_card_bypassPending",
        &billing,
        "payment_method",
    )?;
    let outcome = intents::confirm(tx, account, &pi_id, &pm, &ConfirmOpts::default())?;
    let charge = outcome.pi()["latest_charge"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let k = plan.n + 1;
    if spec.refund_every > 0 && k.is_multiple_of(spec.refund_every) {
        let refund = NewRefund {
            amount: Some((plan.amount / 2).max(1)),
            reason: Some("requested_by_customer".into()),
            refund_application_fee: false,
            metadata: json!({}),
        };
        refunds::refund_charge(tx, account, &charge, &refund, "charge")?;
    } else if spec.dispute_every > 0 && k.is_multiple_of(spec.dispute_every) {
        disputes::open(tx, account, &charge, DisputeKind::ProductNotReceived);
    }
    backdate(tx, &[account, platform], before, plan.created, spec.quiet);
    Ok(charge)
}

/// Moves every object made since `before` on `owners` to `created`; with `quiet`, removes
/// their events and pending deliveries instead.
fn backdate(tx: &mut Tx<'_>, owners: &[&str], before: u64, created: i64, quiet: bool) {
    const KINDS: &[&str] = &[
        "payment_method",
        "payment_intent",
        "charge",
        "balance_transaction",
        "refund",
        "dispute",
        "application_fee",
        "event",
    ];
    let mut fresh: Vec<(String, String)> = Vec::new();
    for owner in owners {
        for kind in KINDS {
            let ids = tx.ids(owner, kind);
            for id in ids.iter().rev() {
                match tx.get(id) {
                    Some(stored) if stored.seq > before => {
                        fresh.push((id.clone(), (*kind).to_owned()));
                    }
                    _ => break,
                }
            }
        }
    }
    for (id, kind) in fresh {
        if kind == "event" && quiet {
            tx.remove(&id);
            tx.deliveries.retain(|_, d| d.event_id != id);
            continue;
        }
        modify(tx, &id, |o| {
            o.insert("created".into(), json!(created));
            if kind == "balance_transaction" {
                o.insert("available_on".into(), json!(created));
            }
        });
    }
}

fn bad_request(message: &str) -> Response {
    (
        StatusCode::BAD_REQUEST,
        Json(json!({ "error": { "type": "invalid_request_error", "message": message } })),
    )
        .into_response()
}
