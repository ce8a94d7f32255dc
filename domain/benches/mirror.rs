//! The commerce mirror at scale, on SQLite and Postgres: backfill throughput against the
//! in-process sandbox (objects/s, within the default request budget and without one), then
//! query latencies (p50/p99) with 100k charges over 50 accounts mirrored.
//!
//! `cargo bench -p domain --bench mirror`. Knobs: `MIRROR_ACCOUNTS` (50), `MIRROR_SEEDED`
//! (charges seeded in the sandbox per account, 200), `MIRROR_CHARGES` (charges mirrored in all,
//! 100000; the part beyond the backfill is written through `apply_in` from the backfilled
//! objects, with new ids, amounts, dates and customers), `MIRROR_SAMPLES` (300),
//! `MIRROR_BACKENDS` (`sqlite,postgres`), `MIRROR_UNBUDGETED` (1: also a backfill without a budget).

use std::{
    sync::Arc,
    time::{Duration, Instant},
};

use anyhow::Context;
use domain::{
    Backend, Clock, Db, Secret, Services,
    crypto::SecretCipher,
    mirror::{
        self, SyncConfig, Syncer,
        payments::{PaymentQuery, PaymentStatus},
        revenue::{DAY_SECS, RevenueQuery},
    },
    settings::PlatformSettings,
    stripe::{RetryPolicy, StripeEndpoints},
    testing::TestDb,
};
use rand::{Rng, SeedableRng, rngs::StdRng};
use serde_json::{Value, json};
use tokio::sync::Semaphore;

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

fn ms(d: Duration) -> String {
    format!("{:.2} ms", d.as_secs_f64() * 1000.0)
}

/// The sandbox with `accounts` connected accounts that can take charges, each seeded.
struct Stripe {
    handle: sandbox::SandboxHandle,
    key: String,
    accounts: Vec<String>,
}

async fn sandbox_with_history(accounts: usize, per_account: usize) -> anyhow::Result<Stripe> {
    let handle =
        sandbox::Sandbox::start(sandbox::SandboxConfig::default(), "127.0.0.1:0".parse()?).await?;
    let keys = handle.create_platform("Bench platform");
    let http = reqwest::Client::new();
    let base = handle.url();
    let now = handle.sandbox().now();
    let mut ids = Vec::new();
    let started = Instant::now();
    for n in 0..accounts {
        let email = format!("shop{n}@example.com");
        let form: Vec<(&str, &str)> = vec![
            ("type", "custom"),
            ("country", "US"),
            ("business_type", "individual"),
            ("capabilities[card_payments][requested]", "true"),
            ("capabilities[transfers][requested]", "true"),
            ("business_profile[mcc]", "5734"),
            ("business_profile[url]", "https://shop.example.com"),
            ("individual[first_name]", "Jenny"),
            ("individual[last_name]", "Rosen"),
            ("individual[email]", &email),
            ("individual[phone]", "0000000000"),
            ("individual[dob][day]", "1"),
            ("individual[dob][month]", "1"),
            ("individual[dob][year]", "1901"),
            ("individual[address][line1]", "address_full_match"),
            ("individual[address][city]", "San Francisco"),
            ("individual[address][state]", "CA"),
            ("individual[address][postal_code]", "94111"),
            ("individual[id_number]", "000000000"),
            ("external_account", "btok_us_verified"),
            ("tos_acceptance[date]", "1700000000"),
            ("tos_acceptance[ip]", "127.0.0.1"),
        ];
        let account: Value = http
            .post(format!("{base}v1/accounts"))
            .bearer_auth(&keys.secret_key)
            .form(&form)
            .send()
            .await?
            .json()
            .await?;
        anyhow::ensure!(
            account["charges_enabled"] == true,
            "an account that cannot charge: {account}"
        );
        let id = account["id"].as_str().context("an account id")?.to_string();
        let seeded = http
            .post(format!("{base}_sandbox/seed/charges"))
            .bearer_auth(&keys.secret_key)
            .json(&json!({
                "account": id, "count": per_account, "customers": 400, "refund_every": 12,
                "dispute_every": 50, "created_from": now - 90 * DAY_SECS, "created_to": now - 60,
            }))
            .send()
            .await?;
        anyhow::ensure!(
            seeded.status().is_success(),
            "seeding: {}",
            seeded.text().await?
        );
        ids.push(id);
    }
    println!(
        "Sandbox: {accounts} accounts, {} charges seeded in {:.1} s",
        accounts * per_account,
        started.elapsed().as_secs_f64()
    );
    Ok(Stripe {
        handle,
        key: keys.secret_key,
        accounts: ids,
    })
}

async fn services_for(db: Db, stripe: &Stripe) -> anyhow::Result<Services> {
    let cipher = SecretCipher::from_base64(&SecretCipher::generate_key())?;
    let services = Services::load(
        db,
        Clock::system(),
        cipher,
        "http://127.0.0.1",
        RetryPolicy::default(),
    )
    .await?;
    let base = stripe.handle.url();
    services
        .update_settings(PlatformSettings {
            secret_key: Some(Secret::new(stripe.key.clone())),
            endpoints: StripeEndpoints {
                api_base: base.clone(),
                connect_base: base,
            },
            ..PlatformSettings::default()
        })
        .await?;
    Ok(services)
}

/// Backfills every account and the platform, `concurrency` at a time; objects read and time.
async fn backfill_all(
    services: &Services,
    stripe: &Stripe,
    config: SyncConfig,
) -> anyhow::Result<(u64, u64, Duration)> {
    let concurrency = config.concurrency;
    let syncer = Syncer::new(services.clone(), config);
    let slots = Arc::new(Semaphore::new(concurrency));
    let started = Instant::now();
    let mut tasks = tokio::task::JoinSet::new();
    for account in stripe
        .accounts
        .iter()
        .cloned()
        .chain([mirror::PLATFORM.to_string()])
    {
        let syncer = syncer.clone();
        let slots = slots.clone();
        tasks.spawn(async move {
            let _slot = slots.acquire_owned().await;
            syncer.backfill(&account).await
        });
    }
    let mut objects = 0;
    while let Some(done) = tasks.join_next().await {
        objects += done?.context("a backfill")?.objects;
    }
    Ok((objects, syncer.budget().used(), started.elapsed()))
}

fn random_id(rng: &mut StdRng, prefix: &str) -> String {
    const ALPHABET: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
    let tail: String = (0..24)
        .map(|_| ALPHABET[rng.gen_range(0..ALPHABET.len())] as char)
        .collect();
    format!("{prefix}_{tail}")
}

/// Writes payments (intent + charge) until `total` charges are mirrored, shaped like the
/// backfilled ones of each account, through the mirror's own write path.
async fn top_up(db: &Db, accounts: &[String], total: usize) -> anyhow::Result<(usize, Duration)> {
    let (have,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM mirror_charges")
        .fetch_one(db.pool())
        .await?;
    let missing = total.saturating_sub(have as usize);
    let mut templates = Vec::new();
    for account in accounts {
        let (pi, charge): (String, String) = sqlx::query_as(
            "SELECT p.data, c.data FROM mirror_charges c JOIN mirror_payment_intents p ON p.id = c.payment_intent_id \
             WHERE c.account_id = $1 AND c.status = 'succeeded' AND c.amount_refunded = 0 LIMIT 1",
        )
        .bind(account)
        .fetch_one(db.pool())
        .await?;
        templates.push((
            account.clone(),
            serde_json::from_str::<Value>(&pi)?,
            serde_json::from_str::<Value>(&charge)?,
        ));
    }
    let mut rng = StdRng::seed_from_u64(7);
    let now = Clock::system().now();
    let started = Instant::now();
    let mut written = 0;
    while written < missing {
        let batch = (missing - written).min(500);
        let mut tx = db.begin_write().await?;
        for i in 0..batch {
            let (account, pi, charge) = &templates[(written + i) % templates.len()];
            let created = now - rng.gen_range(60..90 * DAY_SECS);
            let amount = rng.gen_range(500..20_000);
            let email = format!("customer{}@example.com", rng.gen_range(0..20_000));
            let pi_id = random_id(&mut rng, "pi");
            let ch_id = random_id(&mut rng, "ch");
            let mut pi = pi.clone();
            pi["id"] = json!(pi_id);
            pi["created"] = json!(created);
            pi["amount"] = json!(amount);
            pi["amount_received"] = json!(amount);
            pi["latest_charge"] = json!(ch_id);
            pi["receipt_email"] = json!(email);
            pi["application_fee_amount"] = json!(amount / 20);
            let mut charge = charge.clone();
            charge["id"] = json!(ch_id);
            charge["payment_intent"] = json!(pi_id);
            charge["created"] = json!(created);
            charge["amount"] = json!(amount);
            charge["amount_captured"] = json!(amount);
            charge["receipt_email"] = json!(email);
            charge["billing_details"]["email"] = json!(email);
            charge["application_fee_amount"] = json!(amount / 20);
            let version = mirror::observed_now();
            mirror::apply_in(&mut tx, account, &pi, version).await?;
            mirror::apply_in(&mut tx, account, &charge, version).await?;
        }
        tx.commit().await?;
        written += batch;
    }
    Ok((written, started.elapsed()))
}

/// Runs `query` `samples` times (after a few to warm up) and prints p50 and p99.
async fn measure<F, Fut>(name: &str, samples: usize, mut query: F) -> anyhow::Result<()>
where
    F: FnMut(usize) -> Fut,
    Fut: std::future::Future<Output = anyhow::Result<usize>>,
{
    for i in 0..10 {
        query(i).await?;
    }
    let mut times = Vec::with_capacity(samples);
    let mut rows = 0;
    for i in 0..samples {
        let started = Instant::now();
        rows = query(i).await?;
        times.push(started.elapsed());
    }
    times.sort();
    println!(
        "  {name:<44} p50 {:>9}  p99 {:>9}  ({rows} rows)",
        ms(percentile(&times, 0.50)),
        ms(percentile(&times, 0.99))
    );
    Ok(())
}

async fn run(
    backend: Backend,
    stripe: &Stripe,
    charges: usize,
    samples: usize,
    unbudgeted: bool,
) -> anyhow::Result<()> {
    println!("\n== {backend:?} ==");
    let budget = SyncConfig::default();
    if unbudgeted {
        let test_db = TestDb::new(backend).await;
        let services = services_for(test_db.db.clone(), stripe).await?;
        let (objects, requests, elapsed) = backfill_all(
            &services,
            stripe,
            SyncConfig {
                requests_per_second: 100_000.0,
                ..SyncConfig::default()
            },
        )
        .await?;
        println!(
            "Backfill without a budget ({} accounts at once): {objects} objects, {requests} requests in {:.1} s = {:.0} objects/s",
            budget.concurrency,
            elapsed.as_secs_f64(),
            objects as f64 / elapsed.as_secs_f64()
        );
    }
    let test_db = TestDb::new(backend).await;
    let db = test_db.db.clone();
    let services = services_for(db.clone(), stripe).await?;
    let (objects, requests, elapsed) = backfill_all(&services, stripe, budget.clone()).await?;
    println!(
        "Backfill within the default budget ({} req/s, {} accounts at once): {objects} objects, {requests} requests in {:.1} s = {:.0} objects/s",
        budget.requests_per_second,
        budget.concurrency,
        elapsed.as_secs_f64(),
        objects as f64 / elapsed.as_secs_f64()
    );
    let (written, elapsed) = top_up(&db, &stripe.accounts, charges).await?;
    println!(
        "Mirror writes to reach {charges} charges: {written} payments (intent + charge) in {:.1} s = {:.0} objects/s",
        elapsed.as_secs_f64(),
        (written * 2) as f64 / elapsed.as_secs_f64().max(0.001)
    );
    sqlx::query("ANALYZE").execute(db.pool()).await?;
    let (charges_now,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM mirror_charges")
        .fetch_one(db.pool())
        .await?;
    let (payments_now,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM mirror_payments")
        .fetch_one(db.pool())
        .await?;
    println!(
        "Query latencies ({charges_now} charges, {payments_now} payments, {} accounts; {samples} samples each):",
        stripe.accounts.len()
    );

    let ids: Vec<(String, String)> = sqlx::query_as(
        "SELECT id, COALESCE(charge_id, id) FROM mirror_payments ORDER BY id LIMIT 5000",
    )
    .fetch_all(db.pool())
    .await?;
    let emails: Vec<(String,)> = sqlx::query_as(
        "SELECT DISTINCT customer_email FROM mirror_payments WHERE customer_email IS NOT NULL ORDER BY customer_email LIMIT 500",
    )
    .fetch_all(db.pool())
    .await?;
    let deep = {
        let mut query = PaymentQuery::default();
        for _ in 0..40 {
            query.after = mirror::payments::list(&db, &query).await?.next;
        }
        query.after.clone().context("40 pages")?
    };
    let accounts = &stripe.accounts;

    measure("search by payment id (pi_…)", samples, |i| {
        let db = db.clone();
        let id = ids[(i * 7919) % ids.len()].0.clone();
        async move {
            let payment = mirror::payments::resolve_id(&db, None, &id)
                .await?
                .context("found")?;
            let page = mirror::payments::list(
                &db,
                &PaymentQuery {
                    payment_id: Some(payment),
                    ..Default::default()
                },
            )
            .await?;
            Ok(page.payments.len())
        }
    })
    .await?;
    measure("search by charge id (ch_…)", samples, |i| {
        let db = db.clone();
        let id = ids[(i * 7919) % ids.len()].1.clone();
        async move {
            let payment = mirror::payments::resolve_id(&db, None, &id)
                .await?
                .context("found")?;
            let page = mirror::payments::list(
                &db,
                &PaymentQuery {
                    payment_id: Some(payment),
                    ..Default::default()
                },
            )
            .await?;
            Ok(page.payments.len())
        }
    })
    .await?;
    measure("search by customer email (page of 50)", samples, |i| {
        let db = db.clone();
        let email = emails[i % emails.len()].0.clone();
        async move {
            Ok(mirror::payments::list(
                &db,
                &PaymentQuery {
                    customer_email: Some(email),
                    ..Default::default()
                },
            )
            .await?
            .payments
            .len())
        }
    })
    .await?;
    measure("page of 50, all merchants, newest", samples, |_| {
        let db = db.clone();
        async move {
            Ok(mirror::payments::list(&db, &PaymentQuery::default())
                .await?
                .payments
                .len())
        }
    })
    .await?;
    measure(
        "page of 50, all merchants, 41st page (keyset)",
        samples,
        |_| {
            let db = db.clone();
            let after = deep.clone();
            async move {
                Ok(mirror::payments::list(
                    &db,
                    &PaymentQuery {
                        after: Some(after),
                        ..Default::default()
                    },
                )
                .await?
                .payments
                .len())
            }
        },
    )
    .await?;
    measure("page of 50, one merchant", samples, |i| {
        let db = db.clone();
        let account = accounts[i % accounts.len()].clone();
        async move {
            Ok(mirror::payments::list(
                &db,
                &PaymentQuery {
                    account: Some(account),
                    ..Default::default()
                },
            )
            .await?
            .payments
            .len())
        }
    })
    .await?;
    measure("page of 50, status partially refunded", samples, |_| {
        let db = db.clone();
        async move {
            Ok(mirror::payments::list(
                &db,
                &PaymentQuery {
                    statuses: vec![PaymentStatus::PartiallyRefunded],
                    ..Default::default()
                },
            )
            .await?
            .payments
            .len())
        }
    })
    .await?;
    measure("page of 50, one merchant + status + dates", samples, |i| {
        let db = db.clone();
        let account = accounts[i % accounts.len()].clone();
        let now = Clock::system().now();
        async move {
            Ok(mirror::payments::list(
                &db,
                &PaymentQuery {
                    account: Some(account),
                    statuses: vec![PaymentStatus::Successful],
                    created: Some(mirror::payments::DateFilter::Between(
                        now - 60 * DAY_SECS,
                        now - 30 * DAY_SECS,
                    )),
                    ..Default::default()
                },
            )
            .await?
            .payments
            .len())
        }
    })
    .await?;
    measure(
        "revenue report, 90 days, all merchants",
        samples.min(50),
        |_| {
            let db = db.clone();
            let now = Clock::system().now();
            async move {
                let report = mirror::revenue::report(
                    &db,
                    &RevenueQuery {
                        from: now - 90 * DAY_SECS,
                        to: now,
                        currency: "eur".into(),
                        account: None,
                    },
                )
                .await?;
                Ok(report.days.len())
            }
        },
    )
    .await?;
    Ok(())
}

fn main() -> anyhow::Result<()> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async {
        let accounts = env_number("MIRROR_ACCOUNTS", 50);
        let seeded = env_number("MIRROR_SEEDED", 200);
        let charges = env_number("MIRROR_CHARGES", 100_000);
        let samples = env_number("MIRROR_SAMPLES", 300);
        let unbudgeted = env_number("MIRROR_UNBUDGETED", 1) == 1;
        let backends =
            std::env::var("MIRROR_BACKENDS").unwrap_or_else(|_| "sqlite,postgres".into());
        println!(
            "Commerce mirror bench ({} cores)",
            std::thread::available_parallelism()
                .map(|n| n.get())
                .unwrap_or(1)
        );
        let stripe = sandbox_with_history(accounts, seeded).await?;
        for backend in backends.split(',') {
            let backend = match backend.trim() {
                "sqlite" => Backend::Sqlite,
                "postgres" => Backend::Postgres,
                other => anyhow::bail!("unknown backend {other}"),
            };
            run(backend, &stripe, charges, samples, unbudgeted).await?;
        }
        stripe.handle.shutdown().await;
        Ok(())
    })
}
