//! The public statistics page (定期公开通报): each department's volumes and on-time rate over a
//! range of submission dates, for anyone, with the same figures as a CSV download. The figures
//! are `Stats::public_report`, the same computation as `GET /api/v1/stats`.

use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::http::header::{CONTENT_DISPOSITION, CONTENT_TYPE};
use axum::response::{IntoResponse, Response};
use chrono::Datelike;
use serde::Deserialize;

use super::me::item_name;
use super::page::{Layout, PageResult, Visitor, render};
use crate::domain::error::DomainError;
use crate::domain::stats::{Figures, Report, china_date};
use crate::http::AppState;

#[derive(Deserialize)]
pub struct Range {
    from: Option<String>,
    to: Option<String>,
}

impl Range {
    /// The range asked for; by default this year up to today (China time).
    fn days(&self) -> (String, String) {
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

#[derive(Template)]
#[template(path = "stats.html")]
struct StatsPage {
    layout: Layout,
    from: String,
    to: String,
    rows: Vec<Row>,
    /// (field, message) of a date that is wrong.
    errors: Vec<(String, String)>,
    /// On-time rate per department, and applications received per month of the range's last year.
    on_time: Chart,
    monthly: Chart,
}

/// A horizontal bar chart drawn as SVG on the server; the table beside it carries the same
/// figures as text.
pub struct Chart {
    pub bars: Vec<Bar>,
    pub height: usize,
}

pub struct Bar {
    pub label: String,
    pub text: String,
    /// Geometry in the chart's 640-wide view box.
    pub y: usize,
    pub width: usize,
}

const BAR_ROW: usize = 30;
const BAR_LEFT: usize = 180;
const BAR_MAX: usize = 380;

impl Chart {
    fn of(rows: Vec<(String, f64, String)>, max: f64) -> Chart {
        let bars: Vec<Bar> = rows
            .into_iter()
            .enumerate()
            .map(|(i, (label, value, text))| Bar {
                label,
                text,
                y: i * BAR_ROW,
                width: if max > 0.0 {
                    (value / max * BAR_MAX as f64).round() as usize
                } else {
                    0
                },
            })
            .collect();
        Chart {
            height: bars.len().max(1) * BAR_ROW,
            bars,
        }
    }

    pub fn bar_left(&self) -> usize {
        BAR_LEFT
    }
}

impl Bar {
    pub fn text_x(&self) -> usize {
        BAR_LEFT + self.width + 6
    }
    pub fn text_y(&self) -> usize {
        self.y + 19
    }
    pub fn bar_y(&self) -> usize {
        self.y + 5
    }
}

impl StatsPage {
    fn error_of(&self, field: &str) -> Option<&str> {
        self.errors
            .iter()
            .find(|(f, _)| f == field)
            .map(|(_, m)| m.as_str())
    }
}

struct Row {
    department: String,
    items: String,
    figures: Figures,
}

impl Row {
    /// Completed on time out of completed, as a percentage; a dash while nothing is completed.
    fn on_time_rate(&self) -> String {
        let f = &self.figures;
        if f.completed == 0 {
            "—".into()
        } else {
            format!(
                "{:.1}%",
                f.completed_on_time as f64 * 100.0 / f.completed as f64
            )
        }
    }

    fn average_days(&self) -> String {
        self.figures
            .average_handling_days
            .map(|d| format!("{d:.2}"))
            .unwrap_or_else(|| "—".into())
    }
}

pub async fn page(
    State(state): State<AppState>,
    visitor: Visitor,
    Query(range): Query<Range>,
) -> PageResult<Response> {
    let (from, to) = range.days();
    let (report, errors, status) = match state.stats.public_report(&from, &to).await {
        Ok(report) => (Some(report), Vec::new(), StatusCode::OK),
        Err(DomainError::InvalidInput(fields)) => (
            None,
            fields.into_iter().map(|f| (f.field, f.message)).collect(),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        Err(other) => return Err(other.into()),
    };
    let rows = report.map(|r| rows(&state, r)).unwrap_or_default();
    let on_time = Chart::of(
        rows.iter()
            .filter(|r| r.figures.completed > 0)
            .map(|r| {
                let rate = r.figures.completed_on_time as f64 * 100.0 / r.figures.completed as f64;
                (r.department.clone(), rate, r.on_time_rate())
            })
            .collect(),
        100.0,
    );
    let monthly = if errors.is_empty() {
        monthly_received(&state, &to).await?
    } else {
        Chart::of(Vec::new(), 0.0)
    };
    let page = StatsPage {
        layout: visitor.layout("办件统计公开"),
        from,
        to,
        rows,
        errors,
        on_time,
        monthly,
    };
    Ok(render(status, &page))
}

/// Applications received in each month of `to`'s year up to `to`'s month, from the same report.
async fn monthly_received(state: &AppState, to: &str) -> PageResult<Chart> {
    let Ok(last) = chrono::NaiveDate::parse_from_str(to, "%Y-%m-%d") else {
        return Ok(Chart::of(Vec::new(), 0.0));
    };
    let mut months = Vec::new();
    for month in 1..=last.month() {
        let first =
            chrono::NaiveDate::from_ymd_opt(last.year(), month, 1).expect("a month's first day");
        let end = if month == last.month() {
            last
        } else {
            chrono::NaiveDate::from_ymd_opt(last.year(), month + 1, 1).expect("a month's first day")
                - chrono::Days::new(1)
        };
        let report = state
            .stats
            .public_report(&first.to_string(), &end.to_string())
            .await?;
        let received: u64 = report.departments.iter().map(|d| d.figures.received).sum();
        months.push((
            format!("{}年{}月", last.year(), month),
            received as f64,
            format!("{received} 件"),
        ));
    }
    let max = months.iter().map(|(_, v, _)| *v).fold(0.0, f64::max);
    Ok(Chart::of(months, max))
}

fn rows(state: &AppState, report: Report) -> Vec<Row> {
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
            department: d.department,
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
