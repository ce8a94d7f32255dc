//! The Express dashboard a login link opens: a small read-only page about the account.

use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde_json::Value;

use crate::app::AppState;
use crate::pages::layout::{escape, page};

/// Routes of the Express dashboard page.
pub fn router() -> Router<AppState> {
    Router::new().route("/express/{account}/{token}", get(show))
}

async fn show(
    State(app): State<AppState>,
    Path((account, token)): Path<(String, String)>,
) -> Response {
    let found = app.write(|tx| {
        let link = tx
            .login_links
            .get(&token)
            .cloned()
            .filter(|l| l.account == account && !l.used)?;
        if let Some(l) = tx.login_links.get_mut(&token) {
            l.used = true;
        }
        tx.get(&link.account).map(|s| s.value.clone())
    });
    let Some(acct) = found else {
        let body = "<h1>This link has expired</h1><p class=\"muted\">Login links work once. Ask the platform for a new one.</p>";
        return (StatusCode::NOT_FOUND, page("Link expired", body)).into_response();
    };
    let field = |v: &Value| match v {
        Value::Bool(b) => b.to_string(),
        Value::String(s) => s.clone(),
        Value::Null => "—".into(),
        other => other.to_string(),
    };
    let name = acct["business_profile"]["name"]
        .as_str()
        .or(acct["email"].as_str())
        .unwrap_or("Express account");
    let body = format!(
        "<h1>Express Dashboard (sandbox)</h1><p class=\"lead\">{}</p><dl>\
         <dt>Account</dt><dd id=\"account\">{}</dd><dt>Charges enabled</dt><dd>{}</dd>\
         <dt>Payouts enabled</dt><dd>{}</dd><dt>Details submitted</dt><dd>{}</dd><dt>Country</dt><dd>{}</dd></dl>",
        escape(name),
        escape(&field(&acct["id"])),
        escape(&field(&acct["charges_enabled"])),
        escape(&field(&acct["payouts_enabled"])),
        escape(&field(&acct["details_submitted"])),
        escape(&field(&acct["country"])),
    );
    page("Express Dashboard", &body).into_response()
}
