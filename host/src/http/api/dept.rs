//! Department staff's inbox.

use axum::extract::{Query, State};
use axum::routing::get;
use serde::{Deserialize, Serialize};

use crate::http::Staff;
use crate::http::{AppState, Json, Result, Routes};

pub fn router() -> Routes {
    Routes::new().route("/api/v1/dept/cases", get(cases))
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
