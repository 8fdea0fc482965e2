//! The catalog entry (办事指南): what the public catalog shows, the form schema the host validates
//! against, and the workflow the host enforces — including which department reviews each part of
//! the score. State and action names are constants here (the parts' in [`crate::parts`]) so the
//! handlers cannot drift from what is declared.

use serde_json::json;
use yiwang_sdk::catalog::owned;
use yiwang_sdk::{Action, ItemInfo, Labels, Material, Role, State, Workflow};

use crate::parts::Part;
use crate::points::TABLE;
use crate::schools::Stage;

pub const CODE: &str = "school-points-enrollment";
pub const DEPARTMENT: &str = "dongguan-education";
pub const DEPARTMENT_NAME: &str = "东莞市教育局";
pub const NAME: &str = "义务教育阶段随迁子女积分制入学";

/// The version this build describes: the crate's, unless a build-time variant names another.
pub const VERSION: &str = match option_env!("YIWANG_POINTS_VERSION") {
    Some(version) => version,
    None => env!("CARGO_PKG_VERSION"),
};

pub mod state {
    pub const SUBMITTED: &str = "submitted";
    pub const UNDER_REVIEW: &str = "under-review";
    pub const SCORED: &str = "scored";
    pub const APPEALED: &str = "appealed";
    pub const AWAITING_PLACEMENT: &str = "awaiting-placement";
    pub const ADMITTED: &str = "admitted";
    pub const NOT_ADMITTED: &str = "not-admitted";
}

pub mod action {
    pub const ACCEPT: &str = "accept";
    pub const APPEAL: &str = "appeal";
    pub const RE_REVIEW: &str = "re-review";
    pub const CHOOSE_SCHOOLS: &str = "choose-schools";
    pub const PLACE: &str = "place";
}

pub fn info() -> ItemInfo {
    ItemInfo {
        code: CODE.to_owned(),
        version: VERSION.to_owned(),
        name: NAME.to_owned(),
        department: DEPARTMENT.to_owned(),
        summary: format!(
            "异地务工人员为随迁子女申请东莞市公办学校小学一年级或初中一年级积分制入学学位。一网填报：\
             申请人只需填写子女姓名、入学阶段并选择积分家长方，居住证、社会保险、纳税和住房信息由系统从\
             各部门共享数据中读取，无需提交材料；公安（新莞人服务管理）、社保、税务、住建部门并联审核\
             各自的积分项，申请人可查看积分明细并申请复核一次，积分确定后填报不超过3个志愿，由市教育局\
             按积分从高到低统一录取并通知结果。本版本积分标准：{}年版。免费办理。",
            TABLE.name
        ),
        legal_basis: owned(&[
            "《中华人民共和国义务教育法》第十二条",
            "《居住证暂行条例》第十二条",
            "《广东省流动人口服务管理条例》",
            "《东莞市义务教育阶段异地务工人员随迁子女积分制入学积分方案》（2017年5月15日东莞市人民政府印发）",
        ]),
        audience: "在东莞市持有广东省居住证并参加社会保险的异地务工人员，为其随迁子女（已在居住登记中登记）\
                   申请小学一年级或初中一年级积分制入学学位，由父母一方实名登录申请。"
            .to_owned(),
        materials: vec![
            Material::required(
                "积分入学申请表",
                "在线填报子女姓名、入学阶段和积分家长方，申请人实名登录后电子确认。",
            ),
            Material::required(
                "广东省居住证",
                "由公安机关（新莞人服务管理部门）共享数据核验，无需提交。",
            ),
            Material::required(
                "社会保险缴费记录",
                "由社会保障部门共享数据核验，无需提交。",
            ),
            Material::optional(
                "纳税记录",
                "由税务部门共享数据核验，无需提交；无纳税记录的该项不计分。",
            ),
            Material::optional(
                "房产证明或租赁登记备案",
                "由住建部门共享数据核验，无需提交；无住房记录的该项不计分。",
            ),
        ],
        statutory_days: 20,
        promised_days: 5,
        fees: Vec::new(),
        channels: owned(&["web", "mobile", "wechat", "alipay"]),
        form_schema: form_schema().to_string(),
        workflow: workflow(),
        labels: Labels {
            certificates: Vec::new(),
            deliveries: Vec::new(),
        },
    }
}

fn form_schema() -> serde_json::Value {
    let stages: Vec<&str> = Stage::ALL.iter().map(|s| s.code()).collect();
    json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": NAME,
        "type": "object",
        "additionalProperties": false,
        "required": ["child_name", "stage", "scoring_parent"],
        "properties": {
            "child_name": {
                "type": "string",
                "title": "子女姓名",
                "description": "须为在申请人居住登记中登记的随迁子女",
                "minLength": 1,
                "maxLength": 30
            },
            "stage": {
                "type": "string",
                "title": "入学阶段",
                "description": "primary 小学一年级 / junior 初中一年级",
                "enum": stages
            },
            "scoring_parent": {
                "type": "string",
                "title": "积分家长方",
                "description": "applicant 申请人本人 / spouse 配偶（配偶信息从居住登记中读取）",
                "enum": ["applicant", "spouse"]
            }
        }
    })
}

fn workflow() -> Workflow {
    use action::*;
    use state::*;

    let mut actions = vec![Action::new(
        ACCEPT,
        "受理",
        &[SUBMITTED],
        &[UNDER_REVIEW],
        &[Role::System],
    )];
    actions.extend(Part::ALL.into_iter().map(|part| {
        Action::new(
            part.action(),
            &format!("审核{}", part.name()),
            &[UNDER_REVIEW],
            &[UNDER_REVIEW, SCORED],
            &[Role::Reviewer],
        )
        .by_departments(&[part.department()])
        .comment_required()
    }));
    actions.extend([
        Action::new(
            APPEAL,
            "申请积分复核",
            &[SCORED],
            &[APPEALED],
            &[Role::Citizen],
        )
        .comment_required(),
        Action::new(
            RE_REVIEW,
            "复核积分",
            &[APPEALED],
            &[SCORED],
            &[Role::Reviewer],
        )
        .comment_required(),
        Action::new(
            CHOOSE_SCHOOLS,
            "填报志愿",
            &[SCORED],
            &[AWAITING_PLACEMENT],
            &[Role::Citizen],
        ),
        Action::new(
            PLACE,
            "录取",
            &[AWAITING_PLACEMENT],
            &[ADMITTED, NOT_ADMITTED],
            &[Role::Reviewer],
        ),
    ]);
    Workflow {
        initial: SUBMITTED.to_owned(),
        states: vec![
            State::working(SUBMITTED, "已提交", None),
            State::working(UNDER_REVIEW, "积分审核中", Some(5)),
            State::waiting_on_applicant(SCORED, "积分已确定，待填报志愿"),
            State::working(APPEALED, "积分复核中", Some(5)),
            State::working(AWAITING_PLACEMENT, "待录取", None),
            State::terminal(ADMITTED, "已录取"),
            State::terminal(NOT_ADMITTED, "未录取"),
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

    fn schema() -> jsonschema::Validator {
        jsonschema::draft202012::new(&form_schema()).expect("the form schema compiles")
    }

    fn valid_form() -> serde_json::Value {
        json!({"child_name": "张小明", "stage": "primary", "scoring_parent": "applicant"})
    }

    #[test]
    fn the_catalog_entry_belongs_to_the_education_bureau_and_is_free() {
        let info = info();
        assert_eq!((info.code.as_str(), info.version.as_str()), (CODE, "1.0.0"));
        assert_eq!(info.department, DEPARTMENT);
        assert!(info.promised_days <= info.statutory_days);
        assert!(info.fees.is_empty());
        assert!(info.summary.contains("2017年版"));
    }

    #[test]
    fn each_part_is_reviewed_by_its_own_department_with_a_reason() {
        let workflow = workflow();
        for part in Part::ALL {
            let action = workflow
                .actions
                .iter()
                .find(|a| a.name == part.action())
                .unwrap();
            assert_eq!(action.departments, [part.department()]);
            assert!(action.comment_required);
            assert_eq!(action.to, [state::UNDER_REVIEW, state::SCORED]);
        }
    }

    #[test]
    fn the_schema_accepts_the_three_fields_and_nothing_else() {
        let schema = schema();
        assert!(schema.is_valid(&valid_form()));
        for (field, value) in [
            ("child_name", json!("")),
            ("stage", json!("senior")),
            ("scoring_parent", json!("grandparent")),
            ("parent_id_number", json!("441900199001011234")),
        ] {
            let mut form = valid_form();
            form[field] = value.clone();
            assert!(!schema.is_valid(&form), "{field} = {value}");
        }
        assert_eq!(
            yiwang_sdk::form::schema_problems(&form_schema()),
            Vec::<String>::new()
        );
    }
}
