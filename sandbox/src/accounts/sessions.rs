//! `POST /v1/account_sessions`: client secrets for the embedded components, with every
//! component echoed (unrequested ones `enabled:false`) and every feature resolved to its
//! default for the account's controller properties. Sessions are also kept server-side.

use axum::extract::State;
use axum::routing::post;
use axum::{Json, Router};
use serde_json::{Map, Value, json};

use crate::accounts::api::authorize_account;
use crate::accounts::records::{AccountMeta, AccountSessionRecord};
use crate::app::AppState;
use crate::clock::duration_ms;
use crate::ids;
use crate::wire::auth::Caller;
use crate::wire::error::{ApiError, ApiResult};
use crate::wire::form::{Field, Form, Params, Schema, Ty, opt, req};

/// Routes under `/v1`.
pub fn router() -> Router<AppState> {
    Router::new().route("/account_sessions", post(create))
}

const ACCOUNT: &[&str] = &[
    "external_account_collection",
    "disable_stripe_user_authentication",
];
const PAYMENTS: &[&str] = &[
    "capture_payments",
    "destination_on_behalf_of_charge_management",
    "dispute_management",
    "refund_management",
    "smart_disputes_management",
];
const DISPUTES: &[&str] = &[
    "destination_on_behalf_of_charge_management",
    "dispute_management",
    "refund_management",
    "smart_disputes_management",
];
const PAYOUTS: &[&str] = &[
    "edit_payout_schedule",
    "external_account_collection",
    "standard_payouts",
    "disable_stripe_user_authentication",
    "instant_payouts",
];
const PROMOTION: &[&str] = &[
    "disable_stripe_user_authentication",
    "external_account_collection",
    "instant_payouts",
];
const ISSUING_CARD: &[&str] = &[
    "card_management",
    "card_spend_dispute_management",
    "cardholder_management",
    "spend_control_management",
];
const ISSUING_LIST: &[&str] = &[
    "card_management",
    "card_spend_dispute_management",
    "cardholder_management",
    "disable_stripe_user_authentication",
    "spend_control_management",
];
const FINANCIAL: &[&str] = &[
    "disable_stripe_user_authentication",
    "external_account_collection",
    "send_money",
    "transfer_balance",
];
const FIN_TRANSACTIONS: &[&str] = &["card_spend_dispute_management"];
const PMS: &[&str] = &["disable_stripe_user_authentication"];
const NONE: &[&str] = &[];

/// Every component (Connect.js's generally available components plus the preview `payment_method_settings`) and its features.
pub const COMPONENTS: &[(&str, &[&str])] = &[
    ("account_management", ACCOUNT),
    ("account_onboarding", ACCOUNT),
    ("balance_report", NONE),
    ("balances", PAYOUTS),
    ("disputes_list", PAYMENTS),
    ("documents", NONE),
    ("financial_account", FINANCIAL),
    ("financial_account_transactions", FIN_TRANSACTIONS),
    ("instant_payouts_promotion", PROMOTION),
    ("issuing_card", ISSUING_CARD),
    ("issuing_cards_list", ISSUING_LIST),
    ("notification_banner", ACCOUNT),
    ("payment_details", PAYMENTS),
    ("payment_disputes", DISPUTES),
    ("payment_method_settings", PMS),
    ("payments", PAYMENTS),
    ("payout_details", NONE),
    ("payout_reconciliation_report", NONE),
    ("payouts", PAYOUTS),
    ("payouts_list", NONE),
    ("tax_registrations", NONE),
    ("tax_settings", NONE),
];

macro_rules! bools {
    ($($name:literal),*) => { Ty::Obj(&[$(opt($name, Ty::Bool)),*]) };
}
macro_rules! component {
    ($features:expr) => {
        Ty::Obj(&[req("enabled", Ty::Bool), opt("features", $features)])
    };
}

const ACCOUNT_F: Ty = bools!(
    "external_account_collection",
    "disable_stripe_user_authentication"
);
const PAYMENTS_F: Ty = bools!(
    "capture_payments",
    "destination_on_behalf_of_charge_management",
    "dispute_management",
    "refund_management",
    "smart_disputes_management"
);
const DISPUTES_F: Ty = bools!(
    "destination_on_behalf_of_charge_management",
    "dispute_management",
    "refund_management",
    "smart_disputes_management"
);
const PAYOUTS_F: Ty = bools!(
    "edit_payout_schedule",
    "external_account_collection",
    "standard_payouts",
    "disable_stripe_user_authentication",
    "instant_payouts"
);
const PROMOTION_F: Ty = bools!(
    "disable_stripe_user_authentication",
    "external_account_collection",
    "instant_payouts"
);
const ISSUING_CARD_F: Ty = bools!(
    "card_management",
    "card_spend_dispute_management",
    "cardholder_management",
    "spend_control_management"
);
const ISSUING_LIST_F: Ty = bools!(
    "card_management",
    "card_spend_dispute_management",
    "cardholder_management",
    "disable_stripe_user_authentication",
    "spend_control_management"
);
const FINANCIAL_F: Ty = bools!(
    "disable_stripe_user_authentication",
    "external_account_collection",
    "send_money",
    "transfer_balance"
);
const FIN_TRANSACTIONS_F: Ty = bools!("card_spend_dispute_management");
const PMS_F: Ty = bools!("disable_stripe_user_authentication");
const NONE_F: Ty = Ty::Obj(&[]);

const COMPONENT_FIELDS: &[Field] = &[
    opt("account_management", component!(ACCOUNT_F)),
    opt("account_onboarding", component!(ACCOUNT_F)),
    opt("balance_report", component!(NONE_F)),
    opt("balances", component!(PAYOUTS_F)),
    opt("disputes_list", component!(PAYMENTS_F)),
    opt("documents", component!(NONE_F)),
    opt("financial_account", component!(FINANCIAL_F)),
    opt(
        "financial_account_transactions",
        component!(FIN_TRANSACTIONS_F),
    ),
    opt("instant_payouts_promotion", component!(PROMOTION_F)),
    opt("issuing_card", component!(ISSUING_CARD_F)),
    opt("issuing_cards_list", component!(ISSUING_LIST_F)),
    opt("notification_banner", component!(ACCOUNT_F)),
    opt("payment_details", component!(PAYMENTS_F)),
    opt("payment_disputes", component!(DISPUTES_F)),
    opt("payment_method_settings", component!(PMS_F)),
    opt("payments", component!(PAYMENTS_F)),
    opt("payout_details", component!(NONE_F)),
    opt("payout_reconciliation_report", component!(NONE_F)),
    opt("payouts", component!(PAYOUTS_F)),
    opt("payouts_list", component!(NONE_F)),
    opt("tax_registrations", component!(NONE_F)),
    opt("tax_settings", component!(NONE_F)),
];

const CREATE: Schema = Schema::new(&[
    req("account", Ty::Str),
    req("components", Ty::Obj(COMPONENT_FIELDS)),
]);

/// The default of a feature for an account, given the features requested with it.
fn default_feature(feature: &str, meta: &AccountMeta, requested: &Map<String, Value>) -> bool {
    let platform_collects = meta.controller.requirement_collection == "application";
    let stripe_liable = meta.controller.losses_payments == "stripe";
    match feature {
        "disable_stripe_user_authentication" => {
            let eac = requested
                .get("external_account_collection")
                .and_then(Value::as_bool)
                .unwrap_or(true);
            platform_collects && !eac
        }
        "edit_payout_schedule" | "standard_payouts" => stripe_liable,
        "destination_on_behalf_of_charge_management" => false,
        "smart_disputes_management" => requested
            .get("dispute_management")
            .and_then(Value::as_bool)
            .unwrap_or(true),
        _ => true,
    }
}

fn check_feature(
    component: &str,
    feature: &str,
    value: bool,
    meta: &AccountMeta,
) -> Result<(), ApiError> {
    let platform_collects = meta.controller.requirement_collection == "application";
    let param = format!("components[{component}][features][{feature}]");
    match (feature, value) {
        ("external_account_collection", false) if !platform_collects => {
            Err(ApiError::invalid_param(
                &param,
                "`external_account_collection` can only be `false` for accounts where your platform \
             collects requirements (`controller.requirement_collection=application`).",
            ))
        }
        ("disable_stripe_user_authentication", true) if !platform_collects => {
            Err(ApiError::invalid_param(
                &param,
                "`disable_stripe_user_authentication` can only be `true` for accounts where \
             `controller.requirement_collection` is `application`.",
            ))
        }
        _ => Ok(()),
    }
}

/// Resolves the `components` object of the response.
pub fn resolve_components(p: &Params, meta: &AccountMeta) -> Result<Value, ApiError> {
    let mut out = Map::new();
    for (name, features) in COMPONENTS {
        let given = p.obj(&format!("components.{name}"));
        let enabled = given
            .and_then(|g| g.get("enabled"))
            .and_then(Value::as_bool)
            .unwrap_or(false);
        let requested = given
            .and_then(|g| g.get("features"))
            .and_then(Value::as_object)
            .cloned()
            .unwrap_or_default();
        let mut resolved = Map::new();
        for feature in *features {
            let value = match requested.get(*feature).and_then(Value::as_bool) {
                Some(v) => {
                    check_feature(name, feature, v, meta)?;
                    v
                }
                None => default_feature(feature, meta, &requested),
            };
            resolved.insert((*feature).to_owned(), json!(value));
        }
        out.insert(
            (*name).to_owned(),
            json!({ "enabled": enabled, "features": resolved }),
        );
    }
    Ok(Value::Object(out))
}

async fn create(State(app): State<AppState>, caller: Caller, form: Form) -> ApiResult<Json<Value>> {
    let p = CREATE.validate(form)?;
    caller.require_platform()?;
    let account = p.str("account").unwrap_or_default().to_owned();
    let ttl = duration_ms(app.config.account_session_ttl) / 1000;
    app.write(|tx| {
        authorize_account(tx, &caller, &account).map_err(|e| e.param("account"))?;
        if account == caller.platform {
            return Err(ApiError::invalid_param(
                "account",
                "AccountSessions can only be created for your connected accounts, not for the platform itself.",
            ));
        }
        let meta = tx.accounts.get(&account).cloned().unwrap_or_default();
        let components = resolve_components(&p, &meta)?;
        let now = tx.now();
        let secret = ids::account_session_secret();
        tx.account_sessions.insert(
            secret.clone(),
            AccountSessionRecord {
                client_secret: secret.clone(),
                account: account.clone(),
                platform: caller.platform.clone(),
                components: components.clone(),
                created: now,
                expires_at: now + ttl,
                claimed: false,
            },
        );
        Ok(Json(json!({
            "object": "account_session",
            "account": account,
            "client_secret": secret,
            "components": components,
            "expires_at": now + ttl,
            "livemode": false,
        })))
    })
}
