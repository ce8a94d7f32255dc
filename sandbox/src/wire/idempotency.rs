//! `Idempotency-Key` on `/v1` POSTs: the first response (status and body, 500s included) is
//! stored per key and account and replayed with `Idempotent-Replayed: true`; the same key with
//! other parameters is a 400 `idempotency_error`; while the first request runs, 409. Validation
//! failures are not stored. Keys expire after `idempotency_ttl` of the sandbox clock.

use axum::body::{Body, to_bytes};
use axum::extract::{OriginalUri, Request, State};
use axum::http::{HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};

use crate::app::AppState;
use crate::clock::duration_ms;
use crate::wire::auth::Caller;
use crate::wire::context;
use crate::wire::error::{ApiError, NotStored};

const MAX_BODY_BYTES: usize = 2 * 1024 * 1024;
const PRUNE_THRESHOLD: usize = 10_000;

/// One remembered key.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct IdemRecord {
    /// Method, path and sorted parameters of the first request.
    pub fingerprint: String,
    /// Sandbox time the key was first used (seconds).
    pub created: i64,
    /// `None` while the first request is still running.
    pub response: Option<StoredResponse>,
}

/// The stored first response.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct StoredResponse {
    /// HTTP status.
    pub status: u16,
    /// JSON body.
    pub body: String,
    /// `Request-Id` of the first request.
    pub request_id: String,
}

enum Decision {
    Proceed,
    Replay(StoredResponse),
    Mismatch,
    InUse,
}

/// The middleware (runs after authentication).
pub async fn layer(State(app): State<AppState>, req: Request, next: Next) -> Response {
    if req.method() != Method::POST {
        return next.run(req).await;
    }
    let Some(key) = req
        .headers()
        .get("idempotency-key")
        .and_then(|v| v.to_str().ok())
        .filter(|k| !k.is_empty())
        .map(str::to_owned)
    else {
        return next.run(req).await;
    };
    if key.len() > 255 {
        return ApiError::invalid_param(
            "Idempotency-Key",
            "Idempotency keys can be no longer than 255 characters.",
        )
        .into_response();
    }
    let Some(caller) = req.extensions().get::<Caller>().cloned() else {
        return next.run(req).await;
    };
    let (parts, body) = req.into_parts();
    let Ok(bytes) = to_bytes(body, MAX_BODY_BYTES).await else {
        return ApiError::invalid("Could not read the request body.")
            .not_stored()
            .into_response();
    };
    let path = parts
        .extensions
        .get::<OriginalUri>()
        .map_or_else(|| parts.uri.path().to_owned(), |u| u.0.path().to_owned());
    let fingerprint = fingerprint(
        &parts.method,
        &path,
        parts.uri.query().unwrap_or(""),
        &bytes,
    );
    let scope = format!("{}|{}|{key}", caller.platform, caller.acting_as);

    match decide(&app, &scope, &fingerprint) {
        Decision::Replay(stored) => return replay(&key, stored),
        Decision::Mismatch => return ApiError::idempotency_mismatch(&key).into_response(),
        Decision::InUse => return ApiError::idempotency_in_use(&key).into_response(),
        Decision::Proceed => {}
    }

    let guard = InFlightGuard {
        app: app.clone(),
        scope: scope.clone(),
        done: false,
    };
    let response = next
        .run(Request::from_parts(parts, Body::from(bytes)))
        .await;
    finish(guard, &key, response).await
}

fn decide(app: &AppState, scope: &str, fingerprint: &str) -> Decision {
    let ttl_secs = duration_ms(app.config.idempotency_ttl) / 1000;
    app.write(|tx| {
        let now = tx.now();
        if tx.idempotency.len() > PRUNE_THRESHOLD {
            tx.idempotency.retain(|_, r| r.created + ttl_secs > now);
        }
        let live = tx
            .idempotency
            .get(scope)
            .filter(|r| r.created + ttl_secs > now)
            .cloned();
        match live {
            None => {
                let record = IdemRecord {
                    fingerprint: fingerprint.to_owned(),
                    created: now,
                    response: None,
                };
                tx.idempotency.insert(scope.to_owned(), record);
                Decision::Proceed
            }
            Some(record) if record.fingerprint != fingerprint => Decision::Mismatch,
            Some(IdemRecord { response: None, .. }) => Decision::InUse,
            Some(IdemRecord {
                response: Some(stored),
                ..
            }) => Decision::Replay(stored),
        }
    })
}

async fn finish(mut guard: InFlightGuard, key: &str, response: Response) -> Response {
    let request_id = context::current_request_id().unwrap_or_default();
    if response.extensions().get::<NotStored>().is_some() {
        return with_key_headers(response, key, &request_id);
    }
    let (parts, body) = response.into_parts();
    let Ok(bytes) = to_bytes(body, usize::MAX).await else {
        return ApiError::internal().into_response();
    };
    let stored = StoredResponse {
        status: parts.status.as_u16(),
        body: String::from_utf8_lossy(&bytes).into_owned(),
        request_id: request_id.clone(),
    };
    guard.app.write(|tx| {
        if let Some(record) = tx.idempotency.get_mut(&guard.scope) {
            record.response = Some(stored);
        }
    });
    guard.done = true;
    let response = Response::from_parts(parts, Body::from(bytes));
    with_key_headers(response, key, &request_id)
}

fn replay(key: &str, stored: StoredResponse) -> Response {
    let status = StatusCode::from_u16(stored.status).unwrap_or(StatusCode::OK);
    let mut response =
        (status, [("content-type", "application/json")], stored.body).into_response();
    response
        .headers_mut()
        .insert("idempotent-replayed", HeaderValue::from_static("true"));
    with_key_headers(response, key, &stored.request_id)
}

fn with_key_headers(mut response: Response, key: &str, original_request: &str) -> Response {
    let headers = response.headers_mut();
    if let Ok(v) = HeaderValue::from_str(key) {
        headers.insert("idempotency-key", v);
    }
    if let Ok(v) = HeaderValue::from_str(original_request) {
        headers.insert("original-request", v);
    }
    response
}

/// Removes an in-flight record if the handler never completed (panic or cancelled request),
/// and also when the response was a validation failure that must not be stored.
struct InFlightGuard {
    app: AppState,
    scope: String,
    done: bool,
}

impl Drop for InFlightGuard {
    fn drop(&mut self) {
        if self.done {
            return;
        }
        let scope = std::mem::take(&mut self.scope);
        self.app.write(|tx| {
            if tx
                .idempotency
                .get(&scope)
                .is_some_and(|r| r.response.is_none())
            {
                tx.idempotency.remove(&scope);
            }
        });
    }
}

/// Method, path and the sorted decoded parameter pairs: parameter order does not matter.
fn fingerprint(method: &Method, path: &str, query: &str, body: &[u8]) -> String {
    let mut pairs: Vec<(String, String)> = url::form_urlencoded::parse(query.as_bytes())
        .chain(url::form_urlencoded::parse(body))
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    pairs.sort();
    let mut out = format!("{method} {path}");
    for (k, v) in pairs {
        out.push('\n');
        out.push_str(&k);
        out.push('=');
        out.push_str(&v);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fingerprint_ignores_parameter_order() {
        let a = fingerprint(&Method::POST, "/v1/x", "", b"a=1&b=2");
        let b = fingerprint(&Method::POST, "/v1/x", "", b"b=2&a=1");
        assert_eq!(a, b);
        assert_ne!(a, fingerprint(&Method::POST, "/v1/x", "", b"a=1&b=3"));
    }
}
