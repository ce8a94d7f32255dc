//! Backfill: reading an account's history through Stripe's list endpoints, `limit=100` a page,
//! newest first. Each page is written together with its cursor in one transaction, so a crash
//! loses at most the page in flight and the next run resumes at the page after the last saved
//! one: no gap, and no duplicate (rows are keyed by Stripe id). Objects created while the walk
//! goes back through history are then read with `ending_before` from the newest object seen at
//! the start (the catch-up), so a one-off backfill misses nothing either.

use std::time::{Duration, Instant};

use serde_json::Value;
use stripe::StripeRequest;
use stripe_client_core::RequestBuilder;
use stripe_types::RangeQueryTs;

use super::{
    MirrorError, PLATFORM, balances,
    objects::apply_page,
    observed_now, status,
    stripe_io::{self, list_parts, not_a_list},
    worker::Syncer,
};
use crate::{db::DbError, stripe::StripeError};

/// A list a backfill reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Resource {
    Customers,
    CheckoutSessions,
    PaymentIntents,
    Charges,
    Refunds,
    Disputes,
    Payouts,
    BalanceTransactions,
    /// The platform's, for every account.
    ApplicationFees,
}

impl Resource {
    /// What a connected account's backfill reads, in this order (customers and sessions first,
    /// so payments find their emails).
    pub const ACCOUNT: [Resource; 8] = [
        Resource::Customers,
        Resource::CheckoutSessions,
        Resource::PaymentIntents,
        Resource::Charges,
        Resource::Refunds,
        Resource::Disputes,
        Resource::Payouts,
        Resource::BalanceTransactions,
    ];

    /// What the platform's backfill reads.
    pub const PLATFORM: [Resource; 1] = [Resource::ApplicationFees];

    pub fn name(self) -> &'static str {
        match self {
            Resource::Customers => "customers",
            Resource::CheckoutSessions => "checkout_sessions",
            Resource::PaymentIntents => "payment_intents",
            Resource::Charges => "charges",
            Resource::Refunds => "refunds",
            Resource::Disputes => "disputes",
            Resource::Payouts => "payouts",
            Resource::BalanceTransactions => "balance_transactions",
            Resource::ApplicationFees => "application_fees",
        }
    }

    /// The list request for one page.
    pub(crate) fn request(self, page: &PageParams) -> RequestBuilder {
        macro_rules! list {
            ($builder:expr) => {{
                let mut b = $builder.limit(page.limit);
                if let Some(c) = &page.starting_after {
                    b = b.starting_after(c.as_str());
                }
                if let Some(c) = &page.ending_before {
                    b = b.ending_before(c.as_str());
                }
                if let Some(t) = page.created_gte {
                    b = b.created(RangeQueryTs::gte(t));
                }
                b.build()
            }};
        }
        match self {
            Resource::Customers => list!(stripe_core::customer::ListCustomer::new()),
            Resource::CheckoutSessions => {
                list!(stripe_checkout::checkout_session::ListCheckoutSession::new())
            }
            Resource::PaymentIntents => {
                list!(stripe_core::payment_intent::ListPaymentIntent::new())
            }
            Resource::Charges => list!(stripe_core::charge::ListCharge::new()),
            Resource::Refunds => list!(stripe_core::refund::ListRefund::new()),
            Resource::Disputes => list!(stripe_core::dispute::ListDispute::new()),
            Resource::Payouts => list!(stripe_core::payout::ListPayout::new()),
            Resource::BalanceTransactions => {
                list!(stripe_core::balance_transaction::ListBalanceTransaction::new())
            }
            Resource::ApplicationFees => {
                list!(stripe_connect::application_fee::ListApplicationFee::new())
            }
        }
    }
}

/// One list page's parameters.
#[derive(Debug, Clone, Default)]
pub(crate) struct PageParams {
    pub limit: i64,
    pub starting_after: Option<String>,
    pub ending_before: Option<String>,
    pub created_gte: Option<i64>,
}

/// A list page as a request that can be built again for each try.
pub(crate) struct PageRequest {
    pub resource: Resource,
    pub params: PageParams,
}

impl StripeRequest for PageRequest {
    type Output = Value;

    fn build(&self) -> RequestBuilder {
        self.resource.request(&self.params)
    }
}

/// What one backfill run did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BackfillReport {
    pub account: String,
    /// Pages read by this run.
    pub pages: u64,
    /// Objects read by this run (a resumed run reads only what was left).
    pub objects: u64,
    /// It continued an interrupted backfill.
    pub resumed: bool,
    pub elapsed: Duration,
}

#[derive(Debug, Clone, sqlx::FromRow)]
struct CursorRow {
    phase: String,
    starting_after: Option<String>,
    newest_id: Option<String>,
}

/// Reads every list of `account` ([`PLATFORM`] for application fees), resuming where a
/// previous run stopped. The caller holds the account's lease.
pub(crate) async fn run(syncer: &Syncer, account: &str) -> Result<BackfillReport, MirrorError> {
    let started = Instant::now();
    let db = &syncer.services.db;
    let stripe = syncer.services.stripe()?;
    let resources: &[Resource] = if account == PLATFORM {
        &Resource::PLATFORM
    } else {
        &Resource::ACCOUNT
    };
    let steps_total = resources.len() as i64 + i64::from(account != PLATFORM);
    let resumed = {
        let (n,): (i64,) =
            sqlx::query_as("SELECT COUNT(*) FROM sync_cursors WHERE account_id = $1")
                .bind(account)
                .fetch_one(db.pool())
                .await?;
        n > 0
    };
    if resumed {
        // Lists finished by the interrupted run are read again from their newest object:
        // what was created since is part of this backfill too.
        sqlx::query(
            "UPDATE sync_cursors SET phase = 'catch_up' WHERE account_id = $1 AND phase = 'done'",
        )
        .bind(account)
        .execute(db.pool())
        .await?;
    }
    status::begin_backfill(db, account, steps_total, syncer.now()).await?;
    if status::events_cursor(db, account).await?.is_none() {
        // Reconciliation starts from the newest event that exists now (Stripe's clock).
        let newest = newest_event(syncer, &stripe, account).await?;
        status::set_events_cursor(db, account, newest.unwrap_or(0)).await?;
    }
    let mut report = BackfillReport {
        account: account.to_string(),
        pages: 0,
        objects: 0,
        resumed,
        elapsed: Duration::ZERO,
    };
    for resource in resources {
        walk(syncer, &stripe, account, *resource, &mut report).await?;
    }
    if account != PLATFORM {
        if syncer.is_cancelled() {
            return Err(MirrorError::Invalid("the sync was stopped".into()));
        }
        balances::refresh(
            &syncer.services.db,
            &stripe,
            &syncer.budget,
            syncer.config.patience,
            account,
        )
        .await?;
    }
    status::finish_backfill(db, account, syncer.now()).await?;
    report.elapsed = started.elapsed();
    Ok(report)
}

/// The account (`None` for the platform) as `Stripe-Account` wants it.
pub(crate) fn stripe_account(account: &str) -> Option<&str> {
    (account != PLATFORM).then_some(account)
}

async fn newest_event(
    syncer: &Syncer,
    stripe: &crate::stripe::StripeApi,
    account: &str,
) -> Result<Option<i64>, StripeError> {
    let list = stripe_io::get_json(
        stripe,
        &syncer.budget,
        syncer.config.patience,
        stripe_core::event::ListEvent::new().limit(1),
        stripe_account(account),
    )
    .await?;
    let (data, _) = list_parts(&list).ok_or_else(not_a_list)?;
    Ok(data.first().and_then(|e| e["created"].as_i64()))
}

async fn load_cursor(
    db: &crate::Db,
    account: &str,
    resource: Resource,
) -> Result<CursorRow, DbError> {
    let row: Option<CursorRow> = sqlx::query_as(
        "SELECT phase, starting_after, newest_id FROM sync_cursors WHERE account_id = $1 AND resource = $2",
    )
    .bind(account)
    .bind(resource.name())
    .fetch_optional(db.pool())
    .await?;
    Ok(row.unwrap_or(CursorRow {
        phase: "pages".into(),
        starting_after: None,
        newest_id: None,
    }))
}

/// Whether Stripe refused a cursor that no longer exists (the object was deleted).
fn lost_cursor(error: &StripeError) -> bool {
    error.code() == Some("resource_missing") && error.status() == Some(400)
}

/// Pages through one list to its end, then catches up with what appeared meanwhile.
async fn walk(
    syncer: &Syncer,
    stripe: &crate::stripe::StripeApi,
    account: &str,
    resource: Resource,
    report: &mut BackfillReport,
) -> Result<(), MirrorError> {
    let db = &syncer.services.db;
    let mut cursor = load_cursor(db, account, resource).await?;
    let mut reset_once = false;
    while cursor.phase != "done" {
        if syncer.is_cancelled() {
            return Err(MirrorError::Invalid("the sync was stopped".into()));
        }
        let catching_up = cursor.phase == "catch_up" && cursor.newest_id.is_some();
        let params = PageParams {
            limit: syncer.config.page_size,
            starting_after: (!catching_up)
                .then(|| cursor.starting_after.clone())
                .flatten(),
            ending_before: if catching_up {
                cursor.newest_id.clone()
            } else {
                None
            },
            created_gte: None,
        };
        let version = observed_now();
        let list = match stripe_io::get_json(
            stripe,
            &syncer.budget,
            syncer.config.patience,
            PageRequest { resource, params },
            stripe_account(account),
        )
        .await
        {
            Ok(list) => list,
            Err(e) if lost_cursor(&e) && !reset_once => {
                tracing::warn!(
                    account,
                    resource = resource.name(),
                    "a backfill cursor vanished; reading this list again"
                );
                reset_once = true;
                cursor = CursorRow {
                    phase: "pages".into(),
                    starting_after: None,
                    newest_id: None,
                };
                continue;
            }
            Err(e) => return Err(e.into()),
        };
        let (data, has_more) = list_parts(&list).ok_or_else(not_a_list)?;
        let first_id = data
            .first()
            .and_then(|o| o["id"].as_str())
            .map(str::to_string);
        let last_id = data
            .last()
            .and_then(|o| o["id"].as_str())
            .map(str::to_string);
        let next = match cursor.phase.as_str() {
            "pages" => CursorRow {
                phase: if has_more { "pages" } else { "catch_up" }.into(),
                newest_id: cursor.newest_id.clone().or(first_id),
                starting_after: last_id.or(cursor.starting_after.clone()),
            },
            // Catching up with no newest object: the list was empty at the start; read it whole.
            _ if !catching_up => CursorRow {
                phase: if data.is_empty() {
                    "done"
                } else if has_more {
                    "pages"
                } else {
                    "catch_up"
                }
                .into(),
                newest_id: first_id,
                starting_after: last_id,
            },
            _ => CursorRow {
                phase: if has_more { "catch_up" } else { "done" }.into(),
                newest_id: first_id.or(cursor.newest_id.clone()),
                starting_after: cursor.starting_after.clone(),
            },
        };
        let n = data.len() as i64;
        let now = syncer.now();
        let mut tx = db.begin_write().await?;
        apply_page(&mut tx, account, &data, version).await?;
        sqlx::query(
            "INSERT INTO sync_cursors (account_id, resource, phase, starting_after, newest_id, objects) \
             VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (account_id, resource) DO UPDATE SET \
             phase = excluded.phase, starting_after = excluded.starting_after, newest_id = excluded.newest_id, \
             objects = sync_cursors.objects + excluded.objects",
        )
        .bind(account)
        .bind(resource.name())
        .bind(&next.phase)
        .bind(&next.starting_after)
        .bind(&next.newest_id)
        .bind(n)
        .execute(&mut *tx)
        .await?;
        status::page_saved(
            &mut tx,
            account,
            n,
            next.phase == "done",
            now + syncer.config.lease_secs,
            now,
        )
        .await?;
        tx.commit().await.map_err(DbError::from)?;
        report.pages += 1;
        report.objects += data.len() as u64;
        cursor = next;
    }
    Ok(())
}
