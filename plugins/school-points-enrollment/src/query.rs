//! `query`: the schools with their places and the points table (an information service for
//! anyone), and the placement when the host calls it as a batch decision (`{"batch": …}`) for a
//! reviewer of the education bureau: rank the cases waiting for placement and decide each one's
//! school, as [`crate::placement`] says.

use std::collections::BTreeMap;

use serde::Deserialize;
use serde_json::{Value, json};
use yiwang_sdk::form::parse_input;
use yiwang_sdk::{Actor, ItemError, Role};

use crate::actions::seats_taken;
use crate::catalog::{DEPARTMENT, action, state};
use crate::placement::{self, Applicant};
use crate::points::{Facts, TABLE};
use crate::schools::SCHOOLS;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Input {
    #[serde(default)]
    batch: Option<Batch>,
}

/// What the host sends for a batch decision. Only what the placement needs is read; the rest of
/// each case (its form) is skipped without being kept.
#[derive(Debug, Deserialize)]
struct Batch {
    state: String,
    cases: Vec<BatchCase>,
}

#[derive(Debug, Deserialize)]
struct BatchCase {
    number: String,
    derived: BatchDerived,
}

#[derive(Debug, Deserialize)]
struct BatchDerived {
    total: u32,
    facts: Facts,
    #[serde(default)]
    schools: Vec<String>,
}

pub fn answer(actor: &Actor, input: &str) -> Result<String, ItemError> {
    let input: Input = parse_input(input)?;
    let output = match input.batch {
        Some(batch) => decide(actor, batch)?,
        None => schools()?,
    };
    Ok(output.to_string())
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

fn decide(actor: &Actor, batch: Batch) -> Result<Value, ItemError> {
    let education_reviewer =
        actor.role == Role::Reviewer && actor.department.as_deref() == Some(DEPARTMENT);
    if !education_reviewer {
        return Err(ItemError::refused(
            "只有东莞市教育局的审核人员可以执行积分入学录取",
        ));
    }
    if batch.state != state::AWAITING_PLACEMENT {
        return Err(ItemError::refused(format!(
            "批量录取只处理“待录取”（{}）的申请，不处理“{}”",
            state::AWAITING_PLACEMENT,
            batch.state
        )));
    }
    let mut places = BTreeMap::new();
    for school in SCHOOLS {
        let left = school.capacity.saturating_sub(seats_taken(school.code)?);
        places.insert(school.code.to_owned(), left);
    }
    let applicants = batch
        .cases
        .into_iter()
        .map(|case| Applicant {
            number: case.number,
            total: case.derived.total,
            insurance_months: case.derived.facts.insurance_months,
            residence_years: case.derived.facts.residence_years,
            choices: case.derived.schools,
        })
        .collect();
    let decisions: Vec<Value> = placement::place(applicants, places)
        .into_iter()
        .map(|(number, school)| json!({"number": number, "action": action::PLACE, "input": {"school": school}}))
        .collect();
    Ok(json!({ "decisions": decisions }))
}
