//! Events: creation (`emit`, which also queues webhook deliveries), and `GET /v1/events`,
//! `GET /v1/events/{id}` with the `type` (with `*` wildcard), `types[]`, `created` and
//! `delivery_success` filters. An event lives on the account it happened on.

use axum::extract::{Path, State};
use axum::routing::get;
use axum::{Json, Router};
use serde_json::{Map, Value, json};

use crate::app::{AppState, Tx};
use crate::ids;
use crate::wire::auth::Caller;
use crate::wire::context;
use crate::wire::error::{ApiError, ApiResult};
use crate::wire::form::{Form, Schema, Ty, opt};
use crate::wire::list;

/// Every event type Stripe can send (as known to async-stripe); `enabled_events` accepts these
/// and `*`.
pub const EVENT_TYPES: &[&str] = &[
    "account.application.authorized",
    "account.application.deauthorized",
    "account.external_account.created",
    "account.external_account.deleted",
    "account.external_account.updated",
    "account.updated",
    "application_fee.created",
    "application_fee.refund.updated",
    "application_fee.refunded",
    "apps.install.created",
    "apps.install.deleted",
    "apps.install.updated",
    "balance.available",
    "balance_settings.updated",
    "billing.alert.triggered",
    "billing.credit_balance_transaction.created",
    "billing.credit_grant.created",
    "billing.credit_grant.updated",
    "billing.meter.created",
    "billing.meter.deactivated",
    "billing.meter.reactivated",
    "billing.meter.updated",
    "billing_portal.configuration.created",
    "billing_portal.configuration.updated",
    "billing_portal.session.created",
    "capability.updated",
    "cash_balance.funds_available",
    "charge.captured",
    "charge.dispute.closed",
    "charge.dispute.created",
    "charge.dispute.funds_reinstated",
    "charge.dispute.funds_withdrawn",
    "charge.dispute.updated",
    "charge.expired",
    "charge.failed",
    "charge.pending",
    "charge.refund.updated",
    "charge.refunded",
    "charge.succeeded",
    "charge.updated",
    "checkout.session.async_payment_failed",
    "checkout.session.async_payment_succeeded",
    "checkout.session.completed",
    "checkout.session.expired",
    "climate.order.canceled",
    "climate.order.created",
    "climate.order.delayed",
    "climate.order.delivered",
    "climate.order.product_substituted",
    "climate.product.created",
    "climate.product.pricing_updated",
    "coupon.created",
    "coupon.deleted",
    "coupon.updated",
    "credit_note.created",
    "credit_note.updated",
    "credit_note.voided",
    "customer.created",
    "customer.deleted",
    "customer.discount.created",
    "customer.discount.deleted",
    "customer.discount.updated",
    "customer.source.created",
    "customer.source.deleted",
    "customer.source.expiring",
    "customer.source.updated",
    "customer.subscription.created",
    "customer.subscription.deleted",
    "customer.subscription.paused",
    "customer.subscription.resumed",
    "customer.subscription.trial_will_end",
    "customer.subscription.updated",
    "customer.tax_id.created",
    "customer.tax_id.deleted",
    "customer.tax_id.updated",
    "customer.updated",
    "customer_cash_balance_transaction.created",
    "file.created",
    "financial_connections.account.created",
    "financial_connections.account.deactivated",
    "financial_connections.account.disconnected",
    "financial_connections.account.reactivated",
    "identity.verification_session.canceled",
    "identity.verification_session.created",
    "identity.verification_session.processing",
    "identity.verification_session.redacted",
    "identity.verification_session.verified",
    "invoice.created",
    "invoice.deleted",
    "invoice.finalization_failed",
    "invoice.finalized",
    "invoice.marked_uncollectible",
    "invoice.overdue",
    "invoice.overpaid",
    "invoice.paid",
    "invoice.payment_action_required",
    "invoice.payment_attempt_required",
    "invoice.payment_failed",
    "invoice.payment_succeeded",
    "invoice.sent",
    "invoice.upcoming",
    "invoice.updated",
    "invoice.voided",
    "invoice.will_be_due",
    "invoice_payment.paid",
    "invoiceitem.created",
    "invoiceitem.deleted",
    "issuing_authorization.created",
    "issuing_authorization.request",
    "issuing_authorization.updated",
    "issuing_card.created",
    "issuing_card.updated",
    "issuing_cardholder.created",
    "issuing_cardholder.updated",
    "issuing_dispute.closed",
    "issuing_dispute.created",
    "issuing_dispute.funds_reinstated",
    "issuing_dispute.funds_rescinded",
    "issuing_dispute.submitted",
    "issuing_dispute.updated",
    "issuing_personalization_design.activated",
    "issuing_personalization_design.deactivated",
    "issuing_personalization_design.rejected",
    "issuing_personalization_design.updated",
    "issuing_token.created",
    "issuing_token.updated",
    "issuing_transaction.created",
    "issuing_transaction.updated",
    "mandate.updated",
    "payment_intent.amount_capturable_updated",
    "payment_intent.canceled",
    "payment_intent.created",
    "payment_intent.partially_funded",
    "payment_intent.payment_failed",
    "payment_intent.processing",
    "payment_intent.requires_action",
    "payment_intent.succeeded",
    "payment_link.created",
    "payment_link.updated",
    "payment_method.attached",
    "payment_method.automatically_updated",
    "payment_method.detached",
    "payment_method.updated",
    "payout.canceled",
    "payout.created",
    "payout.failed",
    "payout.paid",
    "payout.reconciliation_completed",
    "payout.updated",
    "person.created",
    "person.deleted",
    "person.updated",
    "plan.created",
    "plan.deleted",
    "plan.updated",
    "price.created",
    "price.deleted",
    "price.updated",
    "product.created",
    "product.deleted",
    "product.updated",
    "promotion_code.created",
    "promotion_code.updated",
    "quote.accepted",
    "quote.canceled",
    "quote.created",
    "quote.finalized",
    "radar.early_fraud_warning.created",
    "radar.early_fraud_warning.updated",
    "refund.created",
    "refund.failed",
    "refund.updated",
    "reporting.report_run.failed",
    "reporting.report_run.succeeded",
    "reporting.report_type.updated",
    "reserve.hold.created",
    "reserve.hold.updated",
    "reserve.plan.created",
    "reserve.plan.disabled",
    "reserve.plan.expired",
    "reserve.plan.updated",
    "reserve.release.created",
    "review.closed",
    "review.opened",
    "setup_intent.canceled",
    "setup_intent.created",
    "setup_intent.requires_action",
    "setup_intent.setup_failed",
    "setup_intent.succeeded",
    "sigma.scheduled_query_run.created",
    "source.canceled",
    "source.chargeable",
    "source.failed",
    "source.mandate_notification",
    "source.refund_attributes_required",
    "source.transaction.created",
    "source.transaction.updated",
    "subscription_schedule.aborted",
    "subscription_schedule.canceled",
    "subscription_schedule.completed",
    "subscription_schedule.created",
    "subscription_schedule.expiring",
    "subscription_schedule.released",
    "subscription_schedule.updated",
    "tax.settings.updated",
    "tax_rate.created",
    "tax_rate.updated",
    "terminal.reader.action_failed",
    "terminal.reader.action_succeeded",
    "terminal.reader.action_updated",
    "test_helpers.test_clock.advancing",
    "test_helpers.test_clock.created",
    "test_helpers.test_clock.deleted",
    "test_helpers.test_clock.internal_failure",
    "test_helpers.test_clock.ready",
    "topup.canceled",
    "topup.created",
    "topup.failed",
    "topup.reversed",
    "topup.succeeded",
    "transfer.created",
    "transfer.reversed",
    "transfer.updated",
    "treasury.credit_reversal.created",
    "treasury.credit_reversal.posted",
    "treasury.debit_reversal.completed",
    "treasury.debit_reversal.created",
    "treasury.financial_account.closed",
    "treasury.financial_account.created",
    "treasury.inbound_transfer.canceled",
    "treasury.inbound_transfer.created",
    "treasury.inbound_transfer.failed",
    "treasury.inbound_transfer.succeeded",
    "treasury.outbound_payment.canceled",
    "treasury.outbound_payment.created",
    "treasury.outbound_payment.failed",
    "treasury.outbound_payment.posted",
    "treasury.outbound_payment.returned",
    "treasury.outbound_transfer.canceled",
    "treasury.outbound_transfer.created",
    "treasury.outbound_transfer.failed",
    "treasury.outbound_transfer.posted",
    "treasury.outbound_transfer.returned",
    "treasury.received_credit.created",
    "treasury.received_credit.failed",
    "treasury.received_credit.succeeded",
    "treasury.received_debit.created",
];

/// Routes under `/v1`.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/events", get(list_events))
        .route("/events/{id}", get(retrieve_event))
}

/// Creates an event on `account` and queues its deliveries. `object` is the snapshot for
/// `data.object`; `previous` becomes `data.previous_attributes`. Connected-account events carry
/// a top-level `account`. Prefer [`Tx::emit`], which also wakes the delivery worker.
pub fn emit(
    tx: &mut Tx<'_>,
    account: &str,
    event_type: &str,
    object: Value,
    previous: Option<Value>,
) -> String {
    let id = ids::new_id("evt");
    let endpoints = crate::webhooks::recipients(tx, account, event_type);
    let request = context::current();
    let api_version = request
        .as_ref()
        .and_then(|r| r.stripe_version.clone())
        .unwrap_or_else(|| crate::API_VERSION.to_owned());
    let mut data = Map::new();
    data.insert("object".into(), object);
    if let Some(previous) = previous {
        data.insert("previous_attributes".into(), previous);
    }
    let mut event = Map::new();
    event.insert("id".into(), json!(id));
    event.insert("object".into(), json!("event"));
    if !tx.is_platform(account) {
        event.insert("account".into(), json!(account));
    }
    event.insert("api_version".into(), json!(api_version));
    event.insert("created".into(), json!(tx.now()));
    event.insert("data".into(), Value::Object(data));
    event.insert("livemode".into(), json!(false));
    event.insert("pending_webhooks".into(), json!(endpoints.len()));
    event.insert(
        "request".into(),
        json!({
            "id": request.as_ref().map(|r| r.id.clone()),
            "idempotency_key": request.as_ref().and_then(|r| r.idempotency_key.clone()),
        }),
    );
    event.insert("type".into(), json!(event_type));
    tx.insert(account, "event", Value::Object(event));
    for endpoint in endpoints {
        crate::webhooks::delivery::enqueue(tx, &id, &endpoint);
    }
    id
}

/// Whether `event_type` matches a `type` filter, where `charge.*` matches `charge.x.y`.
pub fn type_matches(filter: &str, event_type: &str) -> bool {
    match filter.strip_suffix('*') {
        Some(prefix) => event_type.starts_with(prefix),
        None => filter == event_type,
    }
}

const LIST: Schema = Schema::list(&[
    opt("type", Ty::Str),
    opt("types", Ty::List(&Ty::Str)),
    opt("delivery_success", Ty::Bool),
]);

async fn list_events(
    State(app): State<AppState>,
    caller: Caller,
    form: Form,
) -> ApiResult<Json<Value>> {
    let p = LIST.validate(form)?;
    if p.has("type") && p.has("types") {
        return Err(ApiError::exclusive("type", "types"));
    }
    let type_filter = p.str("type").map(str::to_owned);
    let types = p.strs("types");
    let delivery_success = p.bool("delivery_success");
    let keep = |event: &Value| {
        let event_type = event["type"].as_str().unwrap_or_default();
        let pending = event["pending_webhooks"].as_i64().unwrap_or(0);
        type_filter
            .as_deref()
            .is_none_or(|f| type_matches(f, event_type))
            && (types.is_empty() || types.iter().any(|t| t == event_type))
            && delivery_success.is_none_or(|ok| ok == (pending == 0))
    };
    app.read(|s| {
        let all = s.newest_first(&caller.acting_as, "event");
        list::paginate(&all, &p, "/v1/events", "event", keep).map(Json)
    })
}

async fn retrieve_event(
    State(app): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    form: Form,
) -> ApiResult<Json<Value>> {
    Schema::new(&[]).validate(form)?;
    app.read(|s| {
        s.require(&caller.acting_as, "event", &id, "event", "id")
            .cloned()
            .map(Json)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wildcard_type_filter() {
        assert!(type_matches("charge.*", "charge.dispute.created"));
        assert!(type_matches("account.updated", "account.updated"));
        assert!(!type_matches("charge.*", "account.updated"));
        assert!(EVENT_TYPES.contains(&"account.application.deauthorized"));
    }
}
