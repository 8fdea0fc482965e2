//! Actions on a case: a staff or citizen action, and a courier's event, which becomes the
//! workflow action of the same name. Checked against the pinned version's declared workflow
//! before the item is called; the transition is committed with its effects, or not at all.

use serde::Serialize;
use serde_json::Value;

use super::{Attempt, Cases, RECORD_ATTEMPTS, item_error, json_object, misbehaved};
use crate::domain::calendar;
use crate::domain::error::{DomainError, Result};
use crate::domain::numbering::ApplicationNumber;
use crate::model::actor::{Actor, Role};
use crate::model::catalog::Action;
use crate::model::contract::CaseView;
use crate::runtime::LoadedVersion;
use crate::storage::{CaseRow, CaseTransition, NewEvent, RecordsMoved, UserRow};

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ActionDone {
    pub number: String,
    pub state: String,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct CourierDone {
    pub tracking_number: String,
    pub status: String,
    pub case_state: String,
}

/// An action about to be applied to a case, with what was already checked.
struct Act<'a> {
    actor: &'a Actor,
    action: &'a str,
    comment: Option<&'a str>,
    input: &'a str,
    delivery_status: Option<(&'a str, &'a str)>,
}

impl Cases {
    /// A staff or citizen action on a case.
    pub async fn act(
        &self,
        actor: &Actor,
        number: &str,
        action: &str,
        comment: Option<&str>,
        input: &Value,
    ) -> Result<ActionDone> {
        let case = self.visible_case(actor, number).await?;
        if !input.is_object() {
            return Err(DomainError::invalid(
                "invalid_input",
                "input must be a JSON object".into(),
            ));
        }
        let input = input.to_string();
        let act = Act {
            actor,
            action,
            comment,
            input: &input,
            delivery_status: None,
        };
        let state = self.apply(case, act).await?;
        Ok(ActionDone {
            number: number.to_string(),
            state,
        })
    }

    /// A courier reports a pick-up or a delivery; it becomes the workflow action of the same name.
    pub async fn courier_event(
        &self,
        courier: &Actor,
        tracking_number: &str,
        event: &str,
    ) -> Result<CourierDone> {
        let (kind, status) = match event {
            "picked-up" => ("pickup", "picked-up"),
            "delivered" => ("shipment", "delivered"),
            _ => {
                return Err(DomainError::invalid(
                    "unknown_event",
                    format!("unknown courier event `{event}` (expected picked-up or delivered)"),
                ));
            }
        };
        let delivery = self
            .storage
            .delivery_by_tracking_number(tracking_number)
            .await?
            .ok_or(DomainError::NotFound)?;
        if delivery.kind != kind || delivery.status != "requested" {
            return Err(DomainError::conflict(
                "wrong_state",
                format!(
                    "a {} in status `{}` cannot take event `{event}`",
                    delivery.kind, delivery.status
                ),
            ));
        }
        let case = self
            .storage
            .case_by_id(delivery.case_id)
            .await?
            .ok_or(DomainError::NotFound)?;
        let act = Act {
            actor: courier,
            action: event,
            comment: None,
            input: "{}",
            delivery_status: Some((tracking_number, status)),
        };
        let case_state = self.apply(case, act).await?;
        Ok(CourierDone {
            tracking_number: tracking_number.to_string(),
            status: status.to_string(),
            case_state,
        })
    }

    /// Checks an action against the pinned version's workflow, runs it in the item, and commits
    /// the transition with its effects. Returns the new state.
    async fn apply(&self, case: CaseRow, act: Act<'_>) -> Result<String> {
        let version = self
            .items
            .pinned(&case.item_code, &case.item_sha256)
            .await?;
        let workflow = &version.info.workflow;
        let action = workflow.action(act.action).ok_or_else(|| {
            DomainError::conflict(
                "undeclared_action",
                format!("「{}」没有名为 `{}` 的操作", version.info.name, act.action),
            )
        })?;
        if !action.allows(
            act.actor.role,
            act.actor.department.as_deref(),
            &case.department,
        ) {
            return Err(DomainError::forbidden(
                "forbidden_action",
                format!("当前账号不能执行「{}」", action.label),
            ));
        }
        if !action.from.contains(&case.state) {
            return Err(DomainError::conflict(
                "wrong_state",
                format!("办件当前状态不能执行「{}」", action.label),
            ));
        }
        let comment = act.comment.map(str::trim).filter(|c| !c.is_empty());
        if action.comment_required && comment.is_none() {
            return Err(DomainError::invalid(
                "comment_required",
                "请填写办理意见".into(),
            ));
        }
        let applicant = self.applicant(&case).await?;
        let view = CaseView {
            number: case.number.clone(),
            state: case.state.clone(),
            form: case.form.clone(),
            derived: case.derived.clone(),
            applicant,
            submitted_at: case.submitted_at.clone(),
        };
        let number = ApplicationNumber::parse(&case.number);
        // An item's record writes are committed only over the values it read (`effects.rs` of
        // storage): when another call changed one meanwhile, the call is made again on fresh reads.
        for _ in 0..RECORD_ATTEMPTS {
            let attempt = self.attempt(
                &version,
                &case,
                &act,
                action,
                comment,
                &view,
                number.as_ref(),
            );
            if let Attempt::Done(state) = attempt.await? {
                return Ok(state);
            }
        }
        Err(DomainError::changed_meanwhile())
    }

    /// One call of the item's `on-action` and the commit of what it decided.
    #[allow(clippy::too_many_arguments)] // what `act` checked, handed to each attempt as it is
    async fn attempt(
        &self,
        version: &LoadedVersion,
        case: &CaseRow,
        act: &Act<'_>,
        action: &Action,
        comment: Option<&str>,
        view: &CaseView,
        number: Option<&ApplicationNumber>,
    ) -> Result<Attempt<String>> {
        let workflow = &version.info.workflow;
        let ctx = self.context(number, calendar::today());
        let outcome = self
            .runtime
            .on_action(
                version, ctx, act.actor, view, act.action, comment, act.input,
            )
            .await;
        let (result, effects) = self
            .settle(version, act.actor, Some(&case.number), act.action, outcome)
            .await?;
        let checked = result.map_err(item_error).and_then(|transition| {
            if !action.to.contains(&transition.to) {
                let why = format!(
                    "moved the case to `{}`, which `{}` does not allow",
                    transition.to, action.name
                );
                return Err(misbehaved(version, act.action, &why));
            }
            let derived = transition
                .derived
                .as_deref()
                .map(|d| json_object(d, version, act.action))
                .transpose()?;
            Ok((transition, derived))
        });
        let (transition, derived) = match checked {
            Ok(checked) => checked,
            Err(error) => {
                self.log_reads(version, act.actor, Some(&case.number), &effects)
                    .await?;
                return Err(error);
            }
        };
        let completed = workflow.state(&transition.to).is_some_and(|s| s.terminal);
        let change = CaseTransition {
            case_id: case.id,
            expected_state: &case.state,
            expected_revision: case.revision,
            to_state: &transition.to,
            derived: derived.as_deref(),
            completed,
            event: NewEvent {
                action: act.action.to_string(),
                from_state: Some(case.state.clone()),
                to_state: transition.to.clone(),
                actor_id: act.actor.id.clone(),
                actor_role: act.actor.role.as_str().into(),
                comment: comment.map(str::to_string),
                note: transition.note.clone(),
            },
            delivery_status: act.delivery_status,
        };
        match self.storage.transition_case(case, &change, &effects).await {
            Ok(true) => Ok(Attempt::Done(transition.to)),
            Ok(false) => {
                self.log_reads(version, act.actor, Some(&case.number), &effects)
                    .await?;
                Err(DomainError::changed_meanwhile())
            }
            Err(err) if err.downcast_ref::<RecordsMoved>().is_some() => {
                self.log_reads(version, act.actor, Some(&case.number), &effects)
                    .await?;
                Ok(Attempt::RecordsMoved)
            }
            Err(err) => Err(err.into()),
        }
    }

    pub(super) async fn applicant(&self, case: &CaseRow) -> Result<Actor> {
        let user = self
            .storage
            .user_by_id(case.applicant_id)
            .await?
            .ok_or_else(|| anyhow::anyhow!("case {} has no applicant", case.number))?;
        Ok(applicant_actor(&user))
    }
}

/// The applicant of a case as an item sees them.
pub(super) fn applicant_actor(user: &UserRow) -> Actor {
    Actor {
        id: user.id.to_string(),
        role: Role::Citizen,
        name: user.name.clone(),
        department: None,
        id_number: user.id_number.clone(),
    }
}
