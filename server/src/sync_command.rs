//! `comptoir sync`: backfills the commerce mirror from the command line with a progress bar,
//! reconciles it on request, or prints each account's sync status. It uses the platform
//! settings stored in the database (so, on the embedded sandbox, the server must be running) and
//! takes the same leases as the server's worker: an account the server is syncing is watched,
//! not synced twice.

use std::{
    io::{IsTerminal, Write},
    sync::Arc,
    time::{Duration, Instant},
};

use anyhow::Context;
use domain::{
    Clock, Services,
    mirror::{
        self, MirrorError, Syncer,
        status::{self, AccountSync, BackfillStatus, Progress},
        worker::Job,
    },
    stripe::RetryPolicy,
    webhooks,
};
use tokio::{sync::Semaphore, task::JoinSet};

use crate::{
    config::Config,
    startup::{open_database, secrets_cipher},
};

/// What `comptoir sync` was asked.
#[derive(Debug, Clone, Default)]
pub struct SyncArgs {
    pub account: Option<String>,
    pub full: bool,
    pub reconcile: bool,
    pub status: bool,
    pub requests_per_second: Option<f64>,
    pub concurrency: Option<usize>,
}

/// How often the progress bar is redrawn.
const REDRAW: Duration = Duration::from_millis(250);

/// The longest a reconciliation waits for the inbox to be processed.
const INBOX_DRAIN: Duration = Duration::from_secs(120);

pub async fn run(config: Config, args: SyncArgs) -> anyhow::Result<()> {
    let db = open_database(&config.database_url).await?;
    let services = Services::load(
        db,
        Clock::system(),
        secrets_cipher(&config)?,
        &config.public_url(),
        RetryPolicy::default(),
    )
    .await
    .context("could not read the platform settings")?;
    if args.status {
        print_status(&services).await?;
        return Ok(());
    }
    services
        .stripe()
        .context("Stripe is not configured: set the secret key in the admin settings first")?;
    let mut sync_config = config.sync.sync_config();
    if let Some(rps) = args.requests_per_second {
        sync_config.requests_per_second = rps;
    }
    if let Some(n) = args.concurrency {
        sync_config.concurrency = n.max(1);
    }
    let concurrency = sync_config.concurrency;
    let syncer = Syncer::new(services.clone(), sync_config);
    let now = services.clock.now();
    let asked =
        status::request_backfill(&services.db, args.account.as_deref(), args.full, now).await?;
    if asked == 0 {
        anyhow::bail!(
            "no such account to sync{}",
            args.account
                .as_deref()
                .map(|a| format!(": {a}"))
                .unwrap_or_default()
        );
    }
    let accounts: Vec<String> = syncer
        .due()
        .await?
        .into_iter()
        .filter_map(|job| match job {
            Job::Backfill(a) => Some(a),
            Job::Reconcile(_) => None,
        })
        .filter(|a| args.account.as_deref().is_none_or(|wanted| wanted == a))
        .collect();
    println!(
        "Syncing {} account(s), {concurrency} at a time, within {} requests a second.",
        accounts.len(),
        syncer.config().requests_per_second
    );

    let started = Instant::now();
    let drawing = tokio::spawn(draw_progress(services.clone(), started));
    let slots = Arc::new(Semaphore::new(concurrency));
    let mut running = JoinSet::new();
    for account in accounts {
        let syncer = syncer.clone();
        let slots = slots.clone();
        running.spawn(async move {
            let _slot = slots.acquire_owned().await;
            let result = syncer.backfill(&account).await;
            (account, result)
        });
    }
    let mut results: Vec<(String, Result<mirror::BackfillReport, MirrorError>)> = Vec::new();
    while let Some(done) = running.join_next().await {
        results.push(done.context("a sync task stopped")?);
    }
    // Accounts another process holds are watched until it is done with them.
    let held: Vec<&String> = results
        .iter()
        .filter(|(_, r)| matches!(r, Err(MirrorError::Busy)))
        .map(|(a, _)| a)
        .collect();
    if !held.is_empty() {
        eprintln!(
            "\n{} account(s) are being synced by a running server; following their progress.",
            held.len()
        );
        wait_until_idle(&services).await?;
    }
    drawing.abort();
    let progress = status::progress(&services.db).await?;
    draw(&progress, started.elapsed(), true);

    let mut objects = 0;
    let mut failures = 0;
    for (account, result) in &results {
        match result {
            Ok(report) => objects += report.objects,
            Err(MirrorError::Busy) => {}
            Err(e) => {
                failures += 1;
                eprintln!("{account}: {e}");
            }
        }
    }
    let secs = started.elapsed().as_secs_f64().max(0.001);
    println!(
        "Read {objects} objects in {secs:.1} s ({:.0} objects/s, {} requests).",
        objects as f64 / secs,
        syncer.budget().used()
    );

    if args.reconcile {
        reconcile(&services, &syncer, args.account.as_deref()).await?;
    }
    if failures > 0 {
        anyhow::bail!("{failures} account(s) could not be synced; they are tried again later");
    }
    Ok(())
}

async fn reconcile(services: &Services, syncer: &Syncer, only: Option<&str>) -> anyhow::Result<()> {
    let overview = status::overview(&services.db, services.clock.now()).await?;
    let mut missing = 0;
    for account in overview
        .iter()
        .filter(|a| a.backfill == BackfillStatus::Done)
        .filter(|a| only.is_none_or(|o| o == a.account_id))
    {
        match syncer.reconcile(&account.account_id).await {
            Ok(report) => missing += report.missing,
            Err(e) => eprintln!("{}: reconciliation failed: {e}", account.account_id),
        }
    }
    println!("Reconciled: {missing} event(s) had not arrived as webhooks.");
    // Process them here too; a running server's worker may take some of them first.
    let deadline = Instant::now() + INBOX_DRAIN;
    loop {
        let now = services.clock.now();
        let batch = webhooks::claim_due(&services.db, now, 60, 50).await?;
        if batch.is_empty() {
            return Ok(());
        }
        for event in batch {
            if let Err(e) = webhooks::process(services, &event).await {
                webhooks::release_for_retry(
                    &services.db,
                    &event,
                    &e.to_string(),
                    e.is_permanent(),
                    now,
                )
                .await?;
            }
        }
        if Instant::now() > deadline {
            eprintln!("Some events are still waiting; the server's worker will process them.");
            return Ok(());
        }
    }
}

async fn wait_until_idle(services: &Services) -> anyhow::Result<()> {
    loop {
        let overview = status::overview(&services.db, services.clock.now()).await?;
        if !overview.iter().any(|a| a.running) {
            return Ok(());
        }
        tokio::time::sleep(REDRAW).await;
    }
}

async fn draw_progress(services: Services, started: Instant) {
    let mut tick = tokio::time::interval(REDRAW);
    loop {
        tick.tick().await;
        if let Ok(progress) = status::progress(&services.db).await {
            draw(&progress, started.elapsed(), false);
        }
    }
}

/// One line: a bar of steps done, accounts, objects and speed. Redrawn in place on a
/// terminal; elsewhere (logs, CI) a line every few seconds and the last one.
fn draw(progress: &Progress, elapsed: Duration, last: bool) {
    const WIDTH: usize = 30;
    let fraction = progress.fraction();
    let filled = ((fraction * WIDTH as f64).round() as usize).min(WIDTH);
    let rate = progress.objects_synced as f64 / elapsed.as_secs_f64().max(0.001);
    let line = format!(
        "[{}{}] {:>3.0}%  {}/{} accounts  {} objects  {:.0}/s",
        "#".repeat(filled),
        "-".repeat(WIDTH - filled),
        fraction * 100.0,
        progress.accounts_done,
        progress.accounts,
        progress.objects_synced,
        rate
    );
    let mut err = std::io::stderr();
    if err.is_terminal() {
        let _ = write!(err, "\r{line}");
        if last {
            let _ = writeln!(err);
        }
        let _ = err.flush();
    } else if last || elapsed.as_millis() % 3000 < REDRAW.as_millis() {
        let _ = writeln!(err, "{line}");
    }
}

async fn print_status(services: &Services) -> anyhow::Result<()> {
    let overview = status::overview(&services.db, services.clock.now()).await?;
    if overview.is_empty() {
        println!("No account has been synced yet.");
        return Ok(());
    }
    println!(
        "{:<24} {:<24} {:<8} {:>9} {:>9}  {:<20} ERROR",
        "ACCOUNT", "MERCHANT", "BACKFILL", "STEPS", "OBJECTS", "LAST RUN"
    );
    for a in &overview {
        println!("{}", status_line(a, services.clock.now()));
    }
    Ok(())
}

fn status_line(a: &AccountSync, now: i64) -> String {
    let objects: i64 = a.counts.iter().map(|(_, n)| n).sum();
    let last_run = a
        .last_run_at()
        .map(|t| ago(now - t))
        .unwrap_or_else(|| "never".into());
    format!(
        "{:<24} {:<24} {:<8} {:>9} {:>9}  {:<20} {}",
        a.account_id,
        a.merchant_name
            .as_deref()
            .unwrap_or(if a.account_id == mirror::PLATFORM {
                "(application fees)"
            } else {
                "-"
            })
            .chars()
            .take(24)
            .collect::<String>(),
        if a.running {
            "running"
        } else {
            a.backfill.as_str()
        },
        format!("{}/{}", a.steps_done, a.steps_total),
        objects,
        last_run,
        a.last_error.as_deref().unwrap_or("")
    )
}

/// `42s ago`, `5m ago`, `3h ago`, `2d ago`.
fn ago(secs: i64) -> String {
    let secs = secs.max(0);
    match secs {
        0..60 => format!("{secs}s ago"),
        60..3600 => format!("{}m ago", secs / 60),
        3600..86_400 => format!("{}h ago", secs / 3600),
        _ => format!("{}d ago", secs / 86_400),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ages_read_at_a_glance() {
        assert_eq!(ago(5), "5s ago");
        assert_eq!(ago(125), "2m ago");
        assert_eq!(ago(7300), "2h ago");
        assert_eq!(ago(200_000), "2d ago");
        assert_eq!(ago(-3), "0s ago");
    }
}
