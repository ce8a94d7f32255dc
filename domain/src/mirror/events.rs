//! What a Stripe event does to the mirror. The event only names the object that changed: its
//! handler reads that object from Stripe now and writes it under the versioning rule, so old,
//! repeated or reordered events cannot put an older state back.

use std::time::Duration;

use serde_json::Value;
use stripe::StripeRequest;

use super::{
    MirrorError, balances,
    budget::RequestBudget,
    objects::{apply_object, id_of},
    observed_now,
    stripe_io::{self, Patience},
};
use crate::{
    Services,
    stripe::{StripeApi, StripeError},
};

/// Webhook handlers wait less than a sync: the inbox retries the event later anyway.
const PATIENCE: Patience = Patience {
    attempts: 3,
    first_wait: Duration::from_millis(200),
    max_wait: Duration::from_secs(2),
};

/// Whether events of this type change something the mirror keeps.
pub fn concerns_mirror(event_type: &str) -> bool {
    event_type.starts_with("charge.")
        || event_type.starts_with("payment_intent.")
        || event_type.starts_with("refund.")
        || event_type.starts_with("payout.")
        || event_type.starts_with("application_fee.")
        || event_type.starts_with("checkout.session.")
        || matches!(
            event_type,
            "customer.created" | "customer.updated" | "customer.deleted" | "balance.available"
        )
}

/// Reads again, from Stripe, what an event of `event_type` about `object` changed on
/// `account` (`None`: the platform itself) and writes it into the mirror. An object that is
/// gone, or an account the platform lost access to, is not an error: there is nothing to read.
pub async fn refresh(
    services: &Services,
    account: Option<&str>,
    event_type: &str,
    object: &Value,
) -> Result<(), MirrorError> {
    // Requests of webhook handlers are few and spread out; the syncs' budget is theirs.
    let budget = RequestBudget::new(1000.0);
    let stripe = services.stripe()?;
    let io = Io {
        services,
        stripe: &stripe,
        budget: &budget,
    };
    let result = match (event_type, account) {
        (t, _) if t.starts_with("application_fee.") => {
            let fee = if t == "application_fee.refund.updated" {
                id_of(&object["fee"])
            } else {
                id_of(&object["id"])
            };
            match fee {
                Some(fee) => {
                    io.read_and_apply(
                        stripe_connect::application_fee::RetrieveApplicationFee::new(fee.as_str()),
                        None,
                        "platform",
                    )
                    .await
                }
                None => Ok(()),
            }
        }
        // The platform's own payments are not a merchant's commerce.
        (_, None) => Ok(()),
        ("balance.available", Some(account)) => io.balance(account).await,
        (t, Some(account)) => io.object(t, account, object).await,
    };
    match result {
        Err(MirrorError::Stripe(e)) if gone(&e) => Ok(()),
        other => other,
    }
}

/// 401/403: access lost; 404: deleted.
fn gone(error: &StripeError) -> bool {
    matches!(error.status(), Some(401 | 403 | 404))
}

struct Io<'a> {
    services: &'a Services,
    stripe: &'a StripeApi,
    budget: &'a RequestBudget,
}

impl Io<'_> {
    async fn read(
        &self,
        request: impl StripeRequest,
        account: Option<&str>,
    ) -> Result<(Value, i64), StripeError> {
        let version = observed_now();
        let value =
            stripe_io::get_json(self.stripe, self.budget, PATIENCE, request, account).await?;
        Ok((value, version))
    }

    async fn read_and_apply(
        &self,
        request: impl StripeRequest,
        account: Option<&str>,
        owner: &str,
    ) -> Result<(), MirrorError> {
        let (value, version) = self.read(request, account).await?;
        apply_object(&self.services.db, owner, &value, version).await?;
        Ok(())
    }

    async fn charge(&self, account: &str, id: &str) -> Result<(), MirrorError> {
        self.read_and_apply(
            stripe_core::charge::RetrieveCharge::new(id)
                .expand(vec!["balance_transaction".to_string()]),
            Some(account),
            account,
        )
        .await
    }

    async fn object(
        &self,
        event_type: &str,
        account: &str,
        object: &Value,
    ) -> Result<(), MirrorError> {
        let Some(id) = id_of(&object["id"]) else {
            return Ok(());
        };
        let expand = || vec!["balance_transaction".to_string()];
        if event_type.starts_with("charge.dispute.") {
            self.read_and_apply(
                stripe_core::dispute::RetrieveDispute::new(id.as_str()),
                Some(account),
                account,
            )
            .await?;
            // The charge's `disputed` flag moved with it.
            if let Some(charge) = id_of(&object["charge"]) {
                self.charge(account, &charge).await?;
            }
            Ok(())
        } else if event_type == "charge.refund.updated" || event_type.starts_with("refund.") {
            self.read_and_apply(
                stripe_core::refund::RetrieveRefund::new(id.as_str()).expand(expand()),
                Some(account),
                account,
            )
            .await?;
            if let Some(charge) = id_of(&object["charge"]) {
                self.charge(account, &charge).await?;
            }
            Ok(())
        } else if event_type.starts_with("charge.") {
            self.charge(account, &id).await
        } else if event_type.starts_with("payment_intent.") {
            self.read_and_apply(
                stripe_core::payment_intent::RetrievePaymentIntent::new(id.as_str()),
                Some(account),
                account,
            )
            .await
        } else if event_type.starts_with("payout.") {
            self.read_and_apply(
                stripe_core::payout::RetrievePayout::new(id.as_str()).expand(expand()),
                Some(account),
                account,
            )
            .await
        } else if event_type.starts_with("customer.") {
            let request = stripe_core::customer::RetrieveCustomer::new(id.as_str());
            match self.read_and_apply(request, Some(account), account).await {
                // Stripe answers a deleted customer with a stub; a sandbox may answer 404.
                Err(MirrorError::Stripe(e)) if e.is_not_found() => {
                    let stub =
                        serde_json::json!({ "id": id, "object": "customer", "deleted": true });
                    apply_object(&self.services.db, account, &stub, observed_now()).await?;
                    Ok(())
                }
                other => other,
            }
        } else if event_type.starts_with("checkout.session.") {
            self.read_and_apply(
                stripe_checkout::checkout_session::RetrieveCheckoutSession::new(id.as_str()),
                Some(account),
                account,
            )
            .await
        } else {
            Ok(())
        }
    }

    /// The balance, and the balance transactions that just became available.
    async fn balance(&self, account: &str) -> Result<(), MirrorError> {
        let db = &self.services.db;
        balances::refresh(db, self.stripe, self.budget, PATIENCE, account).await?;
        let oldest_pending: Option<(Option<i64>,)> = sqlx::query_as(
            "SELECT MIN(created) FROM mirror_balance_transactions WHERE account_id = $1 AND status = 'pending'",
        )
        .bind(account)
        .fetch_optional(db.pool())
        .await?;
        let Some(since) = oldest_pending.and_then(|(t,)| t) else {
            return Ok(());
        };
        super::reconcile::relist_since(
            db,
            self.stripe,
            self.budget,
            PATIENCE,
            account,
            super::Resource::BalanceTransactions,
            since,
            100,
        )
        .await?;
        Ok(())
    }
}
