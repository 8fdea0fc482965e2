//! The platform admin's API: switching items on and off, and reading the audit log. Every route
//! takes the `Admin` extractor; every change is audited by the domain, with the change.

use axum::Router;
use axum::extract::{Path, Query, State};
use axum::routing::{get, post};
use serde::{Deserialize, Serialize};

use super::{AppState, Error, Json, Result};
use crate::auth::Admin;
use crate::domain::actor::Actor;

/// Entries `GET /api/v1/admin/audit` returns without a `limit`, and the most it returns.
const AUDIT_DEFAULT_LIMIT: i64 = 100;
const AUDIT_MAX_LIMIT: i64 = 1000;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/admin/items/{code}/enable", post(enable))
        .route("/api/v1/admin/items/{code}/disable", post(disable))
        .route("/api/v1/admin/audit", get(audit))
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct ItemSwitched {
    code: String,
    enabled: bool,
}

/// Enable an item: citizens can apply and query again, from the next request on.
///
/// Takes effect at once on this host, without a restart, and lasts until `plugins.toml` is
/// loaded again (the next start or a change to the file), which decides again.
#[utoipa::path(post, path = "/api/v1/admin/items/{code}/enable", tag = "admin",
    params(("code" = String, Path, description = "the item's code")),
    responses((status = 200, body = ItemSwitched), (status = 401), (status = 403), (status = 404)))]
async fn enable(
    State(state): State<AppState>,
    Admin(admin): Admin,
    Path(code): Path<String>,
) -> Result<Json<ItemSwitched>> {
    switch(&state, &admin, code, true).await
}

/// Disable an item: citizens' applications and queries get 503 `item_disabled` from the next
/// request on; open cases stay readable and staff and couriers can finish them.
///
/// Takes effect at once on this host, without a restart, and lasts until `plugins.toml` is
/// loaded again (the next start or a change to the file), which decides again.
#[utoipa::path(post, path = "/api/v1/admin/items/{code}/disable", tag = "admin",
    params(("code" = String, Path, description = "the item's code")),
    responses((status = 200, body = ItemSwitched), (status = 401), (status = 403), (status = 404)))]
async fn disable(
    State(state): State<AppState>,
    Admin(admin): Admin,
    Path(code): Path<String>,
) -> Result<Json<ItemSwitched>> {
    switch(&state, &admin, code, false).await
}

async fn switch(
    state: &AppState,
    admin: &Actor,
    code: String,
    enabled: bool,
) -> Result<Json<ItemSwitched>> {
    let live = state.items.set_enabled(admin, &code, enabled).await?;
    Ok(Json(ItemSwitched {
        code,
        enabled: live.enabled,
    }))
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
