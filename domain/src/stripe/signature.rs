//! Verifying `Stripe-Signature` over the raw body: `t=<unix>,v1=<hex hmac-sha256>` (several
//! `v1` while a secret rolls; other schemes such as the test-mode `v0` are ignored).

use hmac::{Hmac, Mac};
use sha2::Sha256;

use crate::secret::Secret;

/// How old a signed timestamp may be, as Stripe's own libraries default.
pub const WEBHOOK_TOLERANCE_SECS: i64 = 300;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SignatureError {
    #[error("the Stripe-Signature header is missing or malformed")]
    Malformed,
    #[error("no v1 signature matches any configured signing secret")]
    Mismatch,
    #[error("the signature is {age_secs} s old, more than the {WEBHOOK_TOLERANCE_SECS} s allowed")]
    Stale { age_secs: i64 },
    #[error("no webhook signing secret is configured")]
    NoSecret,
}

/// Checks that `payload` was signed by Stripe with one of `secrets` no more than
/// [`WEBHOOK_TOLERANCE_SECS`] before `now`.
pub fn verify(
    payload: &[u8],
    header: &str,
    secrets: &[Secret],
    now: i64,
) -> Result<(), SignatureError> {
    if secrets.is_empty() {
        return Err(SignatureError::NoSecret);
    }
    let mut timestamp = None;
    let mut candidates = Vec::new();
    for part in header.split(',') {
        let Some((scheme, value)) = part.trim().split_once('=') else {
            return Err(SignatureError::Malformed);
        };
        match scheme {
            "t" => {
                timestamp = Some(
                    value
                        .parse::<i64>()
                        .map_err(|_| SignatureError::Malformed)?,
                )
            }
            "v1" => {
                if let Ok(bytes) = hex::decode(value) {
                    candidates.push(bytes);
                }
            }
            _ => {}
        }
    }
    let timestamp = timestamp.ok_or(SignatureError::Malformed)?;
    // `verify_slice` compares in constant time.
    let matches = secrets.iter().any(|secret| {
        candidates.iter().any(|candidate| {
            mac_for(secret, timestamp, payload)
                .verify_slice(candidate)
                .is_ok()
        })
    });
    if !matches {
        return Err(SignatureError::Mismatch);
    }
    // Saturating: a signed timestamp far in the past or future must not overflow.
    let age_secs = now.saturating_sub(timestamp);
    if age_secs > WEBHOOK_TOLERANCE_SECS {
        return Err(SignatureError::Stale { age_secs });
    }
    Ok(())
}

fn mac_for(secret: &Secret, timestamp: i64, payload: &[u8]) -> Hmac<Sha256> {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.expose().as_bytes())
        .unwrap_or_else(|_| unreachable!("HMAC accepts keys of any length"));
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(payload);
    mac
}

/// Signs `payload` as Stripe does (for tests and load scripts).
pub fn sign(payload: &[u8], secret: &Secret, timestamp: i64) -> String {
    let signature = hex::encode(mac_for(secret, timestamp, payload).finalize().into_bytes());
    format!("t={timestamp},v1={signature}")
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: i64 = 1_750_000_000;

    fn secret(s: &str) -> Secret {
        Secret::new(s)
    }

    #[test]
    fn a_signature_from_async_stripe_verifies() {
        let body = r#"{"id":"evt_1","object":"event"}"#;
        let header = stripe_webhook::Webhook::generate_test_header(body, "whsec_abc", Some(NOW));
        assert_eq!(
            verify(body.as_bytes(), &header, &[secret("whsec_abc")], NOW),
            Ok(())
        );
    }

    #[test]
    fn any_v1_with_any_secret_is_enough_and_v0_is_ignored() {
        let body = b"{}";
        let good = sign(body, &secret("whsec_new"), NOW);
        let v1 = good.split_once(",v1=").unwrap().1;
        let header = format!("t={NOW},v1={},v1={v1},v0=deadbeef", "00".repeat(32));
        assert_eq!(
            verify(
                body,
                &header,
                &[secret("whsec_old"), secret("whsec_new")],
                NOW
            ),
            Ok(())
        );
    }

    #[test]
    fn tampering_a_wrong_secret_and_old_timestamps_are_refused() {
        let body = b"{\"amount\":100}";
        let header = sign(body, &secret("whsec_abc"), NOW);
        assert_eq!(
            verify(b"{\"amount\":999}", &header, &[secret("whsec_abc")], NOW),
            Err(SignatureError::Mismatch)
        );
        assert_eq!(
            verify(body, &header, &[secret("whsec_other")], NOW),
            Err(SignatureError::Mismatch)
        );
        assert_eq!(
            verify(body, &header, &[secret("whsec_abc")], NOW + 301),
            Err(SignatureError::Stale { age_secs: 301 })
        );
        assert_eq!(
            verify(body, &header, &[secret("whsec_abc")], NOW + 300),
            Ok(())
        );
        assert_eq!(
            verify(body, "garbage", &[secret("whsec_abc")], NOW),
            Err(SignatureError::Malformed)
        );
        assert_eq!(
            verify(
                body,
                &format!("v1={}", "00".repeat(32)),
                &[secret("whsec_abc")],
                NOW
            ),
            Err(SignatureError::Malformed)
        );
        assert_eq!(
            verify(body, &header, &[], NOW),
            Err(SignatureError::NoSecret)
        );
    }
}
