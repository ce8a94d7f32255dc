//! Stripe webhooks: a durable inbox and the worker that empties it.
//!
//! [`ingest`] verifies the signature over the raw body and stores the event keyed by its id
//! (a duplicate is acknowledged and ignored) before the route answers 2xx. The worker claims
//! due events with a lease, runs their handler, and marks them done in the handler's own
//! transaction, so a crash at any point leaves an event either untouched or fully processed.

mod handlers;
mod inbox;
mod worker;

pub use handlers::{HandlerError, process};
pub use inbox::{
    Envelope, InboxEvent, InboxStatus, IngestError, Ingested, MAX_ATTEMPTS, claim_due, complete,
    counts, ingest, release_for_retry, store_fetched,
};
pub use worker::{WorkerConfig, spawn_worker};
