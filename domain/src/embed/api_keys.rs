//! The platform's API keys: what a host's backend sends (`Authorization: Bearer cpk_…`) to create
//! AccountSessions through the REST API. A key is shown once, when it is created; only its
//! SHA-256 and its first characters (to recognise it in a list) are kept. Revoked keys stay
//! listed, and refused.

use serde::{Deserialize, Serialize};
use sqlx::FromRow;

use std::net::IpAddr;

use super::{EmbedError, hash_secret, random_secret};
use crate::{
    Clock,
    auth::throttle::{self, Scope},
    db::{Db, DbError},
    secret::Secret,
};

/// Every key starts with this.
pub const KEY_PREFIX: &str = "cpk_";
/// Random characters after the prefix (≈ 190 bits).
const KEY_RANDOM_CHARS: usize = 32;
/// Characters of the key kept for display (`cpk_` and six more).
const DISPLAY_CHARS: usize = 10;
/// The longest name a key may have.
pub const MAX_NAME_CHARS: usize = 80;

/// A key as lists show it: never the key itself.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, FromRow)]
pub struct ApiKey {
    pub id: String,
    pub name: String,
    /// The key's first characters, e.g. `cpk_Ab12Cd`.
    pub prefix: String,
    pub created_at: i64,
    pub last_used_at: Option<i64>,
    pub revoked_at: Option<i64>,
}

impl ApiKey {
    pub fn is_revoked(&self) -> bool {
        self.revoked_at.is_some()
    }
}

/// A key just created: the only time the secret exists outside the caller's hands.
#[derive(Debug)]
pub struct NewApiKey {
    pub key: ApiKey,
    pub secret: Secret,
}

/// Creates a key named `name` (1–80 characters) for the admin `created_by`.
pub async fn create(
    db: &Db,
    clock: &Clock,
    name: &str,
    created_by: Option<&str>,
) -> Result<NewApiKey, EmbedError> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > MAX_NAME_CHARS {
        return Err(EmbedError::invalid_param(
            "invalid_name",
            "name",
            format!("Give the key a name of 1 to {MAX_NAME_CHARS} characters."),
        ));
    }
    let secret = random_secret(KEY_PREFIX, KEY_RANDOM_CHARS);
    let key = ApiKey {
        id: format!("key_{}", uuid::Uuid::new_v4().simple()),
        name: name.to_string(),
        prefix: secret.chars().take(DISPLAY_CHARS).collect(),
        created_at: clock.now(),
        last_used_at: None,
        revoked_at: None,
    };
    sqlx::query(
        "INSERT INTO api_keys (id, name, key_hash, prefix, created_by, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(&key.id)
    .bind(&key.name)
    .bind(hash_secret(&secret))
    .bind(&key.prefix)
    .bind(created_by)
    .bind(key.created_at)
    .execute(db.pool())
    .await
    .map_err(DbError::from)?;
    Ok(NewApiKey {
        key,
        secret: Secret::new(secret),
    })
}

const COLUMNS: &str = "id, name, prefix, created_at, last_used_at, revoked_at";

/// Every key, newest first.
pub async fn list(db: &Db) -> Result<Vec<ApiKey>, EmbedError> {
    Ok(sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM api_keys ORDER BY created_at DESC, id DESC"
    ))
    .fetch_all(db.pool())
    .await?)
}

/// Revokes the key `id`; revoking it again changes nothing. Unknown ids are 404.
pub async fn revoke(db: &Db, clock: &Clock, id: &str) -> Result<ApiKey, EmbedError> {
    sqlx::query("UPDATE api_keys SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL")
        .bind(clock.now())
        .bind(id)
        .execute(db.pool())
        .await?;
    sqlx::query_as(&format!("SELECT {COLUMNS} FROM api_keys WHERE id = $1"))
        .bind(id)
        .fetch_optional(db.pool())
        .await?
        .ok_or_else(|| EmbedError::not_found("API key", id))
}

/// The key a request from `client` presents, checked by [`find_key`], with unknown and revoked
/// keys counted per client address: once the address is locked, every request from it is
/// refused (429, [`EmbedError::ApiKeyThrottled`]) before the key is looked at.
pub async fn authenticate(
    db: &Db,
    clock: &Clock,
    presented: Option<&str>,
    client: Option<IpAddr>,
) -> Result<ApiKey, EmbedError> {
    let address = client.map(throttle::address_key);
    if let Some(address) = &address {
        throttle::check(db, clock, Scope::ApiKeyAddress, address)
            .await
            .map_err(EmbedError::api_key_throttled)?;
    }
    let found = find_key(db, clock, presented).await;
    // A missing key is a mistake, not a guess.
    let guessed = presented.is_some_and(|k| !k.trim().is_empty());
    if let (Err(EmbedError::ApiKey { .. }), Some(address), true) = (&found, &address, guessed) {
        throttle::record_failure(db, clock, Scope::ApiKeyAddress, address)
            .await
            .map_err(EmbedError::api_key_throttled)?;
    }
    found
}

/// The key a request presents (`Authorization: Bearer …`, given here without `Bearer `), if it
/// is known and not revoked; its `last_used_at` is updated. Refusals are worded as Stripe words
/// them for a bad secret key, without repeating the key.
async fn find_key(db: &Db, clock: &Clock, presented: Option<&str>) -> Result<ApiKey, EmbedError> {
    let Some(presented) = presented.map(str::trim).filter(|k| !k.is_empty()) else {
        return Err(EmbedError::ApiKey {
            code: None,
            message: "You did not provide an API key. Provide your Comptoir API key in the \
                      Authorization header, using Bearer auth (e.g. 'Authorization: Bearer cpk_…')."
                .into(),
        });
    };
    let found: Option<ApiKey> = if presented.starts_with(KEY_PREFIX) {
        sqlx::query_as(&format!(
            "SELECT {COLUMNS} FROM api_keys WHERE key_hash = $1"
        ))
        .bind(hash_secret(presented))
        .fetch_optional(db.pool())
        .await?
    } else {
        None
    };
    match found {
        None => Err(EmbedError::ApiKey {
            code: None,
            message: "Invalid API Key provided.".into(),
        }),
        Some(key) if key.is_revoked() => Err(EmbedError::ApiKey {
            code: Some("api_key_expired"),
            message: format!("This API key ({}…) was revoked.", key.prefix),
        }),
        Some(key) => {
            sqlx::query("UPDATE api_keys SET last_used_at = $1 WHERE id = $2")
                .bind(clock.now())
                .bind(&key.id)
                .execute(db.pool())
                .await?;
            Ok(ApiKey {
                last_used_at: Some(clock.now()),
                ..key
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db_test;

    db_test!(
        keys_are_shown_once_stored_hashed_and_revocable,
        |db: Db| async move {
            let clock = Clock::manual(1_700_000_000);
            let made = create(&db, &clock, "  Host backend ", Some("usr_1"))
                .await
                .unwrap();
            let secret = made.secret.expose().to_string();
            assert!(secret.starts_with("cpk_") && secret.len() == 36);
            assert_eq!(made.key.name, "Host backend");
            assert_eq!(made.key.prefix, secret[..10]);

            let stored: Vec<(String, String)> =
                sqlx::query_as("SELECT key_hash, prefix FROM api_keys")
                    .fetch_all(db.pool())
                    .await
                    .unwrap();
            assert_eq!(stored.len(), 1);
            assert_eq!(stored[0].0, hash_secret(&secret));
            assert!(!stored[0].0.contains(&secret[4..]) && !stored[0].1.contains(&secret[10..]));

            clock.advance(5);
            let used = authenticate(&db, &clock, Some(&secret), None)
                .await
                .unwrap();
            assert_eq!(used.last_used_at, Some(1_700_000_005));
            let listed = list(&db).await.unwrap();
            assert_eq!(listed.len(), 1);
            assert_eq!(listed[0].last_used_at, Some(1_700_000_005));
            assert!(!format!("{listed:?}").contains(&secret[10..]));

            let bad = authenticate(&db, &clock, Some("cpk_not_a_key"), None)
                .await
                .unwrap_err();
            assert_eq!(bad.body().status, 401);
            assert!(authenticate(&db, &clock, None, None).await.is_err());
            assert!(
                authenticate(&db, &clock, Some("sk_test_123"), None)
                    .await
                    .is_err()
            );

            let revoked = revoke(&db, &clock, &made.key.id).await.unwrap();
            assert!(revoked.is_revoked());
            let refused = authenticate(&db, &clock, Some(&secret), None)
                .await
                .unwrap_err()
                .body();
            assert_eq!(
                (refused.status, refused.code.as_deref()),
                (401, Some("api_key_expired"))
            );
            assert!(!refused.message.contains(&secret[10..]));
            assert_eq!(
                revoke(&db, &clock, "key_nope")
                    .await
                    .unwrap_err()
                    .body()
                    .status,
                404
            );
            assert!(create(&db, &clock, "   ", None).await.is_err());
        }
    );
}
