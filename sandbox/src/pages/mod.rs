//! Browser pages the sandbox serves the way Stripe does: hosted onboarding (Account Links),
//! the Express dashboard (login links), and Checkout (hosted and embedded pages, 3D Secure,
//! receipts). OAuth consent lives in [`crate::oauth`]; the stripe.js stand-in in
//! [`crate::stripe_js`].

pub mod checkout;
pub mod express;
pub mod layout;
pub mod onboarding;

use axum::Router;

use crate::app::AppState;

/// Routes of the hosted pages.
pub fn router() -> Router<AppState> {
    Router::new()
        .merge(onboarding::router())
        .merge(express::router())
        .merge(checkout::router())
        .merge(crate::stripe_js::router())
}
