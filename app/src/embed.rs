//! Embedding, from the Leptos side: the server function a merchant's page calls for a client
//! secret (its `fetchClientSecret`), and the platform admin's server functions for API keys and
//! the payment method defaults of all merchants. Wire types only; the work is in
//! `domain::embed`.

use std::collections::BTreeMap;

use leptos::{prelude::*, server_fn::codec::Json};
use serde::{Deserialize, Serialize};

use crate::error::AppError;

/// A component a page wants in its AccountSession, enabled, with the features it sets (the
/// others take Stripe's defaults).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct ComponentRequest {
    /// Stripe's component name: `payments`, `payouts`, `account_onboarding`, …
    pub name: String,
    #[serde(default)]
    pub features: BTreeMap<String, bool>,
}

impl ComponentRequest {
    pub fn new(name: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            features: BTreeMap::new(),
        }
    }

    /// Sets one feature (`refund_management`, …).
    pub fn feature(mut self, name: impl Into<String>, on: bool) -> Self {
        self.features.insert(name.into(), on);
        self
    }
}

/// A client secret for the logged-in merchant's own account, with `components` enabled.
/// `account`, when given, must be that account: any other is refused (403). Unknown components
/// or features are refused with Stripe's message (422).
#[server(endpoint = "embed/account_session", input = Json)]
pub async fn create_account_session(
    components: Vec<ComponentRequest>,
    account: Option<String>,
) -> Result<String, AppError> {
    use domain::embed::{self, ComponentsRequest, SessionCreator};
    let merchant = crate::ssr::require_merchant().await?;
    let own = match merchant.stripe_account_id.as_deref() {
        Some(own) if merchant.is_connected() => own,
        _ => {
            return Err(AppError::Invalid(
                "Connect a Stripe account before using the widgets.".into(),
            ));
        }
    };
    if account.as_deref().is_some_and(|a| a != own) {
        return Err(AppError::Forbidden);
    }
    let request = ComponentsRequest::from_list(components.iter().map(|c| {
        (
            c.name.as_str(),
            c.features.iter().map(|(f, on)| (f.as_str(), *on)).collect(),
        )
    }))
    .map_err(embed_error)?;
    let services = crate::ssr::services()?;
    let session = embed::create_account_session(
        &services,
        own,
        &request,
        SessionCreator::Merchant(&merchant.id),
    )
    .await
    .map_err(embed_error)?;
    session["client_secret"]
        .as_str()
        .map(str::to_string)
        .ok_or_else(|| crate::ssr::internal("an AccountSession without a client secret"))
}

#[cfg(feature = "ssr")]
fn embed_error(e: domain::embed::EmbedError) -> AppError {
    if e.is_internal() {
        return crate::ssr::internal(e);
    }
    let body = e.body();
    match body.status {
        401 => AppError::Unauthorized,
        403 => AppError::Forbidden,
        404 => AppError::NotFound,
        status => {
            if status >= 500 {
                tracing::warn!(error = %e, "an embed call to Stripe failed");
            }
            AppError::Invalid(body.message)
        }
    }
}

/// An API key as the admin's list shows it (never the key itself).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiKeyRow {
    pub id: String,
    pub name: String,
    /// The key's first characters, e.g. `cpk_Ab12Cd`.
    pub prefix: String,
    pub created_at: i64,
    pub last_used_at: Option<i64>,
    pub revoked: bool,
}

/// A key just created: the only answer that carries the key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CreatedApiKey {
    pub key: ApiKeyRow,
    pub secret: String,
}

#[cfg(feature = "ssr")]
impl From<domain::embed::api_keys::ApiKey> for ApiKeyRow {
    fn from(k: domain::embed::api_keys::ApiKey) -> Self {
        ApiKeyRow {
            revoked: k.is_revoked(),
            id: k.id,
            name: k.name,
            prefix: k.prefix,
            created_at: k.created_at,
            last_used_at: k.last_used_at,
        }
    }
}

#[server(endpoint = "admin/api_keys")]
pub async fn list_api_keys() -> Result<Vec<ApiKeyRow>, AppError> {
    crate::ssr::require_role(domain::auth::Role::Admin).await?;
    let keys = domain::embed::api_keys::list(&crate::ssr::services()?.db)
        .await
        .map_err(embed_error)?;
    Ok(keys.into_iter().map(ApiKeyRow::from).collect())
}

/// Creates a key; its secret is in this answer and nowhere else, ever.
#[server(endpoint = "admin/api_keys/create")]
pub async fn create_api_key(name: String) -> Result<CreatedApiKey, AppError> {
    let admin = crate::ssr::require_role(domain::auth::Role::Admin).await?;
    let services = crate::ssr::services()?;
    let made =
        domain::embed::api_keys::create(&services.db, &services.clock, &name, Some(&admin.id.0))
            .await
            .map_err(embed_error)?;
    Ok(CreatedApiKey {
        secret: made.secret.expose().to_string(),
        key: made.key.into(),
    })
}

#[server(endpoint = "admin/api_keys/revoke")]
pub async fn revoke_api_key(id: String) -> Result<ApiKeyRow, AppError> {
    crate::ssr::require_role(domain::auth::Role::Admin).await?;
    let services = crate::ssr::services()?;
    Ok(
        domain::embed::api_keys::revoke(&services.db, &services.clock, &id)
            .await
            .map_err(embed_error)?
            .into(),
    )
}

/// One payment method's default for all merchants.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MethodDefault {
    pub method: String,
    /// `on_by_default`, `off_by_default` or `blocked`.
    pub setting: String,
}

/// The admin's payment method defaults page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PaymentMethodDefaultsView {
    /// Comptoir can change them (the embedded sandbox); on Stripe they are read-only here.
    pub editable: bool,
    /// Where to change them on Stripe.
    pub dashboard_url: Option<String>,
    pub methods: Vec<MethodDefault>,
}

#[cfg(feature = "ssr")]
fn defaults_view(
    defaults: domain::embed::payment_methods::PlatformDefaults,
) -> PaymentMethodDefaultsView {
    use domain::embed::payment_methods::PlatformDefaults;
    match defaults {
        PlatformDefaults::Sandbox(methods) => PaymentMethodDefaultsView {
            editable: true,
            dashboard_url: None,
            methods: methods
                .into_iter()
                .map(|(method, setting)| MethodDefault {
                    method,
                    setting: setting.as_str().to_string(),
                })
                .collect(),
        },
        PlatformDefaults::StripeDashboard(url) => PaymentMethodDefaultsView {
            editable: false,
            dashboard_url: Some(url),
            methods: Vec::new(),
        },
    }
}

#[server(endpoint = "admin/payment_methods")]
pub async fn payment_method_defaults() -> Result<PaymentMethodDefaultsView, AppError> {
    crate::ssr::require_role(domain::auth::Role::Admin).await?;
    let services = crate::ssr::services()?;
    Ok(defaults_view(
        domain::embed::payment_methods::platform_defaults(&services)
            .await
            .map_err(embed_error)?,
    ))
}

/// Saves the defaults form: `defaults[<method>]=on_by_default|off_by_default|blocked`.
#[server(endpoint = "admin/payment_methods/save")]
pub async fn save_payment_method_defaults(
    defaults: BTreeMap<String, String>,
) -> Result<PaymentMethodDefaultsView, AppError> {
    use domain::embed::payment_methods::{self, DefaultSetting};
    crate::ssr::require_role(domain::auth::Role::Admin).await?;
    let changes = defaults
        .into_iter()
        .map(|(method, setting)| {
            DefaultSetting::parse(&setting)
                .map(|s| (method.clone(), s))
                .ok_or_else(|| {
                    AppError::Invalid(format!(
                        "\"{setting}\" is not a setting for {method}: choose on by default, off by default or blocked."
                    ))
                })
        })
        .collect::<Result<Vec<_>, _>>()?;
    let services = crate::ssr::services()?;
    Ok(defaults_view(
        payment_methods::set_platform_defaults(&services, &changes)
            .await
            .map_err(embed_error)?,
    ))
}
