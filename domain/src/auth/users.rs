//! The `users` table: sign-up, log-in, lookup and the admin bootstrap.

use std::net::IpAddr;

use serde::{Deserialize, Serialize};
use sqlx::FromRow;

use super::{
    AuthError,
    password::{NewPassword, decoy_hash, verify_password},
    throttle::{self, OnSuccess, Scope},
};
use crate::{clock::Clock, db::Db};

#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct UserId(pub String);

impl std::fmt::Display for UserId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Operates the platform: settings, every merchant, every transaction.
    Admin,
    /// Works for one merchant (a connected account).
    Merchant,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Merchant => "merchant",
        }
    }

    fn from_db(value: &str) -> Self {
        if value == "admin" {
            Role::Admin
        } else {
            Role::Merchant
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EmailError {
    #[error("Enter an email address like name@example.com.")]
    Invalid,
}

/// An email address, trimmed and lowercased.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Email(String);

impl Email {
    pub fn parse(raw: &str) -> Result<Self, EmailError> {
        let email = raw.trim().to_lowercase();
        let valid = email.len() <= 254
            && !email.chars().any(char::is_whitespace)
            && match email.split_once('@') {
                Some((local, domain)) => {
                    !local.is_empty()
                        && domain.contains('.')
                        && !domain.starts_with('.')
                        && !domain.ends_with('.')
                        && !domain.contains('@')
                }
                None => false,
            };
        if valid {
            Ok(Self(email))
        } else {
            Err(EmailError::Invalid)
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for Email {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct User {
    pub id: UserId,
    pub email: Email,
    pub role: Role,
    pub created_at: i64,
}

#[derive(FromRow)]
struct UserRow {
    id: String,
    email: String,
    password_hash: String,
    role: String,
    created_at: i64,
}

impl UserRow {
    fn into_user(self) -> User {
        User {
            id: UserId(self.id),
            email: Email(self.email),
            role: Role::from_db(&self.role),
            created_at: self.created_at,
        }
    }
}

/// Creates a user. Fails with [`AuthError::EmailUnavailable`] when the email is taken.
pub async fn sign_up(
    db: &Db,
    clock: &Clock,
    email: &str,
    password: &str,
    role: Role,
) -> Result<User, AuthError> {
    insert_user(
        db.pool(),
        clock,
        &Email::parse(email)?,
        &NewPassword::parse(password)?,
        role,
    )
    .await
}

/// Inserts a user through `executor` (a pool or an open transaction).
pub async fn insert_user<'e, E: sqlx::Executor<'e, Database = sqlx::Any>>(
    executor: E,
    clock: &Clock,
    email: &Email,
    password: &NewPassword,
    role: Role,
) -> Result<User, AuthError> {
    let user = User {
        id: UserId(uuid::Uuid::new_v4().to_string()),
        email: email.clone(),
        role,
        created_at: clock.now(),
    };
    let inserted = sqlx::query(
        "INSERT INTO users (id, email, password_hash, role, created_at) VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(&user.id.0)
    .bind(user.email.as_str())
    .bind(password.hash())
    .bind(role.as_str())
    .bind(user.created_at)
    .execute(executor)
    .await;
    match inserted.map_err(crate::db::DbError::from) {
        Ok(_) => Ok(user),
        Err(e) if e.is_unique_violation() => Err(AuthError::EmailUnavailable),
        Err(e) => Err(e.into()),
    }
}

/// Checks an email and password, throttled per email and per client address (`client`, when
/// known): while either is locked, the attempt is refused with [`AuthError::TooManyAttempts`]
/// before the password is looked at, whether or not the email belongs to anyone. Every other
/// refusal is [`AuthError::InvalidCredentials`]. A success resets the email's count.
pub async fn log_in(
    db: &Db,
    clock: &Clock,
    email: &str,
    password: &str,
    client: Option<IpAddr>,
) -> Result<User, AuthError> {
    let account = throttle::email_key(email);
    let address = client.map(throttle::address_key);
    if let Some(address) = &address {
        throttle::begin(db, clock, Scope::LogInAddress, address).await?;
    }
    // An attempt refused here still counts against the address: it was a guess from there.
    throttle::begin(db, clock, Scope::LogInEmail, &account).await?;
    let checked = check_password(db, email, password).await;
    match &checked {
        Ok(_) => {
            throttle::succeeded(db, Scope::LogInEmail, &account, OnSuccess::Reset).await?;
            if let Some(address) = &address {
                throttle::succeeded(db, Scope::LogInAddress, address, OnSuccess::Forgive).await?;
            }
        }
        Err(AuthError::InvalidCredentials) => {
            throttle::failed(db, clock, Scope::LogInEmail, &account).await?;
            if let Some(address) = &address {
                throttle::failed(db, clock, Scope::LogInAddress, address).await?;
            }
        }
        // Not a guess that was answered (the database failed): take the attempt back.
        Err(_) => {
            let _ = throttle::succeeded(db, Scope::LogInEmail, &account, OnSuccess::Forgive).await;
            if let Some(address) = &address {
                let _ =
                    throttle::succeeded(db, Scope::LogInAddress, address, OnSuccess::Forgive).await;
            }
        }
    }
    checked
}

/// The password check itself. Every failure is [`AuthError::InvalidCredentials`].
async fn check_password(db: &Db, email: &str, password: &str) -> Result<User, AuthError> {
    let Ok(email) = Email::parse(email) else {
        verify_password(password, decoy_hash());
        return Err(AuthError::InvalidCredentials);
    };
    let row: Option<UserRow> = sqlx::query_as(
        "SELECT id, email, password_hash, role, created_at FROM users WHERE email = $1",
    )
    .bind(email.as_str())
    .fetch_optional(db.pool())
    .await?;
    match row {
        Some(row) if verify_password(password, &row.password_hash) => Ok(row.into_user()),
        Some(_) => Err(AuthError::InvalidCredentials),
        None => {
            verify_password(password, decoy_hash());
            Err(AuthError::InvalidCredentials)
        }
    }
}

pub async fn find_user(db: &Db, id: &UserId) -> Result<Option<User>, AuthError> {
    let row: Option<UserRow> = sqlx::query_as(
        "SELECT id, email, password_hash, role, created_at FROM users WHERE id = $1",
    )
    .bind(&id.0)
    .fetch_optional(db.pool())
    .await?;
    Ok(row.map(UserRow::into_user))
}

pub async fn count_admins(db: &Db) -> Result<i64, AuthError> {
    let count: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM users WHERE role = 'admin'")
        .fetch_one(db.pool())
        .await?;
    Ok(count)
}

/// Creates a platform admin, or, when the email already belongs to an admin, sets a new password.
/// Refuses an email that belongs to a merchant user.
pub async fn create_or_reset_admin(
    db: &Db,
    clock: &Clock,
    email: &str,
    password: &str,
) -> Result<User, AuthError> {
    let parsed = Email::parse(email)?;
    let new_password = NewPassword::parse(password)?;
    let existing: Option<UserRow> = sqlx::query_as(
        "SELECT id, email, password_hash, role, created_at FROM users WHERE email = $1",
    )
    .bind(parsed.as_str())
    .fetch_optional(db.pool())
    .await?;
    match existing {
        Some(row) if row.role == "admin" => {
            sqlx::query("UPDATE users SET password_hash = $1 WHERE id = $2")
                .bind(new_password.hash())
                .bind(&row.id)
                .execute(db.pool())
                .await?;
            Ok(row.into_user())
        }
        Some(_) => Err(AuthError::EmailUnavailable),
        None => sign_up(db, clock, email, password, Role::Admin).await,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails_are_normalised_and_checked() {
        assert_eq!(
            Email::parse("  Alice@Example.COM ").unwrap().as_str(),
            "alice@example.com"
        );
        for bad in [
            "",
            "alice",
            "alice@",
            "@example.com",
            "a b@example.com",
            "a@example",
            "a@.com",
        ] {
            assert!(Email::parse(bad).is_err(), "{bad} should be refused");
        }
    }
}
