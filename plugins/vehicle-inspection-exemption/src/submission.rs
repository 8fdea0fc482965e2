//! `submit`: check eligibility against the registries, book the EMS pick-up of the paper
//! materials and tell the applicant. A failing host
//! call is the item's failure, answered as an `item-error` (contract 0.2.0), with the cause in
//! the item log; the applicant sees which step failed.

use serde_json::json;
use yiwang_sdk::SubmitError;
use yiwang_sdk::catalog::owned;
use yiwang_sdk::date::Date;
use yiwang_sdk::{Accepted, Actor, CallContext, ItemError, Step, delivery, log, notify};

use crate::catalog::{PICKUP_CONTENTS, action, state};
use crate::eligibility;
use crate::facts::Facts;
use crate::form::Form;

/// How the registry reads of an application appear in the owner's data-use ledger.
const OCCASION: &str = "新车6年免检申领";

pub fn submit(ctx: &CallContext, applicant: &Actor, form: Form) -> Result<Accepted, SubmitError> {
    let today = today(ctx).map_err(|error| unavailable("核验申请", &error))?;
    let facts = Facts::gather(&form.plate_number, OCCASION, applicant.id_number.as_deref())
        .map_err(|error| unavailable("核验车辆信息", &error))?;

    let errors =
        eligibility::check_application(&form, applicant.id_number.as_deref(), &facts, today);
    if !errors.is_empty() {
        return Err(errors.into());
    }
    let vehicle = facts
        .vehicle
        .expect("an eligible application has a registered vehicle");
    let insurance_valid_until = facts
        .insurance
        .and_then(|insurance| insurance.compulsory_valid_until);

    let tracking_number = delivery::request_pickup(&sender(&form), &owned(&PICKUP_CONTENTS))
        .map_err(|error| {
            unavailable(
                "预约邮政速递上门揽收",
                &ItemError::host("delivery.request-pickup", error),
            )
        })?;
    let case_number = ctx.case_number.as_deref().unwrap_or("（待分配）");
    notify::send(
        "新车6年免检申请已受理",
        &format!(
            "您的新车6年免检申领（申请编号 {case_number}，号牌 {plate}）已受理。邮政速递将上门揽收\
             机动车行驶证复印件和交强险保单副本，揽收运单号 {tracking_number}，请提前备好材料并保持电话畅通。",
            plate = form.plate_number,
        ),
    )
    .map_err(|error| unavailable("发送受理通知", &ItemError::host("notify.send", error)))?;

    let derived = json!({
        "pickup_tracking_number": tracking_number,
        "vehicle": {
            "vehicle_type": vehicle.vehicle_type,
            "registered_on": vehicle.registered_on,
            "vin_last6": form.vin_last6,
        },
        "insurance_valid_until": insurance_valid_until,
    });
    Ok(Accepted {
        derived: derived.to_string(),
        then: Some(Step {
            action: action::REQUEST_PICKUP.to_owned(),
            to: state::AWAITING_PICKUP.to_owned(),
            note: Some(format!(
                "已预约邮政速递上门揽收纸质材料，运单号 {tracking_number}。"
            )),
        }),
    })
}

/// The applicant's address, where EMS collects the materials and later delivers the mark.
pub fn sender(form: &Form) -> delivery::Address {
    delivery::Address {
        name: form.owner_name.clone(),
        phone: form.phone.clone(),
        address: form.mailing_address.clone(),
    }
}

pub fn today(ctx: &CallContext) -> Result<Date, ItemError> {
    ctx.today
        .parse()
        .map_err(|error| ItemError::failed(format!("ctx.today: {error}")))
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
