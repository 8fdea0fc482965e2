//! The department inbox: the cases the staff member may act on (`Cases::inbox`, as the API),
//! earliest due first, so the overdue come first; filtered by state. Beside them, links to the
//! versions of the department's items.

use std::collections::BTreeMap;

use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;

use super::me::item_name;
use super::page::{Layout, PageResult, Session, render};
use super::people::People;
use crate::http::AppState;
use crate::http::Staff;
use crate::model::actor::Role;
use crate::storage::CaseSummary;

#[derive(Template)]
#[template(path = "inbox.html")]
struct Inbox {
    layout: Layout,
    state: String,
    /// (state, label) of every state of the live items' workflows.
    states: Vec<(String, String)>,
    rows: Vec<Row>,
    /// (code, name) of the department's items (every item for an admin), each with its versions.
    items: Vec<(String, String)>,
}

struct Row {
    case: CaseSummary,
    item_name: String,
    state_label: String,
    overdue: bool,
}

#[derive(Deserialize)]
pub struct Filter {
    state: Option<String>,
}

pub async fn inbox(
    State(state): State<AppState>,
    session: Session,
    Query(filter): Query<Filter>,
) -> PageResult<Response> {
    let staff = session.require::<Staff>()?;
    let wanted = filter.state.filter(|s| !s.is_empty());
    let cases = state.cases.inbox(staff, wanted.as_deref()).await?;
    let mut labels: BTreeMap<String, String> = BTreeMap::new();
    for live in state.items.all().values() {
        for s in &live.version.info.workflow.states {
            labels
                .entry(s.name.clone())
                .or_insert_with(|| s.label.clone());
        }
    }
    let today = crate::domain::stats::china_date(chrono::Utc::now()).to_string();
    let rows = cases
        .into_iter()
        .map(|case| Row {
            item_name: item_name(&state, &case.item_code),
            state_label: labels
                .get(&case.state)
                .cloned()
                .unwrap_or_else(|| case.state.clone()),
            overdue: case.due_date.as_str() < today.as_str(),
            case,
        })
        .collect();
    let items = state
        .storage
        .items()
        .await?
        .into_iter()
        .filter(|item| {
            staff.role == Role::Admin
                || staff.department.as_deref() == Some(item.department.as_str())
        })
        .map(|item| {
            let name = item_name(&state, &item.code);
            (item.code, name)
        })
        .collect();
    let page = Inbox {
        layout: session.layout("部门待办"),
        state: wanted.unwrap_or_default(),
        states: labels.into_iter().collect(),
        rows,
        items,
    };
    Ok(render(StatusCode::OK, &page))
}
