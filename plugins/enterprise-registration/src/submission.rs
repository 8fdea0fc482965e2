//! `submit`: check that the legal representative is applying in person, list the parts the
//! enterprise will go through as pending, and tell the applicant. A failing host
//! call is the item's failure, answered as an `item-error` (contract 0.2.0), with the cause in
//! the item log; the applicant sees which step failed.

use serde_json::json;
use yiwang_sdk::SubmitError;
use yiwang_sdk::{Accepted, Actor, CallContext, ItemError, Step, log, notify};

use crate::catalog::{DEPARTMENT_NAME, action, state};
use crate::eligibility;
use crate::form::Form;
use crate::parts::{self, Part};

pub fn submit(ctx: &CallContext, applicant: &Actor, form: Form) -> Result<Accepted, SubmitError> {
    let errors = eligibility::check_application(&form, applicant.id_number.as_deref());
    if !errors.is_empty() {
        return Err(errors.into());
    }
    let required = Part::required_for(&form);
    let case_number = ctx.case_number.as_deref().unwrap_or("（待分配）");
    notify::send(
        "企业登记一网通：申请已受理",
        &format!(
            "【申请编号 {case_number}】“{name}”的设立登记申请已受理，{DEPARTMENT_NAME}审核通过后\
             将核发电子营业执照，并同步推送有关部门办理{parts}，您无需再次提交材料，可在申请详情中\
             查看各环节进度。",
            name = form.enterprise_name,
            parts = parts::names(&required),
        ),
    )
    .map_err(|error| unavailable("发送受理通知", &ItemError::host("notify.send", error)))?;
    let derived = json!({ "parts": parts::pending(&required) });
    Ok(Accepted {
        derived: derived.to_string(),
        then: Some(Step {
            action: action::ACCEPT.to_owned(),
            to: state::UNDER_REVIEW.to_owned(),
            note: Some(format!("已受理，{DEPARTMENT_NAME}审核中。")),
        }),
    })
}

/// Logs the cause for the developers and fails the call as the item's own failure (HTTP 502),
/// telling the applicant which step failed.
fn unavailable(step: &str, error: &ItemError) -> SubmitError {
    log::write(
        log::Level::Error,
        &format!("submit: {step}: {}", error.reason()),
    );
    SubmitError::Item(ItemError::failed(format!(
        "暂时无法{step}，申请未提交，请稍后再试。"
    )))
}
