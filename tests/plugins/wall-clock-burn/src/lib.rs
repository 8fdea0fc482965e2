//! Hostile test item `wall-clock-burn`: `submit` reads a record through `records.get` in a loop
//! forever, so its call spends its wall-clock budget waiting on the host, not on the CPU, and must
//! end on its wall-clock limit with `timeout`.
//! Used by the host's black-box tests; everything else behaves, so the item fails for one
//! reason only.

use yiwang_sdk::records;

yiwang_test_support::test_item! {
    describe: {
        yiwang_test_support::describe(
            "wall-clock-burn",
            "测试事项：宿主调用耗尽时限",
            env!("CARGO_PKG_VERSION"),
        )
    },
    submit(_ctx, _applicant, _form) {
        // Every read is a round trip to the database; the guest itself does next to nothing.
        loop {
            std::hint::black_box(records::get("wall-clock-burn").ok());
        }
    }
}
