//! The plain data every layer shares, and nothing else: who acts ([`actor`]), an item's catalog
//! entry and its rules ([`catalog`]), the dialect its form schema is compiled in ([`form_schema`]), the host-side mirrors of the contract's records
//! ([`contract`]), what an item's call did ([`effects`]), what an item may touch and use
//! ([`grants`]) and the port its host interfaces read through ([`host_data`]).
//!
//! This is the bottom room: it imports no other module of the host, and knows neither SQL, nor
//! wasmtime, nor HTTP. Storage, the capabilities and the runtime depend on it instead of on each
//! other or on the domain.

pub mod actor;
pub mod catalog;
pub mod contract;
pub mod effects;
pub mod form_schema;
pub mod grants;
pub mod host_data;
