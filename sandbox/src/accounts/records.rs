//! Private records of the accounts family, kept in the store next to the rendered objects.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// The controller properties of an account.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct Controller {
    /// `account` or `application` as requested (`controller.fees.payer`).
    pub fees_payer: String,
    /// `stripe` or `application`.
    pub losses_payments: String,
    /// `stripe` or `application`.
    pub requirement_collection: String,
    /// `full`, `express` or `none`.
    pub dashboard: String,
}

impl Default for Controller {
    fn default() -> Self {
        Self {
            fees_payer: "account".into(),
            losses_payments: "stripe".into(),
            requirement_collection: "stripe".into(),
            dashboard: "full".into(),
        }
    }
}

/// Everything the sandbox knows about an account; the rendered `account` object is derived
/// from it by [`crate::accounts::model::render`].
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct AccountMeta {
    /// `acct_…`.
    pub id: String,
    /// The platform that created (controls) it; `None` for platforms and standalone accounts.
    pub platform: Option<String>,
    /// Display name of a standalone or platform account.
    pub display_name: Option<String>,
    /// `standard`, `express`, `custom` or `none`.
    pub account_type: String,
    /// Controller properties.
    pub controller: Controller,
    /// Creation time.
    pub created: i64,
    /// ISO country.
    pub country: String,
    /// `email`.
    pub email: Option<String>,
    /// `default_currency`.
    pub default_currency: String,
    /// `business_type`.
    pub business_type: Option<String>,
    /// Provided `business_profile` fields.
    pub business_profile: Map<String, Value>,
    /// Provided `individual` fields (including sensitive ones never rendered).
    pub individual: Map<String, Value>,
    /// Id of the person rendered as `individual`.
    pub individual_person_id: String,
    /// Provided `company` fields.
    pub company: Map<String, Value>,
    /// The company representative (collected by hosted onboarding).
    pub representative: Map<String, Value>,
    /// Requested capabilities and when they were requested.
    pub capabilities: BTreeMap<String, i64>,
    /// `tos_acceptance` fields.
    pub tos_acceptance: Map<String, Value>,
    /// External accounts (`bank_account` objects).
    pub external_accounts: Vec<Value>,
    /// Provided `settings` (merged over Stripe's defaults when rendered).
    pub settings: Map<String, Value>,
    /// `metadata`.
    pub metadata: Map<String, Value>,
    /// Hosted onboarding was submitted.
    pub onboarding_submitted: bool,
    /// A self-onboarded account (platforms, OAuth standalone accounts): nothing is due.
    pub complete: bool,
    /// The account was deleted.
    pub deleted: bool,
}

/// An Account Link (single-use, expiring URL to hosted onboarding).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct AccountLinkRecord {
    /// URL token.
    pub token: String,
    /// `acct_…`.
    pub account: String,
    /// Platform that created it.
    pub platform: String,
    /// `account_onboarding` or `account_update`.
    pub link_type: String,
    /// Where to send the user when the link is expired or used.
    pub refresh_url: String,
    /// Where to send the user when they leave or finish.
    pub return_url: String,
    /// `currently_due` or `eventually_due`.
    pub fields: String,
    /// `omit` or `include`.
    pub future_requirements: String,
    /// `expires_at`.
    pub expires_at: i64,
    /// Already visited.
    pub used: bool,
}

/// A hosted onboarding session, started by visiting an Account Link.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct OnboardingSession {
    /// Session id in the page URLs.
    pub id: String,
    /// `acct_…`.
    pub account: String,
    /// From the link.
    pub return_url: String,
    /// From the link.
    pub refresh_url: String,
    /// `currently_due` or `eventually_due`.
    pub fields: String,
    /// Sandbox time after which the session is over.
    pub expires_at: i64,
    /// Submitted or left.
    pub finished: bool,
}

/// A server-side record of an AccountSession.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct AccountSessionRecord {
    /// `accs_secret__…`.
    pub client_secret: String,
    /// `acct_…` the components act on.
    pub account: String,
    /// Platform that created it.
    pub platform: String,
    /// The resolved `components` object as returned.
    pub components: Value,
    /// Creation time.
    pub created: i64,
    /// `expires_at`.
    pub expires_at: i64,
    /// Whether the secret was claimed (single use).
    pub claimed: bool,
}

/// An Express dashboard login link.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct LoginLinkRecord {
    /// URL token.
    pub token: String,
    /// `acct_…`.
    pub account: String,
    /// Creation time.
    pub created: i64,
    /// Visited already.
    pub used: bool,
}
