//! The tower-sessions store over Comptoir's database, so logins survive restarts and several
//! server processes can share one Postgres.
//!
//! Session ids are stored as SHA-256 hashes: the table alone cannot be replayed as cookies.

use async_trait::async_trait;
use sha2::{Digest, Sha256};
use tower_sessions::{
    SessionStore,
    session::{Id, Record},
    session_store::{self, Error},
};

use crate::{clock::Clock, db::Db};

#[derive(Clone, Debug)]
pub struct DbSessionStore {
    db: Db,
    clock: Clock,
}

impl DbSessionStore {
    pub fn new(db: Db, clock: Clock) -> Self {
        Self { db, clock }
    }

    /// Deletes expired sessions; returns how many went. Called periodically by a worker.
    pub async fn delete_expired(&self) -> Result<u64, sqlx::Error> {
        let done = sqlx::query("DELETE FROM sessions WHERE expires_at <= $1")
            .bind(self.clock.now())
            .execute(self.db.pool())
            .await?;
        Ok(done.rows_affected())
    }
}

fn id_hash(id: &Id) -> String {
    hex::encode(Sha256::digest(id.to_string().as_bytes()))
}

fn backend(e: impl std::fmt::Display) -> Error {
    Error::Backend(e.to_string())
}

#[async_trait]
impl SessionStore for DbSessionStore {
    async fn create(&self, record: &mut Record) -> session_store::Result<()> {
        let data = serde_json::to_string(&record.data).map_err(|e| Error::Encode(e.to_string()))?;
        // A 128-bit random id practically never collides, but if it does, draw again rather
        // than overwrite someone else's session.
        loop {
            let inserted = sqlx::query(
                "INSERT INTO sessions (id_hash, data, expires_at) VALUES ($1, $2, $3) \
                 ON CONFLICT (id_hash) DO NOTHING",
            )
            .bind(id_hash(&record.id))
            .bind(&data)
            .bind(record.expiry_date.unix_timestamp())
            .execute(self.db.pool())
            .await
            .map_err(backend)?;
            if inserted.rows_affected() == 1 {
                return Ok(());
            }
            record.id = Id::default();
        }
    }

    async fn save(&self, record: &Record) -> session_store::Result<()> {
        let data = serde_json::to_string(&record.data).map_err(|e| Error::Encode(e.to_string()))?;
        sqlx::query(
            "INSERT INTO sessions (id_hash, data, expires_at) VALUES ($1, $2, $3) \
             ON CONFLICT (id_hash) DO UPDATE SET data = excluded.data, expires_at = excluded.expires_at",
        )
        .bind(id_hash(&record.id))
        .bind(data)
        .bind(record.expiry_date.unix_timestamp())
        .execute(self.db.pool())
        .await
        .map_err(backend)?;
        Ok(())
    }

    async fn load(&self, session_id: &Id) -> session_store::Result<Option<Record>> {
        let row: Option<(String, i64)> = sqlx::query_as(
            "SELECT data, expires_at FROM sessions WHERE id_hash = $1 AND expires_at > $2",
        )
        .bind(id_hash(session_id))
        .bind(self.clock.now())
        .fetch_optional(self.db.pool())
        .await
        .map_err(backend)?;
        let Some((data, expires_at)) = row else {
            return Ok(None);
        };
        Ok(Some(Record {
            id: *session_id,
            data: serde_json::from_str(&data).map_err(|e| Error::Decode(e.to_string()))?,
            expiry_date: time::OffsetDateTime::from_unix_timestamp(expires_at)
                .map_err(|e| Error::Decode(e.to_string()))?,
        }))
    }

    async fn delete(&self, session_id: &Id) -> session_store::Result<()> {
        sqlx::query("DELETE FROM sessions WHERE id_hash = $1")
            .bind(id_hash(session_id))
            .execute(self.db.pool())
            .await
            .map_err(backend)?;
        Ok(())
    }
}

/// Who is logged in, as the session remembers it. Handlers read it only through
/// [`logged_in`]; the key it lives under is private to this module.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct SessionUser {
    pub id: crate::auth::UserId,
    pub role: crate::auth::Role,
}

const SESSION_USER_KEY: &str = "comptoir.user";

#[derive(Debug, thiserror::Error)]
#[error("the session store failed: {0}")]
pub struct SessionError(#[from] tower_sessions::session::Error);

/// Starts a logged-in session for `user` under a new session id (no fixation).
pub async fn remember_login(
    session: &tower_sessions::Session,
    user: &crate::auth::User,
) -> Result<(), SessionError> {
    session.cycle_id().await?;
    session
        .insert(
            SESSION_USER_KEY,
            SessionUser {
                id: user.id.clone(),
                role: user.role,
            },
        )
        .await?;
    Ok(())
}

pub async fn logged_in(
    session: &tower_sessions::Session,
) -> Result<Option<SessionUser>, SessionError> {
    Ok(session.get(SESSION_USER_KEY).await?)
}

/// Ends the session: its data is deleted and the cookie cleared.
pub async fn forget_login(session: &tower_sessions::Session) -> Result<(), SessionError> {
    session.flush().await?;
    Ok(())
}
