//! Hostile test item `ungranted-lookup`: `submit` looks up `household-registry`, a dataset it
//! was not granted (it has `vehicle-registry` only); the refusal comes back as the item-error
//! it is (contract 0.2.0), anything else as a field error naming what the host answered.
//! Used by the host's black-box tests; everything else behaves, so the item fails for one
//! reason only.

use yiwang_sdk::FieldError;
use yiwang_sdk::registries;
use yiwang_sdk::{ItemError, SubmitError};

yiwang_test_support::test_item! {
    describe: {
        yiwang_test_support::describe(
            "ungranted-lookup",
            "测试事项：越权查询",
            env!("CARGO_PKG_VERSION"),
        )
    },
    submit(_ctx, _applicant, _form) {
        let answer = registries::lookup("household-registry", "441900199001011234", "核验户籍信息");
        let error = match answer {
            // A refused host call is the item's failure, not the applicant's (contract 0.2.0).
            Err(refused) => return Err(SubmitError::Item(ItemError::host("registries.lookup", refused))),
            Ok(Some(record)) => FieldError::whole("read", record),
            Ok(None) => FieldError::whole("not-found", "户籍记录不存在"),
        };
        Err(vec![error].into())
    }
}
