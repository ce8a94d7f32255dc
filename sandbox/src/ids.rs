//! Stripe-shaped identifiers: a prefix plus random base62 characters.

use rand::Rng;
use rand::distributions::Alphanumeric;

/// Random base62 characters.
pub fn random_chars(len: usize) -> String {
    rand::thread_rng()
        .sample_iter(&Alphanumeric)
        .take(len)
        .map(char::from)
        .collect()
}

/// `prefix` + 24 random characters, e.g. `new_id("evt")` → `evt_…`.
pub fn new_id(prefix: &str) -> String {
    format!("{prefix}_{}", random_chars(24))
}

/// Account ids are shorter at Stripe (`acct_` + 16).
pub fn account_id() -> String {
    format!("acct_{}", random_chars(16))
}

/// Request ids look like `req_` + 14 characters.
pub fn request_id() -> String {
    format!("req_{}", random_chars(14))
}

/// Test secret key for a platform.
pub fn secret_key() -> String {
    format!("sk_test_{}", random_chars(99))
}

/// Test publishable key for a platform.
pub fn publishable_key() -> String {
    format!("pk_test_{}", random_chars(99))
}

/// Connect client id of a platform.
pub fn client_id() -> String {
    format!("ca_{}", random_chars(32))
}

/// Webhook endpoint signing secret.
pub fn webhook_secret() -> String {
    format!("whsec_{}", random_chars(32))
}

/// AccountSession client secret.
pub fn account_session_secret() -> String {
    format!("accs_secret__{}", random_chars(44))
}

/// Masks a key the way Stripe does in error messages: prefix, stars, last four.
pub fn mask_key(key: &str) -> String {
    let prefix_len = [
        "sk_test_", "sk_live_", "rk_test_", "rk_live_", "pk_test_", "pk_live_",
    ]
    .iter()
    .find(|p| key.starts_with(**p))
    .map_or(0, |p| p.len());
    let chars: Vec<char> = key.chars().collect();
    if chars.len() <= prefix_len + 4 {
        return format!("{}****", &key[..prefix_len.min(key.len())]);
    }
    let last4: String = chars[chars.len() - 4..].iter().collect();
    let stars = "*".repeat((chars.len() - prefix_len - 4).min(20));
    format!("{}{stars}{last4}", &key[..prefix_len])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_have_prefix_and_length() {
        let id = new_id("evt");
        assert!(id.starts_with("evt_"));
        assert_eq!(id.len(), 4 + 24);
        assert!(account_id().starts_with("acct_"));
        assert!(account_session_secret().starts_with("accs_secret__"));
    }

    #[test]
    fn mask_keeps_prefix_and_last_four() {
        let masked = mask_key("sk_test_abcdefghijklmnopqrstuvwxyz1234");
        assert!(masked.starts_with("sk_test_*"));
        assert!(masked.ends_with("1234"));
        assert_eq!(mask_key("foo"), "****");
    }
}
