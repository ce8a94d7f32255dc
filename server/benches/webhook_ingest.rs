//! Webhook ingest throughput: signed events posted to `/webhooks/stripe` on loopback, verified
//! and stored in the inbox, on SQLite and Postgres. Prints events/s and the time to 2xx.
//!
//! `cargo bench -p server --bench webhook_ingest` (`INGEST_EVENTS`, `INGEST_CONCURRENCY` to vary).

use std::{
    sync::Arc,
    time::{Duration, Instant},
};

use domain::{Backend, stripe::signature::sign, testing::TestDb, webhooks};
use server::{
    config::Config,
    startup::{Application, Options},
};
use tokio::sync::Semaphore;
use tokio_util::sync::CancellationToken;

fn env_number(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let index = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[index.min(sorted.len() - 1)]
}

async fn run(backend: Backend, events: usize, concurrency: usize) -> anyhow::Result<()> {
    let db = TestDb::new(backend).await;
    let data_dir = tempfile::tempdir()?;
    let mut config = Config {
        addr: "127.0.0.1:0".parse()?,
        database_url: db.url.clone(),
        data_dir: data_dir.path().to_path_buf(),
        log: "warn".into(),
        ..Config::default()
    };
    config.sandbox.persist = false;
    // Only ingest is measured: processing happens later, in the worker, off the request path.
    let app = Application::build_with(
        config,
        Options {
            run_webhook_worker: false,
            ..Options::default()
        },
    )
    .await?;
    let url = format!("{}/webhooks/stripe", app.url());
    let secret = app.services().settings().webhook_secrets[0].clone();
    let shutdown = CancellationToken::new();
    let running = tokio::spawn(app.run(shutdown.clone()));

    let now = domain::Clock::system().now();
    let bodies: Vec<(String, String)> = (0..events)
        .map(|i| {
            let body = serde_json::json!({
                "id": format!("evt_bench_{i:08}"), "object": "event", "type": "charge.succeeded",
                "created": now, "livemode": false, "pending_webhooks": 1, "account": "acct_bench",
                "data": { "object": { "id": format!("ch_bench_{i}"), "object": "charge", "amount": 1250, "currency": "eur" } }
            })
            .to_string();
            let signature = sign(body.as_bytes(), &secret, now);
            (body, signature)
        })
        .collect();

    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(concurrency)
        .build()?;
    let gate = Arc::new(Semaphore::new(concurrency));
    let started = Instant::now();
    let mut tasks = Vec::with_capacity(events);
    for (body, signature) in bodies {
        let permit = gate.clone().acquire_owned().await?;
        let client = client.clone();
        let url = url.clone();
        tasks.push(tokio::spawn(async move {
            let sent = Instant::now();
            let response = client
                .post(&url)
                .header("Stripe-Signature", signature)
                .body(body)
                .send()
                .await;
            let elapsed = sent.elapsed();
            drop(permit);
            (response.map(|r| r.status().as_u16()).unwrap_or(0), elapsed)
        }));
    }
    let mut latencies = Vec::with_capacity(events);
    let mut failures = 0;
    for task in tasks {
        let (status, elapsed) = task.await?;
        if status != 200 {
            failures += 1;
        }
        latencies.push(elapsed);
    }
    let total = started.elapsed();
    latencies.sort();
    let stored = webhooks::counts(&db.db).await?.pending;
    println!(
        "{backend:?}: {events} events, concurrency {concurrency}: {:.0} events/s verified and stored; \
         time to 2xx p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms; non-2xx {failures}; rows stored {stored}",
        events as f64 / total.as_secs_f64(),
        percentile(&latencies, 0.50).as_secs_f64() * 1000.0,
        percentile(&latencies, 0.99).as_secs_f64() * 1000.0,
        latencies.last().copied().unwrap_or_default().as_secs_f64() * 1000.0,
    );
    anyhow::ensure!(
        failures == 0 && stored == events as i64,
        "every event must be stored exactly once"
    );
    shutdown.cancel();
    running.await??;
    Ok(())
}

fn main() -> anyhow::Result<()> {
    let events = env_number("INGEST_EVENTS", 5_000);
    let concurrency = env_number("INGEST_CONCURRENCY", 32);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async {
        for backend in [Backend::Sqlite, Backend::Postgres] {
            run(backend, events, concurrency).await?;
        }
        Ok(())
    })
}
