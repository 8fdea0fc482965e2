//! Storage as the capabilities see it: the reads behind `registries`, `records` and
//! `certificates`, and nothing else.

use futures::FutureExt;
use futures::future::BoxFuture;

use super::Storage;
use crate::model::effects::{Certificate, RegistryRecord};
use crate::model::host_data::HostData;

impl HostData for Storage {
    fn registry_lookup<'a>(
        &'a self,
        dataset: &'a str,
        key: &'a str,
    ) -> BoxFuture<'a, anyhow::Result<Option<RegistryRecord>>> {
        self.registry_record(dataset, key).boxed()
    }

    fn record_get<'a>(
        &'a self,
        item: &'a str,
        key: &'a str,
    ) -> BoxFuture<'a, anyhow::Result<Option<String>>> {
        self.record_value(item, key).boxed()
    }

    fn certificates_find<'a>(
        &'a self,
        kind: &'a str,
        holder: &'a str,
        today: &'a str,
    ) -> BoxFuture<'a, anyhow::Result<Vec<Certificate>>> {
        self.certificates_of_holder(holder, Some((kind, today)))
            .boxed()
    }

    fn certificate_of_case<'a>(
        &'a self,
        case_number: &'a str,
        kind: &'a str,
    ) -> BoxFuture<'a, anyhow::Result<Option<Certificate>>> {
        Storage::certificate_of_case(self, case_number, kind).boxed()
    }
}
