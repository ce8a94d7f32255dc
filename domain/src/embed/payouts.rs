//! The balances and payouts widgets' side of the widget API: the balance and payouts read from
//! the commerce mirror; manual payouts and the payout schedule changed at Stripe, and the answer
//! written into the mirror (payouts, balance) before returning.

use serde::{Deserialize, Serialize};
use serde_json::Value;
use sqlx::FromRow;
use stripe_connect::account::{
    RetrieveAccount, UpdateAccount, UpdateAccountSettings, UpdateAccountSettingsPayouts,
    UpdateAccountSettingsPayoutsSchedule, UpdateAccountSettingsPayoutsScheduleDelayDays,
    UpdateAccountSettingsPayoutsScheduleInterval, UpdateAccountSettingsPayoutsScheduleWeeklyAnchor,
};
use stripe_core::{balance::RetrieveForMyAccountBalance, payout::CreatePayout};

use super::{BALANCE_COMPONENTS, EmbedError, PAYOUT_LIST_COMPONENTS, WidgetScope, stripe_json};
use crate::{
    Services,
    mirror::{self, balances::Funds},
};

/// Payouts a page holds when the widget does not say.
pub const DEFAULT_LIMIT: i64 = 20;
/// The most a page may hold.
pub const MAX_LIMIT: i64 = 100;

/// What the account holds, per currency.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BalanceView {
    pub available: Vec<Funds>,
    pub pending: Vec<Funds>,
}

/// Reads the balance from Stripe and stores it in the mirror.
async fn refresh_balance(services: &Services, account: &str) -> Result<(), EmbedError> {
    let version = mirror::observed_now();
    let balance = stripe_json::send(
        &services.stripe()?,
        &RetrieveForMyAccountBalance::new(),
        Some(account),
    )
    .await?;
    mirror::balances::store(&services.db, account, &balance, version).await?;
    Ok(())
}

/// After a mutation that moved money: the mutation succeeded whatever happens here, so a
/// failure is logged, and the balance webhook (or the next sync) brings the mirror up to date.
pub(crate) async fn refresh_balance_quietly(services: &Services, account: &str) {
    if let Err(e) = refresh_balance(services, account).await {
        tracing::warn!(account, error = %e, "could not refresh the balance after a mutation");
    }
}

/// `GET /widget/v1/balance`, from the mirror (read from Stripe once if the mirror has none yet).
pub async fn balance(services: &Services, scope: &WidgetScope) -> Result<BalanceView, EmbedError> {
    scope.require_component(BALANCE_COMPONENTS)?;
    let mut stored = mirror::balances::get(&services.db, &scope.account).await?;
    if stored.is_none() {
        refresh_balance(services, &scope.account).await?;
        stored = mirror::balances::get(&services.db, &scope.account).await?;
    }
    let stored = stored.unwrap_or(mirror::balances::Balance {
        available: Vec::new(),
        pending: Vec::new(),
        version: 0,
    });
    Ok(BalanceView {
        available: stored.available,
        pending: stored.pending,
    })
}

/// A payout as the widget API shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PayoutView {
    pub id: String,
    pub amount: i64,
    pub currency: String,
    pub status: String,
    pub arrival_date: Option<i64>,
    pub created: i64,
    /// `standard` or `instant`.
    pub method: Option<String>,
}

/// A page of payouts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PayoutList {
    pub data: Vec<PayoutView>,
    pub has_more: bool,
}

/// The query string of `GET /widget/v1/payouts`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct PayoutListParams {
    pub limit: Option<String>,
    pub starting_after: Option<String>,
}

#[derive(FromRow)]
struct PayoutRow {
    id: String,
    created: i64,
    status: String,
    amount: i64,
    currency: String,
    arrival_date: Option<i64>,
    data: String,
}

impl From<PayoutRow> for PayoutView {
    fn from(row: PayoutRow) -> Self {
        let data: Value = serde_json::from_str(&row.data).unwrap_or(Value::Null);
        PayoutView {
            id: row.id,
            amount: row.amount,
            currency: row.currency,
            status: row.status,
            arrival_date: row.arrival_date,
            created: row.created,
            method: data["method"].as_str().map(str::to_string),
        }
    }
}

fn payout_view(payout: &Value) -> PayoutView {
    PayoutView {
        id: payout["id"].as_str().unwrap_or_default().to_string(),
        amount: payout["amount"].as_i64().unwrap_or(0),
        currency: payout["currency"].as_str().unwrap_or_default().to_string(),
        status: payout["status"].as_str().unwrap_or_default().to_string(),
        arrival_date: payout["arrival_date"].as_i64(),
        created: payout["created"].as_i64().unwrap_or(0),
        method: payout["method"].as_str().map(str::to_string),
    }
}

/// `GET /widget/v1/payouts`: the account's payouts from the mirror, newest first.
pub async fn list(
    services: &Services,
    scope: &WidgetScope,
    params: &PayoutListParams,
) -> Result<PayoutList, EmbedError> {
    scope.require_component(PAYOUT_LIST_COMPONENTS)?;
    let limit = match params
        .limit
        .as_deref()
        .map(str::trim)
        .filter(|l| !l.is_empty())
    {
        None => DEFAULT_LIMIT,
        Some(text) => text
            .parse::<i64>()
            .ok()
            .filter(|l| (1..=MAX_LIMIT).contains(l))
            .ok_or_else(|| {
                EmbedError::invalid_param(
                    "parameter_invalid_integer",
                    "limit",
                    format!("Invalid limit: must be between 1 and {MAX_LIMIT}."),
                )
            })?,
    };
    let mut sql = String::from(
        "SELECT id, created, status, amount, currency, arrival_date, data FROM mirror_payouts \
         WHERE account_id = $1",
    );
    let after = match params
        .starting_after
        .as_deref()
        .map(str::trim)
        .filter(|a| !a.is_empty())
    {
        None => None,
        Some(id) => {
            let created: Option<(i64,)> = sqlx::query_as(
                "SELECT created FROM mirror_payouts WHERE id = $1 AND account_id = $2",
            )
            .bind(id)
            .bind(&scope.account)
            .fetch_optional(services.db.pool())
            .await?;
            let (created,) = created.ok_or_else(|| {
                EmbedError::invalid_param(
                    "resource_missing",
                    "starting_after",
                    format!("No such payout: '{id}'"),
                )
            })?;
            sql.push_str(" AND (created, id) < ($2, $3)");
            Some((created, id.to_string()))
        }
    };
    sql.push_str(&format!(
        " ORDER BY created DESC, id DESC LIMIT {}",
        limit + 1
    ));
    let mut query = sqlx::query_as::<_, PayoutRow>(&sql).bind(&scope.account);
    if let Some((created, id)) = after {
        query = query.bind(created).bind(id);
    }
    let mut rows = query.fetch_all(services.db.pool()).await?;
    let has_more = rows.len() as i64 > limit;
    rows.truncate(usize::try_from(limit).unwrap_or(0));
    Ok(PayoutList {
        data: rows.into_iter().map(PayoutView::from).collect(),
        has_more,
    })
}

/// `POST /widget/v1/payouts`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PayoutInput {
    /// Minor units.
    pub amount: i64,
    pub currency: String,
}

/// Pays out `amount` to the account's bank account (feature `standard_payouts`). Stripe's
/// refusals (not enough available funds, no bank account in that currency) come back as 400.
pub async fn create_payout(
    services: &Services,
    scope: &WidgetScope,
    input: &PayoutInput,
) -> Result<PayoutView, EmbedError> {
    scope.require_feature(BALANCE_COMPONENTS, "standard_payouts")?;
    if input.amount < 1 {
        return Err(EmbedError::invalid_param(
            "parameter_invalid_integer",
            "amount",
            "The payout amount must be a positive number of minor units.",
        ));
    }
    let currency = input.currency.trim().to_ascii_lowercase();
    if currency.len() != 3 || !currency.chars().all(|c| c.is_ascii_lowercase()) {
        return Err(EmbedError::invalid_param(
            "parameter_invalid",
            "currency",
            "The currency is a three-letter ISO code, like eur.",
        ));
    }
    let request = CreatePayout::new(
        input.amount,
        currency
            .parse::<stripe_types::Currency>()
            .unwrap_or_else(|e| match e {}),
    )
    .expand(vec!["balance_transaction".to_string()]);
    let version = mirror::observed_now();
    let payout = stripe_json::send(&services.stripe()?, &request, Some(&scope.account)).await?;
    mirror::apply_object(&services.db, &scope.account, &payout, version).await?;
    refresh_balance_quietly(services, &scope.account).await;
    Ok(payout_view(&payout))
}

/// When the account's available funds are paid out.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PayoutSchedule {
    /// `daily`, `weekly`, `monthly` or `manual`.
    pub interval: String,
    /// Days funds wait before they can be paid out (Stripe's minimum when absent).
    #[serde(default)]
    pub delay_days: Option<i64>,
    /// For `weekly`: `monday` … `sunday`.
    #[serde(default)]
    pub weekly_anchor: Option<String>,
    /// For `monthly`: 1 … 31.
    #[serde(default)]
    pub monthly_anchor: Option<i64>,
}

fn schedule_of(account: &Value) -> PayoutSchedule {
    let schedule = &account["settings"]["payouts"]["schedule"];
    let interval = schedule["interval"].as_str().unwrap_or("daily").to_string();
    PayoutSchedule {
        delay_days: schedule["delay_days"]
            .as_i64()
            .or_else(|| schedule["delay_days"].as_str().and_then(|d| d.parse().ok())),
        weekly_anchor: (interval == "weekly")
            .then(|| schedule["weekly_anchor"].as_str().map(str::to_string))
            .flatten(),
        monthly_anchor: (interval == "monthly")
            .then(|| schedule["monthly_anchor"].as_i64())
            .flatten(),
        interval,
    }
}

/// `GET /widget/v1/payout_schedule`, read from the account at Stripe (the mirror keeps no
/// accounts).
pub async fn schedule(
    services: &Services,
    scope: &WidgetScope,
) -> Result<PayoutSchedule, EmbedError> {
    scope.require_component(BALANCE_COMPONENTS)?;
    let account = stripe_json::send(
        &services.stripe()?,
        &RetrieveAccount::new(scope.account.as_str()),
        None,
    )
    .await?;
    Ok(schedule_of(&account))
}

const WEEKDAYS: [(&str, UpdateAccountSettingsPayoutsScheduleWeeklyAnchor); 7] = [
    (
        "monday",
        UpdateAccountSettingsPayoutsScheduleWeeklyAnchor::Monday,
    ),
    (
        "tuesday",
        UpdateAccountSettingsPayoutsScheduleWeeklyAnchor::Tuesday,
    ),
    (
        "wednesday",
        UpdateAccountSettingsPayoutsScheduleWeeklyAnchor::Wednesday,
    ),
    (
        "thursday",
        UpdateAccountSettingsPayoutsScheduleWeeklyAnchor::Thursday,
    ),
    (
        "friday",
        UpdateAccountSettingsPayoutsScheduleWeeklyAnchor::Friday,
    ),
    (
        "saturday",
        UpdateAccountSettingsPayoutsScheduleWeeklyAnchor::Saturday,
    ),
    (
        "sunday",
        UpdateAccountSettingsPayoutsScheduleWeeklyAnchor::Sunday,
    ),
];

fn stripe_schedule(
    input: &PayoutSchedule,
) -> Result<UpdateAccountSettingsPayoutsSchedule, EmbedError> {
    use UpdateAccountSettingsPayoutsScheduleInterval as Interval;
    let invalid = |param: &str, message: &str| {
        EmbedError::invalid_param("parameter_invalid", param, message.to_string())
    };
    let mut schedule = UpdateAccountSettingsPayoutsSchedule::new();
    schedule.interval = Some(match input.interval.as_str() {
        "daily" => Interval::Daily,
        "weekly" => Interval::Weekly,
        "monthly" => Interval::Monthly,
        "manual" => Interval::Manual,
        _ => {
            return Err(invalid(
                "interval",
                "The interval is daily, weekly, monthly or manual.",
            ));
        }
    });
    if let Some(days) = input.delay_days {
        let days = u32::try_from(days)
            .ok()
            .filter(|d| *d <= 365)
            .ok_or_else(|| invalid("delay_days", "The delay is 0 to 365 days."))?;
        schedule.delay_days = Some(UpdateAccountSettingsPayoutsScheduleDelayDays::U32(days));
    }
    match input.interval.as_str() {
        "weekly" => {
            let anchor = input.weekly_anchor.as_deref().unwrap_or_default();
            schedule.weekly_anchor = Some(
                WEEKDAYS
                    .iter()
                    .find(|(name, _)| *name == anchor)
                    .map(|(_, day)| day.clone())
                    .ok_or_else(|| {
                        invalid(
                            "weekly_anchor",
                            "A weekly schedule needs a day, monday to sunday.",
                        )
                    })?,
            );
        }
        "monthly" => {
            let anchor = input
                .monthly_anchor
                .and_then(|d| u8::try_from(d).ok())
                .filter(|d| (1..=31).contains(d))
                .ok_or_else(|| {
                    invalid(
                        "monthly_anchor",
                        "A monthly schedule needs a day of the month, 1 to 31.",
                    )
                })?;
            schedule.monthly_anchor = Some(anchor);
        }
        _ => {}
    }
    Ok(schedule)
}

/// Changes the payout schedule (feature `edit_payout_schedule`) and answers it as Stripe now
/// has it.
pub async fn set_schedule(
    services: &Services,
    scope: &WidgetScope,
    input: &PayoutSchedule,
) -> Result<PayoutSchedule, EmbedError> {
    scope.require_feature(BALANCE_COMPONENTS, "edit_payout_schedule")?;
    let mut payouts = UpdateAccountSettingsPayouts::new();
    payouts.schedule = Some(stripe_schedule(input)?);
    let mut settings = UpdateAccountSettings::new();
    settings.payouts = Some(payouts);
    let account = stripe_json::send(
        &services.stripe()?,
        &UpdateAccount::new(scope.account.as_str()).settings(settings),
        None,
    )
    .await?;
    Ok(schedule_of(&account))
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn input(interval: &str) -> PayoutSchedule {
        PayoutSchedule {
            interval: interval.into(),
            delay_days: None,
            weekly_anchor: None,
            monthly_anchor: None,
        }
    }

    #[test]
    fn schedules_need_their_anchor() {
        assert!(stripe_schedule(&input("daily")).is_ok());
        assert!(stripe_schedule(&input("weekly")).is_err());
        let weekly = stripe_schedule(&PayoutSchedule {
            weekly_anchor: Some("friday".into()),
            ..input("weekly")
        })
        .unwrap();
        assert_eq!(
            serde_json::to_value(&weekly).unwrap()["weekly_anchor"],
            "friday"
        );
        assert!(
            stripe_schedule(&PayoutSchedule {
                monthly_anchor: Some(32),
                ..input("monthly")
            })
            .is_err()
        );
        assert!(stripe_schedule(&input("hourly")).is_err());
        assert!(
            stripe_schedule(&PayoutSchedule {
                delay_days: Some(-1),
                ..input("daily")
            })
            .is_err()
        );
    }

    #[test]
    fn anchors_of_other_intervals_are_not_shown() {
        let account = json!({"settings": {"payouts": {"schedule": {
            "interval": "daily", "delay_days": 2, "weekly_anchor": "monday"
        }}}});
        assert_eq!(
            schedule_of(&account),
            PayoutSchedule {
                interval: "daily".into(),
                delay_days: Some(2),
                weekly_anchor: None,
                monthly_anchor: None
            }
        );
    }
}
