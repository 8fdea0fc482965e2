//! Hostile test item `host-call-flood`: `submit` calls `log.write` in a tight loop forever, for the
//! per-call host-call limit.
//! Used by the host's black-box tests; everything else behaves, so the item fails for one
//! reason only.

use yiwang_sdk::log::{self, Level};
use yiwang_sdk::{
    Accepted, Actor, CallContext, CaseInfo, FieldError, Guest, ItemError, ItemInfo, Transition,
};

struct TestItem;

impl Guest for TestItem {
    fn describe() -> ItemInfo {
        yiwang_test_support::describe(
            "host-call-flood",
            "测试事项：宿主调用洪泛",
            env!("CARGO_PKG_VERSION"),
        )
    }

    fn submit(
        _ctx: CallContext,
        _applicant: Actor,
        _form: String,
    ) -> Result<Accepted, Vec<FieldError>> {
        let mut n: u64 = 0;
        loop {
            log::write(Level::Debug, "flood");
            n = std::hint::black_box(n.wrapping_add(1));
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
