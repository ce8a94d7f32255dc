//! The platform admin's server functions: settings, the connection test, merchants.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::error::AppError;

/// The settings as the admin page shows them: secrets masked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SettingsView {
    /// `test`, `live`, or none before a key is set.
    pub mode: Option<String>,
    pub secret_key_masked: Option<String>,
    pub publishable_key: Option<String>,
    pub webhook_secrets_masked: Vec<String>,
    pub connect_client_id: Option<String>,
    /// One rule per line, as the form takes them (`eur 2.5% + 0.25`).
    pub fee_rules: String,
    pub allowed_embed_origins: Vec<String>,
    pub oauth_scope: String,
    pub sync_mode: String,
    pub api_base: String,
    /// Running on the embedded sandbox rather than Stripe.
    pub on_sandbox: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConnectionCheck {
    pub account_id: String,
    pub name: Option<String>,
    pub mode: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MerchantRow {
    pub business_name: String,
    pub email: String,
    pub slug: String,
    pub stripe_account_id: Option<String>,
    pub connection: Option<String>,
    pub charges_enabled: bool,
    pub details_submitted: bool,
    pub disconnected: bool,
}

/// Fee rules as one line each: `eur 2.5% + 0.25`, `* 5%`.
pub fn format_fee_rules(rules: &[(String, u32, i64)]) -> String {
    rules
        .iter()
        .map(|(currency, bps, fixed)| {
            let percent = format!("{}.{:02}", bps / 100, bps % 100);
            let percent = percent.trim_end_matches('0').trim_end_matches('.');
            if *fixed == 0 {
                format!("{currency} {percent}%")
            } else {
                format!("{currency} {percent}% + {}.{:02}", fixed / 100, fixed % 100)
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// Reads the fee rules typed in the settings form.
pub fn parse_fee_rules(text: &str) -> Result<Vec<(String, u32, i64)>, String> {
    let mut rules = Vec::new();
    for (n, line) in text
        .lines()
        .map(str::trim)
        .enumerate()
        .filter(|(_, l)| !l.is_empty())
    {
        let bad = || {
            format!(
                "Fee rule on line {} is not like \"eur 2.5% + 0.25\" or \"* 5%\".",
                n + 1
            )
        };
        let (currency, rest) = line.split_once(char::is_whitespace).ok_or_else(bad)?;
        let (percent, fixed) = match rest.split_once('+') {
            Some((p, f)) => (p.trim(), Some(f.trim())),
            None => (rest.trim(), None),
        };
        let percent = percent.strip_suffix('%').ok_or_else(bad)?.trim();
        let bps = crate::money::parse_amount(percent).map_err(|_| bad())?;
        let fixed = match fixed {
            Some(f) => crate::money::parse_amount(f).map_err(|_| bad())?,
            None => 0,
        };
        rules.push((
            currency.to_ascii_lowercase(),
            u32::try_from(bps).map_err(|_| bad())?,
            fixed,
        ));
    }
    Ok(rules)
}

#[cfg(feature = "ssr")]
fn settings_view(settings: &domain::settings::PlatformSettings) -> SettingsView {
    use domain::settings::StripeMode;
    let rules: Vec<(String, u32, i64)> = settings
        .fee_policy
        .rules
        .iter()
        .map(|r| (r.currency.clone(), r.percent_bps, r.fixed))
        .collect();
    SettingsView {
        mode: settings.mode().map(|m| match m {
            StripeMode::Test => "test".to_string(),
            StripeMode::Live => "live".to_string(),
        }),
        secret_key_masked: settings.secret_key.as_ref().map(|k| k.masked()),
        publishable_key: settings.publishable_key.clone(),
        webhook_secrets_masked: settings
            .webhook_secrets
            .iter()
            .map(|s| s.masked())
            .collect(),
        connect_client_id: settings.connect_client_id.clone(),
        fee_rules: format_fee_rules(&rules),
        allowed_embed_origins: settings.allowed_embed_origins.clone(),
        oauth_scope: settings.oauth_scope.as_str().to_string(),
        sync_mode: settings.sync_mode.as_str().to_string(),
        on_sandbox: !settings
            .endpoints
            .api_base
            .starts_with("https://api.stripe.com"),
        api_base: settings.endpoints.api_base.clone(),
    }
}

#[server(endpoint = "admin/settings")]
pub async fn platform_settings() -> Result<SettingsView, AppError> {
    crate::ssr::require_role(domain::auth::Role::Admin).await?;
    Ok(settings_view(&crate::ssr::services()?.settings()))
}

/// Saves the settings form. An empty secret field keeps the stored secret.
#[server(endpoint = "admin/settings/save")]
pub async fn save_platform_settings(
    secret_key: String,
    publishable_key: String,
    webhook_secrets: String,
    connect_client_id: String,
    fee_rules: String,
    allowed_embed_origins: String,
    oauth_scope: String,
    sync_mode: String,
) -> Result<SettingsView, AppError> {
    use domain::{
        Secret,
        settings::{FeePolicy, FeeRule, SyncMode, normalize_origin},
        stripe::oauth::OAuthScope,
    };
    crate::ssr::require_role(domain::auth::Role::Admin).await?;
    let services = crate::ssr::services()?;
    let mut settings = (*services.settings()).clone();
    let optional = |v: &str| Some(v.trim().to_string()).filter(|v| !v.is_empty());
    if let Some(key) = optional(&secret_key) {
        settings.secret_key = Some(Secret::new(key));
    }
    settings.publishable_key = optional(&publishable_key);
    let secrets: Vec<Secret> = webhook_secrets
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(Secret::new)
        .collect();
    if !secrets.is_empty() {
        settings.webhook_secrets = secrets;
    }
    settings.connect_client_id = optional(&connect_client_id);
    settings.fee_policy = FeePolicy {
        rules: parse_fee_rules(&fee_rules)
            .map_err(AppError::Invalid)?
            .into_iter()
            .map(|(currency, percent_bps, fixed)| FeeRule {
                currency,
                percent_bps,
                fixed,
            })
            .collect(),
    };
    let mut origins = Vec::new();
    for line in allowed_embed_origins
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
    {
        origins.push(normalize_origin(line).ok_or_else(|| {
            AppError::Invalid(format!(
                "\"{line}\" is not an origin. Write it like https://app.example.com (no path)."
            ))
        })?);
    }
    settings.allowed_embed_origins = origins;
    settings.oauth_scope = OAuthScope::parse(&oauth_scope)
        .ok_or_else(|| AppError::Invalid("The OAuth scope is read_only or read_write.".into()))?;
    settings.sync_mode = SyncMode::parse(&sync_mode)
        .ok_or_else(|| AppError::Invalid("The sync mode is one_off or continuous.".into()))?;
    services
        .update_settings(settings)
        .await
        .map_err(|e| match e {
            domain::services::UpdateSettingsError::Invalid(e) => AppError::Invalid(e.to_string()),
            other => crate::ssr::internal(other),
        })?;
    Ok(settings_view(&services.settings()))
}

/// Calls Stripe with the saved keys and reports the platform account, or why it failed.
#[server(endpoint = "admin/settings/test")]
pub async fn test_stripe_connection() -> Result<ConnectionCheck, AppError> {
    crate::ssr::require_role(domain::auth::Role::Admin).await?;
    let services = crate::ssr::services()?;
    let stripe = services
        .stripe()
        .map_err(|e| AppError::Invalid(e.to_string()))?;
    let account = stripe_connect::account::RetrieveForMyAccountAccount::new()
        .send(&stripe)
        .await
        .map_err(|e| AppError::Invalid(e.to_string()))?;
    Ok(ConnectionCheck {
        account_id: account.id.as_str().to_string(),
        name: account
            .business_profile
            .and_then(|p| p.name)
            .or(account.email),
        mode: if stripe.is_test_mode() {
            "test".into()
        } else {
            "live".into()
        },
    })
}

#[server(endpoint = "admin/merchants")]
pub async fn all_merchants() -> Result<Vec<MerchantRow>, AppError> {
    crate::ssr::require_role(domain::auth::Role::Admin).await?;
    let merchants = domain::merchants::list_all(&crate::ssr::services()?.db)
        .await
        .map_err(crate::ssr::internal)?;
    Ok(merchants
        .into_iter()
        .map(|m| MerchantRow {
            disconnected: m.disconnected_at.is_some(),
            business_name: m.business_name,
            email: m.email,
            slug: m.slug,
            stripe_account_id: m.stripe_account_id,
            connection: m.connection.map(|c| c.as_str().to_string()),
            charges_enabled: m.charges_enabled,
            details_submitted: m.details_submitted,
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fee_rules_round_trip_through_the_form() {
        let rules = vec![("eur".to_string(), 250, 25), ("*".to_string(), 500, 0)];
        let text = format_fee_rules(&rules);
        assert_eq!(text, "eur 2.5% + 0.25\n* 5%");
        assert_eq!(parse_fee_rules(&text).unwrap(), rules);
        assert_eq!(
            parse_fee_rules("USD 1.25%").unwrap(),
            vec![("usd".to_string(), 125, 0)]
        );
        assert!(parse_fee_rules("eur 2.5").is_err());
        assert!(parse_fee_rules("eur lots%").is_err());
        assert!(parse_fee_rules("").unwrap().is_empty());
    }
}
