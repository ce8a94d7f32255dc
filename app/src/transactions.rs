//! The platform admin's view of the commerce mirror: every transaction across merchants with
//! search and filters, one payment, one customer, and the sync status of every account. Thin
//! server functions over `domain::mirror`; the wire types here are shared with the browser.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::error::AppError;

/// Payments a transactions page shows at once.
pub const PAGE_SIZE: i64 = 50;

/// The statuses the filter offers, as Stripe's Connect payments component names them.
pub const STATUSES: &[(&str, &str)] = &[
    ("successful", "Successful"),
    ("refunded", "Refunded"),
    ("partially_refunded", "Partially refunded"),
    ("disputed", "Disputed"),
    ("failed", "Failed"),
    ("uncaptured", "Uncaptured"),
    ("pending", "Pending"),
    ("canceled", "Canceled"),
    ("incomplete", "Incomplete"),
];

/// The label of a status value.
pub fn status_label(status: &str) -> &str {
    STATUSES
        .iter()
        .find(|(value, _)| *value == status)
        .map(|(_, label)| *label)
        .unwrap_or(status)
}

/// The badge tone of a status.
pub fn status_tone(status: &str) -> &'static str {
    match status {
        "successful" => "success",
        "refunded" | "partially_refunded" | "pending" | "uncaptured" => "warning",
        "disputed" | "failed" => "danger",
        _ => "",
    }
}

/// What the transactions list is asked, as a query string carries it (every field may be
/// empty). Dates are `YYYY-MM-DD` in UTC, both included.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct TransactionFilter {
    /// A payment id (`pi_`, `ch_`, `cs_`, `re_`) or a customer email.
    pub q: String,
    /// A merchant's connected account (`acct_…`).
    pub merchant: String,
    pub status: String,
    pub from: String,
    pub to: String,
    /// Where the page starts (the cursor of the previous page's last row).
    pub after: String,
}

impl TransactionFilter {
    /// Reads the filter from a page's query parameters.
    pub fn from_pairs<'a>(get: impl Fn(&str) -> Option<String> + 'a) -> Self {
        let field = |name: &str| get(name).unwrap_or_default().trim().to_string();
        Self {
            q: field("q"),
            merchant: field("merchant"),
            status: field("status"),
            from: field("from"),
            to: field("to"),
            after: field("after"),
        }
    }

    /// The query string (without `?`) that gives this filter back; empty fields are left out.
    pub fn to_query(&self) -> String {
        [
            ("q", &self.q),
            ("merchant", &self.merchant),
            ("status", &self.status),
            ("from", &self.from),
            ("to", &self.to),
            ("after", &self.after),
        ]
        .iter()
        .filter(|(_, v)| !v.is_empty())
        .map(|(k, v)| format!("{k}={}", encode(v)))
        .collect::<Vec<_>>()
        .join("&")
    }

    /// The same filter from its first page.
    pub fn first_page(&self) -> Self {
        Self {
            after: String::new(),
            ..self.clone()
        }
    }
}

/// Percent-encodes a query string value.
pub fn encode(value: &str) -> String {
    value
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// One payment in a list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TransactionRow {
    pub id: String,
    pub account_id: String,
    pub merchant: Option<String>,
    pub created: i64,
    pub status: String,
    pub amount: i64,
    pub amount_refunded: i64,
    pub currency: String,
    pub customer_email: Option<String>,
    pub payment_method: Option<String>,
    pub charge_id: Option<String>,
    pub application_fee_amount: Option<i64>,
}

/// A merchant the filter can pick.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MerchantOption {
    pub account_id: String,
    pub name: String,
}

/// One page of the transactions list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TransactionList {
    pub rows: Vec<TransactionRow>,
    /// The filter of the next page, when there is one.
    pub next: Option<TransactionFilter>,
    pub merchants: Vec<MerchantOption>,
    /// Said instead of rows when the search found nothing by that id.
    pub notice: Option<String>,
}

#[server(endpoint = "admin/transactions")]
pub async fn load_transactions(
    #[server(default)] filter: TransactionFilter,
) -> Result<TransactionList, AppError> {
    crate::ssr::require_role(domain::auth::Role::Admin).await?;
    let services = crate::ssr::services()?;
    server_side::transactions_page(&services.db, &filter, PAGE_SIZE).await
}

/// One Stripe object behind a payment, as the detail page lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ObjectLine {
    pub id: String,
    pub kind: String,
    pub created: i64,
    pub status: String,
    pub amount: Option<i64>,
    pub detail: String,
}

/// One payment and what is behind it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PaymentView {
    pub row: TransactionRow,
    pub description: Option<String>,
    pub objects: Vec<ObjectLine>,
}

#[server(endpoint = "admin/payment")]
pub async fn load_payment(id: String) -> Result<PaymentView, AppError> {
    crate::ssr::require_role(domain::auth::Role::Admin).await?;
    let services = crate::ssr::services()?;
    server_side::payment_view(&services.db, &id)
        .await?
        .ok_or(AppError::NotFound)
}

/// A Stripe Customer object of one merchant.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CustomerRecordView {
    pub id: String,
    pub merchant: String,
    pub name: Option<String>,
    pub created: i64,
}

/// What a customer spent in one currency.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SpentView {
    pub currency: String,
    pub payments: i64,
    pub net: i64,
}

/// A customer across merchants, and their payments.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CustomerView {
    pub email: String,
    pub merchants: i64,
    pub spent: Vec<SpentView>,
    pub records: Vec<CustomerRecordView>,
    pub page: TransactionList,
}

#[server(endpoint = "admin/customer")]
pub async fn load_customer(
    email: String,
    #[server(default)] after: String,
) -> Result<CustomerView, AppError> {
    crate::ssr::require_role(domain::auth::Role::Admin).await?;
    let services = crate::ssr::services()?;
    server_side::customer_view(&services.db, &email, &after)
        .await?
        .ok_or(AppError::NotFound)
}

/// One account's sync, as the admin's sync page shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountSyncView {
    pub account_id: String,
    pub name: String,
    pub backfill: String,
    pub running: bool,
    pub steps_done: i64,
    pub steps_total: i64,
    pub objects_synced: i64,
    pub last_run_at: Option<i64>,
    pub reconciled_at: Option<i64>,
    pub repaired_last: i64,
    pub last_error: Option<String>,
    /// `(kind, count)` of what the mirror holds.
    pub counts: Vec<(String, i64)>,
}

/// Every account's sync.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SyncView {
    /// `one_off` or `continuous`.
    pub mode: String,
    pub accounts: Vec<AccountSyncView>,
    pub steps_done: i64,
    pub steps_total: i64,
    pub objects_synced: i64,
    pub running: bool,
    pub now: i64,
}

#[server(endpoint = "admin/sync")]
pub async fn load_sync_status() -> Result<SyncView, AppError> {
    crate::ssr::require_role(domain::auth::Role::Admin).await?;
    let services = crate::ssr::services()?;
    server_side::sync_view(&services).await
}

/// Asks the worker for a backfill of one account (or all, when `account` is empty); with
/// `full`, every list is read again from the start.
#[server(endpoint = "admin/sync/request")]
pub async fn request_backfill(account: String, full: bool) -> Result<u64, AppError> {
    crate::ssr::require_role(domain::auth::Role::Admin).await?;
    let services = crate::ssr::services()?;
    let account = Some(account.trim()).filter(|a| !a.is_empty());
    domain::mirror::status::request_backfill(&services.db, account, full, services.clock.now())
        .await
        .map_err(crate::ssr::internal)
}

/// The server side of the functions above (and of the CSV export, which shares the filter).
#[cfg(feature = "ssr")]
pub mod server_side {
    use domain::{
        Db, Services,
        mirror::{
            self, Kind,
            payments::{Cursor, DateFilter, Payment, PaymentQuery, PaymentStatus, SearchTerm},
        },
    };
    use serde_json::Value;

    use super::*;
    use crate::{calendar::parse_date, ssr::internal};

    impl From<Payment> for TransactionRow {
        fn from(p: Payment) -> Self {
            TransactionRow {
                id: p.id,
                account_id: p.account_id,
                merchant: p.merchant_name,
                created: p.created,
                status: p.status.as_str().to_string(),
                amount: p.amount,
                amount_refunded: p.amount_refunded,
                currency: p.currency,
                customer_email: p.customer_email,
                payment_method: p.payment_method_type,
                charge_id: p.charge_id,
                application_fee_amount: p.application_fee_amount,
            }
        }
    }

    /// The domain query for `filter`, `None` when a searched id matches no payment.
    pub async fn payment_query(
        db: &Db,
        filter: &TransactionFilter,
        limit: i64,
    ) -> Result<Option<PaymentQuery>, AppError> {
        let mut query = PaymentQuery {
            limit,
            ..PaymentQuery::default()
        };
        if !filter.q.is_empty() {
            match SearchTerm::parse(&filter.q) {
                Some(SearchTerm::Id(id)) => {
                    match mirror::payments::resolve_id(db, None, &id)
                        .await
                        .map_err(internal)?
                    {
                        Some(payment) => query.payment_id = Some(payment),
                        None => return Ok(None),
                    }
                }
                Some(SearchTerm::Email(email)) => query.customer_email = Some(email),
                None => {
                    return Err(AppError::Invalid(
                        "Search by a payment id (pi_…, ch_…, cs_…, re_…) or a customer email."
                            .into(),
                    ));
                }
            }
        }
        if !filter.merchant.is_empty() {
            if !filter.merchant.starts_with("acct_") {
                return Err(AppError::Invalid("Choose a merchant from the list.".into()));
            }
            query.account = Some(filter.merchant.clone());
        }
        if !filter.status.is_empty() {
            let status = PaymentStatus::parse(&filter.status)
                .ok_or_else(|| AppError::Invalid("Choose a status from the list.".into()))?;
            query.statuses = vec![status];
        }
        let date = |text: &str, what: &str| {
            if text.is_empty() {
                return Ok(None);
            }
            parse_date(text).map(Some).ok_or_else(|| {
                AppError::Invalid(format!("The {what} date is not a date like 2026-01-31."))
            })
        };
        let from = date(&filter.from, "start")?;
        let to = date(&filter.to, "end")?.map(|t| t + 86_400);
        query.created = match (from, to) {
            (Some(a), Some(b)) if a >= b => {
                return Err(AppError::Invalid(
                    "The start date is after the end date.".into(),
                ));
            }
            (Some(a), Some(b)) => Some(DateFilter::Between(a, b)),
            (Some(a), None) => Some(DateFilter::After(a)),
            (None, Some(b)) => Some(DateFilter::Before(b)),
            (None, None) => None,
        };
        if !filter.after.is_empty() {
            query.after = Some(Cursor::decode(&filter.after).ok_or_else(|| {
                AppError::Invalid("This page link is broken; start again.".into())
            })?);
        }
        Ok(Some(query))
    }

    pub async fn merchant_options(db: &Db) -> Result<Vec<MerchantOption>, AppError> {
        let merchants = domain::merchants::list_all(db).await.map_err(internal)?;
        let mut options: Vec<MerchantOption> = merchants
            .into_iter()
            .filter_map(|m| {
                m.stripe_account_id.map(|account_id| MerchantOption {
                    account_id,
                    name: m.business_name,
                })
            })
            .collect();
        options.sort_by_key(|o| o.name.to_lowercase());
        Ok(options)
    }

    pub async fn transactions_page(
        db: &Db,
        filter: &TransactionFilter,
        limit: i64,
    ) -> Result<TransactionList, AppError> {
        let merchants = merchant_options(db).await?;
        let Some(query) = payment_query(db, filter, limit).await? else {
            return Ok(TransactionList {
                rows: Vec::new(),
                next: None,
                merchants,
                notice: Some(format!("No payment has the id {}.", filter.q)),
            });
        };
        let page = mirror::payments::list(db, &query).await.map_err(internal)?;
        Ok(TransactionList {
            rows: page
                .payments
                .into_iter()
                .map(TransactionRow::from)
                .collect(),
            next: page.next.map(|cursor| TransactionFilter {
                after: cursor.encode(),
                ..filter.clone()
            }),
            merchants,
            notice: None,
        })
    }

    fn line(kind: &str, object: &Value, detail: String) -> ObjectLine {
        ObjectLine {
            id: object["id"].as_str().unwrap_or_default().to_string(),
            kind: kind.to_string(),
            created: object["created"].as_i64().unwrap_or(0),
            status: object["status"].as_str().unwrap_or_default().to_string(),
            amount: object["amount"].as_i64(),
            detail,
        }
    }

    pub async fn payment_view(db: &Db, id: &str) -> Result<Option<PaymentView>, AppError> {
        let Some(detail) = mirror::payments::detail(db, None, id)
            .await
            .map_err(internal)?
        else {
            return Ok(None);
        };
        let mut objects = Vec::new();
        if let Some(session) = &detail.checkout_session {
            objects.push(line(
                "Checkout Session",
                session,
                session["payment_status"]
                    .as_str()
                    .unwrap_or_default()
                    .to_string(),
            ));
        }
        if let Some(pi) = &detail.payment_intent {
            objects.push(line(
                "Payment intent",
                pi,
                pi["capture_method"]
                    .as_str()
                    .map(|c| format!("capture {c}"))
                    .unwrap_or_default(),
            ));
        }
        for charge in &detail.charges {
            let card = &charge["payment_method_details"]["card"];
            let method = match (card["brand"].as_str(), card["last4"].as_str()) {
                (Some(brand), Some(last4)) => format!("{brand} •••• {last4}"),
                _ => charge["payment_method_details"]["type"]
                    .as_str()
                    .unwrap_or_default()
                    .to_string(),
            };
            let failure = charge["failure_message"]
                .as_str()
                .map(|m| format!(" — {m}"))
                .unwrap_or_default();
            objects.push(line("Charge", charge, format!("{method}{failure}")));
        }
        for refund in &detail.refunds {
            objects.push(line(
                "Refund",
                refund,
                refund["reason"]
                    .as_str()
                    .unwrap_or_default()
                    .replace('_', " "),
            ));
        }
        for dispute in &detail.disputes {
            objects.push(line(
                "Dispute",
                dispute,
                dispute["reason"]
                    .as_str()
                    .unwrap_or_default()
                    .replace('_', " "),
            ));
        }
        if let Some(fee) = &detail.application_fee {
            let refunded = fee["amount_refunded"].as_i64().unwrap_or(0);
            objects.push(line(
                "Application fee",
                fee,
                if refunded > 0 {
                    format!("{refunded} refunded")
                } else {
                    String::new()
                },
            ));
        }
        objects.sort_by_key(|o| o.created);
        Ok(Some(PaymentView {
            description: detail.payment.description.clone(),
            row: detail.payment.into(),
            objects,
        }))
    }

    pub async fn customer_view(
        db: &Db,
        email: &str,
        after: &str,
    ) -> Result<Option<CustomerView>, AppError> {
        let Some(summary) = mirror::customers::summary(db, email)
            .await
            .map_err(internal)?
        else {
            return Ok(None);
        };
        let filter = TransactionFilter {
            q: summary.email.clone(),
            after: after.to_string(),
            ..TransactionFilter::default()
        };
        let page = transactions_page(db, &filter, PAGE_SIZE).await?;
        Ok(Some(CustomerView {
            email: summary.email,
            merchants: summary.merchants,
            spent: summary
                .spent
                .into_iter()
                .map(|s| SpentView {
                    currency: s.currency,
                    payments: s.payments,
                    net: s.net,
                })
                .collect(),
            records: summary
                .records
                .into_iter()
                .map(|r| CustomerRecordView {
                    id: r.id,
                    merchant: r.merchant_name.unwrap_or(r.account_id),
                    name: r.name,
                    created: r.created,
                })
                .collect(),
            page,
        }))
    }

    fn kind_label(kind: Kind) -> &'static str {
        match kind {
            Kind::PaymentIntent => "payment intents",
            Kind::Charge => "charges",
            Kind::Refund => "refunds",
            Kind::Dispute => "disputes",
            Kind::Payout => "payouts",
            Kind::BalanceTransaction => "balance transactions",
            Kind::Customer => "customers",
            Kind::ApplicationFee => "application fees",
            Kind::CheckoutSession => "Checkout Sessions",
        }
    }

    pub async fn sync_view(services: &Services) -> Result<SyncView, AppError> {
        let now = services.clock.now();
        let accounts = mirror::status::overview(&services.db, now)
            .await
            .map_err(internal)?;
        let progress = mirror::status::progress(&services.db)
            .await
            .map_err(internal)?;
        Ok(SyncView {
            mode: services.settings().sync_mode.as_str().to_string(),
            running: accounts.iter().any(|a| a.running),
            accounts: accounts
                .into_iter()
                .map(|a| AccountSyncView {
                    name: a.merchant_name.clone().unwrap_or_else(|| {
                        if a.account_id == mirror::PLATFORM {
                            "Platform (application fees)".into()
                        } else {
                            a.account_id.clone()
                        }
                    }),
                    last_run_at: a.last_run_at(),
                    backfill: a.backfill.as_str().to_string(),
                    running: a.running,
                    steps_done: a.steps_done,
                    steps_total: a.steps_total,
                    objects_synced: a.objects_synced,
                    reconciled_at: a.reconciled_at,
                    repaired_last: a.repaired_last,
                    last_error: a.last_error,
                    counts: a
                        .counts
                        .into_iter()
                        .map(|(kind, n)| (kind_label(kind).to_string(), n))
                        .collect(),
                    account_id: a.account_id,
                })
                .collect(),
            steps_done: progress.steps_done,
            steps_total: progress.steps_total,
            objects_synced: progress.objects_synced,
            now,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filters_survive_a_query_string() {
        let filter = TransactionFilter {
            q: "a+b@example.com".into(),
            status: "refunded".into(),
            ..TransactionFilter::default()
        };
        assert_eq!(filter.to_query(), "q=a%2Bb%40example.com&status=refunded");
        assert_eq!(TransactionFilter::default().to_query(), "");
        assert_eq!(status_label("partially_refunded"), "Partially refunded");
        assert_eq!(status_tone("disputed"), "danger");
    }
}
