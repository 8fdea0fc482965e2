//! The host data a fixture gives: its registry records, the item's records and the licence
//! library, held in memory in place of the database. One fixture at a time is current.

use std::sync::RwLock;

use futures::FutureExt;
use futures::future::BoxFuture;

use crate::model::effects::{Certificate, RegistryRecord};
use crate::model::fixture::Fixture;
use crate::model::host_data::HostData;

/// What `registries`, `records` and `certificates` read during a run: the current fixture's data.
#[derive(Default)]
pub struct MemoryHost {
    current: RwLock<Option<Fixture>>,
}

impl MemoryHost {
    /// The fixture whose data the next calls see.
    pub fn set(&self, fixture: &Fixture) {
        *self.current.write().expect("fixture lock") = Some(fixture.clone());
    }

    fn read<T>(&self, f: impl FnOnce(&Fixture) -> T) -> Option<T> {
        self.current.read().expect("fixture lock").as_ref().map(f)
    }
}

impl HostData for MemoryHost {
    fn registry_lookup<'a>(
        &'a self,
        dataset: &'a str,
        key: &'a str,
    ) -> BoxFuture<'a, anyhow::Result<Option<RegistryRecord>>> {
        let found = self
            .read(|f| {
                f.registries
                    .get(dataset)
                    .and_then(|records| records.get(key))
                    .map(|r| RegistryRecord {
                        subject_id: r.subject_id.clone(),
                        data: r.data.to_string(),
                    })
            })
            .flatten();
        async move { Ok(found) }.boxed()
    }

    fn record_get<'a>(
        &'a self,
        _item: &'a str,
        key: &'a str,
    ) -> BoxFuture<'a, anyhow::Result<Option<String>>> {
        let found = self.read(|f| f.records.get(key).cloned()).flatten();
        async move { Ok(found) }.boxed()
    }

    fn certificates_find<'a>(
        &'a self,
        kind: &'a str,
        holder: &'a str,
        today: &'a str,
    ) -> BoxFuture<'a, anyhow::Result<Vec<Certificate>>> {
        let found = self
            .read(|f| {
                f.certificates
                    .iter()
                    .filter(|c| c.kind == kind && c.holder == holder)
                    .filter(|c| c.valid_until.as_deref().is_none_or(|until| until >= today))
                    .cloned()
                    .collect()
            })
            .unwrap_or_default();
        async move { Ok(found) }.boxed()
    }

    fn certificate_of_case<'a>(
        &'a self,
        case_number: &'a str,
        kind: &'a str,
    ) -> BoxFuture<'a, anyhow::Result<Option<Certificate>>> {
        let found = self
            .read(|f| {
                f.certificates
                    .iter()
                    .find(|c| c.kind == kind && c.case_number.as_deref() == Some(case_number))
                    .cloned()
            })
            .flatten();
        async move { Ok(found) }.boxed()
    }
}
