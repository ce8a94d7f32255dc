//! The payments widgets' side of the widget API: lists (filters, search, keyset paging) and
//! details read from the commerce mirror; refunds, captures and dispute responses sent to
//! Stripe as the session's account, their answers written into the mirror before returning, so
//! the detail answered (and the next list) shows them.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use stripe_core::{
    charge::RetrieveCharge,
    dispute::{CloseDispute, UpdateDispute, UpdateDisputeEvidence},
    payment_intent::CapturePaymentIntent,
    refund::{CreateRefund, CreateRefundReason},
};

use super::{EmbedError, PAYMENT_COMPONENTS, WidgetScope, payouts, stripe_json};
use crate::{
    Services,
    mirror::{
        self,
        payments::{
            AmountFilter, Cursor, DateFilter, Payment, PaymentDetail, PaymentQuery, PaymentStatus,
            SearchTerm,
        },
    },
};

/// Payments a page holds when the widget does not say.
pub const DEFAULT_LIMIT: i64 = 20;
/// The most a page may hold.
pub const MAX_LIMIT: i64 = 100;

/// The statuses a widget can see and filter by. A payment intent nobody tried to pay yet
/// (`incomplete` in the mirror: an open Checkout Session's, say) is not a payment to show.
const LISTED: [PaymentStatus; 8] = [
    PaymentStatus::Successful,
    PaymentStatus::Refunded,
    PaymentStatus::PartiallyRefunded,
    PaymentStatus::Disputed,
    PaymentStatus::Failed,
    PaymentStatus::Uncaptured,
    PaymentStatus::Pending,
    PaymentStatus::Canceled,
];

/// How a payment was paid.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MethodView {
    /// `card`, `sepa_debit`, …; `unknown` before any attempt named one.
    #[serde(rename = "type")]
    pub kind: String,
    pub brand: Option<String>,
    pub last4: Option<String>,
}

/// A payment as the widget API shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PaymentView {
    /// The charge (`ch_…`/`py_…`), or the payment intent when no charge was made.
    pub id: String,
    pub payment_intent: Option<String>,
    pub amount: i64,
    pub amount_refunded: i64,
    pub amount_captured: i64,
    pub currency: String,
    pub status: &'static str,
    pub created: i64,
    pub description: Option<String>,
    pub customer_email: Option<String>,
    pub payment_method: MethodView,
    pub application_fee_amount: Option<i64>,
}

/// A page of payments.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PaymentList {
    pub data: Vec<PaymentView>,
    pub has_more: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RefundView {
    pub id: String,
    pub amount: i64,
    pub status: Option<String>,
    pub reason: Option<String>,
    pub created: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DisputeView {
    pub id: String,
    pub amount: i64,
    pub status: String,
    pub reason: Option<String>,
    pub evidence_due_by: Option<i64>,
    pub evidence: Value,
    pub evidence_submitted: bool,
}

/// A payment with its refunds, disputes and money movements.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PaymentDetailView {
    #[serde(flatten)]
    pub payment: PaymentView,
    pub refunds: Vec<RefundView>,
    pub disputes: Vec<DisputeView>,
    /// Stripe's fee and what the account keeps, once a balance transaction exists.
    pub fee: Option<i64>,
    pub net: Option<i64>,
    pub capturable: bool,
    pub refundable_amount: i64,
}

/// The query string of `GET /widget/v1/payments`, as text: every value is checked here.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct ListParams {
    pub limit: Option<String>,
    pub starting_after: Option<String>,
    /// Comma-separated statuses.
    pub status: Option<String>,
    pub amount_gte: Option<String>,
    pub amount_lte: Option<String>,
    pub amount_eq: Option<String>,
    pub created_gte: Option<String>,
    pub created_lte: Option<String>,
    pub payment_method: Option<String>,
    /// A payment, charge, refund, dispute or Checkout Session id, or a customer's email.
    pub query: Option<String>,
}

fn integer(value: &Option<String>, param: &str) -> Result<Option<i64>, EmbedError> {
    match value.as_deref().map(str::trim).filter(|v| !v.is_empty()) {
        None => Ok(None),
        Some(text) => text.parse().map(Some).map_err(|_| {
            EmbedError::invalid_param(
                "parameter_invalid_integer",
                param,
                format!("Invalid integer: {text}"),
            )
        }),
    }
}

fn non_empty(value: &Option<String>) -> Option<&str> {
    value.as_deref().map(str::trim).filter(|v| !v.is_empty())
}

/// The widget's status name of a mirrored payment.
fn status_name(status: PaymentStatus) -> &'static str {
    match status {
        // Never listed; a detail asked for by id shows it as not yet paid.
        PaymentStatus::Incomplete => "pending",
        other => other.as_str(),
    }
}

fn view(payment: &Payment, charge: Option<&Value>) -> PaymentView {
    let details = charge.map(|c| &c["payment_method_details"]);
    let method_kind = details
        .and_then(|d| d["type"].as_str())
        .map(str::to_string)
        .or_else(|| payment.payment_method_type.clone());
    let sub = |field: &str| {
        details.and_then(|d| {
            method_kind
                .as_deref()
                .and_then(|k| d[k][field].as_str())
                .map(str::to_string)
        })
    };
    PaymentView {
        id: payment
            .charge_id
            .clone()
            .unwrap_or_else(|| payment.id.clone()),
        payment_intent: payment.id.starts_with("pi_").then(|| payment.id.clone()),
        amount: payment.amount,
        amount_refunded: payment.amount_refunded,
        amount_captured: charge
            .and_then(|c| c["amount_captured"].as_i64())
            .unwrap_or(0),
        currency: payment.currency.clone(),
        status: status_name(payment.status),
        created: payment.created,
        description: payment.description.clone(),
        customer_email: payment.customer_email.clone(),
        payment_method: MethodView {
            brand: sub("brand"),
            last4: sub("last4"),
            kind: method_kind.unwrap_or_else(|| "unknown".into()),
        },
        application_fee_amount: payment.application_fee_amount,
    }
}

/// The mirrored charges `ids` of `account`, by id.
async fn charges_by_id(
    services: &Services,
    account: &str,
    ids: &[&str],
) -> Result<HashMap<String, Value>, EmbedError> {
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    let marks: Vec<String> = (2..ids.len() + 2).map(|i| format!("${i}")).collect();
    let sql = format!(
        "SELECT id, data FROM mirror_charges WHERE account_id = $1 AND id IN ({})",
        marks.join(", ")
    );
    let mut query = sqlx::query_as::<_, (String, String)>(&sql).bind(account);
    for id in ids {
        query = query.bind(*id);
    }
    Ok(query
        .fetch_all(services.db.pool())
        .await?
        .into_iter()
        .filter_map(|(id, data)| serde_json::from_str(&data).ok().map(|v| (id, v)))
        .collect())
}

/// The mirror key (`pi_…`, or `ch_…` without an intent) of any id of a payment of `account`.
async fn payment_key(
    services: &Services,
    account: &str,
    id: &str,
) -> Result<Option<String>, EmbedError> {
    Ok(mirror::payments::resolve_id(&services.db, Some(account), id.trim()).await?)
}

/// `GET /widget/v1/payments`: the session account's payments, newest first.
pub async fn list(
    services: &Services,
    scope: &WidgetScope,
    params: &ListParams,
) -> Result<PaymentList, EmbedError> {
    scope.require_component(PAYMENT_COMPONENTS)?;
    let empty = || PaymentList {
        data: Vec::new(),
        has_more: false,
    };
    let limit = integer(&params.limit, "limit")?.unwrap_or(DEFAULT_LIMIT);
    if !(1..=MAX_LIMIT).contains(&limit) {
        return Err(EmbedError::invalid_param(
            "parameter_invalid_integer",
            "limit",
            format!("Invalid limit: must be between 1 and {MAX_LIMIT}."),
        ));
    }
    let mut query = PaymentQuery {
        account: Some(scope.account.clone()),
        statuses: LISTED.to_vec(),
        limit,
        ..PaymentQuery::default()
    };
    if let Some(statuses) = non_empty(&params.status) {
        query.statuses = statuses
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(|s| {
                PaymentStatus::parse(s)
                    .filter(|p| LISTED.contains(p))
                    .ok_or_else(|| {
                        EmbedError::invalid_param(
                            "parameter_invalid",
                            "status",
                            format!(
                                "Invalid status: {s}. Use {}.",
                                LISTED.map(|p| p.as_str()).join(", ")
                            ),
                        )
                    })
            })
            .collect::<Result<_, _>>()?;
    }
    let (gte, lte, eq) = (
        integer(&params.amount_gte, "amount_gte")?,
        integer(&params.amount_lte, "amount_lte")?,
        integer(&params.amount_eq, "amount_eq")?,
    );
    query.amount = match (eq, gte, lte) {
        (Some(eq), _, _) => Some(AmountFilter::Equals(eq)),
        (None, Some(a), Some(b)) => Some(AmountFilter::Between(a, b)),
        (None, Some(a), None) => Some(AmountFilter::GreaterThan(a.saturating_sub(1))),
        (None, None, Some(b)) => Some(AmountFilter::LessThan(b.saturating_add(1))),
        (None, None, None) => None,
    };
    let (from, to) = (
        integer(&params.created_gte, "created_gte")?,
        integer(&params.created_lte, "created_lte")?,
    );
    query.created = match (from, to) {
        (Some(a), Some(b)) => Some(DateFilter::Between(a, b.saturating_add(1))),
        (Some(a), None) => Some(DateFilter::After(a)),
        (None, Some(b)) => Some(DateFilter::Before(b.saturating_add(1))),
        (None, None) => None,
    };
    query.payment_method_type = non_empty(&params.payment_method).map(str::to_string);
    if let Some(text) = non_empty(&params.query) {
        match SearchTerm::parse(text) {
            Some(SearchTerm::Id(id)) => match payment_key(services, &scope.account, &id).await? {
                Some(key) => query.payment_id = Some(key),
                None => return Ok(empty()),
            },
            Some(SearchTerm::Email(email)) => query.customer_email = Some(email),
            None => return Ok(empty()),
        }
    }
    if let Some(after) = non_empty(&params.starting_after) {
        let missing = || {
            EmbedError::invalid_param(
                "resource_missing",
                "starting_after",
                format!("No such payment: '{after}'"),
            )
        };
        let key = payment_key(services, &scope.account, after)
            .await?
            .ok_or_else(missing)?;
        let created: Option<(i64,)> =
            sqlx::query_as("SELECT created FROM mirror_payments WHERE id = $1 AND account_id = $2")
                .bind(&key)
                .bind(&scope.account)
                .fetch_optional(services.db.pool())
                .await?;
        let (created,) = created.ok_or_else(missing)?;
        query.after = Some(Cursor { created, id: key });
    }

    let page = mirror::payments::list(&services.db, &query).await?;
    let charge_ids: Vec<&str> = page
        .payments
        .iter()
        .filter_map(|p| p.charge_id.as_deref())
        .collect();
    let charges = charges_by_id(services, &scope.account, &charge_ids).await?;
    Ok(PaymentList {
        data: page
            .payments
            .iter()
            .map(|p| view(p, p.charge_id.as_ref().and_then(|c| charges.get(c))))
            .collect(),
        has_more: page.next.is_some(),
    })
}

async fn mirrored_detail(
    services: &Services,
    scope: &WidgetScope,
    id: &str,
) -> Result<PaymentDetail, EmbedError> {
    mirror::payments::detail(&services.db, Some(&scope.account), id.trim())
        .await?
        .ok_or_else(|| EmbedError::not_found("payment", id))
}

fn main_charge(detail: &PaymentDetail) -> Option<&Value> {
    let id = detail.payment.charge_id.as_deref()?;
    detail.charges.iter().find(|c| c["id"].as_str() == Some(id))
}

async fn detail_view(
    services: &Services,
    scope: &WidgetScope,
    detail: PaymentDetail,
) -> Result<PaymentDetailView, EmbedError> {
    let charge = main_charge(&detail);
    let payment = view(&detail.payment, charge);
    let txn = match charge.and_then(|c| mirror_id(&c["balance_transaction"])) {
        Some(id) => sqlx::query_as::<_, (i64, i64)>(
            "SELECT fee, net FROM mirror_balance_transactions WHERE id = $1 AND account_id = $2",
        )
        .bind(id)
        .bind(&scope.account)
        .fetch_optional(services.db.pool())
        .await?,
        None => None,
    };
    let refundable = match charge {
        Some(c)
            if c["status"] == "succeeded"
                && c["captured"] == true
                && c["disputed"] != true
                && c["refunded"] != true =>
        {
            (payment.amount_captured - payment.amount_refunded).max(0)
        }
        _ => 0,
    };
    let refunds = detail
        .refunds
        .iter()
        .map(|r| RefundView {
            id: r["id"].as_str().unwrap_or_default().to_string(),
            amount: r["amount"].as_i64().unwrap_or(0),
            status: r["status"].as_str().map(str::to_string),
            reason: r["reason"].as_str().map(str::to_string),
            created: r["created"].as_i64().unwrap_or(0),
        })
        .collect();
    let disputes = detail
        .disputes
        .iter()
        .map(|d| DisputeView {
            id: d["id"].as_str().unwrap_or_default().to_string(),
            amount: d["amount"].as_i64().unwrap_or(0),
            status: d["status"].as_str().unwrap_or_default().to_string(),
            reason: d["reason"].as_str().map(str::to_string),
            evidence_due_by: d["evidence_details"]["due_by"].as_i64(),
            evidence: evidence_view(&d["evidence"]),
            evidence_submitted: d["evidence_details"]["submission_count"]
                .as_i64()
                .unwrap_or(0)
                > 0,
        })
        .collect();
    Ok(PaymentDetailView {
        capturable: detail.payment.status == PaymentStatus::Uncaptured,
        refundable_amount: refundable,
        fee: txn.map(|(fee, _)| fee),
        net: txn.map(|(_, net)| net),
        payment,
        refunds,
        disputes,
    })
}

/// The text fields of Stripe's dispute evidence (each one, `null` when not given); the nested
/// objects (`enhanced_evidence`) are left to Stripe's Dashboard.
fn evidence_view(evidence: &Value) -> Value {
    Value::Object(
        EVIDENCE_FIELDS
            .iter()
            .map(|field| {
                let text = evidence[*field]
                    .as_str()
                    .map_or(Value::Null, |t| Value::String(t.into()));
                (field.to_string(), text)
            })
            .collect(),
    )
}

/// A string id, or the id of an expanded object.
fn mirror_id(value: &Value) -> Option<&str> {
    value.as_str().or_else(|| value["id"].as_str())
}

/// `GET /widget/v1/payments/{id}` (`ch_…`, `py_…`, `pi_…`, or any id [`mirror::payments::resolve_id`]
/// knows). Another account's payment is 404, as an unknown one is.
pub async fn detail(
    services: &Services,
    scope: &WidgetScope,
    id: &str,
) -> Result<PaymentDetailView, EmbedError> {
    scope.require_component(PAYMENT_COMPONENTS)?;
    let detail = mirrored_detail(services, scope, id).await?;
    detail_view(services, scope, detail).await
}

/// `POST /widget/v1/payments/{id}/refunds`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RefundInput {
    /// Minor units; the whole refundable amount when absent.
    pub amount: Option<i64>,
    /// `duplicate`, `fraudulent` or `requested_by_customer`.
    pub reason: Option<String>,
}

/// Writes Stripe's answer into the mirror; the version was taken before the call.
async fn mirror_write(
    services: &Services,
    account: &str,
    object: &Value,
    version: i64,
) -> Result<(), EmbedError> {
    mirror::apply_object(&services.db, account, object, version).await?;
    Ok(())
}

/// Reads `charge` again (with its balance transaction) and writes it into the mirror.
async fn refresh_charge(
    services: &Services,
    account: &str,
    charge: &str,
) -> Result<(), EmbedError> {
    let version = mirror::observed_now();
    let request = RetrieveCharge::new(charge).expand(vec!["balance_transaction".to_string()]);
    let fresh = stripe_json::send(&services.stripe()?, &request, Some(account)).await?;
    mirror_write(services, account, &fresh, version).await
}

/// Refunds all or part of a payment (feature `refund_management`) and answers its detail after
/// the refund. Stripe's refusals (an amount above what is left, say) come back as 400 with
/// Stripe's message.
pub async fn refund(
    services: &Services,
    scope: &WidgetScope,
    id: &str,
    input: &RefundInput,
) -> Result<PaymentDetailView, EmbedError> {
    scope.require_feature(PAYMENT_COMPONENTS, "refund_management")?;
    let before = mirrored_detail(services, scope, id).await?;
    let charge = before.payment.charge_id.clone().ok_or_else(|| {
        EmbedError::invalid(
            "charge_not_refundable",
            "This payment has no charge to refund.",
        )
    })?;
    let mut request = CreateRefund::new()
        .charge(charge.as_str())
        .expand(vec!["balance_transaction".to_string()]);
    if let Some(amount) = input.amount {
        if amount < 1 {
            return Err(EmbedError::invalid_param(
                "parameter_invalid_integer",
                "amount",
                "The refund amount must be a positive number of minor units.",
            ));
        }
        request = request.amount(amount);
    }
    if let Some(reason) = input.reason.as_deref() {
        request = request.reason(match reason {
            "duplicate" => CreateRefundReason::Duplicate,
            "fraudulent" => CreateRefundReason::Fraudulent,
            "requested_by_customer" => CreateRefundReason::RequestedByCustomer,
            other => {
                return Err(EmbedError::invalid_param(
                    "parameter_invalid",
                    "reason",
                    format!(
                        "Invalid reason: {other}. Use duplicate, fraudulent or requested_by_customer."
                    ),
                ));
            }
        });
    }
    let stripe = services.stripe()?;
    let version = mirror::observed_now();
    let refund = stripe_json::send(&stripe, &request, Some(&scope.account)).await?;
    mirror_write(services, &scope.account, &refund, version).await?;
    refresh_charge(services, &scope.account, &charge).await?;
    payouts::refresh_balance_quietly(services, &scope.account).await;
    detail(services, scope, &before.payment.id).await
}

/// `POST /widget/v1/payments/{id}/capture`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CaptureInput {
    /// Minor units; the whole authorized amount when absent.
    pub amount: Option<i64>,
}

/// Captures an uncaptured payment (feature `capture_payments`) and answers its detail.
pub async fn capture(
    services: &Services,
    scope: &WidgetScope,
    id: &str,
    input: &CaptureInput,
) -> Result<PaymentDetailView, EmbedError> {
    scope.require_feature(PAYMENT_COMPONENTS, "capture_payments")?;
    let before = mirrored_detail(services, scope, id).await?;
    let intent = before.payment.id.clone();
    if before.payment.status != PaymentStatus::Uncaptured || !intent.starts_with("pi_") {
        return Err(EmbedError::invalid(
            "payment_intent_unexpected_state",
            "This payment is not waiting to be captured.",
        ));
    }
    let mut request = CapturePaymentIntent::new(intent.as_str()).expand(vec![
        "latest_charge".to_string(),
        "latest_charge.balance_transaction".to_string(),
    ]);
    if let Some(amount) = input.amount {
        request = request.amount_to_capture(amount);
    }
    let version = mirror::observed_now();
    let captured = stripe_json::send(&services.stripe()?, &request, Some(&scope.account)).await?;
    mirror_write(services, &scope.account, &captured, version).await?;
    payouts::refresh_balance_quietly(services, &scope.account).await;
    detail_view(
        services,
        scope,
        mirrored_detail(services, scope, &intent).await?,
    )
    .await
}

/// `POST /widget/v1/disputes/{id}/evidence`.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EvidenceInput {
    /// Stripe's evidence fields (`uncategorized_text`, `product_description`, …), as text.
    #[serde(default)]
    pub evidence: Map<String, Value>,
    /// Submit now (Stripe's default), or only save.
    pub submit: Option<bool>,
}

macro_rules! evidence_fields {
    ($($field:ident),* $(,)?) => {
        /// Stripe's evidence fields a widget may send.
        pub const EVIDENCE_FIELDS: &[&str] = &[$(stringify!($field)),*];

        fn evidence_from(given: &Map<String, Value>) -> Result<UpdateDisputeEvidence, EmbedError> {
            let mut evidence = UpdateDisputeEvidence::new();
            for (name, value) in given {
                let param = format!("evidence[{name}]");
                let text = match value {
                    Value::Null => continue,
                    Value::String(text) => text.clone(),
                    _ => {
                        return Err(EmbedError::invalid_param(
                            "parameter_invalid",
                            param,
                            format!("Invalid evidence: {name} must be text."),
                        ));
                    }
                };
                match name.as_str() {
                    $(stringify!($field) => evidence.$field = Some(text),)*
                    _ => {
                        return Err(EmbedError::invalid_param(
                            "parameter_unknown",
                            &param,
                            format!("Received unknown parameter: {param}"),
                        ));
                    }
                }
            }
            Ok(evidence)
        }
    };
}

evidence_fields!(
    access_activity_log,
    billing_address,
    cancellation_policy,
    cancellation_policy_disclosure,
    cancellation_rebuttal,
    customer_communication,
    customer_email_address,
    customer_name,
    customer_purchase_ip,
    customer_signature,
    duplicate_charge_documentation,
    duplicate_charge_explanation,
    duplicate_charge_id,
    product_description,
    receipt,
    refund_policy,
    refund_policy_disclosure,
    refund_refusal_explanation,
    service_date,
    service_documentation,
    shipping_address,
    shipping_carrier,
    shipping_date,
    shipping_documentation,
    shipping_tracking_number,
    uncategorized_file,
    uncategorized_text,
);

/// The mirrored dispute `id` of the session's account, or 404.
async fn mirrored_dispute(
    services: &Services,
    scope: &WidgetScope,
    id: &str,
) -> Result<Value, EmbedError> {
    let row: Option<(String,)> =
        sqlx::query_as("SELECT data FROM mirror_disputes WHERE id = $1 AND account_id = $2")
            .bind(id)
            .bind(&scope.account)
            .fetch_optional(services.db.pool())
            .await?;
    row.and_then(|(data,)| serde_json::from_str(&data).ok())
        .ok_or_else(|| EmbedError::not_found("dispute", id))
}

/// Saves or submits evidence for a dispute (feature `dispute_management`) and answers the detail
/// of the disputed payment.
pub async fn dispute_evidence(
    services: &Services,
    scope: &WidgetScope,
    dispute: &str,
    input: &EvidenceInput,
) -> Result<PaymentDetailView, EmbedError> {
    scope.require_feature(PAYMENT_COMPONENTS, "dispute_management")?;
    mirrored_dispute(services, scope, dispute).await?;
    let mut request = UpdateDispute::new(dispute).evidence(evidence_from(&input.evidence)?);
    if let Some(submit) = input.submit {
        request = request.submit(submit);
    }
    let version = mirror::observed_now();
    let updated = stripe_json::send(&services.stripe()?, &request, Some(&scope.account)).await?;
    mirror_write(services, &scope.account, &updated, version).await?;
    detail(services, scope, dispute).await
}

/// Accepts (closes) a dispute (feature `dispute_management`) and answers the detail of the
/// disputed payment.
pub async fn accept_dispute(
    services: &Services,
    scope: &WidgetScope,
    dispute: &str,
) -> Result<PaymentDetailView, EmbedError> {
    scope.require_feature(PAYMENT_COMPONENTS, "dispute_management")?;
    let current = mirrored_dispute(services, scope, dispute).await?;
    let version = mirror::observed_now();
    let closed = stripe_json::send(
        &services.stripe()?,
        &CloseDispute::new(dispute),
        Some(&scope.account),
    )
    .await?;
    mirror_write(services, &scope.account, &closed, version).await?;
    if let Some(charge) = mirror_id(&current["charge"]) {
        refresh_charge(services, &scope.account, charge).await?;
    }
    payouts::refresh_balance_quietly(services, &scope.account).await;
    detail(services, scope, dispute).await
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn payment(status: PaymentStatus) -> Payment {
        Payment {
            id: "pi_1".into(),
            account_id: "acct_1".into(),
            merchant_name: None,
            created: 10,
            status,
            amount: 1250,
            amount_refunded: 300,
            currency: "eur".into(),
            customer_email: Some("a@b.c".into()),
            customer_id: None,
            payment_method_type: Some("card".into()),
            charge_id: Some("ch_1".into()),
            description: None,
            application_fee_amount: Some(35),
        }
    }

    #[test]
    fn a_payment_is_shown_by_its_charge_with_the_card() {
        let charge = json!({
            "id": "ch_1", "amount_captured": 1250,
            "payment_method_details": {"type": "card", "card": {"brand": "visa", "last4": "4242"}},
        });
        let shown = view(&payment(PaymentStatus::PartiallyRefunded), Some(&charge));
        assert_eq!(shown.id, "ch_1");
        assert_eq!(shown.payment_intent.as_deref(), Some("pi_1"));
        assert_eq!(shown.status, "partially_refunded");
        assert_eq!(shown.amount_captured, 1250);
        assert_eq!(
            shown.payment_method,
            MethodView {
                kind: "card".into(),
                brand: Some("visa".into()),
                last4: Some("4242".into())
            }
        );
        let wire = serde_json::to_value(&shown).unwrap();
        assert_eq!(wire["payment_method"]["type"], "card");
        let bare = view(
            &Payment {
                charge_id: None,
                ..payment(PaymentStatus::Canceled)
            },
            None,
        );
        assert_eq!((bare.id.as_str(), bare.amount_captured), ("pi_1", 0));
        assert_eq!(
            bare.payment_method.kind, "card",
            "from the mirrored payment"
        );
        let unknown = view(
            &Payment {
                charge_id: None,
                payment_method_type: None,
                ..payment(PaymentStatus::Canceled)
            },
            None,
        );
        assert_eq!(unknown.payment_method.kind, "unknown");
    }

    #[test]
    fn dispute_evidence_is_shown_as_text_fields() {
        let shown = evidence_view(&json!({
            "uncategorized_text": "Delivered", "receipt": null, "enhanced_evidence": {"visa": {}}
        }));
        assert_eq!(shown["uncategorized_text"], "Delivered");
        assert_eq!(shown["receipt"], Value::Null);
        assert!(shown.get("enhanced_evidence").is_none());
        assert_eq!(shown.as_object().unwrap().len(), EVIDENCE_FIELDS.len());
    }

    #[test]
    fn evidence_takes_stripes_fields_only() {
        let ok = evidence_from(
            json!({"uncategorized_text": "winning_evidence", "customer_name": null})
                .as_object()
                .unwrap(),
        )
        .unwrap();
        assert_eq!(ok.uncategorized_text.as_deref(), Some("winning_evidence"));
        assert!(ok.customer_name.is_none());
        let unknown = evidence_from(json!({"secret_sauce": "x"}).as_object().unwrap())
            .unwrap_err()
            .body();
        assert_eq!(unknown.param.as_deref(), Some("evidence[secret_sauce]"));
        assert!(evidence_from(json!({"receipt": 3}).as_object().unwrap()).is_err());
        assert_eq!(EVIDENCE_FIELDS.len(), 27);
    }

    #[test]
    fn bad_integers_name_their_parameter() {
        let error = integer(&Some("ten".into()), "amount_gte")
            .unwrap_err()
            .body();
        assert_eq!(error.param.as_deref(), Some("amount_gte"));
        assert_eq!(integer(&Some(" 12 ".into()), "x").unwrap(), Some(12));
        assert_eq!(integer(&Some(String::new()), "x").unwrap(), None);
    }
}
