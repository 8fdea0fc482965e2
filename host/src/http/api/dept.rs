//! Department staff's inbox, and a case exported as a fixture for the item's developers.

use axum::extract::{Path, Query, State};
use axum::routing::get;
use serde::{Deserialize, Serialize};

use crate::http::Staff;
use crate::http::{AppState, Json, Result, Routes};
use crate::model::fixture::Fixture;

pub fn router() -> Routes {
    Routes::new()
        .route("/api/v1/dept/cases", get(cases))
        .route("/api/v1/dept/cases/{number}/fixture", get(fixture))
}

#[derive(Deserialize, utoipa::IntoParams)]
pub struct CaseFilter {
    /// Only cases in this state.
    state: Option<String>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct DeptCase {
    number: String,
    item: String,
    state: String,
    submitted_at: String,
    due_date: String,
    applicant_name: String,
    /// Masked (`4419**********1234`): enough to tell applicants of the same name apart.
    applicant_id_masked: Option<String>,
}

/// The cases of the caller's department's items and of the items it works a part of, in a state
/// where it has an action (every case for admins), earliest due first.
#[utoipa::path(get, path = "/api/v1/dept/cases", tag = "staff", params(CaseFilter),
    responses((status = 200, body = [DeptCase]), (status = 401), (status = 403)))]
async fn cases(
    State(state): State<AppState>,
    Staff(staff): Staff,
    Query(filter): Query<CaseFilter>,
) -> Result<Json<Vec<DeptCase>>> {
    let rows = state.cases.inbox(&staff, filter.state.as_deref()).await?;
    Ok(Json(
        rows.into_iter()
            .map(|r| DeptCase {
                number: r.number,
                item: r.item_code,
                state: r.state,
                submitted_at: r.submitted_at,
                due_date: r.due_date,
                applicant_name: r.applicant_name,
                applicant_id_masked: r.applicant_id_number,
            })
            .collect(),
    ))
}

/// The case's submission as a fixture for `yiwang plugin test`, the applicant's ID and mobile
/// numbers and name replaced by stand-ins (`yiwang plugin fixture NUMBER`). Only the staff of the
/// item's own department.
#[utoipa::path(get, path = "/api/v1/dept/cases/{number}/fixture", tag = "staff",
    params(("number" = String, Path, description = "The case number")),
    responses((status = 200, body = Object), (status = 401), (status = 403), (status = 404)))]
async fn fixture(
    State(state): State<AppState>,
    Staff(staff): Staff,
    Path(number): Path<String>,
) -> Result<Json<Fixture>> {
    Ok(Json(state.cases.fixture(&staff, &number).await?))
}
