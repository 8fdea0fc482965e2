//! China dates and working days: the SLA clock of one case (paused while it waits on the
//! applicant) and the UTC instants that bound a range of China dates. Pure functions over instants
//! and a [`Calendar`]; they know nothing of storage, items or the report they feed.

use chrono::{DateTime, Days, NaiveDate, NaiveTime, SecondsFormat, Utc};

use crate::domain::calendar::{Calendar, china_offset};
use crate::domain::error::{DomainError, Result};
use crate::model::contract::FieldError;

/// How long a case took, in working days.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Sla {
    /// From submission to completion (or to `end` for an open case).
    pub handling_days: u32,
    /// Of those, the days the case waited on the applicant: the clock is paused then.
    pub paused_days: u32,
}

impl Sla {
    /// The days that count against the promised time limit.
    pub fn counted_days(self) -> u32 {
        self.handling_days.saturating_sub(self.paused_days)
    }

    pub fn on_time(self, promised_days: u32) -> bool {
        self.counted_days() <= promised_days
    }
}

/// The working days after `from` up to and including `to` (the day things start does not count,
/// as with [`Calendar::add_working_days`]); 0 when `to` is not after `from`.
pub fn working_days_between(calendar: &Calendar, from: NaiveDate, to: NaiveDate) -> u32 {
    let mut days = 0;
    let mut day = from;
    while day < to {
        day = day + Days::new(1);
        if calendar.is_working_day(day) {
            days += 1;
        }
    }
    days
}

/// The day an instant falls on in China.
pub fn china_date(at: DateTime<Utc>) -> NaiveDate {
    at.with_timezone(&china_offset()).date_naive()
}

/// The SLA clock of a case submitted at `submitted` and completed (or looked at) at `end`, given
/// its state changes in order (`to_state`, when) and which states wait on the applicant. Spans
/// are counted in working days between China dates, so that they add up: the whole span is the
/// sum of its working and waiting parts.
pub fn sla(
    calendar: &Calendar,
    submitted: DateTime<Utc>,
    end: DateTime<Utc>,
    events: &[(String, DateTime<Utc>)],
    waits_on_applicant: impl Fn(&str) -> bool,
) -> Sla {
    let handling_days = working_days_between(calendar, china_date(submitted), china_date(end));
    let mut paused_days = 0;
    let mut waiting_since: Option<DateTime<Utc>> = None;
    for (to_state, at) in events {
        match (waits_on_applicant(to_state), waiting_since) {
            (true, None) => waiting_since = Some(*at),
            (false, Some(since)) => {
                paused_days += working_days_between(calendar, china_date(since), china_date(*at));
                waiting_since = None;
            }
            _ => {}
        }
    }
    if let Some(since) = waiting_since {
        paused_days += working_days_between(calendar, china_date(since), china_date(end));
    }
    Sla {
        handling_days,
        paused_days: paused_days.min(handling_days),
    }
}

/// The UTC instants (RFC 3339 text, as stored) that bound the China dates `from..=to`:
/// `[from 00:00 +08:00, to + 1 day 00:00 +08:00)`.
pub fn range_bounds(from: &str, to: &str) -> Result<(NaiveDate, NaiveDate, String, String)> {
    let parse = |field: &str, text: &str| {
        NaiveDate::parse_from_str(text, "%Y-%m-%d").map_err(|_| {
            DomainError::fields_wrong(
                "invalid_input",
                vec![FieldError {
                    field: field.into(),
                    code: "invalid_date".into(),
                    message: "日期格式应为 YYYY-MM-DD".into(),
                }],
            )
        })
    };
    let (from, to) = (parse("from", from)?, parse("to", to)?);
    if from > to {
        return Err(DomainError::fields_wrong(
            "invalid_input",
            vec![FieldError {
                field: "to".into(),
                code: "invalid_range".into(),
                message: "结束日期不能早于开始日期".into(),
            }],
        ));
    }
    let start_of = |day: NaiveDate| {
        day.and_time(NaiveTime::MIN)
            .and_local_timezone(china_offset())
            .single()
            .map(|t| {
                t.with_timezone(&Utc)
                    .to_rfc3339_opts(SecondsFormat::Millis, true)
            })
            .ok_or_else(|| DomainError::Internal(anyhow::anyhow!("no midnight on {day}")))
    };
    let until = to.checked_add_days(Days::new(1)).ok_or_else(|| {
        DomainError::fields_wrong(
            "invalid_input",
            vec![FieldError {
                field: "to".into(),
                code: "invalid_date".into(),
                message: "日期超出范围".into(),
            }],
        )
    })?;
    Ok((from, to, start_of(from)?, start_of(until)?))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    /// `YYYY-MM-DD HH:MM` in China time, as a UTC instant.
    fn at(s: &str) -> DateTime<Utc> {
        chrono::NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M")
            .unwrap()
            .and_local_timezone(china_offset())
            .unwrap()
            .with_timezone(&Utc)
    }

    fn events(list: &[(&str, &str)]) -> Vec<(String, DateTime<Utc>)> {
        list.iter().map(|(s, t)| (s.to_string(), at(t))).collect()
    }

    fn waits(state: &str) -> bool {
        state == "materials-requested"
    }

    /// 2026-10-01..07 National Day holidays, Saturday 2026-10-10 a swapped working day.
    fn national_day() -> Calendar {
        let holidays: Vec<String> = (1..=7).map(|d| format!("2026-10-0{d}")).collect();
        Calendar::new(&holidays, &["2026-10-10".into()]).unwrap()
    }

    #[test]
    fn the_day_of_submission_does_not_count_and_weekends_rest() {
        let calendar = Calendar::default();
        // Fri 2026-11-20 → Fri 2026-11-27: Mon..Fri = 5.
        assert_eq!(
            working_days_between(&calendar, date("2026-11-20"), date("2026-11-27")),
            5
        );
        assert_eq!(
            working_days_between(&calendar, date("2026-11-27"), date("2026-11-27")),
            0
        );
        // Backwards is nothing, not negative.
        assert_eq!(
            working_days_between(&calendar, date("2026-11-27"), date("2026-11-20")),
            0
        );
        // Fri → the next Monday: 1.
        assert_eq!(
            working_days_between(&calendar, date("2026-11-27"), date("2026-11-30")),
            1
        );
    }

    #[test]
    fn holidays_rest_and_swapped_weekend_days_work() {
        // Tue 2026-09-29 → Mon 2026-10-12: Wed 30th, Thu 8th, Fri 9th, Sat 10th (swapped), Mon 12th.
        assert_eq!(
            working_days_between(&national_day(), date("2026-09-29"), date("2026-10-12")),
            5
        );
    }

    #[test]
    fn a_case_done_within_the_promise_is_on_time() {
        let calendar = Calendar::default();
        // Mon 2026-11-16 10:00 → Mon 2026-11-23 16:00: Tue..Fri + Mon = 5 working days.
        let sla = sla(
            &calendar,
            at("2026-11-16 10:00"),
            at("2026-11-23 16:00"),
            &events(&[
                ("submitted", "2026-11-16 10:00"),
                ("under-review", "2026-11-16 10:00"),
                ("completed", "2026-11-23 16:00"),
            ]),
            waits,
        );
        assert_eq!(
            sla,
            Sla {
                handling_days: 5,
                paused_days: 0
            }
        );
        assert!(sla.on_time(5));
        assert!(!sla.on_time(4));
    }

    #[test]
    fn the_clock_pauses_while_materials_are_requested() {
        let calendar = Calendar::default();
        // Submitted Mon 11-02; materials requested Wed 11-04; resubmitted Wed 11-11 (5 working
        // days later: Thu, Fri, Mon, Tue, Wed); completed Fri 11-13. Whole span: 9 working days
        // (11-03..11-13); paused 5; counted 4, within a promise of 5 although the span is not.
        let sla = sla(
            &calendar,
            at("2026-11-02 09:00"),
            at("2026-11-13 15:00"),
            &events(&[
                ("submitted", "2026-11-02 09:00"),
                ("under-review", "2026-11-02 09:00"),
                ("materials-requested", "2026-11-04 11:00"),
                ("under-review", "2026-11-11 08:30"),
                ("completed", "2026-11-13 15:00"),
            ]),
            waits,
        );
        assert_eq!(
            sla,
            Sla {
                handling_days: 9,
                paused_days: 5
            }
        );
        assert_eq!(sla.counted_days(), 4);
        assert!(sla.on_time(5));
    }

    #[test]
    fn every_pause_counts_and_a_refusal_while_waiting_ends_the_pause_at_completion() {
        let calendar = Calendar::default();
        // Two pauses: Tue 11-03 → Thu 11-05 (2), Mon 11-09 → rejected while waiting Wed 11-11 (2).
        let sla = sla(
            &calendar,
            at("2026-11-02 09:00"),
            at("2026-11-11 09:00"),
            &events(&[
                ("under-review", "2026-11-02 09:00"),
                ("materials-requested", "2026-11-03 09:00"),
                ("under-review", "2026-11-05 09:00"),
                ("materials-requested", "2026-11-09 09:00"),
                ("rejected", "2026-11-11 09:00"),
            ]),
            waits,
        );
        assert_eq!(
            sla,
            Sla {
                handling_days: 7,
                paused_days: 4
            }
        );
    }

    #[test]
    fn holidays_in_the_middle_do_not_count_against_the_department() {
        // Submitted Tue 09-29, completed Mon 10-12: 5 working days over the National Day week.
        let sla = sla(
            &national_day(),
            at("2026-09-29 17:00"),
            at("2026-10-12 09:00"),
            &events(&[("under-review", "2026-09-29 17:00")]),
            waits,
        );
        assert_eq!(sla.handling_days, 5);
        assert!(sla.on_time(5));
    }

    #[test]
    fn dates_are_china_dates() {
        // 2026-11-27 23:30 UTC is already Saturday 11-28 in China: a Friday 09:00 submission
        // completed then took 0 working days, not 0 by UTC luck.
        let submitted = at("2026-11-27 09:00");
        let completed = DateTime::parse_from_rfc3339("2026-11-27T23:30:00Z")
            .unwrap()
            .with_timezone(&Utc);
        assert_eq!(china_date(completed), date("2026-11-28"));
        let sla = sla(&Calendar::default(), submitted, completed, &[], waits);
        assert_eq!(sla.handling_days, 0);
    }

    #[test]
    fn the_range_is_bounded_by_china_midnights_in_utc() {
        let (from, to, start, until) = range_bounds("2026-11-01", "2026-11-30").unwrap();
        assert_eq!((from, to), (date("2026-11-01"), date("2026-11-30")));
        assert_eq!(start, "2026-10-31T16:00:00.000Z");
        assert_eq!(until, "2026-11-30T16:00:00.000Z");
        assert!(range_bounds("2026-11-30", "2026-11-01").is_err());
        assert!(range_bounds("2026-11-31", "2026-12-01").is_err());
        assert!(range_bounds("20261101", "2026-12-01").is_err());
        assert!(range_bounds("2026-11-01", "2026-11-01").is_ok());
    }
}
