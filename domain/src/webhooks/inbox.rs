//! The `webhook_events` table: ingest, claim, complete, retry.

use serde::Deserialize;
use sqlx::{Any, FromRow, Transaction};

use crate::{
    db::{Backend, Db, DbError},
    secret::Secret,
    stripe::signature::{self, SignatureError},
};

/// After this many failed attempts an event is parked as `failed` for a person to look at.
pub const MAX_ATTEMPTS: i64 = 10;

#[derive(Debug, thiserror::Error)]
pub enum IngestError {
    #[error("webhook signature: {0}")]
    Signature(#[from] SignatureError),
    #[error("the event is not a Stripe event: {0}")]
    Malformed(String),
    #[error(transparent)]
    Db(#[from] DbError),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ingested {
    Stored,
    /// Seen before: acknowledged, nothing else happens.
    Duplicate,
}

/// What the inbox reads of an event before storing it whole.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Envelope {
    pub id: String,
    #[serde(rename = "type")]
    pub event_type: String,
    #[serde(default)]
    pub account: Option<String>,
    pub created: i64,
}

impl Envelope {
    /// Reads a verified payload: UTF-8 JSON with Stripe's `evt_` id, a type and `created`.
    pub fn parse(payload: &[u8]) -> Result<(&str, Envelope), IngestError> {
        let text =
            std::str::from_utf8(payload).map_err(|_| IngestError::Malformed("not UTF-8".into()))?;
        let envelope: Envelope =
            serde_json::from_str(text).map_err(|e| IngestError::Malformed(e.to_string()))?;
        if !envelope.id.starts_with("evt_") {
            return Err(IngestError::Malformed(format!(
                "unexpected event id {}",
                envelope.id
            )));
        }
        Ok((text, envelope))
    }
}

/// Verifies `payload` against `signature_header` and stores it. Nothing is stored unless the
/// signature verifies.
pub async fn ingest(
    db: &Db,
    payload: &[u8],
    signature_header: Option<&str>,
    secrets: &[Secret],
    now: i64,
) -> Result<Ingested, IngestError> {
    let header = signature_header.ok_or(SignatureError::Malformed)?;
    signature::verify(payload, header, secrets, now)?;
    let (text, envelope) = Envelope::parse(payload)?;
    let inserted = sqlx::query(
        "INSERT INTO webhook_events (event_id, event_type, account_id, event_created, payload, status, attempts, \
         next_attempt_at, received_at) VALUES ($1, $2, $3, $4, $5, 'pending', 0, $6, $6) \
         ON CONFLICT (event_id) DO NOTHING",
    )
    .bind(&envelope.id)
    .bind(&envelope.event_type)
    .bind(envelope.account.as_deref())
    .bind(envelope.created)
    .bind(text)
    .bind(now)
    .execute(db.pool())
    .await
    .map_err(DbError::from)?;
    Ok(if inserted.rows_affected() == 1 {
        Ingested::Stored
    } else {
        Ingested::Duplicate
    })
}

/// Stores an event read from Stripe's API (`GET /v1/events`, by reconciliation) rather than
/// received: Stripe answered it over an authenticated connection, so there is no signature to
/// check. `account` is the connected account it happened on. An event already stored (it did
/// arrive as a webhook) is left alone.
pub async fn store_fetched(
    db: &Db,
    event: &serde_json::Value,
    account: Option<&str>,
    now: i64,
) -> Result<Ingested, DbError> {
    let (Some(id), Some(event_type)) = (event["id"].as_str(), event["type"].as_str()) else {
        return Ok(Ingested::Duplicate);
    };
    let inserted = sqlx::query(
        "INSERT INTO webhook_events (event_id, event_type, account_id, event_created, payload, status, attempts, \
         next_attempt_at, received_at) VALUES ($1, $2, $3, $4, $5, 'pending', 0, $6, $6) \
         ON CONFLICT (event_id) DO NOTHING",
    )
    .bind(id)
    .bind(event_type)
    .bind(account)
    .bind(event["created"].as_i64().unwrap_or(now))
    .bind(event.to_string())
    .bind(now)
    .execute(db.pool())
    .await?;
    Ok(if inserted.rows_affected() == 1 {
        Ingested::Stored
    } else {
        Ingested::Duplicate
    })
}

/// An event taken from the inbox for processing.
#[derive(Debug, Clone, FromRow)]
pub struct InboxEvent {
    pub event_id: String,
    pub event_type: String,
    pub account_id: Option<String>,
    pub event_created: i64,
    pub payload: String,
    pub attempts: i64,
}

/// Takes up to `limit` due events and leases them until `now + lease_secs`. An event whose
/// lease ran out (its worker died) is due again. On Postgres, concurrent workers skip each
/// other's rows; on SQLite the single writer serialises claims.
pub async fn claim_due(
    db: &Db,
    now: i64,
    lease_secs: i64,
    limit: i64,
) -> Result<Vec<InboxEvent>, DbError> {
    let lock = match db.backend() {
        Backend::Postgres => " FOR UPDATE SKIP LOCKED",
        Backend::Sqlite => "",
    };
    let sql = format!(
        "UPDATE webhook_events SET status = 'processing', locked_until = $1, attempts = attempts + 1 \
         WHERE event_id IN (SELECT event_id FROM webhook_events \
             WHERE status IN ('pending', 'processing') AND next_attempt_at <= $2 \
             AND (locked_until IS NULL OR locked_until <= $2) \
             ORDER BY event_created, received_at LIMIT $3{lock}) \
         RETURNING event_id, event_type, account_id, event_created, payload, attempts"
    );
    let mut events: Vec<InboxEvent> = sqlx::query_as(&sql)
        .bind(now + lease_secs)
        .bind(now)
        .bind(limit)
        .fetch_all(db.pool())
        .await?;
    events.sort_by_key(|e| e.event_created);
    Ok(events)
}

/// Marks the event done, inside the transaction that applied its effects.
pub async fn complete(
    tx: &mut Transaction<'static, Any>,
    event_id: &str,
    now: i64,
) -> Result<(), DbError> {
    sqlx::query(
        "UPDATE webhook_events SET status = 'done', processed_at = $1, locked_until = NULL, last_error = NULL \
         WHERE event_id = $2",
    )
    .bind(now)
    .bind(event_id)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Puts a failed event back with a growing delay, or parks it as `failed` after
/// [`MAX_ATTEMPTS`] (or at once when `permanent`).
pub async fn release_for_retry(
    db: &Db,
    event: &InboxEvent,
    error: &str,
    permanent: bool,
    now: i64,
) -> Result<(), DbError> {
    let give_up = permanent || event.attempts >= MAX_ATTEMPTS;
    let delay = 5i64
        .saturating_mul(1 << event.attempts.clamp(0, 10))
        .min(3600);
    sqlx::query(
        "UPDATE webhook_events SET status = $1, next_attempt_at = $2, locked_until = NULL, last_error = $3 \
         WHERE event_id = $4",
    )
    .bind(if give_up { "failed" } else { "pending" })
    .bind(now + delay)
    .bind(error.chars().take(500).collect::<String>())
    .bind(&event.event_id)
    .execute(db.pool())
    .await?;
    Ok(())
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct InboxStatus {
    pub pending: i64,
    pub processing: i64,
    pub done: i64,
    pub failed: i64,
}

/// How many events are in each state.
pub async fn counts(db: &Db) -> Result<InboxStatus, DbError> {
    let rows: Vec<(String, i64)> =
        sqlx::query_as("SELECT status, COUNT(*) FROM webhook_events GROUP BY status")
            .fetch_all(db.pool())
            .await?;
    let mut status = InboxStatus::default();
    for (name, count) in rows {
        match name.as_str() {
            "pending" => status.pending = count,
            "processing" => status.processing = count,
            "done" => status.done = count,
            "failed" => status.failed = count,
            _ => {}
        }
    }
    Ok(status)
}
