//! The merchant's dashboard: connection status, products and orders, as server functions and
//! the wire types they return.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::error::AppError;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MerchantOverview {
    pub business_name: String,
    pub slug: String,
    pub email: String,
    pub stripe_account_id: Option<String>,
    /// `account_link` or `oauth`.
    pub connection: Option<String>,
    pub details_submitted: bool,
    pub charges_enabled: bool,
    pub payouts_enabled: bool,
    pub requirements_due: Vec<String>,
    pub disconnected: bool,
}

impl MerchantOverview {
    pub fn is_connected(&self) -> bool {
        self.stripe_account_id.is_some() && !self.disconnected
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProductView {
    pub id: String,
    pub name: String,
    pub description: String,
    pub unit_amount: i64,
    pub currency: String,
    pub active: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderSummary {
    pub id: String,
    pub status: String,
    pub amount_total: i64,
    pub application_fee_amount: i64,
    pub currency: String,
    pub customer_email: Option<String>,
    pub amount_refunded: i64,
    pub disputed: bool,
    pub created_at: i64,
}

#[cfg(feature = "ssr")]
mod convert {
    use super::*;

    impl From<domain::merchants::Merchant> for MerchantOverview {
        fn from(m: domain::merchants::Merchant) -> Self {
            MerchantOverview {
                disconnected: m.disconnected_at.is_some(),
                business_name: m.business_name,
                slug: m.slug,
                email: m.email,
                stripe_account_id: m.stripe_account_id,
                connection: m.connection.map(|c| c.as_str().to_string()),
                details_submitted: m.details_submitted,
                charges_enabled: m.charges_enabled,
                payouts_enabled: m.payouts_enabled,
                requirements_due: m.requirements_due,
            }
        }
    }

    impl From<domain::catalog::Product> for ProductView {
        fn from(p: domain::catalog::Product) -> Self {
            ProductView {
                id: p.id,
                name: p.name,
                description: p.description,
                unit_amount: p.unit_amount,
                currency: p.currency,
                active: p.active,
            }
        }
    }

    impl From<domain::orders::Order> for OrderSummary {
        fn from(o: domain::orders::Order) -> Self {
            OrderSummary {
                id: o.id,
                status: o.status.as_str().to_string(),
                amount_total: o.amount_total,
                application_fee_amount: o.application_fee_amount,
                currency: o.currency,
                customer_email: o.customer_email,
                amount_refunded: o.amount_refunded,
                disputed: o.disputed,
                created_at: o.created_at,
            }
        }
    }

    impl From<domain::catalog::CatalogError> for AppError {
        fn from(e: domain::catalog::CatalogError) -> Self {
            match e {
                domain::catalog::CatalogError::Db(e) => crate::ssr::internal(e),
                domain::catalog::CatalogError::NotFound => AppError::NotFound,
                other => AppError::Invalid(other.to_string()),
            }
        }
    }
}

#[server(endpoint = "merchant/overview")]
pub async fn load_merchant_overview() -> Result<MerchantOverview, AppError> {
    Ok(crate::ssr::require_merchant().await?.into())
}

/// Re-reads the connected account from Stripe (the onboarding `return_url` lands here: reaching
/// it does not mean onboarding is complete).
#[server(endpoint = "merchant/refresh_status")]
pub async fn refresh_onboarding_status() -> Result<MerchantOverview, AppError> {
    let merchant = crate::ssr::require_merchant().await?;
    if merchant.stripe_account_id.is_none() || merchant.disconnected_at.is_some() {
        return Ok(merchant.into());
    }
    Ok(
        domain::merchants::refresh_status(&crate::ssr::services()?, &merchant)
            .await?
            .into(),
    )
}

#[server(endpoint = "merchant/disconnect")]
pub async fn disconnect_stripe() -> Result<MerchantOverview, AppError> {
    let merchant = crate::ssr::require_merchant().await?;
    Ok(
        domain::merchants::disconnect(&crate::ssr::services()?, &merchant)
            .await?
            .into(),
    )
}

#[server(endpoint = "merchant/products")]
pub async fn my_products() -> Result<Vec<ProductView>, AppError> {
    let merchant = crate::ssr::require_merchant().await?;
    let products = domain::catalog::list(&crate::ssr::services()?.db, &merchant.id, false).await?;
    Ok(products.into_iter().map(Into::into).collect())
}

#[server(endpoint = "merchant/products/create")]
pub async fn create_product(
    name: String,
    description: String,
    price: String,
    currency: String,
) -> Result<ProductView, AppError> {
    let merchant = crate::ssr::require_merchant().await?;
    let unit_amount = crate::money::parse_amount(&price).map_err(AppError::Invalid)?;
    let input = domain::catalog::ProductInput {
        name,
        description,
        unit_amount,
        currency,
    };
    Ok(
        domain::catalog::create(&crate::ssr::services()?, &merchant.id, &input)
            .await?
            .into(),
    )
}

#[server(endpoint = "merchant/products/active")]
pub async fn set_product_active(product_id: String, active: bool) -> Result<ProductView, AppError> {
    let merchant = crate::ssr::require_merchant().await?;
    let db = crate::ssr::services()?.db;
    let product = domain::catalog::find(&db, &merchant.id, &product_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let input = domain::catalog::ProductInput {
        name: product.name,
        description: product.description,
        unit_amount: product.unit_amount,
        currency: product.currency,
    };
    Ok(
        domain::catalog::update(&db, &merchant.id, &product_id, &input, active)
            .await?
            .into(),
    )
}

#[server(endpoint = "merchant/orders")]
pub async fn my_orders() -> Result<Vec<OrderSummary>, AppError> {
    let merchant = crate::ssr::require_merchant().await?;
    let orders = domain::orders::list_for_merchant(&crate::ssr::services()?.db, &merchant.id, 50)
        .await
        .map_err(crate::ssr::internal)?;
    Ok(orders.into_iter().map(Into::into).collect())
}
