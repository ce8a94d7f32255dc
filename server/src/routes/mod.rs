//! The HTTP surface: Leptos pages and server functions, static files, health, and the layers
//! every request passes through.

mod client_address;
mod connect;
mod health;
mod rest_api;
mod server_fn_status;
mod transactions;
mod webhooks;
mod widget_api;

use std::time::Duration;

use app::{App, shell};
use axum::{
    Router,
    http::HeaderValue,
    middleware,
    routing::{get, post},
};
use domain::sessions::DbSessionStore;
use leptos::prelude::provide_context;
use leptos_axum::{LeptosRoutes, file_and_error_handler_with_context, generate_route_list};
use tower::ServiceBuilder;
use tower_http::{
    compression::CompressionLayer,
    request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer},
    services::ServeDir,
    set_header::SetResponseHeaderLayer,
    trace::TraceLayer,
};
use tower_sessions::{Expiry, SessionManagerLayer, cookie::SameSite};

use crate::{security, state::AppState, telemetry};

/// How long a logged-in session lasts without activity.
const SESSION_IDLE_DAYS: i64 = 7;

/// Builds the whole application; binding and serving are the caller's.
pub fn router(state: AppState) -> Router {
    let services = state.services.clone();
    let leptos_context = move || provide_context(services.clone());
    let routes = generate_route_list(App);

    let pkg_dir = state
        .config
        .site_root
        .join(state.leptos_options.site_pkg_dir.as_ref());
    let embed_dir = state.config.site_root.join("embed");

    Router::new()
        .route("/healthz", get(health::healthz))
        .route("/webhooks/stripe", post(webhooks::receive_stripe_event))
        .route(
            "/dashboard/onboarding/start",
            get(connect::start_onboarding),
        )
        .route(
            "/dashboard/onboarding/refresh",
            get(connect::start_onboarding),
        )
        .route("/connect/oauth/start", get(connect::start_oauth))
        .route("/connect/oauth/callback", get(connect::finish_oauth))
        .nest("/api/v1", rest_api::router())
        .nest("/widget/v1", widget_api::router(&state))
        .route(
            "/admin/transactions.csv",
            get(transactions::export_transactions),
        )
        .nest_service("/pkg", public_files(pkg_dir))
        .nest_service("/embed", public_files(embed_dir))
        .leptos_routes_with_context(&state, routes, leptos_context.clone(), {
            let options = state.leptos_options.clone();
            move || shell(options.clone())
        })
        .fallback(file_and_error_handler_with_context::<AppState, _>(
            leptos_context,
            shell,
        ))
        .layer(middleware::from_fn(
            server_fn_status::set_server_fn_error_status,
        ))
        .layer(middleware::from_fn(server_fn_status::limit_server_fn_body))
        .layer(session_layer(&state))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            client_address::resolve_client_ip,
        ))
        .layer(middleware::from_fn(security::refuse_cross_site))
        .layer(middleware::from_fn(security::security_headers))
        .layer(CompressionLayer::new().br(true).gzip(true))
        .layer(PropagateRequestIdLayer::x_request_id())
        .layer(TraceLayer::new_for_http().make_span_with(telemetry::request_span))
        .layer(SetRequestIdLayer::x_request_id(MakeRequestUuid))
        .with_state(state)
}

/// Built assets: precompressed, cached briefly, and readable from any origin, because foreign
/// host pages import the widget loader and fetch the WASM cross-origin. They hold nothing
/// private and are fetched without credentials.
fn public_files(
    dir: std::path::PathBuf,
) -> impl tower::Service<
    axum::http::Request<axum::body::Body>,
    Response = axum::response::Response<tower_http::services::fs::ServeFileSystemResponseBody>,
    Error = std::convert::Infallible,
    Future = impl Send,
> + Clone {
    ServiceBuilder::new()
        .layer(SetResponseHeaderLayer::overriding(
            axum::http::header::CACHE_CONTROL,
            HeaderValue::from_static("public, max-age=300"),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            axum::http::header::ACCESS_CONTROL_ALLOW_ORIGIN,
            HeaderValue::from_static("*"),
        ))
        // Host pages may measure what loading the widgets costs them (sizes and timings in
        // their Performance timeline).
        .layer(SetResponseHeaderLayer::overriding(
            axum::http::HeaderName::from_static("timing-allow-origin"),
            HeaderValue::from_static("*"),
        ))
        .service(ServeDir::new(dir).precompressed_br().precompressed_gzip())
}

fn session_layer(state: &AppState) -> SessionManagerLayer<DbSessionStore> {
    let secure = state.config.serves_https();
    // `__Host-` binds the cookie to this exact origin, but browsers accept it only when Secure.
    let name = if secure {
        "__Host-comptoir_session"
    } else {
        "comptoir_session"
    };
    let store = DbSessionStore::new(state.services.db.clone(), state.services.clock.clone());
    SessionManagerLayer::new(store)
        .with_name(name)
        .with_secure(secure)
        .with_http_only(true)
        .with_same_site(SameSite::Lax)
        .with_path("/")
        .with_expiry(Expiry::OnInactivity(
            tower_sessions::cookie::time::Duration::days(SESSION_IDLE_DAYS),
        ))
}

/// How often expired sessions are deleted.
pub const SESSION_CLEANUP_INTERVAL: Duration = Duration::from_secs(3600);
