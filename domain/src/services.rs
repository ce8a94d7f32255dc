//! Everything a request handler or worker needs from the domain, cloned cheaply into each.

use std::sync::{Arc, RwLock};

use crate::{
    clock::Clock,
    crypto::SecretCipher,
    db::Db,
    settings::{self, PlatformSettings, SettingsError, StoreError},
    stripe::{RetryPolicy, StripeApi, StripeError},
};

#[derive(Clone)]
pub struct Services {
    pub db: Db,
    pub clock: Clock,
    pub cipher: SecretCipher,
    /// Where people reach Comptoir, without a trailing slash: the base of every URL handed to
    /// Stripe (return, refresh, success, cancel, OAuth redirect).
    pub public_url: Arc<str>,
    pub retry: RetryPolicy,
    platform: Arc<RwLock<Platform>>,
}

/// The settings in use and the Stripe connection made from them, swapped together.
struct Platform {
    settings: Arc<PlatformSettings>,
    stripe: Option<StripeApi>,
}

impl std::fmt::Debug for Services {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Services")
            .field("db", &self.db)
            .field("public_url", &self.public_url)
            .finish()
    }
}

#[derive(Debug, thiserror::Error)]
pub enum UpdateSettingsError {
    #[error(transparent)]
    Invalid(#[from] SettingsError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl Services {
    /// Loads the stored settings and connects to Stripe with them.
    pub async fn load(
        db: Db,
        clock: Clock,
        cipher: SecretCipher,
        public_url: &str,
        retry: RetryPolicy,
    ) -> Result<Self, StoreError> {
        let settings = settings::load(&db, &cipher).await?;
        let stripe = settings.stripe_api(retry);
        Ok(Self {
            db,
            clock,
            cipher,
            public_url: public_url.trim_end_matches('/').into(),
            retry,
            platform: Arc::new(RwLock::new(Platform {
                settings: Arc::new(settings),
                stripe,
            })),
        })
    }

    /// The settings in use now.
    pub fn settings(&self) -> Arc<PlatformSettings> {
        self.platform
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .settings
            .clone()
    }

    /// The Stripe connection, or [`StripeError::NotConfigured`] before a secret key is set.
    pub fn stripe(&self) -> Result<StripeApi, StripeError> {
        self.platform
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .stripe
            .clone()
            .ok_or(StripeError::NotConfigured)
    }

    /// Validates, stores and starts using `settings`.
    pub async fn update_settings(
        &self,
        settings: PlatformSettings,
    ) -> Result<(), UpdateSettingsError> {
        settings.validate()?;
        let now = self.clock.now();
        settings::save(&self.db, &self.cipher, &settings, now).await?;
        self.install(PlatformSettings {
            updated_at: now,
            ..settings
        });
        Ok(())
    }

    /// Re-reads the settings when another process changed them.
    pub async fn reload_settings(&self) -> Result<(), StoreError> {
        let stored = settings::load(&self.db, &self.cipher).await?;
        if stored.updated_at != self.settings().updated_at {
            self.install(stored);
        }
        Ok(())
    }

    fn install(&self, settings: PlatformSettings) {
        let stripe = settings.stripe_api(self.retry);
        *self.platform.write().unwrap_or_else(|e| e.into_inner()) = Platform {
            settings: Arc::new(settings),
            stripe,
        };
    }

    /// An absolute URL on this site for `path` (which starts with `/`).
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.public_url)
    }
}
