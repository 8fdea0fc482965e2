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
            day.as_deref().map(str::trim).filter(|d| !d.is_empty()).map(str::to_string).unwrap_or(default)
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
}

impl StatsPage {
    fn error_of(&self, field: &str) -> Option<&str> {
        self.errors.iter().find(|(f, _)| f == field).map(|(_, m)| m.as_str())
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
            format!("{:.1}%", f.completed_on_time as f64 * 100.0 / f.completed as f64)
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
    let page = StatsPage {
        layout: visitor.layout("办件统计公开"),
        from,
        to,
        rows,
        errors,
    };
    Ok(render(status, &page))
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
pub async fn csv(State(state): State<AppState>, Query(range): Query<Range>) -> PageResult<Response> {
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
