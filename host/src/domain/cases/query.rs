//! Information services: an item's `query`, answered from the live version of an enabled item.
//! No case is made; the registry reads are written to the data-use ledger all the same.

use serde_json::Value;

use super::{Cases, item_error, misbehaved};
use crate::domain::calendar;
use crate::domain::error::{DomainError, Result};
use crate::model::actor::Actor;

impl Cases {
    /// An information service.
    pub async fn query(&self, actor: &Actor, code: &str, input: &Value) -> Result<Value> {
        let live = self.items.live(code).ok_or(DomainError::NotFound)?;
        if !live.enabled {
            return Err(DomainError::item_disabled());
        }
        if !input.is_object() {
            return Err(DomainError::invalid(
                "invalid_input",
                "input must be a JSON object".into(),
            ));
        }
        let version = &live.version;
        let ctx = self.context(None, calendar::today());
        let outcome = self
            .runtime
            .query(version, ctx, actor, &input.to_string())
            .await;
        let (result, effects) = self.settle(version, actor, None, "query", outcome).await?;
        self.log_reads(version, actor, None, &effects).await?;
        let output = result.map_err(item_error)?;
        let value = serde_json::from_str(&output)
            .map_err(|_| misbehaved(version, "query", "output is not JSON"))?;
        Ok(value)
    }
}
