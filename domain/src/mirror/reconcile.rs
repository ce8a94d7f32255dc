//! Reconciliation, for continuous sync: what changed since the last run is what Stripe's events
//! say (`GET /v1/events?created[gte]=…` on each account, from the newest event seen last time,
//! with an overlap). Every listed event goes into the webhook inbox, keyed by its id: those that
//! arrived as webhooks are already there and change nothing; a dropped one is processed like a
//! late delivery — the mirror reads its object again, and an order it concerns moves on. New
//! balance transactions (which have no events) are listed by date as well.

use serde_json::Value;
use stripe_types::RangeQueryTs;

use super::{
    MirrorError, PLATFORM,
    backfill::{PageParams, PageRequest, Resource, stripe_account},
    budget::RequestBudget,
    objects::apply_page,
    observed_now, status,
    stripe_io::{self, Patience, list_parts, not_a_list},
    worker::Syncer,
};
use crate::{
    db::{Db, DbError},
    stripe::StripeApi,
    webhooks::{self, Ingested},
};

/// Events are listed from this long before the newest one seen, in case Stripe listed some
/// late; those seen before are recognised by id.
pub const OVERLAP_SECS: i64 = 300;

/// What one reconciliation found.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ReconcileReport {
    /// Events listed.
    pub events: u64,
    /// Events the inbox did not have: dropped or not yet delivered webhooks.
    pub missing: u64,
}

/// Lists `account`'s events since the last run into the inbox. The caller holds the lease.
pub(crate) async fn run(syncer: &Syncer, account: &str) -> Result<ReconcileReport, MirrorError> {
    let db = &syncer.services.db;
    let stripe = syncer.services.stripe()?;
    let since = status::events_cursor(db, account)
        .await?
        .map(|c| (c - OVERLAP_SECS).max(0))
        .unwrap_or(0);
    let mut report = ReconcileReport::default();
    let mut newest = since;
    let mut starting_after: Option<String> = None;
    loop {
        if syncer.is_cancelled() {
            return Err(MirrorError::Invalid("the sync was stopped".into()));
        }
        let mut request = stripe_core::event::ListEvent::new()
            .limit(syncer.config.page_size)
            .created(RangeQueryTs::gte(since));
        if let Some(cursor) = &starting_after {
            request = request.starting_after(cursor.as_str());
        }
        let list = stripe_io::get_json(
            &stripe,
            &syncer.budget,
            syncer.config.patience,
            request,
            stripe_account(account),
        )
        .await?;
        let (events, has_more) = list_parts(&list).ok_or_else(not_a_list)?;
        let now = syncer.now();
        for event in &events {
            report.events += 1;
            newest = newest.max(event["created"].as_i64().unwrap_or(0));
            let owner = event["account"]
                .as_str()
                .map(str::to_string)
                .or_else(|| stripe_account(account).map(str::to_string));
            if webhooks::store_fetched(db, event, owner.as_deref(), now).await? == Ingested::Stored
            {
                report.missing += 1;
            }
        }
        starting_after = events
            .last()
            .and_then(|e| e["id"].as_str())
            .map(str::to_string);
        if !has_more || starting_after.is_none() {
            break;
        }
    }
    if report.missing > 0 {
        tracing::info!(
            account,
            missing = report.missing,
            "reconciliation found events that never arrived"
        );
        if let Some(bell) = &syncer.inbox_bell {
            bell.notify_one();
        }
    }
    if account != PLATFORM {
        relist_since(
            db,
            &stripe,
            &syncer.budget,
            syncer.config.patience,
            account,
            Resource::BalanceTransactions,
            since,
            syncer.config.page_size,
        )
        .await?;
    }
    status::set_events_cursor(db, account, newest).await?;
    status::reconciled(db, account, report.missing as i64, syncer.now()).await?;
    Ok(report)
}

/// Reads every object of `resource` created since `since` (Stripe's clock) and writes it.
#[allow(clippy::too_many_arguments)]
pub(crate) async fn relist_since(
    db: &Db,
    stripe: &StripeApi,
    budget: &RequestBudget,
    patience: Patience,
    account: &str,
    resource: Resource,
    since: i64,
    page_size: i64,
) -> Result<u64, MirrorError> {
    let mut read = 0;
    let mut starting_after = None;
    loop {
        let version = observed_now();
        let request = PageRequest {
            resource,
            params: PageParams {
                limit: page_size,
                starting_after: starting_after.clone(),
                ending_before: None,
                created_gte: Some(since),
            },
        };
        let list: Value =
            stripe_io::get_json(stripe, budget, patience, request, stripe_account(account)).await?;
        let (data, has_more) = list_parts(&list).ok_or_else(not_a_list)?;
        let mut tx = db.begin_write().await?;
        apply_page(&mut tx, account, &data, version).await?;
        tx.commit().await.map_err(DbError::from)?;
        read += data.len() as u64;
        starting_after = data
            .last()
            .and_then(|o| o["id"].as_str())
            .map(str::to_string);
        if !has_more || starting_after.is_none() {
            return Ok(read);
        }
    }
}
