//! The item's own checks, before any upload: the host's catalog rules and the form's titles.

use super::*;

#[test]
fn the_host_would_take_the_catalog_entry() {
    yiwang_sdk::testing::assert_catalog_sound(&Hello::info());
}

#[test]
fn every_field_has_a_chinese_title_and_is_required() {
    let schema = serde_json::from_str(include_str!("form.json")).unwrap();
    assert!(yiwang_sdk::form::schema_problems(&schema).is_empty());
}
