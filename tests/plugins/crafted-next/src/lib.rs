//! Test item `crafted-item` at 2.0.0 on contract 0.2.0, written on the SDK's `Item` trait: the
//! next version of the crafted 0.1.0 item (`tests/plugins/crafted`), with the same workflow, so
//! a test can publish it over the 0.1.0 version and work a case submitted under 0.1.0 to its end.
//! `submit` answers the version and contract that served it; `approve` is the SDK's default
//! action (the action's only target state). It imports no host interface, so it needs no grant.

use serde_json::json;
use yiwang_sdk::{
    Accepted, Action, Actor, CallContext, Item, ItemInfo, Role, State, SubmitError, Workflow,
};

const SUBMITTED: &str = "submitted";
const APPROVED: &str = "approved";

struct CraftedNext;

impl Item for CraftedNext {
    type Form = serde_json::Value;

    fn info() -> ItemInfo {
        ItemInfo::builder(
            "crafted-item",
            env!("CARGO_PKG_VERSION"),
            "测试事项：上传检查",
            "yiwang-test-dept",
        )
        .summary("部门上传与发布测试用事项，不对外提供服务。")
        .legal_basis("平台上传检查测试，无设定依据")
        .audience("测试人员")
        .channels(&["web"])
        .days(5, 3)
        .form_schema(r#"{"type":"object","properties":{"note":{"type":"string","maxLength":200}}}"#)
        .workflow(Workflow {
            initial: SUBMITTED.to_owned(),
            states: vec![
                State::working(SUBMITTED, "待审核", Some(3)),
                State::terminal(APPROVED, "已批准"),
            ],
            actions: vec![Action::new(
                "approve",
                "批准",
                &[SUBMITTED],
                &[APPROVED],
                &[Role::Reviewer],
            )],
        })
        .certificate_label("crafted-licence", "测试证照")
    }

    fn submit(_: &CallContext, _: &Actor, _: Self::Form) -> Result<Accepted, SubmitError> {
        let derived = json!({"version": env!("CARGO_PKG_VERSION"), "contract": "0.2.0"});
        Ok(Accepted {
            derived: derived.to_string(),
            then: None,
        })
    }
}

yiwang_sdk::register_item!(CraftedNext);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_catalog_entry_is_sound() {
        yiwang_sdk::testing::assert_catalog_sound(&CraftedNext::info());
    }
}
