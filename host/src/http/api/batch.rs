//! Batch decisions of a department over one item's cases in one state (the school placement):
//! the item decides, the host applies each decision as an ordinary action. See
//! `domain::batch` for the contract with the item.

use axum::extract::{Path, State};
use axum::routing::post;
use serde::Deserialize;
use serde_json::Value;

use crate::domain::batch::BatchReport;
use crate::http::Staff;
use crate::http::{AppState, Json, Result, Routes};

pub fn router() -> Routes {
    Routes::new().route("/api/v1/dept/items/{code}/batch", post(run))
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct BatchRequest {
    /// The state whose cases the item decides on.
    state: String,
    /// Passed to the item with the cases.
    #[schema(value_type = Option<Object>)]
    input: Option<Value>,
}

/// Run a batch decision: every non-preview case of the item in `state`, in application-number
/// order, goes to the item's `query` in one call; each decision it returns is applied through the
/// normal action path. For staff of the item's own department. Running it again finds no case
/// left in the state.
#[utoipa::path(post, path = "/api/v1/dept/items/{code}/batch", tag = "staff", request_body = BatchRequest,
    responses((status = 200, body = BatchReport), (status = 401), (status = 403), (status = 404),
        (status = 409, description = "refused by the item"), (status = 502)))]
async fn run(
    State(state): State<AppState>,
    Staff(staff): Staff,
    Path(code): Path<String>,
    Json(request): Json<BatchRequest>,
) -> Result<Json<BatchReport>> {
    let input = request
        .input
        .unwrap_or_else(|| Value::Object(Default::default()));
    let report = state
        .batch
        .run(&staff, &code, &request.state, &input)
        .await?;
    Ok(Json(report))
}
