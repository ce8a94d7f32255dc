//! What each Stripe event does to Comptoir. Handlers re-read the object from Stripe (the
//! payload is a hint and may be stale or out of order), then apply their effect and mark the
//! event done in one transaction. Events Comptoir has no use for are marked done untouched.

use serde_json::Value;
use stripe::StripeRequest;
use stripe_checkout::checkout_session::RetrieveCheckoutSession;
use stripe_connect::account::RetrieveAccount;
use stripe_core::payment_intent::RetrievePaymentIntent;
use stripe_shared::{CheckoutSessionPaymentStatus, CheckoutSessionStatus};

use super::inbox::{InboxEvent, complete};
use crate::{
    Services,
    db::DbError,
    merchants,
    orders::{self, OrderStatus},
    stripe::StripeError,
};

#[derive(Debug, thiserror::Error)]
pub enum HandlerError {
    /// Worth trying again later (Stripe or the database was unavailable).
    #[error("{0}")]
    Retry(String),
    /// Will never succeed (the payload is not what Stripe sends); parked for a person.
    #[error("{0}")]
    Permanent(String),
}

impl HandlerError {
    pub fn is_permanent(&self) -> bool {
        matches!(self, HandlerError::Permanent(_))
    }
}

impl From<DbError> for HandlerError {
    fn from(e: DbError) -> Self {
        HandlerError::Retry(format!("database: {e}"))
    }
}

impl From<sqlx::Error> for HandlerError {
    fn from(e: sqlx::Error) -> Self {
        HandlerError::Retry(format!("database: {e}"))
    }
}

impl From<StripeError> for HandlerError {
    fn from(e: StripeError) -> Self {
        HandlerError::Retry(format!("stripe: {e}"))
    }
}

impl From<crate::mirror::MirrorError> for HandlerError {
    fn from(e: crate::mirror::MirrorError) -> Self {
        match e {
            crate::mirror::MirrorError::Invalid(reason) => HandlerError::Permanent(reason),
            other => HandlerError::Retry(format!("mirror: {other}")),
        }
    }
}

impl From<merchants::MerchantError> for HandlerError {
    fn from(e: merchants::MerchantError) -> Self {
        HandlerError::Retry(e.to_string())
    }
}

/// Applies one event. On `Ok` the event is marked done.
pub async fn process(services: &Services, event: &InboxEvent) -> Result<(), HandlerError> {
    let payload: Value = serde_json::from_str(&event.payload)
        .map_err(|e| HandlerError::Permanent(format!("the stored payload is not JSON: {e}")))?;
    let object = &payload["data"]["object"];
    if crate::mirror::events::concerns_mirror(&event.event_type) {
        // The mirror reads the object again and commits on its own; the effects below (and
        // marking the event done) follow. A retry reads it again, which changes nothing.
        crate::mirror::events::refresh(
            services,
            event.account_id.as_deref(),
            &event.event_type,
            object,
        )
        .await?;
    }
    match event.event_type.as_str() {
        "account.updated" => account_updated(services, event).await,
        "account.application.deauthorized" => account_deauthorized(services, event).await,
        "checkout.session.completed"
        | "checkout.session.async_payment_succeeded"
        | "checkout.session.async_payment_failed"
        | "checkout.session.expired" => checkout_session(services, event, object).await,
        "charge.refunded" => charge_refunded(services, event, object).await,
        "charge.dispute.created" => dispute_created(services, event, object).await,
        _ => mark_done(services, event).await,
    }
}

async fn mark_done(services: &Services, event: &InboxEvent) -> Result<(), HandlerError> {
    let mut tx = services.db.begin_write().await?;
    complete(&mut tx, &event.event_id, services.clock.now()).await?;
    tx.commit().await?;
    Ok(())
}

/// Stores the account's onboarding status as Stripe has it now.
async fn account_updated(services: &Services, event: &InboxEvent) -> Result<(), HandlerError> {
    let Some(account_id) = event.account_id.as_deref() else {
        return mark_done(services, event).await;
    };
    if merchants::find_by_account(&services.db, account_id)
        .await?
        .is_none()
    {
        return mark_done(services, event).await;
    }
    match RetrieveAccount::new(account_id)
        .send(&services.stripe()?)
        .await
    {
        Ok(account) => {
            merchants::sync_status_from_account(&services.db, &account, services.clock.now())
                .await?;
        }
        // The platform lost access since (deauthorized): nothing left to read.
        Err(e) if matches!(e.status(), Some(401 | 403 | 404)) => {}
        Err(e) => return Err(e.into()),
    }
    mark_done(services, event).await
}

async fn account_deauthorized(services: &Services, event: &InboxEvent) -> Result<(), HandlerError> {
    if let Some(account_id) = event.account_id.as_deref() {
        merchants::mark_deauthorized(
            &services.db,
            account_id,
            event.event_created,
            services.clock.now(),
        )
        .await?;
    }
    mark_done(services, event).await
}

/// The order a Checkout Session event is about, if Comptoir made that session.
async fn order_for_session(
    services: &Services,
    object: &Value,
) -> Result<Option<orders::Order>, HandlerError> {
    if let Some(session_id) = object["id"].as_str()
        && let Some(order) = orders::find_by_session(&services.db, session_id).await?
    {
        return Ok(Some(order));
    }
    // The session id is stored right after creation; an event can overtake that write.
    let order_id = object["metadata"]["comptoir_order_id"]
        .as_str()
        .or(object["client_reference_id"].as_str());
    match order_id {
        Some(id) => Ok(orders::find(&services.db, id).await?),
        None => Ok(None),
    }
}

async fn checkout_session(
    services: &Services,
    event: &InboxEvent,
    object: &Value,
) -> Result<(), HandlerError> {
    let Some(order) = order_for_session(services, object).await? else {
        return mark_done(services, event).await;
    };
    let Some(session_id) = object["id"].as_str() else {
        return Err(HandlerError::Permanent(
            "a checkout.session event without a session id".into(),
        ));
    };
    let mut request = RetrieveCheckoutSession::new(session_id).customize();
    if let Some(account) = event.account_id.as_deref() {
        request = request.account_id(account.into());
    }
    let session = request.send(&services.stripe()?).await?;
    let paid = matches!(
        session.payment_status,
        CheckoutSessionPaymentStatus::Paid | CheckoutSessionPaymentStatus::NoPaymentRequired
    );
    let payment_intent = session
        .payment_intent
        .as_ref()
        .map(|pi| pi.id().as_str().to_string());
    let now = services.clock.now();

    let mut tx = services.db.begin_write().await?;
    match event.event_type.as_str() {
        "checkout.session.completed" | "checkout.session.async_payment_succeeded" if paid => {
            orders::pay_and_fulfil(&mut tx, &order, payment_intent.as_deref(), now).await?;
        }
        "checkout.session.completed" => {
            orders::transition(&mut tx, &order.id, OrderStatus::AwaitingPayment, now, None).await?;
        }
        "checkout.session.async_payment_failed"
            if !paid
                && orders::transition(
                    &mut tx,
                    &order.id,
                    OrderStatus::Failed,
                    now,
                    Some("the payment failed"),
                )
                .await? =>
        {
            crate::outbox::enqueue(
                    &mut tx,
                    "payment.failed",
                    &order.id,
                    order.customer_email.as_deref(),
                    &serde_json::json!({
                        "order_id": order.id,
                        "message": "Your payment could not be completed. No money was taken; you can place the order again.",
                    }),
                    now,
                )
                .await?;
        }
        "checkout.session.expired" if session.status == Some(CheckoutSessionStatus::Expired) => {
            orders::transition(&mut tx, &order.id, OrderStatus::Expired, now, None).await?;
        }
        _ => {}
    }
    complete(&mut tx, &event.event_id, now).await?;
    tx.commit().await?;
    Ok(())
}

/// The order paid by `payment_intent`. The intent is recorded on the order when the checkout
/// completes, but a refund or dispute event may be processed first: then the intent is read from
/// Stripe, whose metadata names the order (set at checkout), and recorded.
async fn order_for_payment_intent(
    services: &Services,
    account: Option<&str>,
    payment_intent: &str,
) -> Result<Option<orders::Order>, HandlerError> {
    if let Some(order) = orders::find_by_payment_intent(&services.db, payment_intent).await? {
        return Ok(Some(order));
    }
    let mut request = RetrievePaymentIntent::new(payment_intent).customize();
    if let Some(account) = account {
        request = request.account_id(account.into());
    }
    let intent = match request.send(&services.stripe()?).await {
        Ok(intent) => intent,
        Err(e) if e.is_not_found() => return Ok(None),
        Err(e) => return Err(e.into()),
    };
    let Some(order_id) = intent.metadata.get("comptoir_order_id") else {
        return Ok(None);
    };
    let Some(order) = orders::find(&services.db, order_id).await? else {
        return Ok(None);
    };
    sqlx::query("UPDATE orders SET stripe_payment_intent_id = $1 WHERE id = $2 AND stripe_payment_intent_id IS NULL")
        .bind(payment_intent)
        .bind(&order.id)
        .execute(services.db.pool())
        .await?;
    Ok(Some(order))
}

async fn charge_refunded(
    services: &Services,
    event: &InboxEvent,
    object: &Value,
) -> Result<(), HandlerError> {
    let (Some(payment_intent), Some(refunded)) = (
        object["payment_intent"].as_str(),
        object["amount_refunded"].as_i64(),
    ) else {
        return mark_done(services, event).await;
    };
    let Some(order) =
        order_for_payment_intent(services, event.account_id.as_deref(), payment_intent).await?
    else {
        return mark_done(services, event).await;
    };
    let now = services.clock.now();
    let mut tx = services.db.begin_write().await?;
    // Refunds only grow: an older event never lowers the amount.
    sqlx::query("UPDATE orders SET amount_refunded = $1, updated_at = $2 WHERE id = $3 AND amount_refunded < $1")
        .bind(refunded)
        .bind(now)
        .bind(&order.id)
        .execute(&mut *tx)
        .await?;
    complete(&mut tx, &event.event_id, now).await?;
    tx.commit().await?;
    Ok(())
}

async fn dispute_created(
    services: &Services,
    event: &InboxEvent,
    object: &Value,
) -> Result<(), HandlerError> {
    let order = match object["payment_intent"].as_str() {
        Some(pi) => order_for_payment_intent(services, event.account_id.as_deref(), pi).await?,
        None => None,
    };
    let now = services.clock.now();
    let mut tx = services.db.begin_write().await?;
    if let Some(order) = order {
        sqlx::query("UPDATE orders SET disputed = 1, updated_at = $1 WHERE id = $2")
            .bind(now)
            .bind(&order.id)
            .execute(&mut *tx)
            .await?;
    }
    complete(&mut tx, &event.event_id, now).await?;
    tx.commit().await?;
    Ok(())
}
