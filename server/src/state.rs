//! What every handler can reach.

use std::sync::Arc;

use axum::extract::FromRef;
use domain::Services;
use leptos::config::LeptosOptions;
use tokio::sync::Notify;

use crate::{config::Config, stripe_setup::EmbeddedSandbox};

#[derive(Clone)]
pub struct AppState {
    pub leptos_options: LeptosOptions,
    pub services: Services,
    pub config: Arc<Config>,
    /// Rung when a webhook is stored, so the worker processes it at once.
    pub webhook_wake: Arc<Notify>,
    pub sandbox: Option<Arc<EmbeddedSandbox>>,
}

impl FromRef<AppState> for LeptosOptions {
    fn from_ref(state: &AppState) -> Self {
        state.leptos_options.clone()
    }
}
