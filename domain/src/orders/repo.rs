//! The `orders` and `order_items` tables.

use serde::{Deserialize, Serialize};
use sqlx::FromRow;

use super::OrderStatus;
use crate::db::{Db, DbError};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Order {
    pub id: String,
    pub merchant_id: String,
    pub status: OrderStatus,
    pub currency: String,
    pub amount_total: i64,
    pub application_fee_amount: i64,
    pub customer_email: Option<String>,
    pub checkout_ui: String,
    pub stripe_checkout_session_id: Option<String>,
    pub stripe_payment_intent_id: Option<String>,
    pub amount_refunded: i64,
    pub disputed: bool,
    pub failure_reason: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
    pub paid_at: Option<i64>,
    pub fulfilled_at: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, FromRow)]
pub struct OrderItem {
    pub product_id: String,
    pub name: String,
    pub unit_amount: i64,
    pub quantity: i64,
}

#[derive(FromRow)]
struct Row {
    id: String,
    merchant_id: String,
    status: String,
    currency: String,
    amount_total: i64,
    application_fee_amount: i64,
    customer_email: Option<String>,
    checkout_ui: String,
    stripe_checkout_session_id: Option<String>,
    stripe_payment_intent_id: Option<String>,
    amount_refunded: i64,
    disputed: i64,
    failure_reason: Option<String>,
    created_at: i64,
    updated_at: i64,
    paid_at: Option<i64>,
    fulfilled_at: Option<i64>,
}

impl From<Row> for Order {
    fn from(r: Row) -> Self {
        Order {
            id: r.id,
            merchant_id: r.merchant_id,
            status: OrderStatus::parse(&r.status).unwrap_or(OrderStatus::Pending),
            currency: r.currency,
            amount_total: r.amount_total,
            application_fee_amount: r.application_fee_amount,
            customer_email: r.customer_email,
            checkout_ui: r.checkout_ui,
            stripe_checkout_session_id: r.stripe_checkout_session_id,
            stripe_payment_intent_id: r.stripe_payment_intent_id,
            amount_refunded: r.amount_refunded,
            disputed: r.disputed != 0,
            failure_reason: r.failure_reason,
            created_at: r.created_at,
            updated_at: r.updated_at,
            paid_at: r.paid_at,
            fulfilled_at: r.fulfilled_at,
        }
    }
}

const COLUMNS: &str = "id, merchant_id, status, currency, amount_total, application_fee_amount, customer_email, \
    checkout_ui, stripe_checkout_session_id, stripe_payment_intent_id, amount_refunded, disputed, failure_reason, \
    created_at, updated_at, paid_at, fulfilled_at";

pub async fn find(db: &Db, order_id: &str) -> Result<Option<Order>, DbError> {
    let sql = format!("SELECT {COLUMNS} FROM orders WHERE id = $1");
    let row: Option<Row> = sqlx::query_as(&sql)
        .bind(order_id)
        .fetch_optional(db.pool())
        .await?;
    Ok(row.map(Order::from))
}

pub async fn find_by_session(db: &Db, session_id: &str) -> Result<Option<Order>, DbError> {
    let sql = format!("SELECT {COLUMNS} FROM orders WHERE stripe_checkout_session_id = $1");
    let row: Option<Row> = sqlx::query_as(&sql)
        .bind(session_id)
        .fetch_optional(db.pool())
        .await?;
    Ok(row.map(Order::from))
}

pub async fn find_by_payment_intent(
    db: &Db,
    payment_intent: &str,
) -> Result<Option<Order>, DbError> {
    let sql = format!("SELECT {COLUMNS} FROM orders WHERE stripe_payment_intent_id = $1");
    let row: Option<Row> = sqlx::query_as(&sql)
        .bind(payment_intent)
        .fetch_optional(db.pool())
        .await?;
    Ok(row.map(Order::from))
}

/// A merchant's orders, newest first.
pub async fn list_for_merchant(
    db: &Db,
    merchant_id: &str,
    limit: i64,
) -> Result<Vec<Order>, DbError> {
    let sql = format!(
        "SELECT {COLUMNS} FROM orders WHERE merchant_id = $1 ORDER BY created_at DESC, id DESC LIMIT $2"
    );
    let rows: Vec<Row> = sqlx::query_as(&sql)
        .bind(merchant_id)
        .bind(limit)
        .fetch_all(db.pool())
        .await?;
    Ok(rows.into_iter().map(Order::from).collect())
}

pub async fn items(db: &Db, order_id: &str) -> Result<Vec<OrderItem>, DbError> {
    Ok(sqlx::query_as(
        "SELECT product_id, name, unit_amount, quantity FROM order_items WHERE order_id = $1 ORDER BY position",
    )
    .bind(order_id)
    .fetch_all(db.pool())
    .await?)
}
