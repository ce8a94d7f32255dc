//! One module per routed page.

mod admin;
mod admin_embed;
mod auth;
pub(crate) mod dashboard;
mod home;
mod merchant;
mod not_found;
mod revenue;
mod shop;
mod sync;
mod transactions;

pub use admin::{AdminHomePage, MerchantsPage, SettingsPage};
pub use admin_embed::{ApiKeysPage, PaymentMethodDefaultsPage};
pub use auth::{LogInPage, SignUpPage};
pub use dashboard::{DashboardPaymentsPage, DashboardPayoutsPage, DashboardSettingsPage};
pub use home::HomePage;
pub use merchant::{MerchantHomePage, OnboardingReturnPage, ProductsPage};
pub use not_found::NotFoundPage;
pub use revenue::RevenuePage;
pub use shop::{OrderPage, StorefrontPage};
pub use sync::SyncPage;
pub use transactions::{CustomerPage, PaymentPage, TransactionsPage};
