//! The Stripe seam. [`StripeApi`] carries async-stripe's typed requests to Stripe — or to the
//! sandbox, which differs only by base URL — with Comptoir's retry, idempotency and logging
//! rules. OAuth (connect.stripe.com) and webhook signatures live here too.

mod api;
mod error;
pub mod oauth;
pub mod signature;

pub use api::{RetryPolicy, StripeApi, StripeEndpoints};
pub use error::StripeError;

/// The API version every request pins: the one async-stripe's types were generated from, so
/// answers and webhook payloads parse into them.
pub const API_VERSION: &str = "2026-09-30.endive";

#[cfg(test)]
mod tests {
    #[test]
    fn pinned_version_is_async_stripes() {
        assert_eq!(super::API_VERSION, stripe_client_core::VERSION.as_str());
    }
}
