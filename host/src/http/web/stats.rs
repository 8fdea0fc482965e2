//! The public statistics page (定期公开通报): each department's volumes and on-time rate over a
//! range of submission dates, for anyone, with the same figures as a CSV download. The figures
//! are `Stats::public_report`, the same computation as `GET /api/v1/stats`. The range, its
//! errors and the on-time chart are shared with the admin's dashboard (`dashboard.rs`).

use std::collections::BTreeMap;

use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::http::header::{CONTENT_DISPOSITION, CONTENT_TYPE};
use axum::response::{IntoResponse, Response};
use chrono::{Datelike, NaiveDate};
use serde::Deserialize;

use super::charts::{Chart, Datum};
use super::me::item_name;
use super::page::{Layout, PageResult, Visitor, render};
use super::people::People;
use crate::domain::error::DomainError;
use crate::domain::stats::RectificationRate;
use crate::domain::stats::{Figures, Period, Report, china_date};
use crate::http::AppState;

#[derive(Deserialize)]
pub struct Range {
    from: Option<String>,
    to: Option<String>,
}

impl Range {
    /// The range asked for; by default this year up to today (China time).
    pub(super) fn days(&self) -> (String, String) {
        let today = china_date(chrono::Utc::now());
        let pick = |day: &Option<String>, default: String| {
            day.as_deref()
                .map(str::trim)
                .filter(|d| !d.is_empty())
                .map(str::to_string)
                .unwrap_or(default)
        };
        (
            pick(&self.from, format!("{}-01-01", today.year())),
            pick(&self.to, today.format("%Y-%m-%d").to_string()),
        )
    }
}

/// What is wrong with the fields of a statistics form, as (field, message), shown beside each.
#[derive(Default)]
pub(super) struct FieldErrors(pub Vec<(String, String)>);

impl FieldErrors {
    pub fn of(&self, field: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(f, _)| f == field)
            .map(|(_, m)| m.as_str())
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// The report, or the fields the domain found wrong (a 422 page showing them).
pub(super) fn report_or_errors(
    report: Result<Report, DomainError>,
) -> PageResult<(Option<Report>, FieldErrors, StatusCode)> {
    match report {
        Ok(report) => Ok((Some(report), FieldErrors::default(), StatusCode::OK)),
        Err(DomainError::Invalid {
            code: "invalid_input",
            fields,
            ..
        }) => Ok((
            None,
            FieldErrors(fields.into_iter().map(|f| (f.field, f.message)).collect()),
            StatusCode::UNPROCESSABLE_ENTITY,
        )),
        Err(other) => Err(other.into()),
    }
}

#[derive(Template)]
#[template(path = "stats.html")]
struct StatsPage {
    layout: Layout,
    from: String,
    to: String,
    rows: Vec<Row>,
    errors: FieldErrors,
    /// On-time rate per department, and applications received per month of the range's last year.
    on_time: Chart,
    monthly: Chart,
    /// Bad ratings' rectifications, opened and closed (差评整改率).
    rectification: RectificationRate,
}

struct Row {
    /// The department's name.
    department: String,
    items: String,
    figures: Figures,
}

impl Row {
    fn on_time_rate(&self) -> String {
        on_time_rate(&self.figures)
    }

    fn average_days(&self) -> String {
        average_days(&self.figures)
    }
}

/// Completed on time out of completed, as a percentage; a dash while nothing is completed.
pub(super) fn on_time_rate(f: &Figures) -> String {
    if f.completed == 0 {
        "—".into()
    } else {
        format!(
            "{:.1}%",
            f.completed_on_time as f64 * 100.0 / f.completed as f64
        )
    }
}

pub(super) fn average_days(f: &Figures) -> String {
    f.average_handling_days
        .map(|d| format!("{d:.2}"))
        .unwrap_or_else(|| "—".into())
}

/// The on-time rate of each department that completed any case, as bars out of 100%.
pub(super) fn on_time_chart<'a>(
    departments: impl Iterator<Item = (&'a str, &'a Figures)>,
) -> Chart {
    Chart::bars(
        departments
            .filter(|(_, f)| f.completed > 0)
            .map(|(department, f)| {
                let rate = f.completed_on_time as f64 * 100.0 / f.completed as f64;
                Datum::new(department, rate, on_time_rate(f))
            })
            .collect(),
        100.0,
    )
}

pub async fn page(
    State(state): State<AppState>,
    visitor: Visitor,
    Query(range): Query<Range>,
) -> PageResult<Response> {
    let (from, to) = range.days();
    let (report, errors, status) = report_or_errors(state.stats.public_report(&from, &to).await)?;
    let monthly = match &report {
        Some(report) => monthly_received(&state, report).await?,
        None => Chart::columns(Vec::new()),
    };
    let names = state.departments.names().await?;
    let rows = report.map(|r| rows(&state, &names, r)).unwrap_or_default();
    let on_time = on_time_chart(rows.iter().map(|r| (r.department.as_str(), &r.figures)));
    let page = StatsPage {
        layout: visitor.layout("办件统计公开"),
        from,
        to,
        rows,
        errors,
        on_time,
        monthly,
        rectification: state.stats.rectification_rate().await?,
    };
    Ok(render(status, &page))
}

/// Applications received in each month of the report's last year up to its last day: from the
/// report itself when it starts on that year's first day, else from one report of that year.
async fn monthly_received(state: &AppState, report: &Report) -> PageResult<Chart> {
    let Ok(last) = NaiveDate::parse_from_str(&report.to, "%Y-%m-%d") else {
        return Ok(Chart::columns(Vec::new()));
    };
    let first = NaiveDate::from_ymd_opt(last.year(), 1, 1)
        .unwrap_or(last)
        .to_string();
    let months = if report.from == first {
        report.received_by(Period::Month)
    } else {
        state
            .stats
            .public_report(&first, &report.to)
            .await?
            .received_by(Period::Month)
    };
    Ok(Chart::columns(
        months
            .into_iter()
            .map(|month| {
                let label = format!("{}年{}月", month.first.year(), month.first.month());
                let short = format!("{}月", month.first.month());
                Datum::new(
                    label,
                    month.received as f64,
                    format!("{} 件", month.received),
                )
                .short(short)
            })
            .collect(),
    ))
}

fn rows(state: &AppState, names: &BTreeMap<String, String>, report: Report) -> Vec<Row> {
    report
        .departments
        .into_iter()
        .map(|d| Row {
            items: d
                .items
                .iter()
                .map(|i| item_name(state, &i.item))
                .collect::<Vec<_>>()
                .join("、"),
            department: names.get(&d.department).cloned().unwrap_or(d.department),
            figures: d.figures,
        })
        .collect()
}

/// The same figures as CSV (one row per department and item, as the API's `format=csv`).
pub async fn csv(
    State(state): State<AppState>,
    Query(range): Query<Range>,
) -> PageResult<Response> {
    let (from, to) = range.days();
    let report = state.stats.public_report(&from, &to).await?;
    let disposition = format!("attachment; filename=\"yiwang-stats-{from}-{to}.csv\"");
    Ok((
        [
            (CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
            (CONTENT_DISPOSITION, disposition),
        ],
        report.to_csv(),
    )
        .into_response())
}
