//! Hostile test item `panics`: `submit` panics with a known message (a trap).
//! Used by the host's black-box tests; everything else behaves, so the item fails for one
//! reason only.

use yiwang_sdk::{
    Accepted, Actor, CallContext, CaseInfo, FieldError, Guest, ItemError, ItemInfo, Transition,
};

struct TestItem;

impl Guest for TestItem {
    fn describe() -> ItemInfo {
        yiwang_test_support::describe("panics", "测试事项：崩溃", env!("CARGO_PKG_VERSION"))
    }

    fn submit(
        _ctx: CallContext,
        _applicant: Actor,
        _form: String,
    ) -> Result<Accepted, Vec<FieldError>> {
        panic!("{PANIC_MESSAGE}")
    }

    fn on_action(
        _ctx: CallContext,
        _actor: Actor,
        _case: CaseInfo,
        action: String,
        _comment: Option<String>,
        _input: String,
    ) -> Result<Transition, ItemError> {
        yiwang_test_support::on_action(&action)
    }

    fn query(_ctx: CallContext, _actor: Actor, _input: String) -> Result<String, ItemError> {
        yiwang_test_support::query()
    }
}

/// What the panic says; the host keeps it (the last line of stderr) with the trap.
const PANIC_MESSAGE: &str = "hostile item panicked on purpose";

yiwang_sdk::export!(TestItem);
