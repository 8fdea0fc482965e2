//! Applying: a citizen's application to a live, enabled item, and a department's preview of a
//! version not yet published. The form is checked against the schema, then by the item; the
//! item's first step is checked against its workflow; the case, its events and the item's effects
//! are committed together. Knows nothing of the actions that follow.

use std::sync::Arc;

use serde::Serialize;
use serde_json::Value;

use super::{Cases, RECORD_ATTEMPTS, item_error, json_object, misbehaved};
use crate::domain::calendar;
use crate::domain::error::{DomainError, Result};
use crate::domain::form::{self, FormCheck};
use crate::model::actor::{Actor, Role};
use crate::model::catalog::Workflow;
use crate::model::contract::SubmitError;
use crate::runtime::LoadedVersion;
use crate::storage::{NewCase, NewEvent, RecordsMoved};

/// The channels an application can come through (the client declares it).
pub const CHANNELS: &[&str] = &["web", "mobile", "wechat", "alipay", "department"];

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Submitted {
    pub number: String,
    pub state: String,
    pub item: String,
    pub version: String,
    pub due_date: String,
    pub submitted_at: String,
    /// A department's trial of an unpublished version.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub preview: bool,
}

impl Cases {
    /// A citizen applies. The form is checked against the item's schema, then by the item; the
    /// case, its events and what the item did are committed together before this returns.
    pub async fn submit(
        &self,
        applicant: &Actor,
        code: &str,
        form: &Value,
        channel: &str,
    ) -> Result<Submitted> {
        if applicant.role != Role::Citizen {
            return Err(DomainError::forbidden(
                "forbidden",
                "只有群众或企业账号可以申请".into(),
            ));
        }
        let live = self.items.live(code).ok_or(DomainError::NotFound)?;
        if !live.enabled {
            return Err(DomainError::item_disabled());
        }
        self.submit_to(applicant, &live.version, &live.form, form, channel, false)
            .await
    }

    /// The item's own department tries an uploaded version before it is published: the case
    /// is marked preview, never shown to citizens and never counted in the statistics; its
    /// department can work it through the workflow like any other.
    pub async fn submit_preview(
        &self,
        staff: &Actor,
        code: &str,
        version: &str,
        form: &Value,
    ) -> Result<Submitted> {
        let (version, schema) = self.items.for_preview(staff, code, version).await?;
        self.submit_to(staff, &version, &schema, form, "department", true)
            .await
    }

    async fn submit_to(
        &self,
        applicant: &Actor,
        version: &Arc<LoadedVersion>,
        schema: &Arc<FormCheck>,
        form: &Value,
        channel: &str,
        preview: bool,
    ) -> Result<Submitted> {
        if !CHANNELS.contains(&channel) {
            return Err(DomainError::invalid(
                "invalid_channel",
                format!("unknown channel `{channel}`"),
            ));
        }
        form::check_bounded(schema, form).await?;
        let info = &version.info;

        let today = calendar::today();
        let number = self
            .numbers
            .next(&today.format("%Y%m%d").to_string())
            .await?;
        let ctx = self.context(Some(&number), today);
        let form_text = form.to_string();
        let workflow = &info.workflow;
        let due_date = self
            .calendar
            .add_working_days(today, info.promised_days)
            .format("%Y-%m-%d")
            .to_string();
        let submitted_at = ctx.now.clone();
        // The item's record writes are committed only over the values it read (storage's
        // `effects.rs`): when another call changed one meanwhile, the item is called again.
        let mut attempt = 0;
        let state = loop {
            attempt += 1;
            let outcome = self
                .runtime
                .submit(version, ctx.clone(), applicant, &form_text)
                .await;
            let (result, effects) = self
                .settle(version, applicant, Some(number.as_str()), "submit", outcome)
                .await?;
            let accepted = match result {
                Ok(accepted) => accepted,
                Err(refusal) => {
                    self.log_reads(version, applicant, Some(number.as_str()), &effects)
                        .await?;
                    return Err(match refusal {
                        SubmitError::Fields(fields) => {
                            DomainError::fields_wrong("ineligible", fields)
                        }
                        SubmitError::Item(error) => item_error(error),
                    });
                }
            };
            let derived = json_object(&accepted.derived, version, "submit")?;

            let mut events = vec![NewEvent {
                action: "submit".into(),
                from_state: None,
                to_state: workflow.initial.clone(),
                actor_id: applicant.id.clone(),
                actor_role: applicant.role.as_str().into(),
                comment: None,
                note: None,
            }];
            let mut state = workflow.initial.clone();
            if let Some(step) = &accepted.then {
                check_first_step(workflow, &step.action, &step.to)
                    .map_err(|why| misbehaved(version, "submit", &why))?;
                events.push(NewEvent {
                    action: step.action.clone(),
                    from_state: Some(state.clone()),
                    to_state: step.to.clone(),
                    actor_id: "system".into(),
                    actor_role: Role::System.as_str().into(),
                    comment: None,
                    note: step.note.clone(),
                });
                state = step.to.clone();
            }
            let applicant_id = applicant.user_id()?;
            let new_case = NewCase {
                number: number.as_str(),
                item_code: &info.code,
                item_sha256: &version.sha256,
                item_version: &info.version,
                department: &info.department,
                applicant_id,
                state: &state,
                form: &form_text,
                derived: &derived,
                channel,
                submitted_at: &submitted_at,
                due_date: &due_date,
                preview,
            };
            match self.storage.create_case(&new_case, &events, &effects).await {
                Ok(_) => break state,
                // A record the item read moved before the commit: nothing was stored; call it again.
                Err(err) if err.downcast_ref::<RecordsMoved>().is_some() => {
                    self.log_reads(version, applicant, Some(number.as_str()), &effects)
                        .await?;
                    if attempt == RECORD_ATTEMPTS {
                        return Err(DomainError::changed_meanwhile());
                    }
                }
                Err(err) => return Err(err.into()),
            }
        };
        metrics::counter!("yiwang_applications_total", "item" => info.code.clone(), "channel" => channel.to_string())
            .increment(1);
        Ok(Submitted {
            number: number.to_string(),
            state,
            item: info.code.clone(),
            version: info.version.clone(),
            due_date,
            submitted_at,
            preview,
        })
    }
}

/// The item's first step after `submit` must be a `system` action out of the initial state.
fn check_first_step(
    workflow: &Workflow,
    action: &str,
    to: &str,
) -> std::result::Result<(), String> {
    let declared = workflow
        .action(action)
        .ok_or_else(|| format!("first step `{action}` is not declared"))?;
    if !declared.roles.contains(&Role::System) || !declared.from.contains(&workflow.initial) {
        return Err(format!(
            "first step `{action}` is not a system action from `{}`",
            workflow.initial
        ));
    }
    if !declared.to.iter().any(|t| t == to) {
        return Err(format!(
            "first step `{action}` cannot move the case to `{to}`"
        ));
    }
    Ok(())
}
