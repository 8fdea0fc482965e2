//! The catalog entry (办事指南): what the public catalog shows, the form schema the host validates
//! against, and the workflow the host enforces — including which department takes each part of
//! the fan-out. State and action names are constants here (the parts' in [`crate::parts`]) so the
//! handlers cannot drift from what is declared.

use serde_json::json;
use yiwang_sdk::catalog::owned;
use yiwang_sdk::{Action, ItemInfo, Label, Labels, Material, Role, State, Workflow};

use crate::form::EnterpriseType;
use crate::parts::Part;

pub const CODE: &str = "enterprise-registration";
pub const DEPARTMENT: &str = "dongguan-market-regulation";
pub const DEPARTMENT_NAME: &str = "东莞市市场监督管理局";
pub const NAME: &str = "企业登记一网通";

pub mod state {
    pub const SUBMITTED: &str = "submitted";
    pub const UNDER_REVIEW: &str = "under-review";
    pub const MATERIALS_REQUESTED: &str = "materials-requested";
    pub const IN_DEPARTMENTS: &str = "in-departments";
    pub const COMPLETED: &str = "completed";
    pub const REJECTED: &str = "rejected";
}

pub mod action {
    pub const ACCEPT: &str = "accept";
    pub const APPROVE: &str = "approve";
    pub const REJECT: &str = "reject";
    pub const REQUEST_MATERIALS: &str = "request-materials";
    pub const RESUBMIT: &str = "resubmit";
}

pub fn info() -> ItemInfo {
    ItemInfo {
        code: CODE.to_owned(),
        version: env!("CARGO_PKG_VERSION").to_owned(),
        name: NAME.to_owned(),
        department: DEPARTMENT.to_owned(),
        summary: "“一站受理、信息互认、无纸办理、无须领证”：企业和个体工商户在网上办事大厅一次填报设立登记，\
                  市场监督管理局审核通过后核发电子营业执照；登记信息随即推送税务、社会保险、人力资源部门，\
                  有进出口业务的还推送海关和出入境检验检疫部门，各部门凭电子证照库中的营业执照分别办理\
                  税务登记、社会保险登记、人力资源业务备案、报关单位注册登记和自理报检企业备案，\
                  申请人无需再次提交材料，可随时查看各环节进度，全部办结即完成。登记免费。"
            .to_owned(),
        legal_basis: owned(&[
            "《中华人民共和国公司法》第六条",
            "《中华人民共和国公司登记管理条例》第五十四条",
            "《中华人民共和国合伙企业法》第九条",
            "《中华人民共和国个人独资企业法》第九条",
            "《个体工商户条例》第八条",
            "《国务院办公厅关于加快推进“五证合一、一照一码”登记制度改革的通知》（国办发〔2016〕53号）",
            "《中华人民共和国税收征收管理法》第十五条",
            "《中华人民共和国社会保险法》第五十七条",
            "《中华人民共和国海关报关单位注册登记管理规定》（海关总署令第221号）",
            "《出入境检验检疫报检企业管理办法》（国家质量监督检验检疫总局令第161号）",
        ]),
        audience: "在东莞市申请设立登记的有限责任公司、个人独资企业、合伙企业和个体工商户，\
                   由法定代表人（负责人、投资人、经营者）本人实名登录申请。"
            .to_owned(),
        materials: vec![
            Material::required(
                "设立登记申请书",
                "在线填报，申请人实名登录后电子确认，无需提交纸质材料。",
            ),
            Material::required(
                "法定代表人（负责人、投资人、经营者）身份证明",
                "居民身份证；通过实名认证核验，无需另行提交。",
            ),
            Material::required(
                "住所（经营场所）信息",
                "在线填报住所地址，由登记机关通过共享数据核验。",
            ),
            Material::optional(
                "进出口经营信息",
                "有进出口业务的，勾选后由海关、出入境检验检疫部门凭电子营业执照办理，无需另行提交。",
            ),
        ],
        // 《公司登记管理条例》第五十四条: a decision within 15 days of acceptance; Dongguan promises
        // the licence and the whole fan-out within 3 working days (1 for review, 2 for the
        // departments, the per-state clocks below).
        statutory_days: 15,
        promised_days: 3,
        fees: Vec::new(),
        channels: owned(&["web", "mobile", "wechat", "alipay"]),
        form_schema: form_schema().to_string(),
        workflow: workflow(),
        labels: Labels {
            certificates: vec![
                Label::new(crate::license::KIND, "营业执照（电子）"),
            ],
            deliveries: Vec::new(),
        },
    }
}

fn form_schema() -> serde_json::Value {
    let types: Vec<&str> = EnterpriseType::ALL.iter().map(|t| t.code()).collect();
    let labels: Vec<&str> = EnterpriseType::ALL.iter().map(|t| t.label()).collect();
    json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": NAME,
        "type": "object",
        "additionalProperties": false,
        "required": [
            "enterprise_name", "enterprise_type", "registered_capital_fen",
            "legal_representative", "legal_representative_id_number", "address",
            "business_scope", "phone", "employees", "imports_exports"
        ],
        "properties": {
            "enterprise_name": {
                "type": "string",
                "title": "企业名称",
                "description": "如 东莞市某某电子科技有限公司",
                "minLength": 4,
                "maxLength": 100
            },
            "enterprise_type": {
                "type": "string",
                "title": "企业类型",
                "description": labels.join(" / "),
                "enum": types
            },
            "registered_capital_fen": {
                "type": "integer",
                "title": "注册资本（出资额，分）",
                "description": "以分为单位，如 100万元 填 100000000",
                "minimum": 0,
                "maximum": 100_000_000_000_000_u64
            },
            "legal_representative": {
                "type": "string",
                "title": "法定代表人（负责人、投资人、经营者）姓名",
                "minLength": 1,
                "maxLength": 30
            },
            "legal_representative_id_number": {
                "type": "string",
                "title": "法定代表人身份证号码",
                "description": "须为当前登录账号本人",
                "pattern": "^[0-9]{17}[0-9X]$"
            },
            "address": {
                "type": "string",
                "title": "住所（经营场所）",
                "minLength": 5,
                "maxLength": 200
            },
            "business_scope": {
                "type": "string",
                "title": "经营范围",
                "minLength": 2,
                "maxLength": 2000
            },
            "phone": {
                "type": "string",
                "title": "联系电话",
                "description": "手机号码，或带区号的固定电话（如 0769-22222222）",
                "pattern": "^(1[3-9][0-9]{9}|0[0-9]{2,3}-?[0-9]{7,8})$"
            },
            "employees": {
                "type": "integer",
                "title": "从业人数",
                "minimum": 0,
                "maximum": 1_000_000
            },
            "imports_exports": {
                "type": "boolean",
                "title": "有进出口业务（需办理报关单位注册登记和自理报检企业备案）"
            }
        }
    })
}

fn workflow() -> Workflow {
    use action::*;
    use state::*;

    let mut actions = vec![
        Action::new(
            ACCEPT,
            "受理",
            &[SUBMITTED],
            &[UNDER_REVIEW],
            &[Role::System],
        ),
        Action::new(
            APPROVE,
            "核准登记并核发电子营业执照",
            &[UNDER_REVIEW],
            &[IN_DEPARTMENTS],
            &[Role::Reviewer],
        ),
        Action::new(
            REJECT,
            "不予登记",
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
    ];
    actions.extend(Part::ALL.into_iter().map(|part| {
        Action::new(
            part.action(),
            &part.action_label(),
            &[IN_DEPARTMENTS],
            &[IN_DEPARTMENTS, COMPLETED],
            &[Role::Reviewer],
        )
        .by_departments(&[part.department()])
    }));
    Workflow {
        initial: SUBMITTED.to_owned(),
        states: vec![
            State::working(SUBMITTED, "已提交", None),
            State::working(UNDER_REVIEW, "登记审核中", Some(1)),
            State::waiting_on_applicant(MATERIALS_REQUESTED, "待补正"),
            State::working(IN_DEPARTMENTS, "部门联办中", Some(2)),
            State::terminal(COMPLETED, "已办结"),
            State::terminal(REJECTED, "不予登记"),
        ],
        actions,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_host_would_take_the_catalog_entry() {
        yiwang_sdk::testing::assert_catalog_sound(&info());
    }
    use crate::eligibility::tests::APPLICANT;

    fn schema() -> jsonschema::Validator {
        jsonschema::draft202012::new(&form_schema()).expect("the form schema compiles")
    }

    fn valid_form() -> serde_json::Value {
        json!({
            "enterprise_name": "东莞市一网通电子科技有限公司",
            "enterprise_type": "limited-company",
            "registered_capital_fen": 100_000_000,
            "legal_representative": "张三",
            "legal_representative_id_number": APPLICANT,
            "address": "东莞市南城街道鸿福路99号",
            "business_scope": "电子产品研发、生产、销售；货物及技术进出口。",
            "phone": "13800138000",
            "employees": 12,
            "imports_exports": true
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
        assert_eq!(info.department, DEPARTMENT);
        assert_eq!((info.statutory_days, info.promised_days), (15, 3));
        assert!(info.promised_days <= info.statutory_days);
        assert!(info.fees.is_empty());
        assert_eq!(info.channels, ["web", "mobile", "wechat", "alipay"]);
        assert!(!info.legal_basis.is_empty());
    }

    #[test]
    fn every_action_joins_declared_states_and_every_state_is_reachable() {
        let workflow = workflow();
        let names: Vec<&str> = workflow.states.iter().map(|s| s.name.as_str()).collect();
        assert!(names.contains(&workflow.initial.as_str()));
        for action in &workflow.actions {
            for state in action.from.iter().chain(&action.to) {
                assert!(
                    names.contains(&state.as_str()),
                    "{} names {state}",
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
        let mut reached = vec![workflow.initial.clone()];
        let mut i = 0;
        while i < reached.len() {
            let from = reached[i].clone();
            for action in workflow.actions.iter().filter(|a| a.from.contains(&from)) {
                for to in &action.to {
                    if !reached.contains(to) {
                        reached.push(to.clone());
                    }
                }
            }
            i += 1;
        }
        assert_eq!(reached.len(), workflow.states.len(), "reached {reached:?}");
    }

    #[test]
    fn each_part_is_taken_by_its_own_department_and_may_complete_the_case() {
        let workflow = workflow();
        for part in Part::ALL {
            let action = workflow
                .actions
                .iter()
                .find(|a| a.name == part.action())
                .unwrap();
            assert_eq!(action.departments, [part.department()]);
            assert_eq!(action.roles, [Role::Reviewer]);
            assert_eq!(action.from, [state::IN_DEPARTMENTS]);
            assert_eq!(action.to, [state::IN_DEPARTMENTS, state::COMPLETED]);
        }
        let own: Vec<&str> = workflow
            .actions
            .iter()
            .filter(|a| a.departments.is_empty())
            .map(|a| a.name.as_str())
            .collect();
        assert_eq!(
            own,
            [
                action::ACCEPT,
                action::APPROVE,
                action::REJECT,
                action::REQUEST_MATERIALS,
                action::RESUBMIT
            ]
        );
    }

    #[test]
    fn the_first_step_is_a_system_action_out_of_the_initial_state() {
        let workflow = workflow();
        let accept = workflow
            .actions
            .iter()
            .find(|a| a.name == action::ACCEPT)
            .unwrap();
        assert_eq!(accept.roles, [Role::System]);
        assert_eq!(accept.from, [state::SUBMITTED]);
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
    fn the_schema_accepts_a_complete_form_of_every_type() {
        let schema = schema();
        assert!(schema.is_valid(&valid_form()));
        for kind in EnterpriseType::ALL {
            assert!(schema.is_valid(&with("enterprise_type", json!(kind.code()))));
        }
        assert!(schema.is_valid(&with("registered_capital_fen", json!(0))));
        assert!(schema.is_valid(&with("phone", json!("0769-22222222"))));
        assert!(schema.is_valid(&with(
            "legal_representative_id_number",
            json!("44190019900101123X")
        )));
    }

    #[test]
    fn the_schema_refuses_malformed_fields_missing_fields_and_extra_fields() {
        let schema = schema();
        for (field, value) in [
            ("enterprise_name", json!("东莞")),
            ("enterprise_type", json!("company")),
            ("registered_capital_fen", json!(-1)),
            ("registered_capital_fen", json!(1.5)),
            ("registered_capital_fen", json!("100")),
            ("legal_representative", json!("")),
            (
                "legal_representative_id_number",
                json!("44190019900101123x"),
            ),
            ("address", json!("东莞市")),
            ("business_scope", json!("")),
            ("phone", json!("12800138000")),
            ("employees", json!(-3)),
            ("imports_exports", json!("否")),
            ("uscc", json!("91441900MA4UJ6N83K")),
        ] {
            assert!(
                !schema.is_valid(&with(field, value.clone())),
                "{field} = {value}"
            );
        }
        let mut missing = valid_form();
        missing.as_object_mut().unwrap().remove("imports_exports");
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
