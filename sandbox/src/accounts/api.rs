//! `/v1/accounts` and `/v1/account`: create, retrieve, update, list, delete connected accounts.

use axum::extract::{Path, State};
use axum::routing::get;
use axum::{Json, Router};
use serde_json::{Value, json};

use crate::accounts::model::{self, controller_for_type, currency_for, type_for};
use crate::accounts::records::{AccountMeta, Controller};
use crate::app::{AppState, Tx};
use crate::ids;
use crate::store::ConnectionKind;
use crate::wire::auth::Caller;
use crate::wire::error::{ApiError, ApiResult};
use crate::wire::expand;
use crate::wire::form::{Field, Form, INT, Params, Schema, Ty, opt};
use crate::wire::list;

/// Routes under `/v1`.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/accounts", get(list_accounts).post(create))
        .route("/accounts/{id}", get(retrieve).post(update).delete(delete))
        .route("/account", get(retrieve_own))
}

const ADDRESS: &[Field] = &[
    opt("city", Ty::Str),
    opt("country", Ty::Str),
    opt("line1", Ty::Str),
    opt("line2", Ty::Str),
    opt("postal_code", Ty::Str),
    opt("state", Ty::Str),
];
const DOB: &[Field] = &[opt("day", INT), opt("month", INT), opt("year", INT)];
const RELATIONSHIP: &[Field] = &[
    opt("director", Ty::Bool),
    opt("executive", Ty::Bool),
    opt("owner", Ty::Bool),
    opt("percent_ownership", Ty::Str),
    opt("title", Ty::Str),
];
const INDIVIDUAL: &[Field] = &[
    opt("address", Ty::Obj(ADDRESS)),
    opt("dob", Ty::Obj(DOB)),
    opt("email", Ty::Str),
    opt("first_name", Ty::Str),
    opt("last_name", Ty::Str),
    opt("maiden_name", Ty::Str),
    opt("phone", Ty::Str),
    opt("gender", Ty::Str),
    opt("id_number", Ty::Str),
    opt("id_number_secondary", Ty::Str),
    opt("ssn_last_4", Ty::Str),
    opt("political_exposure", Ty::Enum(&["existing", "none"])),
    opt("registered_address", Ty::Obj(ADDRESS)),
    opt("relationship", Ty::Obj(RELATIONSHIP)),
    opt("full_name_aliases", Ty::List(&Ty::Str)),
    opt("verification", Ty::Any),
    opt("metadata", Ty::Map),
];
const COMPANY: &[Field] = &[
    opt("address", Ty::Obj(ADDRESS)),
    opt("name", Ty::Str),
    opt("phone", Ty::Str),
    opt("tax_id", Ty::Str),
    opt("tax_id_registrar", Ty::Str),
    opt("vat_id", Ty::Str),
    opt("registration_number", Ty::Str),
    opt("structure", Ty::Str),
    opt("owners_provided", Ty::Bool),
    opt("directors_provided", Ty::Bool),
    opt("executives_provided", Ty::Bool),
    opt(
        "ownership_declaration",
        Ty::Obj(&[
            opt("date", INT),
            opt("ip", Ty::Str),
            opt("user_agent", Ty::Str),
        ]),
    ),
    opt("verification", Ty::Any),
];
const MONEY: &[Field] = &[opt("amount", INT), opt("currency", Ty::Str)];
const BUSINESS_PROFILE: &[Field] = &[
    opt("mcc", Ty::Str),
    opt("name", Ty::Str),
    opt("product_description", Ty::Str),
    opt("support_address", Ty::Obj(ADDRESS)),
    opt("support_email", Ty::Str),
    opt("support_phone", Ty::Str),
    opt("support_url", Ty::Str),
    opt("url", Ty::Str),
    opt(
        "annual_revenue",
        Ty::Obj(&[
            opt("amount", INT),
            opt("currency", Ty::Str),
            opt("fiscal_year_end", Ty::Str),
        ]),
    ),
    opt("estimated_worker_count", INT),
    opt("monthly_estimated_revenue", Ty::Obj(MONEY)),
    opt("minority_owned_business_designation", Ty::List(&Ty::Str)),
];
const REQUESTED: Ty = Ty::Obj(&[opt("requested", Ty::Bool)]);
const CAPABILITIES: &[Field] = &[
    opt("acss_debit_payments", REQUESTED),
    opt("affirm_payments", REQUESTED),
    opt("afterpay_clearpay_payments", REQUESTED),
    opt("amazon_pay_payments", REQUESTED),
    opt("au_becs_debit_payments", REQUESTED),
    opt("bacs_debit_payments", REQUESTED),
    opt("bancontact_payments", REQUESTED),
    opt("bank_transfer_payments", REQUESTED),
    opt("card_issuing", REQUESTED),
    opt("card_payments", REQUESTED),
    opt("cartes_bancaires_payments", REQUESTED),
    opt("cashapp_payments", REQUESTED),
    opt("eps_payments", REQUESTED),
    opt("giropay_payments", REQUESTED),
    opt("ideal_payments", REQUESTED),
    opt("klarna_payments", REQUESTED),
    opt("legacy_payments", REQUESTED),
    opt("link_payments", REQUESTED),
    opt("p24_payments", REQUESTED),
    opt("paypal_payments", REQUESTED),
    opt("revolut_pay_payments", REQUESTED),
    opt("sepa_bank_transfer_payments", REQUESTED),
    opt("sepa_debit_payments", REQUESTED),
    opt("sofort_payments", REQUESTED),
    opt("tax_reporting_us_1099_k", REQUESTED),
    opt("tax_reporting_us_1099_misc", REQUESTED),
    opt("transfers", REQUESTED),
    opt("treasury", REQUESTED),
    opt("us_bank_account_ach_payments", REQUESTED),
];
const TOS: &[Field] = &[
    opt("date", INT),
    opt("ip", Ty::Str),
    opt("user_agent", Ty::Str),
    opt("service_agreement", Ty::Enum(&["full", "recipient"])),
];
const SCHEDULE: &[Field] = &[
    opt(
        "interval",
        Ty::Enum(&["manual", "daily", "weekly", "monthly"]),
    ),
    opt("delay_days", Ty::Any),
    opt(
        "weekly_anchor",
        Ty::Enum(&[
            "monday",
            "tuesday",
            "wednesday",
            "thursday",
            "friday",
            "saturday",
            "sunday",
        ]),
    ),
    opt(
        "monthly_anchor",
        Ty::Int {
            min: Some(1),
            max: Some(31),
        },
    ),
    opt("weekly_payout_days", Ty::List(&Ty::Str)),
    opt("monthly_payout_days", Ty::List(&INT)),
];
const SETTINGS: &[Field] = &[
    opt(
        "payouts",
        Ty::Obj(&[
            opt("schedule", Ty::Obj(SCHEDULE)),
            opt("statement_descriptor", Ty::Str),
            opt("debit_negative_balances", Ty::Bool),
        ]),
    ),
    opt(
        "payments",
        Ty::Obj(&[
            opt("statement_descriptor", Ty::Str),
            opt("statement_descriptor_kana", Ty::Str),
            opt("statement_descriptor_kanji", Ty::Str),
        ]),
    ),
    opt(
        "card_payments",
        Ty::Obj(&[
            opt(
                "decline_on",
                Ty::Obj(&[opt("avs_failure", Ty::Bool), opt("cvc_failure", Ty::Bool)]),
            ),
            opt("statement_descriptor_prefix", Ty::Str),
            opt("statement_descriptor_prefix_kana", Ty::Str),
            opt("statement_descriptor_prefix_kanji", Ty::Str),
        ]),
    ),
    opt(
        "branding",
        Ty::Obj(&[
            opt("icon", Ty::Str),
            opt("logo", Ty::Str),
            opt("primary_color", Ty::Str),
            opt("secondary_color", Ty::Str),
        ]),
    ),
    opt(
        "bacs_debit_payments",
        Ty::Obj(&[opt("display_name", Ty::Str)]),
    ),
    opt(
        "card_issuing",
        Ty::Obj(&[opt(
            "tos_acceptance",
            Ty::Obj(&[
                opt("date", INT),
                opt("ip", Ty::Str),
                opt("user_agent", Ty::Str),
            ]),
        )]),
    ),
    opt("invoices", Ty::Any),
    opt("treasury", Ty::Any),
];
const CONTROLLER: &[Field] = &[
    opt(
        "fees",
        Ty::Obj(&[opt("payer", Ty::Enum(&["account", "application"]))]),
    ),
    opt(
        "losses",
        Ty::Obj(&[opt("payments", Ty::Enum(&["application", "stripe"]))]),
    ),
    opt(
        "requirement_collection",
        Ty::Enum(&["application", "stripe"]),
    ),
    opt(
        "stripe_dashboard",
        Ty::Obj(&[opt("type", Ty::Enum(&["express", "full", "none"]))]),
    ),
];
const EXTERNAL_ACCOUNT: Ty = Ty::StrOrObj(&[
    opt("object", Ty::Enum(&["bank_account", "card"])),
    opt("country", Ty::Str),
    opt("currency", Ty::Str),
    opt("account_holder_name", Ty::Str),
    opt("account_holder_type", Ty::Enum(&["company", "individual"])),
    opt("account_number", Ty::Str),
    opt("routing_number", Ty::Str),
    opt("account_type", Ty::Str),
    opt("default_for_currency", Ty::Bool),
    opt("metadata", Ty::Map),
]);
const BUSINESS_TYPE: Ty = Ty::Enum(&["company", "government_entity", "individual", "non_profit"]);

const CREATE: Schema = Schema::new(&[
    opt("type", Ty::Enum(&["custom", "express", "standard"])),
    opt("controller", Ty::Obj(CONTROLLER)),
    opt("country", Ty::Str),
    opt("email", Ty::Str),
    opt("business_type", BUSINESS_TYPE),
    opt("business_profile", Ty::Obj(BUSINESS_PROFILE)),
    opt("company", Ty::Obj(COMPANY)),
    opt("individual", Ty::Obj(INDIVIDUAL)),
    opt("capabilities", Ty::Obj(CAPABILITIES)),
    opt("tos_acceptance", Ty::Obj(TOS)),
    opt("external_account", EXTERNAL_ACCOUNT),
    opt("metadata", Ty::Map),
    opt("default_currency", Ty::Str),
    opt("settings", Ty::Obj(SETTINGS)),
    opt("documents", Ty::Any),
    opt("groups", Ty::Any),
    opt("account_token", Ty::Str),
]);

const UPDATE: Schema = Schema::new(&[
    opt("email", Ty::Str),
    opt("business_type", BUSINESS_TYPE),
    opt("business_profile", Ty::Obj(BUSINESS_PROFILE)),
    opt("company", Ty::Obj(COMPANY)),
    opt("individual", Ty::Obj(INDIVIDUAL)),
    opt("capabilities", Ty::Obj(CAPABILITIES)),
    opt("tos_acceptance", Ty::Obj(TOS)),
    opt("external_account", EXTERNAL_ACCOUNT),
    opt("metadata", Ty::Map),
    opt("default_currency", Ty::Str),
    opt("settings", Ty::Obj(SETTINGS)),
    opt("documents", Ty::Any),
    opt("groups", Ty::Any),
    opt("account_token", Ty::Str),
]);

const RETRIEVE: Schema = Schema::new(&[]);
const LIST: Schema = Schema::list(&[]);

fn controller_from_params(p: &Params) -> Result<Controller, ApiError> {
    let d = Controller::default();
    let pick = |path: &str, default: &str| p.str(path).unwrap_or(default).to_owned();
    let c = Controller {
        fees_payer: pick("controller.fees.payer", &d.fees_payer),
        losses_payments: pick("controller.losses.payments", &d.losses_payments),
        requirement_collection: pick(
            "controller.requirement_collection",
            &d.requirement_collection,
        ),
        dashboard: pick("controller.stripe_dashboard.type", &d.dashboard),
    };
    if c.requirement_collection == "application"
        && (c.losses_payments != "application" || c.dashboard != "none")
    {
        return Err(ApiError::invalid_param(
            "controller[requirement_collection]",
            "`controller[requirement_collection]` can only be `application` when \
             `controller[losses][payments]` is `application` and `controller[stripe_dashboard][type]` is `none`.",
        ));
    }
    if c.fees_payer == "account" && c.dashboard != "full" {
        return Err(ApiError::invalid_param(
            "controller[fees][payer]",
            "`controller[fees][payer]` can only be `account` when `controller[stripe_dashboard][type]` is `full`.",
        ));
    }
    Ok(c)
}

async fn create(State(app): State<AppState>, caller: Caller, form: Form) -> ApiResult<Json<Value>> {
    let p = CREATE.validate(form)?;
    caller.require_platform()?;
    if p.has("type") && p.has("controller") {
        return Err(ApiError::exclusive("controller", "type"));
    }
    let (account_type, controller) = match p.str("type") {
        Some(t) => (t.to_owned(), controller_for_type(t)),
        None => {
            let c = controller_from_params(&p)?;
            (type_for(&c).to_owned(), c)
        }
    };
    let country = p.str("country").unwrap_or("US").to_uppercase();
    if country.len() != 2 {
        return Err(ApiError::invalid_param(
            "country",
            format!("Country '{country}' is unknown."),
        ));
    }
    app.write(|tx| {
        let now = tx.now();
        let mut meta = AccountMeta {
            id: ids::account_id(),
            individual_person_id: ids::new_id("person"),
            account_type: account_type.clone(),
            controller,
            country: country.clone(),
            default_currency: currency_for(&country).into(),
            ..AccountMeta::default()
        };
        if account_type == "standard" && !p.has("capabilities") {
            meta.capabilities.insert("card_payments".into(), now);
            meta.capabilities.insert("transfers".into(), now);
        }
        let bank = model::apply_params(&mut meta, &p, now)?;
        let id = meta.id.clone();
        let value = model::create_connected(tx, &caller.platform, meta);
        if let Some(bank) = bank {
            tx.emit(&id, "account.external_account.created", bank, None);
        }
        respond(tx, &caller, value, &p)
    })
}

fn respond(tx: &Tx<'_>, caller: &Caller, mut value: Value, p: &Params) -> ApiResult<Json<Value>> {
    expand::expand(tx, caller, &mut value, &p.expand())?;
    Ok(Json(value))
}

/// The account `id` if the caller may act on it: itself, or a connected account of the
/// platform acting as itself. Otherwise Stripe's 403 `account_invalid`.
pub fn authorize_account<'a>(
    state: &'a crate::store::State,
    caller: &Caller,
    id: &str,
) -> Result<&'a Value, ApiError> {
    let allowed = id == caller.acting_as
        || (caller.is_platform() && state.connection(&caller.platform, id).is_some());
    let live = state.accounts.get(id).is_some_and(|m| !m.deleted);
    match state.find(id, "account", id) {
        Some(value) if allowed && live => Ok(value),
        _ => Err(ApiError::account_access(&caller.key, id)),
    }
}

async fn retrieve(
    State(app): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    form: Form,
) -> ApiResult<Json<Value>> {
    let p = RETRIEVE.validate(form)?;
    app.read(|s| {
        let mut value = authorize_account(s, &caller, &id)?.clone();
        expand::expand(s, &caller, &mut value, &p.expand())?;
        Ok(Json(value))
    })
}

async fn retrieve_own(
    State(app): State<AppState>,
    caller: Caller,
    form: Form,
) -> ApiResult<Json<Value>> {
    let p = RETRIEVE.validate(form)?;
    app.read(|s| {
        let mut value = authorize_account(s, &caller, &caller.acting_as)?.clone();
        expand::expand(s, &caller, &mut value, &p.expand())?;
        Ok(Json(value))
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
        authorize_account(tx, &caller, &id)?;
        let value =
            model::update_and_emit(tx, &id, |meta, now| model::apply_params(meta, &p, now))?;
        respond(tx, &caller, value, &p)
    })
}

async fn list_accounts(
    State(app): State<AppState>,
    caller: Caller,
    form: Form,
) -> ApiResult<Json<Value>> {
    let p = LIST.validate(form)?;
    app.read(|s| {
        let ids = s
            .connected
            .get(&caller.acting_as)
            .map(Vec::as_slice)
            .unwrap_or_default();
        let all: Vec<&Value> = ids
            .iter()
            .rev()
            .filter(|id| s.connection(&caller.acting_as, id).is_some())
            .filter_map(|id| s.find(id, "account", id))
            .collect();
        let mut out = list::paginate(&all, &p, "/v1/accounts", "account", |_| true)?;
        expand::expand(s, &caller, &mut out, &p.expand())?;
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
    caller.require_platform()?;
    app.write(|tx| {
        authorize_account(tx, &caller, &id)?;
        let created_by_caller = tx.accounts.get(&id).and_then(|m| m.platform.as_deref()) == Some(caller.platform.as_str())
            && tx.connection(&caller.platform, &id).is_some_and(|c| c.kind == ConnectionKind::Created);
        if !created_by_caller {
            return Err(ApiError::invalid_param(
                "account",
                format!(
                    "This account cannot be deleted: only accounts created by your platform can be \
                     deleted ({id} is not one of them; disconnect OAuth accounts with /oauth/deauthorize)."
                ),
            ));
        }
        let platform_name = tx.platforms.get(&caller.platform).map(|p| p.name.clone());
        let client_id = tx.platforms.get(&caller.platform).map(|p| p.client_id.clone());
        let application = json!({ "id": client_id, "object": "application", "name": platform_name });
        tx.emit(&id, "account.application.deauthorized", application, None);
        delete_account(tx, &id);
        Ok(Json(json!({ "id": id, "object": "account", "deleted": true })))
    })
}

/// Marks an account deleted, drops its connections and revokes its tokens.
fn delete_account(tx: &mut Tx<'_>, id: &str) {
    if let Some(meta) = tx.accounts.get_mut(id) {
        meta.deleted = true;
    }
    if let Some(connections) = tx.connections.get_mut(id) {
        for c in connections.iter_mut() {
            c.revoked = true;
        }
    }
    for grant in tx.api_keys.values_mut() {
        if grant.account == id && grant.platform != id {
            grant.revoked = true;
        }
    }
    tx.remove(id);
}
