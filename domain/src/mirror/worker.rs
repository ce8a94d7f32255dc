//! The sync worker: backfills every account that connects (and resumes interrupted ones), and
//! in continuous mode reconciles each account periodically; a few accounts at a time, all
//! within one [`RequestBudget`].

use std::{collections::HashSet, sync::Arc, time::Duration};

use tokio::{sync::Notify, task::JoinSet};
use tokio_util::sync::CancellationToken;

use super::{
    BackfillReport, MirrorError, backfill,
    budget::RequestBudget,
    reconcile::{self, ReconcileReport},
    status,
    stripe_io::Patience,
};
use crate::{Services, settings::SyncMode};

/// How syncs run.
#[derive(Debug, Clone)]
pub struct SyncConfig {
    /// Requests a second, all syncs together. Stripe allows 25 per endpoint in test mode.
    pub requests_per_second: f64,
    /// Accounts synced at once.
    pub concurrency: usize,
    /// Objects per list page (Stripe's maximum is 100).
    pub page_size: i64,
    /// How often the worker looks for accounts to sync.
    pub poll_interval: Duration,
    /// How often each account is reconciled in continuous mode.
    pub reconcile_interval: Duration,
    /// How long an account stays taken by a worker that stopped answering.
    pub lease_secs: i64,
    /// How long a failed backfill waits before it is tried again.
    pub retry_failed_after: Duration,
    pub patience: Patience,
}

impl Default for SyncConfig {
    fn default() -> Self {
        Self {
            requests_per_second: 20.0,
            concurrency: 4,
            page_size: 100,
            poll_interval: Duration::from_secs(5),
            reconcile_interval: Duration::from_secs(300),
            lease_secs: 120,
            retry_failed_after: Duration::from_secs(300),
            patience: Patience::default(),
        }
    }
}

/// Runs backfills and reconciliations for one process.
#[derive(Clone)]
pub struct Syncer {
    pub(crate) services: Services,
    pub(crate) budget: Arc<RequestBudget>,
    pub(crate) config: SyncConfig,
    /// Who holds the leases this syncer takes.
    owner: Arc<str>,
    /// Rung when reconciliation put events into the webhook inbox.
    pub(crate) inbox_bell: Option<Arc<Notify>>,
    stop: CancellationToken,
}

impl std::fmt::Debug for Syncer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Syncer")
            .field("config", &self.config)
            .field("owner", &self.owner)
            .finish()
    }
}

impl Syncer {
    pub fn new(services: Services, config: SyncConfig) -> Self {
        Self {
            budget: Arc::new(RequestBudget::new(config.requests_per_second)),
            services,
            config,
            owner: format!("sync-{}", uuid::Uuid::new_v4().simple()).into(),
            inbox_bell: None,
            stop: CancellationToken::new(),
        }
    }

    /// Rings `bell` when reconciliation stores events, so the inbox worker takes them at once.
    pub fn with_inbox_bell(mut self, bell: Arc<Notify>) -> Self {
        self.inbox_bell = Some(bell);
        self
    }

    /// Syncs stop between pages once `token` is cancelled.
    pub fn with_stop(mut self, token: CancellationToken) -> Self {
        self.stop = token;
        self
    }

    pub fn config(&self) -> &SyncConfig {
        &self.config
    }

    /// The shared budget (to read how many requests were made).
    pub fn budget(&self) -> &RequestBudget {
        &self.budget
    }

    pub(crate) fn now(&self) -> i64 {
        self.services.clock.now()
    }

    pub(crate) fn is_cancelled(&self) -> bool {
        self.stop.is_cancelled()
    }

    /// Backfills `account` ([`super::PLATFORM`] for application fees), resuming an
    /// interrupted backfill. [`MirrorError::Busy`] when another worker holds the account.
    pub async fn backfill(&self, account: &str) -> Result<BackfillReport, MirrorError> {
        let db = &self.services.db;
        if !status::claim(db, account, &self.owner, self.config.lease_secs, self.now()).await? {
            return Err(MirrorError::Busy);
        }
        let result = backfill::run(self, account).await;
        if let Err(e) = &result
            && !self.is_cancelled()
        {
            tracing::warn!(account, error = %e, "backfill failed");
            status::record_error(db, account, &e.to_string(), true, self.now()).await?;
        }
        status::release(db, account, &self.owner).await?;
        result
    }

    /// Lists `account`'s events since the last run into the webhook inbox.
    pub async fn reconcile(&self, account: &str) -> Result<ReconcileReport, MirrorError> {
        let db = &self.services.db;
        if !status::claim(db, account, &self.owner, self.config.lease_secs, self.now()).await? {
            return Err(MirrorError::Busy);
        }
        let result = reconcile::run(self, account).await;
        if let Err(e) = &result
            && !self.is_cancelled()
        {
            tracing::warn!(account, error = %e, "reconciliation failed");
            status::record_error(db, account, &e.to_string(), false, self.now()).await?;
        }
        status::release(db, account, &self.owner).await?;
        result
    }

    /// The accounts to sync now: due backfills, then (in continuous mode) due reconciliations.
    pub async fn due(&self) -> Result<Vec<Job>, MirrorError> {
        let db = &self.services.db;
        let now = self.now();
        status::ensure_accounts(db, now).await?;
        let retry = i64::try_from(self.config.retry_failed_after.as_secs()).unwrap_or(i64::MAX);
        let mut jobs: Vec<Job> = status::due_backfills(db, now, retry)
            .await?
            .into_iter()
            .map(Job::Backfill)
            .collect();
        if self.services.settings().sync_mode == SyncMode::Continuous {
            let interval =
                i64::try_from(self.config.reconcile_interval.as_secs()).unwrap_or(i64::MAX);
            jobs.extend(
                status::due_reconciliations(db, now, interval)
                    .await?
                    .into_iter()
                    .map(Job::Reconcile),
            );
        }
        Ok(jobs)
    }

    /// Runs until `shutdown`: every `poll_interval`, starts what is due, at most `concurrency`
    /// accounts at once.
    pub fn spawn(self, shutdown: CancellationToken) -> tokio::task::JoinHandle<()> {
        let syncer = self.with_stop(shutdown.clone());
        tokio::spawn(async move {
            let mut running: JoinSet<String> = JoinSet::new();
            let mut busy: HashSet<String> = HashSet::new();
            let mut tick = tokio::time::interval(syncer.config.poll_interval);
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                tokio::select! {
                    _ = shutdown.cancelled() => break,
                    Some(done) = running.join_next(), if !running.is_empty() => {
                        if let Ok(account) = done {
                            busy.remove(&account);
                        }
                    }
                    _ = tick.tick() => syncer.start_due(&mut running, &mut busy).await,
                }
            }
            // Jobs notice the cancellation between pages and give their leases back.
            while running.join_next().await.is_some() {}
        })
    }

    async fn start_due(&self, running: &mut JoinSet<String>, busy: &mut HashSet<String>) {
        if self.services.stripe().is_err() {
            return;
        }
        let jobs = match self.due().await {
            Ok(jobs) => jobs,
            Err(e) => {
                tracing::warn!(error = %e, "could not look for accounts to sync");
                return;
            }
        };
        for job in jobs {
            if running.len() >= self.config.concurrency.max(1) {
                break;
            }
            let account = job.account().to_string();
            if !busy.insert(account.clone()) {
                continue;
            }
            let worker = self.clone();
            running.spawn(async move {
                let outcome = match &job {
                    Job::Backfill(a) => worker.backfill(a).await.map(|_| ()),
                    Job::Reconcile(a) => worker.reconcile(a).await.map(|_| ()),
                };
                if let Err(e) = outcome
                    && !matches!(e, MirrorError::Busy)
                {
                    tracing::debug!(account = %account, error = %e, "sync job ended with an error");
                }
                account
            });
        }
    }
}

/// One thing to sync.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Job {
    Backfill(String),
    Reconcile(String),
}

impl Job {
    pub fn account(&self) -> &str {
        match self {
            Job::Backfill(a) | Job::Reconcile(a) => a,
        }
    }
}
