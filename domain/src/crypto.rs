//! Encryption of secrets at rest (Stripe keys, webhook signing secrets) with a key from config:
//! XChaCha20-Poly1305, a random nonce per value, stored as `v1:<base64 nonce>:<base64 ciphertext>`.

use base64::{Engine, engine::general_purpose::STANDARD};
use chacha20poly1305::{
    KeyInit, XChaCha20Poly1305, XNonce,
    aead::{Aead, AeadCore, OsRng},
};

use crate::secret::Secret;

const FORMAT: &str = "v1";

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum CryptoError {
    #[error("the secrets key must be 32 bytes, base64-encoded")]
    BadKey,
    #[error(
        "a stored secret could not be decrypted: the secrets key changed or the value is damaged"
    )]
    Undecryptable,
}

/// Encrypts and decrypts secrets with one key.
#[derive(Clone)]
pub struct SecretCipher {
    cipher: XChaCha20Poly1305,
}

impl std::fmt::Debug for SecretCipher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SecretCipher([redacted])")
    }
}

impl SecretCipher {
    /// From a base64 32-byte key.
    pub fn from_base64(key: &Secret) -> Result<Self, CryptoError> {
        let bytes = STANDARD
            .decode(key.expose().trim())
            .map_err(|_| CryptoError::BadKey)?;
        if bytes.len() != 32 {
            return Err(CryptoError::BadKey);
        }
        let cipher = XChaCha20Poly1305::new_from_slice(&bytes).map_err(|_| CryptoError::BadKey)?;
        Ok(Self { cipher })
    }

    /// A fresh random key, base64-encoded.
    pub fn generate_key() -> Secret {
        Secret::new(STANDARD.encode(XChaCha20Poly1305::generate_key(&mut OsRng)))
    }

    pub fn encrypt(&self, plain: &Secret) -> String {
        let nonce = XChaCha20Poly1305::generate_nonce(&mut OsRng);
        let ciphertext = self
            .cipher
            .encrypt(&nonce, plain.expose().as_bytes())
            .unwrap_or_else(|_| unreachable!("encryption with a valid key cannot fail"));
        format!(
            "{FORMAT}:{}:{}",
            STANDARD.encode(nonce),
            STANDARD.encode(ciphertext)
        )
    }

    pub fn decrypt(&self, stored: &str) -> Result<Secret, CryptoError> {
        let mut parts = stored.splitn(3, ':');
        let (Some(FORMAT), Some(nonce), Some(ciphertext)) =
            (parts.next(), parts.next(), parts.next())
        else {
            return Err(CryptoError::Undecryptable);
        };
        let nonce = STANDARD
            .decode(nonce)
            .map_err(|_| CryptoError::Undecryptable)?;
        let ciphertext = STANDARD
            .decode(ciphertext)
            .map_err(|_| CryptoError::Undecryptable)?;
        if nonce.len() != 24 {
            return Err(CryptoError::Undecryptable);
        }
        let plain = self
            .cipher
            .decrypt(XNonce::from_slice(&nonce), ciphertext.as_ref())
            .map_err(|_| CryptoError::Undecryptable)?;
        String::from_utf8(plain)
            .map(Secret::new)
            .map_err(|_| CryptoError::Undecryptable)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_never_stores_the_plain_text() {
        let cipher = SecretCipher::from_base64(&SecretCipher::generate_key()).unwrap();
        let stored = cipher.encrypt(&Secret::new("sk_test_abcdef123456"));
        assert!(!stored.contains("sk_test"));
        assert_ne!(
            stored,
            cipher.encrypt(&Secret::new("sk_test_abcdef123456")),
            "random nonce"
        );
        assert_eq!(
            cipher.decrypt(&stored).unwrap().expose(),
            "sk_test_abcdef123456"
        );
    }

    #[test]
    fn another_key_or_damage_cannot_decrypt() {
        let a = SecretCipher::from_base64(&SecretCipher::generate_key()).unwrap();
        let b = SecretCipher::from_base64(&SecretCipher::generate_key()).unwrap();
        let stored = a.encrypt(&Secret::new("whsec_x"));
        assert_eq!(b.decrypt(&stored).unwrap_err(), CryptoError::Undecryptable);
        assert_eq!(
            a.decrypt("v1:AAAA:BBBB").unwrap_err(),
            CryptoError::Undecryptable
        );
        assert_eq!(a.decrypt("plain").unwrap_err(), CryptoError::Undecryptable);
    }

    #[test]
    fn keys_must_be_32_bytes_of_base64() {
        assert_eq!(
            SecretCipher::from_base64(&Secret::new("short")).unwrap_err(),
            CryptoError::BadKey
        );
        assert_eq!(
            SecretCipher::from_base64(&Secret::new(STANDARD.encode([0u8; 16]))).unwrap_err(),
            CryptoError::BadKey
        );
    }
}
