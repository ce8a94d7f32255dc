//! Charges (`ch_…`, and `py_…` payments received from transfers): creation by payment
//! intents, settlement of captured funds (balance transaction, application fee, destination
//! transfer), and `GET /v1/charges[/{id}]`, `POST /v1/charges/{id}` (`charge.updated`),
//! `GET /v1/charges/{id}/refunds`.

use axum::extract::{Path, State};
use axum::routing::get;
use axum::{Json, Router};
use serde_json::{Value, json};

use crate::accounts::model::diff;
use crate::app::{AppState, Tx};
use crate::ids;
use crate::payments::balance::{self, FeeDetail, NewTxn};
use crate::payments::{fees, load, merge_metadata, meta, modify, money, set_strings, transfers};
use crate::wire::auth::Caller;
use crate::wire::error::ApiResult;
use crate::wire::expand;
use crate::wire::form::{Field, Form, Schema, Ty, opt};
use crate::wire::list;

/// Routes under `/v1`.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/charges", get(list_charges))
        .route("/charges/{id}", get(retrieve).post(update))
        .route("/charges/{id}/refunds", get(list_refunds))
}

/// The approved `outcome` of a successful card or SEPA charge.
pub fn approved_outcome() -> Value {
    json!({
        "advice_code": null,
        "network_advice_code": null,
        "network_decline_code": null,
        "network_status": "approved_by_network",
        "reason": null,
        "risk_level": "normal",
        "risk_score": 32,
        "seller_message": "Payment complete.",
        "type": "authorized",
    })
}

/// How a new charge starts.
#[derive(Clone, Debug)]
pub struct NewCharge {
    /// `succeeded`, `pending` or `failed`.
    pub status: &'static str,
    /// `captured`.
    pub captured: bool,
    /// `outcome`.
    pub outcome: Value,
    /// `failure_code`.
    pub failure_code: Option<String>,
    /// `failure_message`.
    pub failure_message: Option<String>,
    /// 3D Secure was completed.
    pub three_d_secure: bool,
}

/// Creates the charge of a payment intent attempt with `pm` on `owner`.
pub fn create_for_intent(
    tx: &mut Tx<'_>,
    owner: &str,
    pi: &Value,
    pm: &Value,
    new: &NewCharge,
) -> Value {
    let id = ids::new_id("ch");
    let amount = pi["amount"].as_i64().unwrap_or(0);
    let paid = new.status == "succeeded";
    let mandate = (pm["type"] == "sepa_debit").then(|| ids::new_id("mandate"));
    let descriptor = pi["statement_descriptor"]
        .as_str()
        .map(str::to_owned)
        .unwrap_or_else(|| {
            crate::payments::merchant_name(tx, owner)
                .to_uppercase()
                .chars()
                .filter(|c| c.is_ascii_alphanumeric() || *c == ' ')
                .take(22)
                .collect()
        });
    let receipt_url = format!("{}receipts/payment/{id}", tx.app.base_url());
    let value = json!({
        "id": id,
        "object": "charge",
        "amount": amount,
        "amount_captured": if new.captured && paid { amount } else { 0 },
        "amount_refunded": 0,
        "application": pi["application"],
        "application_fee": null,
        "application_fee_amount": pi["application_fee_amount"],
        "balance_transaction": null,
        "billing_details": pm["billing_details"],
        "calculated_statement_descriptor": descriptor,
        "captured": new.captured && new.status != "failed",
        "created": tx.now(),
        "currency": pi["currency"],
        "customer": pi["customer"],
        "description": pi["description"],
        "disputed": false,
        "failure_balance_transaction": null,
        "failure_code": new.failure_code,
        "failure_message": new.failure_message,
        "fraud_details": {},
        "livemode": false,
        "metadata": pi["metadata"],
        "on_behalf_of": pi["on_behalf_of"],
        "outcome": new.outcome,
        "paid": paid,
        "payment_intent": pi["id"],
        "payment_method": pm["id"],
        "payment_method_details": crate::payments::methods::charge_details(pm, amount, new.three_d_secure, mandate.as_deref()),
        "radar_options": {},
        "receipt_email": pi["receipt_email"],
        "receipt_number": null,
        "receipt_url": receipt_url,
        "refunded": false,
        "refunds": { "object": "list", "data": [], "has_more": false, "url": format!("/v1/charges/{id}/refunds") },
        "review": null,
        "shipping": pi["shipping"],
        "source": null,
        "source_transfer": null,
        "statement_descriptor": pi["statement_descriptor"],
        "statement_descriptor_suffix": pi["statement_descriptor_suffix"],
        "status": new.status,
        "transfer_data": pi["transfer_data"],
        "transfer_group": pi["transfer_group"],
    });
    tx.insert(owner, "charge", value)
}

/// Books `amount` captured on a charge: the balance transaction (Stripe fee, and the
/// application fee on a direct charge), the platform's application fee object, and for a
/// destination charge the transfer to the destination. Returns the updated charge.
pub fn settle(
    tx: &mut Tx<'_>,
    owner: &str,
    charge_id: &str,
    amount: i64,
    bypass_pending: bool,
) -> Value {
    let charge = tx
        .get(charge_id)
        .map(|s| s.value.clone())
        .unwrap_or(Value::Null);
    let currency = charge["currency"].as_str().unwrap_or("usd").to_owned();
    let pi_id = charge["payment_intent"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let platform = meta(tx, &pi_id)["platform"]
        .as_str()
        .unwrap_or(owner)
        .to_owned();
    let sepa = charge["payment_method_details"]["type"] == "sepa_debit";
    let now = tx.now();
    let available_on = if bypass_pending {
        now
    } else {
        now + balance::PENDING_SECS
    };
    let stripe_fee = if sepa {
        money::SEPA_FEE
    } else {
        money::card_fee(amount, &currency)
    };
    let app_fee = charge["application_fee_amount"].as_i64().filter(|a| *a > 0);
    let destination = charge["transfer_data"]["destination"]
        .as_str()
        .map(str::to_owned);
    let client_id = fees::client_id(tx, &platform);
    let mut fee_details = vec![FeeDetail {
        amount: stripe_fee,
        kind: "stripe_fee",
        application: None,
        description: "Stripe processing fees".into(),
    }];
    let direct = owner != platform && destination.is_none();
    if direct && let Some(fee) = app_fee {
        fee_details.push(FeeDetail {
            amount: fee,
            kind: "application_fee",
            application: client_id.as_str().map(str::to_owned),
            description: "Application fee".into(),
        });
    }
    let txn = balance::record(
        tx,
        owner,
        NewTxn {
            amount,
            currency: currency.clone(),
            kind: "charge",
            reporting_category: "charge",
            source: Some(charge_id.to_owned()),
            description: charge["description"].as_str().map(str::to_owned),
            fees: fee_details,
            available_on,
            source_type: if sepa { "bank_account" } else { "card" },
        },
    );
    let mut fee_id = Value::Null;
    if direct && let Some(fee) = app_fee {
        let created = fees::collect(
            tx,
            &platform,
            owner,
            charge_id,
            None,
            fee,
            &currency,
            available_on,
        );
        fee_id = created["id"].clone();
    }
    let mut transfer_id = Value::Null;
    if let Some(dest) = destination {
        let transfer_amount = charge["transfer_data"]["amount"].as_i64().unwrap_or(amount);
        let t = transfers::for_destination_charge(
            tx,
            owner,
            &dest,
            charge_id,
            transfer_amount,
            app_fee,
            &currency,
            available_on,
        );
        transfer_id = t["id"].clone();
    }
    let (_, after) = modify(tx, charge_id, |c| {
        c.insert("balance_transaction".into(), txn["id"].clone());
        if !fee_id.is_null() {
            c.insert("application_fee".into(), fee_id.clone());
        }
        if !transfer_id.is_null() {
            c.insert("transfer".into(), transfer_id.clone());
        }
    });
    after
}

const RETRIEVE: Schema = Schema::new(&[]);
const SHIPPING: &[Field] = &[
    opt("address", Ty::Any),
    opt("name", Ty::Str),
    opt("phone", Ty::Str),
    opt("carrier", Ty::Str),
    opt("tracking_number", Ty::Str),
];
const UPDATE: Schema = Schema::new(&[
    opt("description", Ty::Str),
    opt("metadata", Ty::Map),
    opt("receipt_email", Ty::Str),
    opt("shipping", Ty::Obj(SHIPPING)),
    opt(
        "fraud_details",
        Ty::Obj(&[opt("user_report", Ty::Enum(&["fraudulent", "safe"]))]),
    ),
    opt("transfer_group", Ty::Str),
    opt("customer", Ty::Str),
]);
const LIST: Schema = Schema::list(&[
    opt("customer", Ty::Str),
    opt("payment_intent", Ty::Str),
    opt("transfer_group", Ty::Str),
]);
const LIST_REFUNDS: Schema = Schema::list(&[]);

async fn retrieve(
    State(app): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    form: Form,
) -> ApiResult<Json<Value>> {
    let p = RETRIEVE.validate(form)?;
    app.read(|s| {
        let mut v = load(s, &caller.acting_as, "charge", &id, "charge")?;
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
        load(tx, &owner, "charge", &id, "charge")?;
        if let Some(c) = p.str("customer")
            && crate::payments::customers::live(tx, &owner, c).is_none()
        {
            return Err(crate::payments::missing_ref("customer", c, "customer"));
        }
        let (before, after) = modify(tx, &id, |c| {
            set_strings(
                c,
                &p,
                &["description", "receipt_email", "transfer_group", "customer"],
            );
            merge_metadata(c, &p);
            if let Some(report) = p.str("fraud_details.user_report") {
                c.insert("fraud_details".into(), json!({ "user_report": report }));
            }
            if p.has("shipping") {
                c.insert(
                    "shipping".into(),
                    json!({
                        "address": p.get("shipping.address").cloned().unwrap_or(Value::Null),
                        "carrier": p.str("shipping.carrier"),
                        "name": p.str("shipping.name"),
                        "phone": p.str("shipping.phone"),
                        "tracking_number": p.str("shipping.tracking_number"),
                    }),
                );
            }
        });
        if let Some(previous) = diff(&before, &after) {
            tx.emit(&owner, "charge.updated", after.clone(), Some(previous));
        }
        let mut out = after;
        expand::expand(tx, &caller, &mut out, &p.expand())?;
        Ok(Json(out))
    })
}

async fn list_charges(
    State(app): State<AppState>,
    caller: Caller,
    form: Form,
) -> ApiResult<Json<Value>> {
    let p = LIST.validate(form)?;
    app.read(|s| {
        let all = s.newest_first(&caller.acting_as, "charge");
        let keep = |v: &Value| {
            p.str("customer").is_none_or(|x| v["customer"] == x)
                && p.str("payment_intent")
                    .is_none_or(|x| v["payment_intent"] == x)
                && p.str("transfer_group")
                    .is_none_or(|x| v["transfer_group"] == x)
        };
        let mut out = list::paginate(&all, &p, "/v1/charges", "charge", keep)?;
        expand::expand(s, &caller, &mut out, &p.expand())?;
        Ok(Json(out))
    })
}

async fn list_refunds(
    State(app): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    form: Form,
) -> ApiResult<Json<Value>> {
    let p = LIST_REFUNDS.validate(form)?;
    app.read(|s| {
        load(s, &caller.acting_as, "charge", &id, "charge")?;
        let all = s.newest_first(&caller.acting_as, "refund");
        let url = format!("/v1/charges/{id}/refunds");
        let mut out = list::paginate(&all, &p, &url, "refund", |r| r["charge"] == id.as_str())?;
        expand::expand(s, &caller, &mut out, &p.expand())?;
        Ok(Json(out))
    })
}
