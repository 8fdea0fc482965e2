//! `query`: the schools with their places and the points table (an information service for
//! anyone); and `batch`: the placement run by a reviewer of the education bureau (rank the cases
//! waiting for placement and decide each one's school, as [`crate::placement`] says), and a
//! scoring department's batch review (批量核验: confirm its part, as the registry recorded it, of
//! every case under review where that part is still pending).

use std::collections::BTreeMap;

use serde::Deserialize;
use serde_json::{Value, json};
use yiwang_sdk::form::{parse_input, parse_stored};
use yiwang_sdk::{Actor, CaseInfo, Decision, ItemError, Role};

use crate::actions::seats_taken;
use crate::catalog::{DEPARTMENT, action, state};
use crate::parts::{Part, Scoring};
use crate::placement::{self, Applicant};
use crate::points::{Facts, TABLE};
use crate::schools::SCHOOLS;

/// The information service takes no input.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Input {}

/// What the placement reads of each case's derived data; the rest is skipped.
#[derive(Debug, Deserialize)]
struct PlacementData {
    total: u32,
    facts: Facts,
    #[serde(default)]
    schools: Vec<String>,
}

pub fn answer(input: &str) -> Result<String, ItemError> {
    let Input {} = parse_input(input)?;
    Ok(schools()?.to_string())
}

fn schools() -> Result<Value, ItemError> {
    let mut list = Vec::new();
    for school in SCHOOLS {
        list.push(json!({
            "code": school.code, "name": school.name, "stage": school.stage.code(),
            "capacity": school.capacity, "placed": seats_taken(school.code)?,
        }));
    }
    let table = TABLE;
    Ok(json!({
        "schools": list,
        "points_table": {
            "name": table.name,
            "residence_per_year": table.residence_per_year, "residence_max": table.residence_max,
            "insurance_per_month": table.insurance_per_month, "insurance_max": table.insurance_max,
            "tax_brackets": table.tax_brackets.iter().map(|(fen, points)| json!({"at_least_fen": fen, "points": points})).collect::<Vec<_>>(),
            "owned": table.owned, "rented": table.rented,
        }
    }))
}

/// The placement: every case waiting for placement gets its school, or none.
pub fn place(
    actor: &Actor,
    in_state: &str,
    cases: &[CaseInfo],
) -> Result<Vec<Decision>, ItemError> {
    let education_reviewer =
        actor.role == Role::Reviewer && actor.department.as_deref() == Some(DEPARTMENT);
    if !education_reviewer {
        return Err(ItemError::refused(
            "只有东莞市教育局的审核人员可以执行积分入学录取",
        ));
    }
    if in_state != state::AWAITING_PLACEMENT {
        return Err(ItemError::refused(format!(
            "批量录取只处理“待录取”（{}）的申请，不处理“{in_state}”",
            state::AWAITING_PLACEMENT,
        )));
    }
    let mut places = BTreeMap::new();
    for school in SCHOOLS {
        let left = school.capacity.saturating_sub(seats_taken(school.code)?);
        places.insert(school.code.to_owned(), left);
    }
    let mut applicants = Vec::with_capacity(cases.len());
    for case in cases {
        let data: PlacementData = parse_stored("case.derived", &case.derived)?;
        applicants.push(Applicant {
            number: case.number.clone(),
            total: data.total,
            insurance_months: data.facts.insurance_months,
            residence_years: data.facts.residence_years,
            choices: data.schools,
        });
    }
    Ok(placement::place(applicants, places)
        .into_iter()
        .map(|(number, school)| Decision::new(&number, action::PLACE, &json!({"school": school})))
        .collect())
}

/// What a batch review writes as each decision's reason.
pub const BATCH_REVIEW_REASON: &str = "批量核验：与登记信息一致";

/// A scoring department's batch review: for each case under review whose part of this
/// department is still pending, the department's `review-…` action without a correction, as its
/// reviewer would take it case by case. Parts already reviewed are left out.
pub fn confirm_parts(actor: &Actor, cases: &[CaseInfo]) -> Result<Vec<Decision>, ItemError> {
    let part = Part::ALL
        .into_iter()
        .find(|part| {
            actor.role == Role::Reviewer && actor.department.as_deref() == Some(part.department())
        })
        .ok_or_else(|| {
            ItemError::refused("只有负责积分审核的公安、社保、税务、住建部门的审核人员可以批量核验")
        })?;
    let mut decisions = Vec::new();
    for case in cases {
        let scoring: Scoring = parse_stored("case.derived", &case.derived)?;
        if scoring.pending().contains(&part) {
            decisions.push(Decision {
                comment: Some(BATCH_REVIEW_REASON.to_owned()),
                ..Decision::new(&case.number, part.action(), &json!({}))
            });
        }
    }
    Ok(decisions)
}
