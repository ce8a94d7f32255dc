//! Products (`prod_…`) and prices (`price_…`): create, retrieve, update, list, delete
//! (products without prices only), `default_price_data`, lookup keys, and the inline products
//! and prices Checkout creates from `price_data` / `product_data`. Events `product.*`,
//! `price.*`.

use axum::extract::{Path, State};
use axum::routing::get;
use axum::{Json, Router};
use serde_json::{Value, json};

use crate::accounts::model::diff;
use crate::app::{AppState, Tx};
use crate::ids;
use crate::payments::{
    load, merge_metadata, metadata_param, missing_ref, modify, money, set_strings,
};
use crate::wire::auth::Caller;
use crate::wire::error::{ApiError, ApiResult};
use crate::wire::expand;
use crate::wire::form::{Field, Form, INT, Params, Schema, Ty, opt, req};
use crate::wire::list;

/// Routes under `/v1`.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/products", get(list_products).post(create_product))
        .route(
            "/products/{id}",
            get(retrieve_product)
                .post(update_product)
                .delete(delete_product),
        )
        .route("/prices", get(list_prices).post(create_price))
        .route("/prices/{id}", get(retrieve_price).post(update_price))
}

const RECURRING: &[Field] = &[
    req("interval", Ty::Enum(&["day", "week", "month", "year"])),
    opt(
        "interval_count",
        Ty::Int {
            min: Some(1),
            max: Some(365),
        },
    ),
    opt("usage_type", Ty::Enum(&["licensed", "metered"])),
    opt("meter", Ty::Str),
    opt("trial_period_days", INT),
    opt("aggregate_usage", Ty::Str),
];
const TAX_BEHAVIOR: Ty = Ty::Enum(&["exclusive", "inclusive", "unspecified"]);
const DIMENSIONS: &[Field] = &[
    req("height", Ty::Str),
    req("length", Ty::Str),
    req("weight", Ty::Str),
    req("width", Ty::Str),
];
const DEFAULT_PRICE_DATA: &[Field] = &[
    req("currency", Ty::Str),
    opt(
        "unit_amount",
        Ty::Int {
            min: Some(0),
            max: None,
        },
    ),
    opt("unit_amount_decimal", Ty::Str),
    opt("recurring", Ty::Obj(RECURRING)),
    opt("tax_behavior", TAX_BEHAVIOR),
    opt("currency_options", Ty::Any),
    opt("metadata", Ty::Map),
    opt("custom_unit_amount", Ty::Any),
];
const PRODUCT_FIELDS: &[Field] = &[
    opt("id", Ty::Str),
    req("name", Ty::Str),
    opt("active", Ty::Bool),
    opt("description", Ty::Str),
    opt("images", Ty::List(&Ty::Str)),
    opt("metadata", Ty::Map),
    opt(
        "marketing_features",
        Ty::List(&Ty::Obj(&[req("name", Ty::Str)])),
    ),
    opt("package_dimensions", Ty::Obj(DIMENSIONS)),
    opt("shippable", Ty::Bool),
    opt("statement_descriptor", Ty::Str),
    opt("tax_code", Ty::Str),
    opt("unit_label", Ty::Str),
    opt("url", Ty::Str),
    opt("type", Ty::Enum(&["good", "service"])),
    opt("default_price_data", Ty::Obj(DEFAULT_PRICE_DATA)),
    opt("tax_details", Ty::Any),
];
const CREATE_PRODUCT: Schema = Schema::new(PRODUCT_FIELDS);
const UPDATE_PRODUCT: Schema = Schema::new(&[
    opt("name", Ty::Str),
    opt("active", Ty::Bool),
    opt("default_price", Ty::Str),
    opt("description", Ty::Str),
    opt("images", Ty::List(&Ty::Str)),
    opt("metadata", Ty::Map),
    opt(
        "marketing_features",
        Ty::List(&Ty::Obj(&[req("name", Ty::Str)])),
    ),
    opt("package_dimensions", Ty::Obj(DIMENSIONS)),
    opt("shippable", Ty::Bool),
    opt("statement_descriptor", Ty::Str),
    opt("tax_code", Ty::Str),
    opt("unit_label", Ty::Str),
    opt("url", Ty::Str),
    opt("tax_details", Ty::Any),
]);
const LIST_PRODUCTS: Schema = Schema::list(&[
    opt("active", Ty::Bool),
    opt("ids", Ty::List(&Ty::Str)),
    opt("shippable", Ty::Bool),
    opt("url", Ty::Str),
]);

/// Fields of `product_data` (prices and Checkout `price_data`).
pub const PRODUCT_DATA: &[Field] = &[
    req("name", Ty::Str),
    opt("id", Ty::Str),
    opt("active", Ty::Bool),
    opt("description", Ty::Str),
    opt("images", Ty::List(&Ty::Str)),
    opt("metadata", Ty::Map),
    opt("statement_descriptor", Ty::Str),
    opt("tax_code", Ty::Str),
    opt("unit_label", Ty::Str),
    opt("tax_details", Ty::Any),
];
const CREATE_PRICE: Schema = Schema::new(&[
    req("currency", Ty::Str),
    opt("product", Ty::Str),
    opt("product_data", Ty::Obj(PRODUCT_DATA)),
    opt(
        "unit_amount",
        Ty::Int {
            min: Some(0),
            max: None,
        },
    ),
    opt("unit_amount_decimal", Ty::Str),
    opt("active", Ty::Bool),
    opt("nickname", Ty::Str),
    opt("lookup_key", Ty::Str),
    opt("transfer_lookup_key", Ty::Bool),
    opt("metadata", Ty::Map),
    opt("recurring", Ty::Obj(RECURRING)),
    opt("tax_behavior", TAX_BEHAVIOR),
    opt("billing_scheme", Ty::Enum(&["per_unit", "tiered"])),
    opt("currency_options", Ty::Any),
    opt("custom_unit_amount", Ty::Any),
    opt("tiers", Ty::Any),
    opt("tiers_mode", Ty::Any),
    opt("transform_quantity", Ty::Any),
]);
const UPDATE_PRICE: Schema = Schema::new(&[
    opt("active", Ty::Bool),
    opt("nickname", Ty::Str),
    opt("lookup_key", Ty::Str),
    opt("transfer_lookup_key", Ty::Bool),
    opt("metadata", Ty::Map),
    opt("tax_behavior", TAX_BEHAVIOR),
    opt("currency_options", Ty::Any),
]);
const LIST_PRICES: Schema = Schema::list(&[
    opt("active", Ty::Bool),
    opt("currency", Ty::Str),
    opt("product", Ty::Str),
    opt("type", Ty::Enum(&["one_time", "recurring"])),
    opt("lookup_keys", Ty::List(&Ty::Str)),
    opt("recurring", Ty::Any),
]);
const RETRIEVE: Schema = Schema::new(&[]);

fn strings(p: &Params, path: &str) -> Value {
    json!(p.strs(path))
}

/// Stores a new product from `name`-bearing parameters found under `prefix` (`""` for the
/// top level, `product_data.` for inline products). Emits `product.created`.
fn insert_product(
    tx: &mut Tx<'_>,
    owner: &str,
    p: &Params,
    prefix: &str,
) -> Result<Value, ApiError> {
    let at = |k: &str| format!("{prefix}{k}");
    let id = match p.str(&at("id")) {
        Some(id) => {
            if tx.get(id).is_some() {
                return Err(ApiError::invalid(format!("Product already exists: {id}"))
                    .code("resource_already_exists")
                    .param(&at("id")));
            }
            id.to_owned()
        }
        None => ids::new_id("prod"),
    };
    let now = tx.now();
    let metadata = p
        .obj(&at("metadata"))
        .map(|m| {
            Value::Object(
                m.iter()
                    .filter(|(_, v)| v != &"")
                    .map(|(k, v)| (k.clone(), v.clone()))
                    .collect(),
            )
        })
        .unwrap_or_else(|| json!({}));
    let features: Vec<Value> = p
        .get(&at("marketing_features"))
        .and_then(Value::as_array)
        .map(|a| a.iter().map(|f| json!({ "name": f["name"] })).collect())
        .unwrap_or_default();
    let dims = p.obj(&at("package_dimensions")).map(|d| {
        let num = |k: &str| {
            d.get(k)
                .and_then(Value::as_str)
                .and_then(|s| s.parse::<f64>().ok())
                .map_or(Value::Null, |f| json!(f))
        };
        json!({ "height": num("height"), "length": num("length"), "weight": num("weight"), "width": num("width") })
    });
    let value = json!({
        "id": id,
        "object": "product",
        "active": p.bool(&at("active")).unwrap_or(true),
        "created": now,
        "default_price": null,
        "description": p.str(&at("description")),
        "images": strings(p, &at("images")),
        "livemode": false,
        "marketing_features": features,
        "metadata": metadata,
        "name": p.str(&at("name")),
        "package_dimensions": dims,
        "shippable": p.bool(&at("shippable")),
        "statement_descriptor": p.str(&at("statement_descriptor")),
        "tax_code": p.str(&at("tax_code")),
        "type": p.str(&at("type")).unwrap_or("service"),
        "unit_label": p.str(&at("unit_label")),
        "updated": now,
        "url": p.str(&at("url")),
    });
    let product = tx.insert(owner, "product", value);
    tx.emit(owner, "product.created", product.clone(), None);
    Ok(product)
}

/// What a new price needs.
#[derive(Clone, Debug)]
pub struct PriceSpec {
    /// Lowercase currency.
    pub currency: String,
    /// `prod_…`.
    pub product: String,
    /// Minor units.
    pub unit_amount: i64,
    /// `active` (inline Checkout prices are inactive).
    pub active: bool,
    /// `recurring` hash when given.
    pub recurring: Option<Value>,
    /// `tax_behavior`.
    pub tax_behavior: Option<String>,
    /// `nickname`.
    pub nickname: Option<String>,
    /// `lookup_key`.
    pub lookup_key: Option<String>,
    /// `metadata`.
    pub metadata: Value,
}

fn insert_price(tx: &mut Tx<'_>, owner: &str, spec: PriceSpec) -> Value {
    let recurring = spec.recurring.as_ref().map(|r| {
        json!({
            "interval": r["interval"],
            "interval_count": r["interval_count"].as_i64().unwrap_or(1),
            "meter": r.get("meter").cloned().unwrap_or(Value::Null),
            "trial_period_days": r.get("trial_period_days").cloned().unwrap_or(Value::Null),
            "usage_type": r["usage_type"].as_str().unwrap_or("licensed"),
        })
    });
    let value = json!({
        "id": ids::new_id("price"),
        "object": "price",
        "active": spec.active,
        "billing_scheme": "per_unit",
        "created": tx.now(),
        "currency": spec.currency,
        "custom_unit_amount": null,
        "livemode": false,
        "lookup_key": spec.lookup_key,
        "metadata": spec.metadata,
        "nickname": spec.nickname,
        "product": spec.product,
        "recurring": recurring,
        "tax_behavior": spec.tax_behavior.unwrap_or_else(|| "unspecified".into()),
        "tiers_mode": null,
        "transform_quantity": null,
        "type": if spec.recurring.is_some() { "recurring" } else { "one_time" },
        "unit_amount": spec.unit_amount,
        "unit_amount_decimal": spec.unit_amount.to_string(),
    });
    let price = tx.insert(owner, "price", value);
    tx.emit(owner, "price.created", price.clone(), None);
    price
}

/// `unit_amount` or an integral `unit_amount_decimal` under `prefix`.
fn unit_amount(p: &Params, prefix: &str) -> Result<i64, ApiError> {
    if let Some(a) = p.i64(&format!("{prefix}unit_amount")) {
        return Ok(a);
    }
    if let Some(d) = p.str(&format!("{prefix}unit_amount_decimal")) {
        let param = param_name(prefix, "unit_amount_decimal");
        return d
            .parse::<f64>()
            .ok()
            .filter(|f| f.fract() == 0.0 && *f >= 0.0)
            .map(|f| f as i64)
            .ok_or_else(|| {
                ApiError::invalid_param(
                    &param,
                    "The sandbox only supports whole minor units in unit_amount_decimal.",
                )
            });
    }
    let param = param_name(prefix, "unit_amount");
    Err(ApiError::invalid(format!(
        "You must specify either `{param}`, `{param}_decimal`, or `custom_unit_amount`."
    ))
    .param(&param)
    .code("parameter_missing")
    .not_stored())
}

/// The wire name of `field` under a dotted `prefix`: (`line_items.0.price_data.`, `currency`)
/// → `line_items[0][price_data][currency]`.
fn param_name(prefix: &str, field: &str) -> String {
    let segments: Vec<String> = prefix
        .split('.')
        .chain(std::iter::once(field))
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect();
    crate::wire::form::bracket_path(&segments)
}

/// Creates an inline (inactive) price, and its product when `product_data` is given, from the
/// fields of a `price_data` hash found under `prefix` of `p` (Checkout passes each
/// `line_items[i][price_data]` as its own `Params` with an empty prefix).
pub fn inline_price(
    tx: &mut Tx<'_>,
    owner: &str,
    p: &Params,
    prefix: &str,
) -> Result<Value, ApiError> {
    let currency = money::currency(
        p.str(&format!("{prefix}currency")).unwrap_or_default(),
        &param_name(prefix, "currency"),
    )?;
    let amount = unit_amount(p, prefix)?;
    let product = match p.str(&format!("{prefix}product")) {
        Some(id) => {
            if tx.find(owner, "product", id).is_none() {
                return Err(missing_ref("product", id, &param_name(prefix, "product")));
            }
            id.to_owned()
        }
        None if p.has(&format!("{prefix}product_data")) => {
            let product = insert_product(tx, owner, p, &format!("{prefix}product_data."))?;
            product["id"].as_str().unwrap_or_default().to_owned()
        }
        None => {
            let product = param_name(prefix, "product");
            return Err(ApiError::invalid(format!(
                "You must specify either `{product}` or `{product}_data`."
            ))
            .param(&product)
            .not_stored());
        }
    };
    let recurring = p
        .get(&format!("{prefix}recurring"))
        .filter(|v| v.is_object())
        .cloned();
    Ok(insert_price(
        tx,
        owner,
        PriceSpec {
            currency,
            product,
            unit_amount: amount,
            active: false,
            recurring,
            tax_behavior: p.str(&format!("{prefix}tax_behavior")).map(str::to_owned),
            nickname: None,
            lookup_key: None,
            metadata: json!({}),
        },
    ))
}

async fn create_product(
    State(app): State<AppState>,
    caller: Caller,
    form: Form,
) -> ApiResult<Json<Value>> {
    let p = CREATE_PRODUCT.validate(form)?;
    let price_currency = match p.str("default_price_data.currency") {
        Some(c) => Some(money::currency(c, "default_price_data[currency]")?),
        None => None,
    };
    if p.has("default_price_data") {
        unit_amount(&p, "default_price_data.")?;
    }
    app.write(|tx| {
        let owner = caller.acting_as.clone();
        let mut product = insert_product(tx, &owner, &p, "")?;
        if let Some(currency) = price_currency {
            let product_id = product["id"].as_str().unwrap_or_default().to_owned();
            let price = insert_price(
                tx,
                &owner,
                PriceSpec {
                    currency,
                    product: product_id.clone(),
                    unit_amount: unit_amount(&p, "default_price_data.")?,
                    active: true,
                    recurring: p
                        .get("default_price_data.recurring")
                        .filter(|v| v.is_object())
                        .cloned(),
                    tax_behavior: p.str("default_price_data.tax_behavior").map(str::to_owned),
                    nickname: None,
                    lookup_key: None,
                    metadata: p
                        .get("default_price_data.metadata")
                        .cloned()
                        .unwrap_or_else(|| json!({})),
                },
            );
            let (_, after) = modify(tx, &product_id, |o| {
                o.insert("default_price".into(), price["id"].clone());
            });
            product = after;
        }
        expand::expand(tx, &caller, &mut product, &p.expand())?;
        Ok(Json(product))
    })
}

async fn retrieve_product(
    State(app): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    form: Form,
) -> ApiResult<Json<Value>> {
    let p = RETRIEVE.validate(form)?;
    app.read(|s| {
        let mut v = load(s, &caller.acting_as, "product", &id, "product")?;
        expand::expand(s, &caller, &mut v, &p.expand())?;
        Ok(Json(v))
    })
}

async fn update_product(
    State(app): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    form: Form,
) -> ApiResult<Json<Value>> {
    let p = UPDATE_PRODUCT.validate(form)?;
    app.write(|tx| {
        let owner = caller.acting_as.clone();
        load(tx, &owner, "product", &id, "product")?;
        if let Some(price) = p.str("default_price") {
            let belongs = tx
                .find(&owner, "price", price)
                .is_some_and(|v| v["product"] == id.as_str());
            if !belongs {
                return Err(missing_ref("price", price, "default_price"));
            }
        }
        let now = tx.now();
        let (before, after) = modify(tx, &id, |o| {
            set_strings(
                o,
                &p,
                &[
                    "name",
                    "description",
                    "statement_descriptor",
                    "tax_code",
                    "unit_label",
                    "url",
                    "default_price",
                ],
            );
            if let Some(a) = p.bool("active") {
                o.insert("active".into(), json!(a));
            }
            if let Some(s) = p.bool("shippable") {
                o.insert("shippable".into(), json!(s));
            }
            if p.has("images") {
                o.insert("images".into(), strings(&p, "images"));
            }
            merge_metadata(o, &p);
            o.insert("updated".into(), json!(now));
        });
        if let Some(previous) = diff(&before, &after) {
            tx.emit(&owner, "product.updated", after.clone(), Some(previous));
        }
        let mut out = after;
        expand::expand(tx, &caller, &mut out, &p.expand())?;
        Ok(Json(out))
    })
}

async fn delete_product(
    State(app): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    form: Form,
) -> ApiResult<Json<Value>> {
    RETRIEVE.validate(form)?;
    app.write(|tx| {
        let owner = caller.acting_as.clone();
        let product = load(tx, &owner, "product", &id, "product")?;
        let has_prices = tx
            .newest_first(&owner, "price")
            .iter()
            .any(|p| p["product"] == id.as_str());
        if has_prices {
            return Err(ApiError::invalid(
                "This product cannot be deleted because it has one or more user-created prices.",
            ));
        }
        tx.remove(&id);
        tx.emit(&owner, "product.deleted", product, None);
        Ok(Json(
            json!({ "id": id, "object": "product", "deleted": true }),
        ))
    })
}

async fn list_products(
    State(app): State<AppState>,
    caller: Caller,
    form: Form,
) -> ApiResult<Json<Value>> {
    let p = LIST_PRODUCTS.validate(form)?;
    let ids = p.strs("ids");
    app.read(|s| {
        let all = s.newest_first(&caller.acting_as, "product");
        let keep = |v: &Value| {
            p.bool("active").is_none_or(|a| v["active"] == a)
                && p.bool("shippable").is_none_or(|a| v["shippable"] == a)
                && p.str("url").is_none_or(|u| v["url"] == u)
                && (ids.is_empty() || ids.iter().any(|i| v["id"] == i.as_str()))
        };
        let mut out = list::paginate(&all, &p, "/v1/products", "product", keep)?;
        expand::expand(s, &caller, &mut out, &p.expand())?;
        Ok(Json(out))
    })
}

/// Frees `key` from the price holding it (when `transfer` is set) or fails like Stripe.
fn claim_lookup_key(
    tx: &mut Tx<'_>,
    owner: &str,
    key: &str,
    transfer: bool,
    except: Option<&str>,
) -> Result<(), ApiError> {
    let holder = tx
        .newest_first(owner, "price")
        .into_iter()
        .find(|v| v["lookup_key"] == key && Some(v["id"].as_str().unwrap_or_default()) != except)
        .and_then(|v| v["id"].as_str().map(str::to_owned));
    let Some(holder) = holder else { return Ok(()) };
    if !transfer {
        return Err(ApiError::invalid(format!(
            "A price (`{holder}`) already uses that lookup key. Set `transfer_lookup_key` to move it to this price."
        ))
        .param("lookup_key"));
    }
    let (before, after) = modify(tx, &holder, |o| {
        o.insert("lookup_key".into(), Value::Null);
    });
    if let Some(previous) = diff(&before, &after) {
        tx.emit(owner, "price.updated", after, Some(previous));
    }
    Ok(())
}

async fn create_price(
    State(app): State<AppState>,
    caller: Caller,
    form: Form,
) -> ApiResult<Json<Value>> {
    let p = CREATE_PRICE.validate(form)?;
    let currency = money::currency(p.str("currency").unwrap_or_default(), "currency")?;
    if p.has("product") && p.has("product_data") {
        return Err(ApiError::exclusive("product", "product_data"));
    }
    if !p.has("product") && !p.has("product_data") {
        return Err(ApiError::invalid(
            "You must specify either `product` or `product_data` when creating a price.",
        )
        .param("product")
        .not_stored());
    }
    let amount = unit_amount(&p, "")?;
    app.write(|tx| {
        let owner = caller.acting_as.clone();
        let product = match p.str("product") {
            Some(id) => {
                if tx.find(&owner, "product", id).is_none() {
                    return Err(missing_ref("product", id, "product"));
                }
                id.to_owned()
            }
            None => insert_product(tx, &owner, &p, "product_data.")?["id"]
                .as_str()
                .unwrap_or_default()
                .to_owned(),
        };
        if let Some(key) = p.str("lookup_key") {
            claim_lookup_key(
                tx,
                &owner,
                key,
                p.bool("transfer_lookup_key").unwrap_or(false),
                None,
            )?;
        }
        let mut price = insert_price(
            tx,
            &owner,
            PriceSpec {
                currency,
                product,
                unit_amount: amount,
                active: p.bool("active").unwrap_or(true),
                recurring: p.get("recurring").filter(|v| v.is_object()).cloned(),
                tax_behavior: p.str("tax_behavior").map(str::to_owned),
                nickname: p.str("nickname").map(str::to_owned),
                lookup_key: p.str("lookup_key").map(str::to_owned),
                metadata: metadata_param(&p),
            },
        );
        expand::expand(tx, &caller, &mut price, &p.expand())?;
        Ok(Json(price))
    })
}

async fn retrieve_price(
    State(app): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    form: Form,
) -> ApiResult<Json<Value>> {
    let p = RETRIEVE.validate(form)?;
    app.read(|s| {
        let mut v = load(s, &caller.acting_as, "price", &id, "price")?;
        expand::expand(s, &caller, &mut v, &p.expand())?;
        Ok(Json(v))
    })
}

async fn update_price(
    State(app): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    form: Form,
) -> ApiResult<Json<Value>> {
    let p = UPDATE_PRICE.validate(form)?;
    app.write(|tx| {
        let owner = caller.acting_as.clone();
        load(tx, &owner, "price", &id, "price")?;
        if let Some(key) = p.str("lookup_key") {
            claim_lookup_key(
                tx,
                &owner,
                key,
                p.bool("transfer_lookup_key").unwrap_or(false),
                Some(&id),
            )?;
        }
        let (before, after) = modify(tx, &id, |o| {
            set_strings(o, &p, &["nickname", "lookup_key", "tax_behavior"]);
            if let Some(a) = p.bool("active") {
                o.insert("active".into(), json!(a));
            }
            merge_metadata(o, &p);
        });
        if let Some(previous) = diff(&before, &after) {
            tx.emit(&owner, "price.updated", after.clone(), Some(previous));
        }
        let mut out = after;
        expand::expand(tx, &caller, &mut out, &p.expand())?;
        Ok(Json(out))
    })
}

async fn list_prices(
    State(app): State<AppState>,
    caller: Caller,
    form: Form,
) -> ApiResult<Json<Value>> {
    let p = LIST_PRICES.validate(form)?;
    let keys = p.strs("lookup_keys");
    app.read(|s| {
        let all = s.newest_first(&caller.acting_as, "price");
        let keep = |v: &Value| {
            p.bool("active").is_none_or(|a| v["active"] == a)
                && p.str("currency")
                    .is_none_or(|c| v["currency"] == c.to_ascii_lowercase())
                && p.str("product").is_none_or(|x| v["product"] == x)
                && p.str("type").is_none_or(|x| v["type"] == x)
                && (keys.is_empty() || keys.iter().any(|k| v["lookup_key"] == k.as_str()))
        };
        let mut out = list::paginate(&all, &p, "/v1/prices", "price", keep)?;
        expand::expand(s, &caller, &mut out, &p.expand())?;
        Ok(Json(out))
    })
}
