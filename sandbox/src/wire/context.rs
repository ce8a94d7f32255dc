//! The per-request context (request id, idempotency key) that errors and events read.

use axum::extract::Request;
use axum::http::HeaderValue;
use axum::middleware::Next;
use axum::response::Response;

use crate::ids;

tokio::task_local! {
    static REQUEST: RequestContext;
}

/// What Stripe records about the API request that caused something.
#[derive(Clone, Debug, Default)]
pub struct RequestContext {
    /// `req_…`, also sent back as the `Request-Id` header.
    pub id: String,
    /// The `Idempotency-Key` the client sent, if any.
    pub idempotency_key: Option<String>,
    /// The `Stripe-Version` the client sent, if any (recorded as events' `api_version`).
    pub stripe_version: Option<String>,
}

/// The context of the request being served, if called from inside one.
pub fn current() -> Option<RequestContext> {
    REQUEST.try_with(Clone::clone).ok()
}

/// The current request id, if called from inside a request.
pub fn current_request_id() -> Option<String> {
    REQUEST.try_with(|r| r.id.clone()).ok()
}

/// Outermost middleware: gives every request a `req_…` id, makes it available to errors and
/// events, and answers with a `Request-Id` header on every response.
pub async fn request_id_layer(req: Request, next: Next) -> Response {
    let idempotency_key = req
        .headers()
        .get("idempotency-key")
        .and_then(|v| v.to_str().ok())
        .filter(|k| !k.is_empty())
        .map(str::to_owned);
    let stripe_version = req
        .headers()
        .get("stripe-version")
        .and_then(|v| v.to_str().ok())
        .map(|v| v.split(';').next().unwrap_or(v).trim().to_owned())
        .filter(|v| !v.is_empty());
    let ctx = RequestContext {
        id: ids::request_id(),
        idempotency_key,
        stripe_version,
    };
    let id = ctx.id.clone();
    let mut response = REQUEST.scope(ctx, next.run(req)).await;
    if let Ok(value) = HeaderValue::from_str(&id) {
        response.headers_mut().insert("request-id", value);
    }
    response
}
