//! Payment methods: Stripe's test cards, `pm_card_*` tokens and SEPA test IBANs (Stripe's
//! testing page: `4242…` succeeds, `4000 0000 0000 0002` is declined, and so on) with the behaviour each one triggers, card-number and IBAN validation, the stored
//! `payment_method` objects (`pm_…`, one per use of a token, as Stripe does) and
//! `GET /v1/payment_methods/{id}`.
//!
//! A stored payment method keeps its card number or IBAN in the private data; the behaviour is
//! looked up again from it whenever it is charged.

use axum::extract::{Path, State};
use axum::routing::get;
use axum::{Json, Router};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use crate::app::{AppState, Tx};
use crate::ids;
use crate::payments::{meta, missing_ref};
use crate::store::State as Store;
use crate::wire::auth::Caller;
use crate::wire::error::{ApiError, ApiResult};
use crate::wire::expand;
use crate::wire::form::{Form, Schema};

/// Routes under `/v1`.
pub fn router() -> Router<AppState> {
    Router::new().route("/payment_methods/{id}", get(retrieve))
}

/// Why a card payment is declined.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Decline {
    /// `card_declined` / `generic_decline`.
    Generic,
    /// `card_declined` / `insufficient_funds`.
    InsufficientFunds,
    /// `card_declined` / `lost_card`.
    LostCard,
    /// `card_declined` / `stolen_card`.
    StolenCard,
    /// `expired_card`.
    ExpiredCard,
    /// `incorrect_cvc`.
    IncorrectCvc,
    /// `processing_error`.
    ProcessingError,
    /// Blocked by Radar: `card_declined` / `fraudulent`, never sent to the network.
    RadarBlock,
    /// Off-session or `error_on_requires_action` on a card that needs 3D Secure.
    AuthenticationRequired,
}

impl Decline {
    /// `error.code` and `charge.failure_code`.
    pub fn code(self) -> &'static str {
        match self {
            Self::ExpiredCard => "expired_card",
            Self::IncorrectCvc => "incorrect_cvc",
            Self::ProcessingError => "processing_error",
            Self::AuthenticationRequired => "authentication_required",
            _ => "card_declined",
        }
    }

    /// `error.decline_code` and `outcome.reason`.
    pub fn decline_code(self) -> &'static str {
        match self {
            Self::Generic => "generic_decline",
            Self::InsufficientFunds => "insufficient_funds",
            Self::LostCard => "lost_card",
            Self::StolenCard => "stolen_card",
            Self::ExpiredCard => "expired_card",
            Self::IncorrectCvc => "incorrect_cvc",
            Self::ProcessingError => "processing_error",
            Self::RadarBlock => "fraudulent",
            Self::AuthenticationRequired => "authentication_required",
        }
    }

    /// The message shown to the customer (`error.message`, `charge.failure_message`).
    pub fn message(self) -> &'static str {
        match self {
            Self::InsufficientFunds => "Your card has insufficient funds.",
            Self::ExpiredCard => "Your card has expired.",
            Self::IncorrectCvc => "Your card's security code is incorrect.",
            Self::ProcessingError => {
                "An error occurred while processing your card. Try again in a little bit."
            }
            Self::AuthenticationRequired => {
                "Your card was declined. This transaction requires authentication."
            }
            _ => "Your card was declined.",
        }
    }

    /// `charge.outcome` for this decline.
    pub fn outcome(self) -> Value {
        if self == Self::RadarBlock {
            return json!({
                "advice_code": null,
                "network_advice_code": null,
                "network_decline_code": null,
                "network_status": "not_sent_to_network",
                "reason": "highest_risk_level",
                "risk_level": "highest",
                "risk_score": 95,
                "seller_message": "Stripe blocked this payment as too risky.",
                "type": "blocked",
            });
        }
        let seller_message = match self {
            Self::Generic => {
                "The bank did not return any further details with this decline.".to_owned()
            }
            other => format!(
                "The bank returned the decline code `{}`.",
                other.decline_code()
            ),
        };
        json!({
            "advice_code": if self == Self::Generic { json!("try_again_later") } else { json!("do_not_try_again") },
            "network_advice_code": null,
            "network_decline_code": null,
            "network_status": "declined_by_network",
            "reason": self.decline_code(),
            "risk_level": "normal",
            "risk_score": 30,
            "seller_message": seller_message,
            "type": "issuer_declined",
        })
    }
}

/// The kind of dispute a dispute test method opens.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DisputeKind {
    /// A fraudulent chargeback (`needs_response`).
    Fraudulent,
    /// A product-not-received chargeback (`needs_response`).
    ProductNotReceived,
    /// An inquiry (`warning_needs_response`, no funds withdrawn).
    Inquiry,
    /// A SEPA Direct Debit chargeback (`needs_response`, reason `general`).
    Sepa,
}

/// What happens when a payment method is charged.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Behaviour {
    /// Card: succeeds, funds pending for two days.
    Succeed,
    /// Card: succeeds, funds available at once.
    BypassPending,
    /// Card: declined.
    Decline(Decline),
    /// Card: 3D Secure first (`then` declines after a successful authentication).
    ThreeDs {
        /// Decline applied once authenticated, if any.
        then: Option<Decline>,
    },
    /// Card: succeeds, then a dispute opens at once.
    Dispute(DisputeKind),
    /// SEPA: processing, then succeeds (`delayed`: after the longer delay).
    SepaSucceed {
        /// Uses `delayed_async_payment_delay`.
        delayed: bool,
    },
    /// SEPA: processing, then fails.
    SepaFail {
        /// Uses `delayed_async_payment_delay`.
        delayed: bool,
        /// Fails with `insufficient_funds` instead of a generic failure.
        insufficient_funds: bool,
    },
    /// SEPA: processing, succeeds, then a dispute opens at once.
    SepaDispute,
}

impl Behaviour {
    /// Whether this is a SEPA Direct Debit behaviour.
    pub fn is_sepa(self) -> bool {
        matches!(
            self,
            Self::SepaSucceed { .. } | Self::SepaFail { .. } | Self::SepaDispute
        )
    }
}

/// `pm_card_*` tokens and the card number each stands for.
const CARD_TOKENS: &[(&str, &str)] = &[
    ("pm_card_visa", "4242424242424242"),
    ("pm_card_visa_debit", "4000056655665556"),
    ("pm_card_mastercard", "5555555555554444"),
    ("pm_card_mastercard_debit", "5200828282828210"),
    ("pm_card_mastercard_prepaid", "5105105105105100"),
    ("pm_card_amex", "378282246310005"),
    ("pm_card_discover", "6011111111111117"),
    ("pm_card_diners", "3056930009020004"),
    ("pm_card_jcb", "3566002020360505"),
    ("pm_card_unionpay", "6200000000000005"),
    ("pm_card_us", "4242424242424242"),
    ("pm_card_de", "4000002760000016"),
    ("pm_card_fr", "4000002500000003"),
    ("pm_card_gb", "4000008260000000"),
    ("pm_card_chargeDeclined", "4000000000000002"),
    ("pm_card_visa_chargeDeclined", "4000000000000002"),
    (
        "pm_card_chargeDeclinedInsufficientFunds",
        "4000000000009995",
    ),
    (
        "pm_card_visa_chargeDeclinedInsufficientFunds",
        "4000000000009995",
    ),
    ("pm_card_chargeDeclinedLostCard", "4000000000009987"),
    ("pm_card_visa_chargeDeclinedLostCard", "4000000000009987"),
    ("pm_card_chargeDeclinedStolenCard", "4000000000009979"),
    ("pm_card_visa_chargeDeclinedStolenCard", "4000000000009979"),
    ("pm_card_chargeDeclinedExpiredCard", "4000000000000069"),
    ("pm_card_visa_chargeDeclinedExpiredCard", "4000000000000069"),
    ("pm_card_chargeDeclinedIncorrectCvc", "4000000000000127"),
    (
        "pm_card_visa_chargeDeclinedIncorrectCvc",
        "4000000000000127",
    ),
    ("pm_card_chargeDeclinedProcessingError", "4000000000000119"),
    (
        "pm_card_visa_chargeDeclinedProcessingError",
        "4000000000000119",
    ),
    ("pm_card_chargeCustomerFail", "4000000000000341"),
    ("pm_card_radarBlock", "4100000000000019"),
    ("pm_card_authenticationRequiredOnSetup", "4000002500003155"),
    ("pm_card_authenticationRequired", "4000002760003184"),
    ("pm_card_threeDSecure2Required", "4000000000003220"),
    (
        "pm_card_authenticationRequiredChargeDeclinedInsufficientFunds",
        "4000008260003178",
    ),
    ("pm_card_bypassPending", "4000000000000077"),
    ("pm_card_bypassPendingInternational", "4000003720000278"),
    ("pm_card_createDispute", "4000000000000259"),
    (
        "pm_card_createDisputeProductNotReceived",
        "4000000000002685",
    ),
    ("pm_card_createDisputeInquiry", "4000000000001976"),
];

/// SEPA tokens and the IBAN each stands for.
const SEPA_TOKENS: &[(&str, &str)] = &[
    ("pm_success_de", "DE89370400440532013000"),
    ("pm_successDelayed_de", "DE08370400440532013003"),
    ("pm_failed_de", "DE62370400440532013001"),
    ("pm_failedDelayed_de", "DE78370400440532013004"),
    ("pm_disputed_de", "DE35370400440532013002"),
    ("pm_insufficientFunds_de", "DE65370400440002222227"),
    ("pm_sepa_debit", "DE89370400440532013000"),
];

/// The behaviour of a test card number (any other valid number succeeds).
pub fn card_behaviour(number: &str) -> Behaviour {
    match number {
        "4000000000000002" | "4000000000000341" => Behaviour::Decline(Decline::Generic),
        "4000000000009995" => Behaviour::Decline(Decline::InsufficientFunds),
        "4000000000009987" => Behaviour::Decline(Decline::LostCard),
        "4000000000009979" => Behaviour::Decline(Decline::StolenCard),
        "4000000000000069" => Behaviour::Decline(Decline::ExpiredCard),
        "4000000000000127" => Behaviour::Decline(Decline::IncorrectCvc),
        "4000000000000119" => Behaviour::Decline(Decline::ProcessingError),
        "4100000000000019" => Behaviour::Decline(Decline::RadarBlock),
        "4000002500003155" | "4000002760003184" | "4000000000003220" => {
            Behaviour::ThreeDs { then: None }
        }
        "4000008260003178" => Behaviour::ThreeDs {
            then: Some(Decline::InsufficientFunds),
        },
        "4000000000000077" | "4000003720000278" => Behaviour::BypassPending,
        "4000000000000259" => Behaviour::Dispute(DisputeKind::Fraudulent),
        "4000000000002685" => Behaviour::Dispute(DisputeKind::ProductNotReceived),
        "4000000000001976" => Behaviour::Dispute(DisputeKind::Inquiry),
        _ => Behaviour::Succeed,
    }
}

/// The behaviour of a SEPA test IBAN (any other valid IBAN succeeds).
pub fn iban_behaviour(iban: &str) -> Behaviour {
    match iban {
        "DE08370400440532013003" => Behaviour::SepaSucceed { delayed: true },
        "DE62370400440532013001" => Behaviour::SepaFail {
            delayed: false,
            insufficient_funds: false,
        },
        "DE78370400440532013004" => Behaviour::SepaFail {
            delayed: true,
            insufficient_funds: false,
        },
        "DE65370400440002222227" => Behaviour::SepaFail {
            delayed: false,
            insufficient_funds: true,
        },
        "DE35370400440532013002" => Behaviour::SepaDispute,
        _ => Behaviour::SepaSucceed { delayed: false },
    }
}

/// Whether `number` passes the Luhn check (digits only, 12..=19 of them).
pub fn luhn_valid(number: &str) -> bool {
    if !(12..=19).contains(&number.len()) || !number.bytes().all(|b| b.is_ascii_digit()) {
        return false;
    }
    let sum: u32 = number
        .bytes()
        .rev()
        .enumerate()
        .map(|(i, b)| {
            let d = u32::from(b - b'0');
            if i % 2 == 1 {
                let doubled = d * 2;
                if doubled > 9 { doubled - 9 } else { doubled }
            } else {
                d
            }
        })
        .sum();
    sum.is_multiple_of(10)
}

/// Removes spaces and dashes a person may type in a card number or IBAN.
pub fn normalize(input: &str) -> String {
    input
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .collect::<String>()
        .to_uppercase()
}

/// Whether `iban` (normalized) is a well-formed IBAN with a valid checksum.
pub fn iban_valid(iban: &str) -> bool {
    if !(15..=34).contains(&iban.len()) || !iban.chars().all(|c| c.is_ascii_alphanumeric()) {
        return false;
    }
    let (head, tail) = iban.split_at(4);
    if !head[..2].chars().all(|c| c.is_ascii_uppercase())
        || !head[2..].chars().all(|c| c.is_ascii_digit())
    {
        return false;
    }
    let mut remainder: u32 = 0;
    for c in tail.chars().chain(head.chars()) {
        let digits = match c.to_digit(36) {
            Some(d) => d.to_string(),
            None => return false,
        };
        for d in digits.chars() {
            remainder = (remainder * 10 + d.to_digit(10).unwrap_or(0)) % 97;
        }
    }
    remainder == 1
}

/// Card brand from the number's prefix.
pub fn brand(number: &str) -> &'static str {
    let two: u32 = number.get(..2).and_then(|s| s.parse().ok()).unwrap_or(0);
    let four: u32 = number.get(..4).and_then(|s| s.parse().ok()).unwrap_or(0);
    match () {
        () if number.starts_with('4') => "visa",
        () if (51..=55).contains(&two) || (2221..=2720).contains(&four) => "mastercard",
        () if two == 34 || two == 37 => "amex",
        () if number.starts_with("6011") || number.starts_with("65") => "discover",
        () if two == 36 || two == 30 || two == 38 => "diners",
        () if two == 35 => "jcb",
        () if two == 62 => "unionpay",
        () => "unknown",
    }
}

fn card_country(number: &str) -> &'static str {
    match number {
        "4000002500000003" | "4000002500003155" => "FR",
        "4000002760000016" | "4000002760003184" => "DE",
        "4000008260000000" | "4000008260003178" => "GB",
        "4000003720000278" => "IE",
        _ => "US",
    }
}

fn card_funding(number: &str) -> &'static str {
    match number {
        "4000056655665556" | "5200828282828210" => "debit",
        "5105105105105100" => "prepaid",
        _ => "credit",
    }
}

/// A stable fingerprint for a card number or IBAN.
pub fn fingerprint(secret: &str) -> String {
    let digest = Sha256::digest(format!("sandbox-fp:{secret}").as_bytes());
    let alphabet: Vec<char> = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
        .chars()
        .collect();
    digest
        .iter()
        .take(16)
        .map(|b| alphabet[usize::from(*b) % alphabet.len()])
        .collect()
}

fn last4(s: &str) -> String {
    let chars: Vec<char> = s.chars().collect();
    chars[chars.len().saturating_sub(4)..].iter().collect()
}

/// The calendar `(year, month)` of a unix timestamp (UTC).
pub fn year_month(ts: i64) -> (i64, i64) {
    // Days to civil date (Howard Hinnant's algorithm).
    let days = ts.div_euclid(86_400);
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    (yoe + era * 400 + i64::from(month <= 2), month)
}

/// The calendar year of a unix timestamp (UTC).
pub fn year_of(ts: i64) -> i64 {
    year_month(ts).0
}

/// Billing details collected with a payment method.
#[derive(Clone, Debug, Default)]
pub struct Billing {
    /// Cardholder or account holder name.
    pub name: Option<String>,
    /// Email.
    pub email: Option<String>,
    /// Country (ISO-2).
    pub country: Option<String>,
    /// Postal code.
    pub postal_code: Option<String>,
}

impl Billing {
    /// `billing_details` JSON.
    pub fn json(&self) -> Value {
        json!({
            "address": {
                "city": null, "country": self.country, "line1": null, "line2": null,
                "postal_code": self.postal_code, "state": null,
            },
            "email": self.email,
            "name": self.name,
            "phone": null,
            "tax_id": null,
        })
    }
}

/// A card typed by a customer or named by a token.
#[derive(Clone, Debug)]
pub struct CardInput {
    /// Digits only.
    pub number: String,
    /// 1..=12.
    pub exp_month: i64,
    /// Four digits.
    pub exp_year: i64,
}

/// Creates a card `payment_method` on `owner`.
pub fn create_card(tx: &mut Tx<'_>, owner: &str, card: &CardInput, billing: &Billing) -> Value {
    let brand = brand(&card.number);
    let value = json!({
        "id": ids::new_id("pm"),
        "object": "payment_method",
        "allow_redisplay": "unspecified",
        "billing_details": billing.json(),
        "card": {
            "brand": brand,
            "checks": { "address_line1_check": null, "address_postal_code_check": null, "cvc_check": "pass" },
            "country": card_country(&card.number),
            "display_brand": brand,
            "exp_month": card.exp_month,
            "exp_year": card.exp_year,
            "fingerprint": fingerprint(&card.number),
            "funding": card_funding(&card.number),
            "generated_from": null,
            "last4": last4(&card.number),
            "networks": { "available": [brand], "preferred": null },
            "regulated_status": "unregulated",
            "three_d_secure_usage": { "supported": true },
            "wallet": null,
        },
        "created": tx.now(),
        "customer": null,
        "customer_account": null,
        "livemode": false,
        "metadata": {},
        "type": "card",
    });
    tx.insert_with_meta(
        owner,
        "payment_method",
        value,
        json!({ "number": card.number }),
    )
}

/// Creates a `sepa_debit` payment method on `owner`.
pub fn create_sepa(tx: &mut Tx<'_>, owner: &str, iban: &str, billing: &Billing) -> Value {
    let value = json!({
        "id": ids::new_id("pm"),
        "object": "payment_method",
        "allow_redisplay": "unspecified",
        "billing_details": billing.json(),
        "created": tx.now(),
        "customer": null,
        "customer_account": null,
        "livemode": false,
        "metadata": {},
        "sepa_debit": {
            "bank_code": iban.get(4..12).unwrap_or_default(),
            "branch_code": "",
            "country": iban.get(..2).unwrap_or_default(),
            "fingerprint": fingerprint(iban),
            "generated_from": { "charge": null, "setup_attempt": null },
            "last4": last4(iban),
        },
        "type": "sepa_debit",
    });
    tx.insert_with_meta(owner, "payment_method", value, json!({ "iban": iban }))
}

/// Resolves a `payment_method` parameter: a test token (a new `pm_…` is created, as Stripe
/// does for each use) or the id of a payment method on `owner`. Returns the stored object.
pub fn resolve(
    tx: &mut Tx<'_>,
    owner: &str,
    reference: &str,
    billing: &Billing,
    param: &str,
) -> Result<Value, ApiError> {
    if let Some(number) = CARD_TOKENS
        .iter()
        .find(|(t, _)| *t == reference)
        .map(|(_, n)| *n)
    {
        let year = year_of(tx.now()) + 2;
        let card = CardInput {
            number: number.to_owned(),
            exp_month: 12,
            exp_year: year,
        };
        return Ok(create_card(tx, owner, &card, billing));
    }
    if let Some(iban) = SEPA_TOKENS
        .iter()
        .find(|(t, _)| *t == reference)
        .map(|(_, i)| *i)
    {
        return Ok(create_sepa(tx, owner, iban, billing));
    }
    tx.find(owner, "payment_method", reference)
        .cloned()
        .ok_or_else(|| missing_ref("PaymentMethod", reference, param))
}

/// The behaviour of a stored payment method.
pub fn behaviour_of(state: &Store, pm_id: &str) -> Behaviour {
    let m = meta(state, pm_id);
    if let Some(number) = m["number"].as_str() {
        return card_behaviour(number);
    }
    if let Some(iban) = m["iban"].as_str() {
        return iban_behaviour(iban);
    }
    Behaviour::Succeed
}

/// `charge.payment_method_details` for a payment method.
pub fn charge_details(
    pm: &Value,
    amount: i64,
    three_d_secure: bool,
    mandate: Option<&str>,
) -> Value {
    if pm["type"] == "sepa_debit" {
        let s = &pm["sepa_debit"];
        return json!({
            "sepa_debit": {
                "bank_code": s["bank_code"],
                "branch_code": s["branch_code"],
                "country": s["country"],
                "fingerprint": s["fingerprint"],
                "last4": s["last4"],
                "mandate": mandate,
            },
            "type": "sepa_debit",
        });
    }
    let c = &pm["card"];
    let three_ds = if three_d_secure {
        json!({
            "authentication_flow": "challenge",
            "electronic_commerce_indicator": "05",
            "exemption_indicator": null,
            "result": "authenticated",
            "result_reason": null,
            "transaction_id": ids::random_chars(24),
            "version": "2.2.0",
        })
    } else {
        Value::Null
    };
    json!({
        "card": {
            "amount_authorized": amount,
            "authorization_code": null,
            "brand": c["brand"],
            "checks": c["checks"],
            "country": c["country"],
            "exp_month": c["exp_month"],
            "exp_year": c["exp_year"],
            "extended_authorization": { "status": "disabled" },
            "fingerprint": c["fingerprint"],
            "funding": c["funding"],
            "incremental_authorization": { "status": "unavailable" },
            "installments": null,
            "last4": c["last4"],
            "mandate": null,
            "multicapture": { "status": "unavailable" },
            "network": c["brand"],
            "network_token": { "used": false },
            "network_transaction_id": ids::random_chars(15),
            "overcapture": { "maximum_amount_capturable": amount, "status": "unavailable" },
            "regulated_status": "unregulated",
            "three_d_secure": three_ds,
            "wallet": null,
        },
        "type": "card",
    })
}

const RETRIEVE: Schema = Schema::new(&[]);

async fn retrieve(
    State(app): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    form: Form,
) -> ApiResult<Json<Value>> {
    let p = RETRIEVE.validate(form)?;
    app.read(|s| {
        let mut value = s
            .require(
                &caller.acting_as,
                "payment_method",
                &id,
                "PaymentMethod",
                "id",
            )?
            .clone();
        expand::expand(s, &caller, &mut value, &p.expand())?;
        Ok(Json(value))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn luhn_iban_and_brands() {
        assert!(luhn_valid("4242424242424242"));
        assert!(!luhn_valid("4242424242424241"));
        assert!(luhn_valid("378282246310005"));
        assert!(iban_valid("DE89370400440532013000"));
        assert!(iban_valid("DE65370400440002222227"));
        assert!(!iban_valid("DE89370400440532013001"));
        assert_eq!(brand("5555555555554444"), "mastercard");
        assert_eq!(brand("378282246310005"), "amex");
        for (_, n) in CARD_TOKENS {
            assert!(luhn_valid(n), "{n}");
        }
        for (_, i) in SEPA_TOKENS {
            assert!(iban_valid(i), "{i}");
        }
        assert_eq!(year_of(0), 1970);
        assert_eq!(year_of(1_767_225_600), 2026);
        assert_eq!(year_month(1_767_225_600), (2026, 1));
        assert_eq!(year_month(1_764_547_200 - 1), (2025, 11));
    }
}
