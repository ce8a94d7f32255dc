//! Customers (`cus_…`): create, retrieve (deleted customers answer `{deleted: true}`), update,
//! delete, list (`email` filter) and a small `search` (`field:'value'` clauses joined by `AND`
//! or `OR` on `email`, `name`, `phone`, `metadata['key']`; `~` for substring). Events
//! `customer.created|updated|deleted`.

use axum::extract::{Path, State};
use axum::routing::get;
use axum::{Json, Router};
use serde_json::{Map, Value, json};

use crate::accounts::model::diff;
use crate::app::{AppState, Tx};
use crate::ids;
use crate::payments::{merge_metadata, meta, metadata_param, modify, set_meta, set_strings};
use crate::store::State as Store;
use crate::wire::auth::Caller;
use crate::wire::error::{ApiError, ApiResult};
use crate::wire::expand;
use crate::wire::form::{Field, Form, INT, Params, Schema, Ty, opt};
use crate::wire::list;

/// Routes under `/v1`.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/customers", get(list_customers).post(create))
        .route("/customers/search", get(search))
        .route("/customers/{id}", get(retrieve).post(update).delete(delete))
}

const ADDRESS: &[Field] = &[
    opt("city", Ty::Str),
    opt("country", Ty::Str),
    opt("line1", Ty::Str),
    opt("line2", Ty::Str),
    opt("postal_code", Ty::Str),
    opt("state", Ty::Str),
];
const SHIPPING: &[Field] = &[
    opt("address", Ty::Obj(ADDRESS)),
    opt("name", Ty::Str),
    opt("phone", Ty::Str),
];
const FIELDS: &[Field] = &[
    opt("email", Ty::Str),
    opt("name", Ty::Str),
    opt("description", Ty::Str),
    opt("phone", Ty::Str),
    opt("metadata", Ty::Map),
    opt("address", Ty::Obj(ADDRESS)),
    opt("shipping", Ty::Obj(SHIPPING)),
    opt("preferred_locales", Ty::List(&Ty::Str)),
    opt("invoice_prefix", Ty::Str),
    opt("payment_method", Ty::Str),
    opt("invoice_settings", Ty::Any),
    opt("tax_exempt", Ty::Enum(&["exempt", "none", "reverse"])),
    opt("balance", INT),
    opt("coupon", Ty::Str),
    opt("promotion_code", Ty::Str),
    opt("source", Ty::Str),
    opt("tax", Ty::Any),
    opt("tax_id_data", Ty::Any),
    opt("test_clock", Ty::Str),
    opt("next_invoice_sequence", INT),
    opt("cash_balance", Ty::Any),
    opt("default_source", Ty::Str),
];
const CREATE: Schema = Schema::new(FIELDS);
const UPDATE: Schema = Schema::new(FIELDS);
const RETRIEVE: Schema = Schema::new(&[]);
const LIST: Schema = Schema::list(&[opt("email", Ty::Str), opt("test_clock", Ty::Str)]);
const SEARCH: Schema = Schema::new(&[
    opt("query", Ty::Str),
    opt("limit", INT),
    opt("page", Ty::Str),
]);

fn address(p: &Params, path: &str) -> Value {
    match p.obj(path) {
        Some(a) => {
            let get = |k: &str| {
                a.get(k)
                    .filter(|v| *v != "")
                    .cloned()
                    .unwrap_or(Value::Null)
            };
            json!({
                "city": get("city"), "country": get("country"), "line1": get("line1"),
                "line2": get("line2"), "postal_code": get("postal_code"), "state": get("state"),
            })
        }
        None => Value::Null,
    }
}

fn shipping(p: &Params) -> Value {
    if !p.has("shipping") || p.is_unset("shipping") {
        return Value::Null;
    }
    json!({
        "address": address(p, "shipping.address"),
        "name": p.str("shipping.name"),
        "phone": p.str("shipping.phone"),
    })
}

/// Creates a customer on `owner` (also used by Checkout's `customer_creation`). Emits
/// `customer.created`.
pub fn insert(
    tx: &mut Tx<'_>,
    owner: &str,
    email: Option<&str>,
    name: Option<&str>,
    extra: Option<&Params>,
) -> Value {
    let prefix: String = ids::random_chars(8).to_uppercase();
    let mut value = json!({
        "id": ids::new_id("cus"),
        "object": "customer",
        "address": null,
        "balance": 0,
        "created": tx.now(),
        "currency": null,
        "default_source": null,
        "delinquent": false,
        "description": null,
        "discount": null,
        "email": email,
        "invoice_prefix": prefix,
        "invoice_settings": {
            "custom_fields": null,
            "default_payment_method": null,
            "footer": null,
            "rendering_options": null,
        },
        "livemode": false,
        "metadata": {},
        "name": name,
        "next_invoice_sequence": 1,
        "phone": null,
        "preferred_locales": [],
        "shipping": null,
        "tax_exempt": "none",
        "test_clock": null,
    });
    if let (Some(p), Some(obj)) = (extra, value.as_object_mut()) {
        apply(obj, p);
        obj.insert("metadata".into(), metadata_param(p));
    }
    let customer = tx.insert(owner, "customer", value);
    tx.emit(owner, "customer.created", customer.clone(), None);
    customer
}

fn apply(obj: &mut Map<String, Value>, p: &Params) {
    set_strings(
        obj,
        p,
        &["email", "name", "description", "phone", "invoice_prefix"],
    );
    if p.has("address") {
        obj.insert("address".into(), address(p, "address"));
    }
    if p.has("shipping") {
        obj.insert("shipping".into(), shipping(p));
    }
    if p.has("preferred_locales") {
        obj.insert(
            "preferred_locales".into(),
            json!(p.strs("preferred_locales")),
        );
    }
    if let Some(t) = p.str("tax_exempt") {
        obj.insert("tax_exempt".into(), json!(t));
    }
    if let Some(b) = p.i64("balance") {
        obj.insert("balance".into(), json!(b));
    }
    if let Some(pm) = p.str("invoice_settings.default_payment_method") {
        obj.insert(
            "invoice_settings".into(),
            json!({ "custom_fields": null, "default_payment_method": pm, "footer": null, "rendering_options": null }),
        );
    }
}

fn is_deleted(state: &Store, id: &str) -> bool {
    meta(state, id)["deleted"].as_bool().unwrap_or(false)
}

/// A live (not deleted) customer on `owner`.
pub fn live<'a>(state: &'a Store, owner: &str, id: &str) -> Option<&'a Value> {
    state
        .find(owner, "customer", id)
        .filter(|_| !is_deleted(state, id))
}

async fn create(State(app): State<AppState>, caller: Caller, form: Form) -> ApiResult<Json<Value>> {
    let p = CREATE.validate(form)?;
    app.write(|tx| {
        let owner = caller.acting_as.clone();
        if let Some(pm) = p.str("payment_method")
            && tx.find(&owner, "payment_method", pm).is_none()
        {
            return Err(crate::payments::missing_ref(
                "PaymentMethod",
                pm,
                "payment_method",
            ));
        }
        let mut customer = insert(tx, &owner, None, None, Some(&p));
        if let Some(pm) = p.str("payment_method") {
            let id = customer["id"].as_str().unwrap_or_default().to_owned();
            modify(tx, pm, |o| {
                o.insert("customer".into(), json!(id));
            });
        }
        expand::expand(tx, &caller, &mut customer, &p.expand())?;
        Ok(Json(customer))
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
        let mut v = s
            .require(&caller.acting_as, "customer", &id, "customer", "id")?
            .clone();
        if is_deleted(s, &id) {
            return Ok(Json(
                json!({ "id": id, "object": "customer", "deleted": true }),
            ));
        }
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
        if live(tx, &owner, &id).is_none() {
            return Err(ApiError::no_such("customer", &id, "id"));
        }
        let (before, after) = modify(tx, &id, |o| {
            apply(o, &p);
            merge_metadata(o, &p);
        });
        if let Some(previous) = diff(&before, &after) {
            tx.emit(&owner, "customer.updated", after.clone(), Some(previous));
        }
        let mut out = after;
        expand::expand(tx, &caller, &mut out, &p.expand())?;
        Ok(Json(out))
    })
}

async fn delete(
    State(app): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    form: Form,
) -> ApiResult<Json<Value>> {
    RETRIEVE.validate(form)?;
    app.write(|tx| {
        let owner = caller.acting_as.clone();
        let customer = live(tx, &owner, &id)
            .cloned()
            .ok_or_else(|| ApiError::no_such("customer", &id, "id"))?;
        set_meta(tx, &id, "deleted", json!(true));
        tx.emit(&owner, "customer.deleted", customer, None);
        Ok(Json(
            json!({ "id": id, "object": "customer", "deleted": true }),
        ))
    })
}

async fn list_customers(
    State(app): State<AppState>,
    caller: Caller,
    form: Form,
) -> ApiResult<Json<Value>> {
    let p = LIST.validate(form)?;
    app.read(|s| {
        let all: Vec<&Value> = s
            .newest_first(&caller.acting_as, "customer")
            .into_iter()
            .filter(|v| !is_deleted(s, v["id"].as_str().unwrap_or_default()))
            .collect();
        let keep = |v: &Value| {
            p.str("email").is_none_or(|e| {
                v["email"]
                    .as_str()
                    .is_some_and(|x| x.eq_ignore_ascii_case(e))
            })
        };
        let mut out = list::paginate(&all, &p, "/v1/customers", "customer", keep)?;
        expand::expand(s, &caller, &mut out, &p.expand())?;
        Ok(Json(out))
    })
}

/// One `field:'value'` (or `~`) clause of a search query.
struct Clause {
    field: String,
    value: String,
    substring: bool,
    negate: bool,
}

fn parse_query(query: &str) -> Result<(Vec<Clause>, bool), ApiError> {
    let bad = || {
        ApiError::invalid_param(
            "query",
            format!("Invalid search query: {query}. Use clauses like email:'jenny@example.com'."),
        )
    };
    let any = query.contains(" OR ");
    let separator = if any { " OR " } else { " AND " };
    let mut clauses = Vec::new();
    for raw in query.split(separator) {
        let raw = raw.trim();
        let (negate, raw) = match raw.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, raw),
        };
        let (pos, substring) = match (raw.find(':'), raw.find('~')) {
            (Some(c), Some(t)) if t < c => (t, true),
            (Some(c), _) => (c, false),
            (None, Some(t)) => (t, true),
            (None, None) => return Err(bad()),
        };
        let field = raw[..pos].trim().to_owned();
        let value = raw[pos + 1..]
            .trim()
            .trim_matches(|c| c == '\'' || c == '"')
            .to_owned();
        if field.is_empty() {
            return Err(bad());
        }
        clauses.push(Clause {
            field,
            value,
            substring,
            negate,
        });
    }
    Ok((clauses, any))
}

fn clause_matches(c: &Clause, v: &Value) -> bool {
    let field_value = if let Some(key) = c
        .field
        .strip_prefix("metadata[")
        .and_then(|r| r.strip_suffix(']'))
    {
        v["metadata"][key.trim_matches(|ch| ch == '\'' || ch == '"')].as_str()
    } else {
        v[c.field.as_str()].as_str()
    };
    let hit = field_value.is_some_and(|x| {
        if c.substring {
            x.to_lowercase().contains(&c.value.to_lowercase())
        } else {
            x.eq_ignore_ascii_case(&c.value)
        }
    });
    hit != c.negate
}

async fn search(State(app): State<AppState>, caller: Caller, form: Form) -> ApiResult<Json<Value>> {
    let p = SEARCH.validate(form)?;
    let query = p
        .str("query")
        .ok_or_else(|| ApiError::missing_param("query"))?;
    let (clauses, any) = parse_query(query)?;
    let limit = usize::try_from(p.i64("limit").unwrap_or(10).clamp(1, 100)).unwrap_or(10);
    let offset: usize = p.str("page").and_then(|s| s.parse().ok()).unwrap_or(0);
    app.read(|s| {
        let hits: Vec<Value> = s
            .newest_first(&caller.acting_as, "customer")
            .into_iter()
            .filter(|v| !is_deleted(s, v["id"].as_str().unwrap_or_default()))
            .filter(|v| {
                if any {
                    clauses.iter().any(|c| clause_matches(c, v))
                } else {
                    clauses.iter().all(|c| clause_matches(c, v))
                }
            })
            .cloned()
            .collect();
        let page: Vec<Value> = hits.iter().skip(offset).take(limit).cloned().collect();
        let has_more = hits.len() > offset + page.len();
        let next = has_more.then(|| (offset + page.len()).to_string());
        Ok(Json(json!({
            "object": "search_result",
            "data": page,
            "has_more": has_more,
            "next_page": next,
            "total_count": hits.len(),
            "url": "/v1/customers/search",
        })))
    })
}
