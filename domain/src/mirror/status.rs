//! Sync bookkeeping (`sync_accounts`, `sync_cursors`): which accounts need a backfill or a
//! reconciliation, leases so that one worker at a time syncs an account (several processes may
//! share a database), progress of running backfills, and the per-account status the admin sees.

use serde::{Deserialize, Serialize};
use sqlx::{Any, FromRow, Transaction};

use super::{Kind, PLATFORM, counts_by_account};
use crate::db::{Db, DbError};

/// Where an account's backfill stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BackfillStatus {
    /// Waiting for a worker.
    Pending,
    Running,
    Done,
    /// Stopped on an error; tried again later.
    Failed,
}

impl BackfillStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            BackfillStatus::Pending => "pending",
            BackfillStatus::Running => "running",
            BackfillStatus::Done => "done",
            BackfillStatus::Failed => "failed",
        }
    }

    pub fn parse(value: &str) -> Self {
        match value {
            "running" => BackfillStatus::Running,
            "done" => BackfillStatus::Done,
            "failed" => BackfillStatus::Failed,
            _ => BackfillStatus::Pending,
        }
    }
}

/// One account's sync, for the admin page and the CLI.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountSync {
    /// `acct_…`, or [`PLATFORM`] for the platform's application fees.
    pub account_id: String,
    pub merchant_name: Option<String>,
    pub backfill: BackfillStatus,
    /// A worker holds the account right now.
    pub running: bool,
    pub started_at: Option<i64>,
    pub finished_at: Option<i64>,
    pub steps_done: i64,
    pub steps_total: i64,
    /// Objects read by the current (or last) backfill.
    pub objects_synced: i64,
    pub reconciled_at: Option<i64>,
    /// Events the last reconciliation found that had not arrived as webhooks.
    pub repaired_last: i64,
    pub last_error: Option<String>,
    pub last_error_at: Option<i64>,
    /// Objects the mirror holds for this account, by kind.
    pub counts: Vec<(Kind, i64)>,
}

impl AccountSync {
    /// The last run of either kind.
    pub fn last_run_at(&self) -> Option<i64> {
        self.finished_at.max(self.reconciled_at)
    }
}

/// Every account's backfills added up: what a progress bar shows.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Progress {
    pub accounts: i64,
    pub accounts_done: i64,
    pub accounts_running: i64,
    pub accounts_failed: i64,
    pub steps_done: i64,
    pub steps_total: i64,
    pub objects_synced: i64,
}

impl Progress {
    /// Finished share of all steps, 0 to 1.
    pub fn fraction(&self) -> f64 {
        if self.steps_total == 0 {
            return if self.accounts_running == 0 { 1.0 } else { 0.0 };
        }
        (self.steps_done as f64 / self.steps_total as f64).clamp(0.0, 1.0)
    }

    /// No backfill is waiting or running.
    pub fn is_idle(&self) -> bool {
        self.accounts_done + self.accounts_failed >= self.accounts
    }
}

#[derive(FromRow)]
struct Row {
    account_id: String,
    merchant_name: Option<String>,
    backfill_status: String,
    locked_until: Option<i64>,
    backfill_started_at: Option<i64>,
    backfill_finished_at: Option<i64>,
    steps_done: i64,
    steps_total: i64,
    objects_synced: i64,
    reconciled_at: Option<i64>,
    repaired_last: i64,
    last_error: Option<String>,
    last_error_at: Option<i64>,
}

/// Makes sure every connected merchant's account (and the platform) has a row, and asks for a
/// new backfill of an account that was connected again since its last one.
pub async fn ensure_accounts(db: &Db, now: i64) -> Result<(), DbError> {
    sqlx::query(
        "INSERT INTO sync_accounts (account_id, backfill_status, connected_at, backfill_requested_at, updated_at) \
         SELECT stripe_account_id, 'pending', connected_at, $1, $1 FROM merchants \
         WHERE stripe_account_id IS NOT NULL AND disconnected_at IS NULL \
         ON CONFLICT (account_id) DO NOTHING",
    )
    .bind(now)
    .execute(db.pool())
    .await?;
    sqlx::query(
        "INSERT INTO sync_accounts (account_id, backfill_status, backfill_requested_at, updated_at) \
         VALUES ($1, 'pending', $2, $2) ON CONFLICT (account_id) DO NOTHING",
    )
    .bind(PLATFORM)
    .bind(now)
    .execute(db.pool())
    .await?;
    let reconnected: Vec<(String, Option<i64>)> = sqlx::query_as(
        "SELECT m.stripe_account_id, m.connected_at FROM merchants m JOIN sync_accounts s \
         ON s.account_id = m.stripe_account_id \
         WHERE m.disconnected_at IS NULL AND m.connected_at > COALESCE(s.connected_at, 0)",
    )
    .fetch_all(db.pool())
    .await?;
    for (account, connected_at) in reconnected {
        let mut tx = db.begin_write().await?;
        reset(&mut tx, &account, now).await?;
        sqlx::query("UPDATE sync_accounts SET connected_at = $1 WHERE account_id = $2")
            .bind(connected_at)
            .bind(&account)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
    }
    Ok(())
}

/// Forgets an account's cursors and asks for a backfill from the start.
async fn reset(tx: &mut Transaction<'static, Any>, account: &str, now: i64) -> Result<(), DbError> {
    sqlx::query("DELETE FROM sync_cursors WHERE account_id = $1")
        .bind(account)
        .execute(&mut **tx)
        .await?;
    sqlx::query(
        "UPDATE sync_accounts SET backfill_status = 'pending', backfill_requested_at = $1, steps_done = 0, \
         objects_synced = 0, failures = 0, updated_at = $1 WHERE account_id = $2",
    )
    .bind(now)
    .bind(account)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Asks for a backfill of `account` (or of every account). With `from_scratch` the cursors are
/// forgotten and every list is read again; otherwise an unfinished backfill resumes and a
/// finished one only catches up with what is new.
pub async fn request_backfill(
    db: &Db,
    account: Option<&str>,
    from_scratch: bool,
    now: i64,
) -> Result<u64, DbError> {
    ensure_accounts(db, now).await?;
    let accounts: Vec<(String,)> = match account {
        Some(a) => {
            sqlx::query_as("SELECT account_id FROM sync_accounts WHERE account_id = $1")
                .bind(a)
                .fetch_all(db.pool())
                .await?
        }
        None => {
            sqlx::query_as("SELECT account_id FROM sync_accounts")
                .fetch_all(db.pool())
                .await?
        }
    };
    let mut tx = db.begin_write().await?;
    for (account,) in &accounts {
        if from_scratch {
            reset(&mut tx, account, now).await?;
        } else {
            // A finished list is read again from its newest object: only what is new.
            sqlx::query("UPDATE sync_cursors SET phase = 'catch_up' WHERE account_id = $1 AND phase = 'done'")
                .bind(account)
                .execute(&mut *tx)
                .await?;
            sqlx::query(
                "UPDATE sync_accounts SET backfill_status = 'pending', backfill_requested_at = $1, failures = 0, \
                 updated_at = $1 WHERE account_id = $2 AND backfill_status <> 'running'",
            )
            .bind(now)
            .bind(account)
            .execute(&mut *tx)
            .await?;
        }
    }
    tx.commit().await?;
    Ok(accounts.len() as u64)
}

/// Takes `account` for `owner` until `now + lease_secs`, if nobody else holds it.
pub async fn claim(
    db: &Db,
    account: &str,
    owner: &str,
    lease_secs: i64,
    now: i64,
) -> Result<bool, DbError> {
    sqlx::query(
        "INSERT INTO sync_accounts (account_id, backfill_status, backfill_requested_at, updated_at) \
         VALUES ($1, 'pending', $2, $2) ON CONFLICT (account_id) DO NOTHING",
    )
    .bind(account)
    .bind(now)
    .execute(db.pool())
    .await?;
    let claimed = sqlx::query(
        "UPDATE sync_accounts SET locked_until = $1, lock_owner = $2, updated_at = $3 \
         WHERE account_id = $4 AND (locked_until IS NULL OR locked_until < $3 OR lock_owner = $2)",
    )
    .bind(now + lease_secs)
    .bind(owner)
    .bind(now)
    .bind(account)
    .execute(db.pool())
    .await?;
    Ok(claimed.rows_affected() == 1)
}

/// Gives `account` back.
pub async fn release(db: &Db, account: &str, owner: &str) -> Result<(), DbError> {
    sqlx::query(
        "UPDATE sync_accounts SET locked_until = NULL, lock_owner = NULL WHERE account_id = $1 AND lock_owner = $2",
    )
    .bind(account)
    .bind(owner)
    .execute(db.pool())
    .await?;
    Ok(())
}

/// Accounts whose backfill should run now: asked for, interrupted (lease run out), or failed
/// long enough ago. Disconnected accounts are left alone.
pub async fn due_backfills(
    db: &Db,
    now: i64,
    retry_failed_after_secs: i64,
) -> Result<Vec<String>, DbError> {
    let rows: Vec<(String,)> = sqlx::query_as(
        "SELECT s.account_id FROM sync_accounts s \
         WHERE (s.locked_until IS NULL OR s.locked_until < $1) \
         AND (s.backfill_status IN ('pending', 'running') \
              OR (s.backfill_status = 'failed' AND COALESCE(s.last_error_at, 0) <= $2)) \
         AND (s.account_id = $3 OR EXISTS (SELECT 1 FROM merchants m \
              WHERE m.stripe_account_id = s.account_id AND m.disconnected_at IS NULL)) \
         ORDER BY COALESCE(s.backfill_requested_at, 0), s.account_id",
    )
    .bind(now)
    .bind(now - retry_failed_after_secs)
    .bind(PLATFORM)
    .fetch_all(db.pool())
    .await?;
    Ok(rows.into_iter().map(|(a,)| a).collect())
}

/// Backfilled accounts not reconciled for `interval_secs`.
pub async fn due_reconciliations(
    db: &Db,
    now: i64,
    interval_secs: i64,
) -> Result<Vec<String>, DbError> {
    let rows: Vec<(String,)> = sqlx::query_as(
        "SELECT s.account_id FROM sync_accounts s \
         WHERE (s.locked_until IS NULL OR s.locked_until < $1) AND s.backfill_status = 'done' \
         AND COALESCE(s.reconciled_at, s.backfill_finished_at, 0) <= $2 \
         AND (s.account_id = $3 OR EXISTS (SELECT 1 FROM merchants m \
              WHERE m.stripe_account_id = s.account_id AND m.disconnected_at IS NULL)) \
         ORDER BY COALESCE(s.reconciled_at, 0), s.account_id",
    )
    .bind(now)
    .bind(now - interval_secs)
    .bind(PLATFORM)
    .fetch_all(db.pool())
    .await?;
    Ok(rows.into_iter().map(|(a,)| a).collect())
}

/// A backfill starts (or resumes): `objects_synced` counts what earlier attempts already read.
pub(crate) async fn begin_backfill(
    db: &Db,
    account: &str,
    steps_total: i64,
    now: i64,
) -> Result<(), DbError> {
    sqlx::query(
        "UPDATE sync_accounts SET backfill_status = 'running', steps_total = $1, \
         backfill_started_at = CASE WHEN backfill_status = 'running' THEN COALESCE(backfill_started_at, $2) ELSE $2 END, \
         backfill_finished_at = NULL, \
         objects_synced = (SELECT COALESCE(CAST(SUM(objects) AS BIGINT), 0) FROM sync_cursors WHERE account_id = $3), \
         steps_done = (SELECT COUNT(*) FROM sync_cursors WHERE account_id = $3 AND phase = 'done'), \
         updated_at = $2 WHERE account_id = $3",
    )
    .bind(steps_total)
    .bind(now)
    .bind(account)
    .execute(db.pool())
    .await?;
    Ok(())
}

/// Records a saved page: progress, and the lease renewed.
pub(crate) async fn page_saved(
    tx: &mut Transaction<'static, Any>,
    account: &str,
    objects: i64,
    step_finished: bool,
    lease_until: i64,
    now: i64,
) -> Result<(), DbError> {
    sqlx::query(
        "UPDATE sync_accounts SET objects_synced = objects_synced + $1, steps_done = steps_done + $2, \
         locked_until = $3, updated_at = $4 WHERE account_id = $5",
    )
    .bind(objects)
    .bind(i64::from(step_finished))
    .bind(lease_until)
    .bind(now)
    .bind(account)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

pub(crate) async fn finish_backfill(db: &Db, account: &str, now: i64) -> Result<(), DbError> {
    sqlx::query(
        "UPDATE sync_accounts SET backfill_status = 'done', backfill_finished_at = $1, steps_done = steps_total, \
         last_error = NULL, failures = 0, updated_at = $1 WHERE account_id = $2",
    )
    .bind(now)
    .bind(account)
    .execute(db.pool())
    .await?;
    Ok(())
}

/// Records a failed run; a backfill is marked failed, a reconciliation only keeps the error.
pub(crate) async fn record_error(
    db: &Db,
    account: &str,
    error: &str,
    backfill: bool,
    now: i64,
) -> Result<(), DbError> {
    let message: String = error.chars().take(500).collect();
    sqlx::query(
        "UPDATE sync_accounts SET last_error = $1, last_error_at = $2, failures = failures + 1, \
         backfill_status = CASE WHEN $3 = 1 THEN 'failed' ELSE backfill_status END, updated_at = $2 \
         WHERE account_id = $4",
    )
    .bind(message)
    .bind(now)
    .bind(i64::from(backfill))
    .bind(account)
    .execute(db.pool())
    .await?;
    Ok(())
}

/// The newest event seen (Stripe's clock) and when the account was last reconciled.
pub(crate) async fn events_cursor(db: &Db, account: &str) -> Result<Option<i64>, DbError> {
    let row: Option<(Option<i64>,)> =
        sqlx::query_as("SELECT events_cursor FROM sync_accounts WHERE account_id = $1")
            .bind(account)
            .fetch_optional(db.pool())
            .await?;
    Ok(row.and_then(|(c,)| c))
}

pub(crate) async fn set_events_cursor(db: &Db, account: &str, cursor: i64) -> Result<(), DbError> {
    sqlx::query(
        "UPDATE sync_accounts SET events_cursor = $1 WHERE account_id = $2 \
         AND (events_cursor IS NULL OR events_cursor < $1)",
    )
    .bind(cursor)
    .bind(account)
    .execute(db.pool())
    .await?;
    Ok(())
}

pub(crate) async fn reconciled(
    db: &Db,
    account: &str,
    repaired: i64,
    now: i64,
) -> Result<(), DbError> {
    sqlx::query(
        "UPDATE sync_accounts SET reconciled_at = $1, repaired_last = $2, updated_at = $1 WHERE account_id = $3",
    )
    .bind(now)
    .bind(repaired)
    .bind(account)
    .execute(db.pool())
    .await?;
    Ok(())
}

/// Every account's sync with the mirror's object counts, merchants by name, the platform last.
pub async fn overview(db: &Db, now: i64) -> Result<Vec<AccountSync>, DbError> {
    let rows: Vec<Row> = sqlx::query_as(
        "SELECT s.account_id, m.business_name AS merchant_name, s.backfill_status, s.locked_until, \
         s.backfill_started_at, s.backfill_finished_at, s.steps_done, s.steps_total, s.objects_synced, \
         s.reconciled_at, s.repaired_last, s.last_error, s.last_error_at \
         FROM sync_accounts s LEFT JOIN merchants m ON m.stripe_account_id = s.account_id \
         ORDER BY CASE WHEN s.account_id = $1 THEN 1 ELSE 0 END, m.business_name, s.account_id",
    )
    .bind(PLATFORM)
    .fetch_all(db.pool())
    .await?;
    let counts = counts_by_account(db).await?;
    Ok(rows
        .into_iter()
        .map(|r| {
            let mut own: Vec<(Kind, i64)> = counts
                .iter()
                .filter(|(account, kind, _)| {
                    if r.account_id == PLATFORM {
                        *kind == Kind::ApplicationFee
                    } else {
                        account == &r.account_id && *kind != Kind::ApplicationFee
                    }
                })
                .map(|(_, kind, n)| (*kind, *n))
                .collect();
            if r.account_id == PLATFORM {
                let total = own.iter().map(|(_, n)| n).sum();
                own = vec![(Kind::ApplicationFee, total)];
            }
            AccountSync {
                running: r.locked_until.is_some_and(|t| t >= now),
                account_id: r.account_id,
                merchant_name: r.merchant_name,
                backfill: BackfillStatus::parse(&r.backfill_status),
                started_at: r.backfill_started_at,
                finished_at: r.backfill_finished_at,
                steps_done: r.steps_done,
                steps_total: r.steps_total,
                objects_synced: r.objects_synced,
                reconciled_at: r.reconciled_at,
                repaired_last: r.repaired_last,
                last_error: r.last_error,
                last_error_at: r.last_error_at,
                counts: own,
            }
        })
        .collect())
}

/// All backfills added up, for progress bars.
pub async fn progress(db: &Db) -> Result<Progress, DbError> {
    let rows: Vec<(String, i64, i64, i64, i64)> = sqlx::query_as(
        "SELECT backfill_status, COUNT(*), CAST(SUM(steps_done) AS BIGINT), CAST(SUM(steps_total) AS BIGINT), \
         CAST(SUM(objects_synced) AS BIGINT) FROM sync_accounts GROUP BY backfill_status",
    )
    .fetch_all(db.pool())
    .await?;
    let mut p = Progress::default();
    for (status, n, done, total, objects) in rows {
        p.accounts += n;
        p.objects_synced += objects;
        match BackfillStatus::parse(&status) {
            BackfillStatus::Done => {
                p.accounts_done += n;
                p.steps_done += total;
                p.steps_total += total;
            }
            BackfillStatus::Failed => {
                p.accounts_failed += n;
                p.steps_done += done;
                p.steps_total += total;
            }
            BackfillStatus::Running => {
                p.accounts_running += n;
                p.steps_done += done;
                p.steps_total += total;
            }
            BackfillStatus::Pending => {
                p.steps_done += done;
                p.steps_total += total.max(n);
            }
        }
    }
    Ok(p)
}
