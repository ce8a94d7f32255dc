//! Logging: `tracing` to stderr with the configured filter, and one span per HTTP request.

use axum::{body::Body, http::Request};
use tracing::Span;
use tracing_subscriber::{EnvFilter, fmt, prelude::*};

/// Installs the global subscriber. A bad filter falls back to `info` (and says so).
pub fn init(filter: &str) {
    let (env_filter, bad_filter) = match EnvFilter::try_new(filter) {
        Ok(f) => (f, None),
        Err(e) => (EnvFilter::new("info"), Some(e)),
    };
    let _ = tracing_subscriber::registry()
        .with(env_filter)
        .with(fmt::layer().with_writer(std::io::stderr).with_target(false))
        .try_init();
    if let Some(e) = bad_filter {
        tracing::warn!(error = %e, "the log filter is not valid; using info");
    }
}

/// The span of one request. Only the method and the path are recorded: query strings may carry
/// OAuth codes or client secrets, which must never reach the logs.
pub fn request_span(request: &Request<Body>) -> Span {
    let request_id = request
        .headers()
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("-");
    tracing::info_span!(
        "request",
        method = %request.method(),
        path = %request.uri().path(),
        request_id = %request_id,
    )
}
