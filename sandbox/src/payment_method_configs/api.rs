//! `/v1/payment_method_configurations`: list, create, retrieve, update.
//!
//! Without `Stripe-Account` a platform sees its own configurations (its default one is the
//! parent of its accounts' children); with it (or with an OAuth token) it sees the account's
//! configurations that belong to its application (`application` = its `ca_…`) or to no
//! application. Children refuse an account preference on a method the platform blocked.

use axum::extract::{Path, State};
use axum::routing::get;
use axum::{Json, Router};
use serde_json::{Value, json};

use crate::app::{AppState, Tx};
use crate::payment_method_configs::model::{self, KIND, PmcDefault, PmcMeta, Role, child_setting};
use crate::store::{State as Store, Stored};
use crate::wire::auth::Caller;
use crate::wire::error::{ApiError, ApiResult};
use crate::wire::expand;
use crate::wire::form::{Field, Form, Params, Schema, Ty, opt};
use crate::wire::list;

/// Routes under `/v1`.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/payment_method_configurations", get(list_all).post(create))
        .route(
            "/payment_method_configurations/{configuration}",
            get(retrieve).post(update),
        )
}

const PREFERENCE: Ty = Ty::Obj(&[opt(
    "display_preference",
    Ty::Obj(&[opt("preference", Ty::Enum(&["none", "off", "on"]))]),
)]);

/// `a, b, …` → `opt("a", PREFERENCE), …`, then the endpoint's own fields.
macro_rules! method_fields {
    ($($own:expr),* ; $($m:ident),* $(,)?) => {
        &[$($own,)* $(opt(stringify!($m), PREFERENCE),)*]
    };
}

const CREATE_FIELDS: &[Field] = method_fields!(
    opt("name", Ty::Str), opt("parent", Ty::Str);
    acss_debit, affirm, afterpay_clearpay, alipay, alma, amazon_pay, apple_pay, apple_pay_later,
    au_becs_debit, bacs_debit, bancontact, billie, bizum, blik, boleto, card, cartes_bancaires,
    cashapp, crypto, customer_balance, eps, fpx, fr_meal_voucher_conecs, giropay, google_pay,
    grabpay, ideal, jcb, kakao_pay, klarna, konbini, kr_card, link, mb_way, mobilepay, multibanco,
    naver_pay, nz_bank_account, oxxo, p24, pay_by_bank, payco, paynow, paypal, paypay, payto, pix,
    promptpay, revolut_pay, samsung_pay, satispay, scalapay, sepa_debit, sequra, sofort, sunbit,
    swish, twint, upi, us_bank_account, wechat_pay, zip,
);

const UPDATE_FIELDS: &[Field] = method_fields!(
    opt("name", Ty::Str), opt("active", Ty::Bool);
    acss_debit, affirm, afterpay_clearpay, alipay, alma, amazon_pay, apple_pay, apple_pay_later,
    au_becs_debit, bacs_debit, bancontact, billie, bizum, blik, boleto, card, cartes_bancaires,
    cashapp, crypto, customer_balance, eps, fpx, fr_meal_voucher_conecs, giropay, google_pay,
    grabpay, ideal, jcb, kakao_pay, klarna, konbini, kr_card, link, mb_way, mobilepay, multibanco,
    naver_pay, nz_bank_account, oxxo, p24, pay_by_bank, payco, paynow, paypal, paypay, payto, pix,
    promptpay, revolut_pay, samsung_pay, satispay, scalapay, sepa_debit, sequra, sofort, sunbit,
    swish, twint, upi, us_bank_account, wechat_pay, zip,
);

const CREATE: Schema = Schema::new(CREATE_FIELDS);
const UPDATE: Schema = Schema::new(UPDATE_FIELDS);
const RETRIEVE: Schema = Schema::new(&[]);
const LIST: Schema = Schema::list(&[opt("active", Ty::Bool), opt("application", Ty::Str)]);

/// The platform's client id (`ca_…`).
fn client_id(state: &Store, platform: &str) -> Option<String> {
    state.platforms.get(platform).map(|p| p.client_id.clone())
}

/// Whether the caller may see a configuration stored on `caller.acting_as`.
fn visible(state: &Store, caller: &Caller, stored: &Stored) -> bool {
    if stored.owner != caller.acting_as || stored.kind != KIND {
        return false;
    }
    if caller.is_platform() {
        return true;
    }
    match stored.value["application"].as_str() {
        None => true,
        Some(app) => client_id(state, &caller.platform).as_deref() == Some(app),
    }
}

/// Makes sure the configurations the caller expects exist: the platform's default one and,
/// for a connected account, its child (accounts connected before this family existed, or
/// restored from an older state file).
fn ensure_for_caller(tx: &mut Tx<'_>, caller: &Caller) {
    if !tx.is_platform(&caller.platform) {
        return;
    }
    let needs_default = model::default_of(tx, &caller.platform).is_none();
    let needs_child = !caller.is_platform()
        && tx.connection(&caller.platform, &caller.acting_as).is_some()
        && model::default_of(tx, &caller.platform)
            .is_none_or(|d| model::child_of(tx, &caller.acting_as, &d.id).is_none());
    if needs_default {
        model::ensure_default(tx, &caller.platform);
    }
    if needs_child {
        model::ensure_child(tx, &caller.platform, &caller.acting_as);
    }
}

fn require<'a>(state: &'a Store, caller: &Caller, id: &str) -> Result<&'a Stored, ApiError> {
    state
        .get(id)
        .filter(|s| visible(state, caller, s))
        .ok_or_else(|| ApiError::no_such(KIND, id, "configuration"))
}

fn respond(state: &Store, caller: &Caller, id: &str, p: &Params) -> ApiResult<Json<Value>> {
    let stored = require(state, caller, id)?;
    let mut value = model::render(state, stored);
    expand::expand(state, caller, &mut value, &p.expand())?;
    Ok(Json(value))
}

async fn list_all(
    State(app): State<AppState>,
    caller: Caller,
    form: Form,
) -> ApiResult<Json<Value>> {
    let p = LIST.validate(form)?;
    app.write(|tx| ensure_for_caller(tx, &caller));
    app.read(|s| {
        let rendered: Vec<Value> = model::on_account(s, &caller.acting_as)
            .into_iter()
            .rev()
            .filter(|stored| visible(s, &caller, stored))
            .map(|stored| model::render(s, stored))
            .collect();
        let all: Vec<&Value> = rendered.iter().collect();
        let application = p.get("application");
        let mut out = list::paginate(&all, &p, "/v1/payment_method_configurations", KIND, |c| {
            p.bool("active").is_none_or(|a| c["active"] == json!(a))
                && match application {
                    None => true,
                    Some(Value::String(s)) if s.is_empty() => c["application"].is_null(),
                    Some(wanted) => &c["application"] == wanted,
                }
        })?;
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
    app.write(|tx| ensure_for_caller(tx, &caller));
    app.read(|s| respond(s, &caller, &id, &p))
}

/// The `x[display_preference][preference]` values of a request.
fn requested_preferences(p: &Params) -> Vec<(&'static str, String)> {
    model::FIXTURE_METHODS
        .iter()
        .chain(model::EXTRA_METHODS.iter())
        .filter_map(|m| {
            p.str(&format!("{m}.display_preference.preference"))
                .map(|v| (*m, v.to_owned()))
        })
        .collect()
}

/// Applies requested preferences to a record, refusing blocked methods on children.
fn apply_preferences(
    meta: &mut PmcMeta,
    parent: Option<&PmcMeta>,
    parent_id: Option<&str>,
    p: &Params,
) -> Result<(), ApiError> {
    for (method, preference) in requested_preferences(p) {
        if meta.role == Role::Child
            && preference != "none"
            && child_setting(parent, meta, method) == PmcDefault::Blocked
        {
            return Err(ApiError::invalid_param(
                &format!("{method}[display_preference][preference]"),
                format!(
                    "The payment method `{method}` is blocked by the platform's parent configuration \
                     ({}): its display preference is not overridable (`overridable: false`), so it \
                     cannot be turned on or off on this configuration.",
                    parent_id.unwrap_or("unknown")
                ),
            ));
        }
        if meta.role == Role::Child && preference == "none" {
            meta.preferences.remove(method);
        } else {
            meta.preferences.insert(method.to_owned(), preference);
        }
    }
    Ok(())
}

async fn create(State(app): State<AppState>, caller: Caller, form: Form) -> ApiResult<Json<Value>> {
    let p = CREATE.validate(form)?;
    if p.str("name").is_none() && p.str("parent").is_none() {
        return Err(ApiError::invalid(
            "You must provide either `name` or `parent` to create a payment method configuration.",
        )
        .code("parameter_missing")
        .param("name")
        .not_stored());
    }
    app.write(|tx| {
        ensure_for_caller(tx, &caller);
        let application = if caller.is_platform() {
            None
        } else {
            client_id(tx, &caller.platform)
        };
        let id = match p.str("parent") {
            Some(parent_id) => {
                if caller.is_platform() {
                    return Err(ApiError::invalid_param(
                        "parent",
                        "A child configuration can only be created on a connected account: send \
                         the request with the `Stripe-Account` header.",
                    ));
                }
                let parent = tx
                    .get(parent_id)
                    .filter(|s| {
                        s.owner == caller.platform && s.kind == KIND && s.value["parent"].is_null()
                    })
                    .ok_or_else(|| {
                        ApiError::invalid_param(
                            "parent",
                            format!("No such payment_method_configuration: '{parent_id}'"),
                        )
                        .code("resource_missing")
                    })?;
                let parent_meta = PmcMeta::of(parent);
                let parent_name = parent.value["name"].clone();
                let is_default = parent.value["is_default"].clone();
                if model::child_of(tx, &caller.acting_as, parent_id).is_some() {
                    return Err(ApiError::invalid_param(
                        "parent",
                        format!(
                            "Account {} already has a child configuration of {parent_id}; retrieve \
                             it with GET /v1/payment_method_configurations and update it instead.",
                            caller.acting_as
                        ),
                    ));
                }
                let mut meta = PmcMeta {
                    role: Role::Child,
                    platform: caller.platform.clone(),
                    ..PmcMeta::default()
                };
                apply_preferences(&mut meta, Some(&parent_meta), Some(parent_id), &p)?;
                let name = p.str("name").map_or(parent_name, |n| json!(n));
                let fields = json!({
                    "active": true,
                    "application": application,
                    "is_default": is_default,
                    "name": name,
                    "parent": parent_id,
                });
                model::insert(tx, &caller.acting_as, fields, &meta)
            }
            None => {
                let mut meta = PmcMeta {
                    role: Role::Direct,
                    platform: caller.platform.clone(),
                    ..PmcMeta::default()
                };
                apply_preferences(&mut meta, None, None, &p)?;
                let fields = json!({
                    "active": true,
                    "application": application,
                    "is_default": false,
                    "name": p.str("name"),
                    "parent": null,
                });
                model::insert(tx, &caller.acting_as, fields, &meta)
            }
        };
        respond(tx, &caller, &id, &p)
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
        ensure_for_caller(tx, &caller);
        let stored = require(tx, &caller, &id)?;
        let mut meta = PmcMeta::of(stored);
        let parent = model::parent_of(tx, stored);
        let parent_id = stored.value["parent"].as_str().map(str::to_owned);
        apply_preferences(&mut meta, parent.as_ref(), parent_id.as_deref(), &p)?;
        if let Some(value) = tx.value_mut(&id) {
            if let Some(active) = p.bool("active") {
                value["active"] = json!(active);
            }
            if let Some(name) = p.str("name") {
                value["name"] = json!(name);
            }
        }
        model::save_meta(tx, &id, &meta);
        respond(tx, &caller, &id, &p)
    })
}
