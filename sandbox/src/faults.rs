//! Fault injection on `/v1`: with the configured probabilities, answer 429 `rate_limit` or
//! 500 `api_error` (both with `Stripe-Should-Retry: true`) before authentication, so nothing
//! is created and nothing is stored under an idempotency key. Added latency is applied by a
//! second layer placed just before the handler, so a slow request holds its idempotency key.

use std::time::Duration;

use axum::extract::{OriginalUri, Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use rand::Rng;

use crate::app::AppState;
use crate::config::FaultConfig;
use crate::wire::error::ApiError;

fn applies(faults: &FaultConfig, req: &Request) -> bool {
    let path = req
        .extensions()
        .get::<OriginalUri>()
        .map_or_else(|| req.uri().path().to_owned(), |u| u.0.path().to_owned());
    faults
        .path_prefix
        .as_deref()
        .is_none_or(|prefix| path.starts_with(prefix))
}

/// Injected 429s and 500s, before authentication.
pub async fn layer(State(app): State<AppState>, req: Request, next: Next) -> Response {
    let faults = app.faults();
    if !applies(&faults, &req) {
        return next.run(req).await;
    }
    let roll: f64 = rand::thread_rng().r#gen();
    if roll < faults.rate_429 {
        return ApiError::rate_limited().into_response();
    }
    if roll < faults.rate_429 + faults.rate_500 {
        let mut e = ApiError::internal().not_stored();
        e.should_retry = Some(true);
        return e.into_response();
    }
    next.run(req).await
}

/// Injected latency, just before the handler.
pub async fn latency_layer(State(app): State<AppState>, req: Request, next: Next) -> Response {
    let faults = app.faults();
    if faults.latency_ms > 0 && applies(&faults, &req) {
        tokio::time::sleep(Duration::from_millis(faults.latency_ms)).await;
    }
    next.run(req).await
}
