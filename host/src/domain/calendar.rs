//! Working days (工作日) for due dates and SLA clocks: weekends rest, public holidays rest, and the
//! weekend days the State Council swaps into working days (调休) work. Holidays come from the
//! deployment's configuration, because they are announced year by year.

use std::collections::HashSet;

use chrono::{Datelike, Days, FixedOffset, NaiveDate, Utc, Weekday};

#[derive(Clone, Debug, Default)]
pub struct Calendar {
    holidays: HashSet<NaiveDate>,
    extra_workdays: HashSet<NaiveDate>,
}

/// The deployment's time zone: China Standard Time, UTC+8 all year.
pub fn china_offset() -> FixedOffset {
    FixedOffset::east_opt(8 * 3600).expect("UTC+8 is a valid offset")
}

/// Today in China.
pub fn today() -> NaiveDate {
    Utc::now().with_timezone(&china_offset()).date_naive()
}

impl Calendar {
    pub fn new(holidays: &[String], extra_workdays: &[String]) -> anyhow::Result<Calendar> {
        let parse = |days: &[String]| -> anyhow::Result<HashSet<NaiveDate>> {
            days.iter()
                .map(|d| {
                    NaiveDate::parse_from_str(d, "%Y-%m-%d")
                        .map_err(|e| anyhow::anyhow!("calendar date `{d}`: {e}"))
                })
                .collect()
        };
        Ok(Calendar {
            holidays: parse(holidays)?,
            extra_workdays: parse(extra_workdays)?,
        })
    }

    pub fn is_working_day(&self, day: NaiveDate) -> bool {
        if self.extra_workdays.contains(&day) {
            return true;
        }
        !matches!(day.weekday(), Weekday::Sat | Weekday::Sun) && !self.holidays.contains(&day)
    }

    /// The `n`th working day after `start` (the day of submission does not count).
    pub fn add_working_days(&self, start: NaiveDate, n: u32) -> NaiveDate {
        let mut day = start;
        let mut left = n;
        while left > 0 {
            day = day + Days::new(1);
            if self.is_working_day(day) {
                left -= 1;
            }
        }
        day
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn five_working_days_from_a_friday_end_the_next_friday() {
        let calendar = Calendar::default();
        assert_eq!(
            calendar.add_working_days(date("2026-11-27"), 5),
            date("2026-12-04")
        );
    }

    #[test]
    fn holidays_are_skipped_and_swapped_weekend_days_count() {
        let calendar = Calendar::new(
            &["2026-10-01".into(), "2026-10-02".into()],
            &["2026-10-10".into()],
        )
        .unwrap();
        // Wed 2026-09-30 + 2 working days: Thu 1st and Fri 2nd are holidays, Mon 5th, Tue 6th.
        assert_eq!(
            calendar.add_working_days(date("2026-09-30"), 2),
            date("2026-10-06")
        );
        // Fri 2026-10-09 + 1: Saturday the 10th is a swapped working day.
        assert_eq!(
            calendar.add_working_days(date("2026-10-09"), 1),
            date("2026-10-10")
        );
    }

    #[test]
    fn zero_days_is_the_same_day() {
        assert_eq!(
            Calendar::default().add_working_days(date("2026-11-28"), 0),
            date("2026-11-28")
        );
    }

    #[test]
    fn a_malformed_holiday_is_refused() {
        assert!(Calendar::new(&["2026-13-01".into()], &[]).is_err());
    }
}
