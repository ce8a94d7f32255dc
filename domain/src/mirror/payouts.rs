//! A connected account's payouts, newest first, with keyset paging (for the payouts widget).

use serde::{Deserialize, Serialize};
use sqlx::FromRow;

use super::payments::{Cursor, MAX_PAGE};
use crate::db::{Db, DbError};

/// One payout as lists show it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, FromRow)]
pub struct Payout {
    pub id: String,
    pub created: i64,
    /// `paid`, `pending`, `in_transit`, `canceled` or `failed`.
    pub status: String,
    /// Minor units.
    pub amount: i64,
    pub currency: String,
    pub arrival_date: Option<i64>,
}

/// A page of payouts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PayoutPage {
    pub payouts: Vec<Payout>,
    pub next: Option<Cursor>,
}

/// `account`'s payouts older than `after`, `limit` of them.
pub async fn list(
    db: &Db,
    account: &str,
    after: Option<&Cursor>,
    limit: i64,
) -> Result<PayoutPage, DbError> {
    let limit = limit.clamp(1, MAX_PAGE);
    let mut sql = String::from(
        "SELECT id, created, status, amount, currency, arrival_date FROM mirror_payouts WHERE account_id = $1",
    );
    if after.is_some() {
        sql.push_str(" AND (created, id) < ($2, $3)");
    }
    sql.push_str(&format!(
        " ORDER BY created DESC, id DESC LIMIT {}",
        limit + 1
    ));
    let mut query = sqlx::query_as::<_, Payout>(&sql).bind(account);
    if let Some(after) = after {
        query = query.bind(after.created).bind(after.id.clone());
    }
    let mut payouts = query.fetch_all(db.pool()).await?;
    let more = payouts.len() as i64 > limit;
    payouts.truncate(usize::try_from(limit).unwrap_or(0));
    let next = more.then(|| payouts.last()).flatten().map(|p| Cursor {
        created: p.created,
        id: p.id.clone(),
    });
    Ok(PayoutPage { payouts, next })
}
