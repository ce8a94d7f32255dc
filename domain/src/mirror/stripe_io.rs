//! Reading Stripe for the mirror: async-stripe's typed request builders, sent through
//! [`StripeApi`] with `Stripe-Account`, answered as raw JSON (the mirror stores objects as
//! Stripe sent them). Failures worth waiting out (429, 5xx, network) are retried with backoff
//! within the shared [`RequestBudget`].

use std::time::Duration;

use rand::Rng;
use serde_json::Value;
use stripe::StripeRequest;
use stripe_client_core::RequestBuilder;

use super::budget::RequestBudget;
use crate::stripe::{StripeApi, StripeError};

/// How a sync waits out Stripe's refusals.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Patience {
    /// Tries in all for one request (each already retried by [`StripeApi`]).
    pub attempts: u32,
    /// The first wait; doubled each time up to `max_wait`, with jitter.
    pub first_wait: Duration,
    pub max_wait: Duration,
}

impl Default for Patience {
    fn default() -> Self {
        Self {
            attempts: 8,
            first_wait: Duration::from_secs(1),
            max_wait: Duration::from_secs(30),
        }
    }
}

/// Whether waiting and trying again may help.
pub(crate) fn is_transient(error: &StripeError) -> bool {
    match error {
        StripeError::GaveUp { last, .. } => is_transient(last),
        StripeError::Api { status, .. } => matches!(status, 409 | 429 | 500..=504),
        StripeError::Network(_) | StripeError::Timeout => true,
        StripeError::Decode(_) | StripeError::NotConfigured => false,
    }
}

/// A GET through the budget, as JSON; transient failures are waited out.
pub(crate) async fn get_json(
    stripe: &StripeApi,
    budget: &RequestBudget,
    patience: Patience,
    request: impl StripeRequest,
    account: Option<&str>,
) -> Result<Value, StripeError> {
    let mut attempt = 1;
    loop {
        budget.acquire().await;
        match send(stripe, request.build(), account).await {
            Ok(value) => return Ok(value),
            Err(e) if is_transient(&e) && attempt < patience.attempts => {
                if e.status() == Some(429) {
                    budget.slow_down();
                }
                let exp = patience
                    .first_wait
                    .saturating_mul(2u32.saturating_pow(attempt - 1))
                    .min(patience.max_wait);
                let wait = exp / 2 + (exp / 2).mul_f64(rand::thread_rng().r#gen::<f64>());
                tracing::info!(attempt, wait_ms = wait.as_millis() as u64, error = %e, "sync: waiting before trying Stripe again");
                tokio::time::sleep(wait).await;
                attempt += 1;
            }
            Err(e) => return Err(e),
        }
    }
}

async fn send(
    stripe: &StripeApi,
    request: RequestBuilder,
    account: Option<&str>,
) -> Result<Value, StripeError> {
    let mut request = request.customize::<miniserde::json::Value>();
    if let Some(account) = account {
        request = request.account_id(account.into());
    }
    let value = request.send(stripe).await?;
    // The typed client only speaks miniserde; the mirror keeps serde_json values.
    serde_json::from_str(&miniserde::json::to_string(&value))
        .map_err(|e| StripeError::Decode(e.to_string()))
}

/// The `data` of a list answer and its `has_more`; `None` when it is not a list.
pub(crate) fn list_parts(list: &Value) -> Option<(Vec<Value>, bool)> {
    let data = list["data"].as_array()?.clone();
    Some((data, list["has_more"].as_bool().unwrap_or(false)))
}

/// What a list answer without `data` is.
pub(crate) fn not_a_list() -> StripeError {
    StripeError::Decode("a list without data".into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rate_limits_and_outages_are_transient() {
        let api = |status| StripeError::Api {
            status,
            kind: "x".into(),
            code: None,
            decline_code: None,
            message: "m".into(),
            param: None,
            request_id: None,
        };
        assert!(is_transient(&api(429)));
        assert!(is_transient(&StripeError::GaveUp {
            attempts: 4,
            last: Box::new(api(503))
        }));
        assert!(is_transient(&StripeError::Timeout));
        assert!(!is_transient(&api(400)));
        assert!(!is_transient(&api(403)));
    }
}
