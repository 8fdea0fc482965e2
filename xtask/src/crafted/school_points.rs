//! The school points enrollment item's next points table: the same item built with
//! `YIWANG_POINTS_TABLE=2027` at a higher version, so the tests can publish it over the one in
//! `plugins.toml` and show that a case scored before keeps its own table.

use super::VariantSet;

pub const SET: VariantSet = VariantSet {
    package: "yiwang-item-school-points-enrollment",
    dir: "school-points-enrollment",
    env: ["YIWANG_POINTS_TABLE", "YIWANG_POINTS_VERSION"],
    plain: &["table-2017-1.0.0"],
    variants: &[("table-2027-1.1.0", "2027", "1.1.0")],
};
