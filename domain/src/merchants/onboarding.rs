//! Getting a merchant a working connected account: creation with prefilled details, Account
//! Links into Stripe's hosted onboarding, status refreshes, and OAuth for existing accounts.

use std::collections::HashMap;

use sha2::{Digest, Sha256};
use stripe::StripeRequest;
use stripe_client_core::{IdempotencyKey, RequestStrategy};
use stripe_connect::{
    account::{
        CreateAccount, CreateAccountBusinessProfile, CreateAccountCapabilities,
        CreateAccountCapabilitiesCardPayments, CreateAccountCapabilitiesTransfers,
        CreateAccountController, CreateAccountControllerFees, CreateAccountControllerFeesPayer,
        CreateAccountControllerLosses, CreateAccountControllerLossesPayments,
        CreateAccountControllerRequirementCollection, CreateAccountControllerStripeDashboard,
        CreateAccountControllerStripeDashboardType, RetrieveAccount,
    },
    account_link::{CreateAccountLink, CreateAccountLinkType},
};
use stripe_shared::Account;

use super::{Connection, Merchant, MerchantError, repo};
use crate::{
    Services,
    db::Db,
    stripe::{StripeError, oauth},
};

/// How long an OAuth `state` stays valid.
pub const OAUTH_STATE_TTL_SECS: i64 = 600;

/// What the onboarding return page shows.
pub type AccountStatusView = Merchant;

fn idempotency_key(value: String) -> Result<RequestStrategy, StripeError> {
    IdempotencyKey::new(value)
        .map(RequestStrategy::Idempotent)
        .map_err(|e| StripeError::Decode(e.to_string()))
}

/// Returns the merchant with a connected account, creating it (prefilled with the business
/// name, email, website and country) when there is none. Safe to call again after a failure:
/// the idempotency key is derived from the merchant, so Stripe answers with the same account.
pub async fn ensure_connected_account(
    services: &Services,
    merchant: &Merchant,
) -> Result<Merchant, MerchantError> {
    if merchant.stripe_account_id.is_some() {
        return Ok(merchant.clone());
    }
    let stripe = services.stripe()?;
    let mut controller = CreateAccountController::new();
    controller.fees = Some(CreateAccountControllerFees {
        payer: Some(CreateAccountControllerFeesPayer::Application),
    });
    controller.losses = Some(CreateAccountControllerLosses {
        payments: Some(CreateAccountControllerLossesPayments::Application),
    });
    controller.requirement_collection = Some(CreateAccountControllerRequirementCollection::Stripe);
    controller.stripe_dashboard = Some(CreateAccountControllerStripeDashboard {
        type_: Some(CreateAccountControllerStripeDashboardType::Express),
    });
    let mut capabilities = CreateAccountCapabilities::new();
    capabilities.card_payments = Some(CreateAccountCapabilitiesCardPayments {
        requested: Some(true),
    });
    capabilities.transfers = Some(CreateAccountCapabilitiesTransfers {
        requested: Some(true),
    });
    let mut profile = CreateAccountBusinessProfile::new();
    profile.name = Some(merchant.business_name.clone());
    profile.url = merchant.website.clone();
    profile.support_email = Some(merchant.email.clone());

    let account = CreateAccount::new()
        .country(merchant.country.as_str())
        .email(merchant.email.as_str())
        .controller(controller)
        .capabilities(capabilities)
        .business_profile(profile)
        .metadata(HashMap::from([(
            "comptoir_merchant_id".to_string(),
            merchant.id.clone(),
        )]))
        .customize()
        .request_strategy(idempotency_key(format!(
            "comptoir-{}-account",
            merchant.id
        ))?)
        .send(&stripe)
        .await?;

    let now = services.clock.now();
    sqlx::query(
        "UPDATE merchants SET stripe_account_id = $1, connection = $2, connected_at = $3, disconnected_at = NULL \
         WHERE id = $4 AND stripe_account_id IS NULL",
    )
    .bind(account.id.as_str())
    .bind(Connection::AccountLink.as_str())
    .bind(now)
    .bind(&merchant.id)
    .execute(services.db.pool())
    .await?;
    sync_status_from_account(&services.db, &account, now).await?;
    repo::find_by_id(&services.db, &merchant.id)
        .await?
        .ok_or(MerchantError::NotConnected)
}

/// A fresh Account Link into Stripe's hosted onboarding. Links are single-use and expire in
/// minutes, so one is made each time the merchant is sent there.
pub async fn onboarding_link(
    services: &Services,
    merchant: &Merchant,
) -> Result<String, MerchantError> {
    if merchant.connection == Some(Connection::OAuth) {
        return Err(MerchantError::Invalid(
            "This Stripe account was connected by OAuth; its owner manages it in their Stripe Dashboard.".into(),
        ));
    }
    if merchant.disconnected_at.is_some() {
        return Err(MerchantError::NotConnected);
    }
    let merchant = ensure_connected_account(services, merchant).await?;
    let account = merchant
        .stripe_account_id
        .as_deref()
        .ok_or(MerchantError::NotConnected)?;
    let link = CreateAccountLink::new(account, CreateAccountLinkType::AccountOnboarding)
        .refresh_url(services.url("/dashboard/onboarding/refresh"))
        .return_url(services.url("/dashboard/onboarding/return"))
        .send(&services.stripe()?)
        .await?;
    Ok(link.url)
}

/// Re-reads the account from Stripe and stores its status; returns the updated merchant.
pub async fn refresh_status(
    services: &Services,
    merchant: &Merchant,
) -> Result<Merchant, MerchantError> {
    let account_id = merchant
        .stripe_account_id
        .as_deref()
        .ok_or(MerchantError::NotConnected)?;
    let account = RetrieveAccount::new(account_id)
        .send(&services.stripe()?)
        .await?;
    sync_status_from_account(&services.db, &account, services.clock.now()).await?;
    repo::find_by_id(&services.db, &merchant.id)
        .await?
        .ok_or(MerchantError::NotConnected)
}

/// Stores what `account` says about onboarding on the merchant that owns it. Returns whether a
/// merchant was updated (an account Comptoir does not know is ignored).
pub async fn sync_status_from_account(
    db: &Db,
    account: &Account,
    now: i64,
) -> Result<bool, MerchantError> {
    let requirements = account.requirements.as_ref();
    let mut due: Vec<String> = requirements
        .and_then(|r| r.currently_due.clone())
        .unwrap_or_default();
    for item in requirements
        .and_then(|r| r.past_due.clone())
        .unwrap_or_default()
    {
        if !due.contains(&item) {
            due.push(item);
        }
    }
    let disabled_reason = requirements
        .and_then(|r| r.disabled_reason.as_ref())
        .map(|r| r.as_str().to_string());
    let updated = sqlx::query(
        "UPDATE merchants SET details_submitted = $1, charges_enabled = $2, payouts_enabled = $3, \
         requirements_due = $4, disabled_reason = $5, status_checked_at = $6 WHERE stripe_account_id = $7",
    )
    .bind(i64::from(account.details_submitted.unwrap_or(false)))
    .bind(i64::from(account.charges_enabled.unwrap_or(false)))
    .bind(i64::from(account.payouts_enabled.unwrap_or(false)))
    .bind(serde_json::to_string(&due).unwrap_or_else(|_| "[]".into()))
    .bind(disabled_reason)
    .bind(now)
    .bind(account.id.as_str())
    .execute(db.pool())
    .await?;
    Ok(updated.rows_affected() > 0)
}

fn state_hash(state: &str) -> String {
    hex::encode(Sha256::digest(state.as_bytes()))
}

/// The URL that sends the merchant to Stripe to connect an existing account. The `state` in it is
/// single-use, bound to this merchant, and expires after [`OAUTH_STATE_TTL_SECS`].
pub async fn begin_oauth(
    services: &Services,
    merchant: &Merchant,
) -> Result<String, MerchantError> {
    if merchant.is_connected() {
        return Err(MerchantError::AlreadyConnected);
    }
    let settings = services.settings();
    let client_id = settings.connect_client_id.clone().ok_or_else(|| {
        MerchantError::Invalid("The platform has not set its Connect client id yet.".into())
    })?;
    let stripe = services.stripe()?;
    let state = hex::encode(rand::random::<[u8; 32]>());
    let now = services.clock.now();
    sqlx::query("DELETE FROM oauth_states WHERE expires_at <= $1")
        .bind(now)
        .execute(services.db.pool())
        .await?;
    sqlx::query(
        "INSERT INTO oauth_states (state_hash, merchant_id, expires_at) VALUES ($1, $2, $3)",
    )
    .bind(state_hash(&state))
    .bind(&merchant.id)
    .bind(now + OAUTH_STATE_TTL_SECS)
    .execute(services.db.pool())
    .await?;
    Ok(oauth::authorize_url(
        &stripe.endpoints().connect_base,
        &client_id,
        settings.oauth_scope,
        &services.url("/connect/oauth/callback"),
        &state,
        Some(&merchant.email),
    ))
}

/// Finishes the OAuth flow: checks `state`, exchanges `code`, stores the account.
pub async fn complete_oauth(
    services: &Services,
    merchant: &Merchant,
    code: &str,
    state: &str,
) -> Result<Merchant, MerchantError> {
    let now = services.clock.now();
    let consumed = sqlx::query(
        "DELETE FROM oauth_states WHERE state_hash = $1 AND merchant_id = $2 AND expires_at > $3",
    )
    .bind(state_hash(state))
    .bind(&merchant.id)
    .bind(now)
    .execute(services.db.pool())
    .await?;
    if consumed.rows_affected() != 1 {
        return Err(MerchantError::BadState);
    }
    if merchant.is_connected() {
        return Err(MerchantError::AlreadyConnected);
    }
    let connection = oauth::exchange_code(&services.stripe()?, code)
        .await
        .map_err(|e| match e {
            oauth::OAuthError::Refused { description, .. } => MerchantError::OAuth(description),
            oauth::OAuthError::Transport(e) => MerchantError::Stripe(e),
        })?;
    if let Some(other) = repo::find_by_account(&services.db, &connection.stripe_user_id).await?
        && other.id != merchant.id
    {
        return Err(MerchantError::OAuth(
            "This Stripe account is already connected to another merchant.".into(),
        ));
    }
    sqlx::query(
        "UPDATE merchants SET stripe_account_id = $1, connection = $2, oauth_scope = $3, connected_at = $4, \
         disconnected_at = NULL, details_submitted = 0, charges_enabled = 0, payouts_enabled = 0 \
         WHERE id = $5",
    )
    .bind(&connection.stripe_user_id)
    .bind(Connection::OAuth.as_str())
    .bind(&connection.scope)
    .bind(now)
    .bind(&merchant.id)
    .execute(services.db.pool())
    .await?;
    let merchant = repo::find_by_id(&services.db, &merchant.id)
        .await?
        .ok_or(MerchantError::NotConnected)?;
    refresh_status(services, &merchant).await
}

/// The merchant disconnects their OAuth-connected account from the platform.
pub async fn disconnect(
    services: &Services,
    merchant: &Merchant,
) -> Result<Merchant, MerchantError> {
    let account = merchant
        .stripe_account_id
        .as_deref()
        .ok_or(MerchantError::NotConnected)?;
    if merchant.connection != Some(Connection::OAuth) {
        return Err(MerchantError::Invalid(
            "Accounts created by the platform stay with it; only OAuth connections can be removed."
                .into(),
        ));
    }
    let client_id = services
        .settings()
        .connect_client_id
        .clone()
        .unwrap_or_default();
    match oauth::deauthorize(&services.stripe()?, &client_id, account).await {
        Ok(()) => {}
        // Already revoked from the other side: the outcome is the same.
        Err(oauth::OAuthError::Refused { error, .. }) if error == "invalid_client" => {}
        Err(oauth::OAuthError::Refused { description, .. }) => {
            return Err(MerchantError::OAuth(description));
        }
        Err(oauth::OAuthError::Transport(e)) => return Err(e.into()),
    }
    mark_deauthorized(
        &services.db,
        account,
        services.clock.now(),
        services.clock.now(),
    )
    .await?;
    repo::find_by_id(&services.db, &merchant.id)
        .await?
        .ok_or(MerchantError::NotConnected)
}

/// Records that the platform lost access to `account` (from either side). An event older than
/// the current connection (a reconnect happened since) changes nothing.
pub async fn mark_deauthorized(
    db: &Db,
    account: &str,
    event_created: i64,
    now: i64,
) -> Result<bool, MerchantError> {
    let updated = sqlx::query(
        "UPDATE merchants SET disconnected_at = $1, charges_enabled = 0, payouts_enabled = 0 \
         WHERE stripe_account_id = $2 AND disconnected_at IS NULL AND (connected_at IS NULL OR connected_at <= $3)",
    )
    .bind(now)
    .bind(account)
    .bind(event_created)
    .execute(db.pool())
    .await?;
    Ok(updated.rows_affected() > 0)
}
