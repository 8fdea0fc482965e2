//! Hostile test item `invalid-schema`: `describe` returns a catalog entry whose form schema is
//! JSON but not JSON Schema (a field of type `text`, which JSON Schema does not have).
//! Used by the host's black-box tests; everything else behaves, so the item fails for one
//! reason only.

use yiwang_sdk::Accepted;

yiwang_test_support::test_item! {
    describe: {
        let mut info = yiwang_test_support::describe(
            "invalid-schema",
            "测试事项：无效表单定义",
            env!("CARGO_PKG_VERSION"),
        );
        info.form_schema =
            r#"{"type":"object","properties":{"name":{"type":"text"}},"required":["name"]}"#
                .to_owned();
        info
    },
    submit(_ctx, _applicant, _form) {
        Ok(Accepted {
            derived: "{}".to_owned(),
            then: None,
        })
    }
}
