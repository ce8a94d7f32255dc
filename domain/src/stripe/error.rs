//! What a Stripe call can fail with, worded so it can be shown to an admin: no keys, no bodies.

use std::fmt;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StripeError {
    /// Stripe answered with an error envelope.
    Api {
        status: u16,
        /// `error.type`: `invalid_request_error`, `card_error`, `api_error`, …
        kind: String,
        code: Option<String>,
        decline_code: Option<String>,
        message: String,
        param: Option<String>,
        request_id: Option<String>,
    },
    /// Every attempt failed; the last failure is kept.
    GaveUp {
        attempts: u32,
        last: Box<StripeError>,
    },
    /// Stripe could not be reached, or the connection broke.
    Network(String),
    /// No answer within the per-attempt timeout.
    Timeout,
    /// The answer was not what the API promises.
    Decode(String),
    /// No secret key is configured yet.
    NotConfigured,
}

impl StripeError {
    /// The error code Stripe gave (`resource_missing`, `card_declined`, …), looking through retries.
    pub fn code(&self) -> Option<&str> {
        match self {
            StripeError::Api { code, .. } => code.as_deref(),
            StripeError::GaveUp { last, .. } => last.code(),
            _ => None,
        }
    }

    /// The HTTP status Stripe answered, looking through retries.
    pub fn status(&self) -> Option<u16> {
        match self {
            StripeError::Api { status, .. } => Some(*status),
            StripeError::GaveUp { last, .. } => last.status(),
            _ => None,
        }
    }

    pub fn is_not_found(&self) -> bool {
        self.status() == Some(404) || self.code() == Some("resource_missing")
    }
}

impl fmt::Display for StripeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StripeError::Api {
                status,
                message,
                request_id,
                ..
            } => {
                write!(f, "Stripe refused the request ({status}): {message}")?;
                if let Some(id) = request_id {
                    write!(f, " [request {id}]")?;
                }
                Ok(())
            }
            StripeError::GaveUp { attempts, last } => {
                write!(
                    f,
                    "Stripe did not accept the request after {attempts} attempts; last: {last}"
                )
            }
            StripeError::Network(reason) => write!(f, "could not reach Stripe: {reason}"),
            StripeError::Timeout => f.write_str("Stripe did not answer in time"),
            StripeError::Decode(reason) => write!(f, "Stripe's answer could not be read: {reason}"),
            StripeError::NotConfigured => {
                f.write_str("Stripe is not configured: set the secret key")
            }
        }
    }
}

impl std::error::Error for StripeError {}

impl stripe_client_core::StripeClientErr for StripeError {
    fn deserialize_err(msg: impl fmt::Display) -> Self {
        StripeError::Decode(msg.to_string())
    }
}
