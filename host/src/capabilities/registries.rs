//! `yiwang:service/registries`: read-only lookups in datasets other departments share. Sees only
//! the datasets the item was granted; every lookup, found or not, goes to the data-use ledger.

use super::{Call, Capabilities, Failure, check_len};
use crate::model::effects::DataUse;

const INTERFACE: &str = "registries";
const MAX_KEY_BYTES: usize = 256;
/// The purpose is shown to the citizen in the ledger, so it is a sentence, not a document.
const MAX_PURPOSE_CHARS: usize = 200;

pub struct RegistriesCtx<'a> {
    datasets: &'a [String],
    call: &'a mut Call,
}

pub fn view(caps: &mut Capabilities) -> RegistriesCtx<'_> {
    RegistriesCtx {
        datasets: &caps.grants.registries,
        call: &mut caps.call,
    }
}

impl RegistriesCtx<'_> {
    pub async fn lookup(
        &mut self,
        dataset: String,
        key: String,
        purpose: String,
    ) -> Result<Option<String>, Failure> {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::capabilities::fake::{FakeData, capabilities, refusal};
    use crate::model::contract::HostError;
    use crate::model::effects::RegistryRecord;
    use crate::model::grants::Grants;

    fn vehicles() -> Grants {
        Grants {
            registries: vec!["vehicle-registry".into()],
            ..Grants::default()
        }
    }

    fn data() -> FakeData {
        let record = RegistryRecord {
            subject_id: Some("441900199001011234".into()),
            data: r#"{"status":"normal"}"#.into(),
        };
        FakeData {
            registry: [(("vehicle-registry".into(), "粤S12345".into()), record)].into(),
            ..FakeData::default()
        }
    }

    #[tokio::test]
    async fn every_lookup_is_written_to_the_ledger_found_or_not() {
        let mut caps = capabilities(vehicles(), data(), false, 100);
        let mut registries = view(&mut caps);
        let found = registries
            .lookup(
                "vehicle-registry".into(),
                "粤S12345".into(),
                "核验车辆".into(),
            )
            .await;
        assert_eq!(
            found.ok().flatten().as_deref(),
            Some(r#"{"status":"normal"}"#)
        );
        let missing = registries
            .lookup(
                "vehicle-registry".into(),
                "粤S00000".into(),
                "核验车辆".into(),
            )
            .await;
        assert_eq!(missing.ok().flatten(), None);
        let uses = &caps.effects().data_uses;
        assert_eq!(uses.len(), 2);
        assert!(uses[0].found && uses[0].subject_id.as_deref() == Some("441900199001011234"));
        assert!(!uses[1].found && uses[1].subject_id.is_none() && uses[1].purpose == "核验车辆");
    }

    #[tokio::test]
    async fn an_ungranted_dataset_is_denied_and_not_read() {
        let mut caps = capabilities(vehicles(), data(), true, 100);
        let refused = view(&mut caps)
            .lookup("household-registry".into(), "x".into(), "核验户籍".into())
            .await;
        assert!(
            matches!(refusal(refused), HostError::Denied(m) if m.contains("household-registry"))
        );
        assert_eq!(
            caps.effects().denials[0].detail,
            "dataset household-registry"
        );
        assert!(caps.effects().data_uses.is_empty());
    }

    #[tokio::test]
    async fn a_purpose_is_required_and_short() {
        let mut caps = capabilities(vehicles(), data(), true, 100);
        let mut registries = view(&mut caps);
        let empty = registries
            .lookup("vehicle-registry".into(), "粤S12345".into(), " ".into())
            .await;
        assert!(matches!(refusal(empty), HostError::Invalid(_)));
        let long = registries
            .lookup(
                "vehicle-registry".into(),
                "粤S12345".into(),
                "查".repeat(201),
            )
            .await;
        assert!(matches!(refusal(long), HostError::Invalid(_)));
    }
}
