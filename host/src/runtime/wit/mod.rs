//! The contract versions this host serves, one module each, in the manner of Zed's
//! `since_vX_Y_Z` modules: a version's module holds its `bindgen!`, the conversions between its
//! generated types and the model, and the `Host` impls of its interfaces over the capabilities.
//! Everything above the runtime sees only the model's types, whichever version an item targets.

pub(crate) mod v0_1_0;
