//! `/_sandbox/…`: JSON endpoints for tests and the embedded default (platforms, clock, reset,
//! faults, delivery knobs, flushing retries, merchant-side deauthorization, inspection).
//! Not part of Stripe's API; never affected by fault injection.

use std::time::Duration;

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::{Value, json};

use crate::app::AppState;
use crate::config::{DeliveryKnobs, FaultConfig};
use crate::store::State as Store;
use crate::wire::auth;

/// Routes at `/_sandbox`.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/_sandbox/platforms", post(create_platform))
        .route(
            "/_sandbox/platform",
            get(get_platform).post(update_platform),
        )
        .route("/_sandbox/clock", get(get_clock))
        .route("/_sandbox/clock/advance", post(advance_clock))
        .route("/_sandbox/reset", post(reset))
        .route("/_sandbox/faults", get(get_faults).post(set_faults))
        .route("/_sandbox/delivery", get(get_delivery).post(set_delivery))
        .route("/_sandbox/webhooks/flush", post(flush))
        .route("/_sandbox/deliveries", get(deliveries))
        .route("/_sandbox/events", get(all_events))
        .route("/_sandbox/accounts/{id}/deauthorize", post(deauthorize))
        .route("/_sandbox/account_sessions/{secret}", get(account_session))
        .merge(crate::payment_method_configs::sandbox_router())
        .merge(crate::seed::router())
}

#[expect(
    clippy::result_large_err,
    reason = "the error is the finished response of a page handler"
)]
fn body_json(bytes: &Bytes) -> Result<Value, Response> {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Ok(json!({}));
    }
    serde_json::from_slice(bytes).map_err(|e| bad_request(&format!("Invalid JSON body: {e}")))
}

fn bad_request(message: &str) -> Response {
    (
        StatusCode::BAD_REQUEST,
        Json(json!({ "error": { "type": "invalid_request_error", "message": message } })),
    )
        .into_response()
}

/// A new platform's keys as JSON.
pub fn platform_json(p: &crate::store::Platform) -> Value {
    json!({
        "account_id": p.account_id,
        "name": p.name,
        "secret_key": p.secret_key,
        "publishable_key": p.publishable_key,
        "client_id": p.client_id,
        "redirect_uris": p.redirect_uris,
    })
}

async fn create_platform(State(app): State<AppState>, body: Bytes) -> Response {
    let body = match body_json(&body) {
        Ok(b) => b,
        Err(r) => return r,
    };
    let name = body["name"]
        .as_str()
        .unwrap_or("Sandbox Platform")
        .to_owned();
    let platform = app.write(|tx| crate::platforms::create(tx, &name, None));
    Json(platform_json(&platform)).into_response()
}

#[expect(
    clippy::result_large_err,
    reason = "the error is the finished response of a page handler"
)]
fn platform_of(app: &AppState, headers: &HeaderMap) -> Result<String, Response> {
    let Some(key) = auth::api_key(headers) else {
        return Err(crate::wire::error::ApiError::no_api_key().into_response());
    };
    app.write(|tx| auth::resolve_key(tx, &key))
        .map(|c| c.platform)
        .map_err(IntoResponse::into_response)
}

async fn get_platform(State(app): State<AppState>, headers: HeaderMap) -> Response {
    match platform_of(&app, &headers) {
        Ok(id) => app
            .read(|s| s.platforms.get(&id).map(platform_json))
            .map_or_else(
                || bad_request("no platform").into_response(),
                |v| Json(v).into_response(),
            ),
        Err(r) => r,
    }
}

async fn update_platform(State(app): State<AppState>, headers: HeaderMap, body: Bytes) -> Response {
    let id = match platform_of(&app, &headers) {
        Ok(id) => id,
        Err(r) => return r,
    };
    let body = match body_json(&body) {
        Ok(b) => b,
        Err(r) => return r,
    };
    let updated = app.write(|tx| {
        let p = tx.platforms.get_mut(&id)?;
        if let Some(name) = body["name"].as_str() {
            p.name = name.to_owned();
        }
        if let Some(uris) = body["redirect_uris"].as_array() {
            p.redirect_uris = uris
                .iter()
                .filter_map(Value::as_str)
                .map(str::to_owned)
                .collect();
        }
        Some(platform_json(p))
    });
    updated.map_or_else(|| bad_request("no platform"), |v| Json(v).into_response())
}

fn clock_json(app: &AppState) -> Value {
    json!({ "now": app.clock.now(), "offset_seconds": app.clock.offset_ms() / 1000 })
}

async fn get_clock(State(app): State<AppState>) -> Json<Value> {
    Json(clock_json(&app))
}

/// Advances the clock and immediately runs what became due.
pub fn advance(app: &AppState, by: Duration) {
    app.clock.advance(by);
    crate::scheduler::run_due(app);
    app.wake_delivery.notify_one();
    app.wake_scheduler.notify_one();
    app.wake_persist.notify_one();
}

async fn advance_clock(State(app): State<AppState>, body: Bytes) -> Response {
    let body = match body_json(&body) {
        Ok(b) => b,
        Err(r) => return r,
    };
    let Some(seconds) = body["seconds"].as_u64() else {
        return bad_request("`seconds` (a non-negative integer) is required");
    };
    advance(&app, Duration::from_secs(seconds));
    Json(clock_json(&app)).into_response()
}

async fn reset(State(app): State<AppState>) -> Json<Value> {
    app.replace_state(Store::default());
    Json(json!({ "reset": true }))
}

async fn get_faults(State(app): State<AppState>) -> Json<FaultConfig> {
    Json(app.faults())
}

async fn set_faults(State(app): State<AppState>, body: Bytes) -> Response {
    match serde_json::from_slice::<FaultConfig>(&body) {
        Ok(f) => {
            if let Ok(mut current) = app.faults.write() {
                *current = f.clone();
            }
            Json(f).into_response()
        }
        Err(e) => bad_request(&format!("Invalid faults: {e}")),
    }
}

async fn get_delivery(State(app): State<AppState>) -> Json<DeliveryKnobs> {
    Json(app.knobs())
}

async fn set_delivery(State(app): State<AppState>, body: Bytes) -> Response {
    match serde_json::from_slice::<DeliveryKnobs>(&body) {
        Ok(k) => {
            if let Ok(mut current) = app.knobs.write() {
                *current = k.clone();
            }
            Json(k).into_response()
        }
        Err(e) => bad_request(&format!("Invalid delivery knobs: {e}")),
    }
}

async fn flush(State(app): State<AppState>) -> Json<Value> {
    let n = crate::webhooks::delivery::flush(&app);
    Json(json!({ "flushed": n }))
}

async fn deliveries(State(app): State<AppState>) -> Json<Value> {
    Json(app.read(|s| json!({ "pending": s.deliveries.values().collect::<Vec<_>>(), "attempts": s.delivery_log })))
}

/// Every event of every account, oldest first.
pub fn events(app: &AppState) -> Vec<Value> {
    app.read(|s| {
        let mut all: Vec<(u64, Value)> = s
            .objects
            .values()
            .filter(|o| o.kind == "event")
            .map(|o| (o.seq, o.value.clone()))
            .collect();
        all.sort_by_key(|(seq, _)| *seq);
        all.into_iter().map(|(_, v)| v).collect()
    })
}

async fn all_events(State(app): State<AppState>) -> Json<Value> {
    Json(json!({ "object": "list", "data": events(&app) }))
}

/// The merchant revokes platforms from their side: all of them, or the one named by
/// `platform` (account id) or `client_id` in the body.
async fn deauthorize(State(app): State<AppState>, Path(id): Path<String>, body: Bytes) -> Response {
    let body = match body_json(&body) {
        Ok(b) => b,
        Err(r) => return r,
    };
    let revoked = app.write(|tx| {
        let wanted = body["platform"].as_str().map(str::to_owned).or_else(|| {
            body["client_id"]
                .as_str()
                .and_then(|c| tx.platform_by_client_id(c))
                .map(|p| p.account_id.clone())
        });
        let platforms: Vec<String> = tx
            .platforms_of(&id)
            .into_iter()
            .filter(|p| wanted.as_ref().is_none_or(|w| w == p))
            .collect();
        for platform in &platforms {
            crate::oauth::revoke_connection(tx, platform, &id);
        }
        platforms
    });
    Json(json!({ "account": id, "deauthorized_platforms": revoked })).into_response()
}

async fn account_session(State(app): State<AppState>, Path(secret): Path<String>) -> Response {
    match app.read(|s| s.account_sessions.get(&secret).cloned()) {
        Some(record) => Json(json!({
            "account": record.account,
            "platform": record.platform,
            "components": record.components,
            "created": record.created,
            "expires_at": record.expires_at,
            "claimed": record.claimed,
        }))
        .into_response(),
        None => (StatusCode::NOT_FOUND, Json(json!({ "error": { "type": "invalid_request_error", "message": "No such account session" } }))).into_response(),
    }
}
