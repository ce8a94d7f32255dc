//! Money rules: supported currencies (lowercase ISO codes), zero-decimal currencies, minimum
//! charge amounts, display formatting, and the sandbox's Stripe fee schedule.
//!
//! Fee schedule (documented choice, close to Stripe's standard pricing): cards in `eur`, `gbp`,
//! `chf`, `sek`, `nok`, `dkk`, `pln` cost 1.5 % + 25 minor units; cards in any other currency
//! 2.9 % + 30; SEPA Direct Debit 35 (`eur`); a dispute costs 1500 in its currency; percentages
//! round half up to the minor unit.

use crate::wire::error::ApiError;

/// Currencies the sandbox accepts.
pub const CURRENCIES: &[&str] = &[
    "aed", "aud", "bgn", "brl", "cad", "chf", "czk", "dkk", "eur", "gbp", "hkd", "huf", "inr",
    "jpy", "krw", "mxn", "myr", "nok", "nzd", "pln", "ron", "sek", "sgd", "thb", "usd",
];

const ZERO_DECIMAL: &[&str] = &["jpy", "krw"];

/// A SEPA Direct Debit payment's fee.
pub const SEPA_FEE: i64 = 35;

/// What a dispute costs the merchant.
pub const DISPUTE_FEE: i64 = 1500;

/// Validates and lowercases a `currency` parameter.
pub fn currency(value: &str, param: &str) -> Result<String, ApiError> {
    let lower = value.trim().to_ascii_lowercase();
    if CURRENCIES.contains(&lower.as_str()) {
        Ok(lower)
    } else {
        Err(ApiError::invalid_param(
            param,
            format!(
                "Invalid currency: {lower}. Stripe currently supports these currencies: {}",
                CURRENCIES.join(", ")
            ),
        ))
    }
}

/// Whether amounts in `currency` have no minor unit.
pub fn is_zero_decimal(currency: &str) -> bool {
    ZERO_DECIMAL.contains(&currency)
}

/// The smallest amount Stripe lets a payment charge in `currency`.
pub fn minimum_amount(currency: &str) -> i64 {
    match currency {
        "gbp" => 30,
        "dkk" => 250,
        "nok" | "sek" => 300,
        "pln" => 200,
        "hkd" => 400,
        "mxn" => 1000,
        "czk" => 1500,
        "huf" => 17500,
        "thb" => 1000,
        "aed" | "bgn" | "myr" | "ron" => 200,
        "inr" => 50,
        "krw" => 500,
        _ => 50,
    }
}

/// `$12.50`, `€0.50`, `¥500`, `12.50 sek`.
pub fn format(amount: i64, currency: &str) -> String {
    let symbol = match currency {
        "usd" | "cad" | "aud" | "nzd" | "sgd" | "hkd" | "mxn" => "$",
        "eur" => "€",
        "gbp" => "£",
        "jpy" => "¥",
        "inr" => "₹",
        _ => "",
    };
    let sign = if amount < 0 { "-" } else { "" };
    let abs = amount.unsigned_abs();
    let number = if is_zero_decimal(currency) {
        abs.to_string()
    } else {
        format!("{}.{:02}", abs / 100, abs % 100)
    };
    if symbol.is_empty() {
        format!("{sign}{number} {}", currency.to_uppercase())
    } else {
        format!("{sign}{symbol}{number}")
    }
}

/// The "Amount must be at least …" error, or `Ok` when `amount` is enough.
pub fn check_minimum(amount: i64, currency: &str, param: &str) -> Result<(), ApiError> {
    let min = minimum_amount(currency);
    if amount >= min {
        return Ok(());
    }
    Err(ApiError::invalid(format!(
        "Amount must be at least {} {currency}",
        format(min, currency)
    ))
    .code("amount_too_small")
    .param(param)
    .not_stored())
}

/// `amount × basis_points / 10 000`, rounded half up.
fn share(amount: i64, basis_points: i64) -> i64 {
    (amount * basis_points + 5_000) / 10_000
}

/// Stripe's processing fee for a card payment of `amount` in `currency`.
pub fn card_fee(amount: i64, currency: &str) -> i64 {
    match currency {
        "eur" | "gbp" | "chf" | "sek" | "nok" | "dkk" | "pln" => share(amount, 150) + 25,
        "jpy" => share(amount, 360),
        _ => share(amount, 290) + 30,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fees_and_formatting() {
        assert_eq!(card_fee(10_000, "usd"), 320);
        assert_eq!(card_fee(2_000, "eur"), 55);
        assert_eq!(format(1250, "eur"), "€12.50");
        assert_eq!(format(500, "jpy"), "¥500");
        assert_eq!(format(1234, "sek"), "12.34 SEK");
        assert!(check_minimum(49, "usd", "amount").is_err());
        assert_eq!(currency("EUR", "currency").ok().as_deref(), Some("eur"));
        assert!(currency("xyz", "currency").is_err());
    }
}
