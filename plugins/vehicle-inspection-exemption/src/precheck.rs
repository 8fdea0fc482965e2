//! `query`: the eligibility pre-check a citizen runs on a vehicle registered in their own name
//! before applying. It reads the same registries and applies the same vehicle rules as `submit`,
//! and refuses to tell anything about someone else's vehicle.

use serde_json::json;
use yiwang_sdk::form::parse_input;
use yiwang_sdk::{Actor, CallContext, ItemError};

use crate::eligibility;
use crate::facts::{Facts, Vehicle};
use crate::form::QueryInput;
use crate::submission::today;

const OCCASION: &str = "新车6年免检资格预查";

pub fn query(ctx: &CallContext, actor: &Actor, input: &str) -> Result<String, ItemError> {
    let input: QueryInput = parse_input(input)?;
    let plate_number = input.plate_number.trim();
    if plate_number.is_empty() {
        return Err(ItemError::invalid_field(
            "plate_number",
            "required",
            "请填写号牌号码。",
        ));
    }
    let today = today(ctx)?;
    // Ownership is checked on the vehicle record before the other registries are read, so
    // nobody's insurance or violations are looked up for a stranger.
    let Some(vehicle) = Vehicle::lookup(plate_number, OCCASION)? else {
        return Err(ItemError::Invalid(vec![eligibility::vehicle_not_found(
            plate_number,
        )]));
    };
    if !vehicle.is_owned_by(actor.id_number.as_deref()) {
        return Err(ItemError::refused("只能查询本人名下车辆"));
    }
    let facts = Facts::about(vehicle, OCCASION)?;
    let vehicle = facts.vehicle.as_ref().expect("gathered with the vehicle");
    let reasons = eligibility::check_vehicle(
        vehicle,
        facts.insurance.as_ref(),
        facts.violations.as_ref(),
        today,
    );
    Ok(json!({
        "eligible": reasons.is_empty(),
        "reasons": reasons
            .iter()
            .map(|reason| json!({ "code": reason.code, "message": reason.message }))
            .collect::<Vec<_>>(),
        "plate_number": vehicle.plate_number,
        "registered_on": vehicle.registered_on,
    })
    .to_string())
}
