//! What the hostile test items share: a valid catalog entry of department `test-lab` with a
//! two-state workflow, and an `on-action`/`query` that behave. Each hostile item misbehaves in
//! exactly one place and takes everything else from here, so its test fails for one reason only.

use yiwang_sdk::{Action, ItemError, ItemInfo, Labels, Role, State, Transition, Workflow};

/// A valid catalog entry for the test item `code`.
pub fn describe(code: &str, name: &str, version: &str) -> ItemInfo {
    ItemInfo {
        code: code.to_owned(),
        version: version.to_owned(),
        name: name.to_owned(),
        department: "test-lab".to_owned(),
        summary: "宿主资源限制测试用事项，不对外提供服务。".to_owned(),
        legal_basis: vec!["平台隔离测试，无设定依据".to_owned()],
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
        labels: Labels {
            certificates: Vec::new(),
            deliveries: Vec::new(),
        },
    }
}

/// `answer` moves the case to `answered`; anything else is refused.
pub fn on_action(action: &str) -> Result<Transition, ItemError> {
    match action {
        "answer" => Ok(Transition {
            to: "answered".to_owned(),
            derived: None,
            note: None,
        }),
        other => Err(ItemError::refused(format!("unknown action {other}"))),
    }
}

/// A constant answer.
pub fn query() -> Result<String, ItemError> {
    Ok(r#"{"ok":true}"#.to_owned())
}

/// Declares and exports a test item (contract 0.2.0) from its `describe` and `submit`;
/// `on-action`, `query` and `batch` come from this crate. A hostile item then states only how it misbehaves.
#[macro_export]
macro_rules! test_item {
    (describe: $describe:expr, submit($ctx:pat, $applicant:pat, $form:pat) $submit:block) => {
        struct TestItem;

        impl ::yiwang_sdk::Guest for TestItem {
            fn describe() -> ::yiwang_sdk::ItemInfo {
                $describe
            }

            fn submit(
                $ctx: ::yiwang_sdk::CallContext,
                $applicant: ::yiwang_sdk::Actor,
                $form: String,
            ) -> Result<::yiwang_sdk::Accepted, ::yiwang_sdk::SubmitError> $submit

            fn on_action(
                _ctx: ::yiwang_sdk::CallContext,
                _actor: ::yiwang_sdk::Actor,
                _case: ::yiwang_sdk::CaseInfo,
                action: String,
                _comment: Option<String>,
                _input: String,
            ) -> Result<::yiwang_sdk::Transition, ::yiwang_sdk::ItemError> {
                $crate::on_action(&action)
            }

            fn query(
                _ctx: ::yiwang_sdk::CallContext,
                _actor: ::yiwang_sdk::Actor,
                _input: String,
            ) -> Result<String, ::yiwang_sdk::ItemError> {
                $crate::query()
            }

            fn batch(
                _ctx: ::yiwang_sdk::CallContext,
                _actor: ::yiwang_sdk::Actor,
                _state: String,
                _cases: Vec<::yiwang_sdk::CaseInfo>,
                _input: String,
            ) -> Result<Vec<::yiwang_sdk::Decision>, ::yiwang_sdk::ItemError> {
                Err(::yiwang_sdk::ItemError::refused("no batch"))
            }
        }

        ::yiwang_sdk::export!(TestItem);
    };
}
