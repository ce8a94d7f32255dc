//! Server-side plumbing for server functions: the domain services, the visitor's session and the
//! mapping of domain errors to [`AppError`]. Compiled only with `ssr`.

use std::fmt::Display;

use domain::{
    Services,
    auth::Role,
    sessions::{self, SessionUser},
};
use leptos::prelude::*;
use tower_sessions::Session;

use crate::{auth::UserRole, error::AppError};

/// Logs an internal failure once and returns the generic error the browser may see.
pub fn internal(error: impl Display) -> AppError {
    tracing::error!(%error, "request failed");
    AppError::Internal
}

/// The domain services the server put into the Leptos context.
pub fn services() -> Result<Services, AppError> {
    use_context::<Services>().ok_or_else(|| internal("domain services missing from the context"))
}

/// The address the request came from, for throttling: the client the server decided for this
/// request (the peer, or the client a trusted proxy forwards for).
pub async fn client_address() -> Option<std::net::IpAddr> {
    leptos_axum::extract::<axum::Extension<domain::client_ip::ClientIp>>()
        .await
        .ok()
        .and_then(|axum::Extension(client)| client.0)
}

pub async fn session() -> Result<Session, AppError> {
    leptos_axum::extract::<Session>().await.map_err(internal)
}

/// The logged-in user, or [`AppError::Unauthorized`].
pub async fn require_login() -> Result<SessionUser, AppError> {
    let session = session().await?;
    sessions::logged_in(&session)
        .await
        .map_err(internal)?
        .ok_or(AppError::Unauthorized)
}

/// The logged-in user when they have `role`; [`AppError::Forbidden`] for the other role.
pub async fn require_role(role: Role) -> Result<SessionUser, AppError> {
    let user = require_login().await?;
    if user.role == role {
        Ok(user)
    } else {
        Err(AppError::Forbidden)
    }
}

/// Sends a form posted without JavaScript to `path` with a real redirect. With JavaScript the
/// caller gets `path` back and navigates the whole document there itself: Leptos' own redirect
/// would navigate inside the app, which cannot render routes served outside it (those that
/// hand over to Stripe).
pub async fn navigate_document(path: &str) {
    let accepts_html = leptos_axum::extract::<http::HeaderMap>()
        .await
        .ok()
        .and_then(|h| {
            h.get(http::header::ACCEPT)
                .and_then(|v| v.to_str().ok())
                .map(|v| v.contains("text/html"))
        })
        .unwrap_or(false);
    if accepts_html {
        leptos_axum::redirect(path);
    }
}

/// The logged-in merchant user's merchant.
pub async fn require_merchant() -> Result<domain::merchants::Merchant, AppError> {
    let user = require_role(Role::Merchant).await?;
    domain::merchants::find_by_user(&services()?.db, &user.id.0)
        .await
        .map_err(internal)?
        .ok_or(AppError::Forbidden)
}

/// Sets the HTTP status of the page being rendered (ignored once the head is streamed).
pub fn set_status(status: http::StatusCode) {
    if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
        response.set_status(status);
    }
}

impl From<Role> for UserRole {
    fn from(role: Role) -> Self {
        match role {
            Role::Admin => UserRole::Admin,
            Role::Merchant => UserRole::Merchant,
        }
    }
}

impl From<domain::merchants::MerchantError> for AppError {
    fn from(e: domain::merchants::MerchantError) -> Self {
        use domain::merchants::MerchantError::*;
        match e {
            Db(e) => internal(e),
            Auth(e) => e.into(),
            Stripe(e) => {
                tracing::warn!(error = %e, "a Stripe call failed");
                AppError::Invalid(format!("Stripe could not complete the request: {e}"))
            }
            user_facing => AppError::Invalid(user_facing.to_string()),
        }
    }
}

impl From<domain::auth::AuthError> for AppError {
    fn from(e: domain::auth::AuthError) -> Self {
        use domain::auth::AuthError::*;
        match e {
            Db(e) => internal(e),
            TooManyAttempts(t) => AppError::TooManyAttempts(t.to_string()),
            user_facing => AppError::Invalid(user_facing.to_string()),
        }
    }
}
