//! `POST /v1/accounts/{id}/login_links`: one-time links to the Express dashboard (a small
//! sandbox page).

use axum::extract::{Path, State};
use axum::routing::post;
use axum::{Json, Router};
use serde_json::{Value, json};

use crate::accounts::api::authorize_account;
use crate::accounts::records::LoginLinkRecord;
use crate::app::AppState;
use crate::ids;
use crate::wire::auth::Caller;
use crate::wire::error::{ApiError, ApiResult};
use crate::wire::form::{Form, Schema};

/// Routes under `/v1`.
pub fn router() -> Router<AppState> {
    Router::new().route("/accounts/{id}/login_links", post(create))
}

async fn create(
    State(app): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    form: Form,
) -> ApiResult<Json<Value>> {
    Schema::new(&[]).validate(form)?;
    caller.require_platform()?;
    let base = app.base_url();
    app.write(|tx| {
        let account = authorize_account(tx, &caller, &id)?.clone();
        let meta = tx.accounts.get(&id).cloned().unwrap_or_default();
        if meta.controller.dashboard != "express" || meta.platform.is_none() {
            return Err(ApiError::invalid_param(
                "account",
                "Login links can only be created for connected accounts that use the Express Dashboard \
                 (`controller.stripe_dashboard.type=express`).",
            ));
        }
        if account["details_submitted"] != json!(true) {
            return Err(ApiError::invalid_param(
                "account",
                "Cannot create a login link for an account that has not completed onboarding.",
            ));
        }
        let now = tx.now();
        let token = ids::random_chars(12);
        tx.login_links.insert(token.clone(), LoginLinkRecord { token: token.clone(), account: id.clone(), created: now, used: false });
        Ok(Json(json!({
            "object": "login_link",
            "created": now,
            "url": format!("{base}express/{id}/{token}"),
        })))
    })
}
