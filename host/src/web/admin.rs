//! The admin's items: each with its version, department and flag, switched on and off, published
//! and rolled back through `Items` (audited there), as the API; and the newest audit entries.

use askama::Template;
use axum::extract::{Form, Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use super::me::item_name;
use super::page::{Layout, PageResult, Session, render};
use crate::domain::actor::{Actor, Role};
use crate::domain::error::DomainError;
use crate::domain::items::ItemView;
use crate::http::{AppState, Error};
use crate::storage::AuditRow;

const ADMINS_ONLY: &str = "此页面仅限平台管理员";
/// How many of the newest audit entries the page shows.
const AUDIT_ENTRIES: i64 = 100;

#[derive(Template)]
#[template(path = "admin_items.html")]
struct AdminItems {
    layout: Layout,
    csrf: String,
    items: Vec<(ItemView, String)>,
    /// Why the last change was refused, if it was.
    error: Option<String>,
}

async fn items_page(
    state: &AppState,
    session: &Session,
    admin: &Actor,
    status: StatusCode,
    error: Option<String>,
) -> PageResult<Response> {
    let items = state
        .items
        .list(admin)
        .await?
        .into_iter()
        .map(|view| {
            let name = item_name(state, &view.code);
            (view, name)
        })
        .collect();
    let page = AdminItems {
        layout: session.layout("事项管理"),
        csrf: session.csrf.clone(),
        items,
        error,
    };
    Ok(render(status, &page))
}

pub async fn items(State(state): State<AppState>, session: Session) -> PageResult<Response> {
    let admin = session.require(&[Role::Admin], ADMINS_ONLY)?;
    items_page(&state, &session, admin, StatusCode::OK, None).await
}

/// Back to the list after a change, or the list with the refusal and its status.
async fn after(
    state: &AppState,
    session: &Session,
    admin: &Actor,
    done: Result<ItemView, DomainError>,
) -> PageResult<Response> {
    match done {
        Ok(_) => Ok(Redirect::to("/admin/items").into_response()),
        Err(DomainError::NotFound) => Err(DomainError::NotFound.into()),
        Err(error) => {
            let error = Error::from(error);
            let message = error.to_string();
            let status = error.into_response().status();
            items_page(state, session, admin, status, Some(message)).await
        }
    }
}

pub async fn enable(
    State(state): State<AppState>,
    session: Session,
    Path(code): Path<String>,
) -> PageResult<Response> {
    let admin = session.require(&[Role::Admin], ADMINS_ONLY)?;
    let done = state.items.set_enabled(admin, &code, true).await;
    after(&state, &session, admin, done).await
}

pub async fn disable(
    State(state): State<AppState>,
    session: Session,
    Path(code): Path<String>,
) -> PageResult<Response> {
    let admin = session.require(&[Role::Admin], ADMINS_ONLY)?;
    let done = state.items.set_enabled(admin, &code, false).await;
    after(&state, &session, admin, done).await
}

pub async fn rollback(
    State(state): State<AppState>,
    session: Session,
    Path(code): Path<String>,
) -> PageResult<Response> {
    let admin = session.require(&[Role::Admin], ADMINS_ONLY)?;
    let done = state.items.rollback(admin, &code).await;
    after(&state, &session, admin, done).await
}

#[derive(Deserialize)]
pub struct PublishForm {
    #[serde(default)]
    version: String,
}

pub async fn publish(
    State(state): State<AppState>,
    session: Session,
    Path(code): Path<String>,
    Form(form): Form<PublishForm>,
) -> PageResult<Response> {
    let admin = session.require(&[Role::Admin], ADMINS_ONLY)?;
    let done = state.items.publish(admin, &code, form.version.trim()).await;
    after(&state, &session, admin, done).await
}

#[derive(Template)]
#[template(path = "admin_audit.html")]
struct AdminAudit {
    layout: Layout,
    entries: Vec<AuditRow>,
}

/// The newest audit entries, newest first (`yiwang audit verify` checks the whole chain).
pub async fn audit(State(state): State<AppState>, session: Session) -> PageResult<Response> {
    session.require(&[Role::Admin], ADMINS_ONLY)?;
    let entries = state.storage.audit_entries(AUDIT_ENTRIES).await?;
    let page = AdminAudit {
        layout: session.layout("审计日志"),
        entries,
    };
    Ok(render(StatusCode::OK, &page))
}
