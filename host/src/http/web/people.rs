//! Times and dates as people in the city read them: China time (UTC+8, no daylight saving), in
//! Chinese (`2026年12月5日 19:57`), never the stored RFC 3339 UTC stamp. Every page's template
//! struct gets these as methods (`{{ self.china_time(event.at) }}`) by importing [`People`].

use chrono::{DateTime, FixedOffset, NaiveDate};

/// China Standard Time.
const CHINA: i32 = 8 * 3600;

/// `2026-12-05T11:57:13.911Z` as `2026年12月5日 19:57`; text that is not a stamp as it is.
pub fn china_time(stamp: &str) -> String {
    let china = FixedOffset::east_opt(CHINA).expect("UTC+8 is a valid offset");
    match DateTime::parse_from_rfc3339(stamp) {
        Ok(at) => at
            .with_timezone(&china)
            .format("%Y年%-m月%-d日 %H:%M")
            .to_string(),
        Err(_) => stamp.to_owned(),
    }
}

/// `2026-12-05` as `2026年12月5日`; text that is not a date as it is.
pub fn china_date(date: &str) -> String {
    match NaiveDate::parse_from_str(date, "%Y-%m-%d") {
        Ok(day) => day.format("%Y年%-m月%-d日").to_string(),
        Err(_) => date.to_owned(),
    }
}

/// The formatting above as methods of every page, for its template.
pub trait People {
    fn china_time(&self, stamp: &str) -> String {
        china_time(stamp)
    }

    fn china_date(&self, date: &str) -> String {
        china_date(date)
    }
}

impl<T: askama::Template> People for T {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_utc_stamp_is_shown_in_china_time() {
        assert_eq!(
            china_time("2026-12-05T11:57:13.911Z"),
            "2026年12月5日 19:57"
        );
        // Past 16:00 UTC it is already the next day in China.
        assert_eq!(china_time("2026-12-31T16:05:00Z"), "2027年1月1日 00:05");
        assert_eq!(china_time("soon"), "soon");
    }

    #[test]
    fn a_date_is_shown_in_chinese() {
        assert_eq!(china_date("2026-01-05"), "2026年1月5日");
        assert_eq!(china_date("—"), "—");
    }
}
