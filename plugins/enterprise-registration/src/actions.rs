//! `on-action`: review by market regulation, then each department's part. The host has already
//! checked the action, the actor's role and department and the current state against the
//! workflow; this module does the work each step implies (issue the licence, read it back for a
//! department, record the part) and picks the next state. A failing host call fails the action,
//! naming the call, so nothing half-done is kept.

use serde::Deserialize;
use serde_json::{Map, Value, json};
use yiwang_sdk::error::reason;
use yiwang_sdk::form::{derived_of, parse_input, parse_stored};
use yiwang_sdk::{CallContext, CaseInfo, ItemError, Transition, certificates, notify};

use crate::catalog::{DEPARTMENT_NAME, action, state};
use crate::form::Form;
use crate::license::{self, License};
use crate::parts::{self, Part, Parts};
use crate::uscc;

/// The code of a part's `reference` that is blank or too long.
const INVALID_REFERENCE: &str = "invalid-reference";

/// What a department may pass with its part: its own registration number, when it has one
/// (海关注册编码 …); by default the reference is the unified social credit code.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct PartInput {
    reference: Option<String>,
}

pub fn handle(
    ctx: &CallContext,
    case: &CaseInfo,
    action: &str,
    comment: Option<&str>,
    input: &str,
) -> Result<Transition, ItemError> {
    if let Some(part) = Part::from_action(action) {
        return complete_part(ctx, case, part, input);
    }
    match action {
        action::ACCEPT => Ok(Transition::to(
            state::UNDER_REVIEW,
            &format!("已受理，{DEPARTMENT_NAME}审核中。"),
        )),
        action::APPROVE => approve(ctx, case),
        action::REJECT => {
            let reason = reason(comment)?;
            tell(
                case,
                "不予登记",
                &format!("您的设立登记申请不予登记，原因：{reason}"),
            )?;
            Ok(Transition::to(
                state::REJECTED,
                &format!("不予登记：{reason}"),
            ))
        }
        action::REQUEST_MATERIALS => {
            let reason = reason(comment)?;
            tell(
                case,
                "请补正",
                &format!("您的设立登记申请需要补正：{reason}。补正后请在申请详情中重新提交。"),
            )?;
            Ok(Transition::to(
                state::MATERIALS_REQUESTED,
                &format!("请补正：{reason}"),
            ))
        }
        action::RESUBMIT => {
            tell(case, "补正已收到", "已收到您的补正，申请重新进入登记审核。")?;
            Ok(Transition::to(
                state::UNDER_REVIEW,
                "申请人已补正，重新进入登记审核。",
            ))
        }
        other => Err(ItemError::refused(format!("本事项没有“{other}”这项操作。"))),
    }
}

/// Registers the enterprise: issues the electronic business licence, whose data every other
/// department then reads, and hands the case to them.
fn approve(ctx: &CallContext, case: &CaseInfo) -> Result<Transition, ItemError> {
    let form: Form = parse_stored("case.form", &case.form)?;
    let mut derived = derived_of(case)?;
    let code = uscc::derive(&case.number, form.enterprise_type.entity_kind());
    let data = License::new(&form, &code, &ctx.today);
    let data = serde_json::to_string(&data)
        .map_err(|error| ItemError::failed(format!("licence data: {error}")))?;
    let certificate = certificates::issue(license::KIND, &data, None)
        .map_err(|error| ItemError::host("certificates.issue", error))?;
    // Issuing again for the case returns the first licence: keep what it says.
    let issued: License = parse_stored("business-license data", &certificate.data)?;
    derived.insert("uscc".into(), json!(issued.uscc));
    derived.insert("license_serial".into(), json!(certificate.serial));
    derived.insert("established_on".into(), json!(issued.established_on));
    let outstanding = parts::outstanding(&parts_of(&derived)?);
    tell(
        case,
        "已核准登记",
        &format!(
            "“{name}”已核准登记，电子营业执照已核发（统一社会信用代码 {code}，证照编号 {serial}），\
             可在“我的证照”中查看，无须领取纸质执照。登记信息已推送有关部门办理{parts}，无需再次提交材料。",
            name = issued.enterprise_name,
            code = issued.uscc,
            serial = certificate.serial,
            parts = parts::names(&outstanding),
        ),
    )?;
    Ok(Transition {
        derived: Some(Value::Object(derived).to_string()),
        ..Transition::to(
            state::IN_DEPARTMENTS,
            &format!(
                "核准登记，已核发电子营业执照（统一社会信用代码 {}），推送{}。",
                issued.uscc,
                parts::names(&outstanding)
            ),
        )
    })
}

/// One department's part: read the licence from the licence library (never from the applicant),
/// record the part done and complete the case when it was the last.
fn complete_part(
    ctx: &CallContext,
    case: &CaseInfo,
    part: Part,
    input: &str,
) -> Result<Transition, ItemError> {
    let mut derived = derived_of(case)?;
    let mut parts = parts_of(&derived)?;
    // Refuse a part not needed or done before touching the licence library.
    parts::ensure_pending(&parts, part)?;
    let input: PartInput = parse_input(input)?;
    let own_reference = match input.reference.as_deref().map(str::trim) {
        None => None,
        Some(reference) if (1..=64).contains(&reference.chars().count()) => {
            Some(reference.to_owned())
        }
        Some(_) => {
            return Err(ItemError::invalid_field(
                "reference",
                INVALID_REFERENCE,
                "登记编号应为1至64个字符。",
            ));
        }
    };
    let holder = case.applicant.id_number.as_deref().ok_or_else(|| {
        ItemError::failed("the applicant has no ID number to find the licence by")
    })?;
    let held = certificates::find(license::KIND, holder)
        .map_err(|error| ItemError::host("certificates.find", error))?;
    let known_code = derived.get("uscc").and_then(Value::as_str);
    let Some((certificate, licence)) = license::of_case(held, &case.number, known_code) else {
        return Err(ItemError::failed(
            "电子证照库中未找到本案核发的电子营业执照，请联系市场监督管理局核实。",
        ));
    };
    // The code is what every department registers the enterprise under (一照一码): a licence
    // whose code does not check out is not one to rely on.
    if !uscc::is_valid(&licence.uscc) {
        return Err(ItemError::failed(format!(
            "电子营业执照 {} 上的统一社会信用代码 {} 校验不通过，请联系市场监督管理局核实。",
            certificate.serial, licence.uscc
        )));
    }
    let reference = own_reference.unwrap_or_else(|| licence.uscc.clone());
    parts::complete(&mut parts, part, &ctx.now, &reference)?;
    let outstanding = parts::outstanding(&parts);
    derived.insert(
        "parts".into(),
        serde_json::to_value(&parts)
            .map_err(|error| ItemError::failed(format!("parts: {error}")))?,
    );
    derived.entry("uscc").or_insert_with(|| json!(licence.uscc));
    derived
        .entry("license_serial")
        .or_insert_with(|| json!(certificate.serial));

    let done = format!(
        "“{name}”的{part}已由{department}办结（凭电子营业执照信息互认，无需提交材料），登记编号 {reference}。",
        name = licence.enterprise_name,
        part = part.name(),
        department = part.department_name(),
    );
    let (to, subject, body, note) = if outstanding.is_empty() {
        (
            state::COMPLETED,
            "全部登记备案已办结".to_owned(),
            format!("{done}全部登记备案事项已办结，企业可依法开展经营。"),
            format!("{}已办结；全部登记备案事项已办结。", part.name()),
        )
    } else {
        let pending = parts::names(&outstanding);
        (
            state::IN_DEPARTMENTS,
            format!("{}已办结", part.name()),
            format!("{done}尚待办理：{pending}。"),
            format!(
                "{}已办结（{}），尚待办理：{pending}。",
                part.name(),
                part.department_name()
            ),
        )
    };
    tell(case, &subject, &body)?;
    Ok(Transition {
        derived: Some(Value::Object(derived).to_string()),
        ..Transition::to(to, &note)
    })
}

/// The parts bookkeeping `submit` started.
fn parts_of(derived: &Map<String, Value>) -> Result<Parts, ItemError> {
    let parts = derived.get("parts").cloned().unwrap_or_else(|| json!({}));
    serde_json::from_value(parts)
        .map_err(|error| ItemError::failed(format!("case.derived.parts: {error}")))
}

/// Tells the applicant, naming the case so the message stands on its own.
fn tell(case: &CaseInfo, subject: &str, body: &str) -> Result<(), ItemError> {
    notify::send(
        &format!("企业登记一网通：{subject}"),
        &format!("【申请编号 {}】{body}", case.number),
    )
    .map_err(|error| ItemError::host("notify.send", error))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_department_may_pass_only_its_reference() {
        assert!(parse_input::<PartInput>("{}").unwrap().reference.is_none());
        assert_eq!(
            parse_input::<PartInput>(r#"{"reference":"4419960123"}"#)
                .unwrap()
                .reference
                .as_deref(),
            Some("4419960123")
        );
        assert!(parse_input::<PartInput>(r#"{"uscc":"x"}"#).is_err());
    }

    #[test]
    fn the_parts_are_read_back_from_the_derived_data() {
        let derived: Map<String, Value> =
            serde_json::from_value(json!({ "parts": parts::pending(&[Part::Tax]) })).unwrap();
        assert_eq!(
            parts::outstanding(&parts_of(&derived).unwrap()),
            [Part::Tax]
        );
        assert!(parts_of(&Map::new()).unwrap().is_empty());
    }
}
