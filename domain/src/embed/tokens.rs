//! Claiming a client secret: once, before its AccountSession expires, for a widget token that
//! lives [`WIDGET_TOKEN_TTL_SECS`] (never beyond the session) and carries the session's account
//! and components — the [`WidgetScope`] every widget API call is checked against. Only hashes
//! of secrets and tokens are stored; every expiry is read from [`crate::Clock`].

use std::net::IpAddr;

use serde::Serialize;
use sqlx::FromRow;

use super::{Components, EmbedError, components::is_known_feature, hash_secret, random_secret};
use crate::{
    Services,
    auth::throttle::{self, Scope},
    secret::Secret,
};

/// How long a widget token lives, at most (the session's `expires_at` may cut it short).
pub const WIDGET_TOKEN_TTL_SECS: i64 = 600;
/// Every widget token starts with this.
pub const TOKEN_PREFIX: &str = "wtk_";
const TOKEN_RANDOM_CHARS: usize = 32;
/// Expired tokens are deleted this long after they expire.
const KEEP_EXPIRED_TOKENS_SECS: i64 = 3600;

/// What a claim answers (`POST /widget/v1/claim`).
#[derive(Debug, Clone, Serialize)]
pub struct Claimed {
    /// The widget token (`wtk_…`): shown to the claimant only.
    pub token: Secret,
    pub expires_at: i64,
    pub account: String,
    pub components: Components,
}

/// What a widget token allows: one account, the session's components and features.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WidgetScope {
    pub account: String,
    pub components: Components,
    pub expires_at: i64,
}

impl WidgetScope {
    /// Whether `component` is enabled in this session.
    pub fn enables(&self, component: &str) -> bool {
        self.components.get(component).is_some_and(|c| c.enabled)
    }

    /// Passes when at least one of `any_of` is enabled; otherwise 403 `component_disabled`.
    pub fn require_component(&self, any_of: &'static [&'static str]) -> Result<(), EmbedError> {
        if any_of.iter().any(|c| self.enables(c)) {
            Ok(())
        } else {
            Err(EmbedError::ComponentDisabled(any_of))
        }
    }

    /// Passes when one of `any_of` is enabled with `feature` on: 403 `component_disabled` when
    /// none is enabled, 403 `feature_disabled` when the enabled ones lack the feature.
    pub fn require_feature(
        &self,
        any_of: &'static [&'static str],
        feature: &'static str,
    ) -> Result<(), EmbedError> {
        self.require_component(any_of)?;
        let granted = any_of.iter().any(|c| {
            debug_assert!(
                is_known_feature(c, feature) || !self.enables(c),
                "{c}.{feature}"
            );
            self.components
                .get(*c)
                .is_some_and(|g| g.enabled && g.features.get(feature) == Some(&true))
        });
        if granted {
            Ok(())
        } else {
            Err(EmbedError::FeatureDisabled(feature))
        }
    }
}

fn refused(code: &'static str, message: &str) -> EmbedError {
    EmbedError::Unauthenticated {
        code,
        message: message.to_string(),
    }
}

#[derive(FromRow)]
struct SessionRow {
    account_id: String,
    components: String,
    expires_at: i64,
    claimed_at: Option<i64>,
}

/// Exchanges `client_secret`, presented by `client`, for a widget token. Unknown secrets are
/// counted per client address: once it is locked, every claim from it is refused (429,
/// [`EmbedError::TooManyAttempts`]) before the secret is looked at. Used and expired secrets
/// were real ones, not guesses, and are not counted.
pub async fn claim(
    services: &Services,
    client_secret: &str,
    client: Option<IpAddr>,
) -> Result<Claimed, EmbedError> {
    let (db, clock) = (&services.db, &services.clock);
    let address = client.map(throttle::address_key);
    if let Some(address) = &address {
        throttle::check(db, clock, Scope::ClaimAddress, address).await?;
    }
    let claimed = claim_secret(services, client_secret).await;
    if let (
        Err(EmbedError::Unauthenticated {
            code: SECRET_INVALID,
            ..
        }),
        Some(address),
    ) = (&claimed, &address)
    {
        throttle::record_failure(db, clock, Scope::ClaimAddress, address).await?;
    }
    claimed
}

const SECRET_INVALID: &str = "secret_invalid";

/// The claim itself. Refusals (all 401): `secret_invalid` (unknown), `secret_already_used`
/// (claimed before), `secret_expired` (the session expired).
async fn claim_secret(services: &Services, client_secret: &str) -> Result<Claimed, EmbedError> {
    let now = services.clock.now();
    let hash = hash_secret(client_secret.trim());
    let mut tx = services.db.begin_write().await?;
    let session: Option<SessionRow> = sqlx::query_as(
        "SELECT account_id, components, expires_at, claimed_at FROM account_sessions WHERE secret_hash = $1",
    )
    .bind(&hash)
    .fetch_optional(&mut *tx)
    .await?;
    let session = match session {
        None => {
            return Err(refused(SECRET_INVALID, "This client secret is not valid."));
        }
        Some(s) if s.claimed_at.is_some() => {
            return Err(refused(
                "secret_already_used",
                "This client secret was already used. Fetch a new one.",
            ));
        }
        Some(s) if s.expires_at <= now => {
            return Err(refused(
                "secret_expired",
                "This client secret has expired. Fetch a new one.",
            ));
        }
        Some(s) => s,
    };
    let taken = sqlx::query(
        "UPDATE account_sessions SET claimed_at = $1 WHERE secret_hash = $2 AND claimed_at IS NULL",
    )
    .bind(now)
    .bind(&hash)
    .execute(&mut *tx)
    .await?;
    if taken.rows_affected() != 1 {
        return Err(refused(
            "secret_already_used",
            "This client secret was already used. Fetch a new one.",
        ));
    }
    let token = random_secret(TOKEN_PREFIX, TOKEN_RANDOM_CHARS);
    let expires_at = (now + WIDGET_TOKEN_TTL_SECS).min(session.expires_at);
    sqlx::query("DELETE FROM widget_tokens WHERE expires_at < $1")
        .bind(now - KEEP_EXPIRED_TOKENS_SECS)
        .execute(&mut *tx)
        .await?;
    sqlx::query(
        "INSERT INTO widget_tokens (token_hash, session_hash, account_id, created_at, expires_at) \
         VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(hash_secret(&token))
    .bind(&hash)
    .bind(&session.account_id)
    .bind(now)
    .bind(expires_at)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(Claimed {
        token: Secret::new(token),
        expires_at,
        account: session.account_id,
        components: serde_json::from_str(&session.components).unwrap_or_default(),
    })
}

#[derive(FromRow)]
struct TokenRow {
    account_id: String,
    expires_at: i64,
    revoked_at: Option<i64>,
    components: String,
    merchant_connected: Option<i64>,
}

/// The scope of the widget token a request presents (without `Bearer `). Refusals (all 401):
/// `token_missing`, `token_invalid` (unknown, logged out, or its account was disconnected),
/// `token_expired` (claim a new client secret and retry).
pub async fn authenticate(
    services: &Services,
    presented: Option<&str>,
) -> Result<WidgetScope, EmbedError> {
    let Some(token) = presented.map(str::trim).filter(|t| !t.is_empty()) else {
        return Err(refused(
            "token_missing",
            "Send the widget token in the Authorization header (Bearer wtk_…).",
        ));
    };
    let row: Option<TokenRow> = sqlx::query_as(
        "SELECT t.account_id, t.expires_at, t.revoked_at, s.components, \
         (SELECT COUNT(*) FROM merchants m WHERE m.stripe_account_id = t.account_id AND m.disconnected_at IS NULL) \
           AS merchant_connected \
         FROM widget_tokens t JOIN account_sessions s ON s.secret_hash = t.session_hash \
         WHERE t.token_hash = $1",
    )
    .bind(hash_secret(token))
    .fetch_optional(services.db.pool())
    .await?;
    let invalid = || refused("token_invalid", "This widget token is not valid.");
    let row = row.ok_or_else(invalid)?;
    if row.revoked_at.is_some() || row.merchant_connected.unwrap_or(0) == 0 {
        return Err(invalid());
    }
    if row.expires_at <= services.clock.now() {
        return Err(refused(
            "token_expired",
            "This widget token has expired. Claim a new client secret.",
        ));
    }
    Ok(WidgetScope {
        account: row.account_id,
        components: serde_json::from_str(&row.components).unwrap_or_default(),
        expires_at: row.expires_at,
    })
}

/// Revokes the presented token (`instance.logout()`). Unknown or already revoked tokens are
/// fine: the outcome is the same.
pub async fn logout(services: &Services, presented: Option<&str>) -> Result<(), EmbedError> {
    let Some(token) = presented.map(str::trim).filter(|t| !t.is_empty()) else {
        return Err(refused(
            "token_missing",
            "Send the widget token in the Authorization header (Bearer wtk_…).",
        ));
    };
    sqlx::query(
        "UPDATE widget_tokens SET revoked_at = $1 WHERE token_hash = $2 AND revoked_at IS NULL",
    )
    .bind(services.clock.now())
    .bind(hash_secret(token))
    .execute(services.db.pool())
    .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::embed::ComponentGrant;

    /// `(component, enabled, features)`.
    type Grant<'a> = (&'a str, bool, &'a [(&'a str, bool)]);

    fn scope(grants: &[Grant<'_>]) -> WidgetScope {
        WidgetScope {
            account: "acct_1".into(),
            expires_at: 0,
            components: grants
                .iter()
                .map(|(name, enabled, features)| {
                    (
                        name.to_string(),
                        ComponentGrant {
                            enabled: *enabled,
                            features: features.iter().map(|(f, v)| (f.to_string(), *v)).collect(),
                        },
                    )
                })
                .collect(),
        }
    }

    fn code(result: Result<(), EmbedError>) -> Option<String> {
        result.err().and_then(|e| e.body().code)
    }

    #[test]
    fn components_and_features_are_checked() {
        const PAY: &[&str] = &["payments", "payment_details"];
        let s = scope(&[
            (
                "payments",
                true,
                &[("refund_management", false), ("capture_payments", true)],
            ),
            ("payment_details", false, &[("refund_management", true)]),
        ]);
        assert_eq!(code(s.require_component(PAY)), None);
        assert_eq!(code(s.require_feature(PAY, "capture_payments")), None);
        assert_eq!(
            code(s.require_feature(PAY, "refund_management")).as_deref(),
            Some("feature_disabled"),
            "a disabled component's features do not count"
        );
        let s = scope(&[
            ("payments", false, &[("refund_management", true)]),
            ("payment_details", true, &[("refund_management", true)]),
        ]);
        assert_eq!(code(s.require_feature(PAY, "refund_management")), None);
        let none = scope(&[("payouts", true, &[])]);
        assert_eq!(
            code(none.require_feature(PAY, "refund_management")).as_deref(),
            Some("component_disabled")
        );
    }
}
