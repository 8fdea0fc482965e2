//! Hostile test item `panics`: `submit` panics with a known message (a trap).
//! Used by the host's black-box tests; everything else behaves, so the item fails for one
//! reason only.

yiwang_test_support::test_item! {
    describe: {
        yiwang_test_support::describe("panics", "测试事项：崩溃", env!("CARGO_PKG_VERSION"))
    },
    submit(_ctx, _applicant, _form) {
        panic!("{PANIC_MESSAGE}")
    }
}

/// What the panic says; the host keeps it (the last line of stderr) with the trap.
const PANIC_MESSAGE: &str = "hostile item panicked on purpose";
