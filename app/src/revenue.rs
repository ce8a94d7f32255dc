//! Revenue for the platform admin: gross volume and application fees per day and per merchant,
//! in one currency over a date range, from the commerce mirror.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::{error::AppError, transactions::MerchantOption};

/// The range shown when none is asked: the last 30 days.
pub const DEFAULT_DAYS: i64 = 30;

/// What the revenue page is asked (all may be empty: the defaults apply).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct RevenueFilter {
    /// `YYYY-MM-DD`, included.
    pub from: String,
    /// `YYYY-MM-DD`, included.
    pub to: String,
    pub currency: String,
    /// One merchant's account, or all.
    pub merchant: String,
}

impl RevenueFilter {
    pub fn from_pairs<'a>(get: impl Fn(&str) -> Option<String> + 'a) -> Self {
        let field = |name: &str| get(name).unwrap_or_default().trim().to_string();
        Self {
            from: field("from"),
            to: field("to"),
            currency: field("currency"),
            merchant: field("merchant"),
        }
    }
}

/// One day's figures (minor units of the report's currency).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct DayFigures {
    /// Midnight UTC, Unix seconds.
    pub day: i64,
    pub gross: i64,
    pub fees: i64,
    pub payments: i64,
}

/// One merchant's figures over the range.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MerchantFigures {
    pub account_id: String,
    pub name: String,
    pub gross: i64,
    pub fees: i64,
    pub payments: i64,
}

/// A revenue report as the page shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RevenueView {
    /// The range and currency actually used (defaults filled in).
    pub filter: RevenueFilter,
    pub currencies: Vec<String>,
    pub merchants: Vec<MerchantOption>,
    pub days: Vec<DayFigures>,
    pub by_merchant: Vec<MerchantFigures>,
    pub total_gross: i64,
    pub total_fees: i64,
    pub total_payments: i64,
}

#[server(endpoint = "admin/revenue")]
pub async fn load_revenue(
    #[server(default)] filter: RevenueFilter,
) -> Result<RevenueView, AppError> {
    crate::ssr::require_role(domain::auth::Role::Admin).await?;
    let services = crate::ssr::services()?;
    server_side::revenue_view(&services, filter).await
}

#[cfg(feature = "ssr")]
mod server_side {
    use domain::{
        Services,
        mirror::revenue::{self, DAY_SECS, RevenueQuery},
    };

    use super::*;
    use crate::{
        calendar::{format_date, parse_date},
        ssr::internal,
        transactions::server_side::merchant_options,
    };

    pub async fn revenue_view(
        services: &Services,
        filter: RevenueFilter,
    ) -> Result<RevenueView, AppError> {
        let db = &services.db;
        let today = revenue::day_of(services.clock.now());
        let date = |text: &str, what: &str| {
            if text.is_empty() {
                return Ok(None);
            }
            parse_date(text).map(Some).ok_or_else(|| {
                AppError::Invalid(format!("The {what} date is not a date like 2026-01-31."))
            })
        };
        let to = date(&filter.to, "end")?.unwrap_or(today);
        let from = date(&filter.from, "start")?.unwrap_or(to - (DEFAULT_DAYS - 1) * DAY_SECS);
        if from > to {
            return Err(AppError::Invalid(
                "The start date is after the end date.".into(),
            ));
        }
        if (to - from) / DAY_SECS >= revenue::MAX_DAYS {
            return Err(AppError::Invalid(format!(
                "Choose a range of at most {} days.",
                revenue::MAX_DAYS
            )));
        }
        let currencies = revenue::currencies(db).await.map_err(internal)?;
        let currency = if filter.currency.is_empty() {
            currencies.first().cloned().unwrap_or_else(|| "eur".into())
        } else if filter.currency.len() == 3
            && filter.currency.chars().all(|c| c.is_ascii_alphabetic())
        {
            filter.currency.to_lowercase()
        } else {
            return Err(AppError::Invalid("Choose a currency from the list.".into()));
        };
        if !filter.merchant.is_empty() && !filter.merchant.starts_with("acct_") {
            return Err(AppError::Invalid("Choose a merchant from the list.".into()));
        }
        let report = revenue::report(
            db,
            &RevenueQuery {
                from,
                to,
                currency: currency.clone(),
                account: Some(filter.merchant.clone()).filter(|m| !m.is_empty()),
            },
        )
        .await
        .map_err(internal)?;
        Ok(RevenueView {
            filter: RevenueFilter {
                from: format_date(report.from),
                to: format_date(report.to),
                currency,
                merchant: filter.merchant,
            },
            currencies,
            merchants: merchant_options(db).await?,
            days: report
                .days
                .iter()
                .map(|d| DayFigures {
                    day: d.day,
                    gross: d.gross,
                    fees: d.fees,
                    payments: d.payments,
                })
                .collect(),
            by_merchant: report
                .merchants
                .into_iter()
                .map(|m| MerchantFigures {
                    name: m.merchant_name.unwrap_or_else(|| m.account_id.clone()),
                    account_id: m.account_id,
                    gross: m.gross,
                    fees: m.fees,
                    payments: m.payments,
                })
                .collect(),
            total_gross: report.total_gross,
            total_fees: report.total_fees,
            total_payments: report.total_payments,
        })
    }
}
