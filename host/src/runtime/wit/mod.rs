//! The contract versions this host serves, one module each, in the manner of Zed's
//! `since_vX_Y_Z` modules: a version's module holds its `bindgen!`, the conversions between its
//! generated types and the model, the `Host` impls of its interfaces over the capabilities, and
//! its exports called in the model's terms. What every version shares is written once in
//! [`shared`] and expanded in each. Everything above this module sees only the model's types and
//! [`ItemPre`] / [`Item`], whichever version an item targets; a new version is a new module and
//! a new arm in each `match` below.

use wasmtime::Store;
use wasmtime::component::{InstancePre, Linker};

use super::store::StoreState;
use crate::capabilities::Capabilities;
use crate::model::actor::Actor;
use crate::model::catalog::{CatalogError, ItemInfo};
use crate::model::contract::{
    Accepted, CallContext, CaseView, ContractVersion, Decision, ItemError, SubmitError, Transition,
};

mod shared;
pub(crate) mod v0_1_0;
pub(crate) mod v0_2_0;

/// How the store's data hands out the capabilities, so the linker wiring does not need to know
/// the store's type.
pub(crate) trait HasCapabilities: Send + 'static {
    fn capabilities(&mut self) -> &mut Capabilities;
}

/// What `describe()` gave: the converted entry, or the `code@version` it claimed and why the
/// entry could not even be converted.
pub(crate) type Described = Result<ItemInfo, (String, CatalogError)>;

/// The export every item has, at the version it targets.
pub(crate) const ITEM_EXPORT_PREFIX: &str = "yiwang:service/item@";

/// Adds the host interfaces of every served version to `linker`; their names differ by version,
/// so they sit side by side. Wasmtime's linker matches semver-compatibly, so a component built
/// against a later 0.2.z links to the 0.2.0 definitions.
pub(crate) fn add_to_linker(linker: &mut Linker<StoreState>) -> wasmtime::Result<()> {
    v0_1_0::add_to_linker(linker)?;
    v0_2_0::add_to_linker(linker)
}

/// A component pre-instantiated against the bindings of the version it targets.
pub(crate) enum ItemPre {
    V0_1_0(v0_1_0::ServiceItemPre<StoreState>),
    V0_2_0(v0_2_0::ServiceItemPre<StoreState>),
}

/// A fresh instance of an item, ready for one call.
pub(crate) enum Item {
    V0_1_0(v0_1_0::ServiceItem),
    V0_2_0(v0_2_0::ServiceItem),
}

impl ItemPre {
    /// Checks the component's `item` export against the version's contract.
    pub(crate) fn new(
        contract: ContractVersion,
        pre: InstancePre<StoreState>,
    ) -> wasmtime::Result<ItemPre> {
        Ok(match contract {
            ContractVersion::V0_1_0 => ItemPre::V0_1_0(v0_1_0::ServiceItemPre::new(pre)?),
            ContractVersion::V0_2_0 => ItemPre::V0_2_0(v0_2_0::ServiceItemPre::new(pre)?),
        })
    }

    pub(crate) fn contract(&self) -> ContractVersion {
        match self {
            ItemPre::V0_1_0(_) => ContractVersion::V0_1_0,
            ItemPre::V0_2_0(_) => ContractVersion::V0_2_0,
        }
    }

    pub(crate) async fn instantiate(
        &self,
        store: &mut Store<StoreState>,
    ) -> wasmtime::Result<Item> {
        Ok(match self {
            ItemPre::V0_1_0(pre) => Item::V0_1_0(pre.instantiate_async(store).await?),
            ItemPre::V0_2_0(pre) => Item::V0_2_0(pre.instantiate_async(store).await?),
        })
    }
}

impl Item {
    pub(crate) async fn describe(
        &self,
        store: &mut Store<StoreState>,
    ) -> wasmtime::Result<Described> {
        match self {
            Item::V0_1_0(item) => v0_1_0::describe(item, store).await,
            Item::V0_2_0(item) => v0_2_0::describe(item, store).await,
        }
    }

    pub(crate) async fn submit(
        &self,
        store: &mut Store<StoreState>,
        ctx: &CallContext,
        applicant: &Actor,
        form: &str,
    ) -> wasmtime::Result<Result<Accepted, SubmitError>> {
        match self {
            Item::V0_1_0(item) => v0_1_0::submit(item, store, ctx, applicant, form).await,
            Item::V0_2_0(item) => v0_2_0::submit(item, store, ctx, applicant, form).await,
        }
    }

    #[allow(clippy::too_many_arguments)] // the WIT function's parameters, one for one
    pub(crate) async fn on_action(
        &self,
        store: &mut Store<StoreState>,
        ctx: &CallContext,
        actor: &Actor,
        case: &CaseView,
        action: &str,
        comment: Option<&str>,
        input: &str,
    ) -> wasmtime::Result<Result<Transition, ItemError>> {
        match self {
            Item::V0_1_0(item) => {
                v0_1_0::on_action(item, store, ctx, actor, case, action, comment, input).await
            }
            Item::V0_2_0(item) => {
                v0_2_0::on_action(item, store, ctx, actor, case, action, comment, input).await
            }
        }
    }

    pub(crate) async fn query(
        &self,
        store: &mut Store<StoreState>,
        ctx: &CallContext,
        actor: &Actor,
        input: &str,
    ) -> wasmtime::Result<Result<String, ItemError>> {
        match self {
            Item::V0_1_0(item) => v0_1_0::query(item, store, ctx, actor, input).await,
            Item::V0_2_0(item) => v0_2_0::query(item, store, ctx, actor, input).await,
        }
    }

    #[allow(clippy::too_many_arguments)] // the WIT function's parameters, one for one
    pub(crate) async fn batch(
        &self,
        store: &mut Store<StoreState>,
        ctx: &CallContext,
        actor: &Actor,
        state: &str,
        cases: &[CaseView],
        input: &str,
    ) -> wasmtime::Result<Result<Vec<Decision>, ItemError>> {
        match self {
            Item::V0_1_0(item) => v0_1_0::batch(item, store, ctx, actor, state, cases, input).await,
            Item::V0_2_0(item) => v0_2_0::batch(item, store, ctx, actor, state, cases, input).await,
        }
    }
}
