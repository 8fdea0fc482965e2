//! Hostile test item `memory-hog`: `submit` allocates and touches memory without bound, for the
//! memory limit.
//! Used by the host's black-box tests; everything but `submit` behaves, so the item loads
//! and answers queries normally.

yiwang_test_support::test_item! {
    describe: {
        yiwang_test_support::describe(
            "memory-hog",
            "测试事项：内存耗尽",
            env!("CARGO_PKG_VERSION"),
        )
    },
    submit(_ctx, _applicant, _form) {
        // Non-zero bytes, so every page is written, not just reserved; black_box keeps the hoard
        // alive as far as the optimizer can tell.
        let mut hoard: Vec<Vec<u8>> = Vec::new();
        loop {
            hoard.push(vec![0xA5; 1 << 20]);
            std::hint::black_box(&hoard);
        }
    }
}
