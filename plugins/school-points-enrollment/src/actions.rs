//! `on-action`: the departments' reviews of their parts, the appeal and its re-review, the
//! applicant's choice of schools and the placement of one case. The host has already checked
//! the action, the actor's role and department and the current state against the workflow; this
//! module checks what only the item knows (a part reviewed twice, the one appeal, the schools),
//! re-scores with this version's table and picks the next state.

use serde::Deserialize;
use yiwang_sdk::error::reason;
use yiwang_sdk::form::{parse_input, parse_stored};
use yiwang_sdk::{CallContext, CaseInfo, ItemError, Transition, notify, records};

use crate::catalog::{DEPARTMENT_NAME, NAME, action, state};
use crate::parts::{self, Appeal, Correction, Part, Placement, Scoring};
use crate::points::TABLE;
use crate::schools::{self, MAX_CHOICES};
use crate::submission::Form;

pub const APPEAL_USED: &str = "每个申请只能申请一次积分复核，您已申请过";

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Choice {
    schools: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Place {
    school: Option<String>,
}

/// The item record counting the places a school has filled.
pub fn seats_key(school: &str) -> String {
    format!("seats/{school}")
}

/// Places `school` has filled so far.
pub fn seats_taken(school: &str) -> Result<u32, ItemError> {
    let value =
        records::get(&seats_key(school)).map_err(|error| ItemError::host("records.get", error))?;
    match value {
        None => Ok(0),
        Some(text) => text
            .parse()
            .map_err(|_| ItemError::failed(format!("record {}: not a count", seats_key(school)))),
    }
}

pub fn handle(
    ctx: &CallContext,
    case: &CaseInfo,
    action: &str,
    comment: Option<&str>,
    input: &str,
) -> Result<Transition, ItemError> {
    let mut scoring: Scoring = parse_stored("case.derived", &case.derived)?;
    if scoring.table != TABLE.name {
        return Err(ItemError::failed(format!(
            "the case was scored with table {}, this version carries {}",
            scoring.table, TABLE.name
        )));
    }
    let (to, note) = if let Some(part) = Part::from_action(action) {
        review(ctx, case, &mut scoring, part, reason(comment)?, input)?
    } else {
        match action {
            action::APPEAL => appeal(ctx, case, &mut scoring, reason(comment)?)?,
            action::RE_REVIEW => re_review(ctx, case, &mut scoring, reason(comment)?, input)?,
            action::CHOOSE_SCHOOLS => choose(case, &mut scoring, input)?,
            action::PLACE => place(ctx, case, &mut scoring, input)?,
            other => return Err(ItemError::refused(format!("本事项没有“{other}”这项操作。"))),
        }
    };
    Ok(Transition {
        derived: Some(scoring.to_json()?),
        ..Transition::to(to, &note)
    })
}

fn review(
    ctx: &CallContext,
    case: &CaseInfo,
    scoring: &mut Scoring,
    part: Part,
    reason: &str,
    input: &str,
) -> Result<(&'static str, String), ItemError> {
    let correction = Correction::parse(input, &[part])?;
    let before = scoring.parts.get(part.key()).map(|r| r.points);
    scoring.review(TABLE, part, &correction, reason, &ctx.now)?;
    let review = &scoring.parts[part.key()];
    let done = match review.status {
        parts::Status::Corrected => format!(
            "{}已由{}更正为{}分（原{}分），理由：{reason}",
            part.name(),
            part.department_name(),
            review.points,
            before.unwrap_or_default()
        ),
        _ => format!(
            "{}{}分已由{}确认",
            part.name(),
            review.points,
            part.department_name()
        ),
    };
    let pending = scoring.pending();
    if !pending.is_empty() {
        let names: Vec<&str> = pending.iter().map(|p| p.name()).collect();
        return Ok((
            state::UNDER_REVIEW,
            format!("{done}；待审核：{}。", names.join("、")),
        ));
    }
    tell(
        case,
        "积分已确定",
        &format!(
            "{}的积分审核已完成，总积分{}分（{}）。如有异议可在申请详情中申请复核一次；\
             无异议请填报不超过{MAX_CHOICES}个志愿学校。",
            scoring.child.name,
            scoring.total,
            breakdown(scoring)
        ),
    )?;
    Ok((
        state::SCORED,
        format!("{done}；各部门审核完成，总积分{}分。", scoring.total),
    ))
}

fn appeal(
    ctx: &CallContext,
    case: &CaseInfo,
    scoring: &mut Scoring,
    reason: &str,
) -> Result<(&'static str, String), ItemError> {
    if scoring.appeal.is_some() {
        return Err(ItemError::refused(APPEAL_USED));
    }
    scoring.appeal = Some(Appeal {
        reason: reason.to_owned(),
        appealed_at: ctx.now.clone(),
        answer: None,
        answered_at: None,
    });
    tell(
        case,
        "复核申请已收到",
        &format!("已收到您的积分复核申请，{DEPARTMENT_NAME}将在5个工作日内复核。"),
    )?;
    Ok((state::APPEALED, format!("申请人申请积分复核：{reason}")))
}

fn re_review(
    ctx: &CallContext,
    case: &CaseInfo,
    scoring: &mut Scoring,
    reason: &str,
    input: &str,
) -> Result<(&'static str, String), ItemError> {
    let correction = Correction::parse(input, &Part::ALL)?;
    let before = scoring.total;
    parts::correct_all(scoring, TABLE, &correction);
    let appeal = scoring
        .appeal
        .as_mut()
        .ok_or_else(|| ItemError::failed("case.derived.appeal is missing in appealed"))?;
    appeal.answer = Some(reason.to_owned());
    appeal.answered_at = Some(ctx.now.clone());
    let outcome = if scoring.total == before {
        format!("维持原积分{}分", scoring.total)
    } else {
        format!("积分由{before}分调整为{}分", scoring.total)
    };
    tell(
        case,
        "积分复核结果",
        &format!(
            "您的积分复核已完成：{outcome}（{}），理由：{reason}。请填报志愿学校。",
            breakdown(scoring)
        ),
    )?;
    Ok((state::SCORED, format!("复核完成，{outcome}：{reason}")))
}

fn choose(
    case: &CaseInfo,
    scoring: &mut Scoring,
    input: &str,
) -> Result<(&'static str, String), ItemError> {
    let form: Form = parse_stored("case.form", &case.form)?;
    let choice: Choice = parse_input(input)?;
    scoring.schools = schools::check_choices(form.stage, &choice.schools)?;
    let names = school_names(&scoring.schools);
    Ok((state::AWAITING_PLACEMENT, format!("已填报志愿：{names}。")))
}

fn place(
    ctx: &CallContext,
    case: &CaseInfo,
    scoring: &mut Scoring,
    input: &str,
) -> Result<(&'static str, String), ItemError> {
    let decision: Place = parse_input(input)?;
    let Some(code) = decision.school else {
        scoring.placement = Some(Placement {
            school: None,
            school_name: None,
            placed_at: ctx.now.clone(),
        });
        tell(
            case,
            "录取结果",
            &format!(
                "很遗憾，{}（总积分{}分）所填报的志愿学校学位已满，未能录取，请联系户籍或居住地所在镇街教育部门统筹安排学位。",
                scoring.child.name, scoring.total
            ),
        )?;
        return Ok((state::NOT_ADMITTED, "志愿学校学位已满，未录取。".to_owned()));
    };
    if !scoring.schools.contains(&code) {
        return Err(ItemError::invalid_field(
            "school",
            "not-chosen",
            format!("“{code}”不在申请人的志愿中"),
        ));
    }
    let school = schools::school(&code)
        .ok_or_else(|| ItemError::failed(format!("unknown school {code}")))?;
    let taken = seats_taken(&code)?;
    if taken >= school.capacity {
        return Err(ItemError::refused(format!(
            "{}的{}个学位已满",
            school.name, school.capacity
        )));
    }
    records::set(&seats_key(&code), &(taken + 1).to_string())
        .map_err(|error| ItemError::host("records.set", error))?;
    scoring.placement = Some(Placement {
        school: Some(code.clone()),
        school_name: Some(school.name.to_owned()),
        placed_at: ctx.now.clone(),
    });
    tell(
        case,
        "录取结果",
        &format!(
            "恭喜，{}（总积分{}分）已被{}录取，请按学校通知办理入学手续。",
            scoring.child.name, scoring.total, school.name
        ),
    )?;
    Ok((state::ADMITTED, format!("已被{}录取。", school.name)))
}

/// `居住证积分80分、社会保险积分135分、…`
fn breakdown(scoring: &Scoring) -> String {
    Part::ALL
        .iter()
        .filter_map(|part| {
            scoring
                .parts
                .get(part.key())
                .map(|r| format!("{}{}分", part.name(), r.points))
        })
        .collect::<Vec<_>>()
        .join("、")
}

fn school_names(codes: &[String]) -> String {
    codes
        .iter()
        .map(|code| schools::school(code).map_or(code.as_str(), |s| s.name))
        .collect::<Vec<_>>()
        .join("、")
}

fn tell(case: &CaseInfo, subject: &str, body: &str) -> Result<(), ItemError> {
    notify::send(
        &format!("{NAME}：{subject}"),
        &format!("【申请编号 {}】{body}", case.number),
    )
    .map_err(|error| ItemError::host("notify.send", error))
}
