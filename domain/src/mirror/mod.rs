//! The commerce mirror: every connected account's payment intents, charges, refunds, disputes,
//! payouts, balance transactions, customers, Checkout Sessions and balance, and the platform's
//! application fees, kept in Comptoir's database so that admin pages and widgets answer without
//! calling Stripe.
//!
//! **Versioning rule.** Each row carries the `version` of the observation that wrote it: the
//! time, in milliseconds, at which the request that read the object from Stripe was *sent*
//! ([`observed_now`]). A write whose version is not above the stored one changes nothing, so an
//! older read never overwrites a newer one, whatever order reads complete in. Webhook payloads are
//! never written as they are: an event only says which object changed, and its handler reads
//! that object from Stripe (see [`events`]) — so replaying old events, or receiving them out of
//! order, or before or after a backfill, converges on Stripe's current state. Mutations made
//! through Comptoir (refund, capture, dispute evidence) write Stripe's response at once with the
//! version taken before the call ([`apply_object`]).
//!
//! Filling it: [`backfill`] pages through each list (`limit=100`), saving its cursor with each
//! page; [`reconcile`] lists the events since the last run and feeds the missing ones to the
//! webhook inbox; the [`worker`] runs both within a shared request [`budget`].

pub mod backfill;
pub mod balances;
pub mod budget;
pub mod customers;
pub mod events;
mod objects;
pub mod payments;
pub mod payouts;
pub mod reconcile;
pub mod revenue;
pub mod status;
mod stripe_io;
pub mod worker;

pub use backfill::{BackfillReport, Resource};
pub use budget::RequestBudget;
pub use objects::{Applied, Kind, apply_in, apply_object, counts_by_account};
pub use stripe_io::Patience;
pub use worker::{SyncConfig, Syncer};

use crate::{db::DbError, stripe::StripeError};

/// The key of the platform's own row in the sync bookkeeping (its application fees).
pub const PLATFORM: &str = "platform";

/// What reading or writing the mirror can fail with.
#[derive(Debug, thiserror::Error)]
pub enum MirrorError {
    #[error(transparent)]
    Db(#[from] DbError),
    #[error(transparent)]
    Stripe(#[from] StripeError),
    /// The input cannot be used (a malformed filter, an object Stripe would never send).
    #[error("{0}")]
    Invalid(String),
    /// Another process is syncing this account right now.
    #[error("this account is being synced by another worker")]
    Busy,
}

impl From<sqlx::Error> for MirrorError {
    fn from(e: sqlx::Error) -> Self {
        Self::Db(e.into())
    }
}

/// The version of an observation starting now: wall-clock milliseconds. Not the domain
/// [`crate::Clock`]: versions only order reads, and must keep moving in tests whose clock is
/// frozen.
pub fn observed_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}
