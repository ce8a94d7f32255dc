//! The embedded components and their features: what a caller may ask for (validated against the
//! catalogue Stripe and async-stripe know, before any call), the typed request sent to Stripe,
//! and what a session was granted, as Stripe resolved it.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;
use stripe_connect::account_session::{
    AccountConfigParam, AccountFeaturesParam, BaseConfigParam,
    CreateAccountSessionComponents as StripeComponents, CreateAccountSessionComponentsDisputesList,
    CreateAccountSessionComponentsDisputesListFeatures,
    CreateAccountSessionComponentsFinancialAccount,
    CreateAccountSessionComponentsFinancialAccountFeatures,
    CreateAccountSessionComponentsFinancialAccountTransactions,
    CreateAccountSessionComponentsFinancialAccountTransactionsFeatures,
    CreateAccountSessionComponentsInstantPayoutsPromotion,
    CreateAccountSessionComponentsInstantPayoutsPromotionFeatures,
    CreateAccountSessionComponentsIssuingCard, CreateAccountSessionComponentsIssuingCardFeatures,
    CreateAccountSessionComponentsIssuingCardsList,
    CreateAccountSessionComponentsIssuingCardsListFeatures,
    CreateAccountSessionComponentsPaymentDetails,
    CreateAccountSessionComponentsPaymentDetailsFeatures,
    CreateAccountSessionComponentsPaymentDisputes,
    CreateAccountSessionComponentsPaymentDisputesFeatures,
    CreateAccountSessionComponentsPaymentMethodSettings,
    CreateAccountSessionComponentsPaymentMethodSettingsFeatures,
    CreateAccountSessionComponentsPayments, CreateAccountSessionComponentsPaymentsFeatures,
    PayoutsConfigParam, PayoutsFeaturesParam,
};

use super::EmbedError;

const ACCOUNT: &[&str] = &[
    "disable_stripe_user_authentication",
    "external_account_collection",
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
    "disable_stripe_user_authentication",
    "edit_payout_schedule",
    "external_account_collection",
    "instant_payouts",
    "standard_payouts",
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
const FINANCIAL_TRANSACTIONS: &[&str] = &["card_spend_dispute_management"];
const PAYMENT_METHOD_SETTINGS: &[&str] = &["disable_stripe_user_authentication"];
const NONE: &[&str] = &[];

/// Every component an AccountSession can enable, with its features: exactly what async-stripe's
/// `CreateAccountSessionComponents` can express (Stripe's API of its pinned version).
pub const CATALOGUE: &[(&str, &[&str])] = &[
    ("account_management", ACCOUNT),
    ("account_onboarding", ACCOUNT),
    ("balance_report", NONE),
    ("balances", PAYOUTS),
    ("disputes_list", PAYMENTS),
    ("documents", NONE),
    ("financial_account", FINANCIAL),
    ("financial_account_transactions", FINANCIAL_TRANSACTIONS),
    ("instant_payouts_promotion", PROMOTION),
    ("issuing_card", ISSUING_CARD),
    ("issuing_cards_list", ISSUING_LIST),
    ("notification_banner", ACCOUNT),
    ("payment_details", PAYMENTS),
    ("payment_disputes", DISPUTES),
    ("payment_method_settings", PAYMENT_METHOD_SETTINGS),
    ("payments", PAYMENTS),
    ("payout_details", NONE),
    ("payout_reconciliation_report", NONE),
    ("payouts", PAYOUTS),
    ("payouts_list", NONE),
    ("tax_registrations", NONE),
    ("tax_settings", NONE),
];

fn features_of(component: &str) -> Option<&'static [&'static str]> {
    CATALOGUE
        .iter()
        .find(|(name, _)| *name == component)
        .map(|(_, features)| *features)
}

/// One component as a caller asks for it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
struct Requested {
    enabled: bool,
    features: BTreeMap<&'static str, bool>,
}

/// The components a caller asks for, checked against [`CATALOGUE`].
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ComponentsRequest(BTreeMap<&'static str, Requested>);

/// A boolean as JSON or a form sends it.
fn boolean(value: &Value) -> Option<bool> {
    match value {
        Value::Bool(b) => Some(*b),
        Value::String(s) if s == "true" => Some(true),
        Value::String(s) if s == "false" => Some(false),
        _ => None,
    }
}

impl ComponentsRequest {
    /// Reads Stripe's `components` parameter (`{"payments": {"enabled": true, "features":
    /// {"refund_management": false}}}`, booleans as JSON booleans or as form strings). Unknown
    /// components or features, a missing `enabled` and non-booleans are refused with Stripe's
    /// wording and the parameter's name.
    pub fn from_params(value: Option<&Value>) -> Result<Self, EmbedError> {
        let Some(value) = value else {
            return Err(EmbedError::invalid_param(
                "parameter_missing",
                "components",
                "Missing required param: components.",
            ));
        };
        let Some(map) = value.as_object() else {
            return Err(EmbedError::invalid_param(
                "parameter_invalid",
                "components",
                "Invalid object: components must be a hash of components.",
            ));
        };
        let mut out = BTreeMap::new();
        for (name, given) in map {
            let param = format!("components[{name}]");
            let (name, known) = CATALOGUE
                .iter()
                .find(|(n, _)| n == name)
                .copied()
                .ok_or_else(|| unknown(&param))?;
            let given = given.as_object().ok_or_else(|| {
                EmbedError::invalid_param(
                    "parameter_invalid",
                    &param,
                    format!("Invalid object: {param} must be a hash."),
                )
            })?;
            let mut requested = Requested::default();
            for (key, v) in given {
                match key.as_str() {
                    "enabled" => {
                        requested.enabled = boolean(v).ok_or_else(|| not_boolean(&param, key))?
                    }
                    "features" => {
                        let features = match v {
                            Value::Object(f) => f.clone(),
                            // Stripe's empty-hash spelling for components without features.
                            Value::String(s) if s.is_empty() => Default::default(),
                            _ => {
                                return Err(EmbedError::invalid_param(
                                    "parameter_invalid",
                                    format!("{param}[features]"),
                                    format!("Invalid object: {param}[features] must be a hash."),
                                ));
                            }
                        };
                        for (feature, flag) in &features {
                            let fparam = format!("{param}[features][{feature}]");
                            let feature = known
                                .iter()
                                .find(|f| *f == feature)
                                .ok_or_else(|| unknown(&fparam))?;
                            let flag = boolean(flag).ok_or_else(|| {
                                not_boolean(&format!("{param}[features]"), feature)
                            })?;
                            requested.features.insert(feature, flag);
                        }
                    }
                    _ => return Err(unknown(&format!("{param}[{key}]"))),
                }
            }
            if !given.contains_key("enabled") {
                return Err(EmbedError::invalid_param(
                    "parameter_missing",
                    format!("{param}[enabled]"),
                    format!("Missing required param: {param}[enabled]."),
                ));
            }
            out.insert(name, requested);
        }
        Ok(Self(out))
    }

    /// A request built in code: `(component, enabled features and their values)`.
    pub fn from_list<'a>(
        items: impl IntoIterator<Item = (&'a str, Vec<(&'a str, bool)>)>,
    ) -> Result<Self, EmbedError> {
        let mut map = serde_json::Map::new();
        for (name, features) in items {
            let features: serde_json::Map<String, Value> = features
                .into_iter()
                .map(|(f, v)| (f.to_string(), Value::Bool(v)))
                .collect();
            map.insert(
                name.to_string(),
                serde_json::json!({ "enabled": true, "features": features }),
            );
        }
        Self::from_params(Some(&Value::Object(map)))
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// async-stripe's typed `components` parameter for this request.
    pub fn to_stripe(&self) -> StripeComponents {
        let get = |name: &str| self.0.get(name);
        let f = |r: &Requested, feature: &str| r.features.get(feature).copied();
        let any = |r: &Requested| !r.features.is_empty();
        let account = |r: &Requested| AccountConfigParam {
            enabled: r.enabled,
            features: any(r).then(|| AccountFeaturesParam {
                disable_stripe_user_authentication: f(r, "disable_stripe_user_authentication"),
                external_account_collection: f(r, "external_account_collection"),
            }),
        };
        let base = |r: &Requested| BaseConfigParam::new(r.enabled);
        let payouts = |r: &Requested| PayoutsConfigParam {
            enabled: r.enabled,
            features: any(r).then(|| PayoutsFeaturesParam {
                disable_stripe_user_authentication: f(r, "disable_stripe_user_authentication"),
                edit_payout_schedule: f(r, "edit_payout_schedule"),
                external_account_collection: f(r, "external_account_collection"),
                instant_payouts: f(r, "instant_payouts"),
                standard_payouts: f(r, "standard_payouts"),
            }),
        };
        let mut c = StripeComponents::new();
        c.account_management = get("account_management").map(account);
        c.account_onboarding = get("account_onboarding").map(account);
        c.notification_banner = get("notification_banner").map(account);
        c.balance_report = get("balance_report").map(base);
        c.documents = get("documents").map(base);
        c.payout_details = get("payout_details").map(base);
        c.payout_reconciliation_report = get("payout_reconciliation_report").map(base);
        c.payouts_list = get("payouts_list").map(base);
        c.tax_registrations = get("tax_registrations").map(base);
        c.tax_settings = get("tax_settings").map(base);
        c.balances = get("balances").map(payouts);
        c.payouts = get("payouts").map(payouts);
        c.disputes_list =
            get("disputes_list").map(|r| CreateAccountSessionComponentsDisputesList {
                enabled: r.enabled,
                features: any(r).then(|| CreateAccountSessionComponentsDisputesListFeatures {
                    capture_payments: f(r, "capture_payments"),
                    destination_on_behalf_of_charge_management: f(
                        r,
                        "destination_on_behalf_of_charge_management",
                    ),
                    dispute_management: f(r, "dispute_management"),
                    refund_management: f(r, "refund_management"),
                    smart_disputes_management: f(r, "smart_disputes_management"),
                }),
            });
        c.financial_account =
            get("financial_account").map(|r| CreateAccountSessionComponentsFinancialAccount {
                enabled: r.enabled,
                features: any(r).then(|| CreateAccountSessionComponentsFinancialAccountFeatures {
                    disable_stripe_user_authentication: f(r, "disable_stripe_user_authentication"),
                    external_account_collection: f(r, "external_account_collection"),
                    send_money: f(r, "send_money"),
                    transfer_balance: f(r, "transfer_balance"),
                }),
            });
        c.financial_account_transactions = get("financial_account_transactions").map(|r| {
            CreateAccountSessionComponentsFinancialAccountTransactions {
                enabled: r.enabled,
                features: any(r).then(|| {
                    CreateAccountSessionComponentsFinancialAccountTransactionsFeatures {
                        card_spend_dispute_management: f(r, "card_spend_dispute_management"),
                    }
                }),
            }
        });
        c.instant_payouts_promotion = get("instant_payouts_promotion").map(|r| {
            CreateAccountSessionComponentsInstantPayoutsPromotion {
                enabled: r.enabled,
                features: any(r).then(|| {
                    CreateAccountSessionComponentsInstantPayoutsPromotionFeatures {
                        disable_stripe_user_authentication: f(
                            r,
                            "disable_stripe_user_authentication",
                        ),
                        external_account_collection: f(r, "external_account_collection"),
                        instant_payouts: f(r, "instant_payouts"),
                    }
                }),
            }
        });
        c.issuing_card = get("issuing_card").map(|r| CreateAccountSessionComponentsIssuingCard {
            enabled: r.enabled,
            features: any(r).then(|| CreateAccountSessionComponentsIssuingCardFeatures {
                card_management: f(r, "card_management"),
                card_spend_dispute_management: f(r, "card_spend_dispute_management"),
                cardholder_management: f(r, "cardholder_management"),
                spend_control_management: f(r, "spend_control_management"),
            }),
        });
        c.issuing_cards_list =
            get("issuing_cards_list").map(|r| CreateAccountSessionComponentsIssuingCardsList {
                enabled: r.enabled,
                features: any(r).then(|| CreateAccountSessionComponentsIssuingCardsListFeatures {
                    card_management: f(r, "card_management"),
                    card_spend_dispute_management: f(r, "card_spend_dispute_management"),
                    cardholder_management: f(r, "cardholder_management"),
                    disable_stripe_user_authentication: f(r, "disable_stripe_user_authentication"),
                    spend_control_management: f(r, "spend_control_management"),
                }),
            });
        c.payment_details =
            get("payment_details").map(|r| CreateAccountSessionComponentsPaymentDetails {
                enabled: r.enabled,
                features: any(r).then(|| CreateAccountSessionComponentsPaymentDetailsFeatures {
                    capture_payments: f(r, "capture_payments"),
                    destination_on_behalf_of_charge_management: f(
                        r,
                        "destination_on_behalf_of_charge_management",
                    ),
                    dispute_management: f(r, "dispute_management"),
                    refund_management: f(r, "refund_management"),
                    smart_disputes_management: f(r, "smart_disputes_management"),
                }),
            });
        c.payment_disputes =
            get("payment_disputes").map(|r| CreateAccountSessionComponentsPaymentDisputes {
                enabled: r.enabled,
                features: any(r).then(|| CreateAccountSessionComponentsPaymentDisputesFeatures {
                    destination_on_behalf_of_charge_management: f(
                        r,
                        "destination_on_behalf_of_charge_management",
                    ),
                    dispute_management: f(r, "dispute_management"),
                    refund_management: f(r, "refund_management"),
                    smart_disputes_management: f(r, "smart_disputes_management"),
                }),
            });
        c.payment_method_settings = get("payment_method_settings").map(|r| {
            CreateAccountSessionComponentsPaymentMethodSettings {
                enabled: r.enabled,
                features: any(r).then(|| {
                    CreateAccountSessionComponentsPaymentMethodSettingsFeatures {
                        disable_stripe_user_authentication: f(
                            r,
                            "disable_stripe_user_authentication",
                        ),
                    }
                }),
            }
        });
        c.payments = get("payments").map(|r| CreateAccountSessionComponentsPayments {
            enabled: r.enabled,
            features: any(r).then(|| CreateAccountSessionComponentsPaymentsFeatures {
                capture_payments: f(r, "capture_payments"),
                destination_on_behalf_of_charge_management: f(
                    r,
                    "destination_on_behalf_of_charge_management",
                ),
                dispute_management: f(r, "dispute_management"),
                refund_management: f(r, "refund_management"),
                smart_disputes_management: f(r, "smart_disputes_management"),
            }),
        });
        c
    }
}

fn unknown(param: &str) -> EmbedError {
    EmbedError::invalid_param(
        "parameter_unknown",
        param,
        format!("Received unknown parameter: {param}"),
    )
}

fn not_boolean(param: &str, key: &str) -> EmbedError {
    EmbedError::invalid_param(
        "parameter_invalid_boolean",
        format!("{param}[{key}]"),
        format!("Invalid boolean for {param}[{key}]: use true or false."),
    )
}

/// One component of a session, as Stripe resolved it.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct ComponentGrant {
    pub enabled: bool,
    #[serde(default)]
    pub features: BTreeMap<String, bool>,
}

/// Every component of a session: Stripe's `components` object.
pub type Components = BTreeMap<String, ComponentGrant>;

/// Reads Stripe's `components` object; entries Comptoir cannot read count as disabled.
pub fn grants_from_stripe(value: &Value) -> Components {
    value
        .as_object()
        .map(|map| {
            map.iter()
                .filter_map(|(name, grant)| {
                    serde_json::from_value::<ComponentGrant>(grant.clone())
                        .ok()
                        .map(|g| (name.clone(), g))
                })
                .collect()
        })
        .unwrap_or_default()
}

/// Whether a component's feature exists in the catalogue (a typo in Comptoir's own code would
/// otherwise silently refuse everything).
pub fn is_known_feature(component: &str, feature: &str) -> bool {
    features_of(component).is_some_and(|f| f.contains(&feature))
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn code(result: Result<ComponentsRequest, EmbedError>) -> (String, Option<String>) {
        let body = result.unwrap_err().body();
        (body.code.unwrap_or_default(), body.param)
    }

    #[test]
    fn json_and_form_booleans_are_read() {
        let from_json = ComponentsRequest::from_params(Some(&json!({
            "payments": {"enabled": true, "features": {"refund_management": false}},
            "payouts": {"enabled": "true", "features": {"standard_payouts": "true"}},
            "documents": {"enabled": false, "features": ""},
        })))
        .unwrap();
        let stripe = from_json.to_stripe();
        let payments = stripe.payments.unwrap();
        assert!(payments.enabled);
        assert_eq!(payments.features.unwrap().refund_management, Some(false));
        assert_eq!(payments.features.unwrap().capture_payments, None);
        assert_eq!(
            stripe.payouts.unwrap().features.unwrap().standard_payouts,
            Some(true)
        );
        assert!(!stripe.documents.unwrap().enabled);
        assert!(stripe.balances.is_none());
    }

    #[test]
    fn unknown_components_and_features_are_refused_with_the_param() {
        assert_eq!(
            code(ComponentsRequest::from_params(Some(
                &json!({"paymnts": {"enabled": true}})
            ))),
            (
                "parameter_unknown".into(),
                Some("components[paymnts]".into())
            )
        );
        assert_eq!(
            code(ComponentsRequest::from_params(Some(&json!({
                "payments": {"enabled": true, "features": {"refunds": true}}
            })))),
            (
                "parameter_unknown".into(),
                Some("components[payments][features][refunds]".into())
            )
        );
        assert_eq!(
            code(ComponentsRequest::from_params(Some(&json!({
                "payouts_list": {"enabled": true, "features": {"standard_payouts": true}}
            })))),
            (
                "parameter_unknown".into(),
                Some("components[payouts_list][features][standard_payouts]".into())
            )
        );
        assert_eq!(
            code(ComponentsRequest::from_params(Some(
                &json!({"payments": {}})
            ))),
            (
                "parameter_missing".into(),
                Some("components[payments][enabled]".into())
            )
        );
        assert_eq!(
            code(ComponentsRequest::from_params(Some(
                &json!({"payments": {"enabled": "yes"}})
            ))),
            (
                "parameter_invalid_boolean".into(),
                Some("components[payments][enabled]".into())
            )
        );
        assert_eq!(
            code(ComponentsRequest::from_params(None)),
            ("parameter_missing".into(), Some("components".into()))
        );
    }

    #[test]
    fn the_catalogue_matches_what_the_typed_request_serializes() {
        let all: Vec<(&str, Vec<(&str, bool)>)> = CATALOGUE
            .iter()
            .map(|(name, features)| (*name, features.iter().map(|f| (*f, true)).collect()))
            .collect();
        let request = ComponentsRequest::from_list(all).unwrap();
        let encoded = serde_json::to_value(request.to_stripe()).unwrap();
        for (name, features) in CATALOGUE {
            assert_eq!(encoded[name]["enabled"], true, "{name}");
            for feature in *features {
                assert_eq!(encoded[name]["features"][feature], true, "{name}.{feature}");
            }
        }
        assert!(is_known_feature("payments", "refund_management"));
        assert!(!is_known_feature("payouts_list", "standard_payouts"));
    }

    #[test]
    fn grants_are_read_from_stripes_components() {
        let grants = grants_from_stripe(&json!({
            "payments": {"enabled": true, "features": {"refund_management": false}},
            "documents": {"enabled": false, "features": {}},
            "broken": 3,
        }));
        assert!(grants["payments"].enabled);
        assert!(!grants["payments"].features["refund_management"]);
        assert!(!grants.contains_key("broken"));
    }
}
