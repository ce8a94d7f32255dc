//! Decides each request's client address once, before any handler: the peer of the connection,
//! or the client a configured proxy forwards for (`COMPTOIR_TRUSTED_PROXIES`). Handlers and
//! server functions read the result as `Extension<domain::client_ip::ClientIp>`, never the
//! headers themselves.

use std::net::SocketAddr;

use crate::state::AppState;
use axum::{
    extract::{ConnectInfo, Request, State},
    middleware::Next,
    response::Response,
};

pub async fn resolve_client_ip(
    State(state): State<AppState>,
    mut request: Request,
    next: Next,
) -> Response {
    let peer = request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|ConnectInfo(addr)| addr.ip());
    let forwarded_for = request
        .headers()
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|value| value.to_str().ok());
    let client = state.config.trusted_proxies.client_ip(peer, forwarded_for);
    request.extensions_mut().insert(client);
    next.run(request).await
}
