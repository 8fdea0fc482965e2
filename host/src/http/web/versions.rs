//! A department's item versions: the list (published or staged) for the item's own department
//! and for admins, and for the department's developers the signed upload (`component` and
//! `signature`), through `Items` as the API's (`http/versions.rs`), with a refusal shown on the
//! page by its code and message. The department's developers and reviewers try a version in
//! preview through its application form, drawn as the citizens' and submitted through
//! `Cases::submit_preview`, the API's preview call.

use askama::Template;
use axum::extract::{Form, Multipart, Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};

use super::form::FormView;
use super::me::item_name;
use super::page::{Layout, PageResult, Session, render};
use crate::domain::error::DomainError;
use crate::domain::items::VersionView;
use crate::http::Staff;
use crate::http::{AppState, Error, read_version_parts};
use crate::model::actor::{Actor, Role};

#[derive(Template)]
#[template(path = "versions.html")]
struct VersionsPage {
    layout: Layout,
    csrf: String,
    code: String,
    name: String,
    versions: Vec<VersionView>,
    /// The department's developers upload; reviewers and admins only read.
    can_upload: bool,
    /// The department's developers and reviewers try staged versions (admins do not: a preview
    /// is the department's, as the API's `for_preview` says).
    can_preview: bool,
    /// The version just uploaded, if one was.
    uploaded: Option<VersionView>,
    /// (code, message) of the refused upload, if it was.
    refusal: Option<(String, String)>,
}

async fn versions_page(
    state: &AppState,
    session: &Session,
    staff: &Actor,
    code: &str,
    status: StatusCode,
    uploaded: Option<VersionView>,
    refusal: Option<(String, String)>,
) -> PageResult<Response> {
    let versions = state.items.versions(staff, code).await?;
    let name = item_name(state, code);
    let page = VersionsPage {
        layout: session.layout(format!("{name} 版本")),
        csrf: session.csrf.clone(),
        code: code.to_string(),
        name,
        versions,
        can_upload: staff.role == Role::Developer,
        can_preview: matches!(staff.role, Role::Developer | Role::Reviewer),
        uploaded,
        refusal,
    };
    Ok(render(status, &page))
}

pub async fn list(
    State(state): State<AppState>,
    session: Session,
    Path(code): Path<String>,
) -> PageResult<Response> {
    let staff = session.require::<Staff>()?;
    versions_page(&state, &session, staff, &code, StatusCode::OK, None, None).await
}

/// Upload a version: the list with the staged version, or with the refusal's code and message
/// (a refusal of the caller, 403 or 404, is the error page, as the API's status).
pub async fn upload(
    State(state): State<AppState>,
    session: Session,
    Path(code): Path<String>,
    multipart: Multipart,
) -> PageResult<Response> {
    let staff = session.require::<Staff>()?;
    let done = async {
        let (component, signature) =
            read_parts(multipart, state.items.max_component_bytes()).await?;
        Ok::<_, Error>(
            state
                .items
                .upload(staff, &code, &component, &signature)
                .await?,
        )
    };
    match done.await {
        Ok(view) => {
            versions_page(
                &state,
                &session,
                staff,
                &code,
                StatusCode::CREATED,
                Some(view),
                None,
            )
            .await
        }
        Err(error) => {
            let (status, refusal) = refusal(error).await;
            if matches!(status, StatusCode::FORBIDDEN | StatusCode::NOT_FOUND) {
                return Err(refusal_error(status, refusal.1));
            }
            versions_page(&state, &session, staff, &code, status, None, Some(refusal)).await
        }
    }
}

fn refusal_error(status: StatusCode, message: String) -> super::PageError {
    if status == StatusCode::NOT_FOUND {
        DomainError::NotFound.into()
    } else {
        Error::Forbidden(message).into()
    }
}

/// The `component` and `signature` files, read as the API reads them; an empty file input
/// counts as missing.
async fn read_parts(mut multipart: Multipart, limit: usize) -> Result<(Vec<u8>, Vec<u8>), Error> {
    let (component, signature) = read_version_parts(&mut multipart, limit).await?;
    let missing = |part: &str| Error::BadRequest("missing_part", format!("缺少 `{part}` 文件"));
    let component = component
        .filter(|b| !b.is_empty())
        .ok_or_else(|| missing("component"))?;
    let signature = signature
        .filter(|b| !b.is_empty())
        .ok_or_else(|| missing("signature"))?;
    Ok((component, signature))
}

/// The status, code and message the API answers `error` with (its own mapping, read back from
/// its JSON body, so the page and the API cannot name a refusal differently).
async fn refusal(error: Error) -> (StatusCode, (String, String)) {
    let response = error.into_response();
    let status = response.status();
    let body = axum::body::to_bytes(response.into_body(), 64 * 1024)
        .await
        .unwrap_or_default();
    let json: serde_json::Value = serde_json::from_slice(&body).unwrap_or_default();
    let text = |key: &str| json["error"][key].as_str().unwrap_or_default().to_string();
    (status, (text("code"), text("message")))
}

#[derive(Template)]
#[template(path = "preview.html")]
struct PreviewPage {
    layout: Layout,
    csrf: String,
    code: String,
    version: String,
    name: String,
    /// Drawn by `form_fields.html`, as the citizens' application form.
    form: FormView,
}

impl PreviewPage {
    fn new(session: &Session, code: &str, version: &str, name: &str, form: FormView) -> Self {
        let title = if form.failed {
            format!("预览 {name} {version}（有错误）")
        } else {
            format!("预览 {name} {version}")
        };
        PreviewPage {
            layout: session.layout(title),
            csrf: session.csrf.clone(),
            code: code.to_string(),
            version: version.to_string(),
            name: name.to_string(),
            form,
        }
    }
}

/// The application form of `version`, from that version's own schema, for its department to try.
/// Who may is `Items::for_preview`'s to say, as for the API's preview.
pub async fn preview_form(
    State(state): State<AppState>,
    session: Session,
    Path((code, version)): Path<(String, String)>,
) -> PageResult<Response> {
    let staff = session.require::<Staff>()?;
    let (loaded, _) = state.items.for_preview(staff, &code, &version).await?;
    let info = &loaded.info;
    let form = FormView::new(&info.form_schema);
    let page = PreviewPage::new(&session, &code, &version, &info.name, form);
    Ok(render(StatusCode::OK, &page))
}

/// Submit a preview case through `Cases::submit_preview`, the API's call: the case page (303),
/// or the form again with the errors beside their fields (422).
pub async fn preview(
    State(state): State<AppState>,
    session: Session,
    Path((code, version)): Path<(String, String)>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> PageResult<Response> {
    let staff = session.require::<Staff>()?;
    let (loaded, _) = state.items.for_preview(staff, &code, &version).await?;
    let info = &loaded.info;
    let mut form = FormView::new(&info.form_schema);
    let answer = form.answer(&pairs);
    let errors = match state
        .cases
        .submit_preview(staff, &code, &version, &answer)
        .await
    {
        Ok(submitted) => {
            return Ok(Redirect::to(&format!("/applications/{}", submitted.number)).into_response());
        }
        Err(error) => error.into_form_errors()?,
    };
    form.refuse(&errors);
    let page = PreviewPage::new(&session, &code, &version, &info.name, form);
    Ok(render(StatusCode::UNPROCESSABLE_ENTITY, &page))
}
