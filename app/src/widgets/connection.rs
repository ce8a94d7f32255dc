//! The widgets' link to Comptoir's widget API: a client secret (from the host's
//! `fetchClientSecret`, or Comptoir's own server function) is claimed for a short-lived token,
//! every call carries it, and an expired token is replaced by claiming a fresh secret, once per
//! call. One connection serves every widget of an instance, so a page claims one secret.
//!
//! It runs in the browser only; server rendering never calls it.

use std::{cell::RefCell, future::Future, pin::Pin, rc::Rc};

use futures::{FutureExt, future::Shared};
use leptos::prelude::*;
use serde::{Serialize, de::DeserializeOwned};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

use super::model::{Claimed, Scope};

/// What went wrong, in Connect.js's `EmbeddedErrorType` vocabulary.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WidgetError {
    /// `authentication_error`, `permission_error`, `invalid_request_error`, `rate_limit_error`,
    /// `api_connection_error`, `api_error`, `account_session_create_error`.
    pub kind: String,
    pub code: Option<String>,
    pub message: String,
}

impl WidgetError {
    fn new(kind: &str, message: impl Into<String>) -> Self {
        Self {
            kind: kind.into(),
            code: None,
            message: message.into(),
        }
    }

    fn from_response(status: u16, body: &str) -> Self {
        let parsed: serde_json::Value = serde_json::from_str(body).unwrap_or_default();
        let error = &parsed["error"];
        let kind = error["type"]
            .as_str()
            .map(str::to_string)
            .unwrap_or_else(|| {
                match status {
                    401 => "authentication_error",
                    403 => "permission_error",
                    429 => "rate_limit_error",
                    400..=499 => "invalid_request_error",
                    _ => "api_error",
                }
                .into()
            });
        Self {
            kind,
            code: error["code"].as_str().map(str::to_string),
            message: error["message"]
                .as_str()
                .map(str::to_string)
                .unwrap_or_else(|| format!("HTTP {status}")),
        }
    }
}

impl std::fmt::Display for WidgetError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

type LocalFuture<T> = Pin<Box<dyn Future<Output = T>>>;

/// Where client secrets come from.
#[derive(Clone)]
pub enum SecretSource {
    /// The host page's `fetchClientSecret()` (returns a Promise of the secret).
    Host(js_sys::Function),
    /// Any async function (Comptoir's own dashboard uses a server function).
    Native(Rc<dyn Fn() -> LocalFuture<Result<String, String>>>),
}

/// A claim in progress, shared by every call that needs a token meanwhile.
type PendingClaim = Shared<LocalFuture<Result<Claimed, WidgetError>>>;

pub struct WidgetConnection {
    api_base: String,
    source: SecretSource,
    /// The secret the loader fetched eagerly, before the WASM was even loaded.
    first_secret: RefCell<Option<js_sys::Promise>>,
    claimed: RefCell<Option<Claimed>>,
    pending: RefCell<Option<PendingClaim>>,
    /// What the current token allows, for widgets to show only what is enabled.
    pub scope: RwSignal<Option<Scope>, LocalStorage>,
}

/// Seconds before expiry at which a token is treated as expired.
const TOKEN_MARGIN_SECS: i64 = 5;

fn now_secs() -> i64 {
    (js_sys::Date::now() / 1000.0) as i64
}

impl WidgetConnection {
    pub fn new(
        api_base: &str,
        source: SecretSource,
        first_secret: Option<js_sys::Promise>,
    ) -> Rc<Self> {
        Rc::new(Self {
            api_base: api_base.trim_end_matches('/').to_string(),
            source,
            first_secret: RefCell::new(first_secret),
            claimed: RefCell::new(None),
            pending: RefCell::new(None),
            scope: RwSignal::new_local(None),
        })
    }

    async fn client_secret(&self) -> Result<String, WidgetError> {
        let failed = |detail: String| {
            WidgetError::new(
                "account_session_create_error",
                format!("Could not get a client secret: {detail}"),
            )
        };
        // Taken before awaiting, so no borrow is held while another call claims.
        let first = self.first_secret.borrow_mut().take();
        if let Some(first) = first {
            let value = JsFuture::from(first)
                .await
                .map_err(|e| failed(describe(&e)))?;
            return value
                .as_string()
                .ok_or_else(|| failed("fetchClientSecret did not resolve to a string".into()));
        }
        match &self.source {
            SecretSource::Host(fetch) => {
                let promise = fetch
                    .call0(&JsValue::NULL)
                    .map_err(|e| failed(describe(&e)))?
                    .dyn_into::<js_sys::Promise>()
                    .map_err(|_| failed("fetchClientSecret must return a Promise".into()))?;
                let value = JsFuture::from(promise)
                    .await
                    .map_err(|e| failed(describe(&e)))?;
                value
                    .as_string()
                    .ok_or_else(|| failed("fetchClientSecret did not resolve to a string".into()))
            }
            SecretSource::Native(fetch) => fetch().await.map_err(failed),
        }
    }

    async fn claim(self: Rc<Self>) -> Result<Claimed, WidgetError> {
        let secret = self.client_secret().await?;
        #[derive(Serialize)]
        struct ClaimBody<'a> {
            client_secret: &'a str,
        }
        let body = serde_json::to_string(&ClaimBody {
            client_secret: &secret,
        })
        .unwrap_or_default();
        let (status, text) = http(
            &format!("{}/widget/v1/claim", self.api_base),
            "POST",
            Some(body),
            None,
        )
        .await?;
        if !(200..300).contains(&status) {
            return Err(WidgetError::from_response(status, &text));
        }
        let claimed: Claimed = serde_json::from_str(&text)
            .map_err(|e| WidgetError::new("api_error", format!("Unexpected claim answer: {e}")))?;
        let scope = Some(Scope {
            account: claimed.account.clone(),
            components: claimed.components.clone(),
        });
        // A renewed session with the same scope changes nothing on screen (an open detail view
        // stays open); only a different scope re-renders the widgets.
        if self.scope.get_untracked() != scope {
            self.scope.set(scope);
        }
        *self.claimed.borrow_mut() = Some(claimed.clone());
        Ok(claimed)
    }

    /// A valid token, claiming one when there is none or it is about to expire.
    async fn token(self: &Rc<Self>) -> Result<String, WidgetError> {
        if let Some(claimed) = self.claimed.borrow().as_ref()
            && claimed.expires_at - TOKEN_MARGIN_SECS > now_secs()
        {
            return Ok(claimed.token.clone());
        }
        let pending = {
            let mut slot = self.pending.borrow_mut();
            match slot.as_ref() {
                Some(pending) => pending.clone(),
                None => {
                    let future: LocalFuture<Result<Claimed, WidgetError>> =
                        Box::pin(self.clone().claim());
                    let shared = future.shared();
                    *slot = Some(shared.clone());
                    shared
                }
            }
        };
        let result = pending.await;
        *self.pending.borrow_mut() = None;
        result.map(|c| c.token)
    }

    /// Claims now (to learn the scope before the first call).
    pub async fn connect(self: &Rc<Self>) -> Result<Scope, WidgetError> {
        self.token().await?;
        self.scope
            .get_untracked()
            .ok_or_else(|| WidgetError::new("api_error", "no scope after claiming"))
    }

    async fn call(
        self: &Rc<Self>,
        method: &str,
        path: &str,
        body: Option<String>,
    ) -> Result<String, WidgetError> {
        let url = format!("{}/widget/v1{path}", self.api_base);
        for attempt in 0..2 {
            let token = self.token().await?;
            let (status, text) = http(&url, method, body.clone(), Some(&token)).await?;
            if (200..300).contains(&status) {
                return Ok(text);
            }
            let error = WidgetError::from_response(status, &text);
            if status == 401 && attempt == 0 {
                // The token expired or was revoked: claim a fresh client secret and try again.
                *self.claimed.borrow_mut() = None;
                continue;
            }
            return Err(error);
        }
        Err(WidgetError::new(
            "authentication_error",
            "The session could not be renewed.",
        ))
    }

    pub async fn get<T: DeserializeOwned>(self: &Rc<Self>, path: &str) -> Result<T, WidgetError> {
        let text = self.call("GET", path, None).await?;
        serde_json::from_str(&text)
            .map_err(|e| WidgetError::new("api_error", format!("Unexpected answer: {e}")))
    }

    pub async fn post<B: Serialize, T: DeserializeOwned>(
        self: &Rc<Self>,
        path: &str,
        body: &B,
    ) -> Result<T, WidgetError> {
        let body = serde_json::to_string(body)
            .map_err(|e| WidgetError::new("invalid_request_error", e.to_string()))?;
        let text = self.call("POST", path, Some(body)).await?;
        serde_json::from_str(&text)
            .map_err(|e| WidgetError::new("api_error", format!("Unexpected answer: {e}")))
    }

    /// Ends the session: the token is revoked and forgotten. The widgets stay on screen; their
    /// next call claims a fresh client secret through `fetchClientSecret`.
    pub async fn logout(self: &Rc<Self>) {
        let token = self.claimed.borrow_mut().take().map(|c| c.token);
        if let Some(token) = token {
            let _ = http(
                &format!("{}/widget/v1/logout", self.api_base),
                "POST",
                None,
                Some(&token),
            )
            .await;
        }
    }
}

fn describe(error: &JsValue) -> String {
    error
        .dyn_ref::<js_sys::Error>()
        .map(|e| String::from(e.message()))
        .or_else(|| error.as_string())
        .unwrap_or_else(|| "unknown error".into())
}

async fn http(
    url: &str,
    method: &str,
    body: Option<String>,
    token: Option<&str>,
) -> Result<(u16, String), WidgetError> {
    let unreachable = |detail: String| {
        WidgetError::new(
            "api_connection_error",
            format!("Could not reach Comptoir: {detail}"),
        )
    };
    let init = web_sys::RequestInit::new();
    init.set_method(method);
    init.set_mode(web_sys::RequestMode::Cors);
    let headers = web_sys::Headers::new().map_err(|e| unreachable(describe(&e)))?;
    if let Some(token) = token {
        headers
            .set("Authorization", &format!("Bearer {token}"))
            .map_err(|e| unreachable(describe(&e)))?;
    }
    if let Some(body) = &body {
        headers
            .set("Content-Type", "application/json")
            .map_err(|e| unreachable(describe(&e)))?;
        init.set_body(&JsValue::from_str(body));
    }
    init.set_headers(&headers);
    let window = web_sys::window().ok_or_else(|| unreachable("no window".into()))?;
    let response = JsFuture::from(window.fetch_with_str_and_init(url, &init))
        .await
        .map_err(|e| unreachable(describe(&e)))?
        .dyn_into::<web_sys::Response>()
        .map_err(|_| unreachable("not a response".into()))?;
    let status = response.status();
    let text = JsFuture::from(response.text().map_err(|e| unreachable(describe(&e)))?)
        .await
        .map_err(|e| unreachable(describe(&e)))?
        .as_string()
        .unwrap_or_default();
    Ok((status, text))
}
