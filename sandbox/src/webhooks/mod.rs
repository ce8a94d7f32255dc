//! Webhooks: the `webhook_endpoints` resource, which endpoints receive an event, signing, and
//! the background delivery worker.

pub mod delivery;
pub mod endpoints;
pub mod signature;

use serde_json::Value;

use crate::store::State;

/// Endpoint ids that must receive an event of `event_type` that happened on `account`:
/// the account's own endpoints with `connect:false`, and the `connect:true` endpoints of every
/// platform connected to it. Disabled endpoints and unsubscribed types are skipped.
pub fn recipients(state: &State, account: &str, event_type: &str) -> Vec<String> {
    let mut out = Vec::new();
    push_matching(state, account, false, event_type, &mut out);
    for platform in state.platforms_of(account) {
        if platform != account {
            push_matching(state, &platform, true, event_type, &mut out);
        }
    }
    out
}

fn push_matching(
    state: &State,
    owner: &str,
    connect: bool,
    event_type: &str,
    out: &mut Vec<String>,
) {
    for id in state.ids(owner, "webhook_endpoint") {
        let Some(stored) = state.get(id) else {
            continue;
        };
        let is_connect = stored
            .meta
            .get("connect")
            .and_then(Value::as_bool)
            .unwrap_or(false);
        let enabled = stored.value.get("status").and_then(Value::as_str) == Some("enabled");
        if is_connect == connect && enabled && subscribes(&stored.value, event_type) {
            out.push(id.clone());
        }
    }
}

/// Whether an endpoint's `enabled_events` includes `event_type` (or `*`).
pub fn subscribes(endpoint: &Value, event_type: &str) -> bool {
    endpoint
        .get("enabled_events")
        .and_then(Value::as_array)
        .is_some_and(|events| events.iter().any(|e| e == "*" || e == event_type))
}
