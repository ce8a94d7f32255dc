//! `/api/v1/…`: the REST API for host backends that are not Leptos, authenticated by a platform
//! API key (`Authorization: Bearer cpk_…`). It speaks Stripe's shapes: form-encoded nested
//! parameters or JSON in, Stripe's objects and error envelopes out. No CORS: the key is a
//! server-side secret and a browser has no business holding it.

use axum::{
    Json, Router,
    body::Bytes,
    extract::State,
    http::{HeaderMap, Method, StatusCode, Uri, header},
    response::{IntoResponse, Response},
    routing::post,
};
use domain::embed::{EmbedError, api_keys, form, sessions};
use serde_json::Value;

use super::widget_api::{ApiFailure, Peer, bearer};
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
    Peer(peer): Peer,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Json<Value>, ApiFailure> {
    let services = &state.services;
    let client = peer.map(|p| p.ip());
    let key =
        api_keys::authenticate(&services.db, &services.clock, bearer(&headers), client).await?;
    let params = parameters(&headers, &body)?;
    Ok(Json(
        sessions::create_from_params(services, &params, &key.id).await?,
    ))
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
