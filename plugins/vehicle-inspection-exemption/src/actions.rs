//! `on-action`: the steps after submission. The host has already checked the action, the actor's
//! role and the current state against the workflow; this module does the work each step implies
//! (issue the mark, book the mail-out, tell the applicant) and picks the next state. A failing host
//! call fails the action, naming the call, so nothing half-done is kept.

use serde_json::{Value, json};
use yiwang_sdk::catalog::owned;
use yiwang_sdk::error::reason;
use yiwang_sdk::form::{derived_of, parse_stored};
use yiwang_sdk::{CallContext, CaseInfo, ItemError, Transition, certificates, delivery, notify};

use crate::catalog::{
    MARK_KIND, MARK_VALID_DAYS, PICKUP_CONTENTS, SHIPMENT_CONTENTS, action, state,
};
use crate::form::Form;
use crate::submission::{sender, today};

pub fn handle(
    ctx: &CallContext,
    case: &CaseInfo,
    action: &str,
    comment: Option<&str>,
) -> Result<Transition, ItemError> {
    match action {
        action::REQUEST_PICKUP => request_pickup(case),
        action::PICKED_UP => {
            tell(
                case,
                "材料已揽收",
                "您的纸质材料已由邮政速递揽收，车管所正在审核。",
            )?;
            Ok(Transition::to(
                state::UNDER_REVIEW,
                "材料已揽收，进入审核。",
            ))
        }
        action::APPROVE => approve(ctx, case),
        action::REJECT => {
            let reason = reason(comment)?;
            tell(
                case,
                "不予办理",
                &format!("您的申请不予办理，原因：{reason}"),
            )?;
            Ok(Transition::to(
                state::REJECTED,
                &format!("不予办理：{reason}"),
            ))
        }
        action::REQUEST_MATERIALS => {
            let reason = reason(comment)?;
            tell(
                case,
                "请补正材料",
                &format!("您的申请需要补正：{reason}。补正后请在申请详情中重新提交。"),
            )?;
            Ok(Transition::to(
                state::MATERIALS_REQUESTED,
                &format!("请补正：{reason}"),
            ))
        }
        action::RESUBMIT => {
            tell(case, "补正已收到", "已收到您的补正，申请重新进入审核。")?;
            Ok(Transition::to(
                state::UNDER_REVIEW,
                "申请人已补正，重新进入审核。",
            ))
        }
        action::DELIVERED => {
            tell(
                case,
                "检验合格标志已送达",
                "纸质检验合格标志已送达，本次申请办结。",
            )?;
            Ok(Transition::to(
                state::COMPLETED,
                "检验合格标志已送达，办结。",
            ))
        }
        other => Err(ItemError::refused(format!("本事项没有“{other}”这项操作。"))),
    }
}

/// The system's first step. `submit` has normally booked the pick-up already; book it here only
/// if it has not, so a repeated step never sends EMS twice.
fn request_pickup(case: &CaseInfo) -> Result<Transition, ItemError> {
    let mut derived = derived_of(case)?;
    if derived
        .get("pickup_tracking_number")
        .is_some_and(Value::is_string)
    {
        return Ok(Transition::to(
            state::AWAITING_PICKUP,
            "已预约邮政速递上门揽收纸质材料。",
        ));
    }
    let form: Form = parse_stored("case.form", &case.form)?;
    let tracking_number = delivery::request_pickup(&sender(&form), &owned(&PICKUP_CONTENTS))
        .map_err(|error| ItemError::host("delivery.request-pickup", error))?;
    tell(
        case,
        "已预约上门揽收",
        &format!(
            "邮政速递将上门揽收机动车行驶证复印件和交强险保单副本，揽收运单号 {tracking_number}。"
        ),
    )?;
    derived.insert("pickup_tracking_number".into(), json!(tracking_number));
    Ok(Transition {
        derived: Some(Value::Object(derived).to_string()),
        ..Transition::to(
            state::AWAITING_PICKUP,
            &format!("已预约邮政速递上门揽收纸质材料，运单号 {tracking_number}。"),
        )
    })
}

/// Issues the electronic mark and, for an applicant who wants the paper one, books its mail-out.
fn approve(ctx: &CallContext, case: &CaseInfo) -> Result<Transition, ItemError> {
    let form: Form = parse_stored("case.form", &case.form)?;
    let mut derived = derived_of(case)?;
    let valid_until = today(ctx)?.add_days(MARK_VALID_DAYS.into()).to_string();
    let vehicle = derived.get("vehicle").cloned().unwrap_or(Value::Null);
    let data = json!({
        "plate_number": form.plate_number,
        "vin_last6": form.vin_last6,
        "owner_name": form.owner_name,
        "vehicle_type": vehicle.get("vehicle_type"),
        "registered_on": vehicle.get("registered_on"),
        "inspection": "免检",
        "valid_until": valid_until,
    });
    let certificate = certificates::issue(MARK_KIND, &data.to_string(), Some(MARK_VALID_DAYS))
        .map_err(|error| ItemError::host("certificates.issue", error))?;
    let valid_until = certificate.valid_until.unwrap_or(valid_until);
    let serial = certificate.serial;
    derived.insert("certificate_serial".into(), json!(serial));
    derived.insert("certificate_valid_until".into(), json!(valid_until));
    let issued = format!(
        "电子检验合格标志已签发（证照编号 {serial}，有效期至{}），可在“我的证照”中查看",
        yiwang_sdk::date::chinese(&valid_until)
    );

    if form.wants_paper_mark {
        let tracking_number =
            delivery::request_shipment(&sender(&form), &owned(&SHIPMENT_CONTENTS))
                .map_err(|error| ItemError::host("delivery.request-shipment", error))?;
        derived.insert("shipment_tracking_number".into(), json!(tracking_number));
        tell(
            case,
            "审核通过",
            &format!(
                "您的申请已审核通过。{issued}。纸质检验合格标志已交邮政速递寄出，运单号 {tracking_number}。"
            ),
        )?;
        Ok(Transition {
            derived: Some(Value::Object(derived).to_string()),
            ..Transition::to(
                state::APPROVED,
                &format!(
                    "审核通过，已签发电子检验合格标志；纸质标志已交邮政速递寄递，运单号 {tracking_number}。"
                ),
            )
        })
    } else {
        tell(
            case,
            "审核通过，已办结",
            &format!("您的申请已审核通过。{issued}。"),
        )?;
        Ok(Transition {
            derived: Some(Value::Object(derived).to_string()),
            ..Transition::to(state::COMPLETED, "审核通过，已签发电子检验合格标志，办结。")
        })
    }
}

/// Tells the applicant, naming the case so the message stands on its own.
fn tell(case: &CaseInfo, subject: &str, body: &str) -> Result<(), ItemError> {
    notify::send(
        &format!("新车6年免检：{subject}"),
        &format!("【申请编号 {}】{body}", case.number),
    )
    .map_err(|error| ItemError::host("notify.send", error))
}
