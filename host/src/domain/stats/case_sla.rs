//! Each completed case's SLA figures, computed once and stored (`case_sla`), so that a report sums
//! them in SQL instead of reading every case and event of its range. Before a report is compiled,
//! the completed cases of its range that have none yet are filled in, a chunk at a time: after the
//! first report over a range, only the cases completed since. The clock itself is `sla.rs`; this
//! file knows which version's terms it runs on and how the figures reach storage.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Utc};

use super::sla::sla;
use super::{Stats, parse_instant};
use crate::domain::calendar::Calendar;
use crate::domain::error::{DomainError, Result};
use crate::storage::{CaseSla, SlaCaseRow, StatsEventRow};

/// Cases read, computed and stored per round: one transaction each, and the events of only
/// these cases in memory at a time.
const CHUNK: usize = 500;

/// What the SLA of a case needs of the item version it is pinned to.
pub(super) struct Terms {
    pub promised_days: u32,
    pub waiting_states: HashSet<String>,
}

impl Stats {
    /// Computes and stores the SLA figures of the completed cases submitted in `[from, until)`
    /// (of `department`, or of all) that have none; returns how many it stored. `known` holds the
    /// terms of item versions by sha256; the others are looked up and added. Another host filling
    /// the same cases at once is harmless: a case keeps the figures stored first, and both
    /// computed the same.
    pub(super) async fn fill_case_sla(
        &self,
        from: &str,
        until: &str,
        department: Option<&str>,
        known: &mut HashMap<String, Terms>,
    ) -> Result<u64> {
        let missing = self
            .storage
            .cases_without_sla(from, until, department)
            .await?;
        let mut stored = 0;
        for ids in missing.chunks(CHUNK) {
            let cases = self.storage.sla_cases(ids).await?;
            for case in &cases {
                if !known.contains_key(&case.item_sha256) {
                    let terms = self.terms(&case.item_code, &case.item_sha256).await?;
                    known.insert(case.item_sha256.clone(), terms);
                }
            }
            let events = self.storage.events_of_cases(ids).await?;
            let figures = figures(&self.calendar, &cases, &events, known)?;
            stored += self.storage.insert_case_sla(&figures).await?;
        }
        Ok(stored)
    }

    /// The terms of the version `sha256` of item `code`, as the case pinned to it promised.
    async fn terms(&self, code: &str, sha256: &str) -> Result<Terms> {
        let version = self.items.pinned(code, sha256).await?;
        let info = &version.info;
        Ok(Terms {
            promised_days: info.promised_days,
            waiting_states: info
                .workflow
                .states
                .iter()
                .filter(|state| state.waits_on_applicant)
                .map(|state| state.name.clone())
                .collect(),
        })
    }
}

/// The SLA figures of completed `cases` from their `events` (in order per case), on the terms of
/// the versions they are pinned to.
fn figures(
    calendar: &Calendar,
    cases: &[SlaCaseRow],
    events: &[StatsEventRow],
    terms: &HashMap<String, Terms>,
) -> Result<Vec<CaseSla>> {
    let mut events_of: HashMap<i64, Vec<(String, DateTime<Utc>)>> = HashMap::new();
    for event in events {
        events_of
            .entry(event.case_id)
            .or_default()
            .push((event.to_state.clone(), parse_instant(&event.at)?));
    }
    cases
        .iter()
        .map(|case| {
            let terms = terms.get(&case.item_sha256).ok_or_else(|| {
                DomainError::Internal(anyhow::anyhow!(
                    "no terms for {}@{}",
                    case.item_code,
                    case.item_sha256
                ))
            })?;
            let clock = sla(
                calendar,
                parse_instant(&case.submitted_at)?,
                parse_instant(&case.completed_at)?,
                events_of
                    .get(&case.id)
                    .map(Vec::as_slice)
                    .unwrap_or_default(),
                |state| terms.waiting_states.contains(state),
            );
            Ok(CaseSla {
                case_id: case.id,
                handling_days: i64::from(clock.handling_days),
                on_time: clock.on_time(terms.promised_days),
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;
    use std::sync::Arc;

    use chrono::{NaiveDateTime, SecondsFormat};

    use super::*;
    use crate::domain::calendar::china_offset;
    use crate::domain::items::Items;
    use crate::domain::stats::{
        DayCount, Figures, Outcome, Report, Tally, range_bounds, received_by_day,
    };
    use crate::runtime::Runtime;
    use crate::storage::SeedCase;
    use crate::storage::tests::{temp_storage, two_versions_and_an_applicant};

    /// `YYYY-MM-DD HH:MM` in China, as stored (UTC).
    fn at(china: &str) -> String {
        NaiveDateTime::parse_from_str(china, "%Y-%m-%d %H:%M")
            .unwrap()
            .and_local_timezone(china_offset())
            .unwrap()
            .with_timezone(&Utc)
            .to_rfc3339_opts(SecondsFormat::Millis, true)
    }

    /// Two items: `vehicle` of GA promises 5 working days and pauses while materials are
    /// requested; `school` of JY promises 2 and never pauses.
    fn terms() -> HashMap<String, Terms> {
        HashMap::from([
            (
                "a".repeat(64),
                Terms {
                    promised_days: 5,
                    waiting_states: HashSet::from(["materials-requested".to_string()]),
                },
            ),
            (
                "b".repeat(64),
                Terms {
                    promised_days: 2,
                    waiting_states: HashSet::new(),
                },
            ),
        ])
    }

    /// A [`Stats`] on a fresh database holding the two items' versions, and an applicant. Its
    /// items are never loaded: the tests pass the versions' terms.
    async fn arrange() -> (tempfile::TempDir, Stats, i64) {
        let (dir, storage) = temp_storage().await;
        let applicant = two_versions_and_an_applicant(&storage).await;
        let runtime = Runtime::new(dir.path().join("cache"), Arc::new(storage.clone())).unwrap();
        let items = Items::new(runtime, storage.clone(), dir.path(), 1 << 20).unwrap();
        // 11-25 is a holiday in this deployment.
        let calendar = Calendar::new(&["2026-11-25".into()], &[]).unwrap();
        (
            dir,
            Stats::new(storage, Arc::new(items), calendar),
            applicant,
        )
    }

    /// A case whose events are `(action, to_state, at)`; completed at its last event if
    /// `completed`.
    fn case(
        n: u32,
        item: &str,
        channel: &str,
        events: &[(&str, &str, String)],
        completed: bool,
        score: Option<i64>,
    ) -> SeedCase {
        let (department, sha) = match item {
            "vehicle" => ("GA", "a"),
            _ => ("JY", "b"),
        };
        let events: Vec<(String, String, String)> = events
            .iter()
            .map(|(action, state, at)| (action.to_string(), state.to_string(), at.clone()))
            .collect();
        let (_, state, last) = events.last().unwrap().clone();
        SeedCase {
            number: format!("YW-20261116-{n:06}"),
            item_code: item.into(),
            item_sha256: sha.repeat(64),
            item_version: "1.0.0".into(),
            department: department.into(),
            applicant_id: 0,
            state,
            channel: channel.into(),
            submitted_at: events[0].2.clone(),
            due_date: "2026-11-30".into(),
            completed_at: completed.then_some(last),
            preview: false,
            events,
            score,
        }
    }

    /// Submitted at `submitted` and approved at `completed` (China times).
    fn done(n: u32, item: &str, channel: &str, submitted: &str, completed: &str) -> SeedCase {
        let events = [
            ("submit", "under-review", at(submitted)),
            ("approve", "completed", at(completed)),
        ];
        case(n, item, channel, &events, true, None)
    }

    /// The cases of the week of 2026-11-16 (China) and two that are never counted.
    fn mixed_cases(applicant: i64) -> Vec<SeedCase> {
        let rated = |mut case: SeedCase, score| {
            case.score = Some(score);
            case
        };
        let paused = [
            ("submit", "under-review", at("2026-11-16 09:00")),
            (
                "request-materials",
                "materials-requested",
                at("2026-11-17 11:00"),
            ),
            ("resubmit", "under-review", at("2026-11-20 08:30")),
            ("reject", "rejected", at("2026-11-24 15:00")),
        ];
        let open = [("submit", "under-review", at("2026-11-18 10:00"))];
        let mut preview = done(7, "vehicle", "web", "2026-11-17 09:00", "2026-11-17 10:00");
        preview.preview = true;
        let mut cases = vec![
            // 5 working days: on time, rated 5
            rated(
                done(1, "vehicle", "web", "2026-11-16 10:00", "2026-11-23 16:00"),
                5,
            ),
            // 6 working days, 3 of them waiting on the applicant: on time
            case(2, "vehicle", "wechat", &paused, true, None),
            // 12 working days (the holiday left out): overdue, rated 1
            rated(
                done(
                    3,
                    "vehicle",
                    "wechat",
                    "2026-11-17 09:00",
                    "2026-12-04 09:00",
                ),
                1,
            ),
            rated(case(4, "vehicle", "alipay", &open, false, None), 3),
            // The last minute of the 19th and the first of the 20th, in China
            rated(
                done(
                    5,
                    "school",
                    "department",
                    "2026-11-19 23:59",
                    "2026-11-20 09:00",
                ),
                4,
            ),
            done(
                6,
                "school",
                "mobile",
                "2026-11-20 00:00",
                "2026-11-26 09:00",
            ),
            done(8, "school", "kiosk", "2026-11-22 23:59", "2026-11-23 09:00"),
            preview,
            // The 23rd is after the range
            done(9, "school", "web", "2026-11-23 00:00", "2026-11-23 09:00"),
        ];
        for case in &mut cases {
            case.applicant_id = applicant;
        }
        cases
    }

    /// The figures of each department (item `""`) and item, as the report gives them.
    fn figures_of(report: &Report) -> BTreeMap<(String, String), Figures> {
        let mut figures = BTreeMap::new();
        for department in &report.departments {
            let name = department.department.clone();
            figures.insert((name.clone(), String::new()), department.figures.clone());
            for item in &department.items {
                figures.insert((name.clone(), item.item.clone()), item.figures.clone());
            }
        }
        figures
    }

    /// The figures computed case by case, as the report did before it was summed in SQL.
    fn case_by_case(
        calendar: &Calendar,
        cases: &[SeedCase],
        start: &str,
        until: &str,
    ) -> (BTreeMap<(String, String), Figures>, Vec<DayCount>) {
        let terms = terms();
        let mut tallies: BTreeMap<(String, String), Tally> = BTreeMap::new();
        let mut submitted = Vec::new();
        let counted = cases.iter().filter(|case| {
            !case.preview
                && case.submitted_at.as_str() >= start
                && case.submitted_at.as_str() < until
        });
        for case in counted {
            let terms = &terms[&case.item_sha256];
            let events: Vec<(String, DateTime<Utc>)> = case
                .events
                .iter()
                .map(|(_, state, at)| (state.clone(), parse_instant(at).unwrap()))
                .collect();
            let clock = case.completed_at.as_deref().map(|completed| {
                sla(
                    calendar,
                    parse_instant(&case.submitted_at).unwrap(),
                    parse_instant(completed).unwrap(),
                    &events,
                    |state| terms.waiting_states.contains(state),
                )
            });
            let outcome = Outcome {
                channel: case.channel.clone(),
                sla: clock,
                on_time: clock.is_some_and(|clock| clock.on_time(terms.promised_days)),
                score: case.score,
            };
            for key in [String::new(), case.item_code.clone()] {
                tallies
                    .entry((case.department.clone(), key))
                    .or_default()
                    .add(&outcome);
            }
            submitted.push(parse_instant(&case.submitted_at).unwrap());
        }
        let figures = tallies
            .into_iter()
            .map(|(key, tally)| (key, tally.figures()))
            .collect();
        (figures, received_by_day(submitted))
    }

    #[tokio::test]
    async fn the_summed_figures_equal_those_computed_case_by_case_and_a_second_fill_stores_nothing()
    {
        // Arrange
        let (_dir, stats, applicant) = arrange().await;
        let cases = mixed_cases(applicant);
        stats.storage.seed_cases(&cases).await.unwrap();
        let (_, _, start, until) = range_bounds("2026-11-16", "2026-11-22").unwrap();
        let (expected, expected_days) = case_by_case(&stats.calendar, &cases, &start, &until);

        // Act
        let filled = stats
            .fill_case_sla(&start, &until, None, &mut terms())
            .await
            .unwrap();
        let refilled = stats
            .fill_case_sla(&start, &until, None, &mut HashMap::new())
            .await
            .unwrap();
        let report = stats
            .compile("2026-11-16", "2026-11-22", None)
            .await
            .unwrap();
        let school = stats
            .compile("2026-11-16", "2026-11-22", Some("JY"))
            .await
            .unwrap();

        // Assert
        assert_eq!((filled, refilled), (6, 0), "the completed cases, once");
        assert_eq!(figures_of(&report), expected);
        assert_eq!(report.received_by_day, expected_days);
        let vehicle = &expected[&("GA".to_string(), "vehicle".to_string())];
        assert_eq!(
            (
                vehicle.received,
                vehicle.completed,
                vehicle.completed_on_time,
                vehicle.open
            ),
            (4, 3, 2, 1),
            "{vehicle:?}"
        );
        assert_eq!(vehicle.average_handling_days, Some(7.67));
        let days: Vec<(String, u64)> = report
            .received_by_day
            .iter()
            .map(|day| (day.date.to_string(), day.received))
            .collect();
        let day = |d: &str, n| (d.to_string(), n);
        assert_eq!(
            days,
            [
                day("2026-11-16", 2),
                day("2026-11-17", 1),
                day("2026-11-18", 1),
                day("2026-11-19", 1),
                day("2026-11-20", 1),
                day("2026-11-22", 1),
            ]
        );
        let school_only: BTreeMap<_, _> = expected
            .into_iter()
            .filter(|((department, _), _)| department == "JY")
            .collect();
        assert_eq!(figures_of(&school), school_only);
    }
}
