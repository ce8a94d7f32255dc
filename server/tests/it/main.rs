//! The server's integration tests: each starts the real router on 127.0.0.1:0 with its own
//! database (SQLite file or fresh Postgres database) and talks HTTP to it.

mod embed_support;
mod helpers;

mod admin_transactions;
mod auth;
mod checkout;
mod cli;
mod connect;
mod hardening;
mod health;
mod mirror;
mod rest_api;
mod throttle;
mod webhooks;
mod widget_api;
