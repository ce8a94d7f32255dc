//! Revenue from the mirror: gross volume (captured charges) and the platform's application fees
//! (net of fee refunds), per UTC day and per merchant, in one currency over a date range.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::db::{Db, DbError};

/// Seconds in a day; days are UTC.
pub const DAY_SECS: i64 = 86_400;

/// The longest range a report covers.
pub const MAX_DAYS: i64 = 731;

/// Which revenue to add up.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RevenueQuery {
    /// First day (Unix seconds, rounded down to its UTC midnight), included.
    pub from: i64,
    /// Last day, included (rounded down to its midnight).
    pub to: i64,
    /// Lowercase ISO code; amounts in different currencies are never added together.
    pub currency: String,
    /// One connected account, or all of them.
    pub account: Option<String>,
}

/// One day's figures, in minor units of the report's currency.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct DayRevenue {
    /// The day's midnight, Unix seconds (UTC).
    pub day: i64,
    pub gross: i64,
    pub fees: i64,
    pub payments: i64,
}

/// One merchant's figures over the range.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MerchantRevenue {
    pub account_id: String,
    pub merchant_name: Option<String>,
    pub gross: i64,
    pub fees: i64,
    pub payments: i64,
}

/// A revenue report: every day of the range (zeros included) and every merchant with revenue.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RevenueReport {
    pub from: i64,
    pub to: i64,
    pub currency: String,
    pub days: Vec<DayRevenue>,
    /// Largest gross volume first.
    pub merchants: Vec<MerchantRevenue>,
    pub total_gross: i64,
    pub total_fees: i64,
    pub total_payments: i64,
}

/// Midnight (UTC) of the day `t` is in.
pub fn day_of(t: i64) -> i64 {
    t.div_euclid(DAY_SECS) * DAY_SECS
}

/// Adds up `query`'s revenue. The range is clamped to [`MAX_DAYS`].
pub async fn report(db: &Db, query: &RevenueQuery) -> Result<RevenueReport, DbError> {
    let from = day_of(query.from.min(query.to));
    let to = day_of(query.to.max(query.from)).min(from + (MAX_DAYS - 1) * DAY_SECS);
    let end = to + DAY_SECS;
    let currency = query.currency.to_lowercase();
    let scope = if query.account.is_some() {
        " AND account_id = $4"
    } else {
        ""
    };
    let charges_by = |group: &str| {
        format!(
            "SELECT CAST({group} AS TEXT), CAST(SUM(amount_captured) AS BIGINT), COUNT(*) FROM mirror_charges \
             WHERE currency = $1 AND created >= $2 AND created < $3 AND status = 'succeeded' AND captured = 1{scope} \
             GROUP BY {group}"
        )
    };
    let fees_by = |group: &str| {
        format!(
            "SELECT CAST({group} AS TEXT), CAST(SUM(amount - amount_refunded) AS BIGINT), COUNT(*) \
             FROM mirror_application_fees WHERE currency = $1 AND created >= $2 AND created < $3{scope} \
             GROUP BY {group}"
        )
    };
    let day_group = format!("(created / {DAY_SECS})");
    let account = query.account.as_deref();
    let gross_days = grouped(db, &charges_by(&day_group), &currency, from, end, account).await?;
    let fee_days = grouped(db, &fees_by(&day_group), &currency, from, end, account).await?;
    let gross_accounts =
        grouped(db, &charges_by("account_id"), &currency, from, end, account).await?;
    let fee_accounts = grouped(db, &fees_by("account_id"), &currency, from, end, account).await?;

    let mut days: BTreeMap<i64, DayRevenue> = (0..=(to - from) / DAY_SECS)
        .map(|i| {
            let day = from + i * DAY_SECS;
            (
                day,
                DayRevenue {
                    day,
                    gross: 0,
                    fees: 0,
                    payments: 0,
                },
            )
        })
        .collect();
    let day_key = |text: &str| text.parse::<i64>().ok().map(|d| d * DAY_SECS);
    for (day, gross, count) in gross_days {
        if let Some(entry) = day_key(&day).and_then(|d| days.get_mut(&d)) {
            entry.gross = gross;
            entry.payments = count;
        }
    }
    for (day, fees, _) in fee_days {
        if let Some(entry) = day_key(&day).and_then(|d| days.get_mut(&d)) {
            entry.fees = fees;
        }
    }
    let mut merchants: BTreeMap<String, MerchantRevenue> = BTreeMap::new();
    for (account, gross, count) in gross_accounts {
        let entry = merchants.entry(account.clone()).or_insert(MerchantRevenue {
            account_id: account,
            merchant_name: None,
            gross: 0,
            fees: 0,
            payments: 0,
        });
        entry.gross = gross;
        entry.payments = count;
    }
    for (account, fees, _) in fee_accounts {
        merchants
            .entry(account.clone())
            .or_insert(MerchantRevenue {
                account_id: account,
                merchant_name: None,
                gross: 0,
                fees: 0,
                payments: 0,
            })
            .fees = fees;
    }
    let names: Vec<(String, String)> = sqlx::query_as(
        "SELECT stripe_account_id, business_name FROM merchants WHERE stripe_account_id IS NOT NULL",
    )
    .fetch_all(db.pool())
    .await?;
    for (account, name) in names {
        if let Some(m) = merchants.get_mut(&account) {
            m.merchant_name = Some(name);
        }
    }
    let mut merchants: Vec<MerchantRevenue> = merchants.into_values().collect();
    merchants.sort_by(|a, b| b.gross.cmp(&a.gross).then(a.account_id.cmp(&b.account_id)));
    let days: Vec<DayRevenue> = days.into_values().collect();
    Ok(RevenueReport {
        from,
        to,
        currency,
        total_gross: days.iter().map(|d| d.gross).sum(),
        total_fees: days.iter().map(|d| d.fees).sum(),
        total_payments: days.iter().map(|d| d.payments).sum(),
        days,
        merchants,
    })
}

/// Runs one of the report's grouped sums: `(group, sum, count)` rows.
async fn grouped(
    db: &Db,
    sql: &str,
    currency: &str,
    from: i64,
    end: i64,
    account: Option<&str>,
) -> Result<Vec<(String, i64, i64)>, DbError> {
    let mut query = sqlx::query_as(sql).bind(currency).bind(from).bind(end);
    if let Some(account) = account {
        query = query.bind(account);
    }
    Ok(query.fetch_all(db.pool()).await?)
}

/// The currencies charges were made in, most used first.
pub async fn currencies(db: &Db) -> Result<Vec<String>, DbError> {
    let rows: Vec<(String, i64)> = sqlx::query_as(
        "SELECT currency, COUNT(*) AS n FROM mirror_charges GROUP BY currency ORDER BY n DESC, currency",
    )
    .fetch_all(db.pool())
    .await?;
    Ok(rows.into_iter().map(|(c, _)| c).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn days_start_at_utc_midnight() {
        assert_eq!(day_of(1_700_000_000), 1_699_920_000);
        assert_eq!(day_of(1_699_920_000), 1_699_920_000);
        assert_eq!(day_of(-1), -DAY_SECS);
    }
}
