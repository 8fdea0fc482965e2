//! The applications received per China date, and those days grouped by day, week, month or year
//! for the charts. Only dates and counts: what a case's figures are is the report's business,
//! and drawing the bars is the web's (`web/charts.rs`).

use std::collections::BTreeMap;

use chrono::{DateTime, Datelike, Days, Months, NaiveDate, Utc};
use serde::Serialize;

use super::sla::china_date;

/// Applications received on one day.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct DayCount {
    /// `YYYY-MM-DD`, China time.
    #[schema(value_type = String, format = Date)]
    pub date: NaiveDate,
    pub received: u64,
}

/// How a series of days is grouped for a chart: calendar weeks start on Monday.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Period {
    Day,
    Week,
    Month,
    Year,
}

/// Applications received in one period, whose days `first..=last` are clipped to the range.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bucket {
    pub first: NaiveDate,
    pub last: NaiveDate,
    pub received: u64,
}

/// Longest range, in days, drawn day by day (a quarter).
const MAX_DAILY_DAYS: i64 = 92;
/// Longest range drawn week by week (two years); months after that, years beyond 20 years, so
/// that a chart never has more than a few hundred bars, whatever range is asked for.
const MAX_WEEKLY_DAYS: i64 = 731;
const MAX_MONTHLY_DAYS: i64 = 20 * 366;

impl Period {
    /// The grouping that keeps a chart of `from..=to` readable.
    pub fn for_range(from: NaiveDate, to: NaiveDate) -> Period {
        let days = (to - from).num_days() + 1;
        if days <= MAX_DAILY_DAYS {
            Period::Day
        } else if days <= MAX_WEEKLY_DAYS {
            Period::Week
        } else if days <= MAX_MONTHLY_DAYS {
            Period::Month
        } else {
            Period::Year
        }
    }

    /// The first day of the period `day` falls in.
    fn start(self, day: NaiveDate) -> NaiveDate {
        match self {
            Period::Day => day,
            Period::Week => day
                .checked_sub_days(Days::new(u64::from(day.weekday().num_days_from_monday())))
                .unwrap_or(day),
            Period::Month => day.with_day(1).unwrap_or(day),
            Period::Year => day.with_ordinal(1).unwrap_or(day),
        }
    }

    /// The first day of the period after the one `day` falls in; `None` past the calendar's end.
    fn next(self, day: NaiveDate) -> Option<NaiveDate> {
        let start = self.start(day);
        match self {
            Period::Day => start.checked_add_days(Days::new(1)),
            Period::Week => start.checked_add_days(Days::new(7)),
            Period::Month => start.checked_add_months(Months::new(1)),
            Period::Year => start.checked_add_months(Months::new(12)),
        }
    }
}

/// How many of `submitted` fall on each China date (the date rule of [`range_bounds`]), in date
/// order, days without any left out.
pub fn received_by_day(submitted: impl IntoIterator<Item = DateTime<Utc>>) -> Vec<DayCount> {
    let mut days: BTreeMap<NaiveDate, u64> = BTreeMap::new();
    for at in submitted {
        *days.entry(china_date(at)).or_default() += 1;
    }
    days.into_iter()
        .map(|(date, received)| DayCount { date, received })
        .collect()
}

/// The days `from..=to` grouped by `period`, each bucket counting the applications of its days
/// in `by_day` (in date order, as a report gives them); a period without any counts 0.
pub fn buckets(from: NaiveDate, to: NaiveDate, by_day: &[DayCount], period: Period) -> Vec<Bucket> {
    let mut buckets = Vec::new();
    let mut days = by_day.iter().skip_while(|d| d.date < from).peekable();
    let mut first = from;
    while first <= to {
        let next = period.next(first);
        let last = next.map_or(to, |n| (n - Days::new(1)).min(to));
        let mut received = 0;
        while let Some(day) = days.next_if(|d| d.date <= last) {
            received += day.received;
        }
        buckets.push(Bucket {
            first,
            last,
            received,
        });
        match next {
            Some(next) => first = next,
            None => break,
        }
    }
    buckets
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::stats::range_bounds;

    fn date(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    fn utc(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    fn day_counts(list: &[(&str, u64)]) -> Vec<DayCount> {
        list.iter()
            .map(|(d, received)| DayCount {
                date: date(d),
                received: *received,
            })
            .collect()
    }

    /// Buckets as `(first, last, received)`.
    fn bucketed(
        from: &str,
        to: &str,
        by_day: &[DayCount],
        period: Period,
    ) -> Vec<(String, String, u64)> {
        buckets(date(from), date(to), by_day, period)
            .into_iter()
            .map(|b| (b.first.to_string(), b.last.to_string(), b.received))
            .collect()
    }

    fn b(first: &str, last: &str, received: u64) -> (String, String, u64) {
        (first.to_string(), last.to_string(), received)
    }

    #[test]
    fn a_day_begins_at_16_00_utc_the_day_before_as_the_range_does() {
        // 2026-11-19 15:59:59Z is 23:59:59 on the 19th in China; 16:00:00Z is midnight of the 20th.
        let by_day = received_by_day([
            utc("2026-11-19T15:59:59.999Z"),
            utc("2026-11-19T16:00:00.000Z"),
            utc("2026-11-20T15:59:59Z"),
            utc("2026-11-18T16:00:00Z"),
        ]);
        assert_eq!(by_day, day_counts(&[("2026-11-19", 2), ("2026-11-20", 2)]));
        // The range's own bound for the 20th is that same instant.
        let (_, _, start, _) = range_bounds("2026-11-20", "2026-11-20").unwrap();
        assert_eq!(start, "2026-11-19T16:00:00.000Z");
        assert_eq!(
            bucketed("2026-11-20", "2026-11-20", &by_day, Period::Day),
            [b("2026-11-20", "2026-11-20", 2)]
        );
    }

    #[test]
    fn day_buckets_cover_every_day_of_the_range_with_0_for_empty_days() {
        let by_day = day_counts(&[("2026-11-16", 1), ("2026-11-18", 3), ("2026-11-21", 2)]);
        assert_eq!(
            bucketed("2026-11-17", "2026-11-21", &by_day, Period::Day),
            [
                b("2026-11-17", "2026-11-17", 0),
                b("2026-11-18", "2026-11-18", 3),
                b("2026-11-19", "2026-11-19", 0),
                b("2026-11-20", "2026-11-20", 0),
                b("2026-11-21", "2026-11-21", 2),
            ],
            "the 16th is before the range and left out"
        );
        assert_eq!(
            bucketed("2026-11-30", "2026-11-30", &[], Period::Day),
            [b("2026-11-30", "2026-11-30", 0)]
        );
    }

    #[test]
    fn week_buckets_run_monday_to_sunday_clipped_to_the_range() {
        // Wed 2026-11-04 .. Tue 2026-11-24: a part week, two whole weeks, a part week.
        let by_day = day_counts(&[
            ("2026-11-04", 1),
            ("2026-11-08", 2),
            ("2026-11-09", 4),
            ("2026-11-22", 8),
            ("2026-11-24", 16),
            ("2026-11-25", 32),
        ]);
        assert_eq!(
            bucketed("2026-11-04", "2026-11-24", &by_day, Period::Week),
            [
                b("2026-11-04", "2026-11-08", 3),
                b("2026-11-09", "2026-11-15", 4),
                b("2026-11-16", "2026-11-22", 8),
                b("2026-11-23", "2026-11-24", 16),
            ]
        );
    }

    #[test]
    fn month_and_year_buckets_follow_the_calendar() {
        let by_day = day_counts(&[("2026-01-31", 1), ("2026-02-01", 2), ("2026-03-05", 4)]);
        assert_eq!(
            bucketed("2026-01-01", "2026-03-05", &by_day, Period::Month),
            [
                b("2026-01-01", "2026-01-31", 1),
                b("2026-02-01", "2026-02-28", 2),
                b("2026-03-01", "2026-03-05", 4),
            ]
        );
        assert_eq!(
            bucketed("2025-12-31", "2026-03-05", &by_day, Period::Year),
            [
                b("2025-12-31", "2025-12-31", 0),
                b("2026-01-01", "2026-03-05", 7)
            ]
        );
    }

    #[test]
    fn daily_up_to_a_quarter_then_weekly_and_coarser_for_long_ranges() {
        let period = |from: &str, to: &str| Period::for_range(date(from), date(to));
        assert_eq!(period("2026-11-20", "2026-11-20"), Period::Day);
        // 92 days: 2026-09-01 ..= 2026-12-01.
        assert_eq!(period("2026-09-01", "2026-12-01"), Period::Day);
        assert_eq!(period("2026-09-01", "2026-12-02"), Period::Week);
        assert_eq!(period("2025-01-01", "2026-12-31"), Period::Week);
        assert_eq!(period("2020-01-01", "2026-12-31"), Period::Month);
        assert_eq!(period("1900-01-01", "2026-12-31"), Period::Year);
        // The calendar's very end does not loop or panic.
        let last = NaiveDate::MAX;
        assert_eq!(buckets(last, last, &[], Period::Year).len(), 1);
    }
}
