//! Redirects into and back from Stripe: Account Link onboarding (start, `refresh_url`) and the
//! OAuth connection of an existing account. The `return_url` lands on a Leptos page.

use axum::{
    extract::{Query, State},
    response::{IntoResponse, Redirect, Response},
};
use domain::{
    auth::Role,
    merchants::{self, Merchant, MerchantError},
    sessions,
};
use serde::Deserialize;
use tower_sessions::Session;

use crate::state::AppState;

/// The logged-in merchant, or where to send the visitor instead.
async fn current_merchant(
    state: &AppState,
    session: &Session,
    here: &str,
) -> Result<Merchant, Response> {
    let to_login = || Redirect::to(&format!("/login?next={here}")).into_response();
    let user = match sessions::logged_in(session).await {
        Ok(Some(user)) if user.role == Role::Merchant => user,
        Ok(Some(_)) => return Err(Redirect::to("/admin").into_response()),
        _ => return Err(to_login()),
    };
    match merchants::find_by_user(&state.services.db, &user.id.0).await {
        Ok(Some(merchant)) => Ok(merchant),
        Ok(None) => Err(to_login()),
        Err(e) => {
            tracing::error!(error = %e, "could not load the merchant");
            Err(Redirect::to("/dashboard?connect=failed").into_response())
        }
    }
}

/// `GET /dashboard/onboarding/start` and the Account Link's `refresh_url`: a new link, and off
/// to Stripe. Links are single-use and short-lived, so each visit mints one.
pub async fn start_onboarding(State(state): State<AppState>, session: Session) -> Response {
    let merchant = match current_merchant(&state, &session, "/dashboard/onboarding/start").await {
        Ok(merchant) => merchant,
        Err(response) => return response,
    };
    match merchants::onboarding_link(&state.services, &merchant).await {
        Ok(url) => Redirect::to(&url).into_response(),
        Err(e) => {
            tracing::warn!(merchant = %merchant.id, error = %e, "could not create an onboarding link");
            Redirect::to("/dashboard?connect=failed").into_response()
        }
    }
}

/// `GET /connect/oauth/start`: off to Stripe to connect an existing account.
pub async fn start_oauth(State(state): State<AppState>, session: Session) -> Response {
    let merchant = match current_merchant(&state, &session, "/dashboard").await {
        Ok(merchant) => merchant,
        Err(response) => return response,
    };
    match merchants::begin_oauth(&state.services, &merchant).await {
        Ok(url) => Redirect::to(&url).into_response(),
        Err(MerchantError::AlreadyConnected) => {
            Redirect::to("/dashboard?connect=already").into_response()
        }
        Err(e) => {
            tracing::warn!(merchant = %merchant.id, error = %e, "could not start the OAuth connection");
            Redirect::to("/dashboard?connect=failed").into_response()
        }
    }
}

#[derive(Deserialize)]
pub struct OAuthReturn {
    code: Option<String>,
    state: Option<String>,
    error: Option<String>,
}

/// `GET /connect/oauth/callback`: Stripe sends the merchant back with a code, or an error.
/// The outcome reaches the dashboard as a short code, never as text from the query string.
pub async fn finish_oauth(
    State(state): State<AppState>,
    session: Session,
    Query(back): Query<OAuthReturn>,
) -> Response {
    let merchant = match current_merchant(&state, &session, "/dashboard").await {
        Ok(merchant) => merchant,
        Err(response) => return response,
    };
    let outcome = match (
        back.error.as_deref(),
        back.code.as_deref(),
        back.state.as_deref(),
    ) {
        (Some("access_denied"), _, _) => "denied",
        (Some(_), _, _) => "failed",
        (None, Some(code), Some(oauth_state)) => {
            match merchants::complete_oauth(&state.services, &merchant, code, oauth_state).await {
                Ok(_) => "connected",
                Err(MerchantError::BadState) => "expired",
                Err(MerchantError::AlreadyConnected) => "already",
                Err(e) => {
                    tracing::warn!(merchant = %merchant.id, error = %e, "OAuth connection failed");
                    "failed"
                }
            }
        }
        _ => "failed",
    };
    Redirect::to(&format!("/dashboard?connect={outcome}")).into_response()
}
