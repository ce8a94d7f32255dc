//! `/api/v1/…`: the REST API for host backends that are not Leptos, authenticated by a platform
//! API key, sent the two ways Stripe's own API takes its key: `Authorization: Bearer cpk_…`, or
//! HTTP Basic with the key as the user name and no password (`curl -u cpk_…:`). It speaks Stripe's shapes: form-encoded nested
//! parameters or JSON in, Stripe's objects and error envelopes out. No CORS: the key is a
//! server-side secret and a browser has no business holding it.

use axum::{
    Extension, Json, Router,
    body::Bytes,
    extract::State,
    http::{HeaderMap, Method, StatusCode, Uri, header},
    response::{IntoResponse, Response},
    routing::post,
};
use base64::Engine;
use domain::{
    client_ip::ClientIp,
    embed::{EmbedError, api_keys, form, sessions},
};
use serde_json::Value;

use super::widget_api::{ApiFailure, bearer};
use crate::state::AppState;

/// The REST API, to be nested at `/api/v1`.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/account_sessions", post(create_account_session))
        .fallback(unknown_endpoint)
}

/// The body as Stripe's parameter tree: JSON when it says so (or looks like it), else a form.
fn parameters(headers: &HeaderMap, body: &[u8]) -> Result<Value, EmbedError> {
    let json = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("json"))
        || body.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'{');
    if json {
        serde_json::from_slice(body)
            .map_err(|e| EmbedError::invalid("invalid_json", format!("Invalid JSON body: {e}")))
    } else {
        form::parse(body)
    }
}

/// `POST /api/v1/account_sessions`: Stripe's AccountSession, as Stripe answered it.
async fn create_account_session(
    State(state): State<AppState>,
    Extension(ClientIp(client)): Extension<ClientIp>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Json<Value>, ApiFailure> {
    let services = &state.services;
    let credential = api_key_credential(&headers);
    let key = api_keys::authenticate(&services.db, &services.clock, credential.as_deref(), client)
        .await?;
    let params = parameters(&headers, &body)?;
    Ok(Json(
        sessions::create_from_params(services, &params, &key.id).await?,
    ))
}

/// The API key of `Authorization`: a Bearer token, or the user name of HTTP Basic (Stripe's
/// `-u sk_…:`; a password, if any, is ignored as Stripe ignores it).
fn api_key_credential(headers: &HeaderMap) -> Option<String> {
    if let Some(token) = bearer(headers) {
        return Some(token.to_string());
    }
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?.trim();
    let (scheme, encoded) = value.split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return None;
    }
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(encoded.trim())
        .ok()?;
    let decoded = String::from_utf8(decoded).ok()?;
    let user = decoded
        .split_once(':')
        .map_or(decoded.as_str(), |(user, _)| user);
    (!user.is_empty()).then(|| user.to_string())
}

/// Stripe answers an unknown URL with 404 and an `invalid_request_error`.
async fn unknown_endpoint(method: Method, uri: Uri) -> Response {
    let mut response = ApiFailure(EmbedError::invalid(
        "resource_missing",
        format!("Unrecognized request URL ({method}: {}).", uri.path()),
    ))
    .into_response();
    *response.status_mut() = StatusCode::NOT_FOUND;
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    fn authorization(value: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(header::AUTHORIZATION, value.parse().unwrap());
        headers
    }

    fn basic(credentials: &str) -> String {
        format!(
            "Basic {}",
            base64::engine::general_purpose::STANDARD.encode(credentials)
        )
    }

    #[test]
    fn the_key_comes_as_bearer_or_as_basic_user_name() {
        let key = |value: &str| api_key_credential(&authorization(value));
        assert_eq!(key("Bearer cpk_1").as_deref(), Some("cpk_1"));
        assert_eq!(key(&basic("cpk_2:")).as_deref(), Some("cpk_2"));
        assert_eq!(key(&basic("cpk_3:ignored")).as_deref(), Some("cpk_3"));
        assert_eq!(key(&basic("cpk_4")).as_deref(), Some("cpk_4"));
        assert_eq!(key(&basic(":cpk_5")), None, "the key is the user name");
        assert_eq!(key("Basic not-base64!"), None);
        assert_eq!(key("Digest cpk_6"), None);
        assert_eq!(api_key_credential(&HeaderMap::new()), None);
    }
}
