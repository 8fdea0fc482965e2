//! `yiwang:service/registries`: read-only lookups in datasets other departments share. Sees only
//! the datasets the item was granted; every lookup, found or not, goes to the data-use ledger.

use wasmtime::component::HasData;

use super::{Call, Capabilities, Failure, HostResult, check_len, finish};
use crate::domain::effects::DataUse;
use crate::runtime::bindings::yiwang::service::registries;

const INTERFACE: &str = "registries";
const MAX_KEY_BYTES: usize = 256;
/// The purpose is shown to the citizen in the ledger, so it is a sentence, not a document.
const MAX_PURPOSE_CHARS: usize = 200;

pub struct Registries;

impl HasData for Registries {
    type Data<'a> = RegistriesCtx<'a>;
}

pub struct RegistriesCtx<'a> {
    datasets: &'a [String],
    call: &'a mut Call,
}

pub fn view(caps: &mut Capabilities) -> RegistriesCtx<'_> {
    RegistriesCtx { datasets: &caps.grants.registries, call: &mut caps.call }
}

impl RegistriesCtx<'_> {
    async fn lookup(&mut self, dataset: String, key: String, purpose: String) -> Result<Option<String>, Failure> {
        self.call.enter(INTERFACE, "lookup")?;
        if !self.datasets.contains(&dataset) {
            return Err(self.call.deny(INTERFACE, format!("dataset {dataset}")));
        }
        check_len("key", &key, 1, MAX_KEY_BYTES, false)?;
        check_len("purpose", purpose.trim(), 1, MAX_PURPOSE_CHARS, true)?;
        let record = match self.call.host.registry_lookup(&dataset, &key).await {
            Ok(record) => record,
            Err(e) => return Err(self.call.host_failed(INTERFACE, e)),
        };
        self.call.effects.data_uses.push(DataUse {
            dataset,
            key,
            subject_id: record.as_ref().and_then(|r| r.subject_id.clone()),
            purpose,
            found: record.is_some(),
        });
        Ok(record.map(|r| r.data))
    }
}

impl registries::Host for RegistriesCtx<'_> {
    async fn lookup(&mut self, dataset: String, key: String, purpose: String) -> HostResult<Option<String>> {
        finish(RegistriesCtx::lookup(self, dataset, key, purpose).await)
    }
}
