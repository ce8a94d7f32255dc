//! A string that must never be printed: keys, passwords, signing secrets.

use std::fmt;

use serde::{Deserialize, Serialize};

/// Holds a secret value. `Debug` and `Display` print `[redacted]`; the value is reachable only
/// through [`Secret::expose`], so every use is greppable.
#[derive(Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    /// The secret itself. Never log or render what this returns.
    pub fn expose(&self) -> &str {
        &self.0
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// A form safe to show a person: the prefix up to the last `_` and the last four characters,
    /// e.g. `sk_test_••••••••4242`.
    pub fn masked(&self) -> String {
        let value = &self.0;
        let tail: String = value
            .chars()
            .rev()
            .take(4)
            .collect::<Vec<_>>()
            .into_iter()
            .rev()
            .collect();
        let prefix_end = value.rfind('_').map(|i| i + 1).unwrap_or(0);
        if value.chars().count() <= 8 || prefix_end + 4 >= value.len() {
            return "••••••••".to_string();
        }
        format!("{}••••••••{}", &value[..prefix_end], tail)
    }
}

impl From<String> for Secret {
    fn from(value: String) -> Self {
        Self(value)
    }
}

impl From<&str> for Secret {
    fn from(value: &str) -> Self {
        Self(value.to_string())
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_and_display_never_show_the_value() {
        let secret = Secret::new("sk_test_abcdefghijklmnop");
        assert_eq!(format!("{secret:?}"), "[redacted]");
        assert_eq!(format!("{secret}"), "[redacted]");
        assert_eq!(secret.expose(), "sk_test_abcdefghijklmnop");
    }

    #[test]
    fn masked_keeps_prefix_and_last_four() {
        assert_eq!(
            Secret::new("sk_test_abcdefghijkl4242").masked(),
            "sk_test_••••••••4242"
        );
        assert_eq!(
            Secret::new("whsec_0123456789abcdef").masked(),
            "whsec_••••••••cdef"
        );
        assert_eq!(Secret::new("short").masked(), "••••••••");
    }
}
