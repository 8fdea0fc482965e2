//! A citizen's own things: applications, certificates, who used their data, messages.

use axum::extract::State;
use axum::routing::get;
use serde::Serialize;

use crate::http::Citizen;
use crate::http::{AppState, Json, Result, Routes};
use crate::model::effects::Certificate;

pub fn router() -> Routes {
    Routes::new()
        .route("/api/v1/me/applications", get(applications))
        .route("/api/v1/me/certificates", get(certificates))
        .route("/api/v1/me/data-use", get(data_use))
        .route("/api/v1/me/notifications", get(notifications))
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct MyApplication {
    number: String,
    item: String,
    state: String,
    submitted_at: String,
    due_date: String,
}

#[utoipa::path(get, path = "/api/v1/me/applications", tag = "me", responses((status = 200, body = [MyApplication]), (status = 401), (status = 403)))]
async fn applications(
    State(state): State<AppState>,
    Citizen(me): Citizen,
) -> Result<Json<Vec<MyApplication>>> {
    let cases = state.me.applications(&me).await?;
    Ok(Json(
        cases
            .into_iter()
            .map(|c| MyApplication {
                number: c.number,
                item: c.item_code,
                state: c.state,
                submitted_at: c.submitted_at,
                due_date: c.due_date,
            })
            .collect(),
    ))
}

/// Certificates held under the citizen's ID number.
#[utoipa::path(get, path = "/api/v1/me/certificates", tag = "me", responses((status = 200, body = [Certificate]), (status = 401), (status = 403)))]
async fn certificates(
    State(state): State<AppState>,
    Citizen(me): Citizen,
) -> Result<Json<Vec<Certificate>>> {
    Ok(Json(state.me.certificates(&me).await?))
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct DataUse {
    at: String,
    dataset: String,
    record_key: String,
    item_code: String,
    case_number: Option<String>,
    purpose: String,
    actor_role: String,
}

/// Every read of a registry record about the citizen (数据使用记录), newest first.
#[utoipa::path(get, path = "/api/v1/me/data-use", tag = "me", responses((status = 200, body = [DataUse]), (status = 401), (status = 403)))]
async fn data_use(
    State(state): State<AppState>,
    Citizen(me): Citizen,
) -> Result<Json<Vec<DataUse>>> {
    let rows = state.me.data_use(&me).await?;
    Ok(Json(
        rows.into_iter()
            .map(|r| DataUse {
                at: r.at,
                dataset: r.dataset,
                record_key: r.record_key,
                item_code: r.item_code,
                case_number: r.case_number,
                purpose: r.purpose,
                actor_role: r.actor_role,
            })
            .collect(),
    ))
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct Notification {
    subject: String,
    body: String,
    case_number: Option<String>,
    created_at: String,
    status: String,
}

/// Messages to the citizen (the app channel of the outbox), newest first.
#[utoipa::path(get, path = "/api/v1/me/notifications", tag = "me", responses((status = 200, body = [Notification]), (status = 401), (status = 403)))]
async fn notifications(
    State(state): State<AppState>,
    Citizen(me): Citizen,
) -> Result<Json<Vec<Notification>>> {
    let rows = state.me.notifications(&me).await?;
    Ok(Json(
        rows.into_iter()
            .map(|r| Notification {
                subject: r.subject,
                body: r.body,
                case_number: r.case_number,
                created_at: r.created_at,
                status: r.status,
            })
            .collect(),
    ))
}
