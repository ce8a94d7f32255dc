//! `POST /v1/account_links`: single-use, expiring URLs to the hosted onboarding pages.

use axum::extract::State;
use axum::routing::post;
use axum::{Json, Router};
use serde_json::{Value, json};

use crate::accounts::api::authorize_account;
use crate::accounts::records::AccountLinkRecord;
use crate::app::AppState;
use crate::clock::duration_ms;
use crate::ids;
use crate::wire::auth::Caller;
use crate::wire::error::{ApiError, ApiResult};
use crate::wire::form::{Form, Schema, Ty, opt, req};

/// Routes under `/v1`.
pub fn router() -> Router<AppState> {
    Router::new().route("/account_links", post(create))
}

const FIELDS: Ty = Ty::Enum(&["currently_due", "eventually_due"]);

const CREATE: Schema = Schema::new(&[
    req("account", Ty::Str),
    req("type", Ty::Enum(&["account_onboarding", "account_update"])),
    opt("refresh_url", Ty::Str),
    opt("return_url", Ty::Str),
    opt("collect", FIELDS),
    opt(
        "collection_options",
        Ty::Obj(&[
            opt("fields", FIELDS),
            opt("future_requirements", Ty::Enum(&["include", "omit"])),
        ]),
    ),
]);

fn require_url(value: Option<&str>, param: &str) -> Result<String, ApiError> {
    let url = value.ok_or_else(|| ApiError::missing_param(param))?;
    match url::Url::parse(url) {
        Ok(u) if matches!(u.scheme(), "http" | "https") => Ok(url.to_owned()),
        _ => Err(ApiError::invalid_param(param, "Not a valid URL").code("url_invalid")),
    }
}

async fn create(State(app): State<AppState>, caller: Caller, form: Form) -> ApiResult<Json<Value>> {
    let p = CREATE.validate(form)?;
    caller.require_platform()?;
    if p.has("collect") && p.has("collection_options") {
        return Err(ApiError::exclusive("collect", "collection_options"));
    }
    let refresh_url = require_url(p.str("refresh_url"), "refresh_url")?;
    let return_url = require_url(p.str("return_url"), "return_url")?;
    let account = p.str("account").unwrap_or_default().to_owned();
    let link_type = p.str("type").unwrap_or("account_onboarding").to_owned();
    let fields = p
        .str("collection_options.fields")
        .or(p.str("collect"))
        .unwrap_or("currently_due")
        .to_owned();
    let future = p
        .str("collection_options.future_requirements")
        .unwrap_or("omit")
        .to_owned();
    let ttl = duration_ms(app.config.account_link_ttl) / 1000;
    let base = app.base_url();
    app.write(|tx| {
        authorize_account(tx, &caller, &account).map_err(|e| e.param("account"))?;
        let meta = tx.accounts.get(&account).cloned().unwrap_or_default();
        if meta.platform.as_deref() != Some(caller.platform.as_str()) {
            return Err(ApiError::invalid_param(
                "account",
                format!("You cannot create Account Links for {account}: it is not controlled by your platform."),
            ));
        }
        if link_type == "account_update"
            && (meta.controller.requirement_collection != "application" || meta.controller.dashboard != "none")
        {
            return Err(ApiError::invalid_param(
                "type",
                "Account Links of type `account_update` can only be created for accounts where your \
                 platform collects requirements and that have no Stripe-hosted dashboard \
                 (`controller.requirement_collection=application`).",
            ));
        }
        let now = tx.now();
        let token = ids::random_chars(12);
        let record = AccountLinkRecord {
            token: token.clone(),
            account: account.clone(),
            platform: caller.platform.clone(),
            link_type: link_type.clone(),
            refresh_url: refresh_url.clone(),
            return_url: return_url.clone(),
            fields: fields.clone(),
            future_requirements: future.clone(),
            expires_at: now + ttl,
            used: false,
        };
        tx.account_links.insert(token.clone(), record);
        Ok(Json(json!({
            "object": "account_link",
            "created": now,
            "expires_at": now + ttl,
            "url": format!("{base}setup/s/{account}/{token}"),
        })))
    })
}
