//! Everything wasmtime: one engine per process, compiled artifacts cached on disk, an
//! `InstancePre` per loaded item version, a fresh store per call with the item's limits, and the
//! linker that wires the capabilities in. Only this room knows wasmtime; each contract version's
//! bindings live in [`wit`], one module per version.
//!
//! [`Runtime::load`] compiles (or maps the cached artifact), refuses ungranted or unknown imports,
//! pre-instantiates and checks `describe()`; [`Runtime::load_cached`] does the same for a stored
//! version from its artifact alone, with the catalog entry it was stored with; `submit`, `on_action`, `query` and `batch` each run on
//! a fresh instance of whichever contract version the item targets, and return a [`CallOutcome`]: the result, or a [`CallError`] naming the limit that was
//! hit, plus the [`Effects`](crate::model::effects::Effects) the call produced either way.

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use anyhow::Context;
use wasmtime::Engine;
use wasmtime::component::Linker;

use crate::capabilities::{CallScope, Capabilities, HostData};
use crate::model::actor::Actor;
use crate::model::contract::{
    Accepted, CallContext, CaseView, Decision, ItemError, SubmitError, Transition,
};

mod cache;
mod call;
mod engine;
mod imports;
mod load;
mod store;
mod wit;

pub use cache::{CacheCheck, check_artifact_cache};
pub use call::{CallError, CallOutcome, Function};
pub use engine::Metering;
pub use load::{LoadError, LoadedVersion};

use call::{GuestCall, invoke};
use store::StoreState;

/// The plugin host: loads item versions and calls them. Cheap to clone; dropping the last clone
/// stops its epoch ticker.
#[derive(Clone)]
pub struct Runtime {
    inner: Arc<RuntimeInner>,
}

struct RuntimeInner {
    engine: Engine,
    linker: Linker<StoreState>,
    cache: cache::ArtifactCache,
    host: Arc<dyn HostData>,
    /// Components compiled (not taken from the cache) by this runtime.
    compilations: AtomicU64,
    _ticker: engine::Ticker,
}

impl Runtime {
    pub fn new(cache_dir: PathBuf, host: Arc<dyn HostData>) -> anyhow::Result<Runtime> {
        Self::with_metering(cache_dir, host, Metering::Off)
    }

    /// A runtime whose calls also report the instructions they ran (`CallOutcome::fuel`), for the
    /// department's local runner. Its artifacts differ from the server's: give it its own cache.
    pub fn with_metering(
        cache_dir: PathBuf,
        host: Arc<dyn HostData>,
        metering: Metering,
    ) -> anyhow::Result<Runtime> {
        let engine = engine::new_engine_with(metering)?;
        let mut linker = Linker::new(&engine);
        wasmtime_wasi::p2::add_to_linker_async(&mut linker)
            .map_err(anyhow::Error::from)
            .context("linking WASI")?;
        wit::add_to_linker(&mut linker)
            .map_err(anyhow::Error::from)
            .context("linking the host interfaces")?;
        let cache = cache::ArtifactCache::new(cache_dir, &engine)?;
        let ticker = engine::Ticker::start(&engine)?;
        Ok(Runtime {
            inner: Arc::new(RuntimeInner {
                engine,
                linker,
                cache,
                host,
                compilations: AtomicU64::new(0),
                _ticker: ticker,
            }),
        })
    }

    /// How many components this runtime compiled rather than loaded from the artifact cache.
    pub fn compilations(&self) -> u64 {
        self.inner.compilations.load(Ordering::Relaxed)
    }

    /// `submit(ctx, applicant, form)`: validate and enrich a new application.
    pub async fn submit(
        &self,
        v: &LoadedVersion,
        ctx: CallContext,
        applicant: &Actor,
        form: &str,
    ) -> CallOutcome<Result<Accepted, SubmitError>> {
        let caps = self.capabilities(v, &ctx, Some(applicant));
        let (applicant, form) = (applicant.clone(), form.to_owned());
        let call: GuestCall<_> = Box::new(move |item, store| {
            Box::pin(async move { item.submit(store, &ctx, &applicant, &form).await })
        });
        invoke(&self.inner.engine, v.target(), Function::Submit, caps, call).await
    }

    /// `on-action(ctx, actor, case, action, comment, input)`: a step in a case's workflow. The
    /// case's applicant is whom certificates, notifications and deliveries are for.
    #[allow(clippy::too_many_arguments)] // the WIT function's parameters, one for one
    pub async fn on_action(
        &self,
        v: &LoadedVersion,
        ctx: CallContext,
        actor: &Actor,
        case: &CaseView,
        action: &str,
        comment: Option<&str>,
        input: &str,
    ) -> CallOutcome<Result<Transition, ItemError>> {
        let caps = self.capabilities(v, &ctx, Some(&case.applicant));
        let (actor, case) = (actor.clone(), case.clone());
        let (action, comment, input) = (
            action.to_owned(),
            comment.map(str::to_owned),
            input.to_owned(),
        );
        let call: GuestCall<_> = Box::new(move |item, store| {
            Box::pin(async move {
                item.on_action(
                    store,
                    &ctx,
                    &actor,
                    &case,
                    &action,
                    comment.as_deref(),
                    &input,
                )
                .await
            })
        });
        invoke(
            &self.inner.engine,
            v.target(),
            Function::OnAction,
            caps,
            call,
        )
        .await
    }

    /// `query(ctx, actor, input)`: an information service. There is no case, so the actor is
    /// whom the query concerns.
    pub async fn query(
        &self,
        v: &LoadedVersion,
        ctx: CallContext,
        actor: &Actor,
        input: &str,
    ) -> CallOutcome<Result<String, ItemError>> {
        let caps = self.capabilities(v, &ctx, Some(actor));
        let (actor, input) = (actor.clone(), input.to_owned());
        let call: GuestCall<_> = Box::new(move |item, store| {
            Box::pin(async move { item.query(store, &ctx, &actor, &input).await })
        });
        invoke(&self.inner.engine, v.target(), Function::Query, caps, call).await
    }

    /// `batch(ctx, actor, state, cases, input)`: a staff member's operation over many cases,
    /// answered with a decision per case (for a 0.1.0 item, through its `query`). There is no
    /// one case, so the actor is whom host calls concern.
    pub async fn batch(
        &self,
        v: &LoadedVersion,
        ctx: CallContext,
        actor: &Actor,
        state: &str,
        cases: Vec<CaseView>,
        input: &str,
    ) -> CallOutcome<Result<Vec<Decision>, ItemError>> {
        let caps = self.capabilities(v, &ctx, Some(actor));
        let (actor, state, input) = (actor.clone(), state.to_owned(), input.to_owned());
        let call: GuestCall<_> = Box::new(move |item, store| {
            Box::pin(async move {
                item.batch(store, &ctx, &actor, &state, &cases, &input)
                    .await
            })
        });
        invoke(&self.inner.engine, v.target(), Function::Batch, caps, call).await
    }

    fn capabilities(
        &self,
        v: &LoadedVersion,
        ctx: &CallContext,
        applicant: Option<&Actor>,
    ) -> Capabilities {
        let scope = CallScope {
            item: Arc::from(v.info.code.as_str()),
            version: Arc::from(v.info.version.as_str()),
            ctx: ctx.clone(),
            applicant: applicant.cloned(),
            max_host_calls: v.limits.host_calls,
        };
        Capabilities::new(v.shared_grants(), self.inner.host.clone(), scope)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // The HTTP handlers share the runtime across tasks and await its calls on a multi-threaded
    // executor: all of it must be `Send`, which only the compiler can check.
    #[allow(dead_code)]
    fn calls_can_cross_threads(
        rt: &Runtime,
        v: &LoadedVersion,
        actor: &Actor,
        ctx: CallContext,
        case: &CaseView,
    ) {
        fn send_sync<T: Send + Sync>(_: &T) {}
        fn send<T: Send>(_: T) {}
        send_sync(rt);
        send_sync(v);
        send(rt.load(b"", Default::default(), Default::default()));
        send(rt.submit(v, ctx.clone(), actor, "{}"));
        send(rt.on_action(v, ctx.clone(), actor, case, "approve", None, "{}"));
        send(rt.query(v, ctx.clone(), actor, "{}"));
        send(rt.batch(v, ctx, actor, "s", vec![case.clone()], "{}"));
    }
}
