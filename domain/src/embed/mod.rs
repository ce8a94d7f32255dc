//! Embedding Comptoir's widgets in a host page: the platform's API keys, AccountSessions
//! (created through Stripe and recorded by the hash of their client secret), the exchange of a
//! client secret for a short-lived widget token, and everything the widget API does for a token:
//! scope checks, reads from the commerce mirror, and mutations sent to Stripe with
//! `Stripe-Account` whose answers are written into the mirror at once.
//!
//! The wire contract is the widgets' types in `app/src/widgets/model.rs`; the shapes of this
//! module's answers follow them (`server/tests/it/widget_api.rs` reads every answer as one).
//! Secrets (API keys, client secrets, widget tokens) are never stored, logged or echoed: only
//! their SHA-256 is kept.

pub mod account;
pub mod api_keys;
pub mod components;
pub mod form;
pub mod payment_methods;
pub mod payments;
pub mod payouts;
pub mod sessions;
mod stripe_json;
pub mod tokens;

pub use components::{ComponentGrant, Components, ComponentsRequest};
pub use sessions::{SessionCreator, create_account_session};
pub use tokens::{Claimed, WIDGET_TOKEN_TTL_SECS, WidgetScope};

use rand::{Rng, distributions::Alphanumeric};
use sha2::{Digest, Sha256};

use crate::{
    auth::throttle::{ThrottleError, TooManyAttempts},
    db::DbError,
    mirror::MirrorError,
    stripe::StripeError,
};

/// Components that may read the account (`GET /widget/v1/account`).
pub const ACCOUNT_COMPONENTS: &[&str] = &[
    "account_onboarding",
    "notification_banner",
    "payouts",
    "balances",
    "payments",
];
/// Components that may send the merchant into hosted onboarding.
pub const ONBOARDING_LINK_COMPONENTS: &[&str] = &["account_onboarding", "notification_banner"];
/// Components that may submit requirements.
pub const REQUIREMENTS_COMPONENTS: &[&str] = &["account_onboarding"];
/// Components of the payments endpoints.
pub const PAYMENT_COMPONENTS: &[&str] = &["payments", "payment_details"];
/// Components of the balance, payout creation and payout schedule endpoints.
pub const BALANCE_COMPONENTS: &[&str] = &["balances", "payouts"];
/// Components that may list payouts.
pub const PAYOUT_LIST_COMPONENTS: &[&str] = &["balances", "payouts", "payouts_list"];
/// Components of the payment method settings endpoints.
pub const PAYMENT_METHOD_COMPONENTS: &[&str] = &["payment_method_settings"];

/// What an embed operation can fail with. Each variant knows the status, Connect.js error type
/// and code it is answered with (see [`EmbedError::status`]); internal failures keep their cause
/// for the log and show a generic sentence.
#[derive(Debug, thiserror::Error)]
pub enum EmbedError {
    /// 401: a missing, unknown, expired or revoked credential. `code` says which
    /// (`secret_expired`, `token_expired`, …).
    #[error("{message}")]
    Unauthenticated { code: &'static str, message: String },
    /// 401 for a platform API key, worded and typed as Stripe words a bad secret key.
    #[error("{message}")]
    ApiKey {
        code: Option<&'static str>,
        message: String,
    },
    /// 429: too many unknown client secrets from this address; refused before any check.
    #[error(transparent)]
    TooManyAttempts(TooManyAttempts),
    /// 429 for the REST API: too many bad API keys from this address, typed as Stripe types
    /// its rate limit (`invalid_request_error`, `rate_limit`).
    #[error(transparent)]
    ApiKeyThrottled(TooManyAttempts),
    /// 403: the session has none of the components the endpoint serves.
    #[error("This session does not enable any of the components this call needs ({}).", .0.join(", "))]
    ComponentDisabled(&'static [&'static str]),
    /// 403: the component is enabled but the feature a mutation needs is not.
    #[error("The `{0}` feature is not enabled for this session.")]
    FeatureDisabled(&'static str),
    /// 403: the platform blocked this payment method for its accounts.
    #[error("The platform does not let accounts change `{0}`.")]
    BlockedByPlatform(String),
    /// 404: nothing of that kind with that id on the session's account.
    #[error("No such {what}: '{id}'")]
    NotFound { what: &'static str, id: String },
    /// 400: the request cannot be used as it is.
    #[error("{message}")]
    Invalid {
        code: &'static str,
        message: String,
        param: Option<String>,
    },
    /// 409: the request is valid but the account's state does not allow it.
    #[error("{message}")]
    Conflict { code: &'static str, message: String },
    /// Stripe refused or failed the call; 4xx answers are passed on, the rest is a 502/503.
    /// Boxed, as the mirror's error: both are large and errors travel on every `?`.
    #[error(transparent)]
    Stripe(Box<StripeError>),
    #[error(transparent)]
    Db(#[from] DbError),
    #[error(transparent)]
    Mirror(Box<MirrorError>),
}

impl From<ThrottleError> for EmbedError {
    fn from(e: ThrottleError) -> Self {
        match e {
            ThrottleError::TooManyAttempts(t) => Self::TooManyAttempts(t),
            ThrottleError::Db(e) => Self::Db(e),
        }
    }
}

impl From<StripeError> for EmbedError {
    fn from(e: StripeError) -> Self {
        Self::Stripe(Box::new(e))
    }
}

impl From<MirrorError> for EmbedError {
    fn from(e: MirrorError) -> Self {
        Self::Mirror(Box::new(e))
    }
}

impl From<sqlx::Error> for EmbedError {
    fn from(e: sqlx::Error) -> Self {
        Self::Db(e.into())
    }
}

/// The parts of an error answer, as the widget API and the REST API send them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ErrorBody {
    pub status: u16,
    /// Connect.js's `EmbeddedErrorType` (or Stripe's error type on the REST API).
    pub kind: &'static str,
    pub code: Option<String>,
    pub message: String,
    pub param: Option<String>,
}

impl EmbedError {
    /// A 400 with a code and message.
    pub fn invalid(code: &'static str, message: impl Into<String>) -> Self {
        Self::Invalid {
            code,
            message: message.into(),
            param: None,
        }
    }

    /// A 400 about one parameter.
    pub fn invalid_param(
        code: &'static str,
        param: impl Into<String>,
        message: impl Into<String>,
    ) -> Self {
        Self::Invalid {
            code,
            message: message.into(),
            param: Some(param.into()),
        }
    }

    /// A throttle refusal on the REST API, in Stripe's words.
    pub fn api_key_throttled(e: ThrottleError) -> Self {
        match e {
            ThrottleError::TooManyAttempts(t) => Self::ApiKeyThrottled(t),
            ThrottleError::Db(e) => Self::Db(e),
        }
    }

    /// Seconds to wait before trying again (`Retry-After`), for a throttle refusal.
    pub fn retry_after_secs(&self) -> Option<i64> {
        match self {
            Self::TooManyAttempts(t) | Self::ApiKeyThrottled(t) => Some(t.retry_after_secs),
            _ => None,
        }
    }

    pub fn not_found(what: &'static str, id: impl Into<String>) -> Self {
        Self::NotFound {
            what,
            id: id.into(),
        }
    }

    /// True for failures on Comptoir's side (database, an unreadable mirror): log them once.
    pub fn is_internal(&self) -> bool {
        match self {
            Self::Db(_) => true,
            Self::Mirror(e) => matches!(**e, MirrorError::Db(_) | MirrorError::Busy),
            _ => false,
        }
    }

    /// What the client is answered. Internal failures and Stripe's outages get a generic
    /// sentence; Stripe's own 4xx messages are passed on (they never carry secrets), except
    /// 401/403, which concern the platform's credentials and not the caller.
    pub fn body(&self) -> ErrorBody {
        let plain = |status, kind, code: Option<&str>| ErrorBody {
            status,
            kind,
            code: code.map(str::to_string),
            message: self.to_string(),
            param: None,
        };
        match self {
            Self::Unauthenticated { code, .. } => plain(401, "authentication_error", Some(code)),
            Self::ApiKey { code, .. } => plain(401, "invalid_request_error", *code),
            Self::TooManyAttempts(_) => plain(429, "rate_limit_error", Some("too_many_attempts")),
            Self::ApiKeyThrottled(_) => plain(429, "invalid_request_error", Some("rate_limit")),
            Self::ComponentDisabled(_) => {
                plain(403, "permission_error", Some("component_disabled"))
            }
            Self::FeatureDisabled(_) => plain(403, "permission_error", Some("feature_disabled")),
            Self::BlockedByPlatform(_) => {
                plain(403, "permission_error", Some("blocked_by_platform"))
            }
            Self::NotFound { .. } => plain(404, "invalid_request_error", Some("resource_missing")),
            Self::Invalid { code, param, .. } => ErrorBody {
                param: param.clone(),
                ..plain(400, "invalid_request_error", Some(code))
            },
            Self::Conflict { code, .. } => plain(409, "invalid_request_error", Some(code)),
            Self::Stripe(e) => stripe_body(e),
            Self::Mirror(e) => match &**e {
                MirrorError::Stripe(e) => stripe_body(e),
                MirrorError::Invalid(message) => ErrorBody {
                    status: 400,
                    kind: "invalid_request_error",
                    code: None,
                    message: message.clone(),
                    param: None,
                },
                _ => internal_body(),
            },
            Self::Db(_) => internal_body(),
        }
    }
}

fn internal_body() -> ErrorBody {
    ErrorBody {
        status: 500,
        kind: "api_error",
        code: None,
        message: "Something went wrong on our side. Please try again.".into(),
        param: None,
    }
}

fn stripe_body(error: &StripeError) -> ErrorBody {
    match error {
        StripeError::GaveUp { last, .. } => stripe_body(last),
        StripeError::Api {
            status: 429,
            message,
            ..
        } => ErrorBody {
            status: 429,
            kind: "rate_limit_error",
            code: Some("rate_limit".into()),
            message: message.clone(),
            param: None,
        },
        StripeError::Api {
            status: status @ (400 | 402 | 404 | 409 | 422),
            code,
            message,
            param,
            ..
        } => ErrorBody {
            status: if *status == 402 { 400 } else { *status },
            kind: "invalid_request_error",
            code: code.clone(),
            message: message.clone(),
            param: param.clone(),
        },
        StripeError::NotConfigured => ErrorBody {
            status: 503,
            kind: "api_error",
            code: None,
            message: "Payments are not configured on this platform yet.".into(),
            param: None,
        },
        _ => ErrorBody {
            status: 502,
            kind: "api_error",
            code: None,
            message: "Stripe could not complete the request. Please try again.".into(),
            param: None,
        },
    }
}

/// SHA-256 of a secret, hex: what is stored in its place.
pub fn hash_secret(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.as_bytes()))
}

/// `prefix` followed by `len` random letters and digits from the OS generator.
pub(crate) fn random_secret(prefix: &str, len: usize) -> String {
    let tail: String = rand::rngs::OsRng
        .sample_iter(&Alphanumeric)
        .take(len)
        .map(char::from)
        .collect();
    format!("{prefix}{tail}")
}

/// Whether Stripe's API base is the sandbox's rather than Stripe's own.
pub fn on_sandbox(api_base: &str) -> bool {
    !api_base.starts_with("https://api.stripe.com")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_are_random_and_hashed_hex() {
        let a = random_secret("wtk_", 32);
        let b = random_secret("wtk_", 32);
        assert_ne!(a, b);
        assert!(a.starts_with("wtk_") && a.len() == 36);
        assert!(a[4..].chars().all(|c| c.is_ascii_alphanumeric()));
        let hash = hash_secret(&a);
        assert_eq!(hash.len(), 64);
        assert!(!hash.contains(&a[4..]));
    }

    #[test]
    fn errors_carry_the_contract_statuses_and_codes() {
        let body = EmbedError::FeatureDisabled("refund_management").body();
        assert_eq!(
            (body.status, body.kind, body.code.as_deref()),
            (403, "permission_error", Some("feature_disabled"))
        );
        assert!(body.message.contains("refund_management"));
        let body = EmbedError::ComponentDisabled(PAYMENT_COMPONENTS).body();
        assert_eq!(body.code.as_deref(), Some("component_disabled"));
        assert_eq!(EmbedError::not_found("payment", "ch_1").body().status, 404);
        let stripe = |status| {
            EmbedError::from(StripeError::Api {
                status,
                kind: "invalid_request_error".into(),
                code: Some("account_invalid".into()),
                decline_code: None,
                message: "The provided key 'sk_test_****abcd' does not have access".into(),
                param: None,
                request_id: None,
            })
            .body()
        };
        let refused = stripe(403);
        assert_eq!((refused.status, refused.kind), (502, "api_error"));
        assert!(!refused.message.contains("sk_test"), "no key fragments");
        assert_eq!(stripe(400).status, 400);
        assert_eq!(stripe(429).kind, "rate_limit_error");
        assert_eq!(
            EmbedError::from(StripeError::NotConfigured).body().status,
            503
        );
    }
}
