//! What merchants sell: products with a name, a price and a currency.

use serde::{Deserialize, Serialize};
use sqlx::FromRow;

use crate::{
    Services,
    db::{Db, DbError},
};

/// Stripe's ceiling for one amount in two-decimal currencies (999,999.99).
pub const MAX_AMOUNT: i64 = 99_999_999;
pub const MAX_PRODUCT_NAME_CHARS: usize = 120;
pub const MAX_DESCRIPTION_CHARS: usize = 500;

/// Currencies a product may be priced in.
pub const CURRENCIES: &[&str] = &["eur", "usd", "gbp"];

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Product {
    pub id: String,
    pub merchant_id: String,
    pub name: String,
    pub description: String,
    /// Minor units of `currency`.
    pub unit_amount: i64,
    pub currency: String,
    pub active: bool,
    pub created_at: i64,
}

#[derive(FromRow)]
struct ProductRow {
    id: String,
    merchant_id: String,
    name: String,
    description: String,
    unit_amount: i64,
    currency: String,
    active: i64,
    created_at: i64,
}

impl From<ProductRow> for Product {
    fn from(r: ProductRow) -> Self {
        Product {
            id: r.id,
            merchant_id: r.merchant_id,
            name: r.name,
            description: r.description,
            unit_amount: r.unit_amount,
            currency: r.currency,
            active: r.active != 0,
            created_at: r.created_at,
        }
    }
}

#[derive(Debug, Clone)]
pub struct ProductInput {
    pub name: String,
    pub description: String,
    pub unit_amount: i64,
    pub currency: String,
}

#[derive(Debug, thiserror::Error)]
pub enum CatalogError {
    #[error("{0}")]
    Invalid(String),
    #[error("No such product.")]
    NotFound,
    #[error(transparent)]
    Db(#[from] DbError),
}

impl From<sqlx::Error> for CatalogError {
    fn from(e: sqlx::Error) -> Self {
        Self::Db(e.into())
    }
}

impl ProductInput {
    fn validate(&self) -> Result<(String, String, String), CatalogError> {
        let name = self.name.trim().to_string();
        if name.is_empty() || name.chars().count() > MAX_PRODUCT_NAME_CHARS {
            return Err(CatalogError::Invalid(format!(
                "The product name must be 1 to {MAX_PRODUCT_NAME_CHARS} characters long."
            )));
        }
        let description = self.description.trim().to_string();
        if description.chars().count() > MAX_DESCRIPTION_CHARS {
            return Err(CatalogError::Invalid(format!(
                "The description must be at most {MAX_DESCRIPTION_CHARS} characters long."
            )));
        }
        if !(1..=MAX_AMOUNT).contains(&self.unit_amount) {
            return Err(CatalogError::Invalid(
                "The price must be between 0.01 and 999,999.99.".into(),
            ));
        }
        let currency = self.currency.trim().to_ascii_lowercase();
        if !CURRENCIES.contains(&currency.as_str()) {
            return Err(CatalogError::Invalid(format!(
                "The currency must be one of {}.",
                CURRENCIES.join(", ")
            )));
        }
        Ok((name, description, currency))
    }
}

const COLUMNS: &str =
    "id, merchant_id, name, description, unit_amount, currency, active, created_at";

pub async fn create(
    services: &Services,
    merchant_id: &str,
    input: &ProductInput,
) -> Result<Product, CatalogError> {
    let (name, description, currency) = input.validate()?;
    let product = Product {
        // Time-ordered, so products added in the same second keep the order they were added in.
        id: format!("prd_{}", uuid::Uuid::now_v7().simple()),
        merchant_id: merchant_id.to_string(),
        name,
        description,
        unit_amount: input.unit_amount,
        currency,
        active: true,
        created_at: services.clock.now(),
    };
    sqlx::query(
        "INSERT INTO products (id, merchant_id, name, description, unit_amount, currency, active, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(&product.id)
    .bind(&product.merchant_id)
    .bind(&product.name)
    .bind(&product.description)
    .bind(product.unit_amount)
    .bind(&product.currency)
    .bind(i64::from(product.active))
    .bind(product.created_at)
    .execute(services.db.pool())
    .await?;
    Ok(product)
}

/// Changes a product of `merchant_id`; another merchant's product is [`CatalogError::NotFound`].
pub async fn update(
    db: &Db,
    merchant_id: &str,
    product_id: &str,
    input: &ProductInput,
    active: bool,
) -> Result<Product, CatalogError> {
    let (name, description, currency) = input.validate()?;
    let done = sqlx::query(
        "UPDATE products SET name = $1, description = $2, unit_amount = $3, currency = $4, active = $5 \
         WHERE id = $6 AND merchant_id = $7",
    )
    .bind(&name)
    .bind(&description)
    .bind(input.unit_amount)
    .bind(&currency)
    .bind(i64::from(active))
    .bind(product_id)
    .bind(merchant_id)
    .execute(db.pool())
    .await?;
    if done.rows_affected() == 0 {
        return Err(CatalogError::NotFound);
    }
    find(db, merchant_id, product_id)
        .await?
        .ok_or(CatalogError::NotFound)
}

pub async fn find(
    db: &Db,
    merchant_id: &str,
    product_id: &str,
) -> Result<Option<Product>, CatalogError> {
    let sql = format!("SELECT {COLUMNS} FROM products WHERE id = $1 AND merchant_id = $2");
    let row: Option<ProductRow> = sqlx::query_as(&sql)
        .bind(product_id)
        .bind(merchant_id)
        .fetch_optional(db.pool())
        .await?;
    Ok(row.map(Product::from))
}

/// The merchant's products, oldest first; `active_only` for the storefront.
pub async fn list(
    db: &Db,
    merchant_id: &str,
    active_only: bool,
) -> Result<Vec<Product>, CatalogError> {
    let filter = if active_only { " AND active = 1" } else { "" };
    let sql = format!(
        "SELECT {COLUMNS} FROM products WHERE merchant_id = $1{filter} ORDER BY created_at, id"
    );
    let rows: Vec<ProductRow> = sqlx::query_as(&sql)
        .bind(merchant_id)
        .fetch_all(db.pool())
        .await?;
    Ok(rows.into_iter().map(Product::from).collect())
}
