//! Guest-side bindings for `yiwang:service@0.1.0`, for department developers writing service items.
//!
//! An item implements [`Guest`] and calls `yiwang_sdk::export!(MyItem);`. Beside the generated
//! bindings this crate holds the small helpers every item would otherwise rewrite: constructors for
//! catalog records ([`catalog`]), field and host errors ([`error`]), typed JSON forms ([`form`]),
//! typed registry look-ups ([`registry`]), calendar dates ([`date`]) and months ([`month`]).
//!
//! This crate knows only the WIT package; it never sees the host. Everything here also compiles
//! for the build machine, so an item's pure logic can be unit-tested with a plain `cargo test`
//! (calling a host interface outside a component panics).

wit_bindgen::generate!({
    path: "../v0.1.0",
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
pub mod month;
pub mod registry;

pub use exports::yiwang::service::item::Guest;
pub use yiwang::service::types::*;
pub use yiwang::service::{certificates, delivery, log, notify, records, registries};
