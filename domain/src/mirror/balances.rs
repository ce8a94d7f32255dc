//! Each connected account's `balance` object: read again after a backfill and on
//! `balance.available`, kept under the same versioning rule as every mirrored object.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::{
    MirrorError,
    budget::RequestBudget,
    observed_now,
    stripe_io::{self, Patience},
};
use crate::{
    db::{Db, DbError},
    stripe::StripeApi,
};

/// An amount in one currency.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Funds {
    /// Minor units.
    pub amount: i64,
    pub currency: String,
}

/// What an account holds at Stripe, per currency.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Balance {
    pub available: Vec<Funds>,
    pub pending: Vec<Funds>,
    /// When it was read (milliseconds, the mirror's version).
    pub version: i64,
}

fn funds(list: &Value) -> Vec<Funds> {
    list.as_array()
        .map(|items| {
            items
                .iter()
                .map(|f| Funds {
                    amount: f["amount"].as_i64().unwrap_or(0),
                    currency: f["currency"].as_str().unwrap_or_default().to_string(),
                })
                .collect()
        })
        .unwrap_or_default()
}

/// Stores `balance` (Stripe's object) for `account` unless a newer one is stored.
pub async fn store(db: &Db, account: &str, balance: &Value, version: i64) -> Result<bool, DbError> {
    let done = sqlx::query(
        "INSERT INTO mirror_balances (account_id, version, data) VALUES ($1, $2, $3) \
         ON CONFLICT (account_id) DO UPDATE SET version = excluded.version, data = excluded.data \
         WHERE mirror_balances.version < excluded.version",
    )
    .bind(account)
    .bind(version)
    .bind(balance.to_string())
    .execute(db.pool())
    .await?;
    Ok(done.rows_affected() > 0)
}

/// The mirrored balance of `account`, if it was read yet.
pub async fn get(db: &Db, account: &str) -> Result<Option<Balance>, DbError> {
    let row: Option<(i64, String)> =
        sqlx::query_as("SELECT version, data FROM mirror_balances WHERE account_id = $1")
            .bind(account)
            .fetch_optional(db.pool())
            .await?;
    Ok(row.map(|(version, data)| {
        let value: Value = serde_json::from_str(&data).unwrap_or(Value::Null);
        Balance {
            available: funds(&value["available"]),
            pending: funds(&value["pending"]),
            version,
        }
    }))
}

/// Reads `account`'s balance from Stripe and stores it.
pub(crate) async fn refresh(
    db: &Db,
    stripe: &StripeApi,
    budget: &RequestBudget,
    patience: Patience,
    account: &str,
) -> Result<(), MirrorError> {
    let version = observed_now();
    let balance = stripe_io::get_json(
        stripe,
        budget,
        patience,
        stripe_core::balance::RetrieveForMyAccountBalance::new(),
        Some(account),
    )
    .await?;
    store(db, account, &balance, version).await?;
    Ok(())
}
