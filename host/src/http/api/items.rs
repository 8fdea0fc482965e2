//! The public catalog (generated from what the items' `describe()` returned), applications and
//! information queries.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::domain::cases::Submitted;
use crate::http::{AppState, Error, Json, Result, Routes};
use crate::http::{Citizen, CurrentUser};
use crate::model::catalog::ItemInfo;

pub fn router() -> Routes {
    Routes::new()
        .route("/api/v1/items", get(list))
        .route("/api/v1/items/{code}", get(show))
        .route("/api/v1/items/{code}/applications", post(apply))
        .route("/api/v1/items/{code}/query", post(query))
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct ItemSummary {
    code: String,
    name: String,
    department: String,
    summary: String,
    version: String,
    promised_days: u32,
    statutory_days: u32,
    enabled: bool,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct ItemDetail {
    #[serde(flatten)]
    info: ItemInfo,
    enabled: bool,
}

/// The catalog: every item this host serves, enabled or not (a disabled one says so).
#[utoipa::path(get, path = "/api/v1/items", tag = "catalog", responses((status = 200, body = [ItemSummary])))]
async fn list(State(state): State<AppState>) -> Json<Vec<ItemSummary>> {
    let items = state.items.all();
    Json(
        items
            .values()
            .map(|live| {
                let info = &live.version.info;
                ItemSummary {
                    code: info.code.clone(),
                    name: info.name.clone(),
                    department: info.department.clone(),
                    summary: info.summary.clone(),
                    version: info.version.clone(),
                    promised_days: info.promised_days,
                    statutory_days: info.statutory_days,
                    enabled: live.enabled,
                }
            })
            .collect(),
    )
}

/// One catalog entry with its form schema and workflow.
#[utoipa::path(get, path = "/api/v1/items/{code}", tag = "catalog",
    responses((status = 200, body = ItemDetail), (status = 404, description = "no such item")))]
async fn show(State(state): State<AppState>, Path(code): Path<String>) -> Result<Json<ItemDetail>> {
    let live = state.items.live(&code).ok_or(Error::NotFound)?;
    Ok(Json(ItemDetail {
        info: live.version.info.clone(),
        enabled: live.enabled,
    }))
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct ApplicationRequest {
    #[schema(value_type = Object)]
    form: Value,
    /// web, mobile, wechat, alipay or department; web when absent.
    channel: Option<String>,
}

/// Apply. 201 only once the case is durably stored.
#[utoipa::path(post, path = "/api/v1/items/{code}/applications", tag = "applications", request_body = ApplicationRequest,
    responses((status = 201, body = Submitted), (status = 401), (status = 403), (status = 404),
        (status = 422, description = "invalid_form or ineligible, naming the fields"), (status = 503, description = "item_disabled")))]
async fn apply(
    State(state): State<AppState>,
    Citizen(applicant): Citizen,
    Path(code): Path<String>,
    Json(request): Json<ApplicationRequest>,
) -> Result<(StatusCode, Json<Submitted>)> {
    let channel = request.channel.as_deref().unwrap_or("web");
    let submitted = state
        .cases
        .submit(&applicant, &code, &request.form, channel)
        .await?;
    Ok((StatusCode::CREATED, Json(submitted)))
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct QueryRequest {
    #[schema(value_type = Object)]
    input: Value,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct QueryResponse {
    #[schema(value_type = Object)]
    output: Value,
}

/// An information service (查询).
#[utoipa::path(post, path = "/api/v1/items/{code}/query", tag = "applications", request_body = QueryRequest,
    responses((status = 200, body = QueryResponse), (status = 401), (status = 404), (status = 409), (status = 422)))]
async fn query(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(code): Path<String>,
    Json(request): Json<QueryRequest>,
) -> Result<Json<QueryResponse>> {
    let output = state
        .cases
        .query(&user.actor, &code, &request.input)
        .await?;
    Ok(Json(QueryResponse { output }))
}
