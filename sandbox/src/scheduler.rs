//! Actions due at a sandbox-clock time ("finish SEPA payment pi_… at t"). Stored in the state
//! (so they survive restarts), run by a background tick and immediately when the clock is
//! advanced. Each `kind` maps to a handler in [`HANDLERS`].

use std::time::Duration;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::app::{AppState, Tx};
use crate::wire::error::ApiError;

const TICK: Duration = Duration::from_millis(500);

/// A scheduled action.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ScheduledAction {
    /// Queue id.
    pub id: u64,
    /// Sandbox time (seconds) at or after which it runs.
    pub due: i64,
    /// Handler name, e.g. `sandbox.emit_event`.
    pub kind: String,
    /// The object it is about (`pi_…`, `acct_…`).
    pub target: String,
    /// Handler-specific data.
    pub data: Value,
}

/// A handler: runs inside a write transaction; an error is logged and the action dropped.
pub type ActionHandler = fn(&mut Tx<'_>, &ScheduledAction) -> Result<(), ApiError>;

/// Every handler by `kind`. Families add their own entries here.
pub const HANDLERS: &[(&str, ActionHandler)] = &[
    ("sandbox.emit_event", emit_event),
    (
        crate::payments::balance::FUNDS_AVAILABLE,
        crate::payments::balance::funds_available,
    ),
    (
        crate::payments::intents::SEPA_SETTLE,
        crate::payments::intents::sepa_settle,
    ),
    (
        crate::payments::refunds::SETTLE,
        crate::payments::refunds::settle,
    ),
    (
        crate::payments::disputes::RESOLVE,
        crate::payments::disputes::resolve,
    ),
    (
        crate::payments::payouts::ADVANCE,
        crate::payments::payouts::advance,
    ),
    (
        crate::checkout::sessions::EXPIRE,
        crate::checkout::sessions::expire_due,
    ),
];

/// Queues an action; prefer [`Tx::schedule`].
pub fn push(tx: &mut Tx<'_>, due: i64, kind: &str, target: &str, data: Value) -> u64 {
    let id = tx.next_seq();
    let action = ScheduledAction {
        id,
        due,
        kind: kind.to_owned(),
        target: target.to_owned(),
        data,
    };
    tx.scheduled.insert(id, action);
    id
}

/// Runs every due action now; returns how many ran.
pub fn run_due(app: &AppState) -> usize {
    let now = app.clock.now();
    let has_due = app.read(|s| s.scheduled.values().any(|a| a.due <= now));
    if !has_due {
        return 0;
    }
    app.write(|tx| {
        let mut due: Vec<ScheduledAction> =
            tx.scheduled.values().filter(|a| a.due <= now).cloned().collect();
        due.sort_by_key(|a| (a.due, a.id));
        for action in &due {
            tx.scheduled.remove(&action.id);
            let handler = HANDLERS.iter().find(|(kind, _)| *kind == action.kind).map(|(_, h)| *h);
            match handler {
                Some(handler) => {
                    if let Err(e) = handler(tx, action) {
                        tracing::warn!(kind = %action.kind, target = %action.target, error = %e, "scheduled action failed");
                    }
                }
                None => tracing::warn!(kind = %action.kind, "no handler for scheduled action"),
            }
        }
        due.len()
    })
}

/// The background loop.
pub async fn run(app: AppState) {
    loop {
        run_due(&app);
        tokio::select! {
            () = app.wake_scheduler.notified() => {}
            () = tokio::time::sleep(TICK) => {}
            () = app.shutdown.cancelled() => break,
        }
    }
}

/// `sandbox.emit_event`: emits `data.type` with `data.object` on account `target`.
/// A template for other handlers, and handy for tests.
fn emit_event(tx: &mut Tx<'_>, action: &ScheduledAction) -> Result<(), ApiError> {
    let event_type = action
        .data
        .get("type")
        .and_then(Value::as_str)
        .unwrap_or("account.updated")
        .to_owned();
    let object = action.data.get("object").cloned().unwrap_or(Value::Null);
    tx.emit(&action.target, &event_type, object, None);
    Ok(())
}
