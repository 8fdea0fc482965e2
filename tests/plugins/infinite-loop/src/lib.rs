//! Hostile test item `infinite-loop`: `submit` spins forever without a host call, for the CPU limit (epoch deadline).
//! Used by the host's black-box tests; everything but `submit` behaves, so the item loads and
//! answers queries normally.

use yiwang_sdk::{
    Accepted, Action, Actor, CallContext, CaseInfo, FieldError, Guest, ItemError, ItemInfo, Role,
    State, Transition, Workflow,
};

struct TestItem;

impl Guest for TestItem {
    fn describe() -> ItemInfo {
        ItemInfo {
            code: "infinite-loop".to_owned(),
            version: env!("CARGO_PKG_VERSION").to_owned(),
            name: "测试事项：死循环".to_owned(),
            department: "test-lab".to_owned(),
            summary: "宿主资源限制测试用事项，不对外提供服务。".to_owned(),
            legal_basis: Vec::new(),
            audience: "测试人员".to_owned(),
            materials: Vec::new(),
            statutory_days: 1,
            promised_days: 1,
            fees: Vec::new(),
            channels: vec!["web".to_owned()],
            form_schema: r#"{"type":"object"}"#.to_owned(),
            workflow: Workflow {
                initial: "submitted".to_owned(),
                states: vec![
                    State::working("submitted", "待答复", Some(1)),
                    State::terminal("answered", "已答复"),
                ],
                actions: vec![
                    Action::new(
                        "answer",
                        "答复",
                        &["submitted"],
                        &["answered"],
                        &[Role::Reviewer],
                    )
                    .comment_required(),
                ],
            },
        }
    }

    fn submit(
        _ctx: CallContext,
        _applicant: Actor,
        _form: String,
    ) -> Result<Accepted, Vec<FieldError>> {
        // black_box keeps the optimizer from proving the loop pointless and removing it.
        let mut turns: u64 = 0;
        loop {
            turns = std::hint::black_box(turns.wrapping_add(1));
        }
    }

    fn on_action(
        _ctx: CallContext,
        _actor: Actor,
        _case: CaseInfo,
        action: String,
        _comment: Option<String>,
        _input: String,
    ) -> Result<Transition, ItemError> {
        match action.as_str() {
            "answer" => Ok(Transition {
                to: "answered".to_owned(),
                derived: None,
                note: None,
            }),
            other => Err(ItemError::refused(format!("unknown action {other}"))),
        }
    }

    fn query(_ctx: CallContext, _actor: Actor, _input: String) -> Result<String, ItemError> {
        Ok(r#"{"ok":true}"#.to_owned())
    }
}

yiwang_sdk::export!(TestItem);
