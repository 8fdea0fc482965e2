//! Hostile test item `infinite-loop`: `submit` spins forever without a host call, for the CPU
//! limit (epoch deadline).
//! Used by the host's black-box tests; everything but `submit` behaves, so the item loads
//! and answers queries normally.

use yiwang_sdk::{
    Accepted, Actor, CallContext, CaseInfo, FieldError, Guest, ItemError, ItemInfo, Transition,
};

struct TestItem;

impl Guest for TestItem {
    fn describe() -> ItemInfo {
        yiwang_test_support::describe(
            "infinite-loop",
            "测试事项：死循环",
            env!("CARGO_PKG_VERSION"),
        )
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
        yiwang_test_support::on_action(&action)
    }

    fn query(_ctx: CallContext, _actor: Actor, _input: String) -> Result<String, ItemError> {
        yiwang_test_support::query()
    }
}

yiwang_sdk::export!(TestItem);
