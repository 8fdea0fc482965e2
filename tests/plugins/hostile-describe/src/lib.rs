//! Hostile test item `hostile-describe`: `describe` returns a catalog entry with a 2 MiB summary.
//! Used by the host's black-box tests; everything else behaves, so the item fails for one
//! reason only.

use yiwang_sdk::{
    Accepted, Actor, CallContext, CaseInfo, FieldError, Guest, ItemError, ItemInfo, Transition,
};

struct TestItem;

impl Guest for TestItem {
    fn describe() -> ItemInfo {
        let mut info = yiwang_test_support::describe(
            "hostile-describe",
            "测试事项：超大目录条目",
            env!("CARGO_PKG_VERSION"),
        );
        info.summary = "办".repeat(std::hint::black_box(SUMMARY_BYTES / 3));
        info
    }

    fn submit(
        _ctx: CallContext,
        _applicant: Actor,
        _form: String,
    ) -> Result<Accepted, Vec<FieldError>> {
        Ok(Accepted {
            derived: "{}".to_owned(),
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
        yiwang_test_support::on_action(&action)
    }

    fn query(_ctx: CallContext, _actor: Actor, _input: String) -> Result<String, ItemError> {
        yiwang_test_support::query()
    }
}

/// Twice the default output limit, in three-byte characters.
const SUMMARY_BYTES: usize = 2 << 20;

yiwang_sdk::export!(TestItem);
