//! Calendar months as the registries carry them (`YYYY-MM`: a contribution month, a residence
//! permit's start), with the counting items need: months between two, and the month of a date.
//! Shares the calendar of [`crate::date`]; no time zones.

use std::fmt;
use std::str::FromStr;

use crate::date::Date;

/// A calendar month. Ordering is chronological.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct YearMonth {
    year: i32,
    month: u32,
}

/// A string that is not a `YYYY-MM` month.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvalidMonth(pub String);

impl fmt::Display for InvalidMonth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "not a YYYY-MM month: {:?}", self.0)
    }
}

impl std::error::Error for InvalidMonth {}

impl YearMonth {
    /// The month, if `month` is 1 to 12.
    pub fn new(year: i32, month: u32) -> Option<Self> {
        (1..=12).contains(&month).then_some(Self { year, month })
    }

    /// The month `date` falls in.
    pub fn of(date: Date) -> Self {
        Self {
            year: date.year(),
            month: date.month(),
        }
    }

    pub fn year(self) -> i32 {
        self.year
    }

    pub fn month(self) -> u32 {
        self.month
    }

    /// `months` later (or earlier, when negative).
    #[must_use]
    pub fn add_months(self, months: i64) -> Self {
        let index = self.index() + months;
        Self {
            year: i32::try_from(index.div_euclid(12)).expect("year out of range"),
            month: u32::try_from(index.rem_euclid(12)).expect("0..12") + 1,
        }
    }

    /// How many months `later` is after `self` (negative when it is before).
    pub fn months_until(self, later: Self) -> i64 {
        later.index() - self.index()
    }

    /// The first day of the month.
    pub fn first_day(self) -> Date {
        Date::new(self.year, self.month, 1).expect("every month has a first day")
    }

    /// Months since year 0, January.
    fn index(self) -> i64 {
        i64::from(self.year) * 12 + i64::from(self.month) - 1
    }
}

impl FromStr for YearMonth {
    type Err = InvalidMonth;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let invalid = || InvalidMonth(text.to_owned());
        let bytes = text.as_bytes();
        let shape_ok = bytes.len() == 7
            && bytes[4] == b'-'
            && bytes
                .iter()
                .enumerate()
                .all(|(i, b)| i == 4 || b.is_ascii_digit());
        if !shape_ok {
            return Err(invalid());
        }
        let year = text[0..4].parse().map_err(|_| invalid())?;
        let month = text[5..7].parse().map_err(|_| invalid())?;
        Self::new(year, month).ok_or_else(invalid)
    }
}

impl fmt::Display for YearMonth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}", self.year, self.month)
    }
}

impl serde::Serialize for YearMonth {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> serde::Deserialize<'de> for YearMonth {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn month(text: &str) -> YearMonth {
        text.parse().unwrap()
    }

    #[test]
    fn months_round_trip_through_text() {
        for text in ["2015-07", "2026-12", "0001-01"] {
            assert_eq!(month(text).to_string(), text);
        }
    }

    #[test]
    fn impossible_or_misshapen_months_are_refused() {
        for text in [
            "2026-13",
            "2026-00",
            "2026-1",
            "202601",
            "2026-01-01",
            "２026-01",
            "",
        ] {
            assert!(text.parse::<YearMonth>().is_err(), "{text}");
        }
    }

    #[test]
    fn adding_months_crosses_years_both_ways() {
        assert_eq!(month("2025-11").add_months(2), month("2026-01"));
        assert_eq!(month("2026-01").add_months(-1), month("2025-12"));
        assert_eq!(month("2026-03").add_months(-27), month("2023-12"));
    }

    #[test]
    fn months_between_two_months_count_the_steps() {
        assert_eq!(month("2015-07").months_until(month("2026-10")), 135);
        assert_eq!(month("2026-10").months_until(month("2015-07")), -135);
        assert_eq!(month("2026-10").months_until(month("2026-10")), 0);
    }

    #[test]
    fn a_date_belongs_to_its_month_and_months_order_chronologically() {
        let date: Date = "2024-02-29".parse().unwrap();
        assert_eq!(YearMonth::of(date), month("2024-02"));
        assert_eq!(month("2024-02").first_day().to_string(), "2024-02-01");
        assert!(month("2025-12") < month("2026-01"));
    }
}
