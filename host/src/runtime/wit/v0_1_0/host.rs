//! The host interfaces of `yiwang:service@0.1.0` over the capabilities: each generated `Host`
//! trait is implemented on the capability's view by converting the arguments to the model's types,
//! calling the view, and turning its failure into the contract's `host-error` or a trap. The checks
//! themselves (grants, budgets, sizes) are the capabilities'; nothing is decided here.

use wasmtime::component::{HasData, HasSelf, Linker};

use super::yiwang::service::{certificates, delivery, log, notify, records, registries, types};
use super::{WitAddress, WitCertificate, WitHostError, WitLevel};
use crate::capabilities::{
    self, Capabilities, CertificatesCtx, DeliveryCtx, Failure, LogCtx, NotifyCtx, RecordsCtx,
    RegistriesCtx,
};

/// What a host function returns to bindgen: a trap (`Err`) or the WIT result.
type HostResult<T> = wasmtime::Result<Result<T, WitHostError>>;

fn finish<T, U: From<T>>(result: Result<T, Failure>) -> HostResult<U> {
    match result {
        Ok(value) => Ok(Ok(value.into())),
        Err(Failure::Refused(e)) => Ok(Err(e.into())),
        Err(Failure::Trap(trap)) => Err(wasmtime::Error::new(trap)),
    }
}

/// How the store's data hands out the capabilities, so the linker wiring does not need to know
/// the store's type.
pub(crate) trait HasCapabilities: Send + 'static {
    fn capabilities(&mut self) -> &mut Capabilities;
}

/// Adds every `yiwang:service@0.1.0` host interface to `linker`. Whether a component may import
/// one is decided at load (by its grant); each call is checked again against the grant.
pub(crate) fn add_to_linker<T: HasCapabilities>(linker: &mut Linker<T>) -> wasmtime::Result<()> {
    // `types` has no functions, but components import it for its types.
    types::add_to_linker::<T, HasSelf<Capabilities>>(linker, T::capabilities)?;
    records::add_to_linker::<T, Records>(linker, |t| {
        capabilities::records::view(t.capabilities())
    })?;
    registries::add_to_linker::<T, Registries>(linker, |t| {
        capabilities::registries::view(t.capabilities())
    })?;
    certificates::add_to_linker::<T, Certificates>(linker, |t| {
        capabilities::certificates::view(t.capabilities())
    })?;
    notify::add_to_linker::<T, Notify>(linker, |t| capabilities::notify::view(t.capabilities()))?;
    delivery::add_to_linker::<T, Delivery>(linker, |t| {
        capabilities::delivery::view(t.capabilities())
    })?;
    log::add_to_linker::<T, Log>(linker, |t| capabilities::log::view(t.capabilities()))?;
    Ok(())
}

impl types::Host for Capabilities {}

/// Marks an interface for `add_to_linker`: its host data is the capability's view.
macro_rules! interface {
    ($($marker:ident => $ctx:ident),* $(,)?) => {
        $(
            struct $marker;

            impl HasData for $marker {
                type Data<'a> = $ctx<'a>;
            }
        )*
    };
}

interface! {
    Records => RecordsCtx,
    Registries => RegistriesCtx,
    Certificates => CertificatesCtx,
    Notify => NotifyCtx,
    Delivery => DeliveryCtx,
    Log => LogCtx,
}

impl records::Host for RecordsCtx<'_> {
    async fn get(&mut self, key: String) -> HostResult<Option<String>> {
        finish(RecordsCtx::get(self, key).await)
    }

    async fn set(&mut self, key: String, value: String) -> HostResult<()> {
        finish(RecordsCtx::set(self, key, value))
    }

    async fn delete(&mut self, key: String) -> HostResult<()> {
        finish(RecordsCtx::delete(self, key))
    }
}

impl registries::Host for RegistriesCtx<'_> {
    async fn lookup(
        &mut self,
        dataset: String,
        key: String,
        purpose: String,
    ) -> HostResult<Option<String>> {
        finish(RegistriesCtx::lookup(self, dataset, key, purpose).await)
    }
}

impl certificates::Host for CertificatesCtx<'_> {
    async fn issue(
        &mut self,
        kind: String,
        data: String,
        valid_days: Option<u32>,
    ) -> HostResult<WitCertificate> {
        finish(CertificatesCtx::issue(self, kind, data, valid_days).await)
    }

    async fn find(&mut self, kind: String, holder: String) -> HostResult<Vec<WitCertificate>> {
        let found = CertificatesCtx::find(self, kind, holder).await;
        finish(found.map(|list| {
            list.into_iter()
                .map(WitCertificate::from)
                .collect::<Vec<_>>()
        }))
    }
}

impl notify::Host for NotifyCtx<'_> {
    async fn send(&mut self, subject: String, body: String) -> HostResult<()> {
        finish(NotifyCtx::send(self, subject, body))
    }
}

impl delivery::Host for DeliveryCtx<'_> {
    async fn request_pickup(
        &mut self,
        from: WitAddress,
        contents: Vec<String>,
    ) -> HostResult<String> {
        finish(DeliveryCtx::request_pickup(self, from.into(), contents))
    }

    async fn request_shipment(
        &mut self,
        to: WitAddress,
        contents: Vec<String>,
    ) -> HostResult<String> {
        finish(DeliveryCtx::request_shipment(self, to.into(), contents))
    }
}

impl log::Host for LogCtx<'_> {
    async fn write(&mut self, level: WitLevel, message: String) -> wasmtime::Result<()> {
        LogCtx::write(self, level.into(), &message).map_err(wasmtime::Error::new)
    }
}
