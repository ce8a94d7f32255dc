//! Merchant sign-up: the user and the merchant in one transaction, then the connected account.

use std::net::IpAddr;

use super::{
    Merchant, MerchantError, SUPPORTED_COUNTRIES, onboarding::ensure_connected_account, repo,
};
use crate::{
    Services,
    auth::{
        self, AuthError, Email, NewPassword, Role, User,
        throttle::{self, Scope},
    },
};

/// How the merchant wants to get a Stripe account.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OnboardingChoice {
    /// Comptoir creates one, prefilled, and onboards it with Account Links.
    NewAccount,
    /// The merchant connects the Standard account they already have, by OAuth.
    ExistingAccount,
}

#[derive(Debug, Clone)]
pub struct NewMerchant {
    pub email: String,
    pub password: String,
    pub business_name: String,
    pub website: Option<String>,
    pub country: String,
    pub onboarding: OnboardingChoice,
}

pub const MAX_BUSINESS_NAME_CHARS: usize = 100;

/// Creates the merchant user and the merchant. With [`OnboardingChoice::NewAccount`] it then
/// creates the connected account; if Stripe fails, the merchant still exists and the dashboard
/// offers to try again (with the same idempotency key, so no second account can appear).
///
/// Refused sign-ups (a taken email, a weak password, …) are counted per client address
/// (`client`, when known); once it is locked, every sign-up from it is refused with
/// [`AuthError::TooManyAttempts`] before anything is checked.
pub async fn sign_up(
    services: &Services,
    input: NewMerchant,
    client: Option<IpAddr>,
) -> Result<(User, Merchant), MerchantError> {
    let (db, clock) = (&services.db, &services.clock);
    let address = client.map(throttle::address_key);
    if let Some(address) = &address {
        throttle::check(db, clock, Scope::SignUpAddress, address)
            .await
            .map_err(AuthError::from)?;
    }
    let created = create(services, input).await;
    if let (Err(e), Some(address)) = (&created, &address)
        && is_refusal(e)
    {
        throttle::record_failure(db, clock, Scope::SignUpAddress, address)
            .await
            .map_err(AuthError::from)?;
    }
    created
}

/// Whether the sign-up was refused for what was asked (and not because something failed).
fn is_refusal(e: &MerchantError) -> bool {
    !matches!(
        e,
        MerchantError::Db(_) | MerchantError::Stripe(_) | MerchantError::Auth(AuthError::Db(_))
    )
}

async fn create(
    services: &Services,
    input: NewMerchant,
) -> Result<(User, Merchant), MerchantError> {
    let email = Email::parse(&input.email).map_err(auth::AuthError::from)?;
    let password = NewPassword::parse(&input.password).map_err(auth::AuthError::from)?;
    let business_name = input.business_name.trim().to_string();
    if business_name.chars().count() < 2 || business_name.chars().count() > MAX_BUSINESS_NAME_CHARS
    {
        return Err(MerchantError::Invalid(format!(
            "The business name must be 2 to {MAX_BUSINESS_NAME_CHARS} characters long."
        )));
    }
    let website = match input
        .website
        .as_deref()
        .map(str::trim)
        .filter(|w| !w.is_empty())
    {
        Some(raw) => Some(parse_website(raw)?),
        None => None,
    };
    let country = input.country.trim().to_ascii_uppercase();
    if !SUPPORTED_COUNTRIES.iter().any(|(code, _)| *code == country) {
        return Err(MerchantError::Invalid(
            "Choose a country from the list.".into(),
        ));
    }

    let now = services.clock.now();
    let merchant_id = format!("mer_{}", uuid::Uuid::new_v4().simple());
    let slug = slug_for(&business_name);
    let mut tx = services.db.begin_write().await?;
    let user =
        auth::insert_user(&mut *tx, &services.clock, &email, &password, Role::Merchant).await?;
    sqlx::query(
        "INSERT INTO merchants (id, user_id, business_name, slug, email, website, country, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(&merchant_id)
    .bind(&user.id.0)
    .bind(&business_name)
    .bind(&slug)
    .bind(email.as_str())
    .bind(website.as_deref())
    .bind(&country)
    .bind(now)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;

    let merchant = repo::find_by_id(&services.db, &merchant_id)
        .await?
        .ok_or_else(|| MerchantError::Invalid("the new merchant vanished".into()))?;
    if input.onboarding == OnboardingChoice::ExistingAccount {
        return Ok((user, merchant));
    }
    match ensure_connected_account(services, &merchant).await {
        Ok(merchant) => Ok((user, merchant)),
        Err(e) => {
            tracing::warn!(merchant = %merchant.id, error = %e, "could not create the connected account at sign-up");
            Ok((user, merchant))
        }
    }
}

fn parse_website(raw: &str) -> Result<String, MerchantError> {
    let with_scheme = if raw.contains("://") {
        raw.to_string()
    } else {
        format!("https://{raw}")
    };
    match url::Url::parse(&with_scheme) {
        Ok(url)
            if matches!(url.scheme(), "http" | "https")
                && url.host_str().is_some_and(|h| h.contains('.')) =>
        {
            Ok(url.to_string())
        }
        _ => Err(MerchantError::Invalid(
            "Enter the website like https://shop.example.com.".into(),
        )),
    }
}

/// A URL-safe, unique-enough slug: the business name's letters and digits, then a random tail.
fn slug_for(business_name: &str) -> String {
    let mut base = String::new();
    for c in business_name.to_lowercase().chars() {
        let c = match c {
            'à' | 'á' | 'â' | 'ä' => 'a',
            'ç' => 'c',
            'è' | 'é' | 'ê' | 'ë' => 'e',
            'ì' | 'í' | 'î' | 'ï' => 'i',
            'ò' | 'ó' | 'ô' | 'ö' => 'o',
            'ù' | 'ú' | 'û' | 'ü' => 'u',
            other => other,
        };
        if c.is_ascii_alphanumeric() {
            base.push(c);
        } else if !base.ends_with('-') && !base.is_empty() {
            base.push('-');
        }
        if base.len() >= 40 {
            break;
        }
    }
    let base = base.trim_end_matches('-');
    let tail = &uuid::Uuid::new_v4().simple().to_string()[..6];
    if base.is_empty() {
        format!("shop-{tail}")
    } else {
        format!("{base}-{tail}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_are_readable_and_url_safe() {
        let slug = slug_for("Boulangerie Élise & Fils");
        assert!(slug.starts_with("boulangerie-elise-fils-"), "{slug}");
        assert!(slug.chars().all(|c| c.is_ascii_alphanumeric() || c == '-'));
        assert!(slug_for("!!!").starts_with("shop-"));
    }

    #[test]
    fn websites_get_a_scheme_and_need_a_domain() {
        assert_eq!(
            parse_website("shop.example.com").unwrap(),
            "https://shop.example.com/"
        );
        assert!(parse_website("not a url").is_err());
        assert!(parse_website("ftp://x.y").is_err());
    }
}
