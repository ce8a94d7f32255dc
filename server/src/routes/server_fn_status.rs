//! Server functions answer every error with 500 and the error in the body. This gives the
//! response the status the error means (422, 401, 403, 404), so API clients and logs can tell a
//! refused request from a failure without reading the body.

use app::error::AppError;
use axum::{
    body::{Body, to_bytes},
    extract::Request,
    http::StatusCode,
    middleware::Next,
    response::Response,
};

/// Server function error bodies are a few hundred bytes; anything larger is left alone.
const MAX_ERROR_BODY_BYTES: usize = 64 * 1024;

pub async fn set_server_fn_error_status(request: Request, next: Next) -> Response {
    let is_server_fn =
        request.uri().path().starts_with("/api/") && !request.uri().path().starts_with("/api/v1/");
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
