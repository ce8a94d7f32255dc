//! Stripe calls whose answers the embed code needs as JSON: to hand them on as Stripe sent them
//! (the REST API's AccountSession), or to write them into the mirror, which keeps raw objects.

use serde::Serialize;
use serde_json::Value;
use stripe::StripeRequest;
use stripe_client_core::{RequestBuilder, StripeMethod};

use crate::stripe::{StripeApi, StripeError};

/// Sends async-stripe's typed `request` (as `account` when given) and answers the raw JSON.
pub(crate) async fn send(
    stripe: &StripeApi,
    request: &impl StripeRequest,
    account: Option<&str>,
) -> Result<Value, StripeError> {
    send_built(stripe, request.build(), account).await
}

/// A POST whose parameters the typed builders cannot express without one type per key (payment
/// method configurations have a parameter type per method): `params` is form-encoded exactly as
/// async-stripe encodes its own.
pub(crate) async fn post(
    stripe: &StripeApi,
    path: &str,
    params: &impl Serialize,
    account: Option<&str>,
) -> Result<Value, StripeError> {
    send_built(
        stripe,
        RequestBuilder::new(StripeMethod::Post, path).form(params),
        account,
    )
    .await
}

async fn send_built(
    stripe: &StripeApi,
    request: RequestBuilder,
    account: Option<&str>,
) -> Result<Value, StripeError> {
    let mut request = request.customize::<miniserde::json::Value>();
    if let Some(account) = account {
        request = request.account_id(account.into());
    }
    let value = request.send(stripe).await?;
    // The typed client only speaks miniserde; the rest of Comptoir speaks serde_json.
    serde_json::from_str(&miniserde::json::to_string(&value))
        .map_err(|e| StripeError::Decode(e.to_string()))
}
