//! Calendar dates as the contract carries them (`YYYY-MM-DD`, e.g. `ctx.today`), with the little
//! arithmetic items need: adding days (validity periods) and years (age limits), and the weekday
//! (office hours). Proleptic Gregorian calendar; no time zones, which the host has already applied.

use std::fmt;
use std::str::FromStr;

/// A calendar date. Ordering is chronological.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date {
    year: i32,
    month: u32,
    day: u32,
}

/// A string that is not a `YYYY-MM-DD` date.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvalidDate(pub String);

impl fmt::Display for InvalidDate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "not a YYYY-MM-DD date: {:?}", self.0)
    }
}

impl std::error::Error for InvalidDate {}

impl Date {
    /// The date, if `day` exists in that month.
    pub fn new(year: i32, month: u32, day: u32) -> Option<Self> {
        ((1..=12).contains(&month) && (1..=days_in_month(year, month)).contains(&day))
            .then_some(Self { year, month, day })
    }

    pub fn year(self) -> i32 {
        self.year
    }

    pub fn month(self) -> u32 {
        self.month
    }

    pub fn day(self) -> u32 {
        self.day
    }

    /// The ISO weekday: 1 for Monday through 7 for Sunday.
    pub fn weekday(self) -> u32 {
        // 1970-01-01, day number 0, was a Thursday.
        u32::try_from((day_number(self) + 3).rem_euclid(7)).expect("0..7") + 1
    }

    /// `days` later (or earlier, when negative).
    #[must_use]
    pub fn add_days(self, days: i64) -> Self {
        from_day_number(day_number(self) + days)
    }

    /// The same month and day `years` later. 29 February becomes 1 March in a common year, so
    /// that `registered.add_years(6) > today` holds exactly until the sixth anniversary.
    #[must_use]
    pub fn add_years(self, years: i32) -> Self {
        let year = self.year + years;
        Self::new(year, self.month, self.day).unwrap_or(Self {
            year,
            month: 3,
            day: 1,
        })
    }

    /// How many days `later` is after `self` (negative when it is before).
    pub fn days_until(self, later: Self) -> i64 {
        day_number(later) - day_number(self)
    }
}

impl FromStr for Date {
    type Err = InvalidDate;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let invalid = || InvalidDate(text.to_owned());
        let bytes = text.as_bytes();
        let shape_ok = bytes.len() == 10
            && bytes[4] == b'-'
            && bytes[7] == b'-'
            && bytes
                .iter()
                .enumerate()
                .all(|(i, b)| i == 4 || i == 7 || b.is_ascii_digit());
        if !shape_ok {
            return Err(invalid());
        }
        let year = text[0..4].parse().map_err(|_| invalid())?;
        let month = text[5..7].parse().map_err(|_| invalid())?;
        let day = text[8..10].parse().map_err(|_| invalid())?;
        Self::new(year, month, day).ok_or_else(invalid)
    }
}

impl Date {
    /// As people read it in messages and notes: `2028年12月6日` (the `Display` form,
    /// `2028-12-06`, is for JSON and the host).
    pub fn chinese(&self) -> String {
        format!("{}年{}月{}日", self.year, self.month, self.day)
    }
}

/// A `YYYY-MM-DD` text as people read it (`2028年12月6日`); other text as it is.
pub fn chinese(text: &str) -> String {
    text.parse::<Date>()
        .map_or_else(|_| text.to_owned(), |date| date.chinese())
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

impl serde::Serialize for Date {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> serde::Deserialize<'de> for Date {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

fn is_leap(year: i32) -> bool {
    (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
}

fn days_in_month(year: i32, month: u32) -> u32 {
    match month {
        2 if is_leap(year) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days since 1970-01-01 (Howard Hinnant's `days_from_civil`).
fn day_number(date: Date) -> i64 {
    let year = i64::from(date.year) - i64::from(date.month <= 2);
    let era = year.div_euclid(400);
    let year_of_era = year - era * 400;
    let month = i64::from(date.month);
    let day_of_year =
        (153 * (month + if month > 2 { -3 } else { 9 }) + 2) / 5 + i64::from(date.day) - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * 146_097 + day_of_era - 719_468
}

/// The inverse of [`day_number`] (`civil_from_days`).
fn from_day_number(days: i64) -> Date {
    let days = days + 719_468;
    let era = days.div_euclid(146_097);
    let day_of_era = days - era * 146_097;
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let month_index = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * month_index + 2) / 5 + 1;
    let month = if month_index < 10 {
        month_index + 3
    } else {
        month_index - 9
    };
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    Date {
        year: i32::try_from(year).expect("year out of range"),
        month: u32::try_from(month).expect("month is 1..=12"),
        day: u32::try_from(day).expect("day is 1..=31"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_date_reads_in_chinese_for_people() {
        assert_eq!(chinese("2028-12-06"), "2028年12月6日");
        assert_eq!(chinese("长期"), "长期");
    }

    fn date(text: &str) -> Date {
        text.parse().unwrap()
    }

    #[test]
    fn dates_round_trip_through_text() {
        for text in ["1970-01-01", "2000-02-29", "2023-12-31", "0001-01-01"] {
            assert_eq!(date(text).to_string(), text);
        }
    }

    #[test]
    fn impossible_or_misshapen_dates_are_refused() {
        for text in [
            "2023-02-29",
            "2023-13-01",
            "2023-00-10",
            "2023-1-01",
            "20230101",
            "2023-01-01T00",
            "２０23-01-01",
        ] {
            assert!(text.parse::<Date>().is_err(), "{text}");
        }
    }

    #[test]
    fn adding_days_crosses_months_years_and_leap_days() {
        assert_eq!(date("2024-02-28").add_days(1), date("2024-02-29"));
        assert_eq!(date("2023-02-28").add_days(1), date("2023-03-01"));
        assert_eq!(date("2025-06-01").add_days(730), date("2027-06-01"));
        assert_eq!(date("2024-01-01").add_days(730), date("2025-12-31"));
        assert_eq!(date("1970-01-01").add_days(-1), date("1969-12-31"));
    }

    #[test]
    fn adding_years_keeps_the_day_and_moves_29_february_to_1_march() {
        assert_eq!(date("2019-05-20").add_years(6), date("2025-05-20"));
        assert_eq!(date("2020-02-29").add_years(6), date("2026-03-01"));
        assert_eq!(date("2020-02-29").add_years(4), date("2024-02-29"));
    }

    #[test]
    fn weekdays_follow_the_iso_numbering() {
        assert_eq!(date("1970-01-01").weekday(), 4);
        assert_eq!(date("2024-02-29").weekday(), 4);
        assert_eq!(date("2025-06-01").weekday(), 7);
        assert_eq!(date("2025-06-02").weekday(), 1);
    }

    #[test]
    fn days_between_two_dates_undo_adding_days() {
        assert_eq!(date("2024-02-28").days_until(date("2024-03-01")), 2);
        assert_eq!(date("2000-01-01").days_until(date("1999-12-31")), -1);
        let start = date("2025-06-01");
        assert_eq!(start.days_until(start.add_days(730)), 730);
    }

    #[test]
    fn dates_order_chronologically() {
        assert!(date("2023-12-31") < date("2024-01-01"));
        assert!(date("2024-02-01") > date("2024-01-31"));
    }
}
