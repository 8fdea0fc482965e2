//! `submit`: find the child and the scoring parent in the registries (the applicant names the
//! child and picks a side; everything else is read, not asked), read the four facts, score them
//! with this version's table, and list the four parts as pending for the departments. A failing host
//! call is the item's failure, answered as an `item-error` (contract 0.2.0), with the cause in
//! the item log; the applicant sees which step failed.

use serde::Deserialize;
use yiwang_sdk::SubmitError;
use yiwang_sdk::date::Date;
use yiwang_sdk::{Accepted, Actor, CallContext, FieldError, ItemError, Step, log, notify, records};

use crate::catalog::{DEPARTMENT_NAME, NAME, action, state};
use crate::parts::{Child, Parent, Scoring};
use crate::points::{Facts, Housing, TABLE};
use crate::registry;
use crate::schools::Stage;

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Form {
    pub child_name: String,
    pub stage: Stage,
    pub scoring_parent: Side,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Side {
    Applicant,
    Spouse,
}

/// The item record that marks a child as applied for this season (one application per child).
pub fn child_key(id_number: &str) -> String {
    format!("child/{id_number}")
}

pub fn submit(ctx: &CallContext, applicant: &Actor, form: Form) -> Result<Accepted, SubmitError> {
    match score(ctx, applicant, &form) {
        Ok(Ok(scoring)) => accept(ctx, &form, scoring),
        Ok(Err(refusal)) => Err(refusal.into()),
        Err(error) => Err(unavailable("核验积分信息", &error)),
    }
}

/// The case's scoring, a refusal of the application, or a failed host call.
fn score(
    ctx: &CallContext,
    applicant: &Actor,
    form: &Form,
) -> Result<Result<Scoring, FieldError>, ItemError> {
    let today: Date = ctx
        .today
        .parse()
        .map_err(|error| ItemError::failed(format!("ctx.today: {error}")))?;
    let Some(own_id) = applicant.id_number.as_deref() else {
        return Ok(Err(FieldError::whole(
            "no-id-number",
            "申请人账号未实名登记身份证号码，不能申请积分入学。",
        )));
    };
    let Some(own_permit) = registry::residence_permit(own_id)? else {
        return Ok(Err(FieldError::whole(
            "no-residence-permit",
            "未查询到申请人在东莞市的居住证信息，请先办理居住登记。",
        )));
    };
    let wanted = form.child_name.trim();
    let Some(child) = own_permit.children.iter().find(|c| c.name == wanted) else {
        return Ok(Err(FieldError::new(
            "child_name",
            "child-not-registered",
            format!("申请人的居住登记中没有名为“{wanted}”的随迁子女。"),
        )));
    };
    if records::get(&child_key(&child.id_number))
        .map_err(|error| ItemError::host("records.get", error))?
        .is_some()
    {
        return Ok(Err(FieldError::new(
            "child_name",
            "already-applied",
            format!("{wanted}本学年已提交过积分入学申请。"),
        )));
    }
    let (parent, permit) = match form.scoring_parent {
        Side::Applicant => (
            Parent {
                side: "applicant".into(),
                name: own_permit.name.clone(),
                id_number: own_id.to_owned(),
            },
            own_permit.clone(),
        ),
        Side::Spouse => {
            let Some(spouse) = &own_permit.spouse else {
                return Ok(Err(FieldError::new(
                    "scoring_parent",
                    "no-spouse",
                    "申请人的居住登记中没有配偶信息，请选择申请人本人为积分家长方。",
                )));
            };
            let Some(permit) = registry::residence_permit(&spouse.id_number)? else {
                return Ok(Err(FieldError::new(
                    "scoring_parent",
                    "no-residence-permit",
                    format!("未查询到配偶{}在东莞市的居住证信息。", spouse.name),
                )));
            };
            (
                Parent {
                    side: "spouse".into(),
                    name: spouse.name.clone(),
                    id_number: spouse.id_number.clone(),
                },
                permit,
            )
        }
    };
    let Some(insurance) = registry::insurance(&parent.id_number)? else {
        return Ok(Err(FieldError::new(
            "scoring_parent",
            "no-social-insurance",
            format!(
                "未查询到{}在东莞市的社会保险缴费记录，积分入学须在本市参加社会保险。",
                parent.name
            ),
        )));
    };
    let tax = registry::tax(&parent.id_number)?;
    let property = registry::property(&parent.id_number)?;
    let facts = Facts {
        residence_years: registry::residence_years(&permit, today),
        insurance_months: registry::insurance_months(&insurance),
        tax_paid_fen: tax.map_or(0, |t| registry::tax_paid_fen(&t, today)),
        housing: property.map_or(Housing::None, |p| registry::housing(&p, today)),
    };
    let child = Child {
        name: child.name.clone(),
        id_number: child.id_number.clone(),
    };
    Ok(Ok(Scoring::new(TABLE, parent, child, facts)))
}

fn accept(ctx: &CallContext, form: &Form, scoring: Scoring) -> Result<Accepted, SubmitError> {
    let case_number = ctx.case_number.as_deref().unwrap_or("（待分配）");
    let host = |step: &str, error: ItemError| unavailable(step, &error);
    if !ctx.preview {
        records::set(&child_key(&scoring.child.id_number), case_number)
            .map_err(|error| host("登记申请", ItemError::host("records.set", error)))?;
    }
    notify::send(
        &format!("{NAME}：申请已受理"),
        &format!(
            "【申请编号 {case_number}】{child}（{stage}）的积分入学申请已受理，积分家长方为{parent}。\
             系统核算的初步积分为{total}分，公安、社保、税务、住建部门正在并联审核各自的积分项，\
             审核完成后可在申请详情中查看积分明细并填报志愿。",
            child = scoring.child.name,
            stage = form.stage.label(),
            parent = scoring.scoring_parent.name,
            total = scoring.total,
        ),
    )
    .map_err(|error| host("发送受理通知", ItemError::host("notify.send", error)))?;
    let derived = scoring.to_json().map_err(|error| host("保存积分", error))?;
    Ok(Accepted {
        derived,
        then: Some(Step {
            action: action::ACCEPT.to_owned(),
            to: state::UNDER_REVIEW.to_owned(),
            note: Some(format!("已受理，{DEPARTMENT_NAME}组织各部门并联审核积分。")),
        }),
    })
}

fn unavailable(step: &str, error: &ItemError) -> SubmitError {
    log::write(
        log::Level::Error,
        &format!("submit: {step}: {}", error.reason()),
    );
    SubmitError::Item(ItemError::failed(format!(
        "暂时无法{step}，申请未提交，请稍后再试。"
    )))
}
