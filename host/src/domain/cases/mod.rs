//! Cases (办件): submission, the workflow the item declared — enforced here, before the item is
//! called — courier events, and what each party may see. Everything an item's call did is written
//! with the case change in one transaction, or not at all.
//!
//! One file per job, each an `impl Cases` block: `submit` (an application, and a department's
//! preview of an unpublished version), `view` (a case as its viewer may see it), `inbox` (a
//! department's), `act` (staff, citizen and courier actions through the declared workflow) and
//! `query` (information services). This file has the service and what every call shares: who
//! may see a case, the call's context, settling its outcome and logging its registry reads.

mod act;
mod fixture;
mod inbox;
mod query;
mod submit;
mod view;

pub use act::{ActionDone, CourierDone};
pub use submit::{CHANNELS, Submitted};
pub use view::{CaseCertificate, CaseDetail, DeliveryView, EventView};

use std::sync::Arc;

use serde_json::Value;

use super::calendar::Calendar;
use super::error::{DomainError, Result};
use super::items::Items;
use super::numbering::{ApplicationNumber, NumberAllocator};
use crate::model::actor::{Actor, Role};
use crate::model::contract::{CallContext, ItemError};
use crate::model::effects::Effects;
use crate::runtime::{CallOutcome, LoadedVersion, Runtime};
use crate::storage::{CaseRow, Storage, now_text};

/// Calls of an item made for one submit or action when another call changed the item's records
/// under it (the last attempt's conflict is the caller's 409).
pub(crate) const RECORD_ATTEMPTS: usize = 5;

/// How one call of an item and its commit ended.
pub(crate) enum Attempt<T> {
    Done(T),
    /// A record the call read was changed by another call before this one committed: nothing
    /// was stored, and the call is made again.
    RecordsMoved,
}

pub struct Cases {
    storage: Storage,
    runtime: Runtime,
    items: Arc<Items>,
    numbers: NumberAllocator,
    calendar: Calendar,
}

impl Cases {
    pub fn new(storage: Storage, runtime: Runtime, items: Arc<Items>, calendar: Calendar) -> Cases {
        let numbers = NumberAllocator::new(storage.clone());
        Cases {
            storage,
            runtime,
            items,
            numbers,
            calendar,
        }
    }

    /// Persists what must outlive a failed call (refused capability calls, the failure itself,
    /// the registry reads it made) and unwraps the call's result.
    async fn settle<T>(
        &self,
        version: &LoadedVersion,
        actor: &Actor,
        case_number: Option<&str>,
        function: &str,
        outcome: CallOutcome<T>,
    ) -> Result<(T, Effects)> {
        let info = &version.info;
        let who = actor.audit_label();
        let target = format!("{}@{}", info.code, info.version);
        for denial in &outcome.effects.denials {
            let detail = format!(
                "{target} {function}: {} {}",
                denial.interface, denial.detail
            );
            self.storage
                .append_audit(&who, "item.capability_denied", &info.code, &detail)
                .await?;
        }
        match outcome.result {
            Ok(value) => Ok((value, outcome.effects)),
            Err(error) => {
                self.log_reads(version, actor, case_number, &outcome.effects)
                    .await?;
                let detail = format!("{target} {function}: {}: {error}", error.code());
                self.storage
                    .append_audit(&who, "item.call_failed", &info.code, &detail)
                    .await?;
                Err(error.into())
            }
        }
    }

    /// Writes a call's registry reads to the data-use ledger when no case change carries them.
    async fn log_reads(
        &self,
        version: &LoadedVersion,
        actor: &Actor,
        case_number: Option<&str>,
        effects: &Effects,
    ) -> Result<()> {
        let item = (version.info.code.as_str(), version.info.version.as_str());
        self.storage
            .log_data_uses(
                item,
                case_number,
                (&actor.id, actor.role.as_str()),
                &effects.data_uses,
            )
            .await?;
        Ok(())
    }

    pub(crate) async fn visible_case(&self, viewer: &Actor, number: &str) -> Result<CaseRow> {
        let number = ApplicationNumber::parse(number).ok_or(DomainError::NotFound)?;
        let case = self
            .storage
            .case_by_number(number.as_str())
            .await?
            .ok_or(DomainError::NotFound)?;
        let visible = match (viewer.role, viewer.department.as_deref()) {
            (Role::Citizen, _) => viewer.id == case.applicant_id.to_string(),
            (Role::Reviewer | Role::Developer, Some(department))
                if department == case.department =>
            {
                true
            }
            // Another department sees the case when the item gives it a part to work.
            (Role::Reviewer | Role::Developer, Some(department)) => {
                let version = self
                    .items
                    .pinned(&case.item_code, &case.item_sha256)
                    .await?;
                let actions = &version.info.workflow.actions;
                actions
                    .iter()
                    .any(|a| a.departments.iter().any(|d| d == department))
            }
            (Role::Admin, _) => true,
            (Role::Reviewer | Role::Developer | Role::Courier | Role::System, _) => false,
        };
        if visible {
            Ok(case)
        } else {
            Err(DomainError::NotFound)
        }
    }

    fn context(&self, number: Option<&ApplicationNumber>, today: chrono::NaiveDate) -> CallContext {
        CallContext {
            today: today.format("%Y-%m-%d").to_string(),
            now: now_text(),
            case_number: number.map(|n| n.to_string()),
            preview: false,
        }
    }
}

fn item_error(error: ItemError) -> DomainError {
    match error {
        ItemError::Invalid(fields) => DomainError::fields_wrong("invalid_input", fields),
        ItemError::Refused(why) => DomainError::conflict("refused", why),
        ItemError::Failed(why) => DomainError::item("item_failed", why),
    }
}

fn misbehaved(version: &LoadedVersion, function: &str, why: &str) -> DomainError {
    DomainError::item(
        "item_misbehaved",
        format!(
            "{}@{}: {function}: {why}",
            version.info.code, version.info.version
        ),
    )
}

/// Derived data must be a JSON object; stored re-serialized.
fn json_object(text: &str, version: &LoadedVersion, function: &str) -> Result<String> {
    match serde_json::from_str::<Value>(text) {
        Ok(value @ Value::Object(_)) => Ok(value.to_string()),
        _ => Err(misbehaved(
            version,
            function,
            "derived data is not a JSON object",
        )),
    }
}
