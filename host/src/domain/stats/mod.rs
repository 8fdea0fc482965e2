//! Statistics for performance assessment (绩效考核): the [`Stats`] service and the [`Report`] it
//! compiles from the sums storage gives per department, item and channel, with the figures per
//! department and item. Each job it needs has its own file: the SLA clock in working days and the
//! range's China dates (`sla.rs`), each completed case's clock computed once and stored for those
//! sums (`case_sla.rs`), the received-per-day series and its chart buckets (`periods.rs`),
//! satisfaction ratings (`ratings.rs`) and the report as CSV (`csv.rs`); here too, the open cases
//! past their due date that `/metrics` reports. No SQL, no wasmtime.

mod case_sla;
mod csv;
mod periods;
mod ratings;
mod rectifications;
mod sla;

pub use periods::{Bucket, DayCount, Period, buckets, received_by_day};
pub use ratings::{INDICATORS, MAX_COMMENT_CHARS, Rated};
pub use rectifications::RectificationRate;
pub use sla::{Sla, china_date, range_bounds, sla, working_days_between};

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::{Arc, Mutex, PoisonError};

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;

use super::calendar::Calendar;
use super::error::{DomainError, Result};
use super::items::Items;
use crate::model::actor::{Actor, Role};
use crate::storage::{StatsGroupRow, Storage};

/// Rates finished cases and compiles the reports. The SLA figures of a completed case are computed
/// here, once, and stored; a report sums the stored figures in SQL.
pub struct Stats {
    storage: Storage,
    items: Arc<Items>,
    calendar: Calendar,
    /// The departments [`Stats::overdue_by_department`] has listed, so that it lists them again
    /// (with 0) once none of their cases is overdue: a gauge keeps its last value otherwise.
    overdue_listed: Mutex<BTreeSet<String>>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Report {
    /// `YYYY-MM-DD`, China time, inclusive.
    pub from: String,
    pub to: String,
    pub departments: Vec<DepartmentStats>,
    /// Applications received on each China date of the range (the day of submission, by the
    /// range's own rule), in date order. Only the days that received any are listed, so that the
    /// series is bounded by the cases, not by the range; [`Report::received_by`] fills the gaps.
    pub received_by_day: Vec<DayCount>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct DepartmentStats {
    pub department: String,
    #[serde(flatten)]
    pub figures: Figures,
    pub items: Vec<ItemStats>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ItemStats {
    pub item: String,
    #[serde(flatten)]
    pub figures: Figures,
}

/// What is counted over the cases submitted in the range.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Figures {
    pub received: u64,
    /// Reached a terminal state (approved and done, or refused).
    pub completed: u64,
    pub completed_on_time: u64,
    pub completed_overdue: u64,
    pub open: u64,
    /// Working days from submission to completion, averaged over the completed cases (2
    /// decimals); `null` when none completed.
    pub average_handling_days: Option<f64>,
    pub satisfaction: Satisfaction,
    pub by_channel: ByChannel,
}

#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Satisfaction {
    /// Average score, 1–5 (2 decimals); `null` without ratings.
    pub average: Option<f64>,
    pub count: u64,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, utoipa::ToSchema)]
pub struct ByChannel {
    pub web: u64,
    pub mobile: u64,
    pub wechat: u64,
    pub alipay: u64,
    pub department: u64,
}

/// One case's contribution to the figures.
#[derive(Debug, Clone)]
pub struct Outcome {
    pub channel: String,
    /// `None` while the case is open.
    pub sla: Option<Sla>,
    pub on_time: bool,
    pub score: Option<i64>,
}

/// Sums of outcomes, turned into [`Figures`] at the end.
#[derive(Debug, Clone, Default)]
pub struct Tally {
    received: u64,
    completed: u64,
    on_time: u64,
    handling_days: u64,
    score_sum: i64,
    scores: u64,
    channels: ByChannel,
}

impl Tally {
    pub fn add(&mut self, outcome: &Outcome) {
        self.received += 1;
        if let Some(sla) = outcome.sla {
            self.completed += 1;
            self.handling_days += u64::from(sla.handling_days);
            if outcome.on_time {
                self.on_time += 1;
            }
        }
        if let Some(score) = outcome.score {
            self.score_sum += score;
            self.scores += 1;
        }
        self.add_to_channel(&outcome.channel, 1);
    }

    /// Adds the cases of one channel as storage sums them: the same as adding each one's
    /// [`Outcome`].
    pub fn add_group(&mut self, group: &StatsGroupRow) {
        let count = |n: i64| u64::try_from(n).unwrap_or_default();
        self.received += count(group.received);
        self.completed += count(group.completed);
        self.on_time += count(group.on_time);
        self.handling_days += count(group.handling_days);
        self.score_sum += group.score_sum;
        self.scores += count(group.scores);
        self.add_to_channel(&group.channel, count(group.received));
    }

    /// A channel the figures do not list is counted as received, in no channel.
    fn add_to_channel(&mut self, channel: &str, cases: u64) {
        let channels = &mut self.channels;
        match channel {
            "web" => channels.web += cases,
            "mobile" => channels.mobile += cases,
            "wechat" => channels.wechat += cases,
            "alipay" => channels.alipay += cases,
            "department" => channels.department += cases,
            _ => {}
        }
    }

    pub fn merge(&mut self, other: &Tally) {
        self.received += other.received;
        self.completed += other.completed;
        self.on_time += other.on_time;
        self.handling_days += other.handling_days;
        self.score_sum += other.score_sum;
        self.scores += other.scores;
        let (a, b) = (&mut self.channels, &other.channels);
        a.web += b.web;
        a.mobile += b.mobile;
        a.wechat += b.wechat;
        a.alipay += b.alipay;
        a.department += b.department;
    }

    pub fn figures(&self) -> Figures {
        let average = |sum: f64, n: u64| (n > 0).then(|| round2(sum / n as f64));
        Figures {
            received: self.received,
            completed: self.completed,
            completed_on_time: self.on_time,
            completed_overdue: self.completed - self.on_time,
            open: self.received - self.completed,
            average_handling_days: average(self.handling_days as f64, self.completed),
            satisfaction: Satisfaction {
                average: average(self.score_sum as f64, self.scores),
                count: self.scores,
            },
            by_channel: self.channels.clone(),
        }
    }
}

fn round2(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

impl Stats {
    pub fn new(storage: Storage, items: Arc<Items>, calendar: Calendar) -> Stats {
        Stats {
            storage,
            items,
            calendar,
            overdue_listed: Mutex::default(),
        }
    }

    /// The figures per department and item over the cases submitted `from..=to` (China dates).
    /// Admins see every department (or the one asked for); staff only their own.
    pub async fn report(
        &self,
        actor: &Actor,
        from: &str,
        to: &str,
        department: Option<&str>,
    ) -> Result<Report> {
        let department = match actor.role {
            Role::Admin => department.map(str::to_string),
            Role::Reviewer | Role::Developer => {
                let own = actor.department.clone().ok_or_else(|| {
                    DomainError::forbidden("forbidden", "账号未归属任何部门".into())
                })?;
                if department.is_some_and(|d| d != own) {
                    return Err(DomainError::forbidden(
                        "forbidden",
                        "只能查看本部门的统计".into(),
                    ));
                }
                Some(own)
            }
            _ => {
                return Err(DomainError::forbidden(
                    "forbidden",
                    "此功能仅限部门工作人员和平台管理员".into(),
                ));
            }
        };
        self.compile(from, to, department.as_deref()).await
    }

    /// Every department's figures, for anyone: what the public page (定期公开通报) publishes,
    /// the same figures an admin's report gives.
    pub async fn public_report(&self, from: &str, to: &str) -> Result<Report> {
        self.compile(from, to, None).await
    }

    /// The open cases past their due date per department, for the `yiwang_cases_overdue`
    /// gauge: overdue as the department inbox marks a case (its due date before today's China
    /// date; the clock's pauses while a case waits on the applicant are not taken off), previews
    /// left out. Every department of a live item, and every department listed before, is listed
    /// with 0 when none of its cases is overdue, so that its gauge falls back to 0 once the last
    /// one is done.
    pub async fn overdue_by_department(&self) -> Result<BTreeMap<String, u64>> {
        let today = china_date(Utc::now()).format("%Y-%m-%d").to_string();
        let overdue = self
            .storage
            .overdue_open_cases_by_department(&today)
            .await?;
        let mut listed = self
            .overdue_listed
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        listed.extend(
            self.items
                .all()
                .values()
                .map(|live| live.version.info.department.clone()),
        );
        let mut counts: BTreeMap<String, u64> = listed
            .iter()
            .map(|department| (department.clone(), 0))
            .collect();
        for (department, cases) in overdue {
            listed.insert(department.clone());
            counts.insert(department, u64::try_from(cases).unwrap_or_default());
        }
        Ok(counts)
    }

    /// The report over the cases submitted `from..=to` (China dates), after storing the SLA
    /// figures of the completed ones that have none yet.
    async fn compile(&self, from: &str, to: &str, department: Option<&str>) -> Result<Report> {
        let (from_day, to_day, start, until) = range_bounds(from, to)?;
        self.fill_case_sla(&start, &until, department, &mut HashMap::new())
            .await?;
        let groups = self
            .storage
            .stats_groups(&start, &until, department)
            .await?;
        let mut tallies: BTreeMap<String, BTreeMap<String, Tally>> = BTreeMap::new();
        for group in &groups {
            tallies
                .entry(group.department.clone())
                .or_default()
                .entry(group.item_code.clone())
                .or_default()
                .add_group(group);
        }
        let received_by_day = self
            .storage
            .received_by_china_day(&start, &until, department)
            .await?
            .into_iter()
            .map(|(day, received)| {
                let date = NaiveDate::parse_from_str(&day, "%Y-%m-%d").map_err(|e| {
                    DomainError::Internal(anyhow::anyhow!("China date `{day}` from storage: {e}"))
                })?;
                Ok(DayCount {
                    date,
                    received: u64::try_from(received).unwrap_or_default(),
                })
            })
            .collect::<Result<_>>()?;
        Ok(Report {
            from: from_day.format("%Y-%m-%d").to_string(),
            to: to_day.format("%Y-%m-%d").to_string(),
            departments: tallies
                .into_iter()
                .map(|(department, items)| {
                    let mut total = Tally::default();
                    for tally in items.values() {
                        total.merge(tally);
                    }
                    DepartmentStats {
                        department,
                        figures: total.figures(),
                        items: items
                            .into_iter()
                            .map(|(item, tally)| ItemStats {
                                item,
                                figures: tally.figures(),
                            })
                            .collect(),
                    }
                })
                .collect(),
            received_by_day,
        })
    }
}

fn parse_instant(text: &str) -> Result<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(text)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|e| DomainError::Internal(anyhow::anyhow!("stored time `{text}`: {e}")))
}

impl Report {
    /// The applications received over the report's range, grouped by `period`.
    pub fn received_by(&self, period: Period) -> Vec<Bucket> {
        let day = |text: &str| NaiveDate::parse_from_str(text, "%Y-%m-%d").ok();
        match (day(&self.from), day(&self.to)) {
            (Some(from), Some(to)) => buckets(from, to, &self.received_by_day, period),
            _ => Vec::new(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tallies_count_and_average() {
        let mut tally = Tally::default();
        let done = |days, on_time, channel: &str, score| Outcome {
            channel: channel.into(),
            sla: Some(Sla {
                handling_days: days,
                paused_days: 0,
            }),
            on_time,
            score,
        };
        tally.add(&done(1, true, "web", Some(5)));
        tally.add(&done(2, true, "wechat", Some(4)));
        tally.add(&done(10, false, "wechat", None));
        tally.add(&Outcome {
            channel: "alipay".into(),
            sla: None,
            on_time: false,
            score: None,
        });
        let figures = tally.figures();
        assert_eq!(
            figures,
            Figures {
                received: 4,
                completed: 3,
                completed_on_time: 2,
                completed_overdue: 1,
                open: 1,
                average_handling_days: Some(4.33),
                satisfaction: Satisfaction {
                    average: Some(4.5),
                    count: 2
                },
                by_channel: ByChannel {
                    web: 1,
                    mobile: 0,
                    wechat: 2,
                    alipay: 1,
                    department: 0
                },
            }
        );
        let mut total = Tally::default();
        total.merge(&tally);
        total.merge(&tally);
        assert_eq!(total.figures().received, 8);
        assert_eq!(total.figures().average_handling_days, Some(4.33));
        assert_eq!(Tally::default().figures().average_handling_days, None);
    }
}
