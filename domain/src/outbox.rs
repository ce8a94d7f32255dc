//! Messages owed to someone after a state change (order fulfilled, payment failed), written in
//! the same transaction as the change, at most once per kind and subject. A mailer would read
//! and send them; Comptoir records them so nothing promised is lost.

use sqlx::{Any, Transaction};

use crate::db::{Db, DbError};

/// Records a message unless one of the same kind already exists for `subject_id`.
pub async fn enqueue(
    tx: &mut Transaction<'static, Any>,
    kind: &str,
    subject_id: &str,
    recipient: Option<&str>,
    payload: &serde_json::Value,
    now: i64,
) -> Result<(), DbError> {
    sqlx::query(
        "INSERT INTO outbox (id, kind, subject_id, recipient, payload, created_at) VALUES ($1, $2, $3, $4, $5, $6) \
         ON CONFLICT (kind, subject_id) DO NOTHING",
    )
    .bind(format!("msg_{}", uuid::Uuid::new_v4().simple()))
    .bind(kind)
    .bind(subject_id)
    .bind(recipient)
    .bind(payload.to_string())
    .bind(now)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct OutboxMessage {
    pub kind: String,
    pub subject_id: String,
    pub recipient: Option<String>,
    pub payload: String,
}

/// The messages recorded for `subject_id`, oldest first.
pub async fn for_subject(db: &Db, subject_id: &str) -> Result<Vec<OutboxMessage>, DbError> {
    Ok(sqlx::query_as(
        "SELECT kind, subject_id, recipient, payload FROM outbox WHERE subject_id = $1 ORDER BY created_at, id",
    )
    .bind(subject_id)
    .fetch_all(db.pool())
    .await?)
}
