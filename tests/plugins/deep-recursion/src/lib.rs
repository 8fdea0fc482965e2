//! Hostile test item `deep-recursion`: `submit` recurses without bound until the wasm call
//! stack is exhausted (a stack overflow).
//! Used by the host's black-box tests; everything else behaves, so the item fails for one
//! reason only.

use yiwang_sdk::Accepted;

yiwang_test_support::test_item! {
    describe: {
        yiwang_test_support::describe(
            "deep-recursion",
            "测试事项：无限递归",
            env!("CARGO_PKG_VERSION"),
        )
    },
    submit(_ctx, _applicant, _form) {
        Ok(Accepted {
            derived: depth(0).to_string(),
            then: None,
        })
    }
}

/// One frame per level, forever: the work after the call keeps it from being a tail call, and
/// `black_box` keeps the optimizer from proving the recursion endless or turning it into a loop.
#[inline(never)]
fn depth(level: u64) -> u64 {
    if std::hint::black_box(level) == u64::MAX {
        return 0;
    }
    let below = depth(level + 1);
    std::hint::black_box(below.wrapping_mul(31).wrapping_add(level))
}
