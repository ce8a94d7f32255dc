//! Balances: balance transactions (`txn_…`) recorded by every money movement, the balance they
//! add up to (`GET /v1/balance`), `GET /v1/balance_transactions[/{id}]`, and the scheduled
//! action that makes pending funds available at `available_on` (emitting `balance.available`).
//!
//! A transaction is `pending` until `available_on` (sandbox clock), then `available`. Card and
//! SEPA charges become available two days after creation (`pm_card_bypassPending` at once);
//! debits (refunds, disputes, payouts, fees) are available at once and count against the
//! available balance.

use axum::extract::{Path, State};
use axum::routing::get;
use axum::{Json, Router};
use serde_json::{Value, json};

use crate::app::{AppState, Tx};
use crate::ids;
use crate::payments::{load, modify};
use crate::scheduler::ScheduledAction;
use crate::store::State as Store;
use crate::wire::auth::Caller;
use crate::wire::error::{ApiError, ApiResult};
use crate::wire::expand;
use crate::wire::form::{Form, Schema, Ty, opt};
use crate::wire::list;

/// Seconds before card and SEPA funds become available.
pub const PENDING_SECS: i64 = 2 * 86_400;

/// Scheduler kind that flips pending transactions to available.
pub const FUNDS_AVAILABLE: &str = "payments.funds_available";

/// Routes under `/v1`.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/balance", get(retrieve_balance))
        .route("/balance_transactions", get(list_transactions))
        .route("/balance_transactions/{id}", get(retrieve_transaction))
}

/// One entry of `fee_details`.
#[derive(Clone, Debug)]
pub struct FeeDetail {
    /// Amount in minor units.
    pub amount: i64,
    /// `stripe_fee`, `application_fee`, `payment_method_passthrough_fee`, `tax`.
    pub kind: &'static str,
    /// `ca_…` for application fees.
    pub application: Option<String>,
    /// Human description.
    pub description: String,
}

/// A balance transaction to record.
#[derive(Clone, Debug)]
pub struct NewTxn {
    /// Gross amount (negative for debits).
    pub amount: i64,
    /// Lowercase currency.
    pub currency: String,
    /// `type`: `charge`, `payment`, `refund`, `adjustment`, `payout`, `payout_cancel`,
    /// `application_fee`, `application_fee_refund`, `transfer`, `stripe_fee`.
    pub kind: &'static str,
    /// `reporting_category`.
    pub reporting_category: &'static str,
    /// `source`: id of the object that moved the money.
    pub source: Option<String>,
    /// `description`.
    pub description: Option<String>,
    /// Fees taken from the amount.
    pub fees: Vec<FeeDetail>,
    /// `available_on` (unix seconds).
    pub available_on: i64,
    /// `card` or `bank_account` for `balance.source_types`.
    pub source_type: &'static str,
}

/// Records a balance transaction on `owner`; returns it. Schedules the pending → available
/// switch when `available_on` is in the future.
pub fn record(tx: &mut Tx<'_>, owner: &str, t: NewTxn) -> Value {
    let now = tx.now();
    let fee: i64 = t.fees.iter().map(|f| f.amount).sum();
    let fee_details: Vec<Value> = t
        .fees
        .iter()
        .map(|f| {
            json!({
                "amount": f.amount,
                "application": f.application,
                "currency": t.currency,
                "description": f.description,
                "type": f.kind,
            })
        })
        .collect();
    let pending = t.available_on > now;
    let value = json!({
        "id": ids::new_id("txn"),
        "object": "balance_transaction",
        "amount": t.amount,
        "available_on": t.available_on,
        "balance_type": "payments",
        "created": now,
        "currency": t.currency,
        "description": t.description,
        "exchange_rate": null,
        "fee": fee,
        "fee_details": fee_details,
        "net": t.amount - fee,
        "reporting_category": t.reporting_category,
        "source": t.source,
        "status": if pending { "pending" } else { "available" },
        "type": t.kind,
    });
    let stored = tx.insert_with_meta(
        owner,
        "balance_transaction",
        value,
        json!({ "source_type": t.source_type }),
    );
    if pending {
        tx.schedule(t.available_on, FUNDS_AVAILABLE, owner, json!({}));
    }
    stored
}

/// Amounts per currency: `(currency, available, pending, available by source type)`.
fn totals(state: &Store, account: &str, now: i64) -> Vec<(String, i64, i64, Value, Value)> {
    let mut out: Vec<(String, i64, i64, Value, Value)> = Vec::new();
    for id in state.ids(account, "balance_transaction") {
        let Some(stored) = state.get(id) else {
            continue;
        };
        let t = &stored.value;
        let currency = t["currency"].as_str().unwrap_or("usd").to_owned();
        let net = t["net"].as_i64().unwrap_or(0);
        let source_type = stored.meta["source_type"]
            .as_str()
            .unwrap_or("card")
            .to_owned();
        let idx = match out.iter().position(|(c, ..)| *c == currency) {
            Some(i) => i,
            None => {
                out.push((currency, 0, 0, json!({}), json!({})));
                out.len() - 1
            }
        };
        let entry = &mut out[idx];
        let available = t["available_on"].as_i64().unwrap_or(0) <= now;
        let bucket = if available {
            &mut entry.3
        } else {
            &mut entry.4
        };
        let current = bucket[&source_type].as_i64().unwrap_or(0);
        bucket[&source_type] = json!(current + net);
        if available {
            entry.1 += net;
        } else {
            entry.2 += net;
        }
    }
    out.sort_by(|a, b| a.0.cmp(&b.0));
    out
}

/// The available balance of `account` in `currency`.
pub fn available(state: &Store, account: &str, currency: &str, now: i64) -> i64 {
    totals(state, account, now)
        .into_iter()
        .find(|(c, ..)| c == currency)
        .map_or(0, |t| t.1)
}

/// The `balance` object of `account`.
pub fn balance_json(state: &Store, account: &str, now: i64) -> Value {
    let mut rows = totals(state, account, now);
    if rows.is_empty() {
        let currency = crate::payments::account_value(state, account)
            .and_then(|a| a["default_currency"].as_str())
            .unwrap_or("usd")
            .to_owned();
        rows.push((currency, 0, 0, json!({}), json!({})));
    }
    let with_card = |v: &Value| {
        let mut v = v.clone();
        if v.get("card").is_none() {
            v["card"] = json!(0);
        }
        v
    };
    let available: Vec<Value> = rows
        .iter()
        .map(
            |(c, a, _, sa, _)| json!({ "amount": a, "currency": c, "source_types": with_card(sa) }),
        )
        .collect();
    let pending: Vec<Value> = rows
        .iter()
        .map(
            |(c, _, p, _, sp)| json!({ "amount": p, "currency": c, "source_types": with_card(sp) }),
        )
        .collect();
    let reserved: Vec<Value> = rows
        .iter()
        .map(|(c, ..)| json!({ "amount": 0, "currency": c }))
        .collect();
    json!({
        "object": "balance",
        "available": available,
        "connect_reserved": reserved,
        "livemode": false,
        "pending": pending,
    })
}

/// `payments.funds_available`: flips due pending transactions of `target` to available and
/// emits `balance.available`.
pub fn funds_available(tx: &mut Tx<'_>, action: &ScheduledAction) -> Result<(), ApiError> {
    let now = tx.now();
    let account = action.target.clone();
    let due: Vec<String> = tx
        .ids(&account, "balance_transaction")
        .iter()
        .filter(|id| {
            tx.get(id).is_some_and(|s| {
                s.value["status"] == "pending"
                    && s.value["available_on"].as_i64().unwrap_or(0) <= now
            })
        })
        .cloned()
        .collect();
    if due.is_empty() {
        return Ok(());
    }
    for id in &due {
        modify(tx, id, |t| {
            t.insert("status".into(), json!("available"));
        });
    }
    let balance = balance_json(tx, &account, now);
    tx.emit(&account, "balance.available", balance, None);
    Ok(())
}

const RETRIEVE: Schema = Schema::new(&[]);
const LIST: Schema = Schema::list(&[
    opt("type", Ty::Str),
    opt("source", Ty::Str),
    opt("payout", Ty::Str),
    opt("currency", Ty::Str),
    opt("available_on", Ty::IntOrRange),
]);

async fn retrieve_balance(
    State(app): State<AppState>,
    caller: Caller,
    form: Form,
) -> ApiResult<Json<Value>> {
    RETRIEVE.validate(form)?;
    let now = app.clock.now();
    Ok(Json(app.read(|s| balance_json(s, &caller.acting_as, now))))
}

async fn retrieve_transaction(
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
            "balance_transaction",
            &id,
            "balance transaction",
        )?;
        expand::expand(s, &caller, &mut v, &p.expand())?;
        Ok(Json(v))
    })
}

fn range_matches(p: &crate::wire::form::Params, name: &str, value: i64) -> bool {
    match p.get(name) {
        Some(Value::Number(n)) => n.as_i64() == Some(value),
        Some(Value::Object(_)) => {
            let get = |k: &str| p.i64(&format!("{name}.{k}"));
            get("gt").is_none_or(|x| value > x)
                && get("gte").is_none_or(|x| value >= x)
                && get("lt").is_none_or(|x| value < x)
                && get("lte").is_none_or(|x| value <= x)
        }
        _ => true,
    }
}

async fn list_transactions(
    State(app): State<AppState>,
    caller: Caller,
    form: Form,
) -> ApiResult<Json<Value>> {
    let p = LIST.validate(form)?;
    app.read(|s| {
        let payout_sources: Option<Vec<String>> = p.str("payout").map(|po| {
            let mut ids = vec![po.to_owned()];
            if let Some(payout) = s.find(&caller.acting_as, "payout", po)
                && let Some(txn) = payout["balance_transaction"].as_str()
            {
                ids.push(txn.to_owned());
            }
            ids
        });
        let keep = |t: &Value| {
            p.str("type").is_none_or(|x| t["type"] == x)
                && p.str("source").is_none_or(|x| t["source"] == x)
                && p.str("currency")
                    .is_none_or(|x| t["currency"] == x.to_ascii_lowercase())
                && range_matches(&p, "available_on", t["available_on"].as_i64().unwrap_or(0))
                && payout_sources.as_ref().is_none_or(|ids| {
                    ids.iter()
                        .any(|i| t["source"] == i.as_str() || t["id"] == i.as_str())
                })
        };
        let all = s.newest_first(&caller.acting_as, "balance_transaction");
        let mut out = list::paginate(
            &all,
            &p,
            "/v1/balance_transactions",
            "balance transaction",
            keep,
        )?;
        expand::expand(s, &caller, &mut out, &p.expand())?;
        Ok(Json(out))
    })
}
