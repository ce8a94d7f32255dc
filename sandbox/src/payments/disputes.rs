//! Disputes (`dp_…`) opened by the dispute test cards and `pm_disputed_de`: funds withdrawn
//! with a 1500 dispute fee (not for inquiries), `POST /v1/disputes/{id}` (evidence, metadata,
//! `submit`, default true), `POST /v1/disputes/{id}/close` (accept: lost), retrieve, list.
//!
//! Test-mode resolution (Stripe's documented magic values): submitted evidence whose
//! `uncategorized_text` (or any text field) contains `winning_evidence` wins and
//! `losing_evidence` loses, [`REVIEW_SECS`] after submission (sandbox clock). A won chargeback
//! reinstates the amount and the fee; a lost inquiry becomes a lost chargeback and withdraws the
//! funds then. Other evidence stays `under_review`.

use axum::extract::{Path, State};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::{Map, Value, json};

use crate::accounts::model::diff;
use crate::app::{AppState, Tx};
use crate::ids;
use crate::payments::balance::{self, FeeDetail, NewTxn};
use crate::payments::methods::DisputeKind;
use crate::payments::{load, merge_metadata, modify, money};
use crate::scheduler::ScheduledAction;
use crate::wire::auth::Caller;
use crate::wire::error::{ApiError, ApiResult};
use crate::wire::expand;
use crate::wire::form::{Field, Form, Schema, Ty, opt};
use crate::wire::list;

/// Seconds between submitting evidence and the test-mode decision.
pub const REVIEW_SECS: i64 = 60;

/// Scheduler kind deciding a submitted dispute.
pub const RESOLVE: &str = "payments.dispute_resolve";

/// Routes under `/v1`.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/disputes", get(list_disputes))
        .route("/disputes/{id}", get(retrieve).post(update))
        .route("/disputes/{id}/close", post(close))
}

/// Every evidence field (all start `null`).
pub const EVIDENCE_FIELDS: &[&str] = &[
    "access_activity_log",
    "billing_address",
    "cancellation_policy",
    "cancellation_policy_disclosure",
    "cancellation_rebuttal",
    "customer_communication",
    "customer_email_address",
    "customer_name",
    "customer_purchase_ip",
    "customer_signature",
    "duplicate_charge_documentation",
    "duplicate_charge_explanation",
    "duplicate_charge_id",
    "product_description",
    "receipt",
    "refund_policy",
    "refund_policy_disclosure",
    "refund_refusal_explanation",
    "service_date",
    "service_documentation",
    "shipping_address",
    "shipping_carrier",
    "shipping_date",
    "shipping_documentation",
    "shipping_tracking_number",
    "uncategorized_file",
    "uncategorized_text",
];

const EVIDENCE: &[Field] = &[
    opt("access_activity_log", Ty::Str),
    opt("billing_address", Ty::Str),
    opt("cancellation_policy", Ty::Str),
    opt("cancellation_policy_disclosure", Ty::Str),
    opt("cancellation_rebuttal", Ty::Str),
    opt("customer_communication", Ty::Str),
    opt("customer_email_address", Ty::Str),
    opt("customer_name", Ty::Str),
    opt("customer_purchase_ip", Ty::Str),
    opt("customer_signature", Ty::Str),
    opt("duplicate_charge_documentation", Ty::Str),
    opt("duplicate_charge_explanation", Ty::Str),
    opt("duplicate_charge_id", Ty::Str),
    opt("product_description", Ty::Str),
    opt("receipt", Ty::Str),
    opt("refund_policy", Ty::Str),
    opt("refund_policy_disclosure", Ty::Str),
    opt("refund_refusal_explanation", Ty::Str),
    opt("service_date", Ty::Str),
    opt("service_documentation", Ty::Str),
    opt("shipping_address", Ty::Str),
    opt("shipping_carrier", Ty::Str),
    opt("shipping_date", Ty::Str),
    opt("shipping_documentation", Ty::Str),
    opt("shipping_tracking_number", Ty::Str),
    opt("uncategorized_file", Ty::Str),
    opt("uncategorized_text", Ty::Str),
    opt("enhanced_evidence", Ty::Any),
];

fn empty_evidence() -> Value {
    let mut e: Map<String, Value> = EVIDENCE_FIELDS
        .iter()
        .map(|f| ((*f).to_owned(), Value::Null))
        .collect();
    e.insert("enhanced_evidence".into(), json!({}));
    Value::Object(e)
}

fn withdraw(
    tx: &mut Tx<'_>,
    owner: &str,
    dispute_id: &str,
    charge_id: &str,
    amount: i64,
    currency: &str,
) -> Value {
    let now = tx.now();
    balance::record(
        tx,
        owner,
        NewTxn {
            amount: -amount,
            currency: currency.to_owned(),
            kind: "adjustment",
            reporting_category: "dispute",
            source: Some(dispute_id.to_owned()),
            description: Some(format!("Chargeback withdrawal for {charge_id}")),
            fees: vec![FeeDetail {
                amount: money::DISPUTE_FEE,
                kind: "stripe_fee",
                application: None,
                description: "Dispute fee".into(),
            }],
            available_on: now,
            source_type: "card",
        },
    )
}

/// Opens a dispute on a succeeded charge right after payment. Emits `charge.dispute.created`
/// (and `charge.dispute.funds_withdrawn` for chargebacks).
pub fn open(tx: &mut Tx<'_>, owner: &str, charge_id: &str, kind: DisputeKind) -> Value {
    let charge = tx
        .get(charge_id)
        .map(|s| s.value.clone())
        .unwrap_or(Value::Null);
    let amount = charge["amount_captured"].as_i64().unwrap_or(0);
    let currency = charge["currency"].as_str().unwrap_or("usd").to_owned();
    let id = ids::new_id("dp");
    let now = tx.now();
    let inquiry = kind == DisputeKind::Inquiry;
    let (reason, network_code) = match kind {
        DisputeKind::Fraudulent | DisputeKind::Inquiry => ("fraudulent", "10.4"),
        DisputeKind::ProductNotReceived => ("product_not_received", "13.1"),
        DisputeKind::Sepa => ("general", "MD06"),
    };
    let mut txns = Vec::new();
    if !inquiry {
        txns.push(withdraw(tx, owner, &id, charge_id, amount, &currency));
    }
    let pm_details = if kind == DisputeKind::Sepa {
        Value::Null
    } else {
        json!({
            "card": {
                "brand": charge["payment_method_details"]["card"]["brand"],
                "case_type": if inquiry { "inquiry" } else { "chargeback" },
                "network": charge["payment_method_details"]["card"]["network"],
                "network_reason_code": network_code,
            },
            "type": "card",
        })
    };
    let due_by = (now.div_euclid(86_400) + 8) * 86_400 - 1;
    let value = json!({
        "id": id,
        "object": "dispute",
        "amount": amount,
        "balance_transactions": txns,
        "charge": charge_id,
        "created": now,
        "currency": currency,
        "enhanced_eligibility_types": [],
        "evidence": empty_evidence(),
        "evidence_details": {
            "due_by": due_by,
            "enhanced_eligibility": {},
            "has_evidence": false,
            "past_due": false,
            "submission_count": 0,
        },
        "is_charge_refundable": inquiry,
        "livemode": false,
        "metadata": {},
        "payment_intent": charge["payment_intent"],
        "payment_method_details": pm_details,
        "reason": reason,
        "status": if inquiry { "warning_needs_response" } else { "needs_response" },
    });
    let dispute = tx.insert(owner, "dispute", value);
    modify(tx, charge_id, |c| {
        c.insert("disputed".into(), json!(true));
    });
    tx.emit(owner, "charge.dispute.created", dispute.clone(), None);
    if !inquiry {
        tx.emit(
            owner,
            "charge.dispute.funds_withdrawn",
            dispute.clone(),
            None,
        );
    }
    dispute
}

fn magic(evidence: &Value) -> Option<bool> {
    let texts: Vec<&str> = evidence
        .as_object()
        .map(|e| e.values().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    if texts.iter().any(|t| t.contains("losing_evidence")) {
        Some(false)
    } else if texts.iter().any(|t| t.contains("winning_evidence")) {
        Some(true)
    } else {
        None
    }
}

/// `payments.dispute_resolve`: decides a submitted dispute from its evidence.
pub fn resolve(tx: &mut Tx<'_>, action: &ScheduledAction) -> Result<(), ApiError> {
    let id = action.target.clone();
    let stored = tx
        .get(&id)
        .cloned()
        .ok_or_else(|| ApiError::no_such("dispute", &id, "id"))?;
    let owner = stored.owner;
    let dispute = stored.value;
    let status = dispute["status"].as_str().unwrap_or_default().to_owned();
    if status != "under_review" && status != "warning_under_review" {
        return Ok(());
    }
    let Some(won) = magic(&dispute["evidence"]) else {
        return Ok(());
    };
    let inquiry = status == "warning_under_review";
    let amount = dispute["amount"].as_i64().unwrap_or(0);
    let currency = dispute["currency"].as_str().unwrap_or("usd").to_owned();
    let charge_id = dispute["charge"].as_str().unwrap_or_default().to_owned();
    let new_txn = match (won, inquiry) {
        (true, false) => Some(balance::record(
            tx,
            &owner,
            NewTxn {
                amount,
                currency: currency.clone(),
                kind: "adjustment",
                reporting_category: "dispute_reversal",
                source: Some(id.clone()),
                description: Some(format!("Chargeback reversal for {charge_id}")),
                fees: vec![FeeDetail {
                    amount: -money::DISPUTE_FEE,
                    kind: "stripe_fee",
                    application: None,
                    description: "Dispute fee reversal".into(),
                }],
                available_on: tx.now(),
                source_type: "card",
            },
        )),
        (false, true) => Some(withdraw(tx, &owner, &id, &charge_id, amount, &currency)),
        _ => None,
    };
    let final_status = match (won, inquiry) {
        (true, true) => "warning_closed",
        (true, false) => "won",
        (false, _) => "lost",
    };
    let (_, after) = modify(tx, &id, |d| {
        d.insert("status".into(), json!(final_status));
        d.insert("is_charge_refundable".into(), json!(false));
        if let Some(t) = &new_txn {
            let mut list = d["balance_transactions"]
                .as_array()
                .cloned()
                .unwrap_or_default();
            list.push(t.clone());
            d.insert("balance_transactions".into(), Value::Array(list));
        }
    });
    if new_txn.is_some() && won {
        tx.emit(
            &owner,
            "charge.dispute.funds_reinstated",
            after.clone(),
            None,
        );
    }
    if new_txn.is_some() && !won {
        tx.emit(
            &owner,
            "charge.dispute.funds_withdrawn",
            after.clone(),
            None,
        );
    }
    tx.emit(&owner, "charge.dispute.closed", after, None);
    Ok(())
}

const RETRIEVE: Schema = Schema::new(&[]);
const UPDATE: Schema = Schema::new(&[
    opt("evidence", Ty::Obj(EVIDENCE)),
    opt("metadata", Ty::Map),
    opt("submit", Ty::Bool),
    opt("intended_submission_method", Ty::Str),
]);
const LIST: Schema = Schema::list(&[opt("charge", Ty::Str), opt("payment_intent", Ty::Str)]);

fn closed_error(status: &str) -> ApiError {
    if status == "under_review" || status == "warning_under_review" {
        ApiError::invalid(
            "This dispute has already been submitted and is under review; its evidence can no longer be changed.",
        )
    } else {
        ApiError::invalid("This dispute is already closed.")
    }
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
        let dispute = load(tx, &owner, "dispute", &id, "dispute")?;
        let status = dispute["status"].as_str().unwrap_or_default().to_owned();
        let open = status == "needs_response" || status == "warning_needs_response";
        if !open && (p.has("evidence") || p.bool("submit") == Some(true)) {
            return Err(closed_error(&status));
        }
        let submit = open && p.bool("submit").unwrap_or(true);
        let (before, after) = modify(tx, &id, |d| {
            if let Some(ev) = p.obj("evidence") {
                let mut current = d["evidence"].as_object().cloned().unwrap_or_default();
                for (k, v) in ev {
                    if k == "enhanced_evidence" {
                        continue;
                    }
                    let value = match v.as_str() {
                        Some("") | None => Value::Null,
                        Some(s) => json!(s),
                    };
                    current.insert(k.clone(), value);
                }
                let has = EVIDENCE_FIELDS
                    .iter()
                    .any(|f| !current.get(*f).is_none_or(Value::is_null));
                d.insert("evidence".into(), Value::Object(current));
                d["evidence_details"]["has_evidence"] = json!(has);
            }
            merge_metadata(d, &p);
            if submit {
                let count = d["evidence_details"]["submission_count"]
                    .as_i64()
                    .unwrap_or(0);
                d["evidence_details"]["submission_count"] = json!(count + 1);
                let next = if status == "warning_needs_response" {
                    "warning_under_review"
                } else {
                    "under_review"
                };
                d.insert("status".into(), json!(next));
            }
        });
        if submit && magic(&after["evidence"]).is_some() {
            let due = tx.now() + REVIEW_SECS;
            tx.schedule(due, RESOLVE, &id, json!({}));
        }
        if let Some(previous) = diff(&before, &after) {
            tx.emit(
                &owner,
                "charge.dispute.updated",
                after.clone(),
                Some(previous),
            );
        }
        let mut out = after;
        expand::expand(tx, &caller, &mut out, &p.expand())?;
        Ok(Json(out))
    })
}

async fn close(
    State(app): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    form: Form,
) -> ApiResult<Json<Value>> {
    let p = RETRIEVE.validate(form)?;
    app.write(|tx| {
        let owner = caller.acting_as.clone();
        let dispute = load(tx, &owner, "dispute", &id, "dispute")?;
        let status = dispute["status"].as_str().unwrap_or_default().to_owned();
        let next = match status.as_str() {
            "needs_response" | "under_review" => "lost",
            "warning_needs_response" | "warning_under_review" => "warning_closed",
            _ => return Err(ApiError::invalid("This dispute is already closed.")),
        };
        let (_, after) = modify(tx, &id, |d| {
            d.insert("status".into(), json!(next));
            d.insert("is_charge_refundable".into(), json!(false));
        });
        tx.emit(&owner, "charge.dispute.closed", after.clone(), None);
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
        let mut v = load(s, &caller.acting_as, "dispute", &id, "dispute")?;
        expand::expand(s, &caller, &mut v, &p.expand())?;
        Ok(Json(v))
    })
}

async fn list_disputes(
    State(app): State<AppState>,
    caller: Caller,
    form: Form,
) -> ApiResult<Json<Value>> {
    let p = LIST.validate(form)?;
    app.read(|s| {
        let all = s.newest_first(&caller.acting_as, "dispute");
        let keep = |v: &Value| {
            p.str("charge").is_none_or(|c| v["charge"] == c)
                && p.str("payment_intent")
                    .is_none_or(|c| v["payment_intent"] == c)
        };
        let mut out = list::paginate(&all, &p, "/v1/disputes", "dispute", keep)?;
        expand::expand(s, &caller, &mut out, &p.expand())?;
        Ok(Json(out))
    })
}
