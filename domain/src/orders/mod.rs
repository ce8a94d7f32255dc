//! Orders and their one-way state machine:
//! `pending → awaiting_payment → paid → fulfilled`, or `failed` / `expired`.
//!
//! Only verified webhooks move an order (never a browser redirect), in any delivery order:
//! a transition that would go backwards is ignored. Fulfilment happens in the same transaction
//! as payment, guarded by the status, so it happens exactly once.

mod repo;

pub use repo::{
    Order, OrderItem, find, find_by_payment_intent, find_by_session, items, list_for_merchant,
};

use serde::{Deserialize, Serialize};
use sqlx::{Any, Transaction};

use crate::db::DbError;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OrderStatus {
    /// Created; the customer has not finished the checkout.
    Pending,
    /// The checkout is complete but the payment is still clearing (SEPA debit).
    AwaitingPayment,
    Paid,
    /// Paid and handed over; terminal.
    Fulfilled,
    /// The payment failed; terminal.
    Failed,
    /// The checkout expired unpaid; terminal.
    Expired,
}

impl OrderStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            OrderStatus::Pending => "pending",
            OrderStatus::AwaitingPayment => "awaiting_payment",
            OrderStatus::Paid => "paid",
            OrderStatus::Fulfilled => "fulfilled",
            OrderStatus::Failed => "failed",
            OrderStatus::Expired => "expired",
        }
    }

    pub fn parse(value: &str) -> Option<Self> {
        Some(match value {
            "pending" => OrderStatus::Pending,
            "awaiting_payment" => OrderStatus::AwaitingPayment,
            "paid" => OrderStatus::Paid,
            "fulfilled" => OrderStatus::Fulfilled,
            "failed" => OrderStatus::Failed,
            "expired" => OrderStatus::Expired,
            _ => return None,
        })
    }

    /// The states an order may be in for it to move to `self`.
    pub fn reachable_from(self) -> &'static [OrderStatus] {
        use OrderStatus::*;
        match self {
            Pending => &[],
            AwaitingPayment => &[Pending],
            Paid => &[Pending, AwaitingPayment],
            Fulfilled => &[Paid],
            Failed => &[Pending, AwaitingPayment],
            Expired => &[Pending],
        }
    }

    pub fn is_terminal(self) -> bool {
        matches!(
            self,
            OrderStatus::Fulfilled | OrderStatus::Failed | OrderStatus::Expired
        )
    }
}

/// Moves the order to `to` if it is in a state that may move there; returns whether it moved.
/// Runs inside the caller's transaction so the move and its consequences commit together.
pub async fn transition(
    tx: &mut Transaction<'static, Any>,
    order_id: &str,
    to: OrderStatus,
    now: i64,
    failure_reason: Option<&str>,
) -> Result<bool, DbError> {
    let from = to.reachable_from();
    if from.is_empty() {
        return Ok(false);
    }
    let placeholders: Vec<String> = (0..from.len()).map(|i| format!("${}", i + 5)).collect();
    let stamp = match to {
        OrderStatus::Paid => ", paid_at = $2",
        OrderStatus::Fulfilled => ", fulfilled_at = $2",
        _ => "",
    };
    let sql = format!(
        "UPDATE orders SET status = $1, updated_at = $2{stamp}, failure_reason = COALESCE($3, failure_reason) \
         WHERE id = $4 AND status IN ({})",
        placeholders.join(", ")
    );
    let mut query = sqlx::query(&sql)
        .bind(to.as_str())
        .bind(now)
        .bind(failure_reason)
        .bind(order_id);
    for status in from {
        query = query.bind(status.as_str());
    }
    Ok(query.execute(&mut **tx).await?.rows_affected() == 1)
}

/// Marks the order paid and fulfils it, once. Returns whether this call did it.
pub async fn pay_and_fulfil(
    tx: &mut Transaction<'static, Any>,
    order: &Order,
    payment_intent: Option<&str>,
    now: i64,
) -> Result<bool, DbError> {
    if !transition(tx, &order.id, OrderStatus::Paid, now, None).await? {
        return Ok(false);
    }
    if let Some(pi) = payment_intent {
        sqlx::query("UPDATE orders SET stripe_payment_intent_id = $1 WHERE id = $2")
            .bind(pi)
            .bind(&order.id)
            .execute(&mut **tx)
            .await?;
    }
    transition(tx, &order.id, OrderStatus::Fulfilled, now, None).await?;
    crate::outbox::enqueue(
        tx,
        "order.fulfilled",
        &order.id,
        order.customer_email.as_deref(),
        &serde_json::json!({ "order_id": order.id, "amount_total": order.amount_total, "currency": order.currency }),
        now,
    )
    .await?;
    Ok(true)
}

#[cfg(test)]
mod tests {
    use super::OrderStatus::*;

    #[test]
    fn states_only_move_forward() {
        assert!(Paid.reachable_from().contains(&AwaitingPayment));
        assert!(!AwaitingPayment.reachable_from().contains(&Paid));
        assert!(!Failed.reachable_from().contains(&Fulfilled));
        assert!(!Expired.reachable_from().contains(&AwaitingPayment));
        for terminal in [Fulfilled, Failed, Expired] {
            assert!(terminal.is_terminal());
            for target in [Pending, AwaitingPayment, Paid, Fulfilled, Failed, Expired] {
                assert!(
                    !target.reachable_from().contains(&terminal),
                    "{terminal:?} -> {target:?}"
                );
            }
        }
    }
}
