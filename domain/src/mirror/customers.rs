//! End customers across merchants. A person is known by their email: guests who paid without a
//! Stripe Customer object count as much as those with one (on each account they bought from).

use serde::{Deserialize, Serialize};
use sqlx::FromRow;

use crate::db::{Db, DbError};

/// A Stripe Customer object with this email, on one account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, FromRow)]
pub struct CustomerRecord {
    pub id: String,
    pub account_id: String,
    pub merchant_name: Option<String>,
    pub name: Option<String>,
    pub created: i64,
}

/// What one currency adds up to for a customer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Spent {
    pub currency: String,
    /// Payments in this currency, whatever their status.
    pub payments: i64,
    /// Captured and not refunded, in minor units.
    pub net: i64,
}

/// Everything about one email.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CustomerSummary {
    /// Lowercased.
    pub email: String,
    pub records: Vec<CustomerRecord>,
    pub spent: Vec<Spent>,
    /// Distinct accounts they paid.
    pub merchants: i64,
}

/// The customer `email` is, across every account; `None` when the mirror knows no payment
/// and no Customer object with it.
pub async fn summary(db: &Db, email: &str) -> Result<Option<CustomerSummary>, DbError> {
    let email = email.trim().to_lowercase();
    let records: Vec<CustomerRecord> = sqlx::query_as(
        "SELECT c.id, c.account_id, m.business_name AS merchant_name, c.name, c.created \
         FROM mirror_customers c LEFT JOIN merchants m ON m.stripe_account_id = c.account_id \
         WHERE c.email = $1 AND c.deleted = 0 ORDER BY c.created DESC, c.id",
    )
    .bind(&email)
    .fetch_all(db.pool())
    .await?;
    let spent: Vec<(String, i64, i64)> = sqlx::query_as(
        "SELECT currency, COUNT(*), CAST(COALESCE(SUM(CASE WHEN status IN \
         ('successful', 'partially_refunded', 'refunded', 'disputed') THEN amount - amount_refunded ELSE 0 END), 0) AS BIGINT) \
         FROM mirror_payments WHERE customer_email = $1 GROUP BY currency ORDER BY currency",
    )
    .bind(&email)
    .fetch_all(db.pool())
    .await?;
    let (merchants,): (i64,) = sqlx::query_as(
        "SELECT COUNT(DISTINCT account_id) FROM mirror_payments WHERE customer_email = $1",
    )
    .bind(&email)
    .fetch_one(db.pool())
    .await?;
    if records.is_empty() && spent.is_empty() {
        return Ok(None);
    }
    Ok(Some(CustomerSummary {
        email,
        records,
        spent: spent
            .into_iter()
            .map(|(currency, payments, net)| Spent {
                currency,
                payments,
                net,
            })
            .collect(),
        merchants,
    }))
}
