//! An offline, stateful stand-in for Stripe Connect that speaks Stripe's wire format: the `/v1`
//! API, Connect OAuth, hosted onboarding, signed webhooks with retries, and `/_sandbox` control
//! endpoints for tests. A resource is a module (model, `api.rs` with its routes and form
//! schema) under its area (`accounts/`, `payments/`, `checkout/`, …), mounted in `app.rs`, its
//! objects kept in `store.rs` and its events sent through `events.rs`.

// Stripe-shaped `json!` templates (charges, sessions) nest deeper than the default 128.
#![recursion_limit = "256"]

pub mod accounts;
pub mod app;
pub mod checkout;
pub mod clock;
pub mod config;
pub mod control;
pub mod events;
pub mod faults;
pub mod hooks;
pub mod ids;
pub mod oauth;
pub mod pages;
pub mod payment_method_configs;
pub mod payments;
pub mod persist;
pub mod platforms;
pub mod scheduler;
pub mod seed;
pub mod store;
pub mod stripe_js;
pub mod webhooks;
pub mod wire;

use std::net::SocketAddr;
use std::time::Duration;

use axum::Router;
use axum::serve::ListenerExt;
use serde_json::Value;
use tokio::task::JoinHandle;

pub use config::{DeliveryKnobs, FaultConfig, SandboxConfig};

use crate::app::AppState;
use crate::store::State;

/// The API version the sandbox reports when a request names none.
pub const API_VERSION: &str = "2026-10-28.endive";

/// Every `/v1` resource router (paths relative to `/v1`). Families add theirs here.
pub fn api_router() -> Router<AppState> {
    Router::new()
        .merge(accounts::router())
        .merge(events::router())
        .merge(webhooks::endpoints::router())
        .merge(payment_method_configs::router())
        .merge(payments::router())
        .merge(checkout::router())
}

/// Keys of a platform created in the sandbox.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PlatformKeys {
    /// `sk_test_…`.
    pub secret_key: String,
    /// `pk_test_…`.
    pub publishable_key: String,
    /// The platform's own `acct_…`.
    pub account_id: String,
    /// Connect client id `ca_…`.
    pub client_id: String,
}

/// What the sandbox keeps about an AccountSession (for a later claim endpoint).
#[derive(Clone, Debug, PartialEq)]
pub struct AccountSessionInfo {
    /// Connected account.
    pub account: String,
    /// Platform that created it.
    pub platform: String,
    /// The resolved `components` object.
    pub components: Value,
    /// `expires_at`.
    pub expires_at: i64,
    /// Already claimed.
    pub claimed: bool,
}

/// A sandbox: shared state behind an `Arc`; cheap to clone.
#[derive(Clone, Debug)]
pub struct Sandbox {
    app: AppState,
}

impl Sandbox {
    /// A sandbox with `config`, loading `state_file` when it exists (a corrupt file is logged
    /// and ignored).
    pub fn new(config: SandboxConfig) -> Self {
        let loaded = match config.state_file.as_deref().map(persist::load) {
            Some(Ok(loaded)) => loaded,
            Some(Err(e)) => {
                tracing::warn!(error = %e, "ignoring unreadable sandbox state file");
                None
            }
            None => None,
        };
        let (state, offset) = loaded.unwrap_or_else(|| (State::default(), 0));
        Self {
            app: AppState::new(config, state, offset),
        }
    }

    /// The complete router: `/v1`, `/oauth`, hosted pages and `/_sandbox`. Webhooks and
    /// scheduled actions only run with [`Sandbox::spawn_workers`] (done by [`Sandbox::start`]).
    pub fn router(&self) -> Router {
        app::router(self.app.clone())
    }

    /// The internal application state (for families' Rust-level helpers and tests).
    pub fn app(&self) -> &AppState {
        &self.app
    }

    /// Tells the sandbox its public base URL (used in hosted-page links) when embedding with
    /// [`Sandbox::router`]; ignored if `public_url` was configured.
    pub fn set_base_url(&self, url: &str) {
        self.app.set_bound_url(url);
    }

    /// Starts the background workers (webhook delivery, scheduler, persistence).
    pub fn spawn_workers(&self) -> Vec<JoinHandle<()>> {
        vec![
            tokio::spawn(webhooks::delivery::run(self.app.clone())),
            tokio::spawn(scheduler::run(self.app.clone())),
            tokio::spawn(persist::run(self.app.clone())),
        ]
    }

    /// Binds `addr` (port 0 picks one), serves the router and runs the workers.
    pub async fn start(config: SandboxConfig, addr: SocketAddr) -> std::io::Result<SandboxHandle> {
        let sandbox = Sandbox::new(config);
        let listener = tokio::net::TcpListener::bind(addr).await?;
        let addr = listener.local_addr()?;
        sandbox.app.set_bound_url(&format!("http://{addr}/"));
        let workers = sandbox.spawn_workers();
        let router = sandbox.router();
        let token = sandbox.app.shutdown.clone();
        let listener = listener.tap_io(|tcp| {
            // Without it, responses written in two parts wait for the peer's delayed ACK.
            let _ = tcp.set_nodelay(true);
        });
        let server = tokio::spawn(async move {
            let serve = axum::serve(
                listener,
                router.into_make_service_with_connect_info::<SocketAddr>(),
            )
            .with_graceful_shutdown(token.cancelled_owned());
            if let Err(e) = serve.await {
                tracing::error!(error = %e, "sandbox server stopped");
            }
        });
        Ok(SandboxHandle {
            sandbox,
            addr,
            server,
            workers,
        })
    }

    /// Creates a platform and returns its keys.
    pub fn create_platform(&self, name: &str) -> PlatformKeys {
        let p = self.app.write(|tx| platforms::create(tx, name, None));
        PlatformKeys {
            secret_key: p.secret_key,
            publishable_key: p.publishable_key,
            account_id: p.account_id,
            client_id: p.client_id,
        }
    }

    /// The keys of the oldest platform, if any (e.g. after loading a state file).
    pub fn first_platform(&self) -> Option<PlatformKeys> {
        self.app.read(|s| {
            s.platforms
                .values()
                .min_by_key(|p| (p.created, p.account_id.clone()))
                .map(|p| PlatformKeys {
                    secret_key: p.secret_key.clone(),
                    publishable_key: p.publishable_key.clone(),
                    account_id: p.account_id.clone(),
                    client_id: p.client_id.clone(),
                })
        })
    }

    /// Moves the sandbox clock forward and runs what became due.
    pub fn advance_clock(&self, by: Duration) {
        control::advance(&self.app, by);
    }

    /// Sandbox time, unix seconds.
    pub fn now(&self) -> i64 {
        self.app.clock.now()
    }

    /// Every event of every account, oldest first.
    pub fn events(&self) -> Vec<Value> {
        control::events(&self.app)
    }

    /// Replaces the fault injection settings.
    pub fn set_faults(&self, faults: FaultConfig) {
        if let Ok(mut f) = self.app.faults.write() {
            *f = faults;
        }
    }

    /// Replaces the webhook delivery knobs.
    pub fn set_delivery(&self, knobs: DeliveryKnobs) {
        if let Ok(mut k) = self.app.knobs.write() {
            *k = knobs;
        }
    }

    /// Makes every waiting webhook delivery due now.
    pub fn flush_webhooks(&self) -> usize {
        webhooks::delivery::flush(&self.app)
    }

    /// Looks an AccountSession up by its client secret.
    pub fn account_session(&self, client_secret: &str) -> Option<AccountSessionInfo> {
        self.app.read(|s| {
            s.account_sessions
                .get(client_secret)
                .map(|r| AccountSessionInfo {
                    account: r.account.clone(),
                    platform: r.platform.clone(),
                    components: r.components.clone(),
                    expires_at: r.expires_at,
                    claimed: r.claimed,
                })
        })
    }

    /// Claims an AccountSession once: `None` if unknown, expired or already claimed.
    pub fn claim_account_session(&self, client_secret: &str) -> Option<AccountSessionInfo> {
        let now = self.app.clock.now();
        let claimed = self.app.write(|tx| {
            let record = tx.account_sessions.get_mut(client_secret)?;
            if record.claimed || record.expires_at <= now {
                return None;
            }
            record.claimed = true;
            Some(())
        });
        claimed?;
        self.account_session(client_secret)
    }

    /// Writes the state file now.
    pub fn save_now(&self) -> std::io::Result<()> {
        persist::save(&self.app)
    }
}

/// A running sandbox.
#[derive(Debug)]
pub struct SandboxHandle {
    sandbox: Sandbox,
    addr: SocketAddr,
    server: JoinHandle<()>,
    workers: Vec<JoinHandle<()>>,
}

impl SandboxHandle {
    /// `http://127.0.0.1:PORT/` (with the trailing slash async-stripe wants).
    pub fn url(&self) -> String {
        format!("http://{}/", self.addr)
    }

    /// The bound address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The sandbox itself.
    pub fn sandbox(&self) -> &Sandbox {
        &self.sandbox
    }

    /// Creates a platform and returns its keys.
    pub fn create_platform(&self, name: &str) -> PlatformKeys {
        self.sandbox.create_platform(name)
    }

    /// Moves the sandbox clock forward and runs what became due.
    pub fn advance_clock(&self, by: Duration) {
        self.sandbox.advance_clock(by);
    }

    /// Every event of every account, oldest first.
    pub fn events(&self) -> Vec<Value> {
        self.sandbox.events()
    }

    /// Replaces the fault injection settings.
    pub fn set_faults(&self, faults: FaultConfig) {
        self.sandbox.set_faults(faults);
    }

    /// Replaces the webhook delivery knobs.
    pub fn set_delivery(&self, knobs: DeliveryKnobs) {
        self.sandbox.set_delivery(knobs);
    }

    /// Stops serving, stops the workers and writes the state file.
    pub async fn shutdown(self) {
        self.sandbox.app.shutdown.cancel();
        let _ = self.server.await;
        for worker in self.workers {
            let _ = worker.await;
        }
        if let Err(e) = self.sandbox.save_now() {
            tracing::warn!(error = %e, "could not save the sandbox state on shutdown");
        }
    }
}
