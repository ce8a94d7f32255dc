//! Requests per second for a create + retrieve Checkout Session mix on a direct charge (the
//! call Comptoir makes most), against the sandbox on loopback with keep-alive connections.
//!
//! `cargo bench -p sandbox --bench checkout_mix` (`MIX_PAIRS`, `MIX_CONCURRENCY` to vary).

use std::{
    sync::Arc,
    time::{Duration, Instant},
};

use sandbox::{Sandbox, SandboxConfig};
use tokio::sync::Semaphore;

fn env_number(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// A connected account able to charge, made through the API as a platform would.
const ACCOUNT: &[(&str, &str)] = &[
    ("type", "custom"),
    ("country", "US"),
    ("business_type", "individual"),
    ("capabilities[card_payments][requested]", "true"),
    ("capabilities[transfers][requested]", "true"),
    ("business_profile[mcc]", "5734"),
    ("business_profile[url]", "https://shop.example.com"),
    ("individual[first_name]", "Jenny"),
    ("individual[last_name]", "Rosen"),
    ("individual[email]", "jenny@example.com"),
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

const SESSION: &[(&str, &str)] = &[
    ("mode", "payment"),
    ("ui_mode", "hosted_page"),
    (
        "success_url",
        "https://shop.example.com/ok?session={CHECKOUT_SESSION_ID}",
    ),
    ("line_items[0][price_data][currency]", "usd"),
    ("line_items[0][price_data][unit_amount]", "1250"),
    ("line_items[0][price_data][product_data][name]", "Croissant"),
    ("line_items[0][quantity]", "2"),
    ("payment_intent_data[application_fee_amount]", "125"),
];

fn percentile(sorted: &[Duration], p: f64) -> f64 {
    let index = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[index.min(sorted.len() - 1)].as_secs_f64() * 1000.0
}

fn main() {
    let pairs = env_number("MIX_PAIRS", 4_000);
    let concurrency = env_number("MIX_CONCURRENCY", 32);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    runtime.block_on(async move {
        let handle = Sandbox::start(SandboxConfig::default(), "127.0.0.1:0".parse().expect("addr"))
            .await
            .expect("start the sandbox");
        let keys = handle.create_platform("Bench platform");
        let api = format!("{}v1", handle.url());
        let client = reqwest::Client::builder().pool_max_idle_per_host(concurrency).build().expect("client");
        let account: serde_json::Value = client
            .post(format!("{api}/accounts"))
            .bearer_auth(&keys.secret_key)
            .form(ACCOUNT)
            .send()
            .await
            .expect("create the account")
            .json()
            .await
            .expect("account JSON");
        let account = account["id"].as_str().expect("an account id").to_string();

        let gate = Arc::new(Semaphore::new(concurrency));
        let started = Instant::now();
        let mut tasks = Vec::with_capacity(pairs);
        for _ in 0..pairs {
            let permit = gate.clone().acquire_owned().await.expect("permit");
            let (client, api, key, account) = (client.clone(), api.clone(), keys.secret_key.clone(), account.clone());
            tasks.push(tokio::spawn(async move {
                let t0 = Instant::now();
                let created: serde_json::Value = client
                    .post(format!("{api}/checkout/sessions"))
                    .bearer_auth(&key)
                    .header("Stripe-Account", &account)
                    .form(SESSION)
                    .send()
                    .await
                    .ok()?
                    .json()
                    .await
                    .ok()?;
                let create = t0.elapsed();
                let id = created["id"].as_str()?.to_string();
                let t1 = Instant::now();
                let retrieved = client
                    .get(format!("{api}/checkout/sessions/{id}"))
                    .bearer_auth(&key)
                    .header("Stripe-Account", &account)
                    .send()
                    .await
                    .ok()?;
                let retrieve = t1.elapsed();
                drop(permit);
                retrieved.status().is_success().then_some((create, retrieve))
            }));
        }
        let mut creates = Vec::new();
        let mut retrieves = Vec::new();
        let mut failed = 0;
        for task in tasks {
            match task.await.ok().flatten() {
                Some((c, r)) => {
                    creates.push(c);
                    retrieves.push(r);
                }
                None => failed += 1,
            }
        }
        let elapsed = started.elapsed().as_secs_f64();
        creates.sort();
        retrieves.sort();
        println!(
            "checkout session mix: {pairs} creates + {pairs} retrieves, concurrency {concurrency}: {:.0} requests/s \
             ({:.0} pairs/s); create p50 {:.2} ms p99 {:.2} ms; retrieve p50 {:.2} ms p99 {:.2} ms; failed {failed}",
            (2 * creates.len()) as f64 / elapsed,
            creates.len() as f64 / elapsed,
            percentile(&creates, 0.5),
            percentile(&creates, 0.99),
            percentile(&retrieves, 0.5),
            percentile(&retrieves, 0.99),
        );
        handle.shutdown().await;
    });
}
