//! The `platform_settings` row: one per installation, secrets encrypted.

use sqlx::FromRow;

use super::{FeePolicy, PlatformSettings, SyncMode};
use crate::{
    crypto::{CryptoError, SecretCipher},
    db::{Db, DbError},
    stripe::{StripeEndpoints, oauth::OAuthScope},
};

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error(transparent)]
    Db(#[from] DbError),
    #[error(transparent)]
    Crypto(#[from] CryptoError),
    #[error("the stored settings are damaged: {0}")]
    Corrupt(String),
}

impl From<sqlx::Error> for StoreError {
    fn from(e: sqlx::Error) -> Self {
        Self::Db(e.into())
    }
}

#[derive(FromRow)]
struct Row {
    secret_key: Option<String>,
    publishable_key: Option<String>,
    webhook_secrets: String,
    connect_client_id: Option<String>,
    fee_policy: String,
    allowed_embed_origins: String,
    oauth_scope: String,
    sync_mode: String,
    api_base: String,
    connect_base: String,
    stripe_js_url: String,
    updated_at: i64,
}

/// The stored settings, or the defaults when none were saved yet.
pub async fn load(db: &Db, cipher: &SecretCipher) -> Result<PlatformSettings, StoreError> {
    let row: Option<Row> = sqlx::query_as(
        "SELECT secret_key, publishable_key, webhook_secrets, connect_client_id, fee_policy, \
         allowed_embed_origins, oauth_scope, sync_mode, api_base, connect_base, stripe_js_url, updated_at \
         FROM platform_settings WHERE id = 1",
    )
    .fetch_optional(db.pool())
    .await?;
    let Some(row) = row else {
        return Ok(PlatformSettings::default());
    };
    let corrupt = |what: &str, e: serde_json::Error| StoreError::Corrupt(format!("{what}: {e}"));
    let encrypted: Vec<String> =
        serde_json::from_str(&row.webhook_secrets).map_err(|e| corrupt("webhook secrets", e))?;
    Ok(PlatformSettings {
        secret_key: row.secret_key.map(|s| cipher.decrypt(&s)).transpose()?,
        publishable_key: row.publishable_key,
        webhook_secrets: encrypted
            .iter()
            .map(|s| cipher.decrypt(s))
            .collect::<Result<_, _>>()?,
        connect_client_id: row.connect_client_id,
        fee_policy: serde_json::from_str::<FeePolicy>(&row.fee_policy)
            .map_err(|e| corrupt("fee policy", e))?,
        allowed_embed_origins: serde_json::from_str(&row.allowed_embed_origins)
            .map_err(|e| corrupt("embed origins", e))?,
        oauth_scope: OAuthScope::parse(&row.oauth_scope).unwrap_or(OAuthScope::ReadOnly),
        sync_mode: SyncMode::parse(&row.sync_mode).unwrap_or_default(),
        endpoints: StripeEndpoints {
            api_base: row.api_base,
            connect_base: row.connect_base,
        },
        stripe_js_url: row.stripe_js_url,
        updated_at: row.updated_at,
    })
}

/// Stores `settings` (validated by the caller), encrypting every secret.
pub async fn save(
    db: &Db,
    cipher: &SecretCipher,
    settings: &PlatformSettings,
    now: i64,
) -> Result<(), StoreError> {
    let secrets: Vec<String> = settings
        .webhook_secrets
        .iter()
        .map(|s| cipher.encrypt(s))
        .collect();
    sqlx::query(
        "INSERT INTO platform_settings (id, secret_key, publishable_key, webhook_secrets, connect_client_id, \
         fee_policy, allowed_embed_origins, oauth_scope, sync_mode, api_base, connect_base, stripe_js_url, updated_at) \
         VALUES (1, $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) \
         ON CONFLICT (id) DO UPDATE SET secret_key = excluded.secret_key, publishable_key = excluded.publishable_key, \
         webhook_secrets = excluded.webhook_secrets, connect_client_id = excluded.connect_client_id, \
         fee_policy = excluded.fee_policy, allowed_embed_origins = excluded.allowed_embed_origins, \
         oauth_scope = excluded.oauth_scope, sync_mode = excluded.sync_mode, api_base = excluded.api_base, \
         connect_base = excluded.connect_base, stripe_js_url = excluded.stripe_js_url, updated_at = excluded.updated_at",
    )
    .bind(settings.secret_key.as_ref().map(|s| cipher.encrypt(s)))
    .bind(settings.publishable_key.as_deref())
    .bind(to_json(&secrets))
    .bind(settings.connect_client_id.as_deref())
    .bind(to_json(&settings.fee_policy))
    .bind(to_json(&settings.allowed_embed_origins))
    .bind(settings.oauth_scope.as_str())
    .bind(settings.sync_mode.as_str())
    .bind(&settings.endpoints.api_base)
    .bind(&settings.endpoints.connect_base)
    .bind(&settings.stripe_js_url)
    .bind(now)
    .execute(db.pool())
    .await?;
    Ok(())
}

fn to_json<T: serde::Serialize>(value: &T) -> String {
    serde_json::to_string(value).unwrap_or_else(|_| "null".into())
}
