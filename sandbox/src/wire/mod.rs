//! Stripe's wire conventions: form parameters, errors, authentication, idempotency, lists,
//! expansion and the per-request context.

pub mod auth;
pub mod context;
pub mod error;
pub mod expand;
pub mod form;
pub mod idempotency;
pub mod list;
