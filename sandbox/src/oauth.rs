//! Connect OAuth (connect.stripe.com, served at the sandbox root): `GET /oauth/authorize`
//! (consent page; `/express/oauth/authorize` creates an Express account), `POST /oauth/token`
//! (`authorization_code` / `refresh_token`), `POST /oauth/deauthorize`. Errors use OAuth's own
//! `{error, error_description}` shape with Stripe's six codes.

use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use std::collections::HashMap;

use crate::accounts::model;
use crate::app::{AppState, Tx};
use crate::ids;
use crate::pages::layout::{escape, input, page};
use crate::store::{ConnectionKind, KeyGrant, KeyKind, Scope};
use crate::wire::auth;
use crate::wire::form::Form;

const CODE_TTL_SECS: i64 = 300;
const REQUEST_TTL_SECS: i64 = 3600;

/// A consent screen waiting for the user's decision.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct OAuthRequest {
    /// Id in the form.
    pub id: String,
    /// Platform asking.
    pub platform: String,
    /// Validated redirect URI.
    pub redirect_uri: String,
    /// Requested scope.
    pub scope: Scope,
    /// `state` to echo back.
    pub state: Option<String>,
    /// Express flow (creates an Express account).
    pub express: bool,
    /// Expiry (sandbox time).
    pub expires_at: i64,
}

/// An authorization code `ac_…`.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct OAuthCode {
    /// Platform it was issued to.
    pub platform: String,
    /// Connected account.
    pub account: String,
    /// Granted scope.
    pub scope: Scope,
    /// Expiry (sandbox time).
    pub expires_at: i64,
    /// Redeemed already.
    pub used: bool,
    /// Tokens issued with it (revoked if the code is replayed).
    pub issued: Vec<String>,
}

/// A refresh token `rt_…`.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct RefreshToken {
    /// Platform.
    pub platform: String,
    /// Connected account.
    pub account: String,
    /// Scope.
    pub scope: Scope,
    /// Revoked by deauthorization.
    pub revoked: bool,
}

/// Routes at the sandbox root.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/oauth/authorize", get(authorize))
        .route("/express/oauth/authorize", get(authorize_express))
        .route("/oauth/authorize/decision", post(decide))
        .route("/oauth/token", post(token))
        .route("/oauth/deauthorize", post(deauthorize))
}

struct OAuthError {
    status: StatusCode,
    error: &'static str,
    description: String,
}

impl OAuthError {
    fn new(status: StatusCode, error: &'static str, description: impl Into<String>) -> Self {
        Self {
            status,
            error,
            description: description.into(),
        }
    }
}

impl IntoResponse for OAuthError {
    fn into_response(self) -> Response {
        (
            self.status,
            Json(json!({ "error": self.error, "error_description": self.description })),
        )
            .into_response()
    }
}

fn error_page(status: StatusCode, message: &str) -> Response {
    let body = format!(
        "<h1>Something went wrong</h1><p class=\"error\" role=\"alert\">{}</p>",
        escape(message)
    );
    (status, page("Connect error", &body)).into_response()
}

fn with_query(url: &str, pairs: &[(&str, &str)]) -> String {
    let mut out = String::from(url);
    let mut first = !url.contains('?');
    for (k, v) in pairs {
        out.push(if first { '?' } else { '&' });
        first = false;
        out.push_str(k);
        out.push('=');
        out.push_str(&url::form_urlencoded::byte_serialize(v.as_bytes()).collect::<String>());
    }
    out
}

async fn authorize(
    State(app): State<AppState>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    start_authorization(&app, &q, false)
}

async fn authorize_express(
    State(app): State<AppState>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    start_authorization(&app, &q, true)
}

fn start_authorization(app: &AppState, q: &HashMap<String, String>, express: bool) -> Response {
    let client_id = q.get("client_id").map(String::as_str).unwrap_or_default();
    let Some(platform) = app.read(|s| s.platform_by_client_id(client_id).cloned()) else {
        return error_page(
            StatusCode::BAD_REQUEST,
            &format!("No application matches the supplied client identifier: '{client_id}'."),
        );
    };
    let redirect_uri = match q.get("redirect_uri").filter(|r| !r.is_empty()) {
        Some(uri) if platform.redirect_uris.is_empty() || platform.redirect_uris.contains(uri) => {
            uri.clone()
        }
        Some(uri) => {
            return error_page(
                StatusCode::BAD_REQUEST,
                &format!(
                    "Invalid redirect URI '{uri}'. Ensure this uri exactly matches one of the URIs specified in your application settings."
                ),
            );
        }
        None => match platform.redirect_uris.first() {
            Some(uri) => uri.clone(),
            None => {
                return error_page(
                    StatusCode::BAD_REQUEST,
                    "No redirect_uri was given and the application has none configured.",
                );
            }
        },
    };
    if url::Url::parse(&redirect_uri).is_err() {
        return error_page(
            StatusCode::BAD_REQUEST,
            &format!("Invalid redirect URI '{redirect_uri}'."),
        );
    }
    let state = q.get("state").cloned();
    let back = |error: &str, description: &str| {
        let mut pairs = vec![("error", error), ("error_description", description)];
        if let Some(s) = state.as_deref() {
            pairs.push(("state", s));
        }
        Redirect::to(&with_query(&redirect_uri, &pairs)).into_response()
    };
    if q.get("response_type").map(String::as_str) != Some("code") {
        return back(
            "unsupported_response_type",
            "Only 'code' response_type is supported.",
        );
    }
    let requested_scope = q.get("scope").map_or("read_only", String::as_str);
    let Some(scope) = Scope::parse(requested_scope) else {
        return back(
            "invalid_scope",
            &format!("Invalid scope: {requested_scope}. Expected read_only or read_write."),
        );
    };
    let id = ids::random_chars(24);
    let request = OAuthRequest {
        id: id.clone(),
        platform: platform.account_id.clone(),
        redirect_uri,
        scope,
        state: state.clone(),
        express,
        expires_at: app.clock.now() + REQUEST_TTL_SECS,
    };
    let accounts = app.write(|tx| {
        tx.oauth_requests.insert(id.clone(), request);
        standalone_accounts(tx)
    });
    consent_page(&platform.name, &id, scope, express, &accounts, q).into_response()
}

fn standalone_accounts(tx: &Tx<'_>) -> Vec<(String, String)> {
    let mut list: Vec<(i64, String, String)> = tx
        .accounts
        .values()
        .filter(|m| m.platform.is_none() && !m.deleted && !tx.is_platform(&m.id))
        .map(|m| {
            (
                m.created,
                m.id.clone(),
                m.display_name.clone().unwrap_or_default(),
            )
        })
        .collect();
    list.sort();
    list.into_iter().map(|(_, id, name)| (id, name)).collect()
}

fn consent_page(
    platform: &str,
    request_id: &str,
    scope: Scope,
    express: bool,
    accounts: &[(String, String)],
    q: &HashMap<String, String>,
) -> axum::response::Html<String> {
    let prefill = |k: &str| {
        q.get(&format!("stripe_user[{k}]"))
            .cloned()
            .unwrap_or_default()
    };
    let scope_text = match scope {
        Scope::ReadWrite => {
            "view and manage your payments, customers and account data (read_write)"
        }
        Scope::ReadOnly => "view your payments, customers and account data (read_only)",
    };
    let mut choices = String::new();
    if !express {
        for (i, (id, name)) in accounts.iter().enumerate() {
            let checked = if i == 0 { " checked" } else { "" };
            choices.push_str(&format!(
                "<div class=\"choice\"><label class=\"check\"><input type=\"radio\" name=\"account\" id=\"account_{id}\" value=\"{id}\"{checked}> {} <span class=\"muted\">{id}</span></label></div>",
                escape(if name.is_empty() { "Unnamed account" } else { name })
            ));
        }
    }
    let new_checked = if accounts.is_empty() || express {
        " checked"
    } else {
        ""
    };
    let name = if prefill("business_name").is_empty() {
        "Sandbox Merchant".to_owned()
    } else {
        prefill("business_name")
    };
    let email = prefill("email");
    let country = if prefill("country").is_empty() {
        "US".to_owned()
    } else {
        prefill("country").to_uppercase()
    };
    let body = format!(
        "<h1>Connect with {platform}</h1>\
         <p class=\"lead\"><strong>{platform}</strong> would like to {scope_text}.</p>\
         <form method=\"post\" action=\"/oauth/authorize/decision\">\
         <input type=\"hidden\" name=\"request\" value=\"{request_id}\">\
         <h2>{heading}</h2>{choices}\
         <div class=\"choice\"><label class=\"check\"><input type=\"radio\" name=\"account\" id=\"account_new\" value=\"new\"{new_checked}> Create a new test account</label>\
         {name_input}{email_input}{country_input}</div>\
         <div class=\"actions\"><button class=\"primary\" type=\"submit\" name=\"decision\" value=\"approve\" id=\"approve\">Connect my Stripe account</button>\
         <button type=\"submit\" name=\"decision\" value=\"deny\" id=\"deny\">Deny access</button></div></form>",
        platform = escape(platform),
        heading = if express {
            "Your Express account"
        } else {
            "Choose the account to connect"
        },
        name_input = input(
            "business_name",
            "Business name",
            "text",
            &name,
            "Sandbox Merchant"
        ),
        email_input = input("email", "Email", "email", &email, "merchant@example.com"),
        country_input = input("country", "Country (ISO code)", "text", &country, "US"),
    );
    page(&format!("Connect with {platform}"), &body)
}

async fn decide(State(app): State<AppState>, form: Form) -> Response {
    let field = |k: &str| {
        form.0
            .get(k)
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned()
    };
    let request_id = field("request");
    let now = app.clock.now();
    let Some(request) = app
        .write(|tx| tx.oauth_requests.remove(&request_id))
        .filter(|r| r.expires_at > now)
    else {
        return error_page(
            StatusCode::BAD_REQUEST,
            "This authorization request has expired. Start again from the platform.",
        );
    };
    let state = request.state.clone().unwrap_or_default();
    let mut pairs: Vec<(&str, String)> = Vec::new();
    if field("decision") != "approve" {
        pairs.push(("error", "access_denied".into()));
        pairs.push(("error_description", "The user denied your request".into()));
    } else {
        let code = app.write(|tx| {
            approve(
                tx,
                &request,
                &field("account"),
                &field("business_name"),
                &field("email"),
                &field("country"),
            )
        });
        pairs.push(("code", code));
        pairs.push(("scope", request.scope.as_str().into()));
    }
    if request.state.is_some() {
        pairs.push(("state", state));
    }
    let borrowed: Vec<(&str, &str)> = pairs.iter().map(|(k, v)| (*k, v.as_str())).collect();
    Redirect::to(&with_query(&request.redirect_uri, &borrowed)).into_response()
}

fn approve(
    tx: &mut Tx<'_>,
    request: &OAuthRequest,
    choice: &str,
    name: &str,
    email: &str,
    country: &str,
) -> String {
    let now = tx.now();
    let country = if country.len() == 2 {
        country.to_uppercase()
    } else {
        "US".into()
    };
    let name = if name.is_empty() {
        "Sandbox Merchant"
    } else {
        name
    };
    let email = Some(email).filter(|e| !e.is_empty());
    let account = if request.express {
        let meta = crate::accounts::records::AccountMeta {
            id: ids::account_id(),
            individual_person_id: ids::new_id("person"),
            display_name: Some(name.to_owned()),
            account_type: "express".into(),
            controller: model::controller_for_type("express"),
            country: country.clone(),
            email: email.map(str::to_owned),
            default_currency: model::currency_for(&country).into(),
            capabilities: [
                ("card_payments".to_owned(), now),
                ("transfers".to_owned(), now),
            ]
            .into(),
            complete: true,
            ..Default::default()
        };
        let id = meta.id.clone();
        model::create_connected(tx, &request.platform, meta);
        id
    } else if choice.starts_with("acct_")
        && tx
            .accounts
            .get(choice)
            .is_some_and(|m| m.platform.is_none() && !m.deleted)
    {
        choice.to_owned()
    } else {
        model::create_standalone_account(tx, name, email, &country)
    };
    if !request.express {
        tx.connect(
            &request.platform,
            &account,
            ConnectionKind::OAuth,
            request.scope,
            now,
        );
        crate::hooks::account_connected(tx, &request.platform, &account);
    }
    let application = application_object(tx, &request.platform);
    tx.emit(
        &account,
        "account.application.authorized",
        application,
        None,
    );
    let code = format!("ac_{}", ids::random_chars(32));
    tx.oauth_codes.insert(
        code.clone(),
        OAuthCode {
            platform: request.platform.clone(),
            account,
            scope: request.scope,
            expires_at: now + CODE_TTL_SECS,
            used: false,
            issued: Vec::new(),
        },
    );
    code
}

/// `{id: ca_…, object: "application", name}` for application events.
pub fn application_object(tx: &Tx<'_>, platform: &str) -> Value {
    let p = tx.platforms.get(platform);
    json!({
        "id": p.map(|p| p.client_id.clone()),
        "object": "application",
        "name": p.map(|p| p.name.clone()),
    })
}

fn platform_from_auth(
    app: &AppState,
    headers: &HeaderMap,
    form: &Form,
) -> Result<String, OAuthError> {
    let key = auth::api_key(headers)
        .or_else(|| form.0.get("client_secret").and_then(Value::as_str).map(str::to_owned))
        .ok_or_else(|| OAuthError::new(StatusCode::UNAUTHORIZED, "invalid_client", "No authentication was provided. Send your secret API key using the Authorization header, or as a client_secret POST parameter."))?;
    app.write(|tx| match auth::resolve_key(tx, &key) {
        Ok(caller) if !caller.via_oauth => Ok(caller.platform),
        _ => Err(OAuthError::new(
            StatusCode::UNAUTHORIZED,
            "invalid_client",
            format!("Invalid API Key provided: {}", ids::mask_key(&key)),
        )),
    })
}

async fn token(State(app): State<AppState>, headers: HeaderMap, form: Form) -> Response {
    match issue_token(&app, &headers, &form) {
        Ok(v) => Json(v).into_response(),
        Err(e) => e.into_response(),
    }
}

fn issue_token(app: &AppState, headers: &HeaderMap, form: &Form) -> Result<Value, OAuthError> {
    let platform = platform_from_auth(app, headers, form)?;
    let field = |k: &str| {
        form.0
            .get(k)
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
    };
    let requested_scope = match field("scope") {
        Some(s) => Some(Scope::parse(&s).ok_or_else(|| {
            OAuthError::new(
                StatusCode::BAD_REQUEST,
                "invalid_scope",
                format!("Invalid scope: {s}"),
            )
        })?),
        None => None,
    };
    match field("grant_type").as_deref() {
        Some("authorization_code") => {
            let code = field("code").ok_or_else(|| {
                OAuthError::new(
                    StatusCode::BAD_REQUEST,
                    "invalid_request",
                    "No code provided",
                )
            })?;
            app.write(|tx| redeem_code(tx, &platform, &code, requested_scope))
        }
        Some("refresh_token") => {
            let refresh = field("refresh_token").ok_or_else(|| {
                OAuthError::new(
                    StatusCode::BAD_REQUEST,
                    "invalid_request",
                    "No refresh_token provided",
                )
            })?;
            app.write(|tx| refresh_access(tx, &platform, &refresh, requested_scope))
        }
        Some(other) => Err(OAuthError::new(
            StatusCode::BAD_REQUEST,
            "unsupported_grant_type",
            format!("Unsupported grant type: {other}"),
        )),
        None => Err(OAuthError::new(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "No grant type specified",
        )),
    }
}

fn redeem_code(
    tx: &mut Tx<'_>,
    platform: &str,
    code: &str,
    scope: Option<Scope>,
) -> Result<Value, OAuthError> {
    let now = tx.now();
    let Some(record) = tx.oauth_codes.get(code).cloned() else {
        return Err(OAuthError::new(
            StatusCode::BAD_REQUEST,
            "invalid_grant",
            format!("Authorization code does not exist: {code}"),
        ));
    };
    if record.platform != platform {
        return Err(OAuthError::new(
            StatusCode::BAD_REQUEST,
            "invalid_grant",
            format!("Authorization code provided does not belong to you: {code}"),
        ));
    }
    if record.used {
        for token in &record.issued {
            if let Some(grant) = tx.api_keys.get_mut(token) {
                grant.revoked = true;
            }
        }
        return Err(OAuthError::new(
            StatusCode::BAD_REQUEST,
            "invalid_grant",
            format!(
                "This authorization code has already been used. All tokens issued with this code have been revoked: {code}"
            ),
        ));
    }
    if record.expires_at <= now {
        return Err(OAuthError::new(
            StatusCode::BAD_REQUEST,
            "invalid_grant",
            format!("Authorization code expired: {code}"),
        ));
    }
    let scope = narrow(record.scope, scope);
    let refresh = format!("rt_{}", ids::random_chars(32));
    tx.refresh_tokens.insert(
        refresh.clone(),
        RefreshToken {
            platform: platform.into(),
            account: record.account.clone(),
            scope: record.scope,
            revoked: false,
        },
    );
    let (response, issued) = mint(tx, platform, &record.account, scope, &refresh);
    if let Some(r) = tx.oauth_codes.get_mut(code) {
        r.used = true;
        r.issued = issued;
    }
    Ok(response)
}

fn refresh_access(
    tx: &mut Tx<'_>,
    platform: &str,
    refresh: &str,
    scope: Option<Scope>,
) -> Result<Value, OAuthError> {
    let record = tx
        .refresh_tokens
        .get(refresh)
        .cloned()
        .filter(|r| r.platform == platform && !r.revoked);
    let Some(record) = record else {
        return Err(OAuthError::new(
            StatusCode::BAD_REQUEST,
            "invalid_grant",
            format!("Refresh token does not exist: {refresh}"),
        ));
    };
    let scope = narrow(record.scope, scope);
    Ok(mint(tx, platform, &record.account, scope, refresh).0)
}

/// A token may be narrowed from read_write to read_only, never widened.
fn narrow(granted: Scope, requested: Option<Scope>) -> Scope {
    match (granted, requested) {
        (Scope::ReadWrite, Some(Scope::ReadOnly)) => Scope::ReadOnly,
        (granted, _) => granted,
    }
}

fn mint(
    tx: &mut Tx<'_>,
    platform: &str,
    account: &str,
    scope: Scope,
    refresh: &str,
) -> (Value, Vec<String>) {
    let access = ids::secret_key();
    let publishable = ids::publishable_key();
    let grant = |kind| KeyGrant {
        kind,
        platform: platform.into(),
        account: account.into(),
        scope,
        revoked: false,
    };
    tx.api_keys
        .insert(access.clone(), grant(KeyKind::OAuthAccess));
    tx.api_keys
        .insert(publishable.clone(), grant(KeyKind::Publishable));
    let response = json!({
        "access_token": access,
        "livemode": false,
        "refresh_token": refresh,
        "scope": scope.as_str(),
        "stripe_publishable_key": publishable,
        "stripe_user_id": account,
        "token_type": "bearer",
    });
    (response, vec![access, publishable])
}

async fn deauthorize(State(app): State<AppState>, headers: HeaderMap, form: Form) -> Response {
    let result = (|| {
        let platform = platform_from_auth(&app, &headers, &form)?;
        let field = |k: &str| {
            form.0
                .get(k)
                .and_then(Value::as_str)
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
        };
        let client_id = field("client_id").ok_or_else(|| {
            OAuthError::new(
                StatusCode::BAD_REQUEST,
                "invalid_request",
                "No client_id provided",
            )
        })?;
        let account = field("stripe_user_id").ok_or_else(|| {
            OAuthError::new(
                StatusCode::BAD_REQUEST,
                "invalid_request",
                "No stripe_user_id provided",
            )
        })?;
        app.write(|tx| {
            if tx.platforms.get(&platform).map(|p| p.client_id.as_str()) != Some(client_id.as_str()) {
                return Err(OAuthError::new(StatusCode::UNAUTHORIZED, "invalid_client", format!("No such application: '{client_id}'")));
            }
            if tx.connection(&platform, &account).is_none() {
                return Err(OAuthError::new(StatusCode::UNAUTHORIZED, "invalid_client", format!("This application is not connected to stripe account {account}, or that account does not exist.")));
            }
            revoke_connection(tx, &platform, &account);
            Ok(json!({ "stripe_user_id": account }))
        })
    })();
    match result {
        Ok(v) => Json(v).into_response(),
        Err(e) => e.into_response(),
    }
}

/// Disconnects `account` from `platform`: emits `account.application.deauthorized` to the
/// platform's Connect endpoints, then revokes the connection and every token issued for it.
pub fn revoke_connection(tx: &mut Tx<'_>, platform: &str, account: &str) {
    let application = application_object(tx, platform);
    tx.emit(
        account,
        "account.application.deauthorized",
        application,
        None,
    );
    if let Some(connections) = tx.connections.get_mut(account) {
        for c in connections.iter_mut().filter(|c| c.platform == platform) {
            c.revoked = true;
        }
    }
    for grant in tx.api_keys.values_mut() {
        if grant.platform == platform && grant.account == account && grant.platform != grant.account
        {
            grant.revoked = true;
        }
    }
    for token in tx.refresh_tokens.values_mut() {
        if token.platform == platform && token.account == account {
            token.revoked = true;
        }
    }
}
