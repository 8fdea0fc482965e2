//! `yiwang:service/records`: key-value records scoped to the calling item. Sees the item's
//! `records` grant and the call; reads go through `HostData`, writes are buffered in the effects.

use super::{Call, Capabilities, Failure, check_len};
use crate::model::contract::HostError;
use crate::model::effects::RecordWrite;

const INTERFACE: &str = "records";
const MAX_KEY_BYTES: usize = 256;
const MAX_VALUE_BYTES: usize = 64 * 1024;

pub struct RecordsCtx<'a> {
    granted: bool,
    call: &'a mut Call,
}

pub fn view(caps: &mut Capabilities) -> RecordsCtx<'_> {
    RecordsCtx {
        granted: caps.grants.records,
        call: &mut caps.call,
    }
}

impl RecordsCtx<'_> {
    fn enter(&mut self, function: &'static str, key: &str) -> Result<(), Failure> {
        self.call.enter(INTERFACE, function)?;
        if !self.granted {
            return Err(self.call.deny(INTERFACE, "records".into()));
        }
        check_len("key", key, 1, MAX_KEY_BYTES, false)
    }

    pub async fn get(&mut self, key: String) -> Result<Option<String>, Failure> {
        self.enter("get", &key)?;
        // This call's own writes come first (the last one wins): they are what the item expects
        // to read back, even though they reach storage only when the call succeeds.
        if let Some(write) = self
            .call
            .effects
            .records
            .iter()
            .rev()
            .find(|w| w.key == key)
        {
            return Ok(write.value.clone());
        }
        let call = &*self.call;
        let value = match call.host.record_get(&call.scope.item, &key).await {
            Ok(value) => value,
            Err(e) => return Err(call.host_failed(INTERFACE, e)),
        };
        let reads = &mut self.call.effects.record_reads;
        if !reads.iter().any(|read| read.key == key) {
            reads.push(RecordWrite {
                key,
                value: value.clone(),
            });
        }
        Ok(value)
    }

    pub fn set(&mut self, key: String, value: String) -> Result<(), Failure> {
        self.write("set", key, Some(value))
    }

    pub fn delete(&mut self, key: String) -> Result<(), Failure> {
        self.write("delete", key, None)
    }

    fn write(
        &mut self,
        function: &'static str,
        key: String,
        value: Option<String>,
    ) -> Result<(), Failure> {
        self.enter(function, &key)?;
        if let Some(value) = &value
            && value.len() > MAX_VALUE_BYTES
        {
            return Err(HostError::Invalid(format!(
                "value is longer than {MAX_VALUE_BYTES} bytes"
            ))
            .into());
        }
        self.call.effects.records.push(RecordWrite { key, value });
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::capabilities::Trap;
    use crate::capabilities::fake::{FakeData, capabilities, refusal, trap};
    use crate::model::grants::Grants;

    fn granted() -> Grants {
        Grants {
            records: true,
            ..Grants::default()
        }
    }

    #[tokio::test]
    async fn a_read_sees_this_calls_writes_first_then_storage() {
        let data = FakeData {
            records: [("seen".to_owned(), "stored".to_owned())].into(),
            ..FakeData::default()
        };
        let mut caps = capabilities(granted(), data, true, 100);
        let mut records = view(&mut caps);
        assert_eq!(
            records.get("seen".into()).await.ok().flatten().as_deref(),
            Some("stored")
        );
        records
            .write("set", "seen".into(), Some("first".into()))
            .ok()
            .unwrap();
        records
            .write("set", "seen".into(), Some("second".into()))
            .ok()
            .unwrap();
        assert_eq!(
            records.get("seen".into()).await.ok().flatten().as_deref(),
            Some("second")
        );
        records.write("delete", "seen".into(), None).ok().unwrap();
        assert_eq!(records.get("seen".into()).await.ok().flatten(), None);
        assert_eq!(caps.effects().records.len(), 3);
        assert_eq!(caps.effects().host_calls, 6);
    }

    #[tokio::test]
    async fn keys_and_values_are_bounded() {
        let mut caps = capabilities(granted(), FakeData::default(), true, 100);
        let mut records = view(&mut caps);
        assert!(matches!(
            refusal(records.get(String::new()).await),
            HostError::Invalid(_)
        ));
        assert!(matches!(
            refusal(records.get("k".repeat(257)).await),
            HostError::Invalid(_)
        ));
        let big = "v".repeat(MAX_VALUE_BYTES + 1);
        assert!(matches!(
            refusal(records.write("set", "k".into(), Some(big))),
            HostError::Invalid(_)
        ));
        assert!(caps.effects().records.is_empty());
    }

    #[tokio::test]
    async fn without_the_grant_records_are_denied() {
        let mut caps = capabilities(Grants::default(), FakeData::default(), true, 100);
        assert!(matches!(
            refusal(view(&mut caps).get("k".into()).await),
            HostError::Denied(_)
        ));
        assert_eq!(caps.effects().denials.len(), 1);
    }

    #[tokio::test]
    async fn a_storage_failure_ends_the_call_without_its_cause() {
        let mut caps = capabilities(
            granted(),
            FakeData {
                broken: true,
                ..FakeData::default()
            },
            true,
            100,
        );
        let trap = trap(view(&mut caps).get("k".into()).await);
        assert!(matches!(trap, Trap::HostFailure { .. }));
        assert!(!trap.to_string().contains("database"), "{trap}");
    }
}
