//! One case: read it, act on it.

use axum::extract::{Path, State};
use axum::routing::{get, post};
use serde::Deserialize;
use serde_json::Value;

use crate::domain::cases::{ActionDone, CaseDetail};
use crate::http::CurrentUser;
use crate::http::{AppState, Json, Result, Routes};

pub fn router() -> Routes {
    Routes::new()
        .route("/api/v1/applications/{number}", get(show))
        .route("/api/v1/applications/{number}/actions", post(act))
}

/// A case with its timeline, deliveries and certificates: for its applicant, the staff of the
/// item's department and admins; 404 for everyone else.
#[utoipa::path(get, path = "/api/v1/applications/{number}", tag = "applications",
    responses((status = 200, body = CaseDetail), (status = 401), (status = 404)))]
async fn show(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(number): Path<String>,
) -> Result<Json<CaseDetail>> {
    Ok(Json(state.cases.view(&user.actor, &number).await?))
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct ActionRequest {
    action: String,
    comment: Option<String>,
    #[schema(value_type = Option<Object>)]
    input: Option<Value>,
}

/// Take a workflow action: only a declared one, only by a role it allows, only from the current state.
#[utoipa::path(post, path = "/api/v1/applications/{number}/actions", tag = "applications", request_body = ActionRequest,
    responses((status = 200, body = ActionDone), (status = 401), (status = 403, description = "forbidden_action"),
        (status = 404), (status = 409, description = "wrong_state, undeclared_action, conflict"), (status = 422, description = "comment_required")))]
async fn act(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(number): Path<String>,
    Json(request): Json<ActionRequest>,
) -> Result<Json<ActionDone>> {
    let input = request
        .input
        .unwrap_or_else(|| Value::Object(Default::default()));
    let done = state
        .cases
        .act(
            &user.actor,
            &number,
            &request.action,
            request.comment.as_deref(),
            &input,
        )
        .await?;
    Ok(Json(done))
}
