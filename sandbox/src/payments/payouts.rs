//! Payouts (`po_…`) of the available balance to the account's bank account:
//! `POST /v1/payouts` (`balance_insufficient` when the available balance is too low), retrieve,
//! update (`metadata`), list (`status`, `arrival_date`, `destination`, `created`), cancel
//! (pending only). Scheduled actions move a payout `pending` → `in_transit` → `paid` at
//! `arrival_date` (events `payout.created`, `payout.updated`, `payout.paid`, `payout.canceled`).
//! Standard payouts stay `pending` (cancelable) for an hour, then go `in_transit` and arrive two
//! days later (midnight UTC); instant payouts go `in_transit` at once and arrive 30 minutes
//! later, for a 1 % fee (minimum 50). Manual payouts only: no automatic schedule runs.

use axum::extract::{Path, State};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::{Value, json};

use crate::accounts::model::diff;
use crate::app::{AppState, Tx};
use crate::ids;
use crate::payments::balance::{self, FeeDetail, NewTxn};
use crate::payments::{account_value, load, merge_metadata, metadata_param, modify, money};
use crate::scheduler::ScheduledAction;
use crate::wire::auth::Caller;
use crate::wire::error::{ApiError, ApiResult};
use crate::wire::expand;
use crate::wire::form::{Form, Schema, Ty, opt, req};
use crate::wire::list;

/// A standard payout stays `pending` (cancelable) this long before it goes `in_transit`.
pub const SUBMIT_SECS: i64 = 3600;

/// An instant payout arrives this long after creation.
pub const INSTANT_SECS: i64 = 1800;

/// Scheduler kind moving a payout to its next status.
pub const ADVANCE: &str = "payments.payout_advance";

/// Routes under `/v1`.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/payouts", get(list_payouts).post(create))
        .route("/payouts/{id}", get(retrieve).post(update))
        .route("/payouts/{id}/cancel", post(cancel))
}

fn insufficient() -> ApiError {
    ApiError::invalid(
        "You have insufficient funds in your Stripe account for this transfer. Your card balance is \
         too low. You can use the /v1/balance endpoint to view your Stripe balance (for more \
         details, see stripe.com/docs/api#balance).",
    )
    .code("balance_insufficient")
}

fn instant_fee(amount: i64) -> i64 {
    ((amount + 50) / 100).max(50)
}

const CREATE: Schema = Schema::new(&[
    req(
        "amount",
        Ty::Int {
            min: Some(1),
            max: None,
        },
    ),
    req("currency", Ty::Str),
    opt("description", Ty::Str),
    opt("destination", Ty::Str),
    opt("metadata", Ty::Map),
    opt("method", Ty::Enum(&["instant", "standard"])),
    opt("source_type", Ty::Enum(&["bank_account", "card", "fpx"])),
    opt("statement_descriptor", Ty::Str),
    opt("payout_method", Ty::Str),
]);
const UPDATE: Schema = Schema::new(&[opt("metadata", Ty::Map)]);
const RETRIEVE: Schema = Schema::new(&[]);
const LIST: Schema = Schema::list(&[
    opt(
        "status",
        Ty::Enum(&["pending", "paid", "failed", "canceled", "in_transit"]),
    ),
    opt("arrival_date", Ty::IntOrRange),
    opt("destination", Ty::Str),
]);

fn destination(
    tx: &Tx<'_>,
    account: &str,
    currency: &str,
    explicit: Option<&str>,
) -> Result<Value, ApiError> {
    let externals: Vec<Value> = account_value(tx, account)
        .and_then(|a| a["external_accounts"]["data"].as_array().cloned())
        .unwrap_or_default();
    if let Some(id) = explicit {
        return externals
            .iter()
            .find(|e| e["id"] == id)
            .map(|e| e["id"].clone())
            .ok_or_else(|| crate::payments::missing_ref("external account", id, "destination"));
    }
    let in_currency: Vec<&Value> = externals
        .iter()
        .filter(|e| e["currency"] == currency)
        .collect();
    if let Some(found) = in_currency
        .iter()
        .find(|e| e["default_for_currency"] == true)
        .or_else(|| in_currency.first())
    {
        return Ok(found["id"].clone());
    }
    if tx.is_platform(account) {
        // Platforms are self-onboarded Stripe accounts whose bank account the sandbox does not model.
        return Ok(Value::Null);
    }
    Err(ApiError::invalid(format!(
        "You don't have any external accounts in that currency ({currency})."
    ))
    .param("currency"))
}

async fn create(State(app): State<AppState>, caller: Caller, form: Form) -> ApiResult<Json<Value>> {
    let p = CREATE.validate(form)?;
    let currency = money::currency(p.str("currency").unwrap_or_default(), "currency")?;
    let amount = p.i64("amount").unwrap_or(0);
    let instant = p.str("method") == Some("instant");
    app.write(|tx| {
        let owner = caller.acting_as.clone();
        let now = tx.now();
        let dest = destination(tx, &owner, &currency, p.str("destination"))?;
        let fee = if instant { instant_fee(amount) } else { 0 };
        if balance::available(tx, &owner, &currency, now) < amount + fee {
            return Err(insufficient());
        }
        let id = ids::new_id("po");
        let fees = if instant {
            vec![FeeDetail {
                amount: fee,
                kind: "stripe_fee",
                application: None,
                description: "Instant payout fee".into(),
            }]
        } else {
            Vec::new()
        };
        let txn = balance::record(
            tx,
            &owner,
            NewTxn {
                amount: -amount,
                currency: currency.clone(),
                kind: "payout",
                reporting_category: "payout",
                source: Some(id.clone()),
                description: Some(p.str("description").unwrap_or("STRIPE PAYOUT").to_owned()),
                fees,
                available_on: now,
                source_type: "card",
            },
        );
        let arrival = if instant {
            now + INSTANT_SECS
        } else {
            (now.div_euclid(86_400) + 2) * 86_400
        };
        let value = json!({
            "id": id,
            "object": "payout",
            "amount": amount,
            "application_fee": null,
            "application_fee_amount": null,
            "arrival_date": arrival,
            "automatic": false,
            "balance_transaction": txn["id"],
            "created": now,
            "currency": currency,
            "description": p.str("description").unwrap_or("STRIPE PAYOUT"),
            "destination": dest,
            "failure_balance_transaction": null,
            "failure_code": null,
            "failure_message": null,
            "livemode": false,
            "metadata": metadata_param(&p),
            "method": if instant { "instant" } else { "standard" },
            "original_payout": null,
            "payout_method": null,
            "reconciliation_status": "not_applicable",
            "reversed_by": null,
            "source_type": p.str("source_type").unwrap_or("card"),
            "statement_descriptor": p.str("statement_descriptor"),
            "status": "pending",
            "trace_id": { "status": "pending", "value": null },
            "type": "bank_account",
        });
        let mut payout = tx.insert(&owner, "payout", value);
        tx.emit(&owner, "payout.created", payout.clone(), None);
        let in_transit = if instant { now } else { now + SUBMIT_SECS };
        tx.schedule(in_transit, ADVANCE, &id, json!({ "to": "in_transit" }));
        tx.schedule(arrival, ADVANCE, &id, json!({ "to": "paid" }));
        expand::expand(tx, &caller, &mut payout, &p.expand())?;
        Ok(Json(payout))
    })
}

/// `payments.payout_advance`: `pending` → `in_transit` → `paid`.
pub fn advance(tx: &mut Tx<'_>, action: &ScheduledAction) -> Result<(), ApiError> {
    let id = action.target.clone();
    let stored = tx
        .get(&id)
        .cloned()
        .ok_or_else(|| ApiError::no_such("payout", &id, "id"))?;
    let owner = stored.owner;
    let status = stored.value["status"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let to = action.data["to"].as_str().unwrap_or_default();
    let allowed = matches!(
        (status.as_str(), to),
        ("pending", "in_transit") | ("pending" | "in_transit", "paid")
    );
    if !allowed {
        return Ok(());
    }
    let (before, after) = modify(tx, &id, |po| {
        po.insert("status".into(), json!(to));
        if to == "paid" {
            po.insert(
                "trace_id".into(),
                json!({ "status": "supported", "value": ids::random_chars(16).to_uppercase() }),
            );
        }
    });
    tx.emit(
        &owner,
        "payout.updated",
        after.clone(),
        diff(&before, &after),
    );
    if to == "paid" {
        tx.emit(&owner, "payout.paid", after, None);
    }
    Ok(())
}

async fn cancel(
    State(app): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    form: Form,
) -> ApiResult<Json<Value>> {
    let p = RETRIEVE.validate(form)?;
    app.write(|tx| {
        let owner = caller.acting_as.clone();
        let payout = load(tx, &owner, "payout", &id, "payout")?;
        if payout["status"] != "pending" {
            return Err(ApiError::invalid(format!(
                "Payouts can only be canceled while they are pending. This payout's status is {}.",
                payout["status"].as_str().unwrap_or_default()
            )));
        }
        let amount = payout["amount"].as_i64().unwrap_or(0);
        let currency = payout["currency"].as_str().unwrap_or("usd").to_owned();
        let now = tx.now();
        let txn = balance::record(
            tx,
            &owner,
            NewTxn {
                amount,
                currency,
                kind: "payout_cancel",
                reporting_category: "payout_reversal",
                source: Some(id.clone()),
                description: Some("Payout cancellation".into()),
                fees: Vec::new(),
                available_on: now,
                source_type: "card",
            },
        );
        let (before, after) = modify(tx, &id, |po| {
            po.insert("status".into(), json!("canceled"));
            po.insert("failure_balance_transaction".into(), txn["id"].clone());
        });
        tx.emit(&owner, "payout.canceled", after.clone(), None);
        tx.emit(
            &owner,
            "payout.updated",
            after.clone(),
            diff(&before, &after),
        );
        let mut out = after;
        expand::expand(tx, &caller, &mut out, &p.expand())?;
        Ok(Json(out))
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
        let mut v = load(s, &caller.acting_as, "payout", &id, "payout")?;
        expand::expand(s, &caller, &mut v, &p.expand())?;
        Ok(Json(v))
    })
}

async fn update(
    State(app): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    form: Form,
) -> ApiResult<Json<Value>> {
    let p = UPDATE.validate(form)?;
    app.write(|tx| {
        let owner = caller.acting_as.clone();
        load(tx, &owner, "payout", &id, "payout")?;
        let (before, after) = modify(tx, &id, |po| merge_metadata(po, &p));
        if let Some(previous) = diff(&before, &after) {
            tx.emit(&owner, "payout.updated", after.clone(), Some(previous));
        }
        let mut out = after;
        expand::expand(tx, &caller, &mut out, &p.expand())?;
        Ok(Json(out))
    })
}

async fn list_payouts(
    State(app): State<AppState>,
    caller: Caller,
    form: Form,
) -> ApiResult<Json<Value>> {
    let p = LIST.validate(form)?;
    app.read(|s| {
        let all = s.newest_first(&caller.acting_as, "payout");
        let arrival = |v: &Value| {
            let at = v["arrival_date"].as_i64().unwrap_or(0);
            match p.get("arrival_date") {
                Some(Value::Number(n)) => n.as_i64() == Some(at),
                Some(Value::Object(_)) => {
                    let get = |k: &str| p.i64(&format!("arrival_date.{k}"));
                    get("gt").is_none_or(|x| at > x)
                        && get("gte").is_none_or(|x| at >= x)
                        && get("lt").is_none_or(|x| at < x)
                        && get("lte").is_none_or(|x| at <= x)
                }
                _ => true,
            }
        };
        let keep = |v: &Value| {
            p.str("status").is_none_or(|x| v["status"] == x)
                && p.str("destination").is_none_or(|x| v["destination"] == x)
                && arrival(v)
        };
        let mut out = list::paginate(&all, &p, "/v1/payouts", "payout", keep)?;
        expand::expand(s, &caller, &mut out, &p.expand())?;
        Ok(Json(out))
    })
}
