//! Wall-clock times in an event's IANA time zone, both ways: what the organizer types into a
//! `datetime-local` field, and what the console shows. The zone database is built into the
//! binary (jiff's bundled tzdb), so a server without tzdata reads Africa/Lagos the same.

use jiff::civil::DateTime;
use jiff::tz::TimeZone;
use jiff::Timestamp;

use crate::error::{Error, Result};

pub fn zone(name: &str) -> Result<TimeZone> {
    TimeZone::get(name.trim())
        .map_err(|_| Error::BadRequest(format!("`{}` is not a time zone name like Africa/Lagos", name.trim())))
}

/// `2026-12-31T20:00` in `tz` -> Unix seconds.
pub fn parse_local(what: &str, value: &str, tz: &TimeZone) -> Result<i64> {
    let bad = || Error::BadRequest(format!("{what}: `{}` is not a date and time like 2026-12-31T20:00", value.trim()));
    let civil: DateTime = value.trim().parse().map_err(|_| bad())?;
    let zoned = civil.to_zoned(tz.clone()).map_err(|_| bad())?;
    Ok(zoned.timestamp().as_second())
}

fn at(secs: i64, tz: &TimeZone) -> jiff::Zoned {
    Timestamp::from_second(secs).unwrap_or_default().to_zoned(tz.clone())
}

/// The value of a `datetime-local` field.
pub fn input_value(secs: i64, tz: &TimeZone) -> String {
    at(secs, tz).strftime("%Y-%m-%dT%H:%M").to_string()
}

/// How the console shows a time: `Thu 31 Dec 2026, 20:00 WAT` in English; numeric in the other
/// languages (`31/12/2026 20:00 WAT`: no month or day names to translate).
pub fn show(secs: i64, tz: &TimeZone) -> String {
    let format =
        if super::html::lang() == ingia_core::Lang::En { "%a %-d %b %Y, %H:%M %Z" } else { "%d/%m/%Y %H:%M %Z" };
    at(secs, tz).strftime(format).to_string()
}

/// A moment in milliseconds, shown in `tz`.
pub fn show_ms(ms: u64, tz: &TimeZone) -> String {
    show((ms / 1000) as i64, tz)
}

/// A moment in milliseconds as an SMS says it in any language: `05/12/2026 18:00` (day first,
/// as in every region Ingia's languages are read; no month names to translate).
pub fn numeric_ms(ms: u64, tz: &TimeZone) -> String {
    at((ms / 1000) as i64, tz).strftime("%d/%m/%Y %H:%M").to_string()
}

/// The time of day of a moment in milliseconds, in `tz`: `20:05:09`.
pub fn clock_ms(ms: u64, tz: &TimeZone) -> String {
    at((ms / 1000) as i64, tz).strftime("%H:%M:%S").to_string()
}

/// Every zone name the database has, for the form's suggestions.
pub fn zone_names() -> Vec<String> {
    let mut names: Vec<String> = jiff::tz::db().available().map(|n| n.to_string()).collect();
    names.sort();
    names
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lagos_wall_clock_round_trips() {
        let tz = zone("Africa/Lagos").unwrap();
        let secs = parse_local("start", "2026-12-31T20:00", &tz).unwrap();
        assert_eq!(secs, crate::util::parse_rfc3339("2026-12-31T20:00+01:00").unwrap());
        assert_eq!(input_value(secs, &tz), "2026-12-31T20:00");
        assert_eq!(show(secs, &tz), "Thu 31 Dec 2026, 20:00 WAT");
        assert!(zone("Mars/Olympus").is_err());
        assert!(parse_local("start", "31/12/2026", &tz).is_err());
        assert!(zone_names().iter().any(|n| n == "Africa/Nairobi"));
    }
}
