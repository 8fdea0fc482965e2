//! Statistics for performance assessment (绩效考核), as JSON or CSV, the satisfaction rating
//! (好差评) an applicant gives a finished case, and the rectifications bad ratings open for the
//! departments. The figures are computed in `domain::stats`.

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::http::header::CONTENT_TYPE;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde::Deserialize;

use std::collections::BTreeMap;

use crate::domain::stats::{Rated, Report};
use crate::http::{AppState, Error, Json, Result, Routes};
use crate::http::{Citizen, CurrentUser, Staff};
use crate::storage::RectificationRow;

pub fn router() -> Routes {
    Routes::new()
        .route("/api/v1/applications/{number}/rating", post(rate))
        .route("/api/v1/stats", get(stats))
        .route("/api/v1/dept/rectifications", get(rectifications))
        .route(
            "/api/v1/dept/rectifications/{id}",
            post(close_rectification),
        )
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct RatingRequest {
    /// 1 (very dissatisfied) to 5 (very satisfied).
    score: i64,
    comment: Option<String>,
    /// The service-evaluation indicators, any of `attitude`, `efficiency`, `convenience`,
    /// `transparency`, `result`, each 1 to 5.
    #[serde(default)]
    indicators: BTreeMap<String, i64>,
}

/// The applicant rates their finished case (满意度评价), once.
#[utoipa::path(post, path = "/api/v1/applications/{number}/rating", tag = "applications",
    request_body = RatingRequest,
    responses((status = 201, body = Rated), (status = 401), (status = 403, description = "not a citizen"),
        (status = 404, description = "no such case, or not the caller's"),
        (status = 409, description = "wrong_state (not finished), already_rated"),
        (status = 422, description = "score or an indicator outside 1..=5, an unknown indicator, comment too long")))]
async fn rate(
    State(state): State<AppState>,
    Citizen(citizen): Citizen,
    Path(number): Path<String>,
    Json(request): Json<RatingRequest>,
) -> Result<(StatusCode, Json<Rated>)> {
    let rated = state
        .stats
        .rate(
            &citizen,
            &number,
            request.score,
            request.comment.as_deref(),
            &request.indicators,
        )
        .await?;
    Ok((StatusCode::CREATED, Json(rated)))
}

#[derive(Deserialize, utoipa::IntoParams)]
pub struct StatsQuery {
    /// First day of submission, `YYYY-MM-DD` (China time).
    from: Option<String>,
    /// Last day of submission, `YYYY-MM-DD` (China time), inclusive.
    to: Option<String>,
    /// One department (admins: any; staff: their own, the default).
    department: Option<String>,
    /// `json` (the default) or `csv`.
    format: Option<String>,
}

/// Received, completed on time and overdue, open, average handling days, satisfaction and channels,
/// per department and item, over the cases submitted in the range, and the applications received
/// on each day of the range that received any (`received_by_day`, China dates; JSON only, the CSV
/// keeps its columns). Admins see every department, department staff their own.
#[utoipa::path(get, path = "/api/v1/stats", tag = "staff", params(StatsQuery),
    responses((status = 200, body = Report, description = "JSON, or with format=csv one row per department and item (text/csv; charset=utf-8)"),
        (status = 401), (status = 403, description = "citizens; staff asking for another department"),
        (status = 422, description = "missing or malformed dates, from after to, unknown format")))]
async fn stats(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(query): Query<StatsQuery>,
) -> Result<Response> {
    let csv = match query.format.as_deref() {
        None | Some("json") => false,
        Some("csv") => true,
        Some(other) => {
            return Err(Error::BadRequest(
                "invalid_format",
                format!("unknown format `{other}` (expected json or csv)"),
            ));
        }
    };
    let report = state
        .stats
        .report(
            &user.actor,
            query.from.as_deref().unwrap_or_default(),
            query.to.as_deref().unwrap_or_default(),
            query.department.as_deref(),
        )
        .await?;
    if csv {
        let headers = [(CONTENT_TYPE, "text/csv; charset=utf-8")];
        Ok((headers, report.to_csv()).into_response())
    } else {
        Ok(Json(report).into_response())
    }
}

/// The rectifications bad ratings opened for the caller's department, open ones first.
#[utoipa::path(get, path = "/api/v1/dept/rectifications", tag = "departments",
    responses((status = 200, body = [RectificationRow]), (status = 401),
        (status = 403, description = "not a department's staff")))]
async fn rectifications(
    State(state): State<AppState>,
    Staff(staff): Staff,
) -> Result<Json<Vec<RectificationRow>>> {
    Ok(Json(state.stats.rectifications(&staff).await?))
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct CloseRectification {
    /// What the department changed (整改措施).
    measures: String,
    /// How the applicant was called back, and what they said (回访情况).
    callback: String,
}

/// Closes a rectification of the caller's department with its measures and callback.
#[utoipa::path(post, path = "/api/v1/dept/rectifications/{id}", tag = "departments",
    request_body = CloseRectification,
    responses((status = 200, body = RectificationRow), (status = 401),
        (status = 403, description = "not a department's staff"),
        (status = 404, description = "no such rectification of the caller's department"),
        (status = 409, description = "already_closed"),
        (status = 422, description = "measures or callback missing or too long")))]
async fn close_rectification(
    State(state): State<AppState>,
    Staff(staff): Staff,
    Path(id): Path<i64>,
    Json(request): Json<CloseRectification>,
) -> Result<Json<RectificationRow>> {
    let closed = state
        .stats
        .close_rectification(&staff, id, &request.measures, &request.callback)
        .await?;
    Ok(Json(closed))
}
