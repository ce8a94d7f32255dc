//! Stripe's error envelope: `ApiError` and its rendering as `{"error":{…}}` with the right status.

use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value, json};

use crate::ids;
use crate::wire::context;

/// Result type of every API handler.
pub type ApiResult<T> = Result<T, ApiError>;

/// Stripe's `error.type` values.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ErrorType {
    /// `invalid_request_error` (also used by Stripe for 401/403/404/429).
    InvalidRequest,
    /// `api_error` (500s).
    Api,
    /// `card_error` (402).
    Card,
    /// `idempotency_error`.
    Idempotency,
}

impl ErrorType {
    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::InvalidRequest => "invalid_request_error",
            Self::Api => "api_error",
            Self::Card => "card_error",
            Self::Idempotency => "idempotency_error",
        }
    }
}

/// Marker put on responses that the idempotency layer must not store (validation failures).
#[derive(Clone, Copy, Debug)]
pub struct NotStored;

/// An error answered in Stripe's envelope.
#[derive(Clone, Debug, thiserror::Error)]
#[error("{status} {message}")]
pub struct ApiError {
    /// HTTP status.
    pub status: StatusCode,
    /// `error.type`.
    pub kind: ErrorType,
    /// `error.code`, e.g. `resource_missing`.
    pub code: Option<String>,
    /// Human-readable message.
    pub message: String,
    /// The parameter at fault, e.g. `account` or `business_profile[url]`.
    pub param: Option<String>,
    /// Other fields of the error object (`decline_code`, `charge`, `payment_intent`, …), boxed
    /// to keep `Result<_, ApiError>` small.
    pub extra: Box<Map<String, Value>>,
    /// Value of the `Stripe-Should-Retry` header, if any.
    pub should_retry: Option<bool>,
    /// Whether an idempotency key should remember this answer (false for validation failures).
    pub stored: bool,
}

impl ApiError {
    /// A new error; see the named constructors for Stripe's usual ones.
    pub fn new(status: StatusCode, kind: ErrorType, message: impl Into<String>) -> Self {
        Self {
            status,
            kind,
            code: None,
            message: message.into(),
            param: None,
            extra: Box::default(),
            should_retry: None,
            stored: true,
        }
    }

    /// Sets `code`.
    pub fn code(mut self, code: &str) -> Self {
        self.code = Some(code.to_owned());
        self
    }

    /// Sets `param`.
    pub fn param(mut self, param: &str) -> Self {
        self.param = Some(param.to_owned());
        self
    }

    /// Marks this as a validation failure, which idempotency does not store.
    pub fn not_stored(mut self) -> Self {
        self.stored = false;
        self
    }

    /// Sets `decline_code` (card errors).
    pub fn decline_code(self, code: &str) -> Self {
        self.with("decline_code", json!(code))
    }

    /// Adds an extra field to the error object.
    pub fn with(mut self, key: &str, value: Value) -> Self {
        self.extra.insert(key.to_owned(), value);
        self
    }

    /// 400 `invalid_request_error` without a code.
    pub fn invalid(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, ErrorType::InvalidRequest, message)
    }

    /// 400 about one parameter's value (a validation failure).
    pub fn invalid_param(param: &str, message: impl Into<String>) -> Self {
        Self::invalid(message).param(param).not_stored()
    }

    /// 400 `parameter_missing`: `Missing required param: account.`
    pub fn missing_param(param: &str) -> Self {
        Self::invalid(format!("Missing required param: {param}."))
            .code("parameter_missing")
            .param(param)
            .not_stored()
    }

    /// 400 `parameter_unknown`: `Received unknown parameter: foo`.
    pub fn unknown_params(params: &[String]) -> Self {
        let first = params.first().cloned().unwrap_or_default();
        let message = if params.len() > 1 {
            format!("Received unknown parameters: {}", params.join(", "))
        } else {
            format!("Received unknown parameter: {first}")
        };
        Self::invalid(message)
            .code("parameter_unknown")
            .param(&first)
            .not_stored()
    }

    /// 400 `parameters_exclusive`.
    pub fn exclusive(a: &str, b: &str) -> Self {
        Self::invalid(format!(
            "You may only specify one of these parameters: {a}, {b}."
        ))
        .code("parameters_exclusive")
        .param(a)
        .not_stored()
    }

    /// 404 `resource_missing`: `No such <thing>: '<id>'`.
    pub fn no_such(thing: &str, id: &str, param: &str) -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            ErrorType::InvalidRequest,
            format!("No such {thing}: '{id}'"),
        )
        .code("resource_missing")
        .param(param)
    }

    /// 401 when no key was sent.
    pub fn no_api_key() -> Self {
        Self::new(
            StatusCode::UNAUTHORIZED,
            ErrorType::InvalidRequest,
            "You did not provide an API key. You need to provide your API key in the Authorization \
             header, using Bearer auth (e.g. 'Authorization: Bearer YOUR_SECRET_KEY'). See \
             https://stripe.com/docs/api#authentication for details, or we can help at \
             https://support.stripe.com/.",
        )
        .not_stored()
    }

    /// 401 for a key the sandbox does not accept.
    pub fn invalid_api_key(key: &str) -> Self {
        let mut message = format!("Invalid API Key provided: {}", ids::mask_key(key));
        if key.starts_with("sk_live_") || key.starts_with("rk_live_") {
            message.push_str(". This Stripe sandbox runs in test mode only: use an sk_test_ key.");
        }
        Self::new(StatusCode::UNAUTHORIZED, ErrorType::InvalidRequest, message)
            .code("api_key_invalid")
            .not_stored()
    }

    /// 401 for a revoked OAuth access token.
    pub fn expired_api_key(key: &str) -> Self {
        Self::new(
            StatusCode::UNAUTHORIZED,
            ErrorType::InvalidRequest,
            format!(
                "Expired API Key provided: {}. Application access may have been revoked.",
                ids::mask_key(key)
            ),
        )
        .code("api_key_expired")
        .not_stored()
    }

    /// 403 `account_invalid` for a `Stripe-Account` (or account id) the key cannot reach.
    pub fn account_access(key: &str, account: &str) -> Self {
        Self::new(
            StatusCode::FORBIDDEN,
            ErrorType::InvalidRequest,
            format!(
                "The provided key '{}' does not have access to account '{account}' (or that \
                 account does not exist). Application access may have been revoked.",
                ids::mask_key(key)
            ),
        )
        .code("account_invalid")
        .not_stored()
    }

    /// 403 permission error with a message.
    pub fn permission(message: impl Into<String>) -> Self {
        Self::new(StatusCode::FORBIDDEN, ErrorType::InvalidRequest, message).not_stored()
    }

    /// 400 `idempotency_error` for a key reused with other parameters.
    pub fn idempotency_mismatch(key: &str) -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            ErrorType::Idempotency,
            format!(
                "Keys for idempotent requests can only be used with the same parameters they were \
                 first used with. Try using a key other than '{key}' if you meant to execute a \
                 different request."
            ),
        )
        .not_stored()
    }

    /// 409 `idempotency_key_in_use` while the first request with the key is running.
    pub fn idempotency_in_use(key: &str) -> Self {
        let mut e = Self::new(
            StatusCode::CONFLICT,
            ErrorType::Idempotency,
            format!(
                "There is currently another in-progress request using this Idempotent Key (that \
                 probably means you submitted twice, and the other request is still going \
                 through): {key}. Please try again later."
            ),
        )
        .code("idempotency_key_in_use")
        .not_stored();
        e.should_retry = Some(true);
        e
    }

    /// 429 `rate_limit`.
    pub fn rate_limited() -> Self {
        let mut e = Self::new(
            StatusCode::TOO_MANY_REQUESTS,
            ErrorType::InvalidRequest,
            "Request rate limit exceeded. Learn more about rate limits here \
             https://stripe.com/docs/rate-limits.",
        )
        .code("rate_limit")
        .not_stored();
        e.should_retry = Some(true);
        e
    }

    /// 500 `api_error`.
    pub fn internal() -> Self {
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            ErrorType::Api,
            "An unknown error occurred. Please try again later.",
        )
    }

    /// 404 for an unknown route.
    pub fn unrecognized_url(method: &str, path: &str) -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            ErrorType::InvalidRequest,
            format!(
                "Unrecognized request URL ({method}: {path}). Please see https://stripe.com/docs \
                 or we can help at https://support.stripe.com/."
            ),
        )
        .not_stored()
    }

    /// The `{"error":{…}}` body.
    pub fn body(&self) -> Value {
        let mut error = Map::new();
        if let Some(code) = &self.code {
            error.insert("code".into(), json!(code));
        }
        if let Some(code) = &self.code {
            let doc = format!(
                "https://stripe.com/docs/error-codes/{}",
                code.replace('_', "-")
            );
            error.insert("doc_url".into(), json!(doc));
        }
        error.insert("message".into(), json!(self.message));
        if let Some(param) = &self.param {
            error.insert("param".into(), json!(param));
        }
        for (k, v) in self.extra.iter() {
            error.insert(k.clone(), v.clone());
        }
        if let Some(req) = context::current_request_id() {
            let url = format!("https://dashboard.stripe.com/test/logs/{req}");
            error.insert("request_log_url".into(), json!(url));
        }
        error.insert("type".into(), json!(self.kind.as_str()));
        json!({ "error": Value::Object(error) })
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = self.body();
        let mut response = (self.status, axum::Json(body)).into_response();
        if let Some(retry) = self.should_retry {
            let value = HeaderValue::from_static(if retry { "true" } else { "false" });
            response.headers_mut().insert("stripe-should-retry", value);
        }
        if !self.stored {
            response.extensions_mut().insert(NotStored);
        }
        response
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn envelope_has_doc_url_and_type() {
        let body = ApiError::no_such("account", "acct_1", "account").body();
        let e = &body["error"];
        assert_eq!(e["type"], "invalid_request_error");
        assert_eq!(e["code"], "resource_missing");
        assert_eq!(
            e["doc_url"],
            "https://stripe.com/docs/error-codes/resource-missing"
        );
        assert_eq!(e["message"], "No such account: 'acct_1'");
    }
}
