//! Batch decisions: one call to an item decides an action for every case of it in one state
//! (the school placement, say), and each decision is then applied through the normal action
//! path — workflow checked, the item's `on-action` on the case's pinned version, committed with
//! its events and notifications — so a batch can do nothing a reviewer could not do case by case.
//!
//! The decisions come from the item's `batch` export on its live version, called as the staff
//! member (`Cases::decide_batch`; a 0.1.0 item is asked through its `query`, which the runtime's
//! 0.1.0 module does). Knows no SQL and no wasmtime.

use std::collections::BTreeSet;
use std::sync::Arc;

use serde::Serialize;
use serde_json::Value;

use super::cases::Cases;
use super::error::{DomainError, Result};
use super::items::Items;
use crate::model::actor::{Actor, Role};
use crate::storage::Storage;

/// What a batch did.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct BatchReport {
    pub item: String,
    pub state: String,
    /// Cases of the item found in the state.
    pub cases: usize,
    /// Decisions the item made.
    pub decisions: usize,
    pub applied: usize,
    pub refused: Vec<BatchRefusal>,
}

/// A decision that was not applied, and why.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct BatchRefusal {
    pub number: String,
    pub action: String,
    pub reason: String,
}

/// Batch decisions over an item's cases, for its department's staff.
pub struct Batch {
    cases: Arc<Cases>,
    items: Arc<Items>,
    storage: Storage,
}

impl Batch {
    pub fn new(cases: Arc<Cases>, items: Arc<Items>, storage: Storage) -> Batch {
        Batch {
            cases,
            items,
            storage,
        }
    }

    /// Run a batch decision by `staff` over the cases of item `code` in `state`.
    pub async fn run(
        &self,
        staff: &Actor,
        code: &str,
        state: &str,
        input: &Value,
    ) -> Result<BatchReport> {
        let live = self.items.live(code).ok_or(DomainError::NotFound)?;
        let department = &live.version.info.department;
        let own_staff = matches!(staff.role, Role::Reviewer | Role::Developer)
            && staff.department.as_deref() == Some(department.as_str());
        if !own_staff {
            return Err(DomainError::forbidden(
                "forbidden",
                "只有事项所属部门的工作人员可以执行批量办理".into(),
            ));
        }
        if !input.is_object() {
            return Err(DomainError::invalid(
                "invalid_input",
                "input must be a JSON object".into(),
            ));
        }
        let rows = self.storage.cases_of_item_in_state(code, state).await?;
        let decisions = self
            .cases
            .decide_batch(staff, code, state, &rows, input)
            .await?;

        let mut open: BTreeSet<&str> = rows.iter().map(|row| row.number.as_str()).collect();
        let mut report = BatchReport {
            item: code.to_string(),
            state: state.to_string(),
            cases: rows.len(),
            decisions: decisions.len(),
            applied: 0,
            refused: Vec::new(),
        };
        for decision in decisions {
            let refuse = |reason: String| BatchRefusal {
                number: decision.case_number.clone(),
                action: decision.action.clone(),
                reason,
            };
            // Only a case of this batch, and each once: the item cannot reach beyond what it was shown.
            if !open.remove(decision.case_number.as_str()) {
                report
                    .refused
                    .push(refuse("不在本批办件中，或已有决定".into()));
                continue;
            }
            // `decide_batch` checked that each input is a JSON object.
            let input: Value = serde_json::from_str(&decision.input).unwrap_or_default();
            let done = self
                .cases
                .act(
                    staff,
                    &decision.case_number,
                    &decision.action,
                    decision.comment.as_deref(),
                    &input,
                )
                .await;
            match done {
                Ok(_) => report.applied += 1,
                Err(DomainError::Internal(cause)) => return Err(DomainError::Internal(cause)),
                Err(other) => report.refused.push(refuse(other.to_string())),
            }
        }
        let detail = format!(
            "{code} in {state}: {} cases, {} decisions, {} applied, {} refused",
            report.cases,
            report.decisions,
            report.applied,
            report.refused.len()
        );
        let who = staff.audit_label();
        self.storage
            .append_audit(&who, "item.batch", code, &detail)
            .await?;
        Ok(report)
    }
}
