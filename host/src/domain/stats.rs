//! Statistics for performance assessment (绩效考核) and the satisfaction ratings they include.
//! The SLA arithmetic is pure functions over a case's submission, completion and state changes,
//! counted in working days with the [`Calendar`]; the rows come from storage. A report also
//! counts the applications received per China date, which [`buckets`] groups by day, week, month
//! or year for the charts. No SQL, no wasmtime.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::fmt::Write as _;
use std::sync::Arc;

use chrono::{DateTime, Datelike, Days, Months, NaiveDate, NaiveTime, SecondsFormat, Utc};
use serde::Serialize;

use super::calendar::{Calendar, china_offset};
use super::error::{DomainError, Result};
use super::items::Items;
use super::numbering::ApplicationNumber;
use crate::model::actor::{Actor, Role};
use crate::model::contract::FieldError;
use crate::storage::Storage;

/// Longest comment a rating may carry, in characters.
pub const MAX_COMMENT_CHARS: usize = 500;

pub struct Stats {
    storage: Storage,
    items: Arc<Items>,
    calendar: Calendar,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Rated {
    pub number: String,
    pub score: i64,
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
        let channels = &mut self.channels;
        match outcome.channel.as_str() {
            "web" => channels.web += 1,
            "mobile" => channels.mobile += 1,
            "wechat" => channels.wechat += 1,
            "alipay" => channels.alipay += 1,
            "department" => channels.department += 1,
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

/// What the statistics need of a pinned item version.
struct Terms {
    promised_days: u32,
    waiting_states: HashSet<String>,
}

impl Stats {
    pub fn new(storage: Storage, items: Arc<Items>, calendar: Calendar) -> Stats {
        Stats {
            storage,
            items,
            calendar,
        }
    }

    /// The applicant rates their finished case, once.
    pub async fn rate(
        &self,
        actor: &Actor,
        number: &str,
        score: i64,
        comment: Option<&str>,
    ) -> Result<Rated> {
        if actor.role != Role::Citizen {
            return Err(DomainError::forbidden(
                "forbidden",
                "只有申请人可以评价".into(),
            ));
        }
        let number = ApplicationNumber::parse(number).ok_or(DomainError::NotFound)?;
        let case = self
            .storage
            .case_by_number(number.as_str())
            .await?
            .filter(|c| c.applicant_id.to_string() == actor.id)
            .ok_or(DomainError::NotFound)?;
        let mut fields = Vec::new();
        if !(1..=5).contains(&score) {
            fields.push(FieldError {
                field: "score".into(),
                code: "out_of_range".into(),
                message: "评分须为 1 至 5 的整数".into(),
            });
        }
        let comment = comment.map(str::trim).filter(|c| !c.is_empty());
        if comment.is_some_and(|c| c.chars().count() > MAX_COMMENT_CHARS) {
            fields.push(FieldError {
                field: "comment".into(),
                code: "too_long".into(),
                message: format!("评价内容不能超过 {MAX_COMMENT_CHARS} 字"),
            });
        }
        if !fields.is_empty() {
            return Err(DomainError::fields_wrong("invalid_input", fields));
        }
        let version = self
            .items
            .pinned(&case.item_code, &case.item_sha256)
            .await?;
        let finished = version
            .info
            .workflow
            .state(&case.state)
            .is_some_and(|s| s.terminal);
        if !finished {
            return Err(DomainError::conflict(
                "wrong_state",
                "办件办结后才能评价".into(),
            ));
        }
        if !self.storage.insert_rating(case.id, score, comment).await? {
            return Err(DomainError::conflict(
                "already_rated",
                "此办件已评价过".into(),
            ));
        }
        Ok(Rated {
            number: case.number,
            score,
        })
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

    async fn compile(&self, from: &str, to: &str, department: Option<&str>) -> Result<Report> {
        let (from_day, to_day, start, until) = range_bounds(from, to)?;
        let cases = self
            .storage
            .cases_submitted_between(&start, &until, department)
            .await?;
        let mut events: HashMap<i64, Vec<(String, DateTime<Utc>)>> = HashMap::new();
        for event in self
            .storage
            .events_of_cases_submitted_between(&start, &until, department)
            .await?
        {
            let at = parse_instant(&event.at)?;
            events
                .entry(event.case_id)
                .or_default()
                .push((event.to_state, at));
        }
        let mut terms: HashMap<String, Terms> = HashMap::new();
        let mut submissions = Vec::new();
        let mut tallies: BTreeMap<String, BTreeMap<String, Tally>> = BTreeMap::new();
        for case in cases {
            if !terms.contains_key(&case.item_sha256) {
                let version = self
                    .items
                    .pinned(&case.item_code, &case.item_sha256)
                    .await?;
                let info = &version.info;
                let waiting_states = info
                    .workflow
                    .states
                    .iter()
                    .filter(|s| s.waits_on_applicant)
                    .map(|s| s.name.clone())
                    .collect();
                terms.insert(
                    case.item_sha256.clone(),
                    Terms {
                        promised_days: info.promised_days,
                        waiting_states,
                    },
                );
            }
            let terms = &terms[&case.item_sha256];
            let submitted = parse_instant(&case.submitted_at)?;
            submissions.push(submitted);
            let sla = match &case.completed_at {
                Some(completed) => Some(sla(
                    &self.calendar,
                    submitted,
                    parse_instant(completed)?,
                    events.get(&case.id).map(Vec::as_slice).unwrap_or_default(),
                    |state| terms.waiting_states.contains(state),
                )),
                None => None,
            };
            let outcome = Outcome {
                on_time: sla.is_some_and(|s| s.on_time(terms.promised_days)),
                sla,
                channel: case.channel,
                score: case.score,
            };
            tallies
                .entry(case.department)
                .or_default()
                .entry(case.item_code)
                .or_default()
                .add(&outcome);
        }
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
            received_by_day: received_by_day(submissions),
        })
    }
}

fn parse_instant(text: &str) -> Result<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(text)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|e| DomainError::Internal(anyhow::anyhow!("stored time `{text}`: {e}")))
}

/// The CSV columns, in order.
pub const CSV_HEADER: &str = "department,item,received,completed,completed_on_time,\
completed_overdue,open,average_handling_days,satisfaction_average,satisfaction_count,\
channel_web,channel_mobile,channel_wechat,channel_alipay,channel_department";

impl Report {
    /// The applications received over the report's range, grouped by `period`.
    pub fn received_by(&self, period: Period) -> Vec<Bucket> {
        let day = |text: &str| NaiveDate::parse_from_str(text, "%Y-%m-%d").ok();
        match (day(&self.from), day(&self.to)) {
            (Some(from), Some(to)) => buckets(from, to, &self.received_by_day, period),
            _ => Vec::new(),
        }
    }

    /// One row per (department, item), with a header; averages with 2 decimals, empty when there
    /// is nothing to average.
    pub fn to_csv(&self) -> String {
        let mut out = String::from(CSV_HEADER);
        out.push_str("\r\n");
        for department in &self.departments {
            for item in &department.items {
                let f = &item.figures;
                let average = |x: Option<f64>| x.map(|x| format!("{x:.2}")).unwrap_or_default();
                let c = &f.by_channel;
                let _ = write!(
                    out,
                    "{},{},{},{},{},{},{},{},{},{},{},{},{},{},{}\r\n",
                    csv_field(&department.department),
                    csv_field(&item.item),
                    f.received,
                    f.completed,
                    f.completed_on_time,
                    f.completed_overdue,
                    f.open,
                    average(f.average_handling_days),
                    average(f.satisfaction.average),
                    f.satisfaction.count,
                    c.web,
                    c.mobile,
                    c.wechat,
                    c.alipay,
                    c.department,
                );
            }
        }
        out
    }
}

/// A CSV field, quoted when it has to be (RFC 4180).
fn csv_field(text: &str) -> String {
    if text.contains([',', '"', '\r', '\n']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text.to_string()
    }
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

    #[test]
    fn csv_quotes_what_needs_quoting() {
        assert_eq!(csv_field("plain"), "plain");
        assert_eq!(csv_field("a,b"), "\"a,b\"");
        assert_eq!(csv_field("say \"hi\""), "\"say \"\"hi\"\"\"");
    }
}
