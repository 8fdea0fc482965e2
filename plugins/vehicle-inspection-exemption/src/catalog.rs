//! The catalog entry (办事指南): what the public catalog shows, the form schema the host validates
//! against, and the workflow the host enforces. State and action names are constants here so the
//! handlers cannot drift from what is declared.

use serde_json::json;
use yiwang_sdk::catalog::owned;
use yiwang_sdk::{Action, ItemInfo, Label, Labels, Material, Role, State, Workflow};

pub const CODE: &str = "vehicle-inspection-exemption";
pub const DEPARTMENT: &str = "dongguan-vehicle-office";
pub const NAME: &str = "新车6年免检申领检验标志";

/// What EMS carries, by code; `info()` labels each (the host shows the label).
pub mod content {
    pub const LICENCE_COPY: &str = "driving-licence-copy";
    pub const POLICY_COPY: &str = "insurance-policy-copy";
    pub const PAPER_MARK: &str = "paper-inspection-mark";
}
/// What EMS collects from the applicant.
pub const PICKUP_CONTENTS: [&str; 2] = [content::LICENCE_COPY, content::POLICY_COPY];
/// What EMS mails to the applicant who asked for the paper mark.
pub const SHIPMENT_CONTENTS: [&str; 1] = [content::PAPER_MARK];
/// The certificate kind in the electronic licence library.
pub const MARK_KIND: &str = "inspection-mark";
/// A mark covers one two-year period of the six.
pub const MARK_VALID_DAYS: u32 = 730;

pub mod state {
    pub const SUBMITTED: &str = "submitted";
    pub const AWAITING_PICKUP: &str = "awaiting-pickup";
    pub const UNDER_REVIEW: &str = "under-review";
    pub const MATERIALS_REQUESTED: &str = "materials-requested";
    pub const APPROVED: &str = "approved";
    pub const COMPLETED: &str = "completed";
    pub const REJECTED: &str = "rejected";
}

pub mod action {
    pub const REQUEST_PICKUP: &str = "request-pickup";
    pub const PICKED_UP: &str = "picked-up";
    pub const APPROVE: &str = "approve";
    pub const REJECT: &str = "reject";
    pub const REQUEST_MATERIALS: &str = "request-materials";
    pub const RESUBMIT: &str = "resubmit";
    pub const DELIVERED: &str = "delivered";
}

pub fn info() -> ItemInfo {
    ItemInfo {
        code: CODE.to_owned(),
        version: env!("CARGO_PKG_VERSION").to_owned(),
        name: NAME.to_owned(),
        department: DEPARTMENT.to_owned(),
        summary: "注册登记6年以内的非营运小型、微型载客汽车（面包车除外），交强险在有效期内、\
                  交通违法和交通事故均已处理完毕且未发生致人伤亡交通事故的，免予到检验机构上线检验，\
                  可直接申领机动车检验合格标志。车主通过网上办事大厅、手机、微信或支付宝城市服务在线申请，\
                  由邮政速递（EMS）工作人员上门揽收纸质材料；车管所审核通过后签发电子检验合格标志，\
                  需要纸质标志的由邮政速递寄递到家，全程足不出户。"
            .to_owned(),
        legal_basis: owned(&[
            "《中华人民共和国道路交通安全法》第十三条",
            "《中华人民共和国道路交通安全法实施条例》第十六条",
            "公安部 国家质检总局《关于加强和改进机动车检验工作的意见》（公交管〔2014〕138号）",
        ]),
        audience: "在东莞市登记、注册登记6年以内的非营运小型、微型载客汽车（面包车除外）的所有人，\
                   由车主本人申请。"
            .to_owned(),
        materials: vec![
            Material::required("机动车行驶证复印件", "由邮政速递工作人员上门揽收，无需到窗口提交；复印件不退还，原件无需寄出。"),
            Material::required(
                "交强险保单副本",
                "机动车交通事故责任强制保险单副本，由邮政速递工作人员上门揽收。",
            ),
            Material::required(
                "机动车所有人身份证明",
                "居民身份证；网上申请时通过实名认证核验，无需另行提交。",
            ),
        ],
        statutory_days: 20,
        promised_days: 5,
        fees: Vec::new(),
        channels: owned(&["web", "mobile", "wechat", "alipay"]),
        form_schema: form_schema().to_string(),
        workflow: workflow(),
        labels: Labels {
            certificates: vec![
                Label::new(MARK_KIND, "机动车检验合格标志（电子）"),
            ],
            deliveries: vec![
                Label::new(content::LICENCE_COPY, "机动车行驶证复印件"),
                Label::new(content::POLICY_COPY, "交强险保单副本"),
                Label::new(content::PAPER_MARK, "机动车检验合格标志"),
            ],
        },
    }
}

fn form_schema() -> serde_json::Value {
    json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": NAME,
        "type": "object",
        "additionalProperties": false,
        "required": [
            "plate_number", "vin_last6", "owner_name", "owner_id_number",
            "phone", "mailing_address", "wants_paper_mark"
        ],
        "properties": {
            "plate_number": {
                "type": "string",
                "title": "号牌号码",
                "description": "如 粤S12345，新能源号牌为6位",
                // Literal CJK bounds, not \u escapes, so every regex dialect reads the same class.
                "pattern": "^[\u{4e00}-\u{9fa5}][A-Z][A-Z0-9]{5,6}$"
            },
            "vin_last6": {
                "type": "string",
                "title": "车辆识别代号后6位",
                "description": "见机动车行驶证，字母须大写",
                "pattern": "^[A-Z0-9]{6}$"
            },
            "owner_name": {
                "type": "string",
                "title": "机动车所有人姓名",
                "minLength": 1,
                "maxLength": 30
            },
            "owner_id_number": {
                "type": "string",
                "title": "机动车所有人身份证号码",
                "pattern": "^[0-9]{17}[0-9X]$"
            },
            "phone": {
                "type": "string",
                "title": "手机号码",
                "description": "用于邮政速递联系上门揽收和寄递",
                "pattern": "^1[3-9][0-9]{9}$"
            },
            "mailing_address": {
                "type": "string",
                "title": "揽收及寄递地址",
                "minLength": 5,
                "maxLength": 200
            },
            "wants_paper_mark": {
                "type": "boolean",
                "title": "需要寄递纸质检验合格标志"
            }
        }
    })
}

fn workflow() -> Workflow {
    use action::*;
    use state::*;

    Workflow {
        initial: SUBMITTED.to_owned(),
        states: vec![
            State::working(SUBMITTED, "已提交", None),
            State::working(AWAITING_PICKUP, "待揽收", Some(3)),
            State::working(UNDER_REVIEW, "审核中", Some(5)),
            State::waiting_on_applicant(MATERIALS_REQUESTED, "待补正"),
            State::working(APPROVED, "待寄递", Some(5)),
            State::terminal(COMPLETED, "已办结"),
            State::terminal(REJECTED, "不予办理"),
        ],
        actions: vec![
            Action::new(
                REQUEST_PICKUP,
                "预约上门揽收",
                &[SUBMITTED],
                &[AWAITING_PICKUP],
                &[Role::System],
            ),
            Action::new(
                PICKED_UP,
                "材料已揽收",
                &[AWAITING_PICKUP],
                &[UNDER_REVIEW],
                &[Role::Courier],
            ),
            Action::new(
                APPROVE,
                "审核通过",
                &[UNDER_REVIEW],
                &[APPROVED, COMPLETED],
                &[Role::Reviewer],
            ),
            Action::new(
                REJECT,
                "不予办理",
                &[UNDER_REVIEW, MATERIALS_REQUESTED],
                &[REJECTED],
                &[Role::Reviewer],
            )
            .comment_required(),
            Action::new(
                REQUEST_MATERIALS,
                "要求补正",
                &[UNDER_REVIEW],
                &[MATERIALS_REQUESTED],
                &[Role::Reviewer],
            )
            .comment_required(),
            Action::new(
                RESUBMIT,
                "补正后重新提交",
                &[MATERIALS_REQUESTED],
                &[UNDER_REVIEW],
                &[Role::Citizen],
            ),
            Action::new(
                DELIVERED,
                "检验标志已送达",
                &[APPROVED],
                &[COMPLETED],
                &[Role::Courier],
            ),
        ],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_host_would_take_the_catalog_entry() {
        yiwang_sdk::testing::assert_catalog_sound(&info());
    }

    fn schema() -> jsonschema::Validator {
        jsonschema::draft202012::new(&form_schema()).expect("the form schema compiles")
    }

    fn valid_form() -> serde_json::Value {
        json!({
            "plate_number": "粤S12345",
            "vin_last6": "123456",
            "owner_name": "张三",
            "owner_id_number": "441900199001011234",
            "phone": "13800138000",
            "mailing_address": "东莞市南城街道鸿福路99号",
            "wants_paper_mark": true
        })
    }

    fn with(field: &str, value: serde_json::Value) -> serde_json::Value {
        let mut form = valid_form();
        form[field] = value;
        form
    }

    #[test]
    fn the_catalog_entry_is_complete_and_free() {
        let info = info();
        assert_eq!((info.code.as_str(), info.version.as_str()), (CODE, "1.0.0"));
        assert_eq!((info.statutory_days, info.promised_days), (20, 5));
        assert!(info.fees.is_empty());
        assert_eq!(info.channels, ["web", "mobile", "wechat", "alipay"]);
        assert!(
            info.legal_basis
                .iter()
                .any(|basis| basis.contains("第十六条"))
        );
        assert_eq!(info.materials.len(), 3);
    }

    #[test]
    fn every_action_joins_declared_states_and_the_terminal_states_have_no_way_out() {
        let workflow = workflow();
        let names: Vec<&str> = workflow.states.iter().map(|s| s.name.as_str()).collect();
        assert!(names.contains(&workflow.initial.as_str()));
        for action in &workflow.actions {
            for state in action.from.iter().chain(&action.to) {
                assert!(
                    names.contains(&state.as_str()),
                    "{} names unknown state {state}",
                    action.name
                );
            }
        }
        for terminal in workflow.states.iter().filter(|s| s.terminal) {
            assert!(
                workflow
                    .actions
                    .iter()
                    .all(|a| !a.from.contains(&terminal.name))
            );
        }
    }

    #[test]
    fn a_reason_is_required_to_reject_or_to_ask_for_materials() {
        let required: Vec<String> = workflow()
            .actions
            .into_iter()
            .filter(|a| a.comment_required)
            .map(|a| a.name)
            .collect();
        assert_eq!(required, [action::REJECT, action::REQUEST_MATERIALS]);
    }

    #[test]
    fn the_schema_accepts_a_complete_form_including_a_new_energy_plate() {
        let schema = schema();
        assert!(schema.is_valid(&valid_form()));
        assert!(schema.is_valid(&with("plate_number", json!("粤SD12345"))));
        assert!(schema.is_valid(&with("owner_id_number", json!("44190019900101123X"))));
    }

    #[test]
    fn the_schema_refuses_malformed_fields_missing_fields_and_extra_fields() {
        let schema = schema();
        for (field, value) in [
            ("plate_number", json!("S12345")),
            ("plate_number", json!("粤s12345")),
            ("plate_number", json!("粤S1234")),
            ("plate_number", json!("粤S1234567")),
            ("vin_last6", json!("12345")),
            ("vin_last6", json!("abcdef")),
            ("owner_name", json!("")),
            ("owner_name", json!("张".repeat(31))),
            ("owner_id_number", json!("44190019900101123x")),
            ("phone", json!("12800138000")),
            ("mailing_address", json!("东莞市")),
            ("wants_paper_mark", json!("是")),
            ("nickname", json!("小张")),
        ] {
            assert!(
                !schema.is_valid(&with(field, value.clone())),
                "{field} = {value}"
            );
        }
        let mut missing = valid_form();
        missing.as_object_mut().unwrap().remove("phone");
        assert!(!schema.is_valid(&missing));
    }

    #[test]
    fn every_property_has_a_chinese_title_and_is_required() {
        assert_eq!(
            yiwang_sdk::form::schema_problems(&form_schema()),
            Vec::<String>::new()
        );
    }
}
