//! Test item `crafted-item`: a small valid item, or that item broken in exactly one way, chosen
//! when it is built (`YIWANG_CRAFT`), so the upload checks of the host can each be shown to refuse
//! a real component for one reason only. `YIWANG_CRAFT_VERSION` sets the version it describes,
//! and `submit` answers it, so a test can tell which version served a request.
//!
//! `cargo xtask build` builds every variant; built without the variables it is `ok` at 1.0.0.
//!
//! It stays on contract 0.1.0, built straight from `wit/v0.1.0` with wit-bindgen as items were
//! before the SDK moved to 0.2.0, so the tests keep showing that a published 0.1.0 item, and
//! its cases, keep working beside 0.2.0 items.

wit_bindgen::generate!({
    path: "../../../wit/v0.1.0",
    world: "service-item",
});

use exports::yiwang::service::item::Guest;
use yiwang::service::types::{
    Accepted, Action, Actor, CallContext, CaseInfo, FieldError, ItemError, ItemInfo, Role, State,
    Transition, Workflow,
};

/// Which variant this build is: `ok`, `describe-trap`, `invalid-schema`, `unreachable-state`,
/// `undeclared-target`, `missing-field`, `nested-form` (valid, its form a nested object `c`
/// of a required integer `n` and a free `s`, for the web form's fieldsets), `backtracking-pattern`
/// and `not-lookahead` (a form pattern with a back-reference, or a look-ahead under `not`: the
/// host's pattern engine refuses both), or `patterned-form` (valid: up to 200 words checked by a
/// pattern each, and a code that must not start with `x`, the heaviest form the host takes).
const CRAFT: &str = match option_env!("YIWANG_CRAFT") {
    Some(craft) => craft,
    None => "ok",
};

const VERSION: &str = match option_env!("YIWANG_CRAFT_VERSION") {
    Some(version) => version,
    None => "1.0.0",
};

const CODE: &str = "crafted-item";
const DEPARTMENT: &str = "yiwang-test-dept";
const SUBMITTED: &str = "submitted";
const APPROVED: &str = "approved";
const APPROVE: &str = "approve";

struct Crafted;

impl Guest for Crafted {
    fn describe() -> ItemInfo {
        let mut info = sound();
        match CRAFT {
            "ok" => {}
            "describe-trap" => panic!("crafted item: describe traps on purpose"),
            "invalid-schema" => info.form_schema = r#"{"type": 12}"#.to_owned(),
            "unreachable-state" => info.workflow.states.push(state("orphaned", "无法到达", true)),
            "undeclared-target" => info.workflow.actions[0].to = owned(&["nowhere"]),
            "missing-field" => info.summary = String::new(),
            "nested-form" => {
                info.form_schema = r#"{"properties":{"c":{"type":"object","required":["n"],"properties":{"n":{"type":"integer"},"s":{}}}}}"#.to_owned()
            }
            "backtracking-pattern" => {
                info.form_schema = r#"{"type":"object","properties":{"words":{"type":"array","items":{"type":"string","pattern":"^(\\w+)-\\1$"}}}}"#.to_owned()
            }
            "not-lookahead" => {
                info.form_schema = r#"{"type":"object","properties":{"code":{"type":"string","not":{"pattern":"^(?!x)"}}}}"#.to_owned()
            }
            "patterned-form" => {
                info.form_schema = r#"{"type":"object","required":["words","code"],"properties":{"words":{"type":"array","maxItems":200,"items":{"type":"string","maxLength":29,"pattern":"^([a-z]+-)*[a-z]+$"}},"code":{"type":"string","maxLength":32,"not":{"pattern":"^x"}}}}"#.to_owned()
            }
            other => panic!("unknown YIWANG_CRAFT `{other}`"),
        }
        info
    }

    fn submit(
        _ctx: CallContext,
        _applicant: Actor,
        _form: String,
    ) -> Result<Accepted, Vec<FieldError>> {
        Ok(Accepted {
            derived: format!(r#"{{"version":"{VERSION}"}}"#),
            then: None,
        })
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
            APPROVE => Ok(Transition {
                to: APPROVED.to_owned(),
                derived: None,
                note: Some("已批准".to_owned()),
            }),
            other => Err(ItemError::Refused(format!("unknown action {other}"))),
        }
    }

    fn query(_ctx: CallContext, _actor: Actor, _input: String) -> Result<String, ItemError> {
        Ok(format!(r#"{{"version":"{VERSION}"}}"#))
    }
}

/// The valid catalog entry every variant starts from.
fn sound() -> ItemInfo {
    ItemInfo {
        code: CODE.to_owned(),
        version: VERSION.to_owned(),
        name: "测试事项：上传检查".to_owned(),
        department: DEPARTMENT.to_owned(),
        summary: "部门上传与发布测试用事项，不对外提供服务。".to_owned(),
        legal_basis: owned(&["平台上传检查测试，无设定依据"]),
        audience: "测试人员".to_owned(),
        materials: Vec::new(),
        statutory_days: 5,
        promised_days: 3,
        fees: Vec::new(),
        channels: owned(&["web"]),
        form_schema: r#"{"type":"object","required":["note"],"properties":{"note":{"type":"string","minLength":1,"maxLength":200}}}"#
            .to_owned(),
        workflow: Workflow {
            initial: SUBMITTED.to_owned(),
            states: vec![
                State {
                    sla_days: Some(3),
                    ..state(SUBMITTED, "待审核", false)
                },
                state(APPROVED, "已批准", true),
            ],
            actions: vec![Action {
                name: APPROVE.to_owned(),
                label: "批准".to_owned(),
                from: owned(&[SUBMITTED]),
                to: owned(&[APPROVED]),
                roles: vec![Role::Reviewer],
                departments: Vec::new(),
                comment_required: false,
            }],
        },
    }
}

fn state(name: &str, label: &str, terminal: bool) -> State {
    State {
        name: name.to_owned(),
        label: label.to_owned(),
        terminal,
        sla_days: None,
        waits_on_applicant: false,
    }
}

fn owned(items: &[&str]) -> Vec<String> {
    items.iter().map(|&item| item.to_owned()).collect()
}

export!(Crafted);
