//! Test item `scale-item-00000`: the smallest valid item on contract 0.2.0, for `cargo xtask
//! scale`. The run registers thousands of items without building thousands of crates: it copies
//! this component and replaces the bytes of [`CODE`] with another code of the same length
//! (`scale-item-00001` …). A component carries no checksum, so each copy is a valid component
//! with its own sha256 that describes its own item.
//!
//! The code must therefore appear in the component as one literal of exactly these bytes and be
//! used nowhere else in a form the replacement would miss (no formatting, no slicing).

use yiwang_sdk::{Accepted, Actor, CallContext, Item, ItemInfo, SubmitError};

/// The placeholder the scale run replaces: `scale-item-` and five digits.
pub const CODE: &str = "scale-item-00000";
const DEPARTMENT: &str = "scale-test-dept";

pub struct ScaleItem;

impl Item for ScaleItem {
    type Form = serde_json::Value;

    fn info() -> ItemInfo {
        yiwang_sdk::item_info!(CODE, "测试事项：规模测试", DEPARTMENT)
            .summary("平台规模测试用事项，不对外提供服务。")
            .legal_basis("平台规模测试，无设定依据")
            .audience("测试人员")
            .channels(&["web"])
            .days(5, 3)
            .form_schema(
                r#"{"type":"object","required":["note"],"properties":{"note":{"type":"string","minLength":1,"maxLength":200}}}"#,
            )
    }

    fn submit(_: &CallContext, _: &Actor, _: serde_json::Value) -> Result<Accepted, SubmitError> {
        Ok(Accepted::empty())
    }
}

yiwang_sdk::register_item!(ScaleItem);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_catalog_entry_is_sound_and_its_code_is_the_fixed_length_placeholder() {
        yiwang_sdk::testing::assert_catalog_sound(&ScaleItem::info());
        assert_eq!(CODE.len(), "scale-item-".len() + 5);
        assert_eq!(ScaleItem::info().code, CODE);
    }
}
