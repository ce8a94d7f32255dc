//! Writing Stripe objects into the mirror tables under the versioning rule, and keeping the
//! derived payments current as they change.

use std::collections::BTreeSet;

use serde_json::Value;
use sqlx::{Any, Transaction};

use super::{MirrorError, payments};
use crate::db::{Db, DbError};

/// The kinds of Stripe object the mirror keeps (besides the per-account balance).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    PaymentIntent,
    Charge,
    Refund,
    Dispute,
    Payout,
    BalanceTransaction,
    Customer,
    ApplicationFee,
    CheckoutSession,
}

impl Kind {
    pub const ALL: [Kind; 9] = [
        Kind::PaymentIntent,
        Kind::Charge,
        Kind::Refund,
        Kind::Dispute,
        Kind::Payout,
        Kind::BalanceTransaction,
        Kind::Customer,
        Kind::ApplicationFee,
        Kind::CheckoutSession,
    ];

    /// The kind of a Stripe `object` name (`"charge"`, `"checkout.session"`, …).
    pub fn from_object(name: &str) -> Option<Self> {
        Some(match name {
            "payment_intent" => Kind::PaymentIntent,
            "charge" => Kind::Charge,
            "refund" => Kind::Refund,
            "dispute" => Kind::Dispute,
            "payout" => Kind::Payout,
            "balance_transaction" => Kind::BalanceTransaction,
            "customer" => Kind::Customer,
            "application_fee" => Kind::ApplicationFee,
            "checkout.session" => Kind::CheckoutSession,
            _ => return None,
        })
    }

    /// Stripe's `object` name.
    pub fn object(self) -> &'static str {
        match self {
            Kind::PaymentIntent => "payment_intent",
            Kind::Charge => "charge",
            Kind::Refund => "refund",
            Kind::Dispute => "dispute",
            Kind::Payout => "payout",
            Kind::BalanceTransaction => "balance_transaction",
            Kind::Customer => "customer",
            Kind::ApplicationFee => "application_fee",
            Kind::CheckoutSession => "checkout.session",
        }
    }

    pub(crate) fn table(self) -> &'static str {
        match self {
            Kind::PaymentIntent => "mirror_payment_intents",
            Kind::Charge => "mirror_charges",
            Kind::Refund => "mirror_refunds",
            Kind::Dispute => "mirror_disputes",
            Kind::Payout => "mirror_payouts",
            Kind::BalanceTransaction => "mirror_balance_transactions",
            Kind::Customer => "mirror_customers",
            Kind::ApplicationFee => "mirror_application_fees",
            Kind::CheckoutSession => "mirror_checkout_sessions",
        }
    }
}

/// What one write did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Applied {
    pub kind: Kind,
    pub id: String,
    /// False when the stored row was as new or newer (nothing was written).
    pub changed: bool,
}

enum Bind {
    Text(Option<String>),
    Int(Option<i64>),
}

/// A string field, or the id of an expanded object.
pub(crate) fn id_of(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => Some(s.clone()),
        Value::Object(o) => o.get("id").and_then(Value::as_str).map(str::to_string),
        _ => None,
    }
}

fn text(value: &Value) -> Bind {
    Bind::Text(value.as_str().map(str::to_string))
}

fn int(value: &Value) -> Bind {
    Bind::Int(value.as_i64())
}

fn flag(value: &Value) -> Bind {
    Bind::Int(Some(i64::from(value.as_bool().unwrap_or(false))))
}

fn email(values: &[&Value]) -> Bind {
    Bind::Text(
        values
            .iter()
            .find_map(|v| v.as_str().filter(|s| !s.is_empty()))
            .map(|s| s.trim().to_lowercase()),
    )
}

fn required_int(value: &Value) -> Bind {
    Bind::Int(Some(value.as_i64().unwrap_or(0)))
}

fn required_text(value: &Value) -> Bind {
    Bind::Text(Some(value.as_str().unwrap_or_default().to_string()))
}

/// The query columns of an object of `kind`, beyond id, account, version, created and data.
fn columns(kind: Kind, o: &Value) -> Vec<(&'static str, Bind)> {
    match kind {
        Kind::PaymentIntent => vec![
            ("status", required_text(&o["status"])),
            ("amount", required_int(&o["amount"])),
            ("currency", required_text(&o["currency"])),
            ("customer_id", Bind::Text(id_of(&o["customer"]))),
        ],
        Kind::Charge => vec![
            ("payment_intent_id", Bind::Text(id_of(&o["payment_intent"]))),
            ("status", required_text(&o["status"])),
            ("amount", required_int(&o["amount"])),
            ("amount_captured", required_int(&o["amount_captured"])),
            ("amount_refunded", required_int(&o["amount_refunded"])),
            ("currency", required_text(&o["currency"])),
            ("captured", flag(&o["captured"])),
            ("disputed", flag(&o["disputed"])),
            ("customer_id", Bind::Text(id_of(&o["customer"]))),
            (
                "email",
                email(&[&o["billing_details"]["email"], &o["receipt_email"]]),
            ),
            (
                "payment_method_type",
                text(&o["payment_method_details"]["type"]),
            ),
        ],
        Kind::Refund => vec![
            ("charge_id", Bind::Text(id_of(&o["charge"]))),
            ("payment_intent_id", Bind::Text(id_of(&o["payment_intent"]))),
            ("status", text(&o["status"])),
            ("amount", required_int(&o["amount"])),
            ("currency", required_text(&o["currency"])),
        ],
        Kind::Dispute => vec![
            ("charge_id", Bind::Text(id_of(&o["charge"]))),
            ("payment_intent_id", Bind::Text(id_of(&o["payment_intent"]))),
            ("status", required_text(&o["status"])),
            ("reason", text(&o["reason"])),
            ("amount", required_int(&o["amount"])),
            ("currency", required_text(&o["currency"])),
        ],
        Kind::Payout => vec![
            ("status", required_text(&o["status"])),
            ("amount", required_int(&o["amount"])),
            ("currency", required_text(&o["currency"])),
            ("arrival_date", int(&o["arrival_date"])),
        ],
        Kind::BalanceTransaction => vec![
            ("type", required_text(&o["type"])),
            ("status", required_text(&o["status"])),
            ("amount", required_int(&o["amount"])),
            ("fee", required_int(&o["fee"])),
            ("net", required_int(&o["net"])),
            ("currency", required_text(&o["currency"])),
            ("available_on", int(&o["available_on"])),
            ("source_id", Bind::Text(id_of(&o["source"]))),
        ],
        Kind::Customer => vec![
            ("email", email(&[&o["email"]])),
            ("name", text(&o["name"])),
            ("deleted", Bind::Int(Some(0))),
        ],
        Kind::ApplicationFee => vec![
            ("charge_id", Bind::Text(id_of(&o["charge"]))),
            ("amount", required_int(&o["amount"])),
            ("amount_refunded", required_int(&o["amount_refunded"])),
            ("currency", required_text(&o["currency"])),
        ],
        Kind::CheckoutSession => vec![
            ("payment_intent_id", Bind::Text(id_of(&o["payment_intent"]))),
            ("status", text(&o["status"])),
            (
                "email",
                email(&[&o["customer_details"]["email"], &o["customer_email"]]),
            ),
        ],
    }
}

/// Writes `object` (any kind the mirror keeps, as Stripe sent it) for `account` with `version`
/// (see the module's versioning rule), in a transaction of its own. Expanded objects inside it
/// (a charge's balance transaction, a dispute's balance transactions, a charge's refunds) are
/// written too. Returns what was written; an object of a kind the mirror does not keep is
/// refused.
pub async fn apply_object(
    db: &Db,
    account: &str,
    object: &Value,
    version: i64,
) -> Result<Vec<Applied>, MirrorError> {
    let mut tx = db.begin_write().await?;
    let applied = apply_in(&mut tx, account, object, version).await?;
    tx.commit().await.map_err(DbError::from)?;
    Ok(applied)
}

/// [`apply_object`] inside the caller's transaction, with the derived payments recomputed.
pub async fn apply_in(
    tx: &mut Transaction<'static, Any>,
    account: &str,
    object: &Value,
    version: i64,
) -> Result<Vec<Applied>, MirrorError> {
    let mut applied = Vec::new();
    let mut touched = BTreeSet::new();
    write(tx, account, object, version, &mut applied, &mut touched).await?;
    payments::recompute_all(tx, &touched).await?;
    Ok(applied)
}

/// Writes many objects of one page in one go: the derived payments are recomputed once each.
pub(crate) async fn apply_page(
    tx: &mut Transaction<'static, Any>,
    account: &str,
    objects: &[Value],
    version: i64,
) -> Result<usize, MirrorError> {
    let mut applied = Vec::new();
    let mut touched = BTreeSet::new();
    for object in objects {
        write(tx, account, object, version, &mut applied, &mut touched).await?;
    }
    payments::recompute_all(tx, &touched).await?;
    Ok(objects.len())
}

/// The upsert itself, with nested objects first; collects the payments to recompute.
async fn write(
    tx: &mut Transaction<'static, Any>,
    account: &str,
    object: &Value,
    version: i64,
    applied: &mut Vec<Applied>,
    touched: &mut BTreeSet<String>,
) -> Result<(), MirrorError> {
    let kind = object["object"]
        .as_str()
        .and_then(Kind::from_object)
        .ok_or_else(|| {
            MirrorError::Invalid(format!(
                "the mirror does not keep {} objects",
                object["object"].as_str().unwrap_or("unnamed")
            ))
        })?;
    let id = object["id"]
        .as_str()
        .filter(|id| !id.is_empty())
        .ok_or_else(|| MirrorError::Invalid("an object without an id".into()))?
        .to_string();
    // Application fees live on the platform but belong, for every view, to the account that paid.
    let account = match kind {
        Kind::ApplicationFee => id_of(&object["account"]).unwrap_or_else(|| account.to_string()),
        _ => account.to_string(),
    };
    if kind == Kind::Customer && object["deleted"].as_bool() == Some(true) {
        let changed = delete_customer(tx, &account, &id, version).await?;
        touched.extend(payments::keys_for_customer(tx, &id).await?);
        applied.push(Applied { kind, id, changed });
        return Ok(());
    }

    let mut stored = object.clone();
    if let Some(fields) = stored.as_object_mut() {
        for (name, value) in fields.iter_mut() {
            let expanded = value.get("id").is_some() && value.get("object").is_some();
            if !expanded {
                continue;
            }
            let nested = value["object"].as_str().and_then(Kind::from_object);
            // A fee's balance transaction is the platform's, not the paying account's.
            if nested.is_some() && kind != Kind::ApplicationFee && name != "source" {
                Box::pin(write(tx, &account, value, version, applied, touched)).await?;
            }
            *value = Value::String(id_of(value).unwrap_or_default());
        }
    }
    match kind {
        Kind::Charge => {
            if let Some(refunds) = object["refunds"]["data"].as_array() {
                for refund in refunds {
                    Box::pin(write(tx, &account, refund, version, applied, touched)).await?;
                }
            }
        }
        Kind::Dispute => {
            if let Some(txns) = object["balance_transactions"].as_array() {
                for txn in txns.iter().filter(|t| t.is_object()) {
                    Box::pin(write(tx, &account, txn, version, applied, touched)).await?;
                }
            }
        }
        _ => {}
    }

    let created = object["created"].as_i64().unwrap_or(0);
    let changed = upsert(tx, kind, &id, &account, created, &stored, version).await?;
    if changed {
        touched.extend(payments::keys_for(tx, kind, &id, object).await?);
    }
    applied.push(Applied { kind, id, changed });
    Ok(())
}

async fn upsert(
    tx: &mut Transaction<'static, Any>,
    kind: Kind,
    id: &str,
    account: &str,
    created: i64,
    object: &Value,
    version: i64,
) -> Result<bool, DbError> {
    let table = kind.table();
    let columns = columns(kind, object);
    let mut names = vec!["id", "account_id", "version", "created", "data"];
    names.extend(columns.iter().map(|(name, _)| *name));
    let placeholders: Vec<String> = (1..=names.len()).map(|i| format!("${i}")).collect();
    let updates: Vec<String> = names[1..]
        .iter()
        .map(|n| format!("{n} = excluded.{n}"))
        .collect();
    let sql = format!(
        "INSERT INTO {table} ({}) VALUES ({}) ON CONFLICT (id) DO UPDATE SET {} \
         WHERE {table}.version < excluded.version",
        names.join(", "),
        placeholders.join(", "),
        updates.join(", ")
    );
    let mut query = sqlx::query(&sql)
        .bind(id)
        .bind(account)
        .bind(version)
        .bind(created)
        .bind(object.to_string());
    for (_, bind) in columns {
        query = match bind {
            Bind::Text(v) => query.bind(v),
            Bind::Int(v) => query.bind(v),
        };
    }
    Ok(query.execute(&mut **tx).await?.rows_affected() > 0)
}

/// Stripe answers a deleted customer with a stub; the row keeps its history, marked deleted.
async fn delete_customer(
    tx: &mut Transaction<'static, Any>,
    account: &str,
    id: &str,
    version: i64,
) -> Result<bool, DbError> {
    let updated = sqlx::query(
        "UPDATE mirror_customers SET deleted = 1, version = $1 WHERE id = $2 AND version < $1",
    )
    .bind(version)
    .bind(id)
    .execute(&mut **tx)
    .await?;
    if updated.rows_affected() > 0 {
        return Ok(true);
    }
    let inserted = sqlx::query(
        "INSERT INTO mirror_customers (id, account_id, version, created, email, name, deleted, data) \
         VALUES ($1, $2, $3, 0, NULL, NULL, 1, $4) ON CONFLICT (id) DO NOTHING",
    )
    .bind(id)
    .bind(account)
    .bind(version)
    .bind(serde_json::json!({ "id": id, "object": "customer", "deleted": true }).to_string())
    .execute(&mut **tx)
    .await?;
    Ok(inserted.rows_affected() > 0)
}

/// How many objects of each kind the mirror holds, per account: `(account, kind, count)`.
pub async fn counts_by_account(db: &Db) -> Result<Vec<(String, Kind, i64)>, DbError> {
    let mut out = Vec::new();
    for kind in Kind::ALL {
        let sql = format!(
            "SELECT account_id, COUNT(*) FROM {} GROUP BY account_id",
            kind.table()
        );
        let rows: Vec<(String, i64)> = sqlx::query_as(&sql).fetch_all(db.pool()).await?;
        out.extend(rows.into_iter().map(|(account, n)| (account, kind, n)));
    }
    Ok(out)
}
