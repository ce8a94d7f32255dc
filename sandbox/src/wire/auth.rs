//! API authentication: `Authorization: Bearer sk_test_…` or Basic (key as user), plus
//! `Stripe-Account`. Resolves a [`Caller`] once per request in [`layer`]; handlers extract it.

use axum::extract::{FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, Method};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use base64::Engine;

use crate::app::AppState;
use crate::platforms;
use crate::store::{KeyKind, Scope, State as Store};
use crate::wire::error::ApiError;

/// Who is calling and as which account.
#[derive(Clone, Debug)]
pub struct Caller {
    /// The platform account the key belongs to.
    pub platform: String,
    /// The account the request acts on: the platform itself, the `Stripe-Account`, or the
    /// connected account of an OAuth access token.
    pub acting_as: String,
    /// The key used (for error messages; mask it before showing).
    pub key: String,
    /// Whether the key is an OAuth access token.
    pub via_oauth: bool,
    /// The scope the request runs with.
    pub scope: Scope,
}

impl Caller {
    /// True when acting as the platform itself (no `Stripe-Account`, not an OAuth token).
    pub fn is_platform(&self) -> bool {
        self.acting_as == self.platform
    }

    /// Fails with Stripe's 403 unless the caller acts as the platform.
    pub fn require_platform(&self) -> Result<(), ApiError> {
        if self.is_platform() {
            Ok(())
        } else {
            Err(ApiError::permission(
                "This request can only be made by a platform acting as itself (without a \
                 Stripe-Account header or an OAuth access token).",
            ))
        }
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        parts
            .extensions
            .get::<Caller>()
            .cloned()
            .ok_or_else(ApiError::no_api_key)
    }
}

/// Middleware on `/v1`: authenticates, checks `Stripe-Account` and OAuth scope, and stores the
/// [`Caller`] in the request extensions.
pub async fn layer(State(app): State<AppState>, mut req: Request, next: Next) -> Response {
    match authenticate(&app, req.headers(), req.method()) {
        Ok(caller) => {
            req.extensions_mut().insert(caller);
            next.run(req).await
        }
        Err(e) => e.into_response(),
    }
}

/// The key from `Authorization: Bearer …` or Basic auth.
pub fn api_key(headers: &HeaderMap) -> Option<String> {
    let value = headers.get("authorization")?.to_str().ok()?.trim();
    let (scheme, rest) = value.split_once(' ')?;
    let rest = rest.trim();
    if scheme.eq_ignore_ascii_case("bearer") {
        return Some(rest.to_owned()).filter(|k| !k.is_empty());
    }
    if scheme.eq_ignore_ascii_case("basic") {
        let decoded = base64::engine::general_purpose::STANDARD
            .decode(rest)
            .ok()?;
        let text = String::from_utf8(decoded).ok()?;
        let user = text.split(':').next().unwrap_or_default();
        return Some(user.to_owned()).filter(|k| !k.is_empty());
    }
    None
}

fn authenticate(app: &AppState, headers: &HeaderMap, method: &Method) -> Result<Caller, ApiError> {
    let key = api_key(headers).ok_or_else(ApiError::no_api_key)?;
    let stripe_account = headers
        .get("stripe-account")
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned);
    let caller = app.write(|tx| {
        let caller = resolve_key(tx, &key)?;
        apply_stripe_account(tx, caller, stripe_account.as_deref())
    })?;
    if caller.scope == Scope::ReadOnly && method != Method::GET {
        return Err(ApiError::permission(format!(
            "The provided key '{}' does not have the required permissions for this endpoint on \
             account '{}'. This OAuth connection has read_only scope; a read_write connection \
             would allow this request to continue.",
            crate::ids::mask_key(&key),
            caller.acting_as
        )));
    }
    Ok(caller)
}

/// Looks a key up, creating a platform for an unknown `sk_test_` key.
pub fn resolve_key(tx: &mut crate::app::Tx<'_>, key: &str) -> Result<Caller, ApiError> {
    if let Some(grant) = tx.api_keys.get(key) {
        if grant.revoked {
            return Err(ApiError::expired_api_key(key));
        }
        return match grant.kind {
            KeyKind::Publishable => Err(ApiError::new(
                axum::http::StatusCode::UNAUTHORIZED,
                crate::wire::error::ErrorType::InvalidRequest,
                "This API call cannot be made with a publishable API key. Please use a secret API \
                 key. You can find a list of your API keys at https://dashboard.stripe.com/account/apikeys.",
            )
            .not_stored()),
            KeyKind::Secret | KeyKind::OAuthAccess => Ok(Caller {
                platform: grant.platform.clone(),
                acting_as: grant.account.clone(),
                key: key.to_owned(),
                via_oauth: grant.kind == KeyKind::OAuthAccess,
                scope: grant.scope,
            }),
        };
    }
    if key.starts_with("sk_test_") && key.len() > "sk_test_".len() + 4 {
        let name = format!("Platform {}", &key[key.len() - 4..]);
        let platform = platforms::create(tx, &name, Some(key.to_owned()));
        return Ok(Caller {
            platform: platform.account_id.clone(),
            acting_as: platform.account_id,
            key: key.to_owned(),
            via_oauth: false,
            scope: Scope::ReadWrite,
        });
    }
    Err(ApiError::invalid_api_key(key))
}

fn apply_stripe_account(
    store: &Store,
    mut caller: Caller,
    header: Option<&str>,
) -> Result<Caller, ApiError> {
    let Some(account) = header else {
        return Ok(caller);
    };
    if account == caller.acting_as {
        return Ok(caller);
    }
    if caller.via_oauth {
        return Err(ApiError::account_access(&caller.key, account));
    }
    match store.connection(&caller.platform, account) {
        Some(connection) => {
            caller.scope = connection.scope;
            caller.acting_as = account.to_owned();
            Ok(caller)
        }
        None => Err(ApiError::account_access(&caller.key, account)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bearer_and_basic() {
        let mut h = HeaderMap::new();
        h.insert(
            "authorization",
            "Bearer sk_test_abc".parse().expect("header"),
        );
        assert_eq!(api_key(&h).as_deref(), Some("sk_test_abc"));
        let basic = base64::engine::general_purpose::STANDARD.encode("sk_test_xyz:");
        h.insert(
            "authorization",
            format!("Basic {basic}").parse().expect("header"),
        );
        assert_eq!(api_key(&h).as_deref(), Some("sk_test_xyz"));
    }
}
