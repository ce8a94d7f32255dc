//! AccountSessions: created through Stripe for a connected account of one of the platform's
//! merchants, and recorded by the SHA-256 of their client secret with the account, the
//! components Stripe resolved and the expiry, so the secret can later be claimed once.

use serde_json::Value;
use stripe_connect::account_session::CreateAccountSession;

use super::{ComponentsRequest, EmbedError, components, hash_secret, stripe_json};
use crate::{Services, merchants, stripe::StripeError};

/// Recorded sessions are kept this long after they expire (claims of expired secrets are then
/// still told "expired" rather than "unknown"), then deleted.
const KEEP_EXPIRED_SECS: i64 = 24 * 3600;

/// Who asked for a session, for the record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SessionCreator<'a> {
    /// A logged-in merchant, by merchant id.
    Merchant(&'a str),
    /// A host backend, by API key id.
    ApiKey(&'a str),
}

impl SessionCreator<'_> {
    fn record(self) -> String {
        match self {
            SessionCreator::Merchant(id) => format!("merchant:{id}"),
            SessionCreator::ApiKey(id) => format!("api_key:{id}"),
        }
    }
}

/// Creates an AccountSession for `account` with `components` and records it. `account` must be
/// the connected (not disconnected) account of one of the platform's merchants; anything else
/// is a 400 on `account`, before Stripe is called. Returns Stripe's AccountSession object as
/// Stripe sent it: the caller hands its `client_secret` to the browser, and nothing else keeps
/// it.
pub async fn create_account_session(
    services: &Services,
    account: &str,
    components: &ComponentsRequest,
    creator: SessionCreator<'_>,
) -> Result<Value, EmbedError> {
    if components.is_empty() {
        return Err(EmbedError::invalid_param(
            "parameter_missing",
            "components",
            "Missing required param: components (enable at least one component).",
        ));
    }
    let merchant = if account.starts_with("acct_") {
        merchants::find_by_account(&services.db, account).await?
    } else {
        None
    };
    if !merchant.is_some_and(|m| m.is_connected()) {
        return Err(EmbedError::invalid_param(
            "account_invalid",
            "account",
            format!("'{account}' is not a connected account of one of this platform's merchants."),
        ));
    }

    let stripe = services.stripe()?;
    let session = stripe_json::send(
        &stripe,
        &CreateAccountSession::new(account, components.to_stripe()),
        None,
    )
    .await?;
    let (Some(secret), Some(expires_at)) = (
        session["client_secret"].as_str(),
        session["expires_at"].as_i64(),
    ) else {
        return Err(StripeError::Decode(
            "an AccountSession without client_secret or expires_at".into(),
        )
        .into());
    };
    let resolved = components::grants_from_stripe(&session["components"]);

    let now = services.clock.now();
    sqlx::query("DELETE FROM account_sessions WHERE expires_at < $1")
        .bind(now - KEEP_EXPIRED_SECS)
        .execute(services.db.pool())
        .await?;
    sqlx::query(
        "INSERT INTO account_sessions (secret_hash, account_id, components, created_by, created_at, expires_at) \
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(hash_secret(secret))
    .bind(account)
    .bind(serde_json::to_string(&resolved).unwrap_or_else(|_| "{}".into()))
    .bind(creator.record())
    .bind(now)
    .bind(expires_at)
    .execute(services.db.pool())
    .await?;
    tracing::info!(account, created_by = %creator.record(), "account session created");
    Ok(session)
}

/// The REST API's body, in Stripe's shape: `account`, `components`; `expand` is accepted and
/// ignored.
#[derive(Debug, Clone)]
pub struct SessionRequest {
    pub account: String,
    pub components: ComponentsRequest,
}

impl SessionRequest {
    /// Reads the parameter tree (from JSON or a parsed form), refusing what Stripe refuses with
    /// its codes and the parameter's name.
    pub fn from_params(params: &Value) -> Result<Self, EmbedError> {
        let Some(map) = params.as_object() else {
            return Err(EmbedError::invalid(
                "parameter_invalid",
                "The body must be an object with `account` and `components`.",
            ));
        };
        if let Some(unknown) = map
            .keys()
            .find(|k| !matches!(k.as_str(), "account" | "components" | "expand"))
        {
            return Err(EmbedError::invalid_param(
                "parameter_unknown",
                unknown,
                format!("Received unknown parameter: {unknown}"),
            ));
        }
        let account = match map.get("account") {
            Some(Value::String(a)) if !a.is_empty() => a.clone(),
            _ => {
                return Err(EmbedError::invalid_param(
                    "parameter_missing",
                    "account",
                    "Missing required param: account.",
                ));
            }
        };
        let components = ComponentsRequest::from_params(map.get("components"))?;
        Ok(SessionRequest {
            account,
            components,
        })
    }
}

/// Creates the session a REST API body asks for, as [`create_account_session`] does.
pub async fn create_from_params(
    services: &Services,
    params: &Value,
    api_key_id: &str,
) -> Result<Value, EmbedError> {
    let request = SessionRequest::from_params(params)?;
    create_account_session(
        services,
        &request.account,
        &request.components,
        SessionCreator::ApiKey(api_key_id),
    )
    .await
}
