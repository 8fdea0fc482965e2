//! `yiwang:service@0.1.0`, world `service-item`: its one `bindgen!`, the conversions between its
//! generated types and the model ([`convert`]), and its host interfaces' `Host` impls over the
//! capabilities ([`host`]). Released: the WIT text never changes, and neither does what this
//! module offers an item; a new contract version gets a module of its own beside it.

wasmtime::component::bindgen!({
    world: "service-item",
    path: "../wit/v0.1.0",
    // Host imports read through `HostData` (storage), so they are async; they may trap when a
    // call exceeds its host-call budget or the host's own data fails.
    imports: { default: async | trappable },
    exports: { default: async },
});

pub use exports::yiwang::service::item::Guest as ItemExports;
pub use yiwang::service::certificates::Certificate as WitCertificate;
pub use yiwang::service::delivery::Address as WitAddress;
pub use yiwang::service::log::Level as WitLevel;
pub use yiwang::service::types::{
    Accepted as WitAccepted, Actor as WitActor, CallContext as WitCallContext,
    CaseInfo as WitCaseInfo, FieldError as WitFieldError, HostError as WitHostError,
    ItemError as WitItemError, ItemInfo as WitItemInfo, Role as WitRole,
    Transition as WitTransition,
};

mod convert;
mod host;

pub use convert::item_info;
pub(crate) use host::{HasCapabilities, add_to_linker};
