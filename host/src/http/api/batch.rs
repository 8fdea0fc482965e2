//! Batch decisions of a department over one item's cases in one state (the school placement):
//! the item decides, the host applies each decision as an ordinary action. See
//! `domain::batch` for the contract with the item.

use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use axum::routing::{get, post};
use serde::Deserialize;
use serde_json::Value;

use crate::domain::batch::BatchJob;
use crate::http::Staff;
use crate::http::{AppState, Json, Result, Routes};

pub fn router() -> Routes {
    Routes::new()
        .route("/api/v1/dept/items/{code}/batch", post(run))
        .route("/api/v1/dept/batch-jobs/{id}", get(job))
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct BatchRequest {
    /// The state whose cases the item decides on.
    state: String,
    /// Passed to the item with the cases.
    #[schema(value_type = Option<Object>)]
    input: Option<Value>,
}

/// Start a batch decision: every non-preview case of the item in `state`, in application-number
/// order, goes to the item's `batch` in one call, within this request; the decisions it returns
/// are then applied through the normal action path by a background job, which this answers with
/// (202, `Location` its status). For staff of the item's own department. One job of an item runs
/// at a time (409 `batch_running`); running it again later finds no case left in the state.
#[utoipa::path(post, path = "/api/v1/dept/items/{code}/batch", tag = "staff", request_body = BatchRequest,
    responses((status = 202, body = BatchJob), (status = 401), (status = 403), (status = 404),
        (status = 409, description = "refused by the item, or a batch of the item is running"),
        (status = 502)))]
async fn run(
    State(state): State<AppState>,
    Staff(staff): Staff,
    Path(code): Path<String>,
    Json(request): Json<BatchRequest>,
) -> Result<impl IntoResponse> {
    let input = request
        .input
        .unwrap_or_else(|| Value::Object(Default::default()));
    let job = state
        .batch
        .start(&staff, &code, &request.state, &input)
        .await?;
    let location = format!("/api/v1/dept/batch-jobs/{}", job.id);
    Ok((
        StatusCode::ACCEPTED,
        [(header::LOCATION, location)],
        Json(job),
    ))
}

/// A batch job's progress and, once it is done, its outcome. For staff of the item's department;
/// anyone else is told it does not exist.
#[utoipa::path(get, path = "/api/v1/dept/batch-jobs/{id}", tag = "staff",
    responses((status = 200, body = BatchJob), (status = 401), (status = 403), (status = 404)))]
async fn job(
    State(state): State<AppState>,
    Staff(staff): Staff,
    Path(id): Path<i64>,
) -> Result<Json<BatchJob>> {
    Ok(Json(state.batch.job(&staff, id).await?))
}
