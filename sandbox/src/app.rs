//! Shared application state (`AppState`), the write transaction (`Tx`) handlers mutate state
//! through, and the assembly of every router into one.

use std::ops::{Deref, DerefMut};
use std::sync::{Arc, Mutex, MutexGuard, RwLock};

use axum::Router;
use axum::middleware;
use serde_json::Value;
use tokio::sync::Notify;
use tokio_util::sync::CancellationToken;

use crate::clock::Clock;
use crate::config::{DeliveryKnobs, FaultConfig, SandboxConfig};
use crate::store::State;
use crate::wire::{auth, context, idempotency};

/// Everything the sandbox shares between requests and background workers.
#[derive(Debug)]
pub struct Inner {
    /// Configuration given at creation.
    pub config: SandboxConfig,
    /// The advanceable clock.
    pub clock: Clock,
    state: Mutex<State>,
    /// Current fault injection.
    pub faults: RwLock<FaultConfig>,
    /// Current delivery knobs.
    pub knobs: RwLock<DeliveryKnobs>,
    base_url: RwLock<String>,
    /// Wakes the webhook delivery worker.
    pub wake_delivery: Notify,
    /// Wakes the scheduler.
    pub wake_scheduler: Notify,
    /// Tells the persistence worker that state changed.
    pub wake_persist: Notify,
    /// Cancelled on shutdown.
    pub shutdown: CancellationToken,
}

/// Cheap handle on [`Inner`]; the axum state of every router.
#[derive(Clone, Debug)]
pub struct AppState(pub Arc<Inner>);

impl Deref for AppState {
    type Target = Inner;
    fn deref(&self) -> &Inner {
        &self.0
    }
}

impl AppState {
    /// A new state from a configuration and an initial store.
    pub fn new(config: SandboxConfig, state: State, clock_offset_ms: i64) -> Self {
        let faults = RwLock::new(config.faults.clone());
        let knobs = RwLock::new(config.delivery.clone());
        let base = config
            .public_url
            .clone()
            .unwrap_or_else(|| "http://127.0.0.1/".into());
        Self(Arc::new(Inner {
            clock: Clock::with_offset_ms(clock_offset_ms),
            state: Mutex::new(state),
            faults,
            knobs,
            base_url: RwLock::new(normalize_base(&base)),
            wake_delivery: Notify::new(),
            wake_scheduler: Notify::new(),
            wake_persist: Notify::new(),
            shutdown: CancellationToken::new(),
            config,
        }))
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        // A panic inside a handler must not take the whole sandbox down with it.
        self.state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Runs `f` with shared access to the state. Never hold it across an `.await`.
    pub fn read<R>(&self, f: impl FnOnce(&State) -> R) -> R {
        f(&self.lock())
    }

    /// Runs `f` in a write transaction; afterwards wakes the delivery worker if events were
    /// emitted and schedules a save.
    pub fn write<R>(&self, f: impl FnOnce(&mut Tx<'_>) -> R) -> R {
        let (result, emitted, scheduled, dirty) = {
            let mut guard = self.lock();
            let mut tx = Tx {
                state: &mut guard,
                app: self,
                emitted: 0,
                scheduled: 0,
                dirty: false,
            };
            let result = f(&mut tx);
            (result, tx.emitted, tx.scheduled, tx.dirty)
        };
        if emitted > 0 {
            self.wake_delivery.notify_one();
        }
        if scheduled > 0 {
            self.wake_scheduler.notify_one();
        }
        if dirty {
            self.wake_persist.notify_one();
        }
        result
    }

    /// Base URL of hosted pages, with a trailing slash.
    pub fn base_url(&self) -> String {
        self.base_url.read().map(|s| s.clone()).unwrap_or_default()
    }

    /// Sets the base URL once the listener is bound (ignored when `public_url` is configured).
    pub fn set_bound_url(&self, url: &str) {
        if self.config.public_url.is_some() {
            return;
        }
        if let Ok(mut base) = self.base_url.write() {
            *base = normalize_base(url);
        }
    }

    /// Current fault configuration.
    pub fn faults(&self) -> FaultConfig {
        self.faults.read().map(|f| f.clone()).unwrap_or_default()
    }

    /// Current delivery knobs.
    pub fn knobs(&self) -> DeliveryKnobs {
        self.knobs.read().map(|k| k.clone()).unwrap_or_default()
    }

    /// Replaces the whole state (reset / load).
    pub fn replace_state(&self, state: State) {
        *self.lock() = state;
        self.wake_persist.notify_one();
    }

    /// Serializes the state and the clock offset for the state file.
    pub fn snapshot(&self) -> serde_json::Result<String> {
        let guard = self.lock();
        let doc = serde_json::json!({
            "version": 1,
            "clock_offset_ms": self.clock.offset_ms(),
            "state": &*guard,
        });
        serde_json::to_string(&doc)
    }
}

fn normalize_base(url: &str) -> String {
    if url.ends_with('/') {
        url.to_owned()
    } else {
        format!("{url}/")
    }
}

/// A write transaction: the locked state plus the helpers handlers need (clock, events).
pub struct Tx<'a> {
    state: &'a mut State,
    /// The application.
    pub app: &'a AppState,
    emitted: usize,
    scheduled: usize,
    dirty: bool,
}

impl Deref for Tx<'_> {
    type Target = State;
    fn deref(&self) -> &State {
        self.state
    }
}

impl DerefMut for Tx<'_> {
    fn deref_mut(&mut self) -> &mut State {
        self.dirty = true;
        self.state
    }
}

impl Tx<'_> {
    /// Sandbox time in unix seconds.
    pub fn now(&self) -> i64 {
        self.app.clock.now()
    }

    /// Emits an event on `account` (see [`crate::events::emit`]); returns its id.
    pub fn emit(
        &mut self,
        account: &str,
        event_type: &str,
        object: Value,
        previous: Option<Value>,
    ) -> String {
        self.emitted += 1;
        crate::events::emit(self, account, event_type, object, previous)
    }

    /// Schedules an action at sandbox time `due` (see [`crate::scheduler`]); returns its id.
    pub fn schedule(&mut self, due: i64, kind: &str, target: &str, data: Value) -> u64 {
        self.scheduled += 1;
        crate::scheduler::push(self, due, kind, target, data)
    }

    /// Counts an emission done outside [`Tx::emit`] so the delivery worker is woken.
    pub(crate) fn note_emitted(&mut self) {
        self.emitted += 1;
    }
}

/// The complete router, all under the request-id layer: the `/v1` API (resource routers use
/// paths relative to `/v1`; layers run faults → auth → idempotency → latency → handler),
/// `/oauth`, hosted pages and `/_sandbox` control.
pub fn router(app: AppState) -> Router {
    let v1 = crate::api_router()
        .fallback(unrecognized)
        .layer(middleware::from_fn_with_state(
            app.clone(),
            crate::faults::latency_layer,
        ))
        .layer(middleware::from_fn_with_state(
            app.clone(),
            idempotency::layer,
        ))
        .layer(middleware::from_fn_with_state(app.clone(), auth::layer))
        .layer(middleware::from_fn_with_state(
            app.clone(),
            crate::faults::layer,
        ))
        .layer(middleware::from_fn(stripe_headers));
    Router::new()
        .nest("/v1", v1)
        .merge(crate::oauth::router())
        .merge(crate::pages::router())
        .merge(crate::control::router())
        .layer(middleware::from_fn(context::request_id_layer))
        .with_state(app)
}

async fn unrecognized(
    method: axum::http::Method,
    uri: axum::extract::OriginalUri,
) -> crate::wire::error::ApiError {
    crate::wire::error::ApiError::unrecognized_url(method.as_str(), uri.0.path())
}

/// Echoes `Stripe-Version` and `Stripe-Account` like Stripe, and sets the JSON content type.
async fn stripe_headers(
    req: axum::extract::Request,
    next: middleware::Next,
) -> axum::response::Response {
    let version = req
        .headers()
        .get("stripe-version")
        .cloned()
        .unwrap_or_else(|| axum::http::HeaderValue::from_static(crate::API_VERSION));
    let account = req.headers().get("stripe-account").cloned();
    let mut response = next.run(req).await;
    let headers = response.headers_mut();
    headers.insert("stripe-version", version);
    if let Some(account) = account {
        headers.insert("stripe-account", account);
    }
    response
}
