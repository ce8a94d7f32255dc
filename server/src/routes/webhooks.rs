//! `POST /webhooks/stripe`: verify, store in the inbox, answer. Processing happens later, in the
//! worker, so Stripe gets its 2xx in milliseconds.

use axum::{
    Json,
    body::Bytes,
    extract::State,
    http::{HeaderMap, StatusCode},
    response::{IntoResponse, Response},
};
use domain::webhooks::{IngestError, Ingested, ingest};
use serde_json::json;

use crate::state::AppState;

pub async fn receive_stripe_event(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let signature = headers
        .get("stripe-signature")
        .and_then(|v| v.to_str().ok());
    let secrets = state.services.settings().webhook_secrets.clone();
    let now = state.services.clock.now();
    match ingest(&state.services.db, &body, signature, &secrets, now).await {
        Ok(Ingested::Stored) => {
            state.webhook_wake.notify_one();
            (StatusCode::OK, Json(json!({ "received": true }))).into_response()
        }
        Ok(Ingested::Duplicate) => (
            StatusCode::OK,
            Json(json!({ "received": true, "duplicate": true })),
        )
            .into_response(),
        Err(IngestError::Signature(e)) => {
            tracing::warn!(error = %e, "refused a webhook");
            (
                StatusCode::BAD_REQUEST,
                Json(json!({ "error": e.to_string() })),
            )
                .into_response()
        }
        Err(IngestError::Malformed(e)) => {
            tracing::warn!(error = %e, "refused a malformed webhook");
            (
                StatusCode::BAD_REQUEST,
                Json(json!({ "error": "not a Stripe event" })),
            )
                .into_response()
        }
        Err(IngestError::Db(e)) => {
            // Stripe retries a non-2xx, so nothing is lost.
            tracing::error!(error = %e, "could not store a webhook");
            (
                StatusCode::INTERNAL_SERVER_ERROR,
                Json(json!({ "error": "try again" })),
            )
                .into_response()
        }
    }
}
