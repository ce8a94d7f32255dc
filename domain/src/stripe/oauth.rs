//! Stripe Connect OAuth (Standard accounts): the authorize URL, the code exchange and
//! deauthorization, on `connect_base` (connect.stripe.com, or the sandbox).

use serde::Deserialize;

use super::{StripeApi, StripeError};

/// `read_only` (Comptoir's default) or `read_write`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OAuthScope {
    ReadOnly,
    ReadWrite,
}

impl OAuthScope {
    pub fn as_str(self) -> &'static str {
        match self {
            OAuthScope::ReadOnly => "read_only",
            OAuthScope::ReadWrite => "read_write",
        }
    }

    pub fn parse(value: &str) -> Option<Self> {
        match value {
            "read_only" => Some(Self::ReadOnly),
            "read_write" => Some(Self::ReadWrite),
            _ => None,
        }
    }
}

/// What Stripe returns for a successful code exchange. The tokens are not kept: Comptoir acts on
/// connected accounts with its platform key and `Stripe-Account`.
#[derive(Debug, Clone, Deserialize)]
pub struct OAuthConnection {
    pub stripe_user_id: String,
    pub scope: String,
    pub livemode: bool,
}

#[derive(Debug, thiserror::Error)]
pub enum OAuthError {
    /// Stripe's OAuth error (`invalid_grant`, `access_denied`, …) with its description.
    #[error("{description}")]
    Refused { error: String, description: String },
    #[error(transparent)]
    Transport(#[from] StripeError),
}

/// Builds the URL the merchant's browser is sent to.
pub fn authorize_url(
    connect_base: &str,
    client_id: &str,
    scope: OAuthScope,
    redirect_uri: &str,
    state: &str,
    email: Option<&str>,
) -> String {
    let mut url = format!("{connect_base}oauth/authorize");
    let mut query = url::form_urlencoded::Serializer::new(String::new());
    query
        .append_pair("response_type", "code")
        .append_pair("client_id", client_id)
        .append_pair("scope", scope.as_str())
        .append_pair("redirect_uri", redirect_uri)
        .append_pair("state", state);
    if let Some(email) = email {
        query.append_pair("stripe_user[email]", email);
    }
    url.push('?');
    url.push_str(&query.finish());
    url
}

/// Exchanges an authorization code for the connected account's id.
pub async fn exchange_code(api: &StripeApi, code: &str) -> Result<OAuthConnection, OAuthError> {
    let body: serde_json::Value = post(
        api,
        "oauth/token",
        &[("grant_type", "authorization_code"), ("code", code)],
    )
    .await?;
    serde_json::from_value(body)
        .map_err(|e| OAuthError::Transport(StripeError::Decode(e.to_string())))
}

/// Revokes Comptoir's access to `stripe_user_id`.
pub async fn deauthorize(
    api: &StripeApi,
    client_id: &str,
    stripe_user_id: &str,
) -> Result<(), OAuthError> {
    post(
        api,
        "oauth/deauthorize",
        &[("client_id", client_id), ("stripe_user_id", stripe_user_id)],
    )
    .await
    .map(|_| ())
}

async fn post(
    api: &StripeApi,
    path: &str,
    form: &[(&str, &str)],
) -> Result<serde_json::Value, OAuthError> {
    let url = format!("{}{path}", api.endpoints().connect_base);
    let response = api
        .http()
        .post(&url)
        .basic_auth(api.secret_key().expose(), Some(""))
        .form(form)
        .timeout(api.retry_policy().timeout)
        .send()
        .await
        .map_err(|e| {
            OAuthError::Transport(if e.is_timeout() {
                StripeError::Timeout
            } else {
                StripeError::Network("could not reach Stripe Connect".into())
            })
        })?;
    let status = response.status();
    let body: serde_json::Value = response.json().await.map_err(|_| {
        OAuthError::Transport(StripeError::Decode("the OAuth answer is not JSON".into()))
    })?;
    if status.is_success() {
        return Ok(body);
    }
    let text = |key: &str| body[key].as_str().map(str::to_string);
    Err(OAuthError::Refused {
        error: text("error").unwrap_or_else(|| "unknown_error".into()),
        description: text("error_description")
            .unwrap_or_else(|| format!("Stripe Connect refused the request ({status})")),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn authorize_url_carries_scope_state_and_prefill() {
        let url = authorize_url(
            "https://connect.stripe.com/",
            "ca_123",
            OAuthScope::ReadOnly,
            "http://127.0.0.1:3000/connect/oauth/callback",
            "st4te",
            Some("a+b@example.com"),
        );
        assert!(url.starts_with("https://connect.stripe.com/oauth/authorize?response_type=code&client_id=ca_123&scope=read_only&redirect_uri=http%3A%2F%2F127.0.0.1%3A3000%2Fconnect%2Foauth%2Fcallback&state=st4te"));
        assert!(url.ends_with("stripe_user%5Bemail%5D=a%2Bb%40example.com"));
    }
}
