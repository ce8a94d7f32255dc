//! Logins: users with argon2 password hashes and one of two roles, sign-up and log-in rules.
//!
//! Messages never tell whether an email is registered: a failed log-in is always
//! [`AuthError::InvalidCredentials`], and an unknown email costs the same hashing time as a
//! wrong password. Guesses are throttled per email and per client address ([`throttle`]).

mod password;
pub mod throttle;
mod users;

pub use password::{NewPassword, PasswordError};
pub use users::{
    Email, EmailError, Role, User, UserId, count_admins, create_or_reset_admin, find_user,
    insert_user, log_in, sign_up,
};

use crate::db::DbError;

#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    #[error(transparent)]
    Email(#[from] EmailError),
    #[error(transparent)]
    Password(#[from] PasswordError),
    /// The email cannot be used to sign up. Worded so it does not confirm that an account exists.
    #[error("This email can't be used to sign up. If you already have an account, log in instead.")]
    EmailUnavailable,
    #[error("Email or password is incorrect.")]
    InvalidCredentials,
    /// Too many failures for this email or from this address: refused before any check.
    #[error(transparent)]
    TooManyAttempts(throttle::TooManyAttempts),
    #[error(transparent)]
    Db(#[from] DbError),
}

impl From<sqlx::Error> for AuthError {
    fn from(e: sqlx::Error) -> Self {
        Self::Db(e.into())
    }
}

impl From<throttle::ThrottleError> for AuthError {
    fn from(e: throttle::ThrottleError) -> Self {
        match e {
            throttle::ThrottleError::TooManyAttempts(t) => Self::TooManyAttempts(t),
            throttle::ThrottleError::Db(e) => Self::Db(e),
        }
    }
}
