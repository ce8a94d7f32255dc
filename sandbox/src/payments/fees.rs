//! Application fees (`fee_…`, on the platform) collected from direct and destination charges,
//! their refunds (`fr_…`), and `GET /v1/application_fees[/{id}]`,
//! `GET|POST /v1/application_fees/{id}/refunds`, `GET /v1/application_fees/{fee}/refunds/{id}`.
//! Events `application_fee.created` and `application_fee.refunded` on the platform.

use axum::extract::{Path, State};
use axum::routing::get;
use axum::{Json, Router};
use serde_json::{Value, json};

use crate::app::{AppState, Tx};
use crate::ids;
use crate::payments::balance::{self, NewTxn};
use crate::payments::{load, metadata_param, modify, money};
use crate::wire::auth::Caller;
use crate::wire::error::{ApiError, ApiResult};
use crate::wire::expand;
use crate::wire::form::{Form, Schema, Ty, opt};
use crate::wire::list;

/// Routes under `/v1`.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/application_fees", get(list_fees))
        .route("/application_fees/{id}", get(retrieve))
        .route(
            "/application_fees/{id}/refunds",
            get(list_fee_refunds).post(create_refund),
        )
        .route("/application_fees/{fee}/refunds/{id}", get(retrieve_refund))
}

/// The Connect client id (`ca_…`) of a platform.
pub fn client_id(state: &crate::store::State, platform: &str) -> Value {
    state
        .platforms
        .get(platform)
        .map_or(Value::Null, |p| json!(p.client_id))
}

/// Creates the application fee of `charge` (on `account`) on `platform`, with its platform
/// balance transaction. `originating` is the platform charge of a destination charge.
#[expect(
    clippy::too_many_arguments,
    reason = "one call per charge kind, all values needed"
)]
pub fn collect(
    tx: &mut Tx<'_>,
    platform: &str,
    account: &str,
    charge: &str,
    originating: Option<&str>,
    amount: i64,
    currency: &str,
    available_on: i64,
) -> Value {
    let id = ids::new_id("fee");
    let txn = balance::record(
        tx,
        platform,
        NewTxn {
            amount,
            currency: currency.to_owned(),
            kind: "application_fee",
            reporting_category: "platform_earning",
            source: Some(id.clone()),
            description: None,
            fees: Vec::new(),
            available_on,
            source_type: "card",
        },
    );
    let value = json!({
        "id": id,
        "object": "application_fee",
        "account": account,
        "amount": amount,
        "amount_refunded": 0,
        "application": client_id(tx, platform),
        "balance_transaction": txn["id"],
        "charge": charge,
        "created": tx.now(),
        "currency": currency,
        "fee_source": { "charge": charge, "type": "charge" },
        "livemode": false,
        "originating_transaction": originating,
        "refunded": false,
        "refunds": { "object": "list", "data": [], "has_more": false, "url": format!("/v1/application_fees/{id}/refunds") },
    });
    let fee = tx.insert(platform, "application_fee", value);
    tx.emit(platform, "application_fee.created", fee.clone(), None);
    fee
}

/// Refunds `amount` of an application fee (the connected account gets it back). Emits
/// `application_fee.refunded`. Returns the `fee_refund`.
pub fn refund(
    tx: &mut Tx<'_>,
    fee_id: &str,
    amount: i64,
    metadata: Value,
) -> Result<Value, ApiError> {
    let stored = tx
        .get(fee_id)
        .cloned()
        .ok_or_else(|| ApiError::no_such("application fee", fee_id, "id"))?;
    let fee = stored.value;
    let platform = stored.owner;
    let total = fee["amount"].as_i64().unwrap_or(0);
    let refunded = fee["amount_refunded"].as_i64().unwrap_or(0);
    let currency = fee["currency"].as_str().unwrap_or("usd").to_owned();
    if refunded >= total {
        return Err(ApiError::invalid(format!(
            "Application fee {fee_id} has already been refunded."
        ))
        .code("charge_already_refunded"));
    }
    if amount > total - refunded {
        return Err(ApiError::invalid(format!(
            "Refund amount ({}) is greater than unrefunded amount on fee ({}).",
            money::format(amount, &currency),
            money::format(total - refunded, &currency)
        ))
        .param("amount"));
    }
    let id = ids::new_id("fr");
    let now = tx.now();
    let txn = balance::record(
        tx,
        &platform,
        NewTxn {
            amount: -amount,
            currency: currency.clone(),
            kind: "application_fee_refund",
            reporting_category: "platform_earning_refund",
            source: Some(id.clone()),
            description: None,
            fees: Vec::new(),
            available_on: now,
            source_type: "card",
        },
    );
    if let Some(account) = fee["account"].as_str() {
        balance::record(
            tx,
            account,
            NewTxn {
                amount,
                currency: currency.clone(),
                kind: "application_fee_refund",
                reporting_category: "platform_earning_refund",
                source: Some(id.clone()),
                description: Some("Application fee refund".into()),
                fees: Vec::new(),
                available_on: now,
                source_type: "card",
            },
        );
    }
    let fr = json!({
        "id": id,
        "object": "fee_refund",
        "amount": amount,
        "balance_transaction": txn["id"],
        "created": now,
        "currency": currency,
        "fee": fee_id,
        "metadata": metadata,
    });
    let fr = tx.insert(&platform, "fee_refund", fr);
    let (_, after) = modify(tx, fee_id, |f| {
        let new_total = refunded + amount;
        f.insert("amount_refunded".into(), json!(new_total));
        f.insert("refunded".into(), json!(new_total >= total));
        let mut data = f["refunds"]["data"].as_array().cloned().unwrap_or_default();
        data.insert(0, fr.clone());
        f.insert(
            "refunds".into(),
            json!({ "object": "list", "data": data, "has_more": false, "url": format!("/v1/application_fees/{fee_id}/refunds") }),
        );
    });
    tx.emit(&platform, "application_fee.refunded", after, None);
    Ok(fr)
}

const RETRIEVE: Schema = Schema::new(&[]);
const LIST: Schema = Schema::list(&[opt("charge", Ty::Str)]);
const LIST_REFUNDS: Schema = Schema::list(&[]);
const CREATE_REFUND: Schema = Schema::new(&[
    opt(
        "amount",
        Ty::Int {
            min: Some(1),
            max: None,
        },
    ),
    opt("metadata", Ty::Map),
]);

async fn list_fees(
    State(app): State<AppState>,
    caller: Caller,
    form: Form,
) -> ApiResult<Json<Value>> {
    let p = LIST.validate(form)?;
    app.read(|s| {
        let all = s.newest_first(&caller.acting_as, "application_fee");
        let keep = |v: &Value| p.str("charge").is_none_or(|c| v["charge"] == c);
        let mut out = list::paginate(&all, &p, "/v1/application_fees", "application fee", keep)?;
        expand::expand(s, &caller, &mut out, &p.expand())?;
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
        let mut v = load(
            s,
            &caller.acting_as,
            "application_fee",
            &id,
            "application fee",
        )?;
        expand::expand(s, &caller, &mut v, &p.expand())?;
        Ok(Json(v))
    })
}

async fn create_refund(
    State(app): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    form: Form,
) -> ApiResult<Json<Value>> {
    let p = CREATE_REFUND.validate(form)?;
    app.write(|tx| {
        let fee = load(
            tx,
            &caller.acting_as,
            "application_fee",
            &id,
            "application fee",
        )?;
        let remaining =
            fee["amount"].as_i64().unwrap_or(0) - fee["amount_refunded"].as_i64().unwrap_or(0);
        let amount = p.i64("amount").unwrap_or(remaining);
        let mut fr = refund(tx, &id, amount, metadata_param(&p))?;
        expand::expand(tx, &caller, &mut fr, &p.expand())?;
        Ok(Json(fr))
    })
}

async fn list_fee_refunds(
    State(app): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    form: Form,
) -> ApiResult<Json<Value>> {
    let p = LIST_REFUNDS.validate(form)?;
    app.read(|s| {
        load(
            s,
            &caller.acting_as,
            "application_fee",
            &id,
            "application fee",
        )?;
        let all = s.newest_first(&caller.acting_as, "fee_refund");
        let url = format!("/v1/application_fees/{id}/refunds");
        let mut out = list::paginate(&all, &p, &url, "fee refund", |r| r["fee"] == id.as_str())?;
        expand::expand(s, &caller, &mut out, &p.expand())?;
        Ok(Json(out))
    })
}

async fn retrieve_refund(
    State(app): State<AppState>,
    caller: Caller,
    Path((fee, id)): Path<(String, String)>,
    form: Form,
) -> ApiResult<Json<Value>> {
    let p = RETRIEVE.validate(form)?;
    app.read(|s| {
        let mut v = load(s, &caller.acting_as, "fee_refund", &id, "fee refund")?;
        if v["fee"] != fee.as_str() {
            return Err(ApiError::no_such("fee refund", &id, "id"));
        }
        expand::expand(s, &caller, &mut v, &p.expand())?;
        Ok(Json(v))
    })
}
