//! Calendar dates in UTC, the one place dates are read and written: the admin pages' filters,
//! the revenue report and the widgets all parse with the same strict rule. Done by hand (Howard
//! Hinnant's civil-date algorithms) so the server and the browser agree to the day without a
//! date library in the WASM bundle.

const SECONDS_PER_DAY: i64 = 86_400;

/// Days since 1970-01-01 of a civil date (proleptic Gregorian).
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The civil date (year, month 1–12, day 1–31) of a day number: the inverse of
/// [`days_from_civil`].
fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    (yoe + era * 400 + i64::from(month <= 2), month, day)
}

/// The (year, month 1–12, day 1–31) of a Unix time, in UTC.
pub fn civil_date(unix: i64) -> (i64, i64, i64) {
    civil_from_days(unix.div_euclid(SECONDS_PER_DAY))
}

/// `2026-11-22` (what `<input type=date>` gives) → its midnight in Unix seconds (UTC); `None`
/// unless it is a real date between 1970 and 9999 (`2026-02-31` and `2023-02-29` are not).
pub fn parse_date(text: &str) -> Option<i64> {
    let mut parts = text.trim().splitn(3, '-');
    let year: i64 = parts.next()?.parse().ok()?;
    let month: i64 = parts.next()?.parse().ok()?;
    let day: i64 = parts.next()?.parse().ok()?;
    if !(1970..=9999).contains(&year) || !(1..=12).contains(&month) || !(1..=31).contains(&day) {
        return None;
    }
    let days = days_from_civil(year, month, day);
    (civil_from_days(days) == (year, month, day)).then_some(days * SECONDS_PER_DAY)
}

/// Unix seconds → `2026-11-22` (UTC), what `<input type=date>` takes.
pub fn format_date(unix: i64) -> String {
    let (y, m, d) = civil_date(unix);
    format!("{y:04}-{m:02}-{d:02}")
}

/// Unix seconds → `2026-11-22 10:40` (UTC).
pub fn format_datetime(unix: i64) -> String {
    let secs = unix.rem_euclid(SECONDS_PER_DAY);
    format!(
        "{} {:02}:{:02}",
        format_date(unix),
        secs / 3600,
        (secs % 3600) / 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_round_trip_through_unix_days() {
        assert_eq!(parse_date("1970-01-01"), Some(0));
        assert_eq!(parse_date("2026-11-22"), Some(1_795_305_600));
        assert_eq!(parse_date(" 2025-11-22 "), Some(1_763_769_600));
        assert_eq!(format_date(1_795_305_600), "2026-11-22");
        assert_eq!(format_date(1_763_800_000), "2025-11-22");
        assert_eq!(
            format_datetime(1_795_305_600 + 10 * 3600 + 40 * 60),
            "2026-11-22 10:40"
        );
        assert_eq!(
            parse_date("2024-02-29").map(format_date).as_deref(),
            Some("2024-02-29")
        );
        assert_eq!(civil_date(1_763_800_000), (2025, 11, 22));
    }

    #[test]
    fn impossible_dates_are_refused() {
        for text in [
            "2026-02-31",
            "2023-02-29",
            "2100-02-29",
            "2026-04-31",
            "2026-13-01",
            "2026-00-10",
            "2026-01-00",
            "1969-12-31",
            "10000-01-01",
            "2026-1",
            "yesterday",
            "",
        ] {
            assert_eq!(parse_date(text), None, "{text:?}");
        }
        assert!(parse_date("2000-02-29").is_some(), "2000 is a leap year");
    }
}
