//! `/v1/checkout/sessions`: create (`mode=payment`), retrieve, update (`metadata`), list
//! (`payment_intent`, `customer`, `status`, `created`), `…/{id}/expire`, `…/{id}/line_items`
//! and the `line_items` includable. The session lives on the account it acts on; its payment
//! intent is created when the customer submits payment.
//!
//! `ui_mode` accepts both the pre-dahlia values (`hosted`, `embedded`, `custom`) and the
//! current ones (`hosted_page`, `embedded_page`, `elements`, `form`) and echoes what was sent;
//! when absent it is `hosted_page` for API versions from `2026-03-25.dahlia` on, `hosted`
//! before. Hosted sessions get `url`; embedded, elements and form sessions get
//! `client_secret` and need `return_url` (unless `redirect_on_completion=never`).

use axum::extract::{Path, State};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::{Value, json};

use crate::accounts::model::diff;
use crate::app::{AppState, Tx};
use crate::ids;
use crate::payments::{
    customers, intents, load, merge_metadata, metadata_param, missing_ref, modify, money, products,
};
use crate::store::State as Store;
use crate::wire::auth::Caller;
use crate::wire::error::{ApiError, ApiResult};
use crate::wire::expand;
use crate::wire::form::{Field, Form, INT, Params, Schema, Ty, opt};
use crate::wire::list;

/// Scheduler kind expiring an open session at `expires_at`.
pub const EXPIRE: &str = "checkout.expire";

/// Most line items a `payment` session takes.
pub const MAX_LINE_ITEMS: usize = 100;

/// Routes under `/v1`.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/checkout/sessions", get(list_sessions).post(create))
        .route("/checkout/sessions/{id}", get(retrieve).post(update))
        .route("/checkout/sessions/{id}/expire", post(expire_endpoint))
        .route("/checkout/sessions/{id}/line_items", get(line_items))
}

/// How a session is shown.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum UiKind {
    /// `hosted` / `hosted_page`: the sandbox's hosted page at `url`.
    Hosted,
    /// `embedded` / `embedded_page`: mounted in an iframe by stripe.js.
    Embedded,
    /// `custom` / `elements` / `form`: the merchant's own form.
    Elements,
}

/// The kind of a `ui_mode` value.
pub fn ui_kind(ui_mode: &str) -> UiKind {
    match ui_mode {
        "embedded" | "embedded_page" => UiKind::Embedded,
        "custom" | "elements" | "form" => UiKind::Elements,
        _ => UiKind::Hosted,
    }
}

const UI_MODES: &[&str] = &[
    "hosted",
    "embedded",
    "custom",
    "hosted_page",
    "embedded_page",
    "elements",
    "form",
];

fn default_ui_mode() -> &'static str {
    let version = crate::wire::context::current()
        .and_then(|c| c.stripe_version)
        .unwrap_or_else(|| crate::API_VERSION.to_owned());
    if version.as_str() >= "2026-03-25" {
        "hosted_page"
    } else {
        "hosted"
    }
}

const PRICE_DATA: &[Field] = &[
    opt("currency", Ty::Str),
    opt("product", Ty::Str),
    opt("product_data", Ty::Obj(products::PRODUCT_DATA)),
    opt(
        "unit_amount",
        Ty::Int {
            min: Some(0),
            max: None,
        },
    ),
    opt("unit_amount_decimal", Ty::Str),
    opt("recurring", Ty::Any),
    opt(
        "tax_behavior",
        Ty::Enum(&["exclusive", "inclusive", "unspecified"]),
    ),
];
const LINE_ITEM: &[Field] = &[
    opt("price", Ty::Str),
    opt("price_data", Ty::Obj(PRICE_DATA)),
    opt("quantity", INT),
    opt("adjustable_quantity", Ty::Any),
    opt("dynamic_tax_rates", Ty::Any),
    opt("tax_rates", Ty::Any),
    opt("metadata", Ty::Map),
];
const PAYMENT_INTENT_DATA: &[Field] = &[
    opt(
        "application_fee_amount",
        Ty::Int {
            min: Some(0),
            max: None,
        },
    ),
    opt(
        "capture_method",
        Ty::Enum(&["automatic", "automatic_async", "manual"]),
    ),
    opt("description", Ty::Str),
    opt("metadata", Ty::Map),
    opt("on_behalf_of", Ty::Str),
    opt("receipt_email", Ty::Str),
    opt(
        "setup_future_usage",
        Ty::Enum(&["off_session", "on_session"]),
    ),
    opt("shipping", Ty::Any),
    opt("statement_descriptor", Ty::Str),
    opt("statement_descriptor_suffix", Ty::Str),
    opt(
        "transfer_data",
        Ty::Obj(&[
            opt("destination", Ty::Str),
            opt(
                "amount",
                Ty::Int {
                    min: Some(1),
                    max: None,
                },
            ),
        ]),
    ),
    opt("transfer_group", Ty::Str),
];
const CREATE: Schema = Schema::new(&[
    opt("mode", Ty::Enum(&["payment", "setup", "subscription"])),
    opt("line_items", Ty::List(&Ty::Obj(LINE_ITEM))),
    opt("payment_intent_data", Ty::Obj(PAYMENT_INTENT_DATA)),
    opt("success_url", Ty::Str),
    opt("cancel_url", Ty::Str),
    opt("return_url", Ty::Str),
    opt("ui_mode", Ty::Str),
    opt(
        "redirect_on_completion",
        Ty::Enum(&["always", "if_required", "never"]),
    ),
    opt("expires_at", INT),
    opt("customer", Ty::Str),
    opt("customer_email", Ty::Str),
    opt("customer_creation", Ty::Enum(&["always", "if_required"])),
    opt("client_reference_id", Ty::Str),
    opt("metadata", Ty::Map),
    opt("locale", Ty::Str),
    opt("payment_method_types", Ty::List(&Ty::Str)),
    opt("payment_method_configuration", Ty::Str),
    opt("currency", Ty::Str),
    opt(
        "submit_type",
        Ty::Enum(&["auto", "book", "donate", "pay", "subscribe"]),
    ),
    opt(
        "billing_address_collection",
        Ty::Enum(&["auto", "required"]),
    ),
    opt(
        "phone_number_collection",
        Ty::Obj(&[opt("enabled", Ty::Bool)]),
    ),
    opt("allow_promotion_codes", Ty::Bool),
    opt("adaptive_pricing", Ty::Any),
    opt("after_expiration", Ty::Any),
    opt("automatic_tax", Ty::Any),
    opt("branding_settings", Ty::Any),
    opt("consent_collection", Ty::Any),
    opt("custom_fields", Ty::Any),
    opt("custom_text", Ty::Any),
    opt("customer_account", Ty::Str),
    opt("customer_update", Ty::Any),
    opt("discounts", Ty::Any),
    opt("excluded_payment_method_types", Ty::List(&Ty::Str)),
    opt("invoice_creation", Ty::Any),
    opt("managed_payments", Ty::Any),
    opt("name_collection", Ty::Any),
    opt("optional_items", Ty::Any),
    opt("origin_context", Ty::Str),
    opt(
        "payment_method_collection",
        Ty::Enum(&["always", "if_required"]),
    ),
    opt("payment_method_data", Ty::Any),
    opt("payment_method_options", Ty::Any),
    opt("permissions", Ty::Any),
    opt("saved_payment_method_options", Ty::Any),
    opt("setup_intent_data", Ty::Any),
    opt("shipping_address_collection", Ty::Any),
    opt("shipping_options", Ty::Any),
    opt("subscription_data", Ty::Any),
    opt("tax_id_collection", Ty::Any),
    opt("wallet_options", Ty::Any),
]);
const UPDATE: Schema = Schema::new(&[
    opt("metadata", Ty::Map),
    opt("collected_information", Ty::Any),
    opt("shipping_options", Ty::Any),
    opt("line_items", Ty::Any),
]);
const RETRIEVE: Schema = Schema::new(&[]);
const LIST: Schema = Schema::list(&[
    opt("payment_intent", Ty::Str),
    opt("customer", Ty::Str),
    opt("customer_account", Ty::Str),
    opt("customer_details", Ty::Obj(&[opt("email", Ty::Str)])),
    opt("status", Ty::Enum(&["complete", "expired", "open"])),
    opt("payment_link", Ty::Str),
    opt("subscription", Ty::Str),
]);
const LINE_ITEMS: Schema = Schema::list(&[]);

/// One validated line item, before any inline price exists.
struct ItemPlan {
    index: usize,
    price: Option<Value>,
    currency: String,
    unit_amount: i64,
    quantity: i64,
    metadata: Value,
}

fn li_param(index: usize, field: &str) -> String {
    format!("line_items[{index}][{field}]")
}

/// Checks every line item against the account's prices; creates nothing.
fn plan_items(
    state: &Store,
    owner: &str,
    p: &Params,
    mode: &str,
) -> Result<Vec<ItemPlan>, ApiError> {
    let items = p
        .get("line_items")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    if items.is_empty() {
        return Err(ApiError::missing_param("line_items"));
    }
    if items.len() > MAX_LINE_ITEMS {
        return Err(ApiError::invalid_param(
            "line_items",
            format!(
                "You can pass up to {MAX_LINE_ITEMS} line items in `payment` mode; you passed {}.",
                items.len()
            ),
        ));
    }
    let mut plans = Vec::with_capacity(items.len());
    for (index, item) in items.iter().enumerate() {
        let has_price = item
            .get("price")
            .and_then(Value::as_str)
            .is_some_and(|s| !s.is_empty());
        let has_data = item.get("price_data").is_some_and(Value::is_object);
        if has_price && has_data {
            return Err(ApiError::exclusive(
                &li_param(index, "price"),
                &li_param(index, "price_data"),
            ));
        }
        let quantity = match item.get("quantity").and_then(Value::as_i64) {
            Some(q) if q >= 1 => q,
            Some(_) => {
                return Err(ApiError::invalid_param(
                    &li_param(index, "quantity"),
                    "This value must be greater than or equal to 1.",
                ));
            }
            None => {
                return Err(ApiError::invalid(format!(
                    "Quantity is required. Add `quantity` to `line_items[{index}]`."
                ))
                .param(&li_param(index, "quantity"))
                .code("parameter_missing")
                .not_stored());
            }
        };
        let metadata = item.get("metadata").cloned().unwrap_or_else(|| json!({}));
        let (price, currency, unit_amount, recurring) = if has_price {
            let id = item["price"].as_str().unwrap_or_default();
            let price = state
                .find(owner, "price", id)
                .cloned()
                .ok_or_else(|| missing_ref("price", id, &li_param(index, "price")))?;
            if price["active"] != true {
                return Err(ApiError::invalid_param(
                    &li_param(index, "price"),
                    format!(
                        "The price specified ({id}) is inactive. This field only accepts active prices."
                    ),
                ));
            }
            let currency = price["currency"].as_str().unwrap_or("usd").to_owned();
            let amount = price["unit_amount"].as_i64().unwrap_or(0);
            let recurring = price["type"] == "recurring";
            (Some(price), currency, amount, recurring)
        } else if has_data {
            let data = &item["price_data"];
            let param = format!("line_items[{index}][price_data][currency]");
            let currency = match data.get("currency").and_then(Value::as_str) {
                Some(c) if !c.is_empty() => money::currency(c, &param)?,
                _ => return Err(ApiError::missing_param(&param)),
            };
            let has_product = data
                .get("product")
                .and_then(Value::as_str)
                .is_some_and(|s| !s.is_empty());
            if has_product {
                let id = data["product"].as_str().unwrap_or_default();
                if state.find(owner, "product", id).is_none() {
                    return Err(missing_ref(
                        "product",
                        id,
                        &format!("line_items[{index}][price_data][product]"),
                    ));
                }
            } else if !data.get("product_data").is_some_and(Value::is_object) {
                return Err(ApiError::invalid(format!(
                    "You must specify either `line_items[{index}][price_data][product]` or `line_items[{index}][price_data][product_data]`."
                ))
                .param(&format!("line_items[{index}][price_data][product]"))
                .not_stored());
            }
            let amount = match data.get("unit_amount").and_then(Value::as_i64) {
                Some(a) => a,
                None => data
                    .get("unit_amount_decimal")
                    .and_then(Value::as_str)
                    .and_then(|d| d.parse::<f64>().ok())
                    .filter(|f| f.fract() == 0.0 && *f >= 0.0)
                    .map(|f| f as i64)
                    .ok_or_else(|| {
                        ApiError::missing_param(&format!(
                            "line_items[{index}][price_data][unit_amount]"
                        ))
                    })?,
            };
            let recurring = data.get("recurring").is_some_and(Value::is_object);
            (None, currency, amount, recurring)
        } else {
            return Err(ApiError::invalid(format!(
                "You must specify either `line_items[{index}][price]` or `line_items[{index}][price_data]`."
            ))
            .param(&li_param(index, "price"))
            .code("parameter_missing")
            .not_stored());
        };
        if mode == "payment" && recurring {
            return Err(ApiError::invalid(
                "You specified `payment` mode but passed a recurring price. Either switch to \
                 `subscription` mode or use only one-time prices.",
            )
            .param(&li_param(
                index,
                if has_price { "price" } else { "price_data" },
            )));
        }
        plans.push(ItemPlan {
            index,
            price,
            currency,
            unit_amount,
            quantity,
            metadata,
        });
    }
    if let Some(first) = plans.first()
        && let Some(other) = plans.iter().find(|i| i.currency != first.currency)
    {
        return Err(ApiError::invalid_param(
            "line_items",
            format!(
                "All line items must use the same currency: line_items[{}] is in {} but line_items[{}] is in {}.",
                first.index, first.currency, other.index, other.currency
            ),
        ));
    }
    Ok(plans)
}

fn item_json(price: &Value, product_name: &Value, quantity: i64, metadata: Value) -> Value {
    let unit = price["unit_amount"].as_i64().unwrap_or(0);
    let subtotal = unit * quantity;
    json!({
        "id": ids::new_id("li"),
        "object": "item",
        "adjustable_quantity": null,
        "amount_discount": 0,
        "amount_subtotal": subtotal,
        "amount_tax": 0,
        "amount_total": subtotal,
        "currency": price["currency"],
        "description": product_name,
        "metadata": metadata,
        "price": price,
        "quantity": quantity,
    })
}

fn check_urls(p: &Params, ui_mode: &str) -> Result<(), ApiError> {
    let kind = ui_kind(ui_mode);
    if kind == UiKind::Hosted {
        let bad: Vec<&str> = ["return_url", "redirect_on_completion"]
            .into_iter()
            .filter(|k| p.has(k))
            .collect();
        if !bad.is_empty() {
            return Err(ApiError::invalid(format!(
                "The following parameters are not supported with 'ui_mode: {ui_mode}': {}.",
                bad.join(", ")
            ))
            .param(bad[0])
            .not_stored());
        }
        return Ok(());
    }
    let bad: Vec<&str> = ["cancel_url", "success_url"]
        .into_iter()
        .filter(|k| p.has(k))
        .collect();
    if !bad.is_empty() {
        return Err(ApiError::invalid(format!(
            "The following parameters are not supported with 'ui_mode: {ui_mode}': {}.",
            bad.join(", ")
        ))
        .param(bad[0])
        .not_stored());
    }
    let never = p.str("redirect_on_completion") == Some("never");
    match (p.str("return_url"), never) {
        (None, false) => Err(ApiError::missing_param("return_url")),
        (Some(_), true) => Err(ApiError::invalid_param(
            "return_url",
            "`return_url` cannot be set when `redirect_on_completion` is `never`.",
        )),
        _ => Ok(()),
    }
}

async fn create(State(app): State<AppState>, caller: Caller, form: Form) -> ApiResult<Json<Value>> {
    let p = CREATE.validate(form)?;
    let mode = p
        .str("mode")
        .ok_or_else(|| ApiError::missing_param("mode"))?
        .to_owned();
    let ui_mode = p
        .str("ui_mode")
        .map_or_else(|| default_ui_mode().to_owned(), str::to_owned);
    if !UI_MODES.contains(&ui_mode.as_str()) {
        return Err(ApiError::invalid_param(
            "ui_mode",
            format!(
                "Invalid ui_mode: must be one of {}",
                crate::wire::form::one_of(UI_MODES)
            ),
        ));
    }
    check_urls(&p, &ui_mode)?;
    if p.has("customer") && p.has("customer_email") {
        return Err(ApiError::exclusive("customer", "customer_email"));
    }
    if mode == "setup" {
        return Err(ApiError::invalid_param(
            "mode",
            "The Comptoir sandbox only supports Checkout Sessions in `payment` mode.",
        ));
    }
    let destination = p
        .str("payment_intent_data.transfer_data.destination")
        .map(str::to_owned);
    if p.has("payment_intent_data.application_fee_amount")
        && caller.is_platform()
        && destination.is_none()
    {
        return Err(ApiError::invalid(
            "Can only apply an application_fee_amount when the PaymentIntent is attempting a direct \
             payment (using an OAuth key or Stripe-Account header) or destination payment (using \
             `transfer_data[destination]`).",
        )
        .param("payment_intent_data[application_fee_amount]")
        .not_stored());
    }
    app.write(|tx| {
        let owner = caller.acting_as.clone();
        let now = tx.now();
        if !tx.is_platform(&owner) {
            crate::payments::require_charges_enabled(tx, &owner)?;
        }
        let plans = plan_items(tx, &owner, &p, &mode)?;
        if mode == "subscription" {
            return Err(ApiError::invalid(
                "You must provide at least one recurring price in `subscription` mode when using prices.",
            )
            .param("line_items"));
        }
        let currency = plans.first().map(|i| i.currency.clone()).unwrap_or_else(|| "usd".into());
        let total: i64 = plans.iter().map(|i| i.unit_amount * i.quantity).sum();
        if total < money::minimum_amount(&currency) {
            return Err(ApiError::invalid(format!(
                "The Checkout Session's total amount due must add up to at least {} {currency}",
                money::format(money::minimum_amount(&currency), &currency)
            ))
            .code("amount_too_small")
            .param("line_items"));
        }
        if let Some(fee) = p.i64("payment_intent_data.application_fee_amount")
            && fee > total
        {
            return Err(ApiError::invalid(format!(
                "The application_fee_amount ({fee}) must be less than or equal to the Checkout Session's amount_total ({total})."
            ))
            .param("payment_intent_data[application_fee_amount]"));
        }
        if let Some(dest) = &destination
            && (!caller.is_platform() || tx.connection(&caller.platform, dest).is_none())
        {
            return Err(missing_ref("destination", dest, "payment_intent_data[transfer_data][destination]"));
        }
        if let Some(c) = p.str("customer")
            && customers::live(tx, &owner, c).is_none()
        {
            return Err(missing_ref("customer", c, "customer"));
        }
        let expires_at = match p.i64("expires_at") {
            Some(at) if at > now + 86_400 => {
                return Err(ApiError::invalid_param(
                    "expires_at",
                    "The `expires_at` timestamp must be less than 24 hours from Checkout Session creation.",
                ));
            }
            Some(at) if at < now + 1_800 => {
                return Err(ApiError::invalid_param(
                    "expires_at",
                    "The `expires_at` timestamp must be at least 30 minutes from Checkout Session creation.",
                ));
            }
            Some(at) => at,
            None => now + 86_400,
        };
        let (types, configuration_details) = match p.strs("payment_method_types") {
            t if t.is_empty() => intents::offered_types(
                tx,
                &caller.platform,
                &owner,
                &currency,
                p.str("payment_method_configuration"),
            )?,
            t => (t, Value::Null),
        };
        if types.iter().any(|t| t == "sepa_debit") && currency != "eur" {
            return Err(ApiError::invalid_param(
                "payment_method_types",
                format!("The currency provided ({currency}) is invalid for one or more payment method types on this Checkout Session: sepa_debit."),
            ));
        }
        // Everything is valid: create inline prices and the session.
        let mut items = Vec::with_capacity(plans.len());
        for plan in &plans {
            let price = match &plan.price {
                Some(price) => price.clone(),
                None => {
                    let data = p
                        .get("line_items")
                        .and_then(|l| l.get(plan.index))
                        .and_then(|item| item.get("price_data"))
                        .and_then(Value::as_object)
                        .cloned()
                        .unwrap_or_default();
                    products::inline_price(tx, &owner, &Params(data), "")?
                },
            };
            let name = price["product"]
                .as_str()
                .and_then(|prod| tx.find(&owner, "product", prod))
                .map_or(Value::Null, |prod| prod["name"].clone());
            items.push(item_json(&price, &name, plan.quantity, plan.metadata.clone()));
        }
        let id = format!("cs_test_{}", ids::random_chars(58));
        let kind = ui_kind(&ui_mode);
        let client_secret = (kind != UiKind::Hosted).then(|| format!("{id}_secret_{}", ids::random_chars(24)));
        let url = (kind == UiKind::Hosted).then(|| format!("{}c/pay/{id}", tx.app.base_url()));
        let mut method_options = serde_json::Map::new();
        if types.iter().any(|t| t == "card") {
            method_options.insert("card".into(), json!({ "request_three_d_secure": "automatic" }));
        }
        let value = json!({
            "id": id,
            "object": "checkout.session",
            "adaptive_pricing": { "enabled": false },
            "after_expiration": null,
            "allow_promotion_codes": p.bool("allow_promotion_codes"),
            "amount_subtotal": total,
            "amount_total": total,
            "automatic_tax": { "enabled": false, "liability": null, "provider": null, "status": null },
            "billing_address_collection": p.str("billing_address_collection"),
            "cancel_url": p.str("cancel_url"),
            "client_reference_id": p.str("client_reference_id"),
            "client_secret": client_secret,
            "collected_information": null,
            "consent": null,
            "consent_collection": null,
            "created": now,
            "currency": currency,
            "currency_conversion": null,
            "custom_fields": [],
            "custom_text": { "after_submit": null, "shipping_address": null, "submit": null, "terms_of_service_acceptance": null },
            "customer": p.str("customer"),
            "customer_account": null,
            "customer_creation": if p.has("customer") { Value::Null } else { json!(p.str("customer_creation").unwrap_or("if_required")) },
            "customer_details": null,
            "customer_email": p.str("customer_email"),
            "discounts": [],
            "expires_at": expires_at,
            "integration_identifier": null,
            "invoice": null,
            "invoice_creation": {
                "enabled": false,
                "invoice_data": {
                    "account_tax_ids": null, "custom_fields": null, "description": null, "footer": null,
                    "issuer": null, "metadata": {}, "rendering_options": null,
                },
            },
            "livemode": false,
        });
        let rest = json!({
            "locale": p.str("locale"),
            "managed_payments": null,
            "metadata": metadata_param(&p),
            "mode": mode,
            "origin_context": null,
            "payment_intent": null,
            "payment_link": null,
            "payment_method_collection": "if_required",
            "payment_method_configuration_details": configuration_details,
            "payment_method_options": method_options,
            "payment_method_types": types,
            "payment_status": "unpaid",
            "permissions": null,
            "phone_number_collection": { "enabled": p.bool("phone_number_collection.enabled").unwrap_or(false) },
            "recovered_from": null,
            "redirect_on_completion": if kind == UiKind::Hosted { Value::Null } else { json!(p.str("redirect_on_completion").unwrap_or("always")) },
            "return_url": p.str("return_url"),
            "saved_payment_method_options": null,
            "setup_intent": null,
            "shipping_address_collection": null,
            "shipping_cost": null,
            "shipping_options": [],
            "status": "open",
            "submit_type": p.str("submit_type"),
            "subscription": null,
            "success_url": p.str("success_url"),
            "total_details": { "amount_discount": 0, "amount_shipping": 0, "amount_tax": 0 },
            "ui_mode": ui_mode,
            "url": url,
            "wallet_options": null,
        });
        let mut value = value;
        if let (Some(obj), Some(more)) = (value.as_object_mut(), rest.as_object()) {
            obj.extend(more.clone());
        }
        let pid = p.get("payment_intent_data").cloned().unwrap_or_else(|| json!({}));
        let meta = json!({
            "platform": caller.platform,
            "items": items,
            "payment_intent_data": pid,
        });
        let mut session = tx.insert_with_meta(&owner, "checkout.session", value, meta);
        tx.schedule(expires_at, EXPIRE, &id, json!({}));
        expand::expand(tx, &caller, &mut session, &p.expand())?;
        Ok(Json(session))
    })
}

/// The `line_items` list of a session (the includable).
pub fn line_items_list(state: &Store, session: &Value) -> Value {
    let id = session["id"].as_str().unwrap_or_default();
    let items = crate::payments::meta(state, id)["items"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    list::list_object(
        items,
        false,
        &format!("/v1/checkout/sessions/{id}/line_items"),
    )
}

/// Expander for `checkout.session.line_items`.
pub fn expand_line_items(state: &Store, _caller: &Caller, session: &Value) -> Option<Value> {
    Some(line_items_list(state, session))
}

/// Expires an open session: `expired`, its payment intent canceled when possible, and
/// `checkout.session.expired`.
pub fn expire(tx: &mut Tx<'_>, owner: &str, id: &str) -> Result<Value, ApiError> {
    let session = load(tx, owner, "checkout.session", id, "checkout session")?;
    let status = session["status"].as_str().unwrap_or_default();
    if status != "open" {
        return Err(ApiError::invalid(format!(
            "Only Checkout Sessions with a status of `open` can be expired. This Checkout Session has a status of `{status}`."
        ))
        .code("checkout_session_unexpected_state"));
    }
    if let Some(pi) = session["payment_intent"].as_str() {
        let _ = intents::cancel(tx, owner, pi, Some("abandoned"), true);
    }
    let (_, after) = modify(tx, id, |s| {
        s.insert("status".into(), json!("expired"));
        s.insert("url".into(), Value::Null);
    });
    tx.emit(owner, "checkout.session.expired", after.clone(), None);
    Ok(after)
}

/// `checkout.expire`: expires the session if it is still open at `expires_at`.
pub fn expire_due(
    tx: &mut Tx<'_>,
    action: &crate::scheduler::ScheduledAction,
) -> Result<(), ApiError> {
    let Some(stored) = tx.get(&action.target).cloned() else {
        return Ok(());
    };
    let due = stored.value["expires_at"].as_i64().unwrap_or(0) <= tx.now();
    if stored.value["status"] == "open" && due {
        expire(tx, &stored.owner, &action.target)?;
    }
    Ok(())
}

async fn expire_endpoint(
    State(app): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    form: Form,
) -> ApiResult<Json<Value>> {
    let p = RETRIEVE.validate(form)?;
    app.write(|tx| {
        let mut session = expire(tx, &caller.acting_as, &id)?;
        expand::expand(tx, &caller, &mut session, &p.expand())?;
        Ok(Json(session))
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
            "checkout.session",
            &id,
            "checkout.session",
        )?;
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
        load(tx, &owner, "checkout.session", &id, "checkout.session")?;
        let (before, after) = modify(tx, &id, |s| merge_metadata(s, &p));
        let _ = diff(&before, &after);
        let mut out = after;
        expand::expand(tx, &caller, &mut out, &p.expand())?;
        Ok(Json(out))
    })
}

async fn list_sessions(
    State(app): State<AppState>,
    caller: Caller,
    form: Form,
) -> ApiResult<Json<Value>> {
    let p = LIST.validate(form)?;
    app.read(|s| {
        let all = s.newest_first(&caller.acting_as, "checkout.session");
        let keep = |v: &Value| {
            p.str("payment_intent")
                .is_none_or(|x| v["payment_intent"] == x)
                && p.str("customer").is_none_or(|x| v["customer"] == x)
                && p.str("status").is_none_or(|x| v["status"] == x)
                && p.str("payment_link").is_none_or(|x| v["payment_link"] == x)
                && p.str("subscription").is_none_or(|x| v["subscription"] == x)
                && p.str("customer_details.email").is_none_or(|x| {
                    v["customer_details"]["email"]
                        .as_str()
                        .is_some_and(|e| e.eq_ignore_ascii_case(x))
                })
        };
        let mut out = list::paginate(&all, &p, "/v1/checkout/sessions", "checkout.session", keep)?;
        expand::expand(s, &caller, &mut out, &p.expand())?;
        Ok(Json(out))
    })
}

async fn line_items(
    State(app): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    form: Form,
) -> ApiResult<Json<Value>> {
    let p = LINE_ITEMS.validate(form)?;
    app.read(|s| {
        let session = load(
            s,
            &caller.acting_as,
            "checkout.session",
            &id,
            "checkout.session",
        )?;
        let items = crate::payments::meta(s, &id)["items"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        let refs: Vec<&Value> = items.iter().collect();
        let url = format!(
            "/v1/checkout/sessions/{}/line_items",
            session["id"].as_str().unwrap_or_default()
        );
        let mut out = list::paginate(&refs, &p, &url, "line item", |_| true)?;
        expand::expand(s, &caller, &mut out, &p.expand())?;
        Ok(Json(out))
    })
}
