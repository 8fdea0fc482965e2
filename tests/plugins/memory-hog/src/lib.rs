//! Hostile test item `memory-hog`: `submit` allocates and touches memory without bound, for the
//! memory limit.
//! Used by the host's black-box tests; everything but `submit` behaves, so the item loads
//! and answers queries normally.

use yiwang_sdk::{
    Accepted, Actor, CallContext, CaseInfo, FieldError, Guest, ItemError, ItemInfo, Transition,
};

struct TestItem;

impl Guest for TestItem {
    fn describe() -> ItemInfo {
        yiwang_test_support::describe(
            "memory-hog",
            "测试事项：内存耗尽",
            env!("CARGO_PKG_VERSION"),
        )
    }

    fn submit(
        _ctx: CallContext,
        _applicant: Actor,
        _form: String,
    ) -> Result<Accepted, Vec<FieldError>> {
        // Non-zero bytes, so every page is written, not just reserved; black_box keeps the hoard
        // alive as far as the optimizer can tell.
        let mut hoard: Vec<Vec<u8>> = Vec::new();
        loop {
            hoard.push(vec![0xA5; 1 << 20]);
            std::hint::black_box(&hoard);
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
