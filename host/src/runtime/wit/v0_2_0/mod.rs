//! `yiwang:service@0.2.0`, world `service-item` (see `wit/CHANGELOG.md`): its one `bindgen!`,
//! the conversions between its generated types and the model ([`convert`]), its host
//! interfaces' `Host` impls over the capabilities ([`host`], the same as 0.1.0's), and its
//! exports called in the model's terms. `submit` refuses with a `submit-error`, `batch` is an
//! export of its own, and the catalog entry carries labels.

wasmtime::component::bindgen!({
    world: "service-item",
    path: "../wit/v0.2.0",
    // Host imports read through `HostData` (storage), so they are async; they may trap when a
    // call exceeds its host-call budget or the host's own data fails.
    imports: { default: async | trappable },
    exports: { default: async },
});

pub use yiwang::service::certificates::Certificate as WitCertificate;
pub use yiwang::service::delivery::Address as WitAddress;
pub use yiwang::service::log::Level as WitLevel;
pub use yiwang::service::types::{
    Accepted as WitAccepted, Actor as WitActor, CallContext as WitCallContext,
    CaseInfo as WitCaseInfo, Decision as WitDecision, FieldError as WitFieldError,
    HostError as WitHostError, ItemError as WitItemError, ItemInfo as WitItemInfo, Role as WitRole,
    SubmitError as WitSubmitError, Transition as WitTransition,
};

mod convert;
mod host;

pub(crate) use host::add_to_linker;

use wasmtime::Store;

use super::Described;
use crate::model::actor::Actor;
use crate::model::contract::{
    Accepted, CallContext, CaseView, Decision, ItemError, SubmitError, Transition,
};
use crate::runtime::store::StoreState;

crate::runtime::wit::shared::export_calls!();

/// `batch(ctx, actor, state, cases, input)`: the export of 0.2.0.
#[allow(clippy::too_many_arguments)] // the WIT function's parameters, one for one
pub(super) async fn batch(
    item: &ServiceItem,
    store: &mut Store<StoreState>,
    ctx: &CallContext,
    actor: &Actor,
    state: &str,
    cases: &[CaseView],
    input: &str,
) -> wasmtime::Result<Result<Vec<Decision>, ItemError>> {
    let cases: Vec<WitCaseInfo> = cases.iter().map(Into::into).collect();
    let result = item
        .yiwang_service_item()
        .call_batch(store, &ctx.into(), &actor.into(), state, &cases, input)
        .await?;
    Ok(result
        .map(|decisions| decisions.into_iter().map(Into::into).collect())
        .map_err(Into::into))
}
