//! Comptoir's business, apart from any web framework: storage, logins, the Stripe gateway, the
//! webhook inbox, orders, the commerce mirror and embed sessions. Leptos never appears here; the
//! server and the app's server functions call into it.

pub mod auth;
pub mod catalog;
pub mod checkout;
pub mod client_ip;
pub mod clock;
pub mod crypto;
pub mod db;
pub mod embed;
pub mod merchants;
pub mod mirror;
pub mod orders;
pub mod outbox;
pub mod private_files;
pub mod secret;
pub mod services;
pub mod sessions;
pub mod settings;
pub mod stripe;
#[cfg(any(test, feature = "testing"))]
pub mod testing;
pub mod webhooks;

pub use clock::{Clock, Timestamp};
pub use db::{Backend, Db, DbError};
pub use secret::Secret;
pub use services::Services;
