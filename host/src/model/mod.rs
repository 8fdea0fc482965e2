//! The plain data every layer shares, and nothing else: who acts ([`actor`]), an item's catalog
//! entry and its rules ([`catalog`]) and the dialect its form schema is compiled in
//! ([`form_schema`]) (both from the `yiwang-catalog` crate), the host-side mirrors of the contract's records
//! ([`contract`]), what an item's call did ([`effects`]), a call to replay with what it should see and come to
//! ([`fixture`]), what an item may touch and use
//! ([`grants`]) and the port its host interfaces read through ([`host_data`]).
//!
//! This is the bottom room: it imports no other module of the host, and knows neither SQL, nor
//! wasmtime, nor HTTP. Storage, the capabilities and the runtime depend on it instead of on each
//! other or on the domain.

pub mod actor;
pub mod contract;
pub mod effects;
pub mod fixture;
pub mod grants;
pub mod host_data;

/// The catalog entry and its rules, and the form-schema dialect, live in the `yiwang-catalog`
/// crate so that the SDK's tests run the very rules the host runs.
pub use yiwang_catalog as catalog;
pub use yiwang_catalog::form_schema;
