//! The sandbox's configuration: timings, persistence, fault injection and webhook delivery knobs.

use std::path::PathBuf;
use std::time::Duration;

use serde::{Deserialize, Serialize};

/// Everything that can be tuned when a sandbox is created. `Default` mirrors Stripe test mode.
#[derive(Clone, Debug)]
pub struct SandboxConfig {
    /// Delays between a failed webhook delivery and its retries (sandbox clock). One retry per entry.
    pub webhook_retry_schedule: Vec<Duration>,
    /// How long a webhook receiver may take before the attempt counts as failed.
    pub delivery_timeout: Duration,
    /// Delay before an asynchronous payment method (SEPA) settles. Used by the payments family.
    pub async_payment_delay: Duration,
    /// Delay for the "Delayed" SEPA test IBANs.
    pub delayed_async_payment_delay: Duration,
    /// Lifetime of an Account Link URL.
    pub account_link_ttl: Duration,
    /// Lifetime of an AccountSession client secret.
    pub account_session_ttl: Duration,
    /// How long an idempotency key is remembered (sandbox clock).
    pub idempotency_ttl: Duration,
    /// Where state is persisted so a demo survives a restart; `None` keeps everything in memory.
    pub state_file: Option<PathBuf>,
    /// Base URL used in hosted-page links, e.g. `http://localhost:12111/`; defaults to the bound address.
    pub public_url: Option<String>,
    /// Injected API failures.
    pub faults: FaultConfig,
    /// Webhook delivery misbehaviour.
    pub delivery: DeliveryKnobs,
}

impl Default for SandboxConfig {
    fn default() -> Self {
        Self {
            webhook_retry_schedule: vec![
                Duration::from_secs(60),
                Duration::from_secs(600),
                Duration::from_secs(3600),
            ],
            delivery_timeout: Duration::from_secs(10),
            async_payment_delay: Duration::from_secs(5),
            delayed_async_payment_delay: Duration::from_secs(180),
            account_link_ttl: Duration::from_secs(300),
            account_session_ttl: Duration::from_secs(30 * 60),
            idempotency_ttl: Duration::from_secs(24 * 3600),
            state_file: None,
            public_url: None,
            faults: FaultConfig::default(),
            delivery: DeliveryKnobs::default(),
        }
    }
}

/// Failures injected into `/v1` requests before their handler runs (so nothing is created).
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
#[serde(default)]
pub struct FaultConfig {
    /// Probability (0..=1) of answering 429 `rate_limit` with `Stripe-Should-Retry: true`.
    pub rate_429: f64,
    /// Probability (0..=1) of answering 500 `api_error`.
    pub rate_500: f64,
    /// Added latency for every affected request, in milliseconds.
    pub latency_ms: u64,
    /// Only paths starting with this prefix (e.g. `/v1/accounts`) are affected.
    pub path_prefix: Option<String>,
}

/// How webhook deliveries misbehave, for testing at-least-once and out-of-order handling.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
#[serde(default)]
pub struct DeliveryKnobs {
    /// Probability (0..=1) that a successful delivery is sent a second time.
    pub duplicate_rate: f64,
    /// Probability (0..=1) that an attempt is silently dropped (never sent, counted as failed).
    pub drop_rate: f64,
    /// When true a dropped delivery is lost for good; otherwise it is retried on the schedule.
    pub drop_is_permanent: bool,
    /// Hold due deliveries for this many milliseconds and send each batch in shuffled order.
    pub reorder_window_ms: u64,
    /// Send held batches in exactly reversed order instead of a random shuffle (deterministic tests).
    pub reorder_reverse: bool,
    /// Extra delay before the first attempt of every delivery, in milliseconds.
    pub extra_delay_ms: u64,
}
