//! The admin's items: each with its version, department and flag, switched on and off through
//! `Items::set_enabled` (audited there), as the API.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};

use super::me::item_name;
use super::page::{Layout, PageResult, Session, render};
use crate::domain::actor::Role;
use crate::domain::items::ItemView;
use crate::http::AppState;

const ADMINS_ONLY: &str = "此页面仅限平台管理员";

#[derive(Template)]
#[template(path = "admin_items.html")]
struct AdminItems {
    layout: Layout,
    csrf: String,
    items: Vec<(ItemView, String)>,
}

pub async fn items(State(state): State<AppState>, session: Session) -> PageResult<Response> {
    let admin = session.require(&[Role::Admin], ADMINS_ONLY)?;
    let items = state
        .items
        .list(admin)
        .await?
        .into_iter()
        .map(|view| {
            let name = item_name(&state, &view.code);
            (view, name)
        })
        .collect();
    let page = AdminItems {
        layout: session.layout("事项管理"),
        csrf: session.csrf.clone(),
        items,
    };
    Ok(render(StatusCode::OK, &page))
}

async fn switch(state: AppState, session: Session, code: String, enabled: bool) -> PageResult<Response> {
    let admin = session.require(&[Role::Admin], ADMINS_ONLY)?;
    state.items.set_enabled(admin, &code, enabled).await?;
    Ok(Redirect::to("/admin/items").into_response())
}

pub async fn enable(
    State(state): State<AppState>,
    session: Session,
    Path(code): Path<String>,
) -> PageResult<Response> {
    switch(state, session, code, true).await
}

pub async fn disable(
    State(state): State<AppState>,
    session: Session,
    Path(code): Path<String>,
) -> PageResult<Response> {
    switch(state, session, code, false).await
}
