//! Hostile test item `ungranted-certificate`: `submit` looks up the applicant's `inspection-mark`
//! certificates, a kind it was not granted (it may read `business-license` only), and reports what
//! the host answered.
//! Used by the host's black-box tests; everything else behaves, so the item fails for one
//! reason only.

use yiwang_sdk::FieldError;
use yiwang_sdk::certificates;
use yiwang_sdk::{ItemError, SubmitError};

yiwang_test_support::test_item! {
    describe: {
        yiwang_test_support::describe(
            "ungranted-certificate",
            "测试事项：越权查询证照",
            env!("CARGO_PKG_VERSION"),
        )
    },
    submit(_ctx, applicant, _form) {
        let holder = applicant.id_number.unwrap_or_default();
        let error = match certificates::find("inspection-mark", &holder) {
            // A refused host call is the item's failure, not the applicant's (contract 0.2.0).
            Err(refused) => return Err(SubmitError::Item(ItemError::host("certificates.find", refused))),
            Ok(found) if found.is_empty() => FieldError::whole("not-found", "没有此类证照"),
            Ok(found) => FieldError::whole(
                "read",
                found.iter().map(|c| c.serial.as_str()).collect::<Vec<_>>().join("; "),
            ),
        };
        Err(vec![error].into())
    }
}
