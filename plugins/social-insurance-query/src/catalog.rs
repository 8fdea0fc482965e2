//! The catalog entry (办事指南) of an information service: what the public catalog shows, the
//! schema of the query's input (there is no application form), and a workflow of one terminal
//! state with no actions, since no case is ever opened.

use serde_json::json;
use yiwang_sdk::catalog::owned;
use yiwang_sdk::{FieldError, ItemInfo, Labels, Material, State, Workflow};

pub const CODE: &str = "social-insurance-query";
pub const DEPARTMENT: &str = "dongguan-social-insurance";
pub const NAME: &str = "社会保险个人缴费记录查询";

/// The code `submit` refuses every application with.
pub const QUERY_ONLY: &str = "query-only";
/// The workflow's only state.
pub const NOT_APPLICABLE: &str = "not-applicable";

pub fn query_only() -> FieldError {
    FieldError::whole(QUERY_ONLY, "本事项为查询服务，无需申请")
}

pub fn info() -> ItemInfo {
    ItemInfo {
        code: CODE.to_owned(),
        version: env!("CARGO_PKG_VERSION").to_owned(),
        name: NAME.to_owned(),
        department: DEPARTMENT.to_owned(),
        summary: "参保人登录后即可查询本人在东莞市的社会保险缴费记录：逐月列出缴费单位、缴费基数，\
                  以及养老、医疗、失业、工伤、生育五项保险的缴费状态（已缴费、欠费、未参保），\
                  并统计累计缴费月数和所查期间的已缴、欠费月数。可按起止年月筛选。只能查询本人记录，\
                  每次查询都会记入本人的数据使用记录。本事项为即时查询，无需申请、无需提交材料。"
            .to_owned(),
        legal_basis: owned(&[
            "《中华人民共和国社会保险法》第四条、第七十四条",
            "《社会保险个人权益记录管理办法》（人力资源和社会保障部令第14号）",
        ]),
        audience: "在东莞市参加社会保险的个人，经实名认证登录后查询本人记录。".to_owned(),
        materials: vec![Material::required(
            "居民身份证",
            "通过实名认证登录核验身份，无需另行提交。",
        )],
        // 即时办结: answered on the spot, there is no case to time.
        statutory_days: 0,
        promised_days: 0,
        fees: Vec::new(),
        channels: owned(&["web", "mobile", "wechat", "alipay"]),
        form_schema: input_schema().to_string(),
        workflow: workflow(),
        labels: Labels {
            certificates: Vec::new(),
            deliveries: Vec::new(),
        },
    }
}

/// The schema of the query's input, `{"id_number"?, "from"?, "to"?}`.
fn input_schema() -> serde_json::Value {
    let month = |title: &str, description: &str| {
        json!({
            "type": "string",
            "title": title,
            "description": description,
            "pattern": "^[0-9]{4}-(0[1-9]|1[0-2])$"
        })
    };
    json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": NAME,
        "description": "本事项为查询服务：以下为查询条件，均可不填。",
        "type": "object",
        "additionalProperties": false,
        "properties": {
            "id_number": {
                "type": "string",
                "title": "身份证号码",
                "description": "只能查询本人记录；不填即查询本人",
                "pattern": "^[0-9]{17}[0-9Xx]$"
            },
            "from": month("起始年月", "如 2025-01，不填则从最早的记录起"),
            "to": month("截止年月", "如 2025-12，不填则到最近的记录止")
        }
    })
}

fn workflow() -> Workflow {
    Workflow {
        initial: NOT_APPLICABLE.to_owned(),
        states: vec![State::terminal(NOT_APPLICABLE, "查询服务，无需办理")],
        actions: Vec::new(),
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
        jsonschema::draft202012::new(&input_schema()).expect("the input schema compiles")
    }

    #[test]
    fn the_catalog_entry_is_complete_free_and_immediate() {
        let info = info();
        assert_eq!((info.code.as_str(), info.version.as_str()), (CODE, "1.0.0"));
        assert_eq!(info.department, DEPARTMENT);
        assert_eq!((info.statutory_days, info.promised_days), (0, 0));
        assert!(info.fees.is_empty());
        assert_eq!(info.channels, ["web", "mobile", "wechat", "alipay"]);
        assert!(info.legal_basis[0].contains("第七十四条"));
    }

    #[test]
    fn the_workflow_is_one_terminal_state_with_no_way_in_or_out() {
        let workflow = workflow();
        assert_eq!(workflow.initial, NOT_APPLICABLE);
        assert_eq!(workflow.states.len(), 1);
        assert!(workflow.states[0].terminal);
        assert!(workflow.actions.is_empty());
    }

    #[test]
    fn every_application_is_refused_as_a_whole() {
        let refusal = query_only();
        assert_eq!(
            (refusal.field.as_str(), refusal.code.as_str()),
            ("", QUERY_ONLY)
        );
    }

    #[test]
    fn the_schema_accepts_any_combination_of_the_three_conditions() {
        let schema = schema();
        for input in [
            json!({}),
            json!({"id_number": "441900199001011234"}),
            json!({"id_number": "44190019900101123X", "from": "2025-01", "to": "2025-12"}),
            json!({"to": "2026-10"}),
        ] {
            assert!(schema.is_valid(&input), "{input}");
        }
    }

    #[test]
    fn the_schema_refuses_malformed_conditions_and_extra_fields() {
        let schema = schema();
        for input in [
            json!({"id_number": "4419001990010112"}),
            json!({"from": "2025-13"}),
            json!({"from": "2025-1"}),
            json!({"to": "2025-01-01"}),
            json!({"name": "张三"}),
        ] {
            assert!(!schema.is_valid(&input), "{input}");
        }
    }
}
