//! Hostile test item `host-call-flood`: `submit` calls `log.write` in a tight loop forever, for the
//! per-call host-call limit.
//! Used by the host's black-box tests; everything else behaves, so the item fails for one
//! reason only.

use yiwang_sdk::log::{self, Level};

yiwang_test_support::test_item! {
    describe: {
        yiwang_test_support::describe(
            "host-call-flood",
            "测试事项：宿主调用洪泛",
            env!("CARGO_PKG_VERSION"),
        )
    },
    submit(_ctx, _applicant, _form) {
        let mut n: u64 = 0;
        loop {
            log::write(Level::Debug, "flood");
            n = std::hint::black_box(n.wrapping_add(1));
        }
    }
}
