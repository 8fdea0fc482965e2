//! The admin's pages: the items, each with its version, department and flag, switched on and off,
//! published and rolled back, registered for a department, and its grants and limits set, all
//! through `Items` (audited there) as the API; the departments, listed and added through
//! `domain::departments`; and the newest audit entries.

use std::collections::{BTreeMap, HashMap};

use askama::Template;
use axum::extract::{Form, Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use super::me::item_name;
use super::page::{Layout, PageResult, Session, render};
use crate::domain::departments::{DepartmentView, NewDepartment};
use crate::domain::error::DomainError;
use crate::domain::items::ItemView;
use crate::http::Admin;
use crate::http::{AppState, Error};
use crate::model::actor::Actor;
use crate::model::grants::{Grants, Limits};
use crate::storage::AuditRow;

/// How many of the newest audit entries the page shows.
const AUDIT_ENTRIES: i64 = 100;

#[derive(Template)]
#[template(path = "admin_items.html")]
struct AdminItems {
    layout: Layout,
    csrf: String,
    items: Vec<(ItemView, String)>,
    /// Department names by code, for the table and the registration form's choices.
    departments: BTreeMap<String, String>,
    /// What the registration form was sent with, when it comes back refused.
    new_code: String,
    new_department: String,
    /// Why the last change was refused, if it was.
    error: Option<String>,
}

impl AdminItems {
    fn department_name<'a>(&'a self, code: &'a str) -> &'a str {
        self.departments.get(code).map_or(code, String::as_str)
    }

    /// The departments for the registration form, by name.
    fn department_choices(&self) -> Vec<(&str, &str)> {
        let mut choices: Vec<(&str, &str)> = self
            .departments
            .iter()
            .map(|(code, name)| (code.as_str(), name.as_str()))
            .collect();
        choices.sort_by(|a, b| a.1.cmp(b.1).then(a.0.cmp(b.0)));
        choices
    }
}

async fn items_page(
    state: &AppState,
    session: &Session,
    admin: &Actor,
    status: StatusCode,
    error: Option<String>,
    sent: Option<&NewItemForm>,
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
        departments: state.departments.names().await?,
        new_code: sent.map(|f| f.code.clone()).unwrap_or_default(),
        new_department: sent.map(|f| f.department.clone()).unwrap_or_default(),
        error,
    };
    Ok(render(status, &page))
}

pub async fn items(State(state): State<AppState>, session: Session) -> PageResult<Response> {
    let admin = session.require::<Admin>()?;
    items_page(&state, &session, admin, StatusCode::OK, None, None).await
}

/// Back to the list after a change, or the list with the refusal and its status.
async fn after(
    state: &AppState,
    session: &Session,
    admin: &Actor,
    done: Result<ItemView, DomainError>,
) -> PageResult<Response> {
    match refused(done)? {
        Ok(_) => Ok(Redirect::to("/admin/items").into_response()),
        Err((status, message)) => {
            items_page(state, session, admin, status, Some(message), None).await
        }
    }
}

/// A refusal to show on the page with the API's status and message; an unknown item (or any
/// other not-found) is the 404 page.
fn refused<T>(done: Result<T, DomainError>) -> PageResult<Result<T, (StatusCode, String)>> {
    match done {
        Ok(value) => Ok(Ok(value)),
        Err(DomainError::NotFound) => Err(DomainError::NotFound.into()),
        Err(error) => {
            let error = Error::from(error);
            let message = error.to_string();
            Ok(Err((error.into_response().status(), message)))
        }
    }
}

#[derive(Deserialize)]
pub struct NewItemForm {
    #[serde(default)]
    code: String,
    #[serde(default)]
    department: String,
}

/// Register an item for a department (进驻), then on to its page to grant what it needs; a
/// refusal comes back on the list with what was sent.
pub async fn register(
    State(state): State<AppState>,
    session: Session,
    Form(form): Form<NewItemForm>,
) -> PageResult<Response> {
    let admin = session.require::<Admin>()?;
    let code = form.code.trim();
    let done = state
        .items
        .register(admin, code, form.department.trim())
        .await;
    match refused(done)? {
        Ok(view) => Ok(Redirect::to(&format!("/admin/items/{}", view.code)).into_response()),
        Err((status, message)) => {
            items_page(&state, &session, admin, status, Some(message), Some(&form)).await
        }
    }
}

pub async fn enable(
    State(state): State<AppState>,
    session: Session,
    Path(code): Path<String>,
) -> PageResult<Response> {
    let admin = session.require::<Admin>()?;
    let done = state.items.set_enabled(admin, &code, true).await;
    after(&state, &session, admin, done).await
}

pub async fn disable(
    State(state): State<AppState>,
    session: Session,
    Path(code): Path<String>,
) -> PageResult<Response> {
    let admin = session.require::<Admin>()?;
    let done = state.items.set_enabled(admin, &code, false).await;
    after(&state, &session, admin, done).await
}

pub async fn rollback(
    State(state): State<AppState>,
    session: Session,
    Path(code): Path<String>,
) -> PageResult<Response> {
    let admin = session.require::<Admin>()?;
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
    let admin = session.require::<Admin>()?;
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
    session.require::<Admin>()?;
    let entries = state.storage.audit_entries(AUDIT_ENTRIES).await?;
    let page = AdminAudit {
        layout: session.layout("审计日志"),
        entries,
    };
    Ok(render(StatusCode::OK, &page))
}

#[derive(Template)]
#[template(path = "admin_item.html")]
struct AdminItem {
    layout: Layout,
    csrf: String,
    name: String,
    department: String,
    item: ItemView,
    /// The grants' lists as the form shows them, one entry per line.
    registries: String,
    certificates_issue: String,
    certificates_read: String,
    /// The limits as the form shows them: (field, label, value, error).
    limits: Vec<LimitField>,
    /// Why the last change was refused, if it was.
    error: Option<String>,
    /// The change just saved, if one was.
    saved: Option<&'static str>,
}

pub struct LimitField {
    pub name: &'static str,
    pub label: &'static str,
    pub value: String,
    pub error: Option<String>,
}

/// The limits' fields, in the form's order, with their labels.
const LIMIT_FIELDS: [(&str, &str); 6] = [
    ("memory_mib", "单个实例内存（MiB）"),
    ("cpu_ms", "单次调用 CPU 时间（毫秒）"),
    ("wall_ms", "单次调用总时长（毫秒）"),
    ("output_bytes", "单次调用返回数据（字节）"),
    ("concurrency", "同时调用数"),
    ("host_calls", "单次调用的平台接口调用次数"),
];

fn limit_value(limits: &Limits, field: &str) -> u64 {
    match field {
        "memory_mib" => limits.memory_mib,
        "cpu_ms" => limits.cpu_ms,
        "wall_ms" => limits.wall_ms,
        "output_bytes" => limits.output_bytes,
        "concurrency" => u64::from(limits.concurrency),
        _ => u64::from(limits.host_calls),
    }
}

/// Sets `field` of `limits` to `n`; false when it does not fit the field.
fn set_limit(limits: &mut Limits, field: &str, n: u64) -> bool {
    let narrow = |n: u64| u32::try_from(n).ok();
    match field {
        "memory_mib" => limits.memory_mib = n,
        "cpu_ms" => limits.cpu_ms = n,
        "wall_ms" => limits.wall_ms = n,
        "output_bytes" => limits.output_bytes = n,
        "concurrency" => match narrow(n) {
            Some(n) => limits.concurrency = n,
            None => return false,
        },
        "host_calls" => match narrow(n) {
            Some(n) => limits.host_calls = n,
            None => return false,
        },
        _ => return false,
    }
    true
}

/// What the item page shows and the status it comes with.
struct ItemPageState {
    status: StatusCode,
    error: Option<String>,
    saved: Option<&'static str>,
    /// Limits as they were sent, with their errors, when the limits form comes back.
    limits: Option<Vec<LimitField>>,
}

impl ItemPageState {
    fn ok(saved: Option<&'static str>) -> ItemPageState {
        ItemPageState {
            status: StatusCode::OK,
            error: None,
            saved,
            limits: None,
        }
    }

    fn refused((status, message): (StatusCode, String)) -> ItemPageState {
        ItemPageState {
            status,
            error: Some(message),
            saved: None,
            limits: None,
        }
    }
}

async fn item_page(
    state: &AppState,
    session: &Session,
    admin: &Actor,
    code: &str,
    shown: ItemPageState,
) -> PageResult<Response> {
    let item = state.items.get(admin, code).await?;
    let names = state.departments.names().await?;
    let lines = |list: &[String]| list.join("\n");
    let limits = shown.limits.unwrap_or_else(|| {
        LIMIT_FIELDS
            .iter()
            .map(|(name, label)| LimitField {
                name,
                label,
                value: limit_value(&item.limits, name).to_string(),
                error: None,
            })
            .collect()
    });
    let name = item_name(state, code);
    let page = AdminItem {
        layout: session.layout(format!("{name}：授权与限额")),
        csrf: session.csrf.clone(),
        department: names
            .get(&item.department)
            .cloned()
            .unwrap_or_else(|| item.department.clone()),
        registries: lines(&item.grants.registries),
        certificates_issue: lines(&item.grants.certificates_issue),
        certificates_read: lines(&item.grants.certificates_read),
        name,
        item,
        limits,
        error: shown.error,
        saved: shown.saved,
    };
    Ok(render(shown.status, &page))
}

/// An item's grants and limits, with the forms that change them.
pub async fn item(
    State(state): State<AppState>,
    session: Session,
    Path(code): Path<String>,
) -> PageResult<Response> {
    let admin = session.require::<Admin>()?;
    item_page(&state, &session, admin, &code, ItemPageState::ok(None)).await
}

/// The grants form: a list per line (or separated by commas or spaces), and a checkbox per
/// switch (an unticked box is not sent).
#[derive(Deserialize)]
pub struct GrantsForm {
    #[serde(default)]
    registries: String,
    #[serde(default)]
    certificates_issue: String,
    #[serde(default)]
    certificates_read: String,
    notify: Option<String>,
    delivery: Option<String>,
    records: Option<String>,
    log: Option<String>,
}

fn list_of(text: &str) -> Vec<String> {
    let mut list: Vec<String> = text
        .split(|c: char| c == ',' || c == '，' || c.is_whitespace())
        .filter(|entry| !entry.is_empty())
        .map(str::to_string)
        .collect();
    list.sort();
    list.dedup();
    list
}

/// Replace the item's grants; refused (shown on the page, nothing changed) when the published
/// version imports what they leave out.
pub async fn grants(
    State(state): State<AppState>,
    session: Session,
    Path(code): Path<String>,
    Form(form): Form<GrantsForm>,
) -> PageResult<Response> {
    let admin = session.require::<Admin>()?;
    let grants = Grants {
        registries: list_of(&form.registries),
        certificates_issue: list_of(&form.certificates_issue),
        certificates_read: list_of(&form.certificates_read),
        notify: form.notify.is_some(),
        delivery: form.delivery.is_some(),
        records: form.records.is_some(),
        log: form.log.is_some(),
    };
    let shown = match refused(state.items.set_grants(admin, &code, grants).await)? {
        Ok(_) => ItemPageState::ok(Some("授权已保存，下一次请求起生效。")),
        Err(refusal) => ItemPageState::refused(refusal),
    };
    item_page(&state, &session, admin, &code, shown).await
}

/// Replace the item's limits: each field a whole number (else its error beside it, 422), then the
/// domain's checks.
pub async fn limits(
    State(state): State<AppState>,
    session: Session,
    Path(code): Path<String>,
    Form(form): Form<HashMap<String, String>>,
) -> PageResult<Response> {
    let admin = session.require::<Admin>()?;
    let mut fields = Vec::new();
    let mut limits = Limits::default();
    for (name, label) in LIMIT_FIELDS {
        let value = form.get(name).map(|v| v.trim()).unwrap_or_default();
        let fits = value
            .parse::<u64>()
            .is_ok_and(|n| set_limit(&mut limits, name, n));
        fields.push(LimitField {
            name,
            label,
            value: value.to_string(),
            error: (!fits).then(|| "请填写一个非负整数".to_string()),
        });
    }
    let shown = if fields.iter().any(|f| f.error.is_some()) {
        ItemPageState {
            status: StatusCode::UNPROCESSABLE_ENTITY,
            error: Some("限额填写有误，请修改后重新保存。".into()),
            saved: None,
            limits: Some(fields),
        }
    } else {
        match refused(state.items.set_limits(admin, &code, limits).await)? {
            Ok(_) => ItemPageState::ok(Some("限额已保存，下一次请求起生效。")),
            Err(refusal) => ItemPageState {
                limits: Some(fields),
                ..ItemPageState::refused(refusal)
            },
        }
    };
    item_page(&state, &session, admin, &code, shown).await
}

#[derive(Template)]
#[template(path = "admin_departments.html")]
struct AdminDepartments {
    layout: Layout,
    csrf: String,
    departments: Vec<DepartmentView>,
    /// What the form was sent with, when it comes back refused.
    sent: NewDepartmentForm,
    error: Option<String>,
    added: Option<String>,
}

#[derive(Default, Deserialize)]
pub struct NewDepartmentForm {
    #[serde(default)]
    code: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    public_key: String,
}

async fn departments_page(
    state: &AppState,
    session: &Session,
    admin: &Actor,
    status: StatusCode,
    sent: NewDepartmentForm,
    error: Option<String>,
    added: Option<String>,
) -> PageResult<Response> {
    let page = AdminDepartments {
        layout: session.layout("部门管理"),
        csrf: session.csrf.clone(),
        departments: state.departments.list(admin).await?,
        sent,
        error,
        added,
    };
    Ok(render(status, &page))
}

/// The departments, with the form that adds one.
pub async fn departments(State(state): State<AppState>, session: Session) -> PageResult<Response> {
    let admin = session.require::<Admin>()?;
    departments_page(
        &state,
        &session,
        admin,
        StatusCode::OK,
        NewDepartmentForm::default(),
        None,
        None,
    )
    .await
}

/// Add a department: the list with it (201), or the form back with the refusal.
pub async fn add_department(
    State(state): State<AppState>,
    session: Session,
    Form(form): Form<NewDepartmentForm>,
) -> PageResult<Response> {
    let admin = session.require::<Admin>()?;
    let new = NewDepartment {
        code: &form.code,
        name: &form.name,
        public_key: Some(form.public_key.as_str()),
    };
    match refused(state.departments.add(admin, &new).await)? {
        Ok(view) => {
            let added = Some(format!("已添加部门 {}（{}）", view.name, view.code));
            departments_page(
                &state,
                &session,
                admin,
                StatusCode::CREATED,
                NewDepartmentForm::default(),
                None,
                added,
            )
            .await
        }
        Err((status, message)) => {
            departments_page(&state, &session, admin, status, form, Some(message), None).await
        }
    }
}
