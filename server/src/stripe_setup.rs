//! Which Stripe Comptoir talks to, decided once at start:
//!
//! - **Stripe keys in the config** (`STRIPE_SECRET_KEY`, …): they are written into the platform
//!   settings (the config wins over what an admin saved) and used as they are.
//! - **No key** (the embedded default): the sandbox starts in-process on loopback, a platform is
//!   made (or found again in the persisted sandbox state), its webhook endpoints are registered
//!   to this server, and the settings are pre-filled with all of it.
//!
//! After this, nothing in Comptoir asks which of the two it is: only the base URLs differ.

use std::{path::PathBuf, time::Duration};

use anyhow::Context;
use domain::{
    Services,
    settings::PlatformSettings,
    stripe::{API_VERSION, StripeEndpoints},
};
use sandbox::{Sandbox, SandboxHandle};
use stripe_misc::webhook_endpoint::{
    CreateWebhookEndpoint, CreateWebhookEndpointEnabledEvents, DeleteWebhookEndpoint,
    ListWebhookEndpoint,
};

use crate::config::Config;

/// The in-process sandbox, when Comptoir runs on the embedded default.
pub struct EmbeddedSandbox {
    pub handle: SandboxHandle,
}

/// Applies the config's Stripe keys, or starts the embedded sandbox. `server_url` is where
/// this server's webhook route is reachable.
pub async fn prepare(
    config: &Config,
    services: &Services,
    server_url: &str,
    sandbox_overrides: Option<sandbox::SandboxConfig>,
) -> anyhow::Result<Option<EmbeddedSandbox>> {
    match &config.stripe.secret_key {
        Some(secret_key) => {
            let mut settings = (*services.settings()).clone();
            settings.secret_key = Some(secret_key.clone());
            if let Some(key) = &config.stripe.publishable_key {
                settings.publishable_key = Some(key.clone());
            }
            if let Some(secret) = &config.stripe.webhook_secret {
                settings.webhook_secrets = vec![secret.clone()];
            }
            if let Some(id) = &config.stripe.client_id {
                settings.connect_client_id = Some(id.clone());
            }
            settings.endpoints = StripeEndpoints {
                api_base: config.stripe.api_base.clone(),
                connect_base: config.stripe.connect_base.clone(),
            };
            settings.stripe_js_url = config.stripe.js_url.clone();
            services
                .update_settings(settings)
                .await
                .context("the Stripe settings from the configuration are not valid")?;
            Ok(None)
        }
        None => start_embedded(config, services, server_url, sandbox_overrides)
            .await
            .map(Some),
    }
}

async fn start_embedded(
    config: &Config,
    services: &Services,
    server_url: &str,
    overrides: Option<sandbox::SandboxConfig>,
) -> anyhow::Result<EmbeddedSandbox> {
    let mut sandbox_config = overrides.unwrap_or_default();
    if config.sandbox.persist && sandbox_config.state_file.is_none() {
        sandbox_config.state_file = Some(config.data_dir.join("sandbox.json"));
    }
    let handle = Sandbox::start(sandbox_config, config.sandbox.addr)
        .await
        .with_context(|| {
            format!(
                "could not start the embedded Stripe sandbox on {}",
                config.sandbox.addr
            )
        })?;
    let sandbox_url = handle.url();

    let stored = services.settings();
    // A persisted sandbox still knows the platform the settings name: keep using it.
    let keys = match (handle.sandbox().first_platform(), &stored.secret_key) {
        (Some(platform), Some(key)) if platform.secret_key == key.expose() => platform,
        _ => {
            let keys = handle.create_platform("Comptoir platform (sandbox)");
            enable_sepa_by_default(&sandbox_url, &keys.secret_key).await?;
            keys
        }
    };
    let mut settings = PlatformSettings {
        secret_key: Some(keys.secret_key.clone().into()),
        publishable_key: Some(keys.publishable_key.clone()),
        connect_client_id: Some(keys.client_id.clone()),
        endpoints: StripeEndpoints {
            api_base: sandbox_url.clone(),
            connect_base: sandbox_url.clone(),
        },
        stripe_js_url: format!("{sandbox_url}v3/"),
        ..(*stored).clone()
    };
    settings.webhook_secrets = Vec::new();
    services
        .update_settings(settings.clone())
        .await
        .context("could not store the sandbox settings")?;

    settings.webhook_secrets = register_webhooks(services, server_url).await?;
    services
        .update_settings(settings)
        .await
        .context("could not store the webhook secrets")?;
    Ok(EmbeddedSandbox { handle })
}

/// Turns SEPA Direct Debit on by default for the new sandbox platform's merchants, so the demo
/// offers it next to cards. On Stripe this is a Dashboard setting of the platform; the sandbox
/// exposes it as an endpoint of its own. The admin can change it afterwards.
async fn enable_sepa_by_default(sandbox_url: &str, secret_key: &str) -> anyhow::Result<()> {
    let response = reqwest::Client::new()
        .post(format!(
            "{sandbox_url}_sandbox/payment_method_configurations/defaults"
        ))
        .bearer_auth(secret_key)
        .json(&serde_json::json!({ "sepa_debit": "on_by_default" }))
        .send()
        .await
        .context("could not reach the sandbox to set payment method defaults")?;
    anyhow::ensure!(
        response.status().is_success(),
        "the sandbox refused the payment method defaults"
    );
    Ok(())
}

/// Replaces the platform's webhook endpoints with two pointing here: one for its own events,
/// one (`connect: true`) for its connected accounts'. Returns their signing secrets.
async fn register_webhooks(
    services: &Services,
    server_url: &str,
) -> anyhow::Result<Vec<domain::Secret>> {
    let stripe = services.stripe()?;
    let existing = ListWebhookEndpoint::new().limit(100).send(&stripe).await?;
    for endpoint in existing.data {
        DeleteWebhookEndpoint::new(endpoint.id)
            .send(&stripe)
            .await?;
    }
    let url = format!("{server_url}/webhooks/stripe");
    let mut secrets = Vec::new();
    for connect in [false, true] {
        let endpoint =
            CreateWebhookEndpoint::new(vec![CreateWebhookEndpointEnabledEvents::All], url.as_str())
                .connect(connect)
                .api_version(stripe_shared::ApiVersion::Unknown(API_VERSION.into()))
                .description(if connect {
                    "Comptoir: connected accounts"
                } else {
                    "Comptoir: platform"
                })
                .send(&stripe)
                .await
                .context("could not register the webhook endpoint with the sandbox")?;
        let secret = endpoint
            .secret
            .context("the sandbox returned no webhook secret")?;
        secrets.push(secret.into());
    }
    Ok(secrets)
}

/// Runs the sandbox alone (`comptoir sandbox`).
pub async fn run_sandbox_alone(
    addr: std::net::SocketAddr,
    state_file: Option<PathBuf>,
) -> anyhow::Result<()> {
    let config = sandbox::SandboxConfig {
        state_file,
        ..Default::default()
    };
    let handle = Sandbox::start(config, addr)
        .await
        .with_context(|| format!("could not start the sandbox on {addr}"))?;
    let keys = handle
        .sandbox()
        .first_platform()
        .unwrap_or_else(|| handle.create_platform("Sandbox platform"));
    println!("Stripe sandbox listening at {}", handle.url());
    println!("  secret key:      {}", keys.secret_key);
    println!("  publishable key: {}", keys.publishable_key);
    println!("  Connect client:  {}", keys.client_id);
    let _ = tokio::signal::ctrl_c().await;
    tokio::time::timeout(Duration::from_secs(10), handle.shutdown())
        .await
        .ok();
    Ok(())
}
