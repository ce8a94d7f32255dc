//! Refunds (`re_…`): `POST /v1/refunds` by `charge` or `payment_intent` (full or partial,
//! `reason`, `refund_application_fee`, `metadata`), retrieve, update (`metadata`), list
//! (`charge`, `payment_intent`, `created`). Card refunds succeed at once; SEPA refunds stay
//! `pending` until a scheduled action settles them (`refund.updated`,
//! `charge.refund.updated`). Each refund debits the balance (`refund` transaction) and updates
//! the charge (`amount_refunded`, `refunded`, `refunds`), emitting `charge.refunded` (with
//! `previous_attributes`) and `refund.created`.

use axum::extract::{Path, State};
use axum::routing::get;
use axum::{Json, Router};
use serde_json::{Value, json};

use crate::accounts::model::diff;
use crate::app::{AppState, Tx};
use crate::ids;
use crate::payments::balance::{self, NewTxn};
use crate::payments::{fees, load, merge_metadata, metadata_param, missing_ref, modify, money};
use crate::scheduler::ScheduledAction;
use crate::wire::auth::Caller;
use crate::wire::error::{ApiError, ApiResult};
use crate::wire::expand;
use crate::wire::form::{Form, Schema, Ty, opt};
use crate::wire::list;

/// Scheduler kind settling a pending (SEPA) refund.
pub const SETTLE: &str = "payments.refund_settle";

/// Routes under `/v1`.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/refunds", get(list_refunds).post(create))
        .route("/refunds/{id}", get(retrieve).post(update))
}

/// A refund to make.
#[derive(Clone, Debug, Default)]
pub struct NewRefund {
    /// Amount; `None` refunds what remains.
    pub amount: Option<i64>,
    /// `duplicate`, `fraudulent`, `requested_by_customer`.
    pub reason: Option<String>,
    /// Also refund the application fee, proportionally.
    pub refund_application_fee: bool,
    /// `metadata`.
    pub metadata: Value,
}

fn refund_json(
    tx: &Tx<'_>,
    charge: &Value,
    amount: i64,
    status: &str,
    txn: Option<&Value>,
    r: &NewRefund,
    id: &str,
) -> Value {
    let sepa = charge["payment_method_details"]["type"] == "sepa_debit";
    let destination = if sepa {
        json!({ "sepa_debit": {}, "type": "sepa_debit" })
    } else {
        json!({
            "card": { "reference": null, "reference_status": "pending", "reference_type": "acquirer_reference_number", "type": "refund" },
            "type": "card",
        })
    };
    json!({
        "id": id,
        "object": "refund",
        "amount": amount,
        "balance_transaction": txn.map(|t| t["id"].clone()),
        "charge": charge["id"],
        "created": tx.now(),
        "currency": charge["currency"],
        "customer": charge["customer"],
        "customer_account": null,
        "destination_details": destination,
        "metadata": r.metadata,
        "payment_intent": charge["payment_intent"],
        "payment_method": charge["payment_method"],
        "reason": r.reason,
        "receipt_number": null,
        "source_transfer_reversal": null,
        "status": status,
        "transfer_reversal": null,
    })
}

/// Refunds a succeeded, captured charge on `owner`; validates first, then books everything.
pub fn refund_charge(
    tx: &mut Tx<'_>,
    owner: &str,
    charge_id: &str,
    r: &NewRefund,
    param: &str,
) -> Result<Value, ApiError> {
    let charge = tx
        .find(owner, "charge", charge_id)
        .cloned()
        .ok_or_else(|| missing_ref("charge", charge_id, param))?;
    let currency = charge["currency"].as_str().unwrap_or("usd").to_owned();
    if charge["status"] != "succeeded" {
        return Err(ApiError::invalid(format!(
            "Charge {charge_id} cannot be refunded because its status is {}.",
            charge["status"].as_str().unwrap_or("unknown")
        ))
        .param(param));
    }
    if charge["captured"] != true {
        return Err(ApiError::invalid(format!(
            "Charge {charge_id} has not been captured. Cancel its PaymentIntent to release the authorization."
        ))
        .param(param));
    }
    let chargeback = tx
        .newest_first(owner, "dispute")
        .iter()
        .any(|d| d["charge"] == charge_id && d["is_charge_refundable"] != true);
    if chargeback {
        return Err(ApiError::invalid(format!(
            "Charge {charge_id} has been charged back; cannot issue a refund."
        ))
        .code("charge_disputed")
        .param(param));
    }
    let captured = charge["amount_captured"].as_i64().unwrap_or(0);
    let refunded = charge["amount_refunded"].as_i64().unwrap_or(0);
    let remaining = captured - refunded;
    if remaining <= 0 {
        return Err(
            ApiError::invalid(format!("Charge {charge_id} has already been refunded."))
                .code("charge_already_refunded")
                .param(param),
        );
    }
    let amount = r.amount.unwrap_or(remaining);
    if amount > remaining {
        return Err(ApiError::invalid(format!(
            "Refund amount ({}) is greater than unrefunded amount on charge ({})",
            money::format(amount, &currency),
            money::format(remaining, &currency)
        ))
        .code("amount_too_large")
        .param("amount"));
    }
    let sepa = charge["payment_method_details"]["type"] == "sepa_debit";
    let id = ids::new_id("re");
    let now = tx.now();
    let txn = balance::record(
        tx,
        owner,
        NewTxn {
            amount: -amount,
            currency: currency.clone(),
            kind: "refund",
            reporting_category: "refund",
            source: Some(id.clone()),
            description: Some("REFUND FOR CHARGE".into()),
            fees: Vec::new(),
            available_on: now,
            source_type: if sepa { "bank_account" } else { "card" },
        },
    );
    let status = if sepa { "pending" } else { "succeeded" };
    let refund = refund_json(tx, &charge, amount, status, Some(&txn), r, &id);
    let refund = tx.insert(owner, "refund", refund);
    if sepa {
        let due = now + crate::clock::duration_ms(tx.app.config.async_payment_delay) / 1000;
        tx.schedule(due, SETTLE, &id, json!({}));
    }
    let (before, after) = add_to_charge(tx, charge_id, &refund, amount);
    if r.refund_application_fee
        && let Some(fee_id) = charge["application_fee"].as_str()
        && let Some(fee) = tx.get(fee_id).map(|s| s.value.clone())
    {
        let fee_total = fee["amount"].as_i64().unwrap_or(0);
        let fee_left = fee_total - fee["amount_refunded"].as_i64().unwrap_or(0);
        let share = if amount == remaining {
            fee_left
        } else {
            (fee_total * amount / captured.max(1)).min(fee_left)
        };
        if share > 0 {
            fees::refund(tx, fee_id, share, json!({}))?;
        }
    }
    let previous = diff(&before, &after);
    tx.emit(owner, "charge.refunded", after, previous);
    tx.emit(owner, "refund.created", refund.clone(), None);
    Ok(refund)
}

fn add_to_charge(tx: &mut Tx<'_>, charge_id: &str, refund: &Value, amount: i64) -> (Value, Value) {
    modify(tx, charge_id, |c| {
        let total = c["amount_refunded"].as_i64().unwrap_or(0) + amount;
        let captured = c["amount_captured"].as_i64().unwrap_or(0);
        c.insert("amount_refunded".into(), json!(total));
        c.insert("refunded".into(), json!(total >= captured));
        let mut data = c["refunds"]["data"].as_array().cloned().unwrap_or_default();
        data.insert(0, refund.clone());
        c.insert(
            "refunds".into(),
            json!({ "object": "list", "data": data, "has_more": false, "url": format!("/v1/charges/{charge_id}/refunds") }),
        );
    })
}

/// Records the refund that releases an uncaptured authorization (PaymentIntent canceled).
pub fn release_authorization(tx: &mut Tx<'_>, owner: &str, charge_id: &str) -> Option<Value> {
    let charge = tx.find(owner, "charge", charge_id).cloned()?;
    let amount = charge["amount"].as_i64().unwrap_or(0);
    let id = ids::new_id("re");
    let r = NewRefund {
        metadata: json!({}),
        ..NewRefund::default()
    };
    let refund = refund_json(tx, &charge, amount, "succeeded", None, &r, &id);
    let refund = tx.insert(owner, "refund", refund);
    let (before, after) = modify(tx, charge_id, |c| {
        c.insert("amount_refunded".into(), json!(amount));
        c.insert("refunded".into(), json!(true));
        let mut data = c["refunds"]["data"].as_array().cloned().unwrap_or_default();
        data.insert(0, refund.clone());
        c.insert(
            "refunds".into(),
            json!({ "object": "list", "data": data, "has_more": false, "url": format!("/v1/charges/{charge_id}/refunds") }),
        );
    });
    tx.emit(
        owner,
        "charge.refunded",
        after.clone(),
        diff(&before, &after),
    );
    tx.emit(owner, "refund.created", refund, None);
    Some(after)
}

/// `payments.refund_settle`: a pending refund succeeds.
pub fn settle(tx: &mut Tx<'_>, action: &ScheduledAction) -> Result<(), ApiError> {
    let id = action.target.clone();
    let stored = tx
        .get(&id)
        .cloned()
        .ok_or_else(|| ApiError::no_such("refund", &id, "id"))?;
    if stored.value["status"] != "pending" {
        return Ok(());
    }
    let owner = stored.owner;
    let (before, after) = modify(tx, &id, |r| {
        r.insert("status".into(), json!("succeeded"));
    });
    if let Some(charge_id) = after["charge"].as_str().map(str::to_owned) {
        modify(tx, &charge_id, |c| {
            if let Some(list) = c
                .get_mut("refunds")
                .and_then(|l| l.get_mut("data"))
                .and_then(Value::as_array_mut)
            {
                for item in list.iter_mut().filter(|i| i["id"] == id.as_str()) {
                    *item = after.clone();
                }
            }
        });
    }
    let previous = diff(&before, &after);
    tx.emit(&owner, "refund.updated", after.clone(), previous.clone());
    tx.emit(&owner, "charge.refund.updated", after, previous);
    Ok(())
}

const CREATE: Schema = Schema::new(&[
    opt("charge", Ty::Str),
    opt("payment_intent", Ty::Str),
    opt(
        "amount",
        Ty::Int {
            min: Some(1),
            max: None,
        },
    ),
    opt(
        "reason",
        Ty::Enum(&["duplicate", "fraudulent", "requested_by_customer"]),
    ),
    opt("refund_application_fee", Ty::Bool),
    opt("reverse_transfer", Ty::Bool),
    opt("metadata", Ty::Map),
    opt("instructions_email", Ty::Str),
    opt("origin", Ty::Enum(&["customer_balance"])),
    opt("currency", Ty::Str),
    opt("customer", Ty::Str),
]);
const UPDATE: Schema = Schema::new(&[opt("metadata", Ty::Map)]);
const RETRIEVE: Schema = Schema::new(&[]);
const LIST: Schema = Schema::list(&[opt("charge", Ty::Str), opt("payment_intent", Ty::Str)]);

async fn create(State(app): State<AppState>, caller: Caller, form: Form) -> ApiResult<Json<Value>> {
    let p = CREATE.validate(form)?;
    if p.has("charge") && p.has("payment_intent") {
        return Err(ApiError::exclusive("charge", "payment_intent"));
    }
    let r = NewRefund {
        amount: p.i64("amount"),
        reason: p.str("reason").map(str::to_owned),
        refund_application_fee: p.bool("refund_application_fee").unwrap_or(false),
        metadata: metadata_param(&p),
    };
    app.write(|tx| {
        let owner = caller.acting_as.clone();
        let (charge_id, param) = match (p.str("charge"), p.str("payment_intent")) {
            (Some(c), _) => (c.to_owned(), "charge"),
            (None, Some(pi_id)) => {
                let pi = tx
                    .find(&owner, "payment_intent", pi_id)
                    .cloned()
                    .ok_or_else(|| missing_ref("payment_intent", pi_id, "payment_intent"))?;
                let charge = pi["latest_charge"].as_str().filter(|_| pi["status"] == "succeeded");
                match charge {
                    Some(c) => (c.to_owned(), "payment_intent"),
                    None => {
                        return Err(ApiError::invalid(format!(
                            "This PaymentIntent ({pi_id}) does not have a successful charge to refund."
                        ))
                        .param("payment_intent"));
                    }
                }
            }
            (None, None) => {
                return Err(ApiError::invalid("One of the following params should be provided for this request: payment_intent or charge.")
                    .code("parameter_missing")
                    .not_stored());
            }
        };
        let mut refund = refund_charge(tx, &owner, &charge_id, &r, param)?;
        expand::expand(tx, &caller, &mut refund, &p.expand())?;
        Ok(Json(refund))
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
        let mut v = load(s, &caller.acting_as, "refund", &id, "refund")?;
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
        load(tx, &owner, "refund", &id, "refund")?;
        let (before, after) = modify(tx, &id, |r| merge_metadata(r, &p));
        if let Some(previous) = diff(&before, &after) {
            tx.emit(&owner, "refund.updated", after.clone(), Some(previous));
        }
        let mut out = after;
        expand::expand(tx, &caller, &mut out, &p.expand())?;
        Ok(Json(out))
    })
}

async fn list_refunds(
    State(app): State<AppState>,
    caller: Caller,
    form: Form,
) -> ApiResult<Json<Value>> {
    let p = LIST.validate(form)?;
    app.read(|s| {
        let all = s.newest_first(&caller.acting_as, "refund");
        let keep = |v: &Value| {
            p.str("charge").is_none_or(|c| v["charge"] == c)
                && p.str("payment_intent")
                    .is_none_or(|c| v["payment_intent"] == c)
        };
        let mut out = list::paginate(&all, &p, "/v1/refunds", "refund", keep)?;
        expand::expand(s, &caller, &mut out, &p.expand())?;
        Ok(Json(out))
    })
}
