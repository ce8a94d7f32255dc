//! The `merchants` table.

use sqlx::{Any, Executor, FromRow};

use super::{Connection, Merchant};
use crate::db::{Db, DbError};

pub(super) const COLUMNS: &str = "id, user_id, business_name, slug, email, website, country, \
    stripe_account_id, connection, oauth_scope, details_submitted, charges_enabled, payouts_enabled, \
    requirements_due, disabled_reason, connected_at, disconnected_at, status_checked_at, created_at";

#[derive(FromRow)]
pub(super) struct Row {
    id: String,
    user_id: String,
    business_name: String,
    slug: String,
    email: String,
    website: Option<String>,
    country: String,
    stripe_account_id: Option<String>,
    connection: Option<String>,
    oauth_scope: Option<String>,
    details_submitted: i64,
    charges_enabled: i64,
    payouts_enabled: i64,
    requirements_due: String,
    disabled_reason: Option<String>,
    connected_at: Option<i64>,
    disconnected_at: Option<i64>,
    status_checked_at: Option<i64>,
    created_at: i64,
}

impl From<Row> for Merchant {
    fn from(row: Row) -> Self {
        Merchant {
            id: row.id,
            user_id: row.user_id,
            business_name: row.business_name,
            slug: row.slug,
            email: row.email,
            website: row.website,
            country: row.country,
            stripe_account_id: row.stripe_account_id,
            connection: row.connection.as_deref().and_then(Connection::parse),
            oauth_scope: row.oauth_scope,
            details_submitted: row.details_submitted != 0,
            charges_enabled: row.charges_enabled != 0,
            payouts_enabled: row.payouts_enabled != 0,
            requirements_due: serde_json::from_str(&row.requirements_due).unwrap_or_default(),
            disabled_reason: row.disabled_reason,
            connected_at: row.connected_at,
            disconnected_at: row.disconnected_at,
            status_checked_at: row.status_checked_at,
            created_at: row.created_at,
        }
    }
}

async fn find_one<'e, E: Executor<'e, Database = Any>>(
    executor: E,
    column: &str,
    value: &str,
) -> Result<Option<Merchant>, DbError> {
    let sql = format!("SELECT {COLUMNS} FROM merchants WHERE {column} = $1");
    let row: Option<Row> = sqlx::query_as(&sql)
        .bind(value)
        .fetch_optional(executor)
        .await?;
    Ok(row.map(Merchant::from))
}

pub async fn find_by_id(db: &Db, id: &str) -> Result<Option<Merchant>, DbError> {
    find_one(db.pool(), "id", id).await
}

pub async fn find_by_user(db: &Db, user_id: &str) -> Result<Option<Merchant>, DbError> {
    find_one(db.pool(), "user_id", user_id).await
}

pub async fn find_by_slug(db: &Db, slug: &str) -> Result<Option<Merchant>, DbError> {
    find_one(db.pool(), "slug", slug).await
}

pub async fn find_by_account(db: &Db, account_id: &str) -> Result<Option<Merchant>, DbError> {
    find_one(db.pool(), "stripe_account_id", account_id).await
}

/// Every merchant, newest first.
pub async fn list_all(db: &Db) -> Result<Vec<Merchant>, DbError> {
    let sql = format!("SELECT {COLUMNS} FROM merchants ORDER BY created_at DESC, id");
    let rows: Vec<Row> = sqlx::query_as(&sql).fetch_all(db.pool()).await?;
    Ok(rows.into_iter().map(Merchant::from).collect())
}
