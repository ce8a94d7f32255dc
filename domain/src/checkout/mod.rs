//! An end customer paying a merchant: the cart is checked completely (nothing reaches Stripe
//! for a bad cart), an order is recorded, and a Checkout Session is created on the merchant's
//! connected account (a direct charge) with the platform's application fee.

use std::{collections::HashMap, str::FromStr};

use stripe::StripeRequest;
use stripe_checkout::{
    CheckoutSessionMode, CheckoutSessionUiMode,
    checkout_session::{
        CreateCheckoutSession, CreateCheckoutSessionLineItems,
        CreateCheckoutSessionLineItemsPriceData, CreateCheckoutSessionPaymentIntentData,
        ProductData,
    },
};
use stripe_client_core::{IdempotencyKey, RequestStrategy};
use stripe_types::Currency;

use crate::{
    Services,
    auth::Email,
    catalog::{self, MAX_AMOUNT},
    db::DbError,
    merchants::{self, Merchant},
    orders::OrderStatus,
    stripe::StripeError,
};

/// Stripe's limit on line items in one Checkout Session.
pub const MAX_LINE_ITEMS: usize = 100;
pub const MAX_QUANTITY: i64 = 999;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CartLine {
    pub product_id: String,
    pub quantity: i64,
}

/// Where the customer pays.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CheckoutUi {
    /// A redirect to Stripe's hosted page.
    Hosted,
    /// Stripe's embedded checkout, mounted in the storefront from a client secret.
    Embedded,
}

impl CheckoutUi {
    pub fn as_str(self) -> &'static str {
        match self {
            CheckoutUi::Hosted => "hosted",
            CheckoutUi::Embedded => "embedded",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CheckoutTarget {
    /// Send the browser here.
    Redirect(String),
    /// Mount Stripe's embedded checkout with these.
    Embedded {
        client_secret: String,
        publishable_key: String,
        stripe_account: String,
        js_url: String,
    },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StartedCheckout {
    pub order_id: String,
    pub target: CheckoutTarget,
}

#[derive(Debug, thiserror::Error)]
pub enum CheckoutError {
    #[error("There is no such shop.")]
    ShopNotFound,
    #[error("This shop can't take payments yet.")]
    ShopClosed,
    #[error("Your cart is empty.")]
    EmptyCart,
    #[error("A cart can hold at most {MAX_LINE_ITEMS} different items.")]
    TooManyLines,
    #[error("One of the items is not sold here (anymore). Refresh the page and try again.")]
    UnknownProduct,
    #[error("Quantities must be between 1 and {MAX_QUANTITY}.")]
    BadQuantity,
    #[error("All items of one order must be priced in the same currency.")]
    MixedCurrencies,
    #[error("The order total is too large for one payment.")]
    TooLarge,
    #[error("Enter an email address like name@example.com, or leave it empty.")]
    BadEmail,
    #[error("Payments are not set up on this platform yet.")]
    NotConfigured,
    #[error("The payment could not be started: {0}")]
    Stripe(StripeError),
    #[error(transparent)]
    Db(#[from] DbError),
}

impl From<sqlx::Error> for CheckoutError {
    fn from(e: sqlx::Error) -> Self {
        Self::Db(e.into())
    }
}

impl From<catalog::CatalogError> for CheckoutError {
    fn from(e: catalog::CatalogError) -> Self {
        match e {
            catalog::CatalogError::Db(e) => Self::Db(e),
            _ => Self::UnknownProduct,
        }
    }
}

/// A cart that passed every check, priced.
struct PricedCart {
    lines: Vec<(catalog::Product, i64)>,
    currency: String,
    total: i64,
}

fn price_cart(
    products: &[catalog::Product],
    lines: &[CartLine],
) -> Result<PricedCart, CheckoutError> {
    if lines.is_empty() {
        return Err(CheckoutError::EmptyCart);
    }
    if lines.len() > MAX_LINE_ITEMS {
        return Err(CheckoutError::TooManyLines);
    }
    let by_id: HashMap<&str, &catalog::Product> =
        products.iter().map(|p| (p.id.as_str(), p)).collect();
    // The same product twice becomes one line with the quantities added.
    let mut merged: Vec<(catalog::Product, i64)> = Vec::new();
    for line in lines {
        if !(1..=MAX_QUANTITY).contains(&line.quantity) {
            return Err(CheckoutError::BadQuantity);
        }
        let product = by_id
            .get(line.product_id.as_str())
            .ok_or(CheckoutError::UnknownProduct)?;
        match merged.iter_mut().find(|(p, _)| p.id == product.id) {
            Some((_, quantity)) => {
                *quantity += line.quantity;
                if *quantity > MAX_QUANTITY {
                    return Err(CheckoutError::BadQuantity);
                }
            }
            None => merged.push(((*product).clone(), line.quantity)),
        }
    }
    let currency = merged[0].0.currency.clone();
    if merged.iter().any(|(p, _)| p.currency != currency) {
        return Err(CheckoutError::MixedCurrencies);
    }
    let mut total: i64 = 0;
    for (product, quantity) in &merged {
        total = product
            .unit_amount
            .checked_mul(*quantity)
            .and_then(|line| total.checked_add(line))
            .ok_or(CheckoutError::TooLarge)?;
    }
    if total > MAX_AMOUNT {
        return Err(CheckoutError::TooLarge);
    }
    Ok(PricedCart {
        lines: merged,
        currency,
        total,
    })
}

/// Starts a checkout for `lines` in the shop `slug`.
pub async fn start(
    services: &Services,
    slug: &str,
    lines: &[CartLine],
    ui: CheckoutUi,
    customer_email: Option<&str>,
) -> Result<StartedCheckout, CheckoutError> {
    let merchant = merchants::find_by_slug(&services.db, slug)
        .await?
        .ok_or(CheckoutError::ShopNotFound)?;
    if !merchant.can_charge() {
        return Err(CheckoutError::ShopClosed);
    }
    let products = catalog::list(&services.db, &merchant.id, true).await?;
    let cart = price_cart(&products, lines)?;
    let customer_email = match customer_email.map(str::trim).filter(|e| !e.is_empty()) {
        Some(raw) => Some(
            Email::parse(raw)
                .map_err(|_| CheckoutError::BadEmail)?
                .as_str()
                .to_string(),
        ),
        None => None,
    };
    let settings = services.settings();
    let stripe = services
        .stripe()
        .map_err(|_| CheckoutError::NotConfigured)?;
    let publishable_key = match ui {
        CheckoutUi::Embedded => Some(
            settings
                .publishable_key
                .clone()
                .ok_or(CheckoutError::NotConfigured)?,
        ),
        CheckoutUi::Hosted => None,
    };
    let fee = settings.fee_policy.fee_for(cart.total, &cart.currency);

    // Time-ordered, so orders placed in the same second list newest first.
    let order_id = format!("ord_{}", uuid::Uuid::now_v7().simple());
    record_order(
        services,
        &merchant,
        &order_id,
        &cart,
        fee,
        ui,
        customer_email.as_deref(),
    )
    .await?;

    let session = create_session(
        services,
        &stripe,
        &merchant,
        &order_id,
        &cart,
        fee,
        ui,
        customer_email.as_deref(),
    )
    .await;
    let session = match session {
        Ok(session) => session,
        Err(e) => {
            let mut tx = services.db.begin_write().await?;
            crate::orders::transition(
                &mut tx,
                &order_id,
                OrderStatus::Failed,
                services.clock.now(),
                Some("the checkout could not be created at Stripe"),
            )
            .await?;
            tx.commit().await?;
            return Err(CheckoutError::Stripe(e));
        }
    };
    sqlx::query("UPDATE orders SET stripe_checkout_session_id = $1, updated_at = $2 WHERE id = $3")
        .bind(session.id.as_str())
        .bind(services.clock.now())
        .bind(&order_id)
        .execute(services.db.pool())
        .await?;

    let stripe_account = merchant.stripe_account_id.clone().unwrap_or_default();
    let target = match (ui, publishable_key) {
        (CheckoutUi::Embedded, Some(publishable_key)) => CheckoutTarget::Embedded {
            client_secret: session.client_secret.ok_or_else(|| {
                CheckoutError::Stripe(StripeError::Decode("no client_secret".into()))
            })?,
            publishable_key,
            stripe_account,
            js_url: settings.stripe_js_url.clone(),
        },
        _ => CheckoutTarget::Redirect(
            session
                .url
                .ok_or_else(|| CheckoutError::Stripe(StripeError::Decode("no url".into())))?,
        ),
    };
    Ok(StartedCheckout { order_id, target })
}

async fn record_order(
    services: &Services,
    merchant: &Merchant,
    order_id: &str,
    cart: &PricedCart,
    fee: i64,
    ui: CheckoutUi,
    customer_email: Option<&str>,
) -> Result<(), CheckoutError> {
    let now = services.clock.now();
    let mut tx = services.db.begin_write().await?;
    sqlx::query(
        "INSERT INTO orders (id, merchant_id, status, currency, amount_total, application_fee_amount, \
         customer_email, checkout_ui, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9)",
    )
    .bind(order_id)
    .bind(&merchant.id)
    .bind(OrderStatus::Pending.as_str())
    .bind(&cart.currency)
    .bind(cart.total)
    .bind(fee)
    .bind(customer_email)
    .bind(ui.as_str())
    .bind(now)
    .execute(&mut *tx)
    .await?;
    for (position, (product, quantity)) in cart.lines.iter().enumerate() {
        sqlx::query(
            "INSERT INTO order_items (order_id, position, product_id, name, unit_amount, quantity) \
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(order_id)
        .bind(position as i64)
        .bind(&product.id)
        .bind(&product.name)
        .bind(product.unit_amount)
        .bind(*quantity)
        .execute(&mut *tx)
        .await?;
    }
    tx.commit().await?;
    Ok(())
}

#[allow(clippy::too_many_arguments)]
async fn create_session(
    services: &Services,
    stripe: &crate::stripe::StripeApi,
    merchant: &Merchant,
    order_id: &str,
    cart: &PricedCart,
    fee: i64,
    ui: CheckoutUi,
    customer_email: Option<&str>,
) -> Result<stripe_shared::CheckoutSession, StripeError> {
    let currency =
        Currency::from_str(&cart.currency).map_err(|_| StripeError::Decode("currency".into()))?;
    let line_items = cart
        .lines
        .iter()
        .map(|(product, quantity)| {
            let mut price = CreateCheckoutSessionLineItemsPriceData::new(currency.clone());
            price.unit_amount = Some(product.unit_amount);
            let mut data = ProductData::new(product.name.as_str());
            if !product.description.is_empty() {
                data.description = Some(product.description.clone());
            }
            price.product_data = Some(data);
            let mut line = CreateCheckoutSessionLineItems::new();
            line.price_data = Some(price);
            line.quantity = Some(*quantity as u64);
            line
        })
        .collect::<Vec<_>>();
    let metadata = HashMap::from([("comptoir_order_id".to_string(), order_id.to_string())]);
    let mut payment_intent = CreateCheckoutSessionPaymentIntentData::new();
    if fee > 0 {
        payment_intent.application_fee_amount = Some(fee);
    }
    payment_intent.metadata = Some(metadata.clone());

    let order_page = services.url(&format!(
        "/shop/{}/orders/{order_id}?session_id={{CHECKOUT_SESSION_ID}}",
        merchant.slug
    ));
    let mut request = CreateCheckoutSession::new()
        .mode(CheckoutSessionMode::Payment)
        .line_items(line_items)
        .payment_intent_data(payment_intent)
        .client_reference_id(order_id)
        .metadata(metadata);
    request = match ui {
        CheckoutUi::Hosted => request
            .ui_mode(CheckoutSessionUiMode::HostedPage)
            .success_url(order_page)
            .cancel_url(services.url(&format!("/shop/{}?cancelled={order_id}", merchant.slug))),
        CheckoutUi::Embedded => request
            .ui_mode(CheckoutSessionUiMode::EmbeddedPage)
            .return_url(order_page),
    };
    if let Some(email) = customer_email {
        request = request.customer_email(email);
    }
    let key = IdempotencyKey::new(format!("comptoir-{order_id}-checkout"))
        .map_err(|e| StripeError::Decode(e.to_string()))?;
    request
        .customize()
        .account_id(
            merchant
                .stripe_account_id
                .clone()
                .unwrap_or_default()
                .as_str()
                .into(),
        )
        .request_strategy(RequestStrategy::Idempotent(key))
        .send(stripe)
        .await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn product(id: &str, amount: i64, currency: &str) -> catalog::Product {
        catalog::Product {
            id: id.into(),
            merchant_id: "mer_1".into(),
            name: id.into(),
            description: String::new(),
            unit_amount: amount,
            currency: currency.into(),
            active: true,
            created_at: 0,
        }
    }

    fn line(id: &str, quantity: i64) -> CartLine {
        CartLine {
            product_id: id.into(),
            quantity,
        }
    }

    #[test]
    fn carts_are_priced_and_merged() {
        let products = [product("a", 250, "eur"), product("b", 1000, "eur")];
        let cart = price_cart(&products, &[line("a", 2), line("b", 1), line("a", 1)]).unwrap();
        assert_eq!(cart.total, 1750);
        assert_eq!(cart.lines.len(), 2);
        assert_eq!(cart.currency, "eur");
    }

    #[test]
    fn bad_carts_are_refused() {
        let products = [
            product("a", 250, "eur"),
            product("u", 250, "usd"),
            product("big", MAX_AMOUNT, "eur"),
        ];
        let refused =
            |lines: &[CartLine]| price_cart(&products, lines).err().map(|e| e.to_string());
        assert_eq!(refused(&[]), Some(CheckoutError::EmptyCart.to_string()));
        assert_eq!(
            refused(&[line("zzz", 1)]),
            Some(CheckoutError::UnknownProduct.to_string())
        );
        assert_eq!(
            refused(&[line("a", 0)]),
            Some(CheckoutError::BadQuantity.to_string())
        );
        assert_eq!(
            refused(&[line("a", MAX_QUANTITY + 1)]),
            Some(CheckoutError::BadQuantity.to_string())
        );
        assert_eq!(
            refused(&[line("a", 600), line("a", 600)]),
            Some(CheckoutError::BadQuantity.to_string())
        );
        assert_eq!(
            refused(&[line("a", 1), line("u", 1)]),
            Some(CheckoutError::MixedCurrencies.to_string())
        );
        assert_eq!(
            refused(&[line("big", 2)]),
            Some(CheckoutError::TooLarge.to_string())
        );
        let many: Vec<CartLine> = (0..=MAX_LINE_ITEMS).map(|_| line("a", 1)).collect();
        assert_eq!(
            refused(&many),
            Some(CheckoutError::TooManyLines.to_string())
        );
    }

    #[test]
    fn overflow_is_too_large_not_a_panic() {
        let products = [product("huge", i64::MAX / 2, "eur")];
        assert!(matches!(
            price_cart(&products, &[line("huge", 3)]),
            Err(CheckoutError::TooLarge)
        ));
    }
}
