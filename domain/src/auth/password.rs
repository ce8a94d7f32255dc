//! Password policy and hashing (argon2id with the crate's recommended parameters).

use argon2::{
    Argon2, PasswordHash, PasswordHasher, PasswordVerifier,
    password_hash::{SaltString, rand_core::OsRng},
};

use crate::secret::Secret;

pub const MIN_PASSWORD_CHARS: usize = 10;
pub const MAX_PASSWORD_CHARS: usize = 128;

/// Passwords people pick first; refused whatever their length.
const COMMON_PASSWORDS: &[&str] = &[
    "password",
    "password1",
    "password12",
    "password123",
    "1234567890",
    "12345678910",
    "qwertyuiop",
    "azertyuiop",
    "iloveyou12",
    "letmein123",
    "welcome123",
    "administrator",
    "motdepasse",
    "comptoir123",
    "passw0rd12",
    "0123456789",
    "abcdefghij",
    "1111111111",
];

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PasswordError {
    #[error("Password must be at least {MIN_PASSWORD_CHARS} characters long.")]
    TooShort,
    #[error("Password must be at most {MAX_PASSWORD_CHARS} characters long.")]
    TooLong,
    #[error("This password is too easy to guess. Mix words, numbers or symbols.")]
    TooCommon,
}

/// A password that passed the policy, ready to be hashed.
#[derive(Debug)]
pub struct NewPassword(Secret);

impl NewPassword {
    pub fn parse(raw: &str) -> Result<Self, PasswordError> {
        let chars = raw.chars().count();
        if chars < MIN_PASSWORD_CHARS {
            return Err(PasswordError::TooShort);
        }
        if chars > MAX_PASSWORD_CHARS {
            return Err(PasswordError::TooLong);
        }
        let lowered = raw.to_lowercase();
        let distinct = {
            let mut seen: Vec<char> = lowered.chars().collect();
            seen.sort_unstable();
            seen.dedup();
            seen.len()
        };
        if distinct < 4 || COMMON_PASSWORDS.contains(&lowered.as_str()) {
            return Err(PasswordError::TooCommon);
        }
        Ok(Self(Secret::new(raw)))
    }

    pub(crate) fn hash(&self) -> String {
        hash_password(self.0.expose())
    }
}

pub(crate) fn hash_password(raw: &str) -> String {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(raw.as_bytes(), &salt)
        .map(|hash| hash.to_string())
        .unwrap_or_else(|e| unreachable!("argon2 with default parameters cannot fail: {e}"))
}

/// Checks `raw` against a PHC string. A malformed stored hash counts as a mismatch.
pub(crate) fn verify_password(raw: &str, phc: &str) -> bool {
    match PasswordHash::new(phc) {
        Ok(parsed) => Argon2::default()
            .verify_password(raw.as_bytes(), &parsed)
            .is_ok(),
        Err(_) => false,
    }
}

/// A real hash of a random password: verifying against it costs what a real check costs, so an
/// unknown email is not faster than a wrong password.
pub(crate) fn decoy_hash() -> &'static str {
    static DECOY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DECOY.get_or_init(|| hash_password(&uuid::Uuid::new_v4().to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn policy_refuses_short_long_and_common_passwords() {
        assert_eq!(
            NewPassword::parse("short").unwrap_err(),
            PasswordError::TooShort
        );
        assert_eq!(
            NewPassword::parse(&"x".repeat(129)).unwrap_err(),
            PasswordError::TooLong
        );
        assert_eq!(
            NewPassword::parse("Password123").unwrap_err(),
            PasswordError::TooCommon
        );
        assert_eq!(
            NewPassword::parse("aaaaaaaaaaaa").unwrap_err(),
            PasswordError::TooCommon
        );
        assert!(NewPassword::parse("correct horse battery").is_ok());
    }

    #[test]
    fn hashes_verify_only_the_right_password() {
        let hash = NewPassword::parse("correct horse battery").unwrap().hash();
        assert!(hash.starts_with("$argon2id$"));
        assert!(verify_password("correct horse battery", &hash));
        assert!(!verify_password("correct horse batterY", &hash));
        assert!(!verify_password("anything", "not a phc string"));
    }
}
