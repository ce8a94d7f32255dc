//! Server functions answer every error with 500 and the error in the body. This gives the
//! response the status the error means (422, 401, 403, 404, 413, 429), so API clients and logs
//! can tell a refused request from a failure without reading the body; and it refuses a body
//! too large for a server function with 413 before the function's decoder meets it.

use app::error::AppError;
use axum::{
    body::{Body, to_bytes},
    extract::Request,
    http::{StatusCode, header},
    middleware::Next,
    response::Response,
};

/// Server function error bodies are a few hundred bytes; anything larger is left alone.
const MAX_ERROR_BODY_BYTES: usize = 64 * 1024;

/// The largest body a server function takes: its arguments, a form or a little JSON.
pub const SERVER_FN_BODY_LIMIT: usize = 256 * 1024;

fn is_server_fn(request: &Request) -> bool {
    let path = request.uri().path();
    path.starts_with("/api/") && !path.starts_with("/api/v1/")
}

/// Answers a server function call whose body is over [`SERVER_FN_BODY_LIMIT`] with 413 and
/// [`AppError::TooLarge`]; a refused request, so logged as a warning.
pub async fn limit_server_fn_body(request: Request, next: Next) -> Response {
    if !is_server_fn(&request) {
        return next.run(request).await;
    }
    let declared = request
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    let path = request.uri().path().to_string();
    if declared.is_some_and(|length| length > SERVER_FN_BODY_LIMIT as u64) {
        return too_large(&path, declared);
    }
    let (parts, body) = request.into_parts();
    match to_bytes(body, SERVER_FN_BODY_LIMIT).await {
        Ok(bytes) => {
            next.run(Request::from_parts(parts, Body::from(bytes)))
                .await
        }
        Err(_) => too_large(&path, declared),
    }
}

fn too_large(path: &str, declared: Option<u64>) -> Response {
    tracing::warn!(
        path,
        ?declared,
        limit = SERVER_FN_BODY_LIMIT,
        "server function body too large"
    );
    let error = AppError::TooLarge(format!(
        "This request is too large: the limit is {} KB.",
        SERVER_FN_BODY_LIMIT / 1024
    ));
    let body = serde_json::to_vec(&error).unwrap_or_default();
    Response::builder()
        .status(StatusCode::PAYLOAD_TOO_LARGE)
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(body))
        .unwrap_or_default()
}

pub async fn set_server_fn_error_status(request: Request, next: Next) -> Response {
    let is_server_fn = is_server_fn(&request);
    let response = next.run(request).await;
    if !is_server_fn || response.status() != StatusCode::INTERNAL_SERVER_ERROR {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    let Ok(bytes) = to_bytes(body, MAX_ERROR_BODY_BYTES).await else {
        return Response::from_parts(parts, Body::empty());
    };
    if let Ok(error) = serde_json::from_slice::<AppError>(&bytes) {
        parts.status =
            StatusCode::from_u16(error.status_code()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    }
    Response::from_parts(parts, Body::from(bytes))
}
