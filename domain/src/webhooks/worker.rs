//! The background worker that processes the inbox.

use std::{sync::Arc, time::Duration};

use tokio::sync::Notify;
use tokio_util::sync::CancellationToken;

use super::{handlers, inbox};
use crate::Services;

#[derive(Debug, Clone, Copy)]
pub struct WorkerConfig {
    /// How long a claimed event is reserved for its worker.
    pub lease_secs: i64,
    /// How often to look for due events when nobody rings.
    pub poll_interval: Duration,
    pub batch: i64,
}

impl Default for WorkerConfig {
    fn default() -> Self {
        Self {
            lease_secs: 60,
            poll_interval: Duration::from_millis(500),
            batch: 20,
        }
    }
}

/// Runs until `shutdown`. `wake` is rung by the ingest route so new events are handled at once.
pub fn spawn_worker(
    services: Services,
    config: WorkerConfig,
    wake: Arc<Notify>,
    shutdown: CancellationToken,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        loop {
            let now = services.clock.now();
            let batch =
                match inbox::claim_due(&services.db, now, config.lease_secs, config.batch).await {
                    Ok(batch) => batch,
                    Err(e) => {
                        tracing::warn!(error = %e, "could not claim webhook events");
                        Vec::new()
                    }
                };
            if batch.is_empty() {
                tokio::select! {
                    _ = shutdown.cancelled() => return,
                    _ = wake.notified() => {}
                    _ = tokio::time::sleep(config.poll_interval) => {}
                }
                continue;
            }
            for event in batch {
                if shutdown.is_cancelled() {
                    // The lease runs out and another worker (or the next start) takes it.
                    return;
                }
                if let Err(e) = handlers::process(&services, &event).await {
                    tracing::warn!(event = %event.event_id, kind = %event.event_type, attempt = event.attempts, error = %e, "webhook handler failed");
                    let now = services.clock.now();
                    if let Err(db) = inbox::release_for_retry(
                        &services.db,
                        &event,
                        &e.to_string(),
                        e.is_permanent(),
                        now,
                    )
                    .await
                    {
                        tracing::error!(event = %event.event_id, error = %db, "could not release a webhook event");
                    }
                }
            }
        }
    })
}
