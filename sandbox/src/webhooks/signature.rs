//! `Stripe-Signature: t=<ts>,v1=<hex hmac>,v0=<decoy>` over `"{t}.{body}"`.

use hmac::{Hmac, Mac};
use sha2::Sha256;

fn hmac_hex(key: &[u8], payload: &str) -> String {
    let mut mac = match Hmac::<Sha256>::new_from_slice(key) {
        Ok(mac) => mac,
        // HMAC accepts keys of any length; this branch cannot be taken.
        Err(_) => return String::new(),
    };
    mac.update(payload.as_bytes());
    hex::encode(mac.finalize().into_bytes())
}

/// The real `v1` signature for a timestamp and body.
pub fn v1(secret: &str, timestamp: i64, body: &str) -> String {
    hmac_hex(secret.as_bytes(), &format!("{timestamp}.{body}"))
}

/// The full header value, with a `v0` decoy signed by a random key as Stripe test mode does.
pub fn header(secret: &str, timestamp: i64, body: &str) -> String {
    let decoy_key = crate::ids::random_chars(32);
    let v0 = hmac_hex(decoy_key.as_bytes(), &format!("{timestamp}.{body}"));
    format!("t={timestamp},v1={},v0={v0}", v1(secret, timestamp, body))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_contains_verifiable_v1() {
        let h = header("whsec_x", 1_700_000_000, "{}");
        assert!(h.starts_with("t=1700000000,v1="));
        assert!(h.contains(&v1("whsec_x", 1_700_000_000, "{}")));
        assert!(h.contains(",v0="));
    }
}
