//! Information services: an item's `query`, answered from the live version of an enabled item,
//! and a batch operation's decisions from its `batch`. No case is made; the registry reads are
//! written to the data-use ledger all the same.

use std::collections::HashMap;

use serde_json::Value;

use super::act::applicant_actor;
use super::{Cases, item_error, misbehaved};
use crate::domain::calendar;
use crate::domain::error::{DomainError, Result};
use crate::model::actor::Actor;
use crate::model::contract::{CaseView, Decision};
use crate::storage::{CaseRow, UserRow};

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

impl Cases {
    /// A batch operation's decisions: the item's `batch` on its live version, as `staff`, over
    /// `rows` (its cases in `state`). The reads are written to the ledger as a query's are;
    /// applying the decisions is the caller's (`Batch`), case by case.
    pub async fn decide_batch(
        &self,
        staff: &Actor,
        code: &str,
        state: &str,
        rows: &[CaseRow],
        input: &Value,
    ) -> Result<Vec<Decision>> {
        let live = self.items.live(code).ok_or(DomainError::NotFound)?;
        if !live.enabled {
            return Err(DomainError::item_disabled());
        }
        let version = &live.version;
        // The applicants of all the cases, read in a few queries rather than one per case.
        let mut ids: Vec<i64> = rows.iter().map(|row| row.applicant_id).collect();
        ids.sort_unstable();
        ids.dedup();
        let applicants: HashMap<i64, UserRow> = self
            .storage
            .users_by_ids(&ids)
            .await?
            .into_iter()
            .map(|user| (user.id, user))
            .collect();
        let mut cases = Vec::with_capacity(rows.len());
        for row in rows {
            let user = applicants
                .get(&row.applicant_id)
                .ok_or_else(|| anyhow::anyhow!("case {} has no applicant", row.number))?;
            cases.push(CaseView {
                number: row.number.clone(),
                state: row.state.clone(),
                form: row.form.clone(),
                derived: row.derived.clone(),
                applicant: applicant_actor(user),
                submitted_at: row.submitted_at.clone(),
            });
        }
        let ctx = self.context(None, calendar::today());
        let outcome = self
            .runtime
            .batch(version, ctx, staff, state, cases, &input.to_string())
            .await;
        let (result, effects) = self.settle(version, staff, None, "batch", outcome).await?;
        self.log_reads(version, staff, None, &effects).await?;
        let decisions = result.map_err(item_error)?;
        for decision in &decisions {
            if !matches!(serde_json::from_str(&decision.input), Ok(Value::Object(_))) {
                return Err(misbehaved(
                    version,
                    "batch",
                    &format!(
                        "the input for {} is not a JSON object",
                        decision.case_number
                    ),
                ));
            }
        }
        Ok(decisions)
    }
}
