//! Payments as people see them: one row per payment intent (or per charge made without one)
//! with the status Stripe's Connect payments component shows, derived from the mirrored intent,
//! its charges, refunds, disputes, customer and Checkout Session. Lists use keyset paging on
//! `(created, id)`, newest first, with filters by account, status, amount, date, payment method,
//! currency and customer email; search finds a payment by any of its ids.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};
use serde_json::Value;
use sqlx::{Any, FromRow, Transaction};

use super::{Kind, objects::id_of};
use crate::db::{Db, DbError};

/// Rows a list may ask for at once.
pub const MAX_PAGE: i64 = 500;

/// A payment's status, named as Stripe's Connect payments component names them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PaymentStatus {
    Successful,
    Refunded,
    PartiallyRefunded,
    Disputed,
    Failed,
    Uncaptured,
    Pending,
    Canceled,
    /// Created but never attempted (or waiting for the customer to authenticate).
    Incomplete,
}

impl PaymentStatus {
    pub const ALL: [PaymentStatus; 9] = [
        PaymentStatus::Successful,
        PaymentStatus::Refunded,
        PaymentStatus::PartiallyRefunded,
        PaymentStatus::Disputed,
        PaymentStatus::Failed,
        PaymentStatus::Uncaptured,
        PaymentStatus::Pending,
        PaymentStatus::Canceled,
        PaymentStatus::Incomplete,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            PaymentStatus::Successful => "successful",
            PaymentStatus::Refunded => "refunded",
            PaymentStatus::PartiallyRefunded => "partially_refunded",
            PaymentStatus::Disputed => "disputed",
            PaymentStatus::Failed => "failed",
            PaymentStatus::Uncaptured => "uncaptured",
            PaymentStatus::Pending => "pending",
            PaymentStatus::Canceled => "canceled",
            PaymentStatus::Incomplete => "incomplete",
        }
    }

    pub fn parse(value: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.as_str() == value)
    }
}

/// One payment, as lists show it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Payment {
    /// `pi_…`, or `ch_…` for a charge made without a payment intent.
    pub id: String,
    pub account_id: String,
    /// The merchant's business name, when a merchant has this account.
    pub merchant_name: Option<String>,
    pub created: i64,
    pub status: PaymentStatus,
    /// Minor units of `currency`.
    pub amount: i64,
    pub amount_refunded: i64,
    pub currency: String,
    /// Lowercased.
    pub customer_email: Option<String>,
    pub customer_id: Option<String>,
    pub payment_method_type: Option<String>,
    /// The charge that decided the status (the latest attempt).
    pub charge_id: Option<String>,
    pub description: Option<String>,
    pub application_fee_amount: Option<i64>,
}

#[derive(FromRow)]
struct PaymentRow {
    id: String,
    account_id: String,
    merchant_name: Option<String>,
    created: i64,
    status: String,
    amount: i64,
    amount_refunded: i64,
    currency: String,
    customer_email: Option<String>,
    customer_id: Option<String>,
    payment_method_type: Option<String>,
    charge_id: Option<String>,
    description: Option<String>,
    application_fee_amount: Option<i64>,
}

impl From<PaymentRow> for Payment {
    fn from(r: PaymentRow) -> Self {
        Payment {
            id: r.id,
            account_id: r.account_id,
            merchant_name: r.merchant_name,
            created: r.created,
            status: PaymentStatus::parse(&r.status).unwrap_or(PaymentStatus::Incomplete),
            amount: r.amount,
            amount_refunded: r.amount_refunded,
            currency: r.currency,
            customer_email: r.customer_email,
            customer_id: r.customer_id,
            payment_method_type: r.payment_method_type,
            charge_id: r.charge_id,
            description: r.description,
            application_fee_amount: r.application_fee_amount,
        }
    }
}

const SELECT: &str = "SELECT p.id, p.account_id, m.business_name AS merchant_name, p.created, p.status, \
    p.amount, p.amount_refunded, p.currency, p.customer_email, p.customer_id, p.payment_method_type, \
    p.charge_id, p.description, p.application_fee_amount \
    FROM mirror_payments p LEFT JOIN merchants m ON m.stripe_account_id = p.account_id";

/// An amount condition, in minor units.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AmountFilter {
    Equals(i64),
    GreaterThan(i64),
    LessThan(i64),
    /// Both ends included.
    Between(i64, i64),
}

/// A date condition on `created`, in Unix seconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DateFilter {
    /// Strictly before.
    Before(i64),
    /// At or after.
    After(i64),
    /// From the first (included) to the second (excluded).
    Between(i64, i64),
}

/// Where a page starts: strictly after this payment in newest-first order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Cursor {
    pub created: i64,
    pub id: String,
}

impl Cursor {
    /// `created:id`, for URLs.
    pub fn encode(&self) -> String {
        format!("{}:{}", self.created, self.id)
    }

    pub fn decode(text: &str) -> Option<Self> {
        let (created, id) = text.split_once(':')?;
        let id_ok = !id.is_empty() && id.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
        Some(Cursor {
            created: created.parse().ok()?,
            id: id.to_string(),
        })
        .filter(|_| id_ok)
    }
}

/// Which payments a list wants. The default is every payment, newest first, 50 a page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PaymentQuery {
    /// One connected account (a merchant's own list), or every account (the platform's).
    pub account: Option<String>,
    /// Any of these statuses; empty means all.
    pub statuses: Vec<PaymentStatus>,
    pub amount: Option<AmountFilter>,
    pub created: Option<DateFilter>,
    pub payment_method_type: Option<String>,
    pub currency: Option<String>,
    /// Compared lowercased.
    pub customer_email: Option<String>,
    /// One payment only (a search by id).
    pub payment_id: Option<String>,
    pub after: Option<Cursor>,
    pub limit: i64,
}

impl Default for PaymentQuery {
    fn default() -> Self {
        Self {
            account: None,
            statuses: Vec::new(),
            amount: None,
            created: None,
            payment_method_type: None,
            currency: None,
            customer_email: None,
            payment_id: None,
            after: None,
            limit: 50,
        }
    }
}

/// One page of payments.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PaymentPage {
    pub payments: Vec<Payment>,
    /// Where the next page starts, when there is one.
    pub next: Option<Cursor>,
}

enum Arg {
    Text(String),
    Int(i64),
}

/// The `WHERE` of a query and its arguments, numbered from `$1`.
fn conditions(query: &PaymentQuery) -> (Vec<String>, Vec<Arg>) {
    let mut clauses = Vec::new();
    let mut args = Vec::new();
    let mut push = |clause: &str, values: Vec<Arg>, args: &mut Vec<Arg>| {
        let mut clause = clause.to_string();
        for value in values {
            args.push(value);
            clause = clause.replacen('?', &format!("${}", args.len()), 1);
        }
        clauses.push(clause);
    };
    if let Some(account) = &query.account {
        push(
            "p.account_id = ?",
            vec![Arg::Text(account.clone())],
            &mut args,
        );
    }
    if let Some(id) = &query.payment_id {
        push("p.id = ?", vec![Arg::Text(id.clone())], &mut args);
    }
    match query.statuses.as_slice() {
        [] => {}
        [one] => push(
            "p.status = ?",
            vec![Arg::Text(one.as_str().into())],
            &mut args,
        ),
        many => {
            let marks = vec!["?"; many.len()].join(", ");
            let values = many.iter().map(|s| Arg::Text(s.as_str().into())).collect();
            push(&format!("p.status IN ({marks})"), values, &mut args);
        }
    }
    match query.amount {
        Some(AmountFilter::Equals(a)) => push("p.amount = ?", vec![Arg::Int(a)], &mut args),
        Some(AmountFilter::GreaterThan(a)) => push("p.amount > ?", vec![Arg::Int(a)], &mut args),
        Some(AmountFilter::LessThan(a)) => push("p.amount < ?", vec![Arg::Int(a)], &mut args),
        Some(AmountFilter::Between(a, b)) => push(
            "p.amount >= ? AND p.amount <= ?",
            vec![Arg::Int(a.min(b)), Arg::Int(a.max(b))],
            &mut args,
        ),
        None => {}
    }
    match query.created {
        Some(DateFilter::Before(t)) => push("p.created < ?", vec![Arg::Int(t)], &mut args),
        Some(DateFilter::After(t)) => push("p.created >= ?", vec![Arg::Int(t)], &mut args),
        Some(DateFilter::Between(a, b)) => push(
            "p.created >= ? AND p.created < ?",
            vec![Arg::Int(a), Arg::Int(b)],
            &mut args,
        ),
        None => {}
    }
    if let Some(kind) = &query.payment_method_type {
        push(
            "p.payment_method_type = ?",
            vec![Arg::Text(kind.clone())],
            &mut args,
        );
    }
    if let Some(currency) = &query.currency {
        push(
            "p.currency = ?",
            vec![Arg::Text(currency.to_lowercase())],
            &mut args,
        );
    }
    if let Some(email) = &query.customer_email {
        push(
            "p.customer_email = ?",
            vec![Arg::Text(email.trim().to_lowercase())],
            &mut args,
        );
    }
    if let Some(after) = &query.after {
        push(
            "(p.created, p.id) < (?, ?)",
            vec![Arg::Int(after.created), Arg::Text(after.id.clone())],
            &mut args,
        );
    }
    (clauses, args)
}

/// A page of payments matching `query`, newest first (by `created`, then id).
pub async fn list(db: &Db, query: &PaymentQuery) -> Result<PaymentPage, DbError> {
    let limit = query.limit.clamp(1, MAX_PAGE);
    let (clauses, args) = conditions(query);
    let mut sql = SELECT.to_string();
    if !clauses.is_empty() {
        sql.push_str(" WHERE ");
        sql.push_str(&clauses.join(" AND "));
    }
    sql.push_str(&format!(
        " ORDER BY p.created DESC, p.id DESC LIMIT {}",
        limit + 1
    ));
    let mut q = sqlx::query_as::<_, PaymentRow>(&sql);
    for arg in args {
        q = match arg {
            Arg::Text(v) => q.bind(v),
            Arg::Int(v) => q.bind(v),
        };
    }
    let mut payments: Vec<Payment> = q
        .fetch_all(db.pool())
        .await?
        .into_iter()
        .map(Payment::from)
        .collect();
    let more = payments.len() as i64 > limit;
    payments.truncate(usize::try_from(limit).unwrap_or(0));
    let next = more.then(|| payments.last()).flatten().map(|p| Cursor {
        created: p.created,
        id: p.id.clone(),
    });
    Ok(PaymentPage { payments, next })
}

/// What a search box was given.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SearchTerm {
    /// A Stripe id: `pi_`, `ch_`/`py_`, `cs_`, `re_`, `dp_`.
    Id(String),
    Email(String),
}

impl SearchTerm {
    /// Reads a search box; `None` for text that is neither an id nor an email.
    pub fn parse(text: &str) -> Option<Self> {
        let text = text.trim();
        let is_id = ["pi_", "ch_", "py_", "cs_", "re_", "dp_"]
            .iter()
            .any(|p| text.starts_with(p))
            && text.len() > 3
            && text.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
        if is_id {
            return Some(SearchTerm::Id(text.to_string()));
        }
        let valid_email = text
            .split_once('@')
            .is_some_and(|(user, host)| !user.is_empty() && host.contains('.'))
            && !text.contains(char::is_whitespace);
        valid_email.then(|| SearchTerm::Email(text.to_lowercase()))
    }
}

/// The payment an id belongs to: a payment intent, one of its charges, its Checkout Session,
/// one of its refunds or disputes. `account` limits the search to one account.
pub async fn resolve_id(
    db: &Db,
    account: Option<&str>,
    id: &str,
) -> Result<Option<String>, DbError> {
    let lookup = |sql: &'static str| async move {
        let found: Option<(Option<String>, String)> = sqlx::query_as(sql)
            .bind(id)
            .fetch_optional(db.pool())
            .await?;
        Ok::<_, DbError>(found)
    };
    let (payment, owner) = match id.split_once('_').map(|(p, _)| p) {
        Some("pi") => match lookup("SELECT id, account_id FROM mirror_payments WHERE id = $1").await? {
            Some((p, owner)) => (p, owner),
            None => return Ok(None),
        },
        Some("ch" | "py") => {
            match lookup("SELECT COALESCE(payment_intent_id, id), account_id FROM mirror_charges WHERE id = $1")
                .await?
            {
                Some(found) => found,
                None => return Ok(None),
            }
        }
        Some("cs") => {
            match lookup("SELECT payment_intent_id, account_id FROM mirror_checkout_sessions WHERE id = $1").await? {
                Some(found) => found,
                None => return Ok(None),
            }
        }
        Some("re") => {
            match lookup(
                "SELECT COALESCE(r.payment_intent_id, c.payment_intent_id, r.charge_id), r.account_id \
                 FROM mirror_refunds r LEFT JOIN mirror_charges c ON c.id = r.charge_id WHERE r.id = $1",
            )
            .await?
            {
                Some(found) => found,
                None => return Ok(None),
            }
        }
        Some("dp") => {
            match lookup(
                "SELECT COALESCE(d.payment_intent_id, c.payment_intent_id, d.charge_id), d.account_id \
                 FROM mirror_disputes d LEFT JOIN mirror_charges c ON c.id = d.charge_id WHERE d.id = $1",
            )
            .await?
            {
                Some(found) => found,
                None => return Ok(None),
            }
        }
        _ => return Ok(None),
    };
    if account.is_some_and(|a| a != owner) {
        return Ok(None);
    }
    Ok(payment)
}

/// Everything known about one payment: the derived row and the Stripe objects behind it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PaymentDetail {
    pub payment: Payment,
    pub payment_intent: Option<Value>,
    /// Every attempt, newest first.
    pub charges: Vec<Value>,
    pub refunds: Vec<Value>,
    pub disputes: Vec<Value>,
    pub checkout_session: Option<Value>,
    pub application_fee: Option<Value>,
}

/// The payment `id` (any id [`resolve_id`] knows), limited to `account` when given.
pub async fn detail(
    db: &Db,
    account: Option<&str>,
    id: &str,
) -> Result<Option<PaymentDetail>, DbError> {
    let Some(key) = resolve_id(db, account, id).await? else {
        return Ok(None);
    };
    let page = list(
        db,
        &PaymentQuery {
            payment_id: Some(key.clone()),
            account: account.map(str::to_string),
            limit: 1,
            ..PaymentQuery::default()
        },
    )
    .await?;
    let Some(payment) = page.payments.into_iter().next() else {
        return Ok(None);
    };
    let json = |rows: Vec<(String,)>| {
        rows.into_iter()
            .filter_map(|(d,)| serde_json::from_str(&d).ok())
            .collect::<Vec<Value>>()
    };
    let one = |rows: Vec<(String,)>| json(rows).into_iter().next();
    let pi = sqlx::query_as("SELECT data FROM mirror_payment_intents WHERE id = $1")
        .bind(&key)
        .fetch_all(db.pool())
        .await?;
    let charges = sqlx::query_as(
        "SELECT data FROM mirror_charges WHERE payment_intent_id = $1 OR id = $1 ORDER BY created DESC, id DESC",
    )
    .bind(&key)
    .fetch_all(db.pool())
    .await?;
    let charges = json(charges);
    let charge_ids: Vec<String> = charges
        .iter()
        .filter_map(|c| c["id"].as_str().map(str::to_string))
        .collect();
    let mut refunds = Vec::new();
    let mut disputes = Vec::new();
    let mut fee = None;
    for charge in &charge_ids {
        refunds.extend(json(
            sqlx::query_as("SELECT data FROM mirror_refunds WHERE charge_id = $1 ORDER BY created DESC, id DESC")
                .bind(charge)
                .fetch_all(db.pool())
                .await?,
        ));
        disputes.extend(json(
            sqlx::query_as("SELECT data FROM mirror_disputes WHERE charge_id = $1 ORDER BY created DESC, id DESC")
                .bind(charge)
                .fetch_all(db.pool())
                .await?,
        ));
        if fee.is_none() {
            fee = one(sqlx::query_as(
                "SELECT data FROM mirror_application_fees WHERE charge_id = $1",
            )
            .bind(charge)
            .fetch_all(db.pool())
            .await?);
        }
    }
    let session =
        sqlx::query_as("SELECT data FROM mirror_checkout_sessions WHERE payment_intent_id = $1")
            .bind(&key)
            .fetch_all(db.pool())
            .await?;
    Ok(Some(PaymentDetail {
        payment,
        payment_intent: one(pi),
        charges,
        refunds,
        disputes,
        checkout_session: one(session),
        application_fee: fee,
    }))
}

/// The payments an object of `kind` feeds (to recompute after it changed).
pub(crate) async fn keys_for(
    tx: &mut Transaction<'static, Any>,
    kind: Kind,
    id: &str,
    object: &Value,
) -> Result<Vec<String>, DbError> {
    Ok(match kind {
        Kind::PaymentIntent => vec![id.to_string()],
        Kind::Charge => vec![id_of(&object["payment_intent"]).unwrap_or_else(|| id.to_string())],
        Kind::Refund | Kind::Dispute => {
            if let Some(pi) = id_of(&object["payment_intent"]) {
                vec![pi]
            } else if let Some(charge) = id_of(&object["charge"]) {
                let pi: Option<(Option<String>,)> =
                    sqlx::query_as("SELECT payment_intent_id FROM mirror_charges WHERE id = $1")
                        .bind(&charge)
                        .fetch_optional(&mut **tx)
                        .await?;
                vec![pi.and_then(|(p,)| p).unwrap_or(charge)]
            } else {
                Vec::new()
            }
        }
        Kind::CheckoutSession => id_of(&object["payment_intent"]).into_iter().collect(),
        Kind::Customer => keys_for_customer(tx, id).await?,
        Kind::Payout | Kind::BalanceTransaction | Kind::ApplicationFee => Vec::new(),
    })
}

pub(crate) async fn keys_for_customer(
    tx: &mut Transaction<'static, Any>,
    customer: &str,
) -> Result<Vec<String>, DbError> {
    let rows: Vec<(String,)> =
        sqlx::query_as("SELECT id FROM mirror_payments WHERE customer_id = $1")
            .bind(customer)
            .fetch_all(&mut **tx)
            .await?;
    Ok(rows.into_iter().map(|(id,)| id).collect())
}

pub(crate) async fn recompute_all(
    tx: &mut Transaction<'static, Any>,
    keys: &BTreeSet<String>,
) -> Result<(), DbError> {
    serialise_with_other_writers(tx, keys).await?;
    for key in keys {
        recompute(tx, key).await?;
    }
    Ok(())
}

/// Makes concurrent recomputes of one payment take turns. A payment row is derived from several
/// mirrored objects (intent, charges, refunds, disputes) that different transactions write: on
/// Postgres under READ COMMITTED, two of them could each read the other's object before it
/// committed, and the later commit would write a stale row (a refunded payment shown as
/// successful). A transaction-scoped advisory lock per payment, taken in key order so two
/// transactions cannot wait on each other, lets the second one read what the first committed.
/// SQLite's writers already take turns (`BEGIN IMMEDIATE`).
async fn serialise_with_other_writers(
    tx: &mut Transaction<'static, Any>,
    keys: &BTreeSet<String>,
) -> Result<(), DbError> {
    if tx.backend_name() != "PostgreSQL" {
        return Ok(());
    }
    for key in keys {
        sqlx::query("SELECT pg_advisory_xact_lock(hashtextextended($1, 0))")
            .bind(format!("mirror_payment:{key}"))
            .execute(&mut **tx)
            .await?;
    }
    Ok(())
}

#[derive(FromRow)]
struct ChargeRow {
    id: String,
    account_id: String,
    created: i64,
    status: String,
    amount: i64,
    amount_captured: i64,
    amount_refunded: i64,
    currency: String,
    captured: i64,
    disputed: i64,
    customer_id: Option<String>,
    email: Option<String>,
    payment_method_type: Option<String>,
    data: String,
}

#[derive(FromRow)]
struct IntentRow {
    account_id: String,
    created: i64,
    status: String,
    amount: i64,
    currency: String,
    customer_id: Option<String>,
    data: String,
}

/// The status the Connect payments component would show.
fn derive_status(
    intent_status: Option<&str>,
    intent_failed: bool,
    charge: Option<&ChargeRow>,
    disputed: bool,
) -> PaymentStatus {
    if intent_status == Some("canceled") {
        return PaymentStatus::Canceled;
    }
    if let Some(c) = charge {
        if disputed || c.disputed != 0 {
            return PaymentStatus::Disputed;
        }
        if c.amount_refunded > 0 && c.amount_refunded >= c.amount_captured.max(1) {
            return PaymentStatus::Refunded;
        }
        if c.amount_refunded > 0 {
            return PaymentStatus::PartiallyRefunded;
        }
        if c.status == "failed" && intent_status != Some("succeeded") {
            return PaymentStatus::Failed;
        }
        if intent_status == Some("requires_capture") || (c.status == "succeeded" && c.captured == 0)
        {
            return PaymentStatus::Uncaptured;
        }
        if intent_status == Some("processing") || c.status == "pending" {
            return PaymentStatus::Pending;
        }
        if c.status == "succeeded" {
            return PaymentStatus::Successful;
        }
    }
    match intent_status {
        Some("succeeded") => PaymentStatus::Successful,
        Some("processing") => PaymentStatus::Pending,
        Some("requires_capture") => PaymentStatus::Uncaptured,
        _ if intent_failed => PaymentStatus::Failed,
        _ => PaymentStatus::Incomplete,
    }
}

/// Rebuilds the payment row `key` (`pi_…` or a charge id) from the mirrored objects.
async fn recompute(tx: &mut Transaction<'static, Any>, key: &str) -> Result<(), DbError> {
    const CHARGE_COLUMNS: &str = "id, account_id, created, status, amount, amount_captured, \
        amount_refunded, currency, captured, disputed, customer_id, email, payment_method_type, data";
    let intent: Option<IntentRow> = if key.starts_with("pi_") {
        sqlx::query_as(
            "SELECT account_id, created, status, amount, currency, customer_id, data \
             FROM mirror_payment_intents WHERE id = $1",
        )
        .bind(key)
        .fetch_optional(&mut **tx)
        .await?
    } else {
        None
    };
    let charges: Vec<ChargeRow> = sqlx::query_as(&format!(
        "SELECT {CHARGE_COLUMNS} FROM mirror_charges WHERE {} ORDER BY created DESC, id DESC",
        if key.starts_with("pi_") {
            "payment_intent_id = $1"
        } else {
            "id = $1"
        }
    ))
    .bind(key)
    .fetch_all(&mut **tx)
    .await?;
    if intent.is_none() && charges.is_empty() {
        return Ok(());
    }
    let intent_json: Value = intent
        .as_ref()
        .and_then(|i| serde_json::from_str(&i.data).ok())
        .unwrap_or(Value::Null);
    let latest = id_of(&intent_json["latest_charge"]);
    let main = charges
        .iter()
        .find(|c| Some(&c.id) == latest.as_ref())
        .or_else(|| charges.iter().find(|c| c.status == "succeeded"))
        .or_else(|| charges.first());
    let charge_json: Value = main
        .and_then(|c| serde_json::from_str(&c.data).ok())
        .unwrap_or(Value::Null);
    let disputed = match main {
        Some(c) => {
            let (n,): (i64,) =
                sqlx::query_as("SELECT COUNT(*) FROM mirror_disputes WHERE charge_id = $1")
                    .bind(&c.id)
                    .fetch_one(&mut **tx)
                    .await?;
            n > 0
        }
        None => false,
    };
    let status = derive_status(
        intent.as_ref().map(|i| i.status.as_str()),
        !intent_json["last_payment_error"].is_null() && intent_json.is_object(),
        main,
        disputed,
    );
    let customer_id = intent
        .as_ref()
        .and_then(|i| i.customer_id.clone())
        .or_else(|| main.and_then(|c| c.customer_id.clone()));
    let mut email = main.and_then(|c| c.email.clone()).or_else(|| {
        intent_json["receipt_email"]
            .as_str()
            .filter(|e| !e.is_empty())
            .map(str::to_lowercase)
    });
    if email.is_none()
        && let Some(customer) = &customer_id
    {
        let found: Option<(Option<String>,)> =
            sqlx::query_as("SELECT email FROM mirror_customers WHERE id = $1")
                .bind(customer)
                .fetch_optional(&mut **tx)
                .await?;
        email = found.and_then(|(e,)| e);
    }
    if email.is_none() && key.starts_with("pi_") {
        let found: Option<(Option<String>,)> = sqlx::query_as(
            "SELECT email FROM mirror_checkout_sessions WHERE payment_intent_id = $1 AND email IS NOT NULL",
        )
        .bind(key)
        .fetch_optional(&mut **tx)
        .await?;
        email = found.and_then(|(e,)| e);
    }
    let (account_id, created, amount, currency) = match (&intent, main) {
        (Some(i), _) => (
            i.account_id.clone(),
            i.created,
            i.amount,
            i.currency.clone(),
        ),
        (None, Some(c)) => (
            c.account_id.clone(),
            c.created,
            c.amount,
            c.currency.clone(),
        ),
        (None, None) => return Ok(()),
    };
    let method = main
        .and_then(|c| c.payment_method_type.clone())
        .or_else(|| match intent_json["payment_method_types"].as_array() {
            Some(types) if types.len() == 1 => types[0].as_str().map(str::to_string),
            _ => None,
        });
    let description = intent_json["description"]
        .as_str()
        .or(charge_json["description"].as_str())
        .map(str::to_string);
    let fee = intent_json["application_fee_amount"]
        .as_i64()
        .or(charge_json["application_fee_amount"].as_i64());
    sqlx::query(
        "INSERT INTO mirror_payments (id, account_id, created, status, amount, amount_refunded, currency, \
         customer_email, customer_id, payment_method_type, charge_id, description, application_fee_amount, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14) \
         ON CONFLICT (id) DO UPDATE SET account_id = excluded.account_id, created = excluded.created, \
         status = excluded.status, amount = excluded.amount, amount_refunded = excluded.amount_refunded, \
         currency = excluded.currency, customer_email = excluded.customer_email, customer_id = excluded.customer_id, \
         payment_method_type = excluded.payment_method_type, charge_id = excluded.charge_id, \
         description = excluded.description, application_fee_amount = excluded.application_fee_amount, \
         updated_at = excluded.updated_at",
    )
    .bind(key)
    .bind(account_id)
    .bind(created)
    .bind(status.as_str())
    .bind(amount)
    .bind(main.map(|c| c.amount_refunded).unwrap_or(0))
    .bind(currency)
    .bind(email)
    .bind(customer_id)
    .bind(method)
    .bind(main.map(|c| c.id.clone()))
    .bind(description)
    .bind(fee)
    .bind(super::observed_now() / 1000)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn search_terms_are_ids_or_emails() {
        assert_eq!(
            SearchTerm::parse(" pi_123abc "),
            Some(SearchTerm::Id("pi_123abc".into()))
        );
        assert_eq!(
            SearchTerm::parse("cs_test_a1"),
            Some(SearchTerm::Id("cs_test_a1".into()))
        );
        assert_eq!(
            SearchTerm::parse("Jane@Example.com"),
            Some(SearchTerm::Email("jane@example.com".into()))
        );
        assert_eq!(SearchTerm::parse("pi_"), None);
        assert_eq!(SearchTerm::parse("croissant"), None);
        assert_eq!(SearchTerm::parse("a b@c.d"), None);
        assert_eq!(SearchTerm::parse("pi_1' OR 1=1"), None);
    }

    #[test]
    fn cursors_round_trip_and_refuse_junk() {
        let cursor = Cursor {
            created: 1_700_000_000,
            id: "pi_abc".into(),
        };
        assert_eq!(Cursor::decode(&cursor.encode()), Some(cursor));
        assert_eq!(Cursor::decode("x:pi_1"), None);
        assert_eq!(Cursor::decode("1:"), None);
        assert_eq!(Cursor::decode("1:pi_1;drop"), None);
    }

    #[test]
    fn conditions_number_their_arguments_in_order() {
        let query = PaymentQuery {
            account: Some("acct_1".into()),
            statuses: vec![PaymentStatus::Refunded, PaymentStatus::Disputed],
            amount: Some(AmountFilter::Between(900, 100)),
            after: Some(Cursor {
                created: 5,
                id: "pi_9".into(),
            }),
            ..PaymentQuery::default()
        };
        let (clauses, args) = conditions(&query);
        assert_eq!(
            clauses,
            [
                "p.account_id = $1",
                "p.status IN ($2, $3)",
                "p.amount >= $4 AND p.amount <= $5",
                "(p.created, p.id) < ($6, $7)"
            ]
        );
        assert_eq!(args.len(), 7);
        assert!(matches!(args[3], Arg::Int(100)));
    }
}
