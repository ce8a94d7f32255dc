//! The accounts family: accounts, account links, account sessions, login links, requirement
//! computation and the records behind them. OAuth lives in [`crate::oauth`], the hosted pages
//! in [`crate::pages`].

pub mod api;
pub mod links;
pub mod login_links;
pub mod model;
pub mod records;
pub mod requirements;
pub mod sessions;

use axum::Router;

use crate::app::AppState;

/// Routes of the family under `/v1`.
pub fn router() -> Router<AppState> {
    Router::new()
        .merge(api::router())
        .merge(links::router())
        .merge(sessions::router())
        .merge(login_links::router())
}
