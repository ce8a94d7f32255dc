//! The one error type server functions return: only what a person may read.

use leptos::server_fn::{
    codec::JsonEncoding,
    error::{FromServerFnError, ServerFnErrorErr},
};
use serde::{Deserialize, Serialize};

/// What went wrong, worded for the person at the keyboard. Internal failures are logged once on
/// the server and reach the browser only as [`AppError::Internal`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
pub enum AppError {
    /// The request was understood but refused; the message says what to change.
    #[error("{0}")]
    Invalid(String),
    #[error("Please log in to continue.")]
    Unauthorized,
    #[error("You don't have access to this page.")]
    Forbidden,
    #[error("We couldn't find that.")]
    NotFound,
    /// Too many failed attempts (log-in, sign-up): refused for a while; the message says how long.
    #[error("{0}")]
    TooManyAttempts(String),
    /// The request's body is over the server's limit; the message says the limit.
    #[error("{0}")]
    TooLarge(String),
    #[error("Something went wrong on our side. Please try again.")]
    Internal,
    /// The call did not reach the server function, or its answer could not be read.
    #[error("We couldn't reach the server. Check your connection and try again.")]
    Transport(String),
}

impl AppError {
    /// The HTTP status a server function's response carries for this error.
    pub fn status_code(&self) -> u16 {
        match self {
            AppError::Invalid(_) => 422,
            AppError::Unauthorized => 401,
            AppError::Forbidden => 403,
            AppError::NotFound => 404,
            AppError::TooManyAttempts(_) => 429,
            AppError::TooLarge(_) => 413,
            AppError::Internal | AppError::Transport(_) => 500,
        }
    }
}

impl FromServerFnError for AppError {
    type Encoder = JsonEncoding;

    fn from_server_fn_error(value: ServerFnErrorErr) -> Self {
        AppError::Transport(value.to_string())
    }
}
