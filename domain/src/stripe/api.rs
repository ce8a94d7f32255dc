//! [`StripeApi`]: an implementation of async-stripe's `StripeClient` over reqwest.
//!
//! Why not async-stripe's own client: it opens a connection per request, drops `Request-Id` and
//! `Stripe-Should-Retry`, and backs off without jitter. Here every POST gets an idempotency key
//! before its first attempt and keeps it on every retry; retries back off exponentially with
//! jitter, honour `Retry-After` and `Stripe-Should-Retry`, and give up with the last error.

use std::{sync::Arc, time::Duration};

use bytes::Bytes;
use rand::Rng;
use stripe_client_core::{CustomizedStripeRequest, RequestStrategy, StripeClient, StripeMethod};

use super::error::StripeError;
use crate::secret::Secret;

/// Where Stripe lives. Real Stripe by default; the sandbox gives its own URL for both.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StripeEndpoints {
    /// The REST API, ending with `/` (`https://api.stripe.com/`).
    pub api_base: String,
    /// OAuth for Connect, ending with `/` (`https://connect.stripe.com/`).
    pub connect_base: String,
}

impl Default for StripeEndpoints {
    fn default() -> Self {
        Self {
            api_base: "https://api.stripe.com/".into(),
            connect_base: "https://connect.stripe.com/".into(),
        }
    }
}

/// How hard to try before giving up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Attempts in all, the first included.
    pub max_attempts: u32,
    /// The backoff before the first retry; doubled each time, capped at `max_delay`.
    pub base_delay: Duration,
    pub max_delay: Duration,
    /// Per attempt.
    pub timeout: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            max_attempts: 4,
            base_delay: Duration::from_millis(500),
            max_delay: Duration::from_secs(8),
            timeout: Duration::from_secs(30),
        }
    }
}

impl RetryPolicy {
    /// The wait before retry number `retry` (1-based): half the capped exponential delay, plus a
    /// random part up to the other half, so many clients do not retry in step.
    pub fn backoff(&self, retry: u32) -> Duration {
        let exp = self
            .base_delay
            .saturating_mul(2u32.saturating_pow(retry.saturating_sub(1)));
        let capped = exp.min(self.max_delay);
        let half = capped / 2;
        half + half.mul_f64(rand::thread_rng().r#gen::<f64>())
    }
}

/// A configured connection to Stripe's API for one platform secret key.
#[derive(Clone)]
pub struct StripeApi {
    inner: Arc<Inner>,
}

struct Inner {
    http: reqwest::Client,
    endpoints: StripeEndpoints,
    secret_key: Secret,
    retry: RetryPolicy,
}

impl std::fmt::Debug for StripeApi {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StripeApi")
            .field("api_base", &self.inner.endpoints.api_base)
            .field("secret_key", &self.inner.secret_key)
            .finish()
    }
}

impl StripeApi {
    pub fn new(secret_key: Secret, endpoints: StripeEndpoints, retry: RetryPolicy) -> Self {
        let http = reqwest::Client::builder()
            .user_agent(concat!(
                "Comptoir/",
                env!("CARGO_PKG_VERSION"),
                " (async-stripe 1.0.0-rc.10)"
            ))
            .connect_timeout(Duration::from_secs(10))
            .tcp_nodelay(true)
            .pool_idle_timeout(Duration::from_secs(60))
            .build()
            .unwrap_or_else(|_| reqwest::Client::new());
        Self {
            inner: Arc::new(Inner {
                http,
                endpoints,
                secret_key,
                retry,
            }),
        }
    }

    pub fn endpoints(&self) -> &StripeEndpoints {
        &self.inner.endpoints
    }

    pub(crate) fn http(&self) -> &reqwest::Client {
        &self.inner.http
    }

    pub(crate) fn secret_key(&self) -> &Secret {
        &self.inner.secret_key
    }

    pub fn retry_policy(&self) -> RetryPolicy {
        self.inner.retry
    }

    /// True for test-mode keys (`sk_test_…`, `rk_test_…`).
    pub fn is_test_mode(&self) -> bool {
        self.inner.secret_key.expose().contains("_test_")
    }

    async fn attempt(
        &self,
        method: &reqwest::Method,
        url: &str,
        body: Option<&str>,
        account: Option<&str>,
        idempotency_key: Option<&str>,
        timeout: Duration,
    ) -> Result<Bytes, Failure> {
        let mut request = self
            .inner
            .http
            .request(method.clone(), url)
            .bearer_auth(self.inner.secret_key.expose())
            .header("Stripe-Version", super::API_VERSION)
            .timeout(timeout);
        if let Some(account) = account {
            request = request.header("Stripe-Account", account);
        }
        if let Some(key) = idempotency_key {
            request = request.header("Idempotency-Key", key);
        }
        if let Some(body) = body {
            request = request
                .header(
                    reqwest::header::CONTENT_TYPE,
                    "application/x-www-form-urlencoded",
                )
                .body(body.to_string());
        }
        let response = request.send().await.map_err(Failure::from_transport)?;
        let status = response.status().as_u16();
        let header = |name: &str| {
            response
                .headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_string)
        };
        let request_id = header("request-id");
        let should_retry = header("stripe-should-retry").map(|v| v == "true");
        let retry_after = header("retry-after")
            .and_then(|v| v.trim().parse::<u64>().ok())
            .map(Duration::from_secs);
        let bytes = response.bytes().await.map_err(Failure::from_transport)?;
        tracing::debug!(%method, path = %path_of(url), status, request_id = request_id.as_deref().unwrap_or("-"), "stripe call");
        if (200..300).contains(&status) {
            return Ok(bytes);
        }
        let error = parse_error_body(status, &bytes, request_id);
        let retryable = match should_retry {
            Some(explicit) => explicit,
            None => matches!(status, 409 | 429 | 500..=504),
        };
        Err(Failure {
            error,
            retryable,
            retry_after,
        })
    }
}

/// One failed attempt and whether another may follow.
struct Failure {
    error: StripeError,
    retryable: bool,
    retry_after: Option<Duration>,
}

impl Failure {
    fn from_transport(e: reqwest::Error) -> Self {
        let error = if e.is_timeout() {
            StripeError::Timeout
        } else {
            StripeError::Network(describe_transport(&e))
        };
        Self {
            error,
            retryable: true,
            retry_after: None,
        }
    }
}

/// What went wrong on the wire, without the URL (whose query could carry ids) or any header.
fn describe_transport(e: &reqwest::Error) -> String {
    let what = if e.is_connect() {
        "connection failed"
    } else if e.is_body() || e.is_decode() {
        "the response body could not be read"
    } else if e.is_request() {
        "the request could not be sent"
    } else {
        "transport error"
    };
    match std::error::Error::source(e) {
        Some(source) => format!("{what}: {source}"),
        None => what.to_string(),
    }
}

fn path_of(url: &str) -> &str {
    let after_scheme = url.split_once("://").map(|(_, rest)| rest).unwrap_or(url);
    let path = after_scheme
        .find('/')
        .map(|i| &after_scheme[i..])
        .unwrap_or("/");
    path.split('?').next().unwrap_or(path)
}

fn parse_error_body(status: u16, bytes: &[u8], request_id: Option<String>) -> StripeError {
    let body: serde_json::Value = serde_json::from_slice(bytes).unwrap_or_default();
    let error = &body["error"];
    let text = |key: &str| error[key].as_str().map(str::to_string);
    StripeError::Api {
        status,
        kind: text("type").unwrap_or_else(|| "api_error".into()),
        code: text("code"),
        decline_code: text("decline_code"),
        message: text("message")
            .unwrap_or_else(|| format!("HTTP {status} without an error message")),
        param: text("param"),
        request_id,
    }
}

impl StripeClient for StripeApi {
    type Err = StripeError;

    async fn execute(&self, req: CustomizedStripeRequest) -> Result<Bytes, StripeError> {
        let (request, config) = req.into_pieces();
        let method = match request.method {
            StripeMethod::Get => reqwest::Method::GET,
            StripeMethod::Post => reqwest::Method::POST,
            StripeMethod::Delete => reqwest::Method::DELETE,
        };
        let mut url = format!("{}v1{}", self.inner.endpoints.api_base, request.path);
        if let Some(query) = request.query.as_deref().filter(|q| !q.is_empty()) {
            url.push('?');
            url.push_str(query);
        }
        let strategy = config.request_strategy;
        // The key is made once, before the first attempt, and sent on every retry, so a retry
        // after a lost answer cannot create a second object.
        let idempotency_key = match &strategy {
            Some(RequestStrategy::Idempotent(key)) => Some(key.as_str().to_string()),
            _ if method == reqwest::Method::POST => Some(uuid::Uuid::new_v4().to_string()),
            _ => None,
        };
        let max_attempts = match strategy {
            Some(RequestStrategy::Once) => 1,
            _ => self.inner.retry.max_attempts.max(1),
        };
        let timeout = config.timeout.unwrap_or(self.inner.retry.timeout);
        let account = config.account_id.as_ref().map(|a| a.as_str().to_string());

        let mut attempt = 1;
        loop {
            match self
                .attempt(
                    &method,
                    &url,
                    request.body.as_deref(),
                    account.as_deref(),
                    idempotency_key.as_deref(),
                    timeout,
                )
                .await
            {
                Ok(bytes) => return Ok(bytes),
                Err(failure) if failure.retryable && attempt < max_attempts => {
                    let wait = failure
                        .retry_after
                        .map(|d| d.min(self.inner.retry.max_delay))
                        .unwrap_or_else(|| self.inner.retry.backoff(attempt));
                    tracing::info!(
                        path = %path_of(&url), attempt, wait_ms = wait.as_millis() as u64,
                        error = %failure.error, "retrying a Stripe call"
                    );
                    tokio::time::sleep(wait).await;
                    attempt += 1;
                }
                Err(failure) if attempt > 1 => {
                    return Err(StripeError::GaveUp {
                        attempts: attempt,
                        last: Box::new(failure.error),
                    });
                }
                Err(failure) => return Err(failure.error),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_is_capped_and_jittered() {
        let policy = RetryPolicy {
            max_attempts: 5,
            base_delay: Duration::from_millis(100),
            max_delay: Duration::from_millis(400),
            timeout: Duration::from_secs(1),
        };
        for _ in 0..50 {
            let first = policy.backoff(1);
            assert!(first >= Duration::from_millis(50) && first <= Duration::from_millis(100));
            let third = policy.backoff(3);
            assert!(third >= Duration::from_millis(200) && third <= Duration::from_millis(400));
            let tenth = policy.backoff(10);
            assert!(tenth <= Duration::from_millis(400), "capped");
        }
        let samples: std::collections::HashSet<_> = (0..20).map(|_| policy.backoff(2)).collect();
        assert!(samples.len() > 1, "jittered");
    }

    #[test]
    fn only_the_path_is_logged() {
        assert_eq!(
            path_of("http://127.0.0.1:1/v1/accounts?limit=3"),
            "/v1/accounts"
        );
        assert_eq!(path_of("https://api.stripe.com/v1/balance"), "/v1/balance");
    }

    #[test]
    fn error_envelopes_are_read() {
        let body = br#"{"error":{"type":"card_error","code":"card_declined","decline_code":"generic_decline","message":"Your card was declined.","param":"payment_method"}}"#;
        let error = parse_error_body(402, body, Some("req_1".into()));
        assert_eq!(error.code(), Some("card_declined"));
        assert_eq!(error.status(), Some(402));
        assert!(error.to_string().contains("Your card was declined."));
        let garbage = parse_error_body(502, b"<html>bad gateway</html>", None);
        assert_eq!(garbage.status(), Some(502));
    }
}
