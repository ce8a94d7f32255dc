//! A merchant's public storefront: its products, starting a checkout, and an order's status.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::{error::AppError, merchant::ProductView};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Storefront {
    pub name: String,
    pub slug: String,
    pub accepting_payments: bool,
    pub products: Vec<ProductView>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CartLineInput {
    pub product_id: String,
    pub quantity: i64,
}

/// What the browser does next to let the customer pay.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum CheckoutStart {
    /// Go to Stripe's hosted checkout page.
    Redirect { url: String },
    /// Mount Stripe's embedded checkout.
    Embedded {
        order_id: String,
        client_secret: String,
        publishable_key: String,
        stripe_account: String,
        js_url: String,
    },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderLineView {
    pub name: String,
    pub unit_amount: i64,
    pub quantity: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderView {
    pub id: String,
    pub shop_name: String,
    /// `pending`, `awaiting_payment`, `paid`, `fulfilled`, `failed` or `expired`.
    pub status: String,
    pub currency: String,
    pub amount_total: i64,
    pub amount_refunded: i64,
    pub lines: Vec<OrderLineView>,
}

impl OrderView {
    /// True once nothing more will happen to the order without a person acting.
    pub fn is_settled(&self) -> bool {
        matches!(self.status.as_str(), "fulfilled" | "failed" | "expired")
    }
}

#[server(endpoint = "shop/storefront")]
pub async fn load_storefront(slug: String) -> Result<Storefront, AppError> {
    use crate::ssr::{internal, services};
    let services = services()?;
    let merchant = domain::merchants::find_by_slug(&services.db, &slug)
        .await
        .map_err(internal)?
        .ok_or(AppError::NotFound)?;
    let products = domain::catalog::list(&services.db, &merchant.id, true).await?;
    Ok(Storefront {
        accepting_payments: merchant.can_charge(),
        name: merchant.business_name,
        slug: merchant.slug,
        products: products.into_iter().map(Into::into).collect(),
    })
}

#[server(endpoint = "shop/checkout")]
pub async fn start_checkout(
    slug: String,
    #[server(default)] lines: Vec<CartLineInput>,
    embedded: bool,
    email: String,
) -> Result<CheckoutStart, AppError> {
    use domain::checkout::{self, CartLine, CheckoutError, CheckoutTarget, CheckoutUi};

    use crate::ssr::{internal, services};
    let services = services()?;
    let lines: Vec<CartLine> = lines
        .into_iter()
        .map(|l| CartLine {
            product_id: l.product_id,
            quantity: l.quantity,
        })
        .collect();
    let ui = if embedded {
        CheckoutUi::Embedded
    } else {
        CheckoutUi::Hosted
    };
    let started = checkout::start(&services, &slug, &lines, ui, Some(&email))
        .await
        .map_err(|e| match e {
            CheckoutError::Db(e) => internal(e),
            CheckoutError::ShopNotFound => AppError::NotFound,
            CheckoutError::Stripe(ref stripe) => {
                tracing::warn!(error = %stripe, "could not create a checkout session");
                AppError::Invalid(
                    "The payment could not be started. Please try again in a moment.".into(),
                )
            }
            other => AppError::Invalid(other.to_string()),
        })?;
    Ok(match started.target {
        CheckoutTarget::Redirect(url) => CheckoutStart::Redirect { url },
        CheckoutTarget::Embedded {
            client_secret,
            publishable_key,
            stripe_account,
            js_url,
        } => CheckoutStart::Embedded {
            order_id: started.order_id,
            client_secret,
            publishable_key,
            stripe_account,
            js_url,
        },
    })
}

/// The order as Comptoir knows it from Stripe's webhooks. Reading it never changes it: the
/// success page only shows what the webhooks recorded.
#[server(endpoint = "shop/order")]
pub async fn load_order(slug: String, order_id: String) -> Result<OrderView, AppError> {
    use crate::ssr::{internal, services};
    let services = services()?;
    let merchant = domain::merchants::find_by_slug(&services.db, &slug)
        .await
        .map_err(internal)?
        .ok_or(AppError::NotFound)?;
    let order = domain::orders::find(&services.db, &order_id)
        .await
        .map_err(internal)?
        .filter(|o| o.merchant_id == merchant.id)
        .ok_or(AppError::NotFound)?;
    let lines = domain::orders::items(&services.db, &order.id)
        .await
        .map_err(internal)?;
    Ok(OrderView {
        id: order.id,
        shop_name: merchant.business_name,
        status: order.status.as_str().to_string(),
        currency: order.currency,
        amount_total: order.amount_total,
        amount_refunded: order.amount_refunded,
        lines: lines
            .into_iter()
            .map(|l| OrderLineView {
                name: l.name,
                unit_amount: l.unit_amount,
                quantity: l.quantity,
            })
            .collect(),
    })
}
