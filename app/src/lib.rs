//! Comptoir's Leptos application: the routed pages, the components they share, the thin server
//! functions behind them and the wire types both sides agree on. Server-only code sits behind the
//! `ssr` feature; the browser build (`hydrate`) never sees the domain crate.

// Leptos views are deeply nested types; the widgets' detail views exceed the default limit.
#![recursion_limit = "256"]

pub mod admin;
pub mod auth;
pub mod calendar;
pub mod components;
pub mod embed;
pub mod error;
pub mod i18n;
pub mod merchant;
pub mod money;
pub mod pages;
pub mod revenue;
mod routes;
mod shell;
pub mod shop;
pub mod transactions;
pub mod widgets;

#[cfg(feature = "ssr")]
pub mod ssr;

pub use routes::App;
pub use shell::shell;
