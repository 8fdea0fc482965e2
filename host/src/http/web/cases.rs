//! The case page: its state, the form as submitted, the timeline, certificates, and a form for
//! each action the workflow lets the viewer take now (`Cases::view` says which), and the rating
//! of a finished case by its applicant.

use std::collections::BTreeMap;

use askama::Template;
use axum::extract::{Form, Multipart, Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use serde_json::Value;

use super::page::{Layout, PageResult, Session, render};
use super::people::People;
use crate::domain::attachments::{AttachmentView, Upload};
use crate::domain::cases::CaseDetail;
use crate::domain::error::DomainError;
use crate::domain::stats::INDICATORS;
use crate::http::Citizen;
use crate::http::{AppState, Error, read_upload};
use crate::model::actor::Role;

#[derive(Template)]
#[template(path = "case.html")]
struct CasePage {
    layout: Layout,
    csrf: String,
    case: CaseDetail,
    /// (title, value) of each form field.
    answers: Vec<(String, String)>,
    /// (event, action label, state label), the labels from the version the case is pinned to.
    timeline: Vec<(usize, String, String)>,
    actions: Vec<ActionForm>,
    rateable: bool,
    /// The item's materials, when the viewer may upload them (the applicant, while it is open).
    materials: Vec<String>,
    attachments: Vec<AttachmentView>,
    /// What went wrong with the last action or rating, if anything.
    error: Option<String>,
}

struct ActionForm {
    name: String,
    label: String,
    comment_required: bool,
    comment: String,
    error: Option<String>,
}

/// What the page shows beyond the detail: labels from the item's workflow and schema.
fn case_page(
    state: &AppState,
    session: &Session,
    case: CaseDetail,
    attachments: Vec<AttachmentView>,
    failed: Option<(&str, &str, String)>,
) -> CasePage {
    let info = state
        .items
        .live(&case.item)
        .map(|live| live.version.info.clone());
    let declared = |name: &str| {
        info.as_ref()
            .and_then(|i| i.workflow.actions.iter().find(|a| a.name == name))
    };
    let title = |name: &str| {
        info.as_ref()
            .and_then(|i| i.form_schema["properties"][name]["title"].as_str())
            .unwrap_or(name)
            .to_string()
    };
    let answers = case
        .form
        .as_object()
        .map(|form| {
            form.iter()
                .map(|(k, v)| {
                    let text = match v {
                        Value::String(s) => s.clone(),
                        Value::Bool(true) => "是".into(),
                        Value::Bool(false) => "否".into(),
                        other => other.to_string(),
                    };
                    (title(k), text)
                })
                .collect()
        })
        .unwrap_or_default();
    let timeline = case
        .events
        .iter()
        .enumerate()
        .map(|(i, e)| (i, e.action_label.clone(), e.to_state_label.clone()))
        .collect();
    let (failed_action, failed_comment, error) = match failed {
        Some((action, comment, error)) => (Some(action), comment, Some(error)),
        None => (None, "", None),
    };
    let actions = case
        .available_actions
        .iter()
        .map(|name| {
            let failed_here = failed_action == Some(name.as_str());
            let action = declared(name);
            ActionForm {
                label: action.map_or_else(|| name.clone(), |a| a.label.clone()),
                comment_required: action.is_some_and(|a| a.comment_required),
                comment: if failed_here {
                    failed_comment.to_string()
                } else {
                    String::new()
                },
                error: if failed_here { error.clone() } else { None },
                name: name.clone(),
            }
        })
        .collect();
    let shown_beside = failed_action.is_some_and(|a| case.available_actions.iter().any(|n| n == a));
    CasePage {
        layout: session.layout(format!("办件 {}", case.number)),
        csrf: session.csrf.clone(),
        rateable: session.actor.role == Role::Citizen && case.completed_at.is_some(),
        materials: if session.actor.role == Role::Citizen && case.completed_at.is_none() {
            info.as_ref()
                .map(|i| i.materials.iter().map(|m| m.name.clone()).collect())
                .unwrap_or_default()
        } else {
            Vec::new()
        },
        attachments,
        answers,
        timeline,
        actions,
        error: if shown_beside { None } else { error },
        case,
    }
}

pub async fn show(
    State(state): State<AppState>,
    session: Session,
    Path(number): Path<String>,
) -> PageResult<Response> {
    let (case, attachments) = view(&state, &session, &number).await?;
    Ok(render(
        StatusCode::OK,
        &case_page(&state, &session, case, attachments, None),
    ))
}

#[derive(Deserialize)]
pub struct ActionFormData {
    #[serde(default)]
    action: String,
    comment: Option<String>,
}

/// Take an action as the API does (`Cases::act`); back to the case page, or the page again with
/// the refusal beside the action's form.
pub async fn act(
    State(state): State<AppState>,
    session: Session,
    Path(number): Path<String>,
    Form(data): Form<ActionFormData>,
) -> PageResult<Response> {
    let comment = data
        .comment
        .as_deref()
        .map(str::trim)
        .filter(|c| !c.is_empty());
    let empty = Value::Object(Default::default());
    match state
        .cases
        .act(&session.actor, &number, &data.action, comment, &empty)
        .await
    {
        Ok(done) => Ok(Redirect::to(&format!("/applications/{}", done.number)).into_response()),
        Err(error) => {
            refused(
                &state,
                &session,
                &number,
                &data.action,
                comment.unwrap_or_default(),
                error,
            )
            .await
        }
    }
}

/// The case page again, with `error` beside the form of `action` (or above them all), and the
/// error's status; a case the viewer may not see stays a 404 page.
async fn refused(
    state: &AppState,
    session: &Session,
    number: &str,
    action: &str,
    comment: &str,
    error: DomainError,
) -> PageResult<Response> {
    if matches!(error, DomainError::NotFound | DomainError::Internal(_)) {
        return Err(error.into());
    }
    let error = Error::from(error);
    let message = error.to_string();
    let status = error.into_response().status();
    let (case, attachments) = view(state, session, number).await?;
    let page = case_page(
        state,
        session,
        case,
        attachments,
        Some((action, comment, message)),
    );
    Ok(render(status, &page))
}

#[derive(Deserialize)]
pub struct RatingForm {
    #[serde(default)]
    score: String,
    comment: Option<String>,
    /// The service-evaluation indicators by code, each `1`..`5` or empty (not scored).
    #[serde(flatten)]
    indicators: BTreeMap<String, String>,
}

/// The applicant rates a finished case (`Stats::rate`, as the API).
pub async fn rate(
    State(state): State<AppState>,
    session: Session,
    Path(number): Path<String>,
    Form(data): Form<RatingForm>,
) -> PageResult<Response> {
    let citizen = session.require::<Citizen>()?;
    let score = data.score.trim().parse::<i64>().unwrap_or(0);
    let comment = data
        .comment
        .as_deref()
        .map(str::trim)
        .filter(|c| !c.is_empty());
    // A score that is not a number is kept as 0, for the domain to refuse by its field.
    let indicators: BTreeMap<String, i64> = data
        .indicators
        .iter()
        .filter(|(code, value)| {
            INDICATORS.iter().any(|(c, _)| c == code) && !value.trim().is_empty()
        })
        .map(|(code, value)| (code.clone(), value.trim().parse().unwrap_or(0)))
        .collect();
    match state
        .stats
        .rate(citizen, &number, score, comment, &indicators)
        .await
    {
        Ok(rated) => Ok(Redirect::to(&format!(
            "/applications/{}?rated={}",
            rated.number, rated.score
        ))
        .into_response()),
        Err(error) => refused(&state, &session, &number, "", "", error).await,
    }
}

/// The case and its materials, as `viewer` may see them.
async fn view(
    state: &AppState,
    session: &Session,
    number: &str,
) -> PageResult<(CaseDetail, Vec<AttachmentView>)> {
    let case = state.cases.view(&session.actor, number).await?;
    let attachments = state.attachments.list(&session.actor, number).await?;
    Ok((case, attachments))
}

/// Upload one material (multipart, as the API's upload: the same reading and checks).
pub async fn upload(
    State(state): State<AppState>,
    session: Session,
    Path(number): Path<String>,
    multipart: Multipart,
) -> PageResult<Response> {
    let attachments = &state.attachments;
    let done = async {
        let target = attachments.target(&session.actor, &number).await?;
        let (material, file_name, declared, bytes) =
            read_upload(multipart, state.attachments.limits()).await?;
        let upload = Upload {
            material: &material,
            file_name: &file_name,
            declared_type: declared.as_deref(),
            bytes: &bytes,
        };
        attachments.upload(&target, upload).await?;
        Ok::<_, Error>(())
    };
    match done.await {
        Ok(()) => Ok(Redirect::to(&format!("/applications/{number}")).into_response()),
        Err(Error::Domain(error)) => refused(&state, &session, &number, "", "", error).await,
        Err(other) => {
            let message = other.to_string();
            let status = other.into_response().status();
            let (case, attachments) = view(&state, &session, &number).await?;
            let page = case_page(&state, &session, case, attachments, Some(("", "", message)));
            Ok(render(status, &page))
        }
    }
}
