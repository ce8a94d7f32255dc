//! The platform's settings: Stripe keys and endpoints, webhook signing secrets, the Connect
//! client id, the application-fee policy, the origins allowed to embed widgets and the OAuth
//! scope. Secrets are encrypted at rest and masked when shown.

mod fees;
mod store;

pub use fees::{FeePolicy, FeeRule};
pub use store::{StoreError, load, save};

use serde::{Deserialize, Serialize};

use crate::{
    secret::Secret,
    stripe::{RetryPolicy, StripeApi, StripeEndpoints, oauth::OAuthScope},
};

pub const DEFAULT_STRIPE_JS_URL: &str = "https://js.stripe.com/dahlia/stripe.js";

/// Test or live, as the key prefixes say.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StripeMode {
    Test,
    Live,
}

/// How the platform reads connected accounts' commerce data (issue: mirror and sync).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SyncMode {
    /// Backfill once when an account connects.
    #[default]
    OneOff,
    /// Webhooks plus a periodic reconciliation.
    Continuous,
}

impl SyncMode {
    pub fn as_str(self) -> &'static str {
        match self {
            SyncMode::OneOff => "one_off",
            SyncMode::Continuous => "continuous",
        }
    }

    pub fn parse(value: &str) -> Option<Self> {
        match value {
            "one_off" => Some(Self::OneOff),
            "continuous" => Some(Self::Continuous),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct PlatformSettings {
    pub secret_key: Option<Secret>,
    pub publishable_key: Option<String>,
    pub webhook_secrets: Vec<Secret>,
    pub connect_client_id: Option<String>,
    pub fee_policy: FeePolicy,
    pub allowed_embed_origins: Vec<String>,
    pub oauth_scope: OAuthScope,
    pub sync_mode: SyncMode,
    pub endpoints: StripeEndpoints,
    pub stripe_js_url: String,
    pub updated_at: i64,
}

impl Default for PlatformSettings {
    fn default() -> Self {
        Self {
            secret_key: None,
            publishable_key: None,
            webhook_secrets: Vec::new(),
            connect_client_id: None,
            fee_policy: FeePolicy::default(),
            allowed_embed_origins: Vec::new(),
            oauth_scope: OAuthScope::ReadOnly,
            sync_mode: SyncMode::default(),
            endpoints: StripeEndpoints::default(),
            stripe_js_url: DEFAULT_STRIPE_JS_URL.into(),
            updated_at: 0,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SettingsError {
    #[error("The secret key must start with sk_test_, sk_live_, rk_test_ or rk_live_.")]
    SecretKeyFormat,
    #[error("The publishable key must start with pk_test_ or pk_live_.")]
    PublishableKeyFormat,
    #[error("Webhook signing secrets start with whsec_.")]
    WebhookSecretFormat,
    #[error("The Connect client id starts with ca_.")]
    ClientIdFormat,
    #[error(
        "The secret key is a {secret} key but the publishable key is a {publishable} key. Use keys of the same mode."
    )]
    MixedModes {
        secret: &'static str,
        publishable: &'static str,
    },
    #[error(
        "\"{0}\" is not an origin. Write it like https://app.example.com (scheme, host, optional port, no path)."
    )]
    Origin(String),
    #[error(transparent)]
    Fee(#[from] fees::FeeError),
}

impl PlatformSettings {
    /// Test or live, from the secret key; `None` until a key is set.
    pub fn mode(&self) -> Option<StripeMode> {
        self.secret_key.as_ref().and_then(|k| key_mode(k.expose()))
    }

    /// Refuses malformed keys and secrets, mixed test and live keys, and bad origins or fees.
    pub fn validate(&self) -> Result<(), SettingsError> {
        let secret_mode = match &self.secret_key {
            Some(key) => {
                let key = key.expose();
                if !(key.starts_with("sk_") || key.starts_with("rk_")) {
                    return Err(SettingsError::SecretKeyFormat);
                }
                Some(key_mode(key).ok_or(SettingsError::SecretKeyFormat)?)
            }
            None => None,
        };
        let publishable_mode = match &self.publishable_key {
            Some(key) if key.starts_with("pk_") => {
                Some(key_mode(key).ok_or(SettingsError::PublishableKeyFormat)?)
            }
            Some(_) => return Err(SettingsError::PublishableKeyFormat),
            None => None,
        };
        if let (Some(secret), Some(publishable)) = (secret_mode, publishable_mode)
            && secret != publishable
        {
            return Err(SettingsError::MixedModes {
                secret: mode_name(secret),
                publishable: mode_name(publishable),
            });
        }
        if self
            .webhook_secrets
            .iter()
            .any(|s| !s.expose().starts_with("whsec_"))
        {
            return Err(SettingsError::WebhookSecretFormat);
        }
        if self
            .connect_client_id
            .as_deref()
            .is_some_and(|id| !id.starts_with("ca_"))
        {
            return Err(SettingsError::ClientIdFormat);
        }
        for origin in &self.allowed_embed_origins {
            if normalize_origin(origin).as_deref() != Some(origin.as_str()) {
                return Err(SettingsError::Origin(origin.clone()));
            }
        }
        self.fee_policy.validate()?;
        Ok(())
    }

    /// A Stripe connection for these settings, when a secret key is set.
    pub fn stripe_api(&self, retry: RetryPolicy) -> Option<StripeApi> {
        self.secret_key
            .as_ref()
            .map(|key| StripeApi::new(key.clone(), self.endpoints.clone(), retry))
    }

    /// Whether `origin` (as a browser sends it) may embed the widgets.
    pub fn allows_origin(&self, origin: &str) -> bool {
        normalize_origin(origin).is_some_and(|o| self.allowed_embed_origins.contains(&o))
    }
}

fn key_mode(key: &str) -> Option<StripeMode> {
    let rest = key.split_once('_').map(|(_, rest)| rest)?;
    if rest.starts_with("test_") {
        Some(StripeMode::Test)
    } else if rest.starts_with("live_") {
        Some(StripeMode::Live)
    } else {
        None
    }
}

fn mode_name(mode: StripeMode) -> &'static str {
    match mode {
        StripeMode::Test => "test",
        StripeMode::Live => "live",
    }
}

/// `scheme://host[:port]`, lowercased, without a trailing slash; `None` if `raw` is not one.
pub fn normalize_origin(raw: &str) -> Option<String> {
    let parsed = url::Url::parse(raw.trim()).ok()?;
    if !matches!(parsed.scheme(), "http" | "https")
        || parsed.host_str().is_none()
        || !matches!(parsed.path(), "" | "/")
        || parsed.query().is_some()
        || parsed.fragment().is_some()
        || !parsed.username().is_empty()
    {
        return None;
    }
    Some(parsed.origin().ascii_serialization())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with_keys(secret: &str, publishable: &str) -> PlatformSettings {
        PlatformSettings {
            secret_key: Some(Secret::new(secret)),
            publishable_key: Some(publishable.into()),
            ..PlatformSettings::default()
        }
    }

    #[test]
    fn mode_comes_from_the_keys_and_mixed_modes_are_refused() {
        let settings = with_keys("sk_test_abc", "pk_test_abc");
        assert_eq!(settings.validate(), Ok(()));
        assert_eq!(settings.mode(), Some(StripeMode::Test));
        assert_eq!(
            with_keys("rk_live_abc", "pk_live_abc").mode(),
            Some(StripeMode::Live)
        );
        assert_eq!(
            with_keys("sk_test_abc", "pk_live_abc").validate(),
            Err(SettingsError::MixedModes {
                secret: "test",
                publishable: "live"
            })
        );
        assert_eq!(
            with_keys("pk_test_abc", "pk_test_abc").validate(),
            Err(SettingsError::SecretKeyFormat)
        );
        assert_eq!(
            with_keys("sk_test_abc", "sk_test_abc").validate(),
            Err(SettingsError::PublishableKeyFormat)
        );
        assert_eq!(
            with_keys("sk_abc", "pk_test_abc").validate(),
            Err(SettingsError::SecretKeyFormat)
        );
    }

    #[test]
    fn webhook_secrets_and_client_ids_need_their_prefix() {
        let mut settings = PlatformSettings {
            webhook_secrets: vec![Secret::new("whsec_a"), Secret::new("secret")],
            ..PlatformSettings::default()
        };
        assert_eq!(settings.validate(), Err(SettingsError::WebhookSecretFormat));
        settings.webhook_secrets.pop();
        settings.connect_client_id = Some("acct_123".into());
        assert_eq!(settings.validate(), Err(SettingsError::ClientIdFormat));
        settings.connect_client_id = Some("ca_123".into());
        assert_eq!(settings.validate(), Ok(()));
    }

    #[test]
    fn origins_are_scheme_host_port_only() {
        assert_eq!(
            normalize_origin("https://App.Example.com/").as_deref(),
            Some("https://app.example.com")
        );
        assert_eq!(
            normalize_origin("http://localhost:5173").as_deref(),
            Some("http://localhost:5173")
        );
        assert_eq!(
            normalize_origin("https://example.com:443").as_deref(),
            Some("https://example.com")
        );
        for bad in [
            "example.com",
            "https://example.com/app",
            "ftp://x.y",
            "https://u@x.y",
            "null",
        ] {
            assert_eq!(normalize_origin(bad), None, "{bad}");
        }
        let settings = PlatformSettings {
            allowed_embed_origins: vec!["https://app.example.com".into()],
            ..PlatformSettings::default()
        };
        assert!(settings.allows_origin("https://app.example.com"));
        assert!(!settings.allows_origin("https://evil.example.com"));
    }
}
