//! Throttling of guesses: passwords per account and per client address, client secrets and API
//! keys per address, sign-ups per address. After [`Limit::max_failures`] failures within
//! [`Limit::window_secs`], a key is locked for [`Limit::lockout_secs`]: every attempt is then
//! refused with [`TooManyAttempts`] before anything is checked, so even the right password is
//! refused until the lock ends.
//!
//! The counters live in the database (`throttle_counters`), so several instances on one
//! database count together, and time is the [`Clock`]'s. Keys are stored as their SHA-256.
//! A key is any string: an email that belongs to nobody is counted and locked exactly like one
//! that does, so a lock tells nothing about which accounts exist.
//!
//! Two ways to count:
//! - [`begin`] counts the attempt before the check (for password checks, which are slow: a
//!   burst of parallel guesses cannot all pass a check that only counts finished failures),
//!   then [`failed`] or [`succeeded`] says how it ended.
//! - [`check`] then, on failure, [`record_failure`] (for cheap checks that legitimate clients
//!   make many of at once, like API keys).

use std::net::IpAddr;

use sha2::{Digest, Sha256};

use crate::{
    clock::Clock,
    db::{Db, DbError},
};

/// How many failures a key may have, over how long, and how long it is then locked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limit {
    pub max_failures: i64,
    pub window_secs: i64,
    pub lockout_secs: i64,
}

const FIFTEEN_MINUTES: i64 = 15 * 60;

/// What is counted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// Failed log-ins for one email (known or not). A successful log-in resets it.
    LogInEmail,
    /// Failed log-ins from one client address, whatever the email.
    LogInAddress,
    /// Refused sign-ups from one client address.
    SignUpAddress,
    /// Claims of unknown client secrets from one client address.
    ClaimAddress,
    /// Unknown or revoked API keys from one client address.
    ApiKeyAddress,
}

impl Scope {
    pub fn name(self) -> &'static str {
        match self {
            Scope::LogInEmail => "log_in_email",
            Scope::LogInAddress => "log_in_address",
            Scope::SignUpAddress => "sign_up_address",
            Scope::ClaimAddress => "claim_address",
            Scope::ApiKeyAddress => "api_key_address",
        }
    }

    pub fn limit(self) -> Limit {
        let max_failures = match self {
            Scope::LogInEmail => 5,
            Scope::LogInAddress
            | Scope::SignUpAddress
            | Scope::ClaimAddress
            | Scope::ApiKeyAddress => 20,
        };
        Limit {
            max_failures,
            window_secs: FIFTEEN_MINUTES,
            lockout_secs: FIFTEEN_MINUTES,
        }
    }
}

/// The refusal while a key is locked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TooManyAttempts {
    /// Seconds until the lock ends (at least 1).
    pub retry_after_secs: i64,
}

impl TooManyAttempts {
    /// The wait in whole minutes, rounded up.
    pub fn minutes(&self) -> i64 {
        ((self.retry_after_secs + 59) / 60).max(1)
    }
}

impl std::fmt::Display for TooManyAttempts {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let minutes = self.minutes();
        let unit = if minutes == 1 { "minute" } else { "minutes" };
        write!(f, "Too many attempts, try again in {minutes} {unit}.")
    }
}

impl std::error::Error for TooManyAttempts {}

#[derive(Debug, thiserror::Error)]
pub enum ThrottleError {
    #[error(transparent)]
    TooManyAttempts(TooManyAttempts),
    #[error(transparent)]
    Db(#[from] DbError),
}

impl From<sqlx::Error> for ThrottleError {
    fn from(e: sqlx::Error) -> Self {
        Self::Db(e.into())
    }
}

/// The key of a client address: the address itself, or for IPv6 its /64 (one machine commonly
/// holds a whole /64).
pub fn address_key(address: IpAddr) -> String {
    match address {
        IpAddr::V4(v4) => v4.to_string(),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => v4.to_string(),
            None => {
                let s = v6.segments();
                format!("{:x}:{:x}:{:x}:{:x}::/64", s[0], s[1], s[2], s[3])
            }
        },
    }
}

/// The key of an account: the email as typed, trimmed and lowercased (valid or not).
pub fn email_key(email: &str) -> String {
    email.trim().to_lowercase()
}

fn hash(key: &str) -> String {
    hex::encode(Sha256::digest(key.as_bytes()))
}

/// Refuses while `key` is locked in `scope`; counts nothing.
pub async fn check(db: &Db, clock: &Clock, scope: Scope, key: &str) -> Result<(), ThrottleError> {
    let locked_until: Option<Option<i64>> = sqlx::query_scalar(
        "SELECT locked_until FROM throttle_counters WHERE scope = $1 AND key_hash = $2",
    )
    .bind(scope.name())
    .bind(hash(key))
    .fetch_optional(db.pool())
    .await?;
    refuse_while_locked(locked_until.flatten(), clock.now())
}

/// Counts a failure that already happened (after [`check`]); the failure that reaches the
/// limit locks the key.
pub async fn record_failure(
    db: &Db,
    clock: &Clock,
    scope: Scope,
    key: &str,
) -> Result<(), ThrottleError> {
    let (failures, _) = bump(db, clock, scope, key).await?;
    if failures >= scope.limit().max_failures {
        lock(db, clock, scope, key).await?;
    }
    forget_old(db, clock).await
}

/// Counts an attempt before it is checked, as a failure until [`succeeded`] forgives it.
/// Refuses while the key is locked, and when attempts in flight would go past the limit.
pub async fn begin(db: &Db, clock: &Clock, scope: Scope, key: &str) -> Result<(), ThrottleError> {
    let now = clock.now();
    let (failures, locked_until) = bump(db, clock, scope, key).await?;
    refuse_while_locked(locked_until, now)?;
    if failures > scope.limit().max_failures {
        lock(db, clock, scope, key).await?;
        return Err(ThrottleError::TooManyAttempts(TooManyAttempts {
            retry_after_secs: scope.limit().lockout_secs,
        }));
    }
    Ok(())
}

/// An attempt counted by [`begin`] failed: the failure that reaches the limit locks the key.
pub async fn failed(db: &Db, clock: &Clock, scope: Scope, key: &str) -> Result<(), ThrottleError> {
    let failures: Option<i64> = sqlx::query_scalar(
        "SELECT failures FROM throttle_counters WHERE scope = $1 AND key_hash = $2",
    )
    .bind(scope.name())
    .bind(hash(key))
    .fetch_optional(db.pool())
    .await?;
    if failures.unwrap_or(0) >= scope.limit().max_failures {
        lock(db, clock, scope, key).await?;
    }
    forget_old(db, clock).await
}

/// What a success after [`begin`] does to the counter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OnSuccess {
    /// Every failure is forgotten (the account's owner proved who they are).
    Reset,
    /// Only this attempt is taken back (other people may share the address).
    Forgive,
}

/// An attempt counted by [`begin`] succeeded (or could not be checked).
pub async fn succeeded(
    db: &Db,
    scope: Scope,
    key: &str,
    then: OnSuccess,
) -> Result<(), ThrottleError> {
    let sql = match then {
        OnSuccess::Reset => "DELETE FROM throttle_counters WHERE scope = $1 AND key_hash = $2",
        OnSuccess::Forgive => {
            "UPDATE throttle_counters SET failures = failures - 1 \
             WHERE scope = $1 AND key_hash = $2 AND failures > 0"
        }
    };
    sqlx::query(sql)
        .bind(scope.name())
        .bind(hash(key))
        .execute(db.pool())
        .await?;
    Ok(())
}

fn refuse_while_locked(locked_until: Option<i64>, now: i64) -> Result<(), ThrottleError> {
    match locked_until {
        Some(until) if until > now => Err(ThrottleError::TooManyAttempts(TooManyAttempts {
            retry_after_secs: until - now,
        })),
        _ => Ok(()),
    }
}

/// Adds one failure (none while locked; a window that ran out starts again at one) and answers
/// the count and the lock.
async fn bump(
    db: &Db,
    clock: &Clock,
    scope: Scope,
    key: &str,
) -> Result<(i64, Option<i64>), ThrottleError> {
    let now = clock.now();
    let row: (i64, Option<i64>) = sqlx::query_as(
        "INSERT INTO throttle_counters (scope, key_hash, window_start, failures, locked_until) \
         VALUES ($1, $2, $3, 1, NULL) \
         ON CONFLICT (scope, key_hash) DO UPDATE SET \
           failures = CASE \
             WHEN throttle_counters.locked_until > $3 THEN throttle_counters.failures \
             WHEN throttle_counters.window_start <= $4 THEN 1 \
             ELSE throttle_counters.failures + 1 END, \
           window_start = CASE \
             WHEN throttle_counters.locked_until > $3 THEN throttle_counters.window_start \
             WHEN throttle_counters.window_start <= $4 THEN $3 \
             ELSE throttle_counters.window_start END \
         RETURNING failures, locked_until",
    )
    .bind(scope.name())
    .bind(hash(key))
    .bind(now)
    .bind(now - scope.limit().window_secs)
    .fetch_one(db.pool())
    .await?;
    Ok(row)
}

/// Locks the key for the scope's lock-out, unless it already is locked; its count starts again,
/// so the key has its full allowance once the lock ends.
async fn lock(db: &Db, clock: &Clock, scope: Scope, key: &str) -> Result<(), ThrottleError> {
    let now = clock.now();
    let limit = scope.limit();
    sqlx::query(
        "UPDATE throttle_counters SET locked_until = $1, failures = 0, window_start = $2 \
         WHERE scope = $3 AND key_hash = $4 AND failures >= $5 \
         AND (locked_until IS NULL OR locked_until <= $2)",
    )
    .bind(now + limit.lockout_secs)
    .bind(now)
    .bind(scope.name())
    .bind(hash(key))
    .bind(limit.max_failures)
    .execute(db.pool())
    .await?;
    Ok(())
}

/// Counters untouched for a day, and not locked, are deleted.
async fn forget_old(db: &Db, clock: &Clock) -> Result<(), ThrottleError> {
    let now = clock.now();
    sqlx::query(
        "DELETE FROM throttle_counters WHERE window_start < $1 \
         AND (locked_until IS NULL OR locked_until <= $2)",
    )
    .bind(now - 24 * 3600)
    .bind(now)
    .execute(db.pool())
    .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_message_says_the_wait_in_minutes() {
        let m = |secs| {
            TooManyAttempts {
                retry_after_secs: secs,
            }
            .to_string()
        };
        assert_eq!(m(900), "Too many attempts, try again in 15 minutes.");
        assert_eq!(m(61), "Too many attempts, try again in 2 minutes.");
        assert_eq!(m(1), "Too many attempts, try again in 1 minute.");
    }

    #[test]
    fn addresses_are_keyed_by_host_or_ipv6_prefix() {
        let key = |s: &str| address_key(s.parse().unwrap());
        assert_eq!(key("192.0.2.7"), "192.0.2.7");
        assert_eq!(key("::ffff:192.0.2.7"), "192.0.2.7");
        assert_eq!(key("2001:db8:1:2:3:4:5:6"), "2001:db8:1:2::/64");
        assert_eq!(key("2001:db8:1:2:ffff::1"), key("2001:db8:1:2::9"));
        assert_eq!(email_key(" Ada@Example.COM "), "ada@example.com");
    }
}
