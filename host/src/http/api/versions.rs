//! A department's item versions: signed uploads, the list of what was uploaded, and preview
//! applications against a version before an admin publishes it.

use axum::extract::multipart::MultipartRejection;
use axum::extract::{DefaultBodyLimit, Multipart, Path, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use serde::Deserialize;
use serde_json::Value;

use crate::domain::cases::Submitted;
use crate::domain::items::VersionView;
use crate::http::Staff;
use crate::http::{AppState, Error, Json, Result, Routes, read_version_parts};

pub fn router() -> Routes {
    Routes::new()
        .route(
            "/api/v1/dept/items/{code}/versions",
            // The upload counts its own bytes against the component limit (below).
            get(list).post(upload).layer(DefaultBodyLimit::disable()),
        )
        .route(
            "/api/v1/dept/items/{code}/versions/{version}/preview",
            post(preview),
        )
}

/// Upload a version (multipart: `component`, the `.wasm` file; `signature`, its `.sig` file).
///
/// Checked before it is accepted: size, the department's signature, that it is a component
/// exporting the item interface, imports within the item's grants, a valid catalog entry for this
/// item and department, a version above every earlier one. Each refusal names its reason in
/// `error.code`; accepted and refused uploads are both in the audit log. An accepted version is
/// staged: an admin publishes it.
#[utoipa::path(post, path = "/api/v1/dept/items/{code}/versions", tag = "staff",
    params(("code" = String, Path, description = "the item's code")),
    request_body(content_type = "multipart/form-data", description = "parts `component` and `signature`"),
    responses((status = 201, body = VersionView), (status = 401),
        (status = 403, description = "forbidden, item_of_another_department"), (status = 404),
        (status = 409, description = "version_not_newer, version_exists"),
        (status = 413, description = "component_too_large"),
        (status = 415, description = "not multipart/form-data"),
        (status = 422, description = "missing_part, no_signing_key, bad_signature, signed_by_another_department, not_a_component, no_item_export, unsupported_contract, ungranted_import, unknown_import, describe_failed, invalid_catalog, item_code_mismatch, department_mismatch, invalid_version")))]
async fn upload(
    State(state): State<AppState>,
    Staff(staff): Staff,
    Path(code): Path<String>,
    multipart: std::result::Result<Multipart, MultipartRejection>,
) -> Result<(StatusCode, Json<VersionView>)> {
    let mut multipart = multipart.map_err(|_| Error::UnsupportedMediaType)?;
    let (component, signature) =
        read_version_parts(&mut multipart, state.items.max_component_bytes()).await?;
    let missing = |part: &str| {
        Error::BadRequest(
            "missing_part",
            format!("缺少 `{part}` 部分（multipart/form-data）"),
        )
    };
    let component = component.ok_or_else(|| missing("component"))?;
    let signature = signature.ok_or_else(|| missing("signature"))?;
    let view = state
        .items
        .upload(&staff, &code, &component, &signature)
        .await?;
    Ok((StatusCode::CREATED, Json(view)))
}

/// The item's versions, newest first: for its own department's staff and for admins.
#[utoipa::path(get, path = "/api/v1/dept/items/{code}/versions", tag = "staff",
    params(("code" = String, Path, description = "the item's code")),
    responses((status = 200, body = [VersionView]), (status = 401), (status = 403), (status = 404)))]
async fn list(
    State(state): State<AppState>,
    Staff(staff): Staff,
    Path(code): Path<String>,
) -> Result<Json<Vec<VersionView>>> {
    Ok(Json(state.items.versions(&staff, &code).await?))
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct PreviewRequest {
    #[schema(value_type = Object)]
    form: Value,
}

/// Try a version before it is published: an application by the item's own department, marked
/// preview, never shown to citizens and never counted in the statistics.
#[utoipa::path(post, path = "/api/v1/dept/items/{code}/versions/{version}/preview", tag = "staff",
    request_body = PreviewRequest,
    params(("code" = String, Path, description = "the item's code"),
        ("version" = String, Path, description = "an uploaded version (`1.2.0`)")),
    responses((status = 201, body = Submitted), (status = 401), (status = 403), (status = 404),
        (status = 422, description = "invalid_form or ineligible, naming the fields")))]
async fn preview(
    State(state): State<AppState>,
    Staff(staff): Staff,
    Path((code, version)): Path<(String, String)>,
    Json(request): Json<PreviewRequest>,
) -> Result<(StatusCode, Json<Submitted>)> {
    let submitted = state
        .cases
        .submit_preview(&staff, &code, &version, &request.form)
        .await?;
    Ok((StatusCode::CREATED, Json(submitted)))
}
