//! Transfers (`tr_…`, platform → connected account): `POST /v1/transfers` (from the available
//! balance, or tied to a `source_transaction`), retrieve, update, list (`destination`,
//! `transfer_group`, `created`), and the transfers of destination charges. The destination
//! receives a `py_…` payment (a `charge` object) and a `payment` balance transaction.
//! Event `transfer.created` (and `transfer.updated`) on the platform.

use axum::extract::{Path, State};
use axum::routing::get;
use axum::{Json, Router};
use serde_json::{Value, json};

use crate::accounts::model::diff;
use crate::app::{AppState, Tx};
use crate::ids;
use crate::payments::balance::{self, FeeDetail, NewTxn};
use crate::payments::{
    fees, load, merge_metadata, metadata_param, missing_ref, modify, money, set_strings,
};
use crate::wire::auth::Caller;
use crate::wire::error::{ApiError, ApiResult};
use crate::wire::expand;
use crate::wire::form::{Form, Schema, Ty, opt, req};
use crate::wire::list;

/// Routes under `/v1`.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/transfers", get(list_transfers).post(create))
        .route("/transfers/{id}", get(retrieve).post(update))
}

/// Stripe's error when the available balance cannot cover a transfer or payout.
pub fn insufficient_funds() -> ApiError {
    ApiError::invalid(
        "You have insufficient available funds in your Stripe account. Try adding funds directly to \
         your available balance by creating Charges using the 4000000000000077 test card. See: \
         https://stripe.com/docs/testing#available-balance",
    )
    .code("balance_insufficient")
}

/// What a new transfer moves.
struct NewTransfer<'a> {
    destination: &'a str,
    amount: i64,
    currency: &'a str,
    source_transaction: Option<&'a str>,
    transfer_group: Option<String>,
    description: Option<String>,
    metadata: Value,
    application_fee: Option<i64>,
    available_on: i64,
}

fn insert_transfer(tx: &mut Tx<'_>, platform: &str, t: NewTransfer<'_>) -> Value {
    let id = ids::new_id("tr");
    let now = tx.now();
    let txn = balance::record(
        tx,
        platform,
        NewTxn {
            amount: -t.amount,
            currency: t.currency.to_owned(),
            kind: "transfer",
            reporting_category: "transfer",
            source: Some(id.clone()),
            description: t.description.clone(),
            fees: Vec::new(),
            available_on: now,
            source_type: "card",
        },
    );
    let py_id = ids::new_id("py");
    let mut fee_details = Vec::new();
    if let Some(fee) = t.application_fee {
        fee_details.push(FeeDetail {
            amount: fee,
            kind: "application_fee",
            application: fees::client_id(tx, platform).as_str().map(str::to_owned),
            description: "Application fee".into(),
        });
    }
    let py_txn = balance::record(
        tx,
        t.destination,
        NewTxn {
            amount: t.amount,
            currency: t.currency.to_owned(),
            kind: "payment",
            reporting_category: "charge",
            source: Some(py_id.clone()),
            description: None,
            fees: fee_details,
            available_on: t.available_on,
            source_type: "card",
        },
    );
    let payment = json!({
        "id": py_id,
        "object": "charge",
        "amount": t.amount,
        "amount_captured": t.amount,
        "amount_refunded": 0,
        "application": null,
        "application_fee": null,
        "application_fee_amount": t.application_fee,
        "balance_transaction": py_txn["id"],
        "billing_details": {
            "address": { "city": null, "country": null, "line1": null, "line2": null, "postal_code": null, "state": null },
            "email": null, "name": null, "phone": null, "tax_id": null,
        },
        "calculated_statement_descriptor": null,
        "captured": true,
        "created": now,
        "currency": t.currency,
        "customer": null,
        "description": null,
        "disputed": false,
        "failure_balance_transaction": null,
        "failure_code": null,
        "failure_message": null,
        "fraud_details": {},
        "livemode": false,
        "metadata": {},
        "on_behalf_of": null,
        "outcome": null,
        "paid": true,
        "payment_intent": null,
        "payment_method": null,
        "payment_method_details": { "stripe_account": {}, "type": "stripe_account" },
        "receipt_email": null,
        "receipt_number": null,
        "receipt_url": null,
        "refunded": false,
        "refunds": { "object": "list", "data": [], "has_more": false, "url": format!("/v1/charges/{py_id}/refunds") },
        "review": null,
        "shipping": null,
        "source": null,
        "source_transfer": id,
        "statement_descriptor": null,
        "statement_descriptor_suffix": null,
        "status": "succeeded",
        "transfer_data": null,
        "transfer_group": t.transfer_group,
    });
    tx.insert(t.destination, "charge", payment);
    let transfer = json!({
        "id": id,
        "object": "transfer",
        "amount": t.amount,
        "amount_reversed": 0,
        "balance_transaction": txn["id"],
        "created": now,
        "currency": t.currency,
        "description": t.description,
        "destination": t.destination,
        "destination_payment": py_id,
        "livemode": false,
        "metadata": t.metadata,
        "reversals": { "object": "list", "data": [], "has_more": false, "url": format!("/v1/transfers/{id}/reversals") },
        "reversed": false,
        "source_transaction": t.source_transaction,
        "source_type": "card",
        "transfer_group": t.transfer_group,
    });
    let transfer = tx.insert(platform, "transfer", transfer);
    tx.emit(platform, "transfer.created", transfer.clone(), None);
    if let Some(fee) = t.application_fee {
        let created = fees::collect(
            tx,
            platform,
            t.destination,
            &py_id,
            t.source_transaction,
            fee,
            t.currency,
            t.available_on,
        );
        modify(tx, &py_id, |c| {
            c.insert("application_fee".into(), created["id"].clone());
        });
    }
    transfer
}

/// The transfer of a destination charge: the full amount goes to `destination`, and the
/// application fee (if any) comes back to the platform as an `application_fee`.
#[expect(
    clippy::too_many_arguments,
    reason = "mirrors the charge's settlement values"
)]
pub fn for_destination_charge(
    tx: &mut Tx<'_>,
    platform: &str,
    destination: &str,
    charge: &str,
    amount: i64,
    application_fee: Option<i64>,
    currency: &str,
    available_on: i64,
) -> Value {
    let group = tx
        .get(charge)
        .and_then(|c| c.value["transfer_group"].as_str().map(str::to_owned))
        .or_else(|| {
            tx.get(charge).and_then(|c| {
                c.value["payment_intent"]
                    .as_str()
                    .map(|pi| format!("group_{pi}"))
            })
        });
    insert_transfer(
        tx,
        platform,
        NewTransfer {
            destination,
            amount,
            currency,
            source_transaction: Some(charge),
            transfer_group: group,
            description: None,
            metadata: json!({}),
            application_fee,
            available_on,
        },
    )
}

const CREATE: Schema = Schema::new(&[
    req("destination", Ty::Str),
    req(
        "amount",
        Ty::Int {
            min: Some(1),
            max: None,
        },
    ),
    req("currency", Ty::Str),
    opt("description", Ty::Str),
    opt("metadata", Ty::Map),
    opt("source_transaction", Ty::Str),
    opt("transfer_group", Ty::Str),
    opt("source_type", Ty::Enum(&["bank_account", "card", "fpx"])),
]);
const UPDATE: Schema = Schema::new(&[opt("description", Ty::Str), opt("metadata", Ty::Map)]);
const RETRIEVE: Schema = Schema::new(&[]);
const LIST: Schema = Schema::list(&[opt("destination", Ty::Str), opt("transfer_group", Ty::Str)]);

async fn create(State(app): State<AppState>, caller: Caller, form: Form) -> ApiResult<Json<Value>> {
    let p = CREATE.validate(form)?;
    let currency = money::currency(p.str("currency").unwrap_or_default(), "currency")?;
    let amount = p.i64("amount").unwrap_or(0);
    let destination = p.str("destination").unwrap_or_default().to_owned();
    app.write(|tx| {
        let platform = caller.acting_as.clone();
        if !caller.is_platform() || tx.connection(&platform, &destination).is_none() {
            return Err(missing_ref("destination", &destination, "destination"));
        }
        let now = tx.now();
        let mut available_on = now;
        if let Some(source) = p.str("source_transaction") {
            let charge = tx
                .find(&platform, "charge", source)
                .cloned()
                .ok_or_else(|| missing_ref("charge", source, "source_transaction"))?;
            if charge["status"] != "succeeded" {
                return Err(ApiError::invalid_param(
                    "source_transaction",
                    format!("The source_transaction charge {source} has not succeeded."),
                ));
            }
            if charge["currency"] != currency.as_str() {
                return Err(ApiError::invalid_param(
                    "currency",
                    format!("The currency of source_transaction's balance transaction ({}) must be the same as the transfer currency ({currency}).", charge["currency"].as_str().unwrap_or_default()),
                ));
            }
            if amount > charge["amount_captured"].as_i64().unwrap_or(0) - charge["amount_refunded"].as_i64().unwrap_or(0) {
                return Err(ApiError::invalid_param(
                    "amount",
                    "The transfer amount exceeds the amount available from the source_transaction.",
                ));
            }
            if let Some(txn) = charge["balance_transaction"].as_str() {
                available_on = tx.get(txn).and_then(|t| t.value["available_on"].as_i64()).unwrap_or(now);
            }
        } else if balance::available(tx, &platform, &currency, now) < amount {
            return Err(insufficient_funds());
        }
        let mut transfer = insert_transfer(
            tx,
            &platform,
            NewTransfer {
                destination: &destination,
                amount,
                currency: &currency,
                source_transaction: p.str("source_transaction"),
                transfer_group: p.str("transfer_group").map(str::to_owned),
                description: p.str("description").map(str::to_owned),
                metadata: metadata_param(&p),
                application_fee: None,
                available_on,
            },
        );
        expand::expand(tx, &caller, &mut transfer, &p.expand())?;
        Ok(Json(transfer))
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
        let mut v = load(s, &caller.acting_as, "transfer", &id, "transfer")?;
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
        load(tx, &owner, "transfer", &id, "transfer")?;
        let (before, after) = modify(tx, &id, |t| {
            set_strings(t, &p, &["description"]);
            merge_metadata(t, &p);
        });
        if let Some(previous) = diff(&before, &after) {
            tx.emit(&owner, "transfer.updated", after.clone(), Some(previous));
        }
        let mut out = after;
        expand::expand(tx, &caller, &mut out, &p.expand())?;
        Ok(Json(out))
    })
}

async fn list_transfers(
    State(app): State<AppState>,
    caller: Caller,
    form: Form,
) -> ApiResult<Json<Value>> {
    let p = LIST.validate(form)?;
    app.read(|s| {
        let all = s.newest_first(&caller.acting_as, "transfer");
        let keep = |v: &Value| {
            p.str("destination").is_none_or(|d| v["destination"] == d)
                && p.str("transfer_group")
                    .is_none_or(|g| v["transfer_group"] == g)
        };
        let mut out = list::paginate(&all, &p, "/v1/transfers", "transfer", keep)?;
        expand::expand(s, &caller, &mut out, &p.expand())?;
        Ok(Json(out))
    })
}
