//! Money as people read and type it. Amounts are integer minor units with a currency, always.

/// `1250, "eur"` → `€12.50`. Unknown currencies get their code after the amount.
pub fn format_amount(minor: i64, currency: &str) -> String {
    let sign = if minor < 0 { "-" } else { "" };
    let abs = minor.unsigned_abs();
    let number = format!("{}.{:02}", group_thousands(abs / 100), abs % 100);
    match currency.to_ascii_lowercase().as_str() {
        "eur" => format!("{sign}€{number}"),
        "usd" => format!("{sign}${number}"),
        "gbp" => format!("{sign}£{number}"),
        other => format!("{sign}{number} {}", other.to_ascii_uppercase()),
    }
}

fn group_thousands(mut n: u64) -> String {
    let mut groups = Vec::new();
    loop {
        if n < 1000 {
            groups.push(n.to_string());
            break;
        }
        groups.push(format!("{:03}", n % 1000));
        n /= 1000;
    }
    groups.reverse();
    groups.join(",")
}

/// Reads a price typed by a person (`12`, `12.5`, `12.50`, `12,50`) into minor units.
pub fn parse_amount(input: &str) -> Result<i64, String> {
    let text = input.trim().replace(',', ".");
    let invalid = || format!("\"{}\" is not a price. Write it like 12.50.", input.trim());
    let (whole, fraction) = match text.split_once('.') {
        Some((w, f)) => (w, f),
        None => (text.as_str(), ""),
    };
    if whole.is_empty()
        || !whole.chars().all(|c| c.is_ascii_digit())
        || fraction.len() > 2
        || !fraction.chars().all(|c| c.is_ascii_digit())
    {
        return Err(invalid());
    }
    let whole: i64 = whole.parse().map_err(|_| invalid())?;
    let cents: i64 = match fraction.len() {
        0 => 0,
        1 => fraction.parse::<i64>().map_err(|_| invalid())? * 10,
        _ => fraction.parse().map_err(|_| invalid())?,
    };
    whole
        .checked_mul(100)
        .and_then(|w| w.checked_add(cents))
        .ok_or_else(invalid)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_are_formatted_with_their_currency() {
        assert_eq!(format_amount(1250, "eur"), "€12.50");
        assert_eq!(format_amount(123_456_789, "usd"), "$1,234,567.89");
        assert_eq!(format_amount(-5, "gbp"), "-£0.05");
        assert_eq!(format_amount(100, "chf"), "1.00 CHF");
    }

    #[test]
    fn typed_prices_become_minor_units() {
        assert_eq!(parse_amount("12"), Ok(1200));
        assert_eq!(parse_amount("12.5"), Ok(1250));
        assert_eq!(parse_amount(" 12,05 "), Ok(1205));
        assert!(parse_amount("12.345").is_err());
        assert!(parse_amount("-1").is_err());
        assert!(parse_amount("abc").is_err());
        assert!(parse_amount("").is_err());
        assert!(parse_amount("99999999999999999999").is_err());
    }
}
