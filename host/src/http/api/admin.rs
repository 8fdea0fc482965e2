//! The platform admin's API: registering items for departments, publishing and rolling back
//! their versions, switching them on and off, their grants and limits, adding departments and
//! reading the audit log.
//! Every route takes the `Admin` extractor; every change is audited by the domain, with the
//! change, and takes effect from the next request on, without a restart.

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::routing::{get, post, put};
use serde::{Deserialize, Serialize};

use crate::domain::departments::{DepartmentView, NewDepartment};
use crate::domain::items::ItemView;
use crate::http::Admin;
use crate::http::{AppState, Error, Json, Result, Routes};
use crate::model::grants::{Grants, Limits};

/// Entries `GET /api/v1/admin/audit` returns without a `limit`, and the most it returns.
const AUDIT_DEFAULT_LIMIT: i64 = 100;
const AUDIT_MAX_LIMIT: i64 = 1000;

pub fn router() -> Routes {
    Routes::new()
        .route("/api/v1/admin/items", get(list).post(register))
        .route("/api/v1/admin/items/{code}/enable", post(enable))
        .route("/api/v1/admin/items/{code}/disable", post(disable))
        .route("/api/v1/admin/items/{code}/publish", post(publish))
        .route("/api/v1/admin/items/{code}/rollback", post(rollback))
        .route("/api/v1/admin/items/{code}/grants", put(grants))
        .route("/api/v1/admin/items/{code}/limits", put(limits))
        .route("/api/v1/admin/audit", get(audit))
        .route(
            "/api/v1/admin/departments",
            get(departments).post(add_department),
        )
}

/// Every registered item, with its published version, flag, grants and limits.
#[utoipa::path(get, path = "/api/v1/admin/items", tag = "admin",
    responses((status = 200, body = [ItemView]), (status = 401), (status = 403)))]
async fn list(State(state): State<AppState>, Admin(admin): Admin) -> Result<Json<Vec<ItemView>>> {
    Ok(Json(state.items.list(&admin).await?))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewItem {
    /// Lowercase letters, digits and hyphens (`school-points-enrollment`).
    code: String,
    /// The department that owns the item; only its developers may upload versions.
    department: String,
}

/// Register an item for a department (进驻): disabled, without a version, granted nothing but
/// the log. The department's developers can upload versions from now on.
#[utoipa::path(post, path = "/api/v1/admin/items", tag = "admin", request_body = NewItem,
    responses((status = 201, body = ItemView), (status = 401), (status = 403),
        (status = 409, description = "item_exists"),
        (status = 422, description = "invalid_code, unknown_department")))]
async fn register(
    State(state): State<AppState>,
    Admin(admin): Admin,
    Json(new): Json<NewItem>,
) -> Result<(StatusCode, Json<ItemView>)> {
    let view = state
        .items
        .register(&admin, &new.code, &new.department)
        .await?;
    Ok((StatusCode::CREATED, Json(view)))
}

/// Enable an item: citizens can apply and query again, from the next request on. Lasts across
/// restarts, until an admin or a changed `plugins.toml` entry decides again.
#[utoipa::path(post, path = "/api/v1/admin/items/{code}/enable", tag = "admin",
    params(("code" = String, Path, description = "the item's code")),
    responses((status = 200, body = ItemView), (status = 401), (status = 403), (status = 404)))]
async fn enable(
    State(state): State<AppState>,
    Admin(admin): Admin,
    Path(code): Path<String>,
) -> Result<Json<ItemView>> {
    Ok(Json(state.items.set_enabled(&admin, &code, true).await?))
}

/// Disable an item: citizens' applications and queries get 503 `item_disabled` from the next
/// request on; open cases stay readable and staff and couriers can finish them.
#[utoipa::path(post, path = "/api/v1/admin/items/{code}/disable", tag = "admin",
    params(("code" = String, Path, description = "the item's code")),
    responses((status = 200, body = ItemView), (status = 401), (status = 403), (status = 404)))]
async fn disable(
    State(state): State<AppState>,
    Admin(admin): Admin,
    Path(code): Path<String>,
) -> Result<Json<ItemView>> {
    Ok(Json(state.items.set_enabled(&admin, &code, false).await?))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Publish {
    /// An uploaded version of the item (`1.2.0`).
    version: String,
}

/// Publish an uploaded version: new applications use it from the next request on; open cases
/// stay on the version they were submitted under.
#[utoipa::path(post, path = "/api/v1/admin/items/{code}/publish", tag = "admin", request_body = Publish,
    params(("code" = String, Path, description = "the item's code")),
    responses((status = 200, body = ItemView), (status = 401), (status = 403), (status = 404),
        (status = 409, description = "already_published"),
        (status = 422, description = "the version no longer loads under the item's grants")))]
async fn publish(
    State(state): State<AppState>,
    Admin(admin): Admin,
    Path(code): Path<String>,
    Json(body): Json<Publish>,
) -> Result<Json<ItemView>> {
    Ok(Json(
        state.items.publish(&admin, &code, &body.version).await?,
    ))
}

/// Go back to the version published before the current one.
#[utoipa::path(post, path = "/api/v1/admin/items/{code}/rollback", tag = "admin",
    params(("code" = String, Path, description = "the item's code")),
    responses((status = 200, body = ItemView), (status = 401), (status = 403), (status = 404),
        (status = 409, description = "no_previous_version")))]
async fn rollback(
    State(state): State<AppState>,
    Admin(admin): Admin,
    Path(code): Path<String>,
) -> Result<Json<ItemView>> {
    Ok(Json(state.items.rollback(&admin, &code).await?))
}

/// Replace what the item may touch: the `[grants]` of `plugins.toml` as a JSON object
/// (`registries`, `certificates_issue`, `certificates_read`, `notify`, `delivery`, `records`,
/// `log`). Refused when the published version imports what the new grants leave out.
#[utoipa::path(put, path = "/api/v1/admin/items/{code}/grants", tag = "admin",
    params(("code" = String, Path, description = "the item's code")),
    responses((status = 200, body = ItemView), (status = 401), (status = 403), (status = 404),
        (status = 422, description = "ungranted_import, invalid_json")))]
async fn grants(
    State(state): State<AppState>,
    Admin(admin): Admin,
    Path(code): Path<String>,
    Json(grants): Json<Grants>,
) -> Result<Json<ItemView>> {
    Ok(Json(state.items.set_grants(&admin, &code, grants).await?))
}

/// Replace the item's per-call limits: the `[limits]` of `plugins.toml` as a JSON object
/// (`memory_mib`, `cpu_ms`, `wall_ms`, `output_bytes`, `concurrency`, `host_calls`; absent ones
/// take their defaults).
#[utoipa::path(put, path = "/api/v1/admin/items/{code}/limits", tag = "admin",
    params(("code" = String, Path, description = "the item's code")),
    responses((status = 200, body = ItemView), (status = 401), (status = 403), (status = 404),
        (status = 422, description = "invalid_limits, invalid_json")))]
async fn limits(
    State(state): State<AppState>,
    Admin(admin): Admin,
    Path(code): Path<String>,
    Json(limits): Json<Limits>,
) -> Result<Json<ItemView>> {
    Ok(Json(state.items.set_limits(&admin, &code, limits).await?))
}

#[derive(Deserialize, utoipa::IntoParams)]
pub struct AuditQuery {
    /// How many of the newest entries: 1 to 1000, 100 when absent.
    #[param(value_type = Option<i64>)]
    limit: Option<String>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct AuditEntry {
    id: i64,
    at: String,
    /// `role:id` of who acted (`admin:1`), or `system`.
    actor: String,
    action: String,
    target: String,
    detail: String,
    prev_hash: String,
    hash: String,
}

/// The newest audit entries, newest first. `yiwang audit verify` checks the whole chain.
#[utoipa::path(get, path = "/api/v1/admin/audit", tag = "admin", params(AuditQuery),
    responses((status = 200, body = [AuditEntry]), (status = 401), (status = 403),
        (status = 422, description = "invalid_limit")))]
async fn audit(
    State(state): State<AppState>,
    _admin: Admin,
    Query(query): Query<AuditQuery>,
) -> Result<Json<Vec<AuditEntry>>> {
    let limit = match query.limit.as_deref() {
        None => AUDIT_DEFAULT_LIMIT,
        Some(text) => text
            .trim()
            .parse::<i64>()
            .ok()
            .filter(|n| (1..=AUDIT_MAX_LIMIT).contains(n))
            .ok_or_else(|| {
                Error::BadRequest(
                    "invalid_limit",
                    format!("limit 须为 1 到 {AUDIT_MAX_LIMIT} 之间的整数"),
                )
            })?,
    };
    let rows = state.storage.audit_entries(limit).await?;
    Ok(Json(
        rows.into_iter()
            .map(|r| AuditEntry {
                id: r.id,
                at: r.at,
                actor: r.actor,
                action: r.action,
                target: r.target,
                detail: r.detail,
                prev_hash: r.prev_hash,
                hash: r.hash,
            })
            .collect(),
    ))
}

/// Every department, with its signing key's fingerprint and its item and staff counts.
#[utoipa::path(get, path = "/api/v1/admin/departments", tag = "admin",
    responses((status = 200, body = [DepartmentView]), (status = 401), (status = 403)))]
async fn departments(
    State(state): State<AppState>,
    Admin(admin): Admin,
) -> Result<Json<Vec<DepartmentView>>> {
    Ok(Json(state.departments.list(&admin).await?))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DepartmentBody {
    /// Lowercase letters, digits and hyphens (`dongguan-education`).
    code: String,
    name: String,
    /// The Ed25519 public key (SPKI PEM) its developers' uploads must be signed with; without
    /// it the department cannot upload yet (`yiwang dept add --public-key` sets it later).
    public_key: Option<String>,
}

/// Add a department (audited as `department.put`).
#[utoipa::path(post, path = "/api/v1/admin/departments", tag = "admin",
    request_body = DepartmentBody,
    responses((status = 201, body = DepartmentView), (status = 401), (status = 403),
        (status = 409, description = "department_exists"),
        (status = 422, description = "invalid_code, invalid_name, invalid_public_key")))]
async fn add_department(
    State(state): State<AppState>,
    Admin(admin): Admin,
    Json(body): Json<DepartmentBody>,
) -> Result<(StatusCode, Json<DepartmentView>)> {
    let new = NewDepartment {
        code: &body.code,
        name: &body.name,
        public_key: body.public_key.as_deref(),
    };
    let view = state.departments.add(&admin, &new).await?;
    Ok((StatusCode::CREATED, Json(view)))
}
