//! The port through which the host interfaces read what the platform holds (registries, an item's
//! records, certificates). Storage implements it; the capabilities see only this trait, never the
//! pool, so an item can read nothing its interfaces do not offer.

use futures::future::BoxFuture;

use crate::model::effects::{Certificate, RegistryRecord};

/// The reads the capabilities need, implemented by storage (and by an in-memory fake in benches).
pub trait HostData: Send + Sync + 'static {
    /// A record of a shared dataset by key.
    fn registry_lookup<'a>(
        &'a self,
        dataset: &'a str,
        key: &'a str,
    ) -> BoxFuture<'a, anyhow::Result<Option<RegistryRecord>>>;
    /// An item-scoped record.
    fn record_get<'a>(
        &'a self,
        item: &'a str,
        key: &'a str,
    ) -> BoxFuture<'a, anyhow::Result<Option<String>>>;
    /// Valid (not expired on `today`) certificates of `kind` held by `holder`.
    fn certificates_find<'a>(
        &'a self,
        kind: &'a str,
        holder: &'a str,
        today: &'a str,
    ) -> BoxFuture<'a, anyhow::Result<Vec<Certificate>>>;
    /// The certificate of `kind` already issued for a case, if any (issuing is idempotent per case).
    fn certificate_of_case<'a>(
        &'a self,
        case_number: &'a str,
        kind: &'a str,
    ) -> BoxFuture<'a, anyhow::Result<Option<Certificate>>>;
}
