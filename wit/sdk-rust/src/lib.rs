//! Write Yiwang service items in Rust, against the contract `yiwang:service@0.2.0`.
//!
//! Versioned like the contract, in the manner of Zed's `zed_extension_api`: `yiwang-sdk` 0.2.x
//! builds items for contract 0.2.0 (`wit/v0.2.0`, changes in `wit/CHANGELOG.md`); an item built
//! with 0.1 keeps working on every host that serves 0.1.0, and moves up when its department
//! chooses to.
//!
//! An item implements [`Item`] — only [`Item::info`] is required — and registers it. The minimal
//! item, a whole crate's `src/lib.rs`:
//!
//! ```
//! use yiwang_sdk::{Item, ItemInfo};
//!
//! struct Minimal;
//!
//! impl Item for Minimal {
//!     type Form = serde_json::Value;
//!
//!     fn info() -> ItemInfo {
//!         ItemInfo::builder("minimal-item", "1.0.0", "最小事项", "demo-dept")
//!             .legal_basis("《示例办法》")
//!     }
//! }
//!
//! yiwang_sdk::register_item!(Minimal);
//! ```
//!
//! Beside [`Item`] and [`register_item!`] this crate holds what every item would otherwise
//! rewrite: the catalog builder and record constructors ([`catalog`]), field, submit and host
//! errors ([`error`]), typed JSON forms ([`form`]), typed registry look-ups ([`registry`]),
//! [`notify_applicant`], calendar dates ([`date`]) and months ([`month`]); with the `testing`
//! feature, [`testing::assert_catalog_sound`] runs the host's own catalog rules in a unit test.
//!
//! This crate knows only the WIT package; it never sees the host. Everything here also compiles
//! for the build machine, so an item's pure logic can be unit-tested with a plain `cargo test`
//! (calling a host interface outside a component panics).

wit_bindgen::generate!({
    path: "../v0.2.0",
    world: "service-item",
    pub_export_macro: true,
    default_bindings_module: "yiwang_sdk",
    additional_derives: [PartialEq, Eq],
    generate_all,
});

pub mod catalog;
pub mod date;
pub mod error;
pub mod form;
pub mod item;
pub mod month;
pub mod registry;
#[cfg(feature = "testing")]
pub mod testing;

pub use exports::yiwang::service::item::Guest;
pub use item::{Item, notify_applicant};
pub use yiwang::service::types::*;
pub use yiwang::service::{certificates, delivery, log, notify, records, registries};
