//! The widget API's JSON, as the widgets read it (see the contract in the server's widget API).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// A component's switches in the claimed AccountSession.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ComponentScope {
    pub enabled: bool,
    #[serde(default)]
    pub features: BTreeMap<String, bool>,
}

/// What a claimed client secret allows.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Scope {
    pub account: String,
    #[serde(default)]
    pub components: BTreeMap<String, ComponentScope>,
}

impl Scope {
    pub fn enabled(&self, component: &str) -> bool {
        self.components.get(component).is_some_and(|c| c.enabled)
    }

    /// A feature of any of `components` (the first enabled one that has it decides).
    pub fn feature(&self, components: &[&str], feature: &str) -> bool {
        components
            .iter()
            .filter_map(|c| self.components.get(*c).filter(|c| c.enabled))
            .any(|c| c.features.get(feature).copied().unwrap_or(false))
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Claimed {
    pub token: String,
    pub expires_at: i64,
    pub account: String,
    #[serde(default)]
    pub components: BTreeMap<String, ComponentScope>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PaymentMethodSummary {
    #[serde(rename = "type")]
    pub kind: String,
    pub brand: Option<String>,
    pub last4: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Payment {
    pub id: String,
    pub payment_intent: Option<String>,
    pub amount: i64,
    #[serde(default)]
    pub amount_refunded: i64,
    #[serde(default)]
    pub amount_captured: i64,
    pub currency: String,
    pub status: String,
    pub created: i64,
    pub description: Option<String>,
    pub customer_email: Option<String>,
    #[serde(default)]
    pub payment_method: PaymentMethodSummary,
    pub application_fee_amount: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Page<T> {
    pub data: Vec<T>,
    pub has_more: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Refund {
    pub id: String,
    pub amount: i64,
    pub status: Option<String>,
    pub reason: Option<String>,
    pub created: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Dispute {
    pub id: String,
    pub amount: i64,
    pub status: String,
    pub reason: Option<String>,
    pub evidence_due_by: Option<i64>,
    #[serde(default)]
    pub evidence: BTreeMap<String, Option<String>>,
    #[serde(default)]
    pub evidence_submitted: bool,
}

impl Dispute {
    /// The merchant can still respond (submit evidence or accept).
    pub fn is_open(&self) -> bool {
        matches!(
            self.status.as_str(),
            "needs_response" | "warning_needs_response"
        )
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PaymentDetail {
    #[serde(flatten)]
    pub payment: Payment,
    #[serde(default)]
    pub refunds: Vec<Refund>,
    #[serde(default)]
    pub disputes: Vec<Dispute>,
    pub fee: Option<i64>,
    pub net: Option<i64>,
    #[serde(default)]
    pub capturable: bool,
    #[serde(default)]
    pub refundable_amount: i64,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RequirementError {
    pub requirement: String,
    pub code: Option<String>,
    pub reason: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Requirements {
    #[serde(default)]
    pub currently_due: Vec<String>,
    #[serde(default)]
    pub eventually_due: Vec<String>,
    #[serde(default)]
    pub past_due: Vec<String>,
    #[serde(default)]
    pub pending_verification: Vec<String>,
    pub disabled_reason: Option<String>,
    pub current_deadline: Option<i64>,
    #[serde(default)]
    pub errors: Vec<RequirementError>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Account {
    pub id: String,
    pub business_name: Option<String>,
    pub country: Option<String>,
    pub default_currency: Option<String>,
    pub details_submitted: bool,
    pub charges_enabled: bool,
    pub payouts_enabled: bool,
    pub requirement_collection: String,
    #[serde(default)]
    pub requirements: Requirements,
}

impl Account {
    /// Requirements the merchant must act on now.
    pub fn due_now(&self) -> Vec<String> {
        let mut due = self.requirements.past_due.clone();
        for item in &self.requirements.currently_due {
            if !due.contains(item) {
                due.push(item.clone());
            }
        }
        due
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Amount {
    pub amount: i64,
    pub currency: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Balance {
    #[serde(default)]
    pub available: Vec<Amount>,
    #[serde(default)]
    pub pending: Vec<Amount>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Payout {
    pub id: String,
    pub amount: i64,
    pub currency: String,
    pub status: String,
    pub arrival_date: Option<i64>,
    pub created: i64,
    pub method: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PayoutSchedule {
    pub interval: String,
    pub delay_days: Option<i64>,
    pub weekly_anchor: Option<String>,
    pub monthly_anchor: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MethodSetting {
    #[serde(rename = "type")]
    pub kind: String,
    pub value: String,
    pub preference: String,
    pub overridable: bool,
    pub available: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PaymentMethodSettings {
    pub configuration: Option<String>,
    pub methods: Vec<MethodSetting>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn features_come_from_enabled_components_only() {
        let mut scope = Scope::default();
        scope.components.insert(
            "payments".into(),
            ComponentScope {
                enabled: true,
                features: [("refund_management".to_string(), true)].into(),
            },
        );
        scope.components.insert(
            "payment_details".into(),
            ComponentScope {
                enabled: false,
                features: [("capture_payments".to_string(), true)].into(),
            },
        );
        assert!(scope.feature(&["payments", "payment_details"], "refund_management"));
        assert!(!scope.feature(&["payments", "payment_details"], "capture_payments"));
        assert!(scope.enabled("payments"));
        assert!(!scope.enabled("payouts"));
    }

    #[test]
    fn a_payment_detail_reads_the_contracts_json() {
        let json = r#"{"id":"ch_1","payment_intent":"pi_1","amount":1250,"amount_refunded":0,"amount_captured":1250,
            "currency":"eur","status":"successful","created":1700000000,"description":null,"customer_email":"a@b.c",
            "payment_method":{"type":"card","brand":"visa","last4":"4242"},"application_fee_amount":35,
            "refunds":[],"disputes":[{"id":"dp_1","amount":1250,"status":"needs_response","reason":"fraudulent",
            "evidence_due_by":1700100000,"evidence":{"uncategorized_text":null},"evidence_submitted":false}],
            "fee":51,"net":1164,"capturable":false,"refundable_amount":1250}"#;
        let detail: PaymentDetail = serde_json::from_str(json).unwrap();
        assert_eq!(detail.payment.payment_method.last4.as_deref(), Some("4242"));
        assert!(detail.disputes[0].is_open());
    }
}
