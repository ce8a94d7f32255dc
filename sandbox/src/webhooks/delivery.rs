//! The webhook delivery worker: sends each queued (event, endpoint) pair as a signed JSON POST,
//! retries failures on `webhook_retry_schedule` (sandbox clock), and applies the delivery knobs
//! (duplicate, drop, reorder, extra delay). At least once; 2xx means delivered.

use std::sync::Arc;
use std::time::{Duration, Instant};

use rand::Rng;
use rand::seq::SliceRandom;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use tokio::sync::Semaphore;

use crate::app::{AppState, Tx};
use crate::clock::{duration_ms, real_now};
use crate::webhooks::signature;

const MAX_CONCURRENT_SENDS: usize = 16;
const MAX_LOG: usize = 1000;
const IDLE_POLL: Duration = Duration::from_secs(1);

/// One pending delivery of an event to an endpoint.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Delivery {
    /// Queue id.
    pub id: u64,
    /// `evt_…`.
    pub event_id: String,
    /// `we_…`.
    pub endpoint_id: String,
    /// Attempts made so far.
    pub attempt: u32,
    /// Sandbox time (ms) of the next attempt.
    pub due_ms: i64,
    /// Being sent right now (not persisted as such: reloaded deliveries are retried).
    #[serde(skip)]
    pub in_flight: bool,
}

/// One attempt, for `/_sandbox/deliveries` and tests.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct AttemptLog {
    /// `evt_…`.
    pub event_id: String,
    /// `we_…`.
    pub endpoint_id: String,
    /// 1-based attempt number.
    pub attempt: u32,
    /// Real time of the attempt (ms).
    pub at_ms: i64,
    /// `"200"`, `"500"`, `"dropped"`, `"error: …"`, or `"duplicate 200"`.
    pub outcome: String,
}

/// Queues a delivery (first attempt after the knobs' extra delay).
pub fn enqueue(tx: &mut Tx<'_>, event_id: &str, endpoint_id: &str) {
    let extra = i64::try_from(tx.app.knobs().extra_delay_ms).unwrap_or(0);
    let due_ms = tx.app.clock.now_ms() + extra;
    let id = tx.next_seq();
    let delivery = Delivery {
        id,
        event_id: event_id.to_owned(),
        endpoint_id: endpoint_id.to_owned(),
        attempt: 0,
        due_ms,
        in_flight: false,
    };
    tx.deliveries.insert(id, delivery);
    tx.note_emitted();
}

/// Makes every waiting delivery (retries included) due now.
pub fn flush(app: &AppState) -> usize {
    let count = app.write(|tx| {
        let mut n = 0;
        for d in tx.deliveries.values_mut().filter(|d| !d.in_flight) {
            d.due_ms = 0;
            n += 1;
        }
        n
    });
    app.wake_delivery.notify_one();
    count
}

#[derive(Clone, Debug)]
struct Job {
    delivery_id: u64,
    event_id: String,
    endpoint_id: String,
    attempt: u32,
    url: String,
    secret: String,
    body: String,
}

enum Outcome {
    Delivered(u16),
    Failed(String),
    Dropped,
}

/// Runs until shutdown.
pub async fn run(app: AppState) {
    let client = match reqwest::Client::builder()
        .timeout(app.config.delivery_timeout)
        .redirect(reqwest::redirect::Policy::none())
        .build()
    {
        Ok(c) => c,
        Err(e) => {
            tracing::error!(error = %e, "cannot build the webhook HTTP client");
            return;
        }
    };
    let permits = Arc::new(Semaphore::new(MAX_CONCURRENT_SENDS));
    let mut held: Vec<Job> = Vec::new();
    let mut held_until: Option<Instant> = None;
    loop {
        let (jobs, next_due_ms) = take_due(&app);
        let knobs = app.knobs();
        if knobs.reorder_window_ms > 0 || !held.is_empty() {
            held.extend(jobs);
            if held_until.is_none() && !held.is_empty() {
                held_until = Some(Instant::now() + Duration::from_millis(knobs.reorder_window_ms));
            }
        } else {
            for job in jobs {
                spawn_batch(&app, &client, &permits, vec![job]);
            }
        }
        if held_until.is_some_and(|until| Instant::now() >= until) {
            let mut batch = std::mem::take(&mut held);
            if knobs.reorder_reverse {
                batch.reverse();
            } else {
                batch.shuffle(&mut rand::thread_rng());
            }
            spawn_batch(&app, &client, &permits, batch);
            held_until = None;
        }
        let mut wait = IDLE_POLL;
        if let Some(due) = next_due_ms {
            let ms = (due - app.clock.now_ms()).max(1);
            wait = wait.min(Duration::from_millis(u64::try_from(ms).unwrap_or(1)));
        }
        if let Some(until) = held_until {
            wait = wait.min(
                until
                    .saturating_duration_since(Instant::now())
                    .max(Duration::from_millis(1)),
            );
        }
        tokio::select! {
            () = app.wake_delivery.notified() => {}
            () = tokio::time::sleep(wait) => {}
            () = app.shutdown.cancelled() => break,
        }
    }
}

/// Sends a batch in order, one after the other (a single job is a batch of one).
fn spawn_batch(
    app: &AppState,
    client: &reqwest::Client,
    permits: &Arc<Semaphore>,
    batch: Vec<Job>,
) {
    if batch.is_empty() {
        return;
    }
    let app = app.clone();
    let client = client.clone();
    let permits = permits.clone();
    tokio::spawn(async move {
        let Ok(_permit) = permits.acquire_owned().await else {
            return;
        };
        for job in batch {
            let outcome = attempt(&app, &client, &job).await;
            record(&app, &job, outcome);
        }
    });
}

/// Claims due deliveries and renders their bodies; returns them and the next due time.
fn take_due(app: &AppState) -> (Vec<Job>, Option<i64>) {
    let now_ms = app.clock.now_ms();
    let (any_due, next_pending) = app.read(|s| {
        let pending = s.deliveries.values().filter(|d| !d.in_flight);
        let next = pending.clone().map(|d| d.due_ms).min();
        (pending.clone().any(|d| d.due_ms <= now_ms), next)
    });
    if !any_due {
        return (Vec::new(), next_pending);
    }
    app.write(|tx| {
        let due: Vec<u64> = tx
            .deliveries
            .values()
            .filter(|d| !d.in_flight && d.due_ms <= now_ms)
            .map(|d| d.id)
            .collect();
        let mut jobs = Vec::with_capacity(due.len());
        for id in due {
            match render_job(tx, id) {
                Some(job) => {
                    if let Some(d) = tx.deliveries.get_mut(&id) {
                        d.in_flight = true;
                    }
                    jobs.push(job);
                }
                // The endpoint was deleted or disabled, or the event is gone.
                None => {
                    tx.deliveries.remove(&id);
                }
            }
        }
        let next = tx
            .deliveries
            .values()
            .filter(|d| !d.in_flight)
            .map(|d| d.due_ms)
            .min();
        (jobs, next)
    })
}

fn render_job(tx: &Tx<'_>, delivery_id: u64) -> Option<Job> {
    let d = tx.deliveries.get(&delivery_id)?;
    let endpoint = tx.get(&d.endpoint_id)?;
    if endpoint.value.get("status").and_then(Value::as_str) != Some("enabled") {
        return None;
    }
    let mut event = tx.get(&d.event_id)?.value.clone();
    if let Some(version) = endpoint.value.get("api_version").and_then(Value::as_str)
        && let Some(obj) = event.as_object_mut()
    {
        obj.insert("api_version".into(), Value::String(version.to_owned()));
    }
    Some(Job {
        delivery_id,
        event_id: d.event_id.clone(),
        endpoint_id: d.endpoint_id.clone(),
        attempt: d.attempt + 1,
        url: endpoint
            .value
            .get("url")
            .and_then(Value::as_str)?
            .to_owned(),
        secret: endpoint
            .meta
            .get("secret")
            .and_then(Value::as_str)?
            .to_owned(),
        body: serde_json::to_string_pretty(&event).ok()?,
    })
}

async fn attempt(app: &AppState, client: &reqwest::Client, job: &Job) -> Outcome {
    let knobs = app.knobs();
    if knobs.drop_rate > 0.0 && rand::thread_rng().r#gen::<f64>() < knobs.drop_rate {
        return Outcome::Dropped;
    }
    let outcome = post(client, job).await;
    if matches!(outcome, Outcome::Delivered(_))
        && knobs.duplicate_rate > 0.0
        && rand::thread_rng().r#gen::<f64>() < knobs.duplicate_rate
    {
        let again = post(client, job).await;
        let label = match again {
            Outcome::Delivered(status) => format!("duplicate {status}"),
            Outcome::Failed(e) => format!("duplicate {e}"),
            Outcome::Dropped => "duplicate dropped".into(),
        };
        log(app, job, label);
    }
    outcome
}

async fn post(client: &reqwest::Client, job: &Job) -> Outcome {
    let header = signature::header(&job.secret, real_now(), &job.body);
    let result = client
        .post(&job.url)
        .header("content-type", "application/json; charset=utf-8")
        .header(
            "user-agent",
            "Stripe/1.0 (+https://stripe.com/docs/webhooks)",
        )
        .header("cache-control", "no-cache")
        .header("stripe-signature", header)
        .body(job.body.clone())
        .send()
        .await;
    match result {
        Ok(response) if response.status().is_success() => {
            Outcome::Delivered(response.status().as_u16())
        }
        Ok(response) => Outcome::Failed(response.status().as_u16().to_string()),
        Err(e) => Outcome::Failed(format!("error: {e}")),
    }
}

fn log(app: &AppState, job: &Job, outcome: String) {
    app.write(|tx| push_log(tx, job, outcome));
}

fn push_log(tx: &mut Tx<'_>, job: &Job, outcome: String) {
    tx.delivery_log.push_back(AttemptLog {
        event_id: job.event_id.clone(),
        endpoint_id: job.endpoint_id.clone(),
        attempt: job.attempt,
        at_ms: crate::clock::real_now_ms(),
        outcome,
    });
    while tx.delivery_log.len() > MAX_LOG {
        tx.delivery_log.pop_front();
    }
}

fn record(app: &AppState, job: &Job, outcome: Outcome) {
    let schedule = app.config.webhook_retry_schedule.clone();
    let permanent_drop = app.knobs().drop_is_permanent;
    app.write(|tx| {
        let label = match &outcome {
            Outcome::Delivered(status) => status.to_string(),
            Outcome::Failed(e) => e.clone(),
            Outcome::Dropped => "dropped".into(),
        };
        push_log(tx, job, label);
        match outcome {
            Outcome::Delivered(_) => {
                tx.deliveries.remove(&job.delivery_id);
                decrement_pending(tx, &job.event_id);
            }
            Outcome::Dropped if permanent_drop => {
                tx.deliveries.remove(&job.delivery_id);
            }
            Outcome::Failed(_) | Outcome::Dropped => schedule_retry(tx, job.delivery_id, &schedule),
        }
    });
    app.wake_delivery.notify_one();
}

fn schedule_retry(tx: &mut Tx<'_>, delivery_id: u64, schedule: &[Duration]) {
    let now_ms = tx.app.clock.now_ms();
    let Some(d) = tx.deliveries.get_mut(&delivery_id) else {
        return;
    };
    d.attempt += 1;
    d.in_flight = false;
    match schedule.get(usize::try_from(d.attempt).unwrap_or(usize::MAX) - 1) {
        Some(delay) => d.due_ms = now_ms + duration_ms(*delay),
        None => {
            tx.deliveries.remove(&delivery_id);
        }
    }
}

fn decrement_pending(tx: &mut Tx<'_>, event_id: &str) {
    if let Some(event) = tx.value_mut(event_id)
        && let Some(pending) = event.get("pending_webhooks").and_then(Value::as_i64)
        && let Some(obj) = event.as_object_mut()
    {
        obj.insert("pending_webhooks".into(), Value::from((pending - 1).max(0)));
    }
}
