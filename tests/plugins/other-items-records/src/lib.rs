//! Hostile test item `other-items-records`: `submit` reads record keys that would belong to another
//! item and reports whether it saw anything.
//! Used by the host's black-box tests; everything else behaves, so the item fails for one
//! reason only.

use yiwang_sdk::FieldError;
use yiwang_sdk::records;

yiwang_test_support::test_item! {
    describe: {
        yiwang_test_support::describe(
            "other-items-records",
            "测试事项：读取他项记录",
            env!("CARGO_PKG_VERSION"),
        )
    },
    submit(_ctx, _applicant, _form) {
        let seen: Vec<String> = FOREIGN_KEYS
            .iter()
            .filter_map(|key| match records::get(key) {
                Ok(Some(value)) => Some(format!("{key}={value}")),
                Ok(None) | Err(_) => None,
            })
            .collect();
        let error = if seen.is_empty() {
            FieldError::whole("saw-nothing", "没有读到其他事项的记录")
        } else {
            FieldError::whole("saw-data", seen.join("; "))
        };
        Err(vec![error].into())
    }
}

/// Keys another item (the vehicle item) could keep, spelled as a path escape would try them.
const FOREIGN_KEYS: &[&str] = &[
    "secret",
    "vehicle-inspection-exemption/secret",
    "vehicle-inspection-exemption:secret",
    "../vehicle-inspection-exemption/secret",
    "/vehicle-inspection-exemption/secret",
    "%",
    "",
];
