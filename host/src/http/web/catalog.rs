//! Citizens' side of the catalog: the home page with its search, an item's guide (办事指南) and
//! its application form.

use std::collections::BTreeMap;
use std::sync::Arc;

use askama::Template;
use axum::extract::{Form, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use super::form::FormView;
use super::page::{Layout, PageResult, Session, Visitor, render};
use crate::domain::error::DomainError;
use crate::domain::items::LiveItem;
use crate::domain::labels;
use crate::http::Citizen;
use crate::http::{AppState, Error};
use crate::model::catalog::ItemInfo;

#[derive(Template)]
#[template(path = "home.html")]
struct HomePage {
    layout: Layout,
    q: String,
    items: Vec<Summary>,
}

struct Summary {
    code: String,
    name: String,
    department: String,
    summary: String,
    promised_days: u32,
    enabled: bool,
}

#[derive(Deserialize)]
pub struct Search {
    q: Option<String>,
}

/// The catalog, narrowed to the items whose name, summary, department (by name or code) or code
/// contain `q`.
pub async fn home(
    State(state): State<AppState>,
    visitor: Visitor,
    Query(search): Query<Search>,
) -> PageResult<Response> {
    let q = search.q.unwrap_or_default().trim().to_string();
    let needle = q.to_lowercase();
    let names = state.departments.names().await?;
    let items = state
        .items
        .all()
        .values()
        .map(|live| &live.version.info)
        .map(|info| (info, department_name(&names, &info.department)))
        .filter(|(info, department)| {
            needle.is_empty()
                || [
                    &info.name,
                    &info.summary,
                    department,
                    &info.department,
                    &info.code,
                ]
                .iter()
                .any(|text| text.to_lowercase().contains(&needle))
        })
        .map(|(info, department)| Summary {
            code: info.code.clone(),
            name: info.name.clone(),
            department,
            summary: info.summary.clone(),
            promised_days: info.promised_days,
            enabled: state.items.live(&info.code).is_some_and(|l| l.enabled),
        })
        .collect();
    let page = HomePage {
        layout: visitor.layout("办事指南"),
        q,
        items,
    };
    Ok(render(StatusCode::OK, &page))
}

/// The name of the department an item's catalog entry names by code (the code itself for a
/// department the platform does not know).
fn department_name(names: &BTreeMap<String, String>, code: &str) -> String {
    names.get(code).cloned().unwrap_or_else(|| code.to_string())
}

#[derive(Template)]
#[template(path = "item.html")]
struct ItemPage {
    layout: Layout,
    info: ItemInfo,
    /// The department's name.
    department: String,
    enabled: bool,
}

impl ItemPage {
    fn fee_text(&self, amount_fen: &u64) -> String {
        yuan(*amount_fen)
    }

    /// The channels by name (网上办事大厅、手机 …).
    fn channels(&self) -> String {
        joined(self.info.channels.iter().map(|c| labels::channel(c)))
    }

    /// The certificates the item issues, by the names it declared.
    fn certificates(&self) -> String {
        joined(self.info.labels.certificates.values().map(String::as_str))
    }

    /// What its deliveries carry, by the names it declared.
    fn deliveries(&self) -> String {
        joined(self.info.labels.deliveries.values().map(String::as_str))
    }
}

/// Labels as a Chinese list (甲、乙).
fn joined<'a>(labels: impl Iterator<Item = &'a str>) -> String {
    labels.collect::<Vec<_>>().join("、")
}

/// 1234 fen as "12.34 元".
fn yuan(fen: u64) -> String {
    format!("{}.{:02} 元", fen / 100, fen % 100)
}

fn live_item(state: &AppState, code: &str) -> PageResult<Arc<LiveItem>> {
    Ok(state.items.live(code).ok_or(Error::NotFound)?)
}

pub async fn item(
    State(state): State<AppState>,
    visitor: Visitor,
    Path(code): Path<String>,
) -> PageResult<Response> {
    let live = live_item(&state, &code)?;
    let names = state.departments.names().await?;
    let page = ItemPage {
        layout: visitor.layout(live.version.info.name.clone()),
        department: department_name(&names, &live.version.info.department),
        info: live.version.info.clone(),
        enabled: live.enabled,
    };
    Ok(render(StatusCode::OK, &page))
}

#[derive(Template)]
#[template(path = "apply.html")]
struct ApplyPage {
    layout: Layout,
    code: String,
    name: String,
    csrf: String,
    /// Drawn by `form_fields.html`, which the department's preview page shares.
    form: FormView,
}

#[derive(Template)]
#[template(path = "unavailable.html")]
struct UnavailablePage {
    layout: Layout,
    code: String,
    name: String,
}

fn unavailable(session: &Session, live: &LiveItem) -> Response {
    let info = &live.version.info;
    let page = UnavailablePage {
        layout: session.layout(info.name.clone()),
        code: info.code.clone(),
        name: info.name.clone(),
    };
    render(StatusCode::SERVICE_UNAVAILABLE, &page)
}

pub async fn apply_form(
    State(state): State<AppState>,
    session: Session,
    Path(code): Path<String>,
) -> PageResult<Response> {
    let live = live_item(&state, &code)?;
    session.require::<Citizen>()?;
    if !live.enabled {
        return Ok(unavailable(&session, &live));
    }
    let info = &live.version.info;
    let page = ApplyPage {
        layout: session.layout(format!("申请：{}", info.name)),
        code: info.code.clone(),
        name: info.name.clone(),
        csrf: session.csrf.clone(),
        form: FormView::new(&info.form_schema),
    };
    Ok(render(StatusCode::OK, &page))
}

/// Submit through the domain as the API does; its field errors come back beside the fields.
pub async fn apply(
    State(state): State<AppState>,
    session: Session,
    Path(code): Path<String>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> PageResult<Response> {
    let live = live_item(&state, &code)?;
    let applicant = session.require::<Citizen>()?;
    let info = &live.version.info;
    let mut form = FormView::new(&info.form_schema);
    let answer = form.answer(&pairs);
    let errors = match state.cases.submit(applicant, &code, &answer, "web").await {
        Ok(submitted) => {
            return Ok(Redirect::to(&format!("/applications/{}", submitted.number)).into_response());
        }
        Err(DomainError::Unavailable {
            code: "item_disabled",
            ..
        }) => {
            return Ok(unavailable(&session, &live));
        }
        Err(error) => error.into_form_errors()?,
    };
    form.refuse(&errors);
    let page = ApplyPage {
        layout: session.layout(format!("申请：{}（有错误）", info.name)),
        code: info.code.clone(),
        name: info.name.clone(),
        csrf: session.csrf.clone(),
        form,
    };
    Ok(render(StatusCode::UNPROCESSABLE_ENTITY, &page))
}
