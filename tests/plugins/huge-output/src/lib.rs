//! Hostile test item `huge-output`: `submit` accepts with 8 MiB of derived data, far more
//! than its output limit but well inside its memory limit.
//! Used by the host's black-box tests; everything else behaves, so the item fails for one
//! reason only.

use yiwang_sdk::Accepted;

yiwang_test_support::test_item! {
    describe: {
        yiwang_test_support::describe(
            "huge-output",
            "测试事项：超大返回值",
            env!("CARGO_PKG_VERSION"),
        )
    },
    submit(_ctx, _applicant, _form) {
        // A JSON string of 8 MiB, built at run time so nothing of it sits in the component.
        let mut derived = String::with_capacity(OUTPUT_BYTES + 16);
        derived.push_str("{\"pad\":\"");
        while derived.len() < OUTPUT_BYTES {
            derived.push_str(std::hint::black_box("0123456789abcdef"));
        }
        derived.push_str("\"}");
        Ok(Accepted {
            derived,
            then: None,
        })
    }
}

const OUTPUT_BYTES: usize = 8 << 20;
