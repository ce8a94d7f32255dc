//! Payment methods: the payment-method-settings widget's view of the account's child payment
//! method configuration (each method's effective value, the account's preference, whether the
//! platform lets it be changed), preference changes, and the platform's defaults for all
//! merchants, which only the embedded sandbox lets Comptoir set (on Stripe they are a Dashboard
//! setting).

use serde::Serialize;
use serde_json::{Value, json};
use stripe_payment::payment_method_configuration::ListPaymentMethodConfiguration;

use super::{EmbedError, PAYMENT_METHOD_COMPONENTS, WidgetScope, on_sandbox, stripe_json};
use crate::{
    Services,
    stripe::{StripeApi, StripeError},
};

/// Where a platform sets its payment method defaults on Stripe.
pub const STRIPE_DASHBOARD_URL: &str =
    "https://dashboard.stripe.com/settings/connect/payment_methods";

/// One method of a configuration.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MethodSetting {
    #[serde(rename = "type")]
    pub kind: String,
    /// What applies now: `on` or `off`.
    pub value: String,
    /// The account's own choice: `on`, `off` or `none` (follow the platform).
    pub preference: String,
    /// False when the platform blocked the method.
    pub overridable: bool,
    /// On, and the account can take payments with it.
    pub available: bool,
}

/// `GET /widget/v1/payment_method_settings`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PaymentMethodSettings {
    pub configuration: String,
    pub methods: Vec<MethodSetting>,
}

fn render(configuration: &Value) -> PaymentMethodSettings {
    let methods = configuration
        .as_object()
        .map(|fields| {
            fields
                .iter()
                .filter(|(_, v)| v.get("display_preference").is_some())
                .map(|(kind, v)| {
                    let preference = &v["display_preference"];
                    MethodSetting {
                        kind: kind.clone(),
                        value: preference["value"].as_str().unwrap_or("off").to_string(),
                        preference: preference["preference"]
                            .as_str()
                            .unwrap_or("none")
                            .to_string(),
                        // Stripe leaves it null where nothing can block (a platform's own).
                        overridable: preference["overridable"].as_bool().unwrap_or(true),
                        available: v["available"] == true,
                    }
                })
                .collect()
        })
        .unwrap_or_default();
    PaymentMethodSettings {
        configuration: configuration["id"].as_str().unwrap_or_default().to_string(),
        methods,
    }
}

/// The account's child of the platform's configuration (the one whose `parent` is set).
async fn child_configuration(stripe: &StripeApi, account: &str) -> Result<Value, EmbedError> {
    let list = stripe_json::send(
        stripe,
        &ListPaymentMethodConfiguration::new().limit(100),
        Some(account),
    )
    .await?;
    let configurations = list["data"].as_array().cloned().unwrap_or_default();
    configurations
        .iter()
        .find(|c| !c["parent"].is_null() && c["active"] != false)
        .or_else(|| configurations.iter().find(|c| c["is_default"] == true))
        .cloned()
        .ok_or_else(|| EmbedError::not_found("payment method configuration", account))
}

/// `GET /widget/v1/payment_method_settings`, read from Stripe (configurations are not mirrored).
pub async fn settings(
    services: &Services,
    scope: &WidgetScope,
) -> Result<PaymentMethodSettings, EmbedError> {
    scope.require_component(PAYMENT_METHOD_COMPONENTS)?;
    Ok(render(
        &child_configuration(&services.stripe()?, &scope.account).await?,
    ))
}

/// `POST /widget/v1/payment_method_settings`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PreferenceInput {
    /// The method (`sepa_debit`, …).
    #[serde(rename = "type")]
    pub kind: String,
    /// `on` or `off`.
    pub preference: String,
}

/// Sets the account's preference for one method; a method the platform blocked is refused with
/// 403 `blocked_by_platform` before Stripe is asked. Answers the settings after the change.
pub async fn set_preference(
    services: &Services,
    scope: &WidgetScope,
    input: &PreferenceInput,
) -> Result<PaymentMethodSettings, EmbedError> {
    scope.require_component(PAYMENT_METHOD_COMPONENTS)?;
    if !matches!(input.preference.as_str(), "on" | "off") {
        return Err(EmbedError::invalid_param(
            "parameter_invalid",
            "preference",
            "The preference is on or off.",
        ));
    }
    let stripe = services.stripe()?;
    let configuration = child_configuration(&stripe, &scope.account).await?;
    let current = render(&configuration);
    let method = current
        .methods
        .iter()
        .find(|m| m.kind == input.kind)
        .ok_or_else(|| {
            EmbedError::invalid_param(
                "parameter_invalid",
                "type",
                format!("Unknown payment method: {}", input.kind),
            )
        })?;
    if !method.overridable {
        return Err(EmbedError::BlockedByPlatform(method.kind.clone()));
    }
    // One parameter type per method in async-stripe: the key is taken from Stripe's own answer.
    let updated = stripe_json::post(
        &stripe,
        &format!("/payment_method_configurations/{}", current.configuration),
        &json!({ method.kind.as_str(): { "display_preference": { "preference": input.preference } } }),
        Some(&scope.account),
    )
    .await?;
    Ok(render(&updated))
}

/// A platform's setting for one method, for every merchant.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DefaultSetting {
    /// On unless the merchant turns it off.
    OnByDefault,
    /// Off unless the merchant turns it on.
    OffByDefault,
    /// Off, and merchants cannot turn it on.
    Blocked,
}

impl DefaultSetting {
    pub fn as_str(self) -> &'static str {
        match self {
            DefaultSetting::OnByDefault => "on_by_default",
            DefaultSetting::OffByDefault => "off_by_default",
            DefaultSetting::Blocked => "blocked",
        }
    }

    pub fn parse(value: &str) -> Option<Self> {
        match value {
            "on_by_default" => Some(Self::OnByDefault),
            "off_by_default" => Some(Self::OffByDefault),
            "blocked" => Some(Self::Blocked),
            _ => None,
        }
    }
}

/// The platform's payment method defaults, where they can be seen.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub enum PlatformDefaults {
    /// On the embedded sandbox: every method and its setting, by name.
    Sandbox(Vec<(String, DefaultSetting)>),
    /// On Stripe: set in the Dashboard, at this address.
    StripeDashboard(String),
}

/// The sandbox's own endpoint for defaults (Stripe has none: its Dashboard sets them).
fn sandbox_defaults_url(stripe: &StripeApi) -> Option<String> {
    let base = &stripe.endpoints().api_base;
    on_sandbox(base).then(|| format!("{base}_sandbox/payment_method_configurations/defaults"))
}

async fn sandbox_call(
    stripe: &StripeApi,
    url: &str,
    changes: Option<&[(String, DefaultSetting)]>,
) -> Result<PlatformDefaults, EmbedError> {
    let request = match changes {
        None => stripe.http().get(url),
        Some(changes) => {
            let body: serde_json::Map<String, Value> = changes
                .iter()
                .map(|(method, setting)| (method.clone(), json!(setting.as_str())))
                .collect();
            stripe.http().post(url).json(&body)
        }
    };
    let response = request
        .bearer_auth(stripe.secret_key().expose())
        .send()
        .await
        .map_err(|e| {
            StripeError::Network(
                if e.is_connect() {
                    "connection failed"
                } else {
                    "transport error"
                }
                .into(),
            )
        })?;
    let status = response.status().as_u16();
    let body: Value = response
        .json()
        .await
        .map_err(|e| StripeError::Decode(e.to_string()))?;
    if !(200..300).contains(&status) {
        let text = |k: &str| body["error"][k].as_str().map(str::to_string);
        return Err(StripeError::Api {
            status,
            kind: text("type").unwrap_or_else(|| "api_error".into()),
            code: text("code"),
            decline_code: None,
            message: text("message").unwrap_or_else(|| format!("HTTP {status}")),
            param: text("param"),
            request_id: None,
        }
        .into());
    }
    let mut methods: Vec<(String, DefaultSetting)> = body["defaults"]
        .as_object()
        .map(|defaults| {
            defaults
                .iter()
                .filter_map(|(m, s)| {
                    s.as_str()
                        .and_then(DefaultSetting::parse)
                        .map(|s| (m.clone(), s))
                })
                .collect()
        })
        .unwrap_or_default();
    methods.sort_by(|a, b| a.0.cmp(&b.0));
    Ok(PlatformDefaults::Sandbox(methods))
}

/// The platform's defaults: read from the sandbox, or where to set them on Stripe.
pub async fn platform_defaults(services: &Services) -> Result<PlatformDefaults, EmbedError> {
    let stripe = services.stripe()?;
    match sandbox_defaults_url(&stripe) {
        Some(url) => sandbox_call(&stripe, &url, None).await,
        None => Ok(PlatformDefaults::StripeDashboard(
            STRIPE_DASHBOARD_URL.into(),
        )),
    }
}

/// Sets defaults for all merchants. Sandbox only: on Stripe this is refused with 409
/// `dashboard_only` (the Dashboard is the only place for them).
pub async fn set_platform_defaults(
    services: &Services,
    changes: &[(String, DefaultSetting)],
) -> Result<PlatformDefaults, EmbedError> {
    let stripe = services.stripe()?;
    let Some(url) = sandbox_defaults_url(&stripe) else {
        return Err(EmbedError::Conflict {
            code: "dashboard_only",
            message: format!(
                "On Stripe, payment method defaults are set in the Dashboard: {STRIPE_DASHBOARD_URL}"
            ),
        });
    };
    if let Some((bad, _)) = changes
        .iter()
        .find(|(m, _)| m.is_empty() || !m.chars().all(|c| c.is_ascii_lowercase() || c == '_'))
    {
        return Err(EmbedError::invalid_param(
            "parameter_invalid",
            bad,
            format!("Unknown payment method: {bad}"),
        ));
    }
    sandbox_call(&stripe, &url, Some(changes)).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_method_of_a_configuration_is_rendered() {
        let settings = render(&json!({
            "id": "pmc_1", "object": "payment_method_configuration", "active": true, "parent": "pmc_0",
            "card": {"available": true, "display_preference": {"overridable": true, "preference": "none", "value": "on"}},
            "klarna": {"available": false, "display_preference": {"overridable": false, "preference": "none", "value": "off"}},
            "name": "Default",
        }));
        assert_eq!(settings.configuration, "pmc_1");
        assert_eq!(settings.methods.len(), 2);
        assert_eq!(settings.methods[0].kind, "card");
        assert!(settings.methods[0].available && settings.methods[0].overridable);
        assert!(!settings.methods[1].overridable);
        assert_eq!(
            serde_json::to_value(&settings.methods[1]).unwrap()["type"],
            "klarna"
        );
    }

    #[test]
    fn the_sandbox_is_told_from_stripe_by_its_base() {
        assert!(on_sandbox("http://127.0.0.1:4242/"));
        assert!(!on_sandbox("https://api.stripe.com/"));
        assert_eq!(
            DefaultSetting::parse("blocked"),
            Some(DefaultSetting::Blocked)
        );
        assert_eq!(DefaultSetting::parse("on"), None);
    }
}
