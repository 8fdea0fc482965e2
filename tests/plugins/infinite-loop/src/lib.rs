//! Hostile test item `infinite-loop`: `submit` spins forever without a host call, for the CPU
//! limit (epoch deadline).
//! Used by the host's black-box tests; everything but `submit` behaves, so the item loads
//! and answers queries normally.

yiwang_test_support::test_item! {
    describe: {
        yiwang_test_support::describe(
            "infinite-loop",
            "测试事项：死循环",
            env!("CARGO_PKG_VERSION"),
        )
    },
    submit(_ctx, _applicant, _form) {
        // black_box keeps the optimizer from proving the loop pointless and removing it.
        let mut turns: u64 = 0;
        loop {
            turns = std::hint::black_box(turns.wrapping_add(1));
        }
    }
}
