//! Time inputs (`now`, `+15m`, RFC 3339, Unix seconds) and the Swift `Date` reference epoch.

use jiff::Timestamp;

/// Seconds between the Unix epoch and Swift's reference date, 2001-01-01T00:00:00Z.
pub const SWIFT_REFERENCE_OFFSET: i64 = 978_307_200;

/// The current Unix time in whole seconds.
pub fn unix_now() -> i64 {
    Timestamp::now().as_second()
}

/// Parses a signed duration such as `15m`, `+2h`, `-90s` or `1h30m` into seconds.
pub fn parse_duration(text: &str) -> Result<i64, String> {
    let trimmed = text.trim();
    let (sign, digits) = match trimmed.as_bytes().first() {
        Some(b'+') => (1, &trimmed[1..]),
        Some(b'-') => (-1, &trimmed[1..]),
        _ => (1, trimmed),
    };
    if digits.is_empty() {
        return Err(duration_error(text));
    }
    let mut total: i64 = 0;
    let mut number = String::new();
    for ch in digits.chars() {
        if ch.is_ascii_digit() {
            number.push(ch);
            continue;
        }
        let unit = match ch {
            's' => 1,
            'm' => 60,
            'h' => 3_600,
            'd' => 86_400,
            _ => return Err(duration_error(text)),
        };
        let value: i64 = number.parse().map_err(|_| duration_error(text))?;
        total = value
            .checked_mul(unit)
            .and_then(|v| total.checked_add(v))
            .ok_or_else(|| duration_error(text))?;
        number.clear();
    }
    if !number.is_empty() {
        return Err(duration_error(text));
    }
    Ok(sign * total)
}

/// Parses a positive wait such as `500ms`, `10s`, `1.5s` or `2m` (settings, CLI flags).
pub fn parse_std_duration(text: &str) -> Result<std::time::Duration, String> {
    let trimmed = text.trim();
    let split = trimmed
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(trimmed.len());
    let (number, unit) = trimmed.split_at(split);
    let scale = match unit.trim() {
        "ms" => 0.001,
        "s" | "" => 1.0,
        "m" => 60.0,
        "h" => 3_600.0,
        _ => f64::NAN,
    };
    let seconds = number.parse::<f64>().map(|n| n * scale).unwrap_or(f64::NAN);
    if seconds.is_finite() && (0.0..=86_400.0 * 365.0).contains(&seconds) {
        Ok(std::time::Duration::from_secs_f64(seconds))
    } else {
        Err(format!(
            "`{text}` is not a duration: use a number with ms, s, m or h, like 500ms, 10s or 2m"
        ))
    }
}

fn duration_error(text: &str) -> String {
    format!("`{text}` is not a duration: use a number with s, m, h or d, like 15m, +2h or 1h30m")
}

/// `now` plus a duration such as `10m`: the moment a `--dismiss-in` or `--stale-in` names.
pub fn after(now: i64, duration: &str) -> Result<i64, String> {
    parse_duration(duration).and_then(|d| {
        now.checked_add(d)
            .ok_or_else(|| format!("`{duration}` is too far away"))
    })
}

/// Parses a point in time and returns Unix seconds.
///
/// Accepts `now`, a duration from now (`+15m`, `-2h`), an RFC 3339 timestamp
/// (`2026-12-04T20:00:00Z`) or Unix seconds (`1756984084`).
pub fn parse_time(text: &str, now: i64) -> Result<i64, String> {
    let trimmed = text.trim();
    if trimmed.eq_ignore_ascii_case("now") {
        return Ok(now);
    }
    if trimmed.starts_with('+') || trimmed.starts_with('-') {
        return parse_duration(trimmed).and_then(|d| {
            now.checked_add(d)
                .ok_or_else(|| "time out of range".to_string())
        });
    }
    if !trimmed.is_empty() && trimmed.bytes().all(|b| b.is_ascii_digit()) {
        return trimmed
            .parse()
            .map_err(|_| format!("`{trimmed}` is too large for a time"));
    }
    trimmed
        .parse::<Timestamp>()
        .map(|t| t.as_second())
        .map_err(|_| {
            format!(
                "`{text}` is not a time: use now, +15m, -2h, an RFC 3339 time like \
                 2026-12-04T20:00:00Z, or Unix seconds"
            )
        })
}

/// Formats Unix seconds as RFC 3339 in UTC, or says it is out of range.
pub fn format_unix(seconds: i64) -> String {
    Timestamp::from_second(seconds)
        .map(|t| t.to_string())
        .unwrap_or_else(|_| format!("{seconds} (out of range)"))
}

/// Formats a Swift `Date` value (seconds since 2001-01-01) as the moment it stands for.
pub fn format_swift_date(reference_seconds: f64) -> String {
    let unix = reference_seconds.floor() as i64;
    match unix.checked_add(SWIFT_REFERENCE_OFFSET) {
        Some(unix) => format_unix(unix),
        None => format!("{reference_seconds} (out of range)"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: i64 = 1_764_878_400; // 2025-12-04T20:00:00Z

    #[test]
    fn durations() {
        assert_eq!(parse_duration("15m"), Ok(900));
        assert_eq!(parse_duration("+2h"), Ok(7_200));
        assert_eq!(parse_duration("-90s"), Ok(-90));
        assert_eq!(parse_duration("1h30m"), Ok(5_400));
        assert_eq!(parse_duration("1d"), Ok(86_400));
        for bad in ["", "+", "15", "m", "15x", "1.5h", "9999999999999999999s"] {
            assert!(parse_duration(bad).is_err(), "{bad:?} should be rejected");
        }
    }

    #[test]
    fn waits() {
        use std::time::Duration;
        assert_eq!(parse_std_duration("500ms"), Ok(Duration::from_millis(500)));
        assert_eq!(parse_std_duration("1.5s"), Ok(Duration::from_millis(1500)));
        assert_eq!(parse_std_duration("2m"), Ok(Duration::from_secs(120)));
        assert_eq!(parse_std_duration("3"), Ok(Duration::from_secs(3)));
        for bad in ["", "s", "-1s", "1x", "1e400s", "1.2.3s"] {
            assert!(parse_std_duration(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn times() {
        assert_eq!(parse_time("now", NOW), Ok(NOW));
        assert_eq!(parse_time("+15m", NOW), Ok(NOW + 900));
        assert_eq!(parse_time("-2h", NOW), Ok(NOW - 7_200));
        assert_eq!(parse_time("2025-12-04T21:00:00Z", NOW), Ok(NOW + 3_600));
        assert_eq!(
            parse_time("2025-12-04T22:00:00+01:00", NOW),
            Ok(NOW + 3_600)
        );
        assert_eq!(parse_time("1756984084", NOW), Ok(1_756_984_084));
        assert!(parse_time("tomorrow", NOW).is_err());
        assert!(parse_time("2025-13-01T00:00:00Z", NOW).is_err());
    }

    #[test]
    fn swift_reference_date() {
        assert_eq!(format_swift_date(0.0), "2001-01-01T00:00:00Z");
        assert_eq!(
            format_swift_date((NOW - SWIFT_REFERENCE_OFFSET) as f64),
            "2025-12-04T20:00:00Z"
        );
        assert_eq!(format_unix(NOW), "2025-12-04T20:00:00Z");
    }
}
