//! Merchants: the platform's customers, each a Stripe connected account. Signing up creates the
//! user and the merchant together; the connected account is then created with prefilled details
//! and onboarded through Account Links, or an existing Standard account is connected by OAuth.

mod onboarding;
mod repo;
mod signup;

pub use onboarding::{
    AccountStatusView, begin_oauth, complete_oauth, disconnect, ensure_connected_account,
    mark_deauthorized, onboarding_link, refresh_status, sync_status_from_account,
};
pub use repo::{find_by_account, find_by_id, find_by_slug, find_by_user, list_all};
pub use signup::{NewMerchant, OnboardingChoice, sign_up};

use serde::{Deserialize, Serialize};

use crate::{db::DbError, stripe::StripeError};

/// The countries Comptoir onboards merchants from (Stripe supports many more; these are the
/// ones whose requirements the product has been tried with).
pub const SUPPORTED_COUNTRIES: &[(&str, &str)] = &[
    ("FR", "France"),
    ("DE", "Germany"),
    ("BE", "Belgium"),
    ("ES", "Spain"),
    ("IT", "Italy"),
    ("NL", "Netherlands"),
    ("IE", "Ireland"),
    ("GB", "United Kingdom"),
    ("US", "United States"),
];

/// The currency a new merchant sells in by default.
pub fn default_currency(country: &str) -> &'static str {
    match country {
        "US" => "usd",
        "GB" => "gbp",
        _ => "eur",
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Connection {
    /// Created by Comptoir and onboarded through Account Links.
    AccountLink,
    /// An existing Standard account connected by OAuth.
    OAuth,
}

impl Connection {
    pub fn as_str(self) -> &'static str {
        match self {
            Connection::AccountLink => "account_link",
            Connection::OAuth => "oauth",
        }
    }

    fn parse(value: &str) -> Option<Self> {
        match value {
            "account_link" => Some(Self::AccountLink),
            "oauth" => Some(Self::OAuth),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Merchant {
    pub id: String,
    pub user_id: String,
    pub business_name: String,
    pub slug: String,
    pub email: String,
    pub website: Option<String>,
    pub country: String,
    pub stripe_account_id: Option<String>,
    pub connection: Option<Connection>,
    pub oauth_scope: Option<String>,
    pub details_submitted: bool,
    pub charges_enabled: bool,
    pub payouts_enabled: bool,
    pub requirements_due: Vec<String>,
    pub disabled_reason: Option<String>,
    pub connected_at: Option<i64>,
    pub disconnected_at: Option<i64>,
    pub status_checked_at: Option<i64>,
    pub created_at: i64,
}

impl Merchant {
    /// Connected to a Stripe account that has not been disconnected.
    pub fn is_connected(&self) -> bool {
        self.stripe_account_id.is_some() && self.disconnected_at.is_none()
    }

    /// May take payments now.
    pub fn can_charge(&self) -> bool {
        self.is_connected() && self.charges_enabled
    }

    pub fn currency(&self) -> &'static str {
        default_currency(&self.country)
    }
}

#[derive(Debug, thiserror::Error)]
pub enum MerchantError {
    #[error("{0}")]
    Invalid(String),
    #[error("This merchant has no Stripe account yet.")]
    NotConnected,
    #[error("This merchant is already connected to a Stripe account.")]
    AlreadyConnected,
    #[error("The Stripe connection could not be completed: {0}")]
    OAuth(String),
    #[error("This connection link has expired or was already used. Start again.")]
    BadState,
    #[error(transparent)]
    Auth(#[from] crate::auth::AuthError),
    #[error(transparent)]
    Stripe(#[from] StripeError),
    #[error(transparent)]
    Db(#[from] DbError),
}

impl From<sqlx::Error> for MerchantError {
    fn from(e: sqlx::Error) -> Self {
        Self::Db(e.into())
    }
}
