//! Hostile test item `hostile-describe`: `describe` returns a catalog entry with a 2 MiB summary.
//! Used by the host's black-box tests; everything else behaves, so the item fails for one
//! reason only.

use yiwang_sdk::Accepted;

yiwang_test_support::test_item! {
    describe: {
        let mut info = yiwang_test_support::describe(
            "hostile-describe",
            "测试事项：超大目录条目",
            env!("CARGO_PKG_VERSION"),
        );
        info.summary = "办".repeat(std::hint::black_box(SUMMARY_BYTES / 3));
        info
    },
    submit(_ctx, _applicant, _form) {
        Ok(Accepted {
            derived: "{}".to_owned(),
            then: None,
        })
    }
}

/// Twice the default output limit, in three-byte characters.
const SUMMARY_BYTES: usize = 2 << 20;
