//! Checkout: Checkout Sessions (`/v1/checkout/sessions`, `payment` mode) and the flow that
//! completes them, shared by the hosted page, the embedded page and the test helper. Pages are in
//! [`crate::pages::checkout`].

pub mod flow;
pub mod sessions;

use axum::Router;

use crate::app::AppState;

/// Routes of the family under `/v1`.
pub fn router() -> Router<AppState> {
    sessions::router()
}
