//! The admin's statistics dashboard (`/admin/stats`): applications received over time and each
//! department's on-time rate, drawn as SVG on the server, and the figures per department and item,
//! over a range of submission dates, for every department or one. The figures are
//! `Stats::report` as the admin (the API's `GET /api/v1/stats`), the series its `received_by_day`
//! grouped by the domain; this page only lays them out.

use askama::Template;
use axum::extract::{Query, State};
use axum::response::Response;
use chrono::{Datelike, NaiveDate};
use serde::Deserialize;

use super::charts::{Chart, Datum};
use super::me::item_name;
use super::page::{Layout, PageResult, Session, render};
use super::stats::{FieldErrors, Range, average_days, on_time_chart, report_or_errors};
use crate::domain::stats::{Bucket, Figures, Period, Report};
use crate::http::Admin;
use crate::http::AppState;

#[derive(Deserialize)]
pub struct Filter {
    #[serde(flatten)]
    range: Range,
    department: Option<String>,
}

#[derive(Template)]
#[template(path = "admin_stats.html")]
struct Dashboard {
    layout: Layout,
    from: String,
    to: String,
    /// The department asked for; empty for all.
    department: String,
    /// Every department, as (code, name), for the filter.
    departments: Vec<(String, String)>,
    errors: FieldErrors,
    /// "每日", "每周" …: how the series is grouped.
    per: &'static str,
    received_caption: String,
    received: Chart,
    on_time: Chart,
    lines: Vec<Line>,
    /// The API's CSV of the same range and department.
    csv: String,
}

/// A row of the table: a department's total, or one of its items.
struct Line {
    department: String,
    /// `None` for the department's total.
    item: Option<String>,
    /// Department or item, as people call it.
    name: String,
    figures: Figures,
}

impl Line {
    fn key(&self) -> String {
        match &self.item {
            Some(item) => format!("{}/{item}", self.department),
            None => self.department.clone(),
        }
    }

    fn average_days(&self) -> String {
        average_days(&self.figures)
    }

    fn satisfaction(&self) -> String {
        self.figures
            .satisfaction
            .average
            .map(|s| format!("{s:.2}"))
            .unwrap_or_else(|| "—".into())
    }
}

pub async fn page(
    State(state): State<AppState>,
    session: Session,
    Query(filter): Query<Filter>,
) -> PageResult<Response> {
    let admin = session.require::<Admin>()?;
    let (from, to) = filter.range.days();
    let department = filter
        .department
        .as_deref()
        .map(str::trim)
        .unwrap_or_default()
        .to_string();
    let departments: Vec<(String, String)> = state.departments.names().await?.into_iter().collect();
    let wanted = (!department.is_empty()).then_some(department.as_str());
    let (report, mut errors, mut status) =
        report_or_errors(state.stats.report(admin, &from, &to, wanted).await)?;
    if wanted.is_some_and(|d| !departments.iter().any(|(code, _)| code == d)) {
        errors
            .0
            .push(("department".into(), "没有这个部门，请从列表中选择".into()));
        status = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
    }
    let report = report.filter(|_| errors.is_empty());
    let name_of = |code: &str| {
        departments
            .iter()
            .find(|(c, _)| c == code)
            .map_or_else(|| code.to_string(), |(_, name)| name.clone())
    };
    let (per, received_caption, received) = match &report {
        Some(report) => received_over_time(report),
        None => ("每日", String::new(), Chart::columns(Vec::new())),
    };
    let lines = report
        .as_ref()
        .map(|r| lines(&state, r, &name_of))
        .unwrap_or_default();
    let on_time = on_time_chart(
        lines
            .iter()
            .filter(|l| l.item.is_none())
            .map(|l| (l.name.as_str(), &l.figures)),
    );
    let mut query = vec![("from", from.as_str()), ("to", to.as_str())];
    if let Some(department) = wanted {
        query.push(("department", department));
    }
    query.push(("format", "csv"));
    let csv = format!(
        "/api/v1/stats?{}",
        serde_urlencoded::to_string(&query).unwrap_or_default()
    );
    let page = Dashboard {
        layout: session.layout("统计分析"),
        from,
        to,
        department,
        departments,
        errors,
        per,
        received_caption,
        received,
        on_time,
        lines,
        csv,
    };
    Ok(render(status, &page))
}

/// The applications received over the report's range, per day, or per week (month, year) when
/// the range is long, as columns.
fn received_over_time(report: &Report) -> (&'static str, String, Chart) {
    let Some((from, to)) = NaiveDate::parse_from_str(&report.from, "%Y-%m-%d")
        .ok()
        .zip(NaiveDate::parse_from_str(&report.to, "%Y-%m-%d").ok())
    else {
        return ("每日", String::new(), Chart::columns(Vec::new()));
    };
    let period = Period::for_range(from, to);
    let buckets = report.received_by(period);
    let total: u64 = buckets.iter().map(|b| b.received).sum();
    let most = buckets.iter().map(|b| b.received).max().unwrap_or(0);
    let per = match period {
        Period::Day => "每日",
        Period::Week => "每周",
        Period::Month => "每月",
        Period::Year => "每年",
    };
    let caption = format!(
        "{per}受理的申请数：{} 至 {}，共 {total} 件，最多 {most} 件",
        report.from, report.to
    );
    let chart = Chart::columns(
        buckets
            .iter()
            .map(|bucket| {
                let (label, short) = bucket_labels(period, bucket);
                Datum::new(
                    label,
                    bucket.received as f64,
                    format!("{} 件", bucket.received),
                )
                .short(short)
            })
            .collect(),
    );
    (per, caption, chart)
}

/// A bucket's label in full (a date, or its first and last days) and under its column.
fn bucket_labels(period: Period, bucket: &Bucket) -> (String, String) {
    let (first, last) = (bucket.first, bucket.last);
    match period {
        Period::Day => (first.to_string(), first.format("%m-%d").to_string()),
        Period::Week => (
            format!("{first} 至 {last}"),
            first.format("%m-%d").to_string(),
        ),
        Period::Month => (
            format!("{}年{}月", first.year(), first.month()),
            first.format("%Y-%m").to_string(),
        ),
        Period::Year => (format!("{}年", first.year()), first.year().to_string()),
    }
}

/// Each department's total, followed by its items.
fn lines(state: &AppState, report: &Report, name_of: &dyn Fn(&str) -> String) -> Vec<Line> {
    let mut lines = Vec::new();
    for department in &report.departments {
        lines.push(Line {
            department: department.department.clone(),
            item: None,
            name: name_of(&department.department),
            figures: department.figures.clone(),
        });
        for item in &department.items {
            lines.push(Line {
                department: department.department.clone(),
                item: Some(item.item.clone()),
                name: item_name(state, &item.item),
                figures: item.figures.clone(),
            });
        }
    }
    lines
}
