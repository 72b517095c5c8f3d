//! Times as people read them: stored UTC text shown in ROSTER_TIME_ZONE, to the second, labelled.

use chrono::{NaiveDateTime, TimeZone};
use chrono_tz::Tz;

/// `2026-11-30 10:15:02 CET` for Django's stored `2026-11-30 09:15:02.123456` (UTC); text that
/// is not such a time is shown as it is.
pub fn local(stored: &str, zone: Tz) -> String {
    let parsed = NaiveDateTime::parse_from_str(stored.trim(), "%Y-%m-%d %H:%M:%S%.f")
        .or_else(|_| NaiveDateTime::parse_from_str(stored.trim(), "%Y-%m-%dT%H:%M:%S%.f"));
    match parsed {
        Ok(utc) => zone
            .from_utc_datetime(&utc)
            .format("%Y-%m-%d %H:%M:%S %Z")
            .to_string(),
        Err(_) => stored.to_string(),
    }
}

/// The column label for times: "When (Europe/Berlin)".
pub fn label(what: &str, zone: Tz) -> String {
    format!("{what} ({})", zone.name())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stored_utc_is_shown_in_the_zone_to_the_second() {
        let berlin: Tz = "Europe/Berlin".parse().unwrap();
        assert_eq!(
            local("2026-11-30 09:15:02.123456", berlin),
            "2026-11-30 10:15:02 CET"
        );
        assert_eq!(
            local("2026-07-01 09:15:02", berlin),
            "2026-07-01 11:15:02 CEST"
        );
        assert_eq!(
            local("2026-11-30 09:15:02", Tz::UTC),
            "2026-11-30 09:15:02 UTC"
        );
        assert_eq!(local("never", berlin), "never");
    }
}
