//! Comptoir's server: configuration, the axum router around the Leptos app, start-up and the
//! command line. `main.rs` only parses arguments and calls in here, so tests can start the same
//! server on a free port.

pub mod cli;
pub mod config;
pub mod routes;
pub mod security;
pub mod startup;
pub mod state;
pub mod stripe_setup;
pub mod sync_command;
pub mod telemetry;
