//! Cases (办件): submission, the workflow the item declared — enforced here, before the item is
//! called — courier events, and what each party may see. Everything an item's call did is written
//! with the case change in one transaction, or not at all.

use std::sync::Arc;

use serde::Serialize;
use serde_json::Value;

use super::calendar::{self, Calendar};
use super::error::{DomainError, Result};
use super::form;
use super::items::Items;
use super::numbering::{ApplicationNumber, NumberAllocator};
use crate::model::actor::{Actor, Role};
use crate::model::catalog::Workflow;
use crate::model::contract::{CallContext, CaseView, ItemError};
use crate::model::effects::{Certificate, Effects};
use crate::runtime::{CallOutcome, LoadedVersion, Runtime};
use crate::storage::{CaseRow, CaseSummary, CaseTransition, NewCase, NewEvent, Storage, now_text};

/// The channels an application can come through (the client declares it).
pub const CHANNELS: &[&str] = &["web", "mobile", "wechat", "alipay", "department"];

/// The most cases a department inbox lists.
const INBOX_LIMIT: i64 = 500;

pub struct Cases {
    storage: Storage,
    runtime: Runtime,
    items: Arc<Items>,
    numbers: NumberAllocator,
    calendar: Calendar,
}

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

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct CaseDetail {
    pub number: String,
    pub item: String,
    pub item_name: String,
    pub item_version: String,
    pub state: String,
    pub state_label: String,
    #[schema(value_type = Object)]
    pub form: Value,
    #[schema(value_type = Object)]
    pub derived: Value,
    pub channel: String,
    pub applicant_name: String,
    pub submitted_at: String,
    pub updated_at: String,
    pub due_date: String,
    pub completed_at: Option<String>,
    pub events: Vec<EventView>,
    pub deliveries: Vec<DeliveryView>,
    pub certificates: Vec<Certificate>,
    /// The actions the viewer may take now.
    pub available_actions: Vec<String>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct EventView {
    pub seq: i64,
    pub action: String,
    pub from_state: Option<String>,
    pub to_state: String,
    pub actor_role: String,
    pub comment: Option<String>,
    pub note: Option<String>,
    pub at: String,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct DeliveryView {
    pub tracking_number: String,
    pub kind: String,
    pub status: String,
    pub contents: Vec<String>,
}

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
            return Err(DomainError::Forbidden("只有群众或企业账号可以申请".into()));
        }
        let live = self.items.live(code).ok_or(DomainError::NotFound)?;
        if !live.enabled {
            return Err(DomainError::ItemDisabled);
        }
        self.submit_to(
            applicant,
            &live.version,
            &live.validator,
            form,
            channel,
            false,
        )
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
        let (version, validator) = self.items.for_preview(staff, code, version).await?;
        self.submit_to(staff, &version, &validator, form, "department", true)
            .await
    }

    async fn submit_to(
        &self,
        applicant: &Actor,
        version: &Arc<LoadedVersion>,
        validator: &jsonschema::Validator,
        form: &Value,
        channel: &str,
        preview: bool,
    ) -> Result<Submitted> {
        if !CHANNELS.contains(&channel) {
            return Err(DomainError::InvalidRequest(
                "invalid_channel",
                format!("unknown channel `{channel}`"),
            ));
        }
        form::check(validator, form).map_err(DomainError::InvalidForm)?;
        let info = &version.info;

        let today = calendar::today();
        let number = self
            .numbers
            .next(&today.format("%Y%m%d").to_string())
            .await?;
        let ctx = self.context(Some(&number), today);
        let form_text = form.to_string();
        let outcome = self
            .runtime
            .submit(version, ctx.clone(), applicant, &form_text)
            .await;
        let (result, effects) = self
            .settle(version, applicant, Some(number.as_str()), "submit", outcome)
            .await?;
        let accepted = match result {
            Ok(accepted) => accepted,
            Err(fields) => {
                self.log_reads(version, applicant, Some(number.as_str()), &effects)
                    .await?;
                return Err(DomainError::Ineligible(fields));
            }
        };
        let derived = json_object(&accepted.derived, version, "submit")?;

        let workflow = &info.workflow;
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
        let applicant_id: i64 = applicant
            .id
            .parse()
            .map_err(|_| anyhow::anyhow!("applicant id is not numeric"))?;
        let due_date = self
            .calendar
            .add_working_days(today, info.promised_days)
            .format("%Y-%m-%d")
            .to_string();
        let submitted_at = ctx.now.clone();
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
        self.storage
            .create_case(&new_case, &events, &effects)
            .await?;
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

    /// The case as `viewer` may see it.
    pub async fn view(&self, viewer: &Actor, number: &str) -> Result<CaseDetail> {
        let case = self.visible_case(viewer, number).await?;
        let version = self
            .items
            .pinned(&case.item_code, &case.item_sha256)
            .await?;
        let workflow = &version.info.workflow;
        let events = self.storage.case_events(case.id).await?;
        let deliveries = self.storage.case_deliveries(case.id).await?;
        let mut certificates = self.storage.case_certificates(case.id).await?;
        let applicant = self.storage.user_by_id(case.applicant_id).await?;
        let available_actions = workflow
            .actions
            .iter()
            .filter(|a| a.allows(viewer.role, viewer.department.as_deref(), &case.department))
            .filter(|a| a.from.contains(&case.state))
            .map(|a| a.name.clone())
            .collect();
        // A department working only a part of another department's item sees ID numbers masked
        // (form, derived data, certificates); the owning department's staff need them whole.
        let mask = matches!(viewer.role, Role::Reviewer | Role::Developer)
            && viewer.department.as_deref() != Some(case.department.as_str());
        let shown = |text: &str| {
            let mut value = serde_json::from_str(text).unwrap_or(Value::Null);
            if mask {
                super::masking::mask_id_numbers(&mut value);
            }
            value
        };
        if mask {
            for certificate in &mut certificates {
                certificate.holder = super::masking::mask_id_numbers_in(&certificate.holder);
                super::masking::mask_id_numbers(&mut certificate.data);
            }
        }
        Ok(CaseDetail {
            state_label: workflow
                .state(&case.state)
                .map(|s| s.label.clone())
                .unwrap_or_default(),
            item_name: version.info.name.clone(),
            form: shown(&case.form),
            derived: shown(&case.derived),
            applicant_name: applicant.map(|u| u.name).unwrap_or_default(),
            events: events
                .into_iter()
                .map(|e| EventView {
                    seq: e.seq,
                    action: e.action,
                    from_state: e.from_state,
                    to_state: e.to_state,
                    actor_role: e.actor_role,
                    comment: e.comment,
                    note: e.note,
                    at: e.at,
                })
                .collect(),
            deliveries: deliveries
                .into_iter()
                .map(|d| DeliveryView {
                    contents: serde_json::from_str(&d.contents).unwrap_or_default(),
                    tracking_number: d.tracking_number,
                    kind: d.kind,
                    status: d.status,
                })
                .collect(),
            certificates,
            available_actions,
            number: case.number,
            item: case.item_code,
            item_version: case.item_version,
            state: case.state,
            channel: case.channel,
            submitted_at: case.submitted_at,
            updated_at: case.updated_at,
            due_date: case.due_date,
            completed_at: case.completed_at,
        })
    }

    /// The department inbox of `staff`, earliest due first: the cases of its own department's
    /// items, and those of the live items that give it a part, in a state where it has an
    /// action; every case for an admin; nothing for staff without a department. Applicants'
    /// ID numbers are masked: enough to tell two applicants of the same name apart, and the
    /// list is no way to read them whole (the case page decides who sees them).
    pub async fn inbox(&self, staff: &Actor, state: Option<&str>) -> Result<Vec<CaseSummary>> {
        let mut rows = self.inbox_rows(staff, state).await?;
        for row in &mut rows {
            row.applicant_id_number = row
                .applicant_id_number
                .as_deref()
                .map(super::masking::mask_id_number);
        }
        Ok(rows)
    }

    async fn inbox_rows(&self, staff: &Actor, state: Option<&str>) -> Result<Vec<CaseSummary>> {
        let department = match (staff.role, staff.department.as_deref()) {
            (Role::Admin, _) => {
                let rows = self
                    .storage
                    .cases_of_department(None, state, INBOX_LIMIT)
                    .await?;
                return Ok(rows);
            }
            (Role::Reviewer | Role::Developer, Some(department)) => department,
            _ => return Ok(Vec::new()),
        };
        let items = self.items.all();
        let participating: Vec<(&str, Vec<&str>)> = items
            .values()
            .filter_map(|live| {
                let info = &live.version.info;
                let mut states: Vec<&str> = info
                    .workflow
                    .actions
                    .iter()
                    .filter(|a| a.departments.iter().any(|d| d == department))
                    .flat_map(|a| a.from.iter().map(String::as_str))
                    .collect();
                states.sort_unstable();
                states.dedup();
                (!states.is_empty()).then_some((info.code.as_str(), states))
            })
            .collect();
        let rows = self
            .storage
            .inbox_of_department(department, &participating, state, INBOX_LIMIT)
            .await?;
        Ok(rows)
    }

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
            return Err(DomainError::InvalidRequest(
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
                return Err(DomainError::InvalidRequest(
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
            return Err(DomainError::WrongState(format!(
                "a {} in status `{}` cannot take event `{event}`",
                delivery.kind, delivery.status
            )));
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

    /// An information service.
    pub async fn query(&self, actor: &Actor, code: &str, input: &Value) -> Result<Value> {
        let live = self.items.live(code).ok_or(DomainError::NotFound)?;
        if !live.enabled {
            return Err(DomainError::ItemDisabled);
        }
        if !input.is_object() {
            return Err(DomainError::InvalidRequest(
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

    /// Checks an action against the pinned version's workflow, runs it in the item, and commits
    /// the transition with its effects. Returns the new state.
    async fn apply(&self, case: CaseRow, act: Act<'_>) -> Result<String> {
        let version = self
            .items
            .pinned(&case.item_code, &case.item_sha256)
            .await?;
        let workflow = &version.info.workflow;
        let action = workflow.action(act.action).ok_or_else(|| {
            DomainError::UndeclaredAction(format!(
                "「{}」没有名为 `{}` 的操作",
                version.info.name, act.action
            ))
        })?;
        if !action.allows(
            act.actor.role,
            act.actor.department.as_deref(),
            &case.department,
        ) {
            return Err(DomainError::ForbiddenAction(format!(
                "当前账号不能执行「{}」",
                action.label
            )));
        }
        if !action.from.contains(&case.state) {
            return Err(DomainError::WrongState(format!(
                "办件当前状态不能执行「{}」",
                action.label
            )));
        }
        let comment = act.comment.map(str::trim).filter(|c| !c.is_empty());
        if action.comment_required && comment.is_none() {
            return Err(DomainError::CommentRequired);
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
        let ctx = self.context(number.as_ref(), calendar::today());
        let outcome = self
            .runtime
            .on_action(
                &version, ctx, act.actor, &view, act.action, comment, act.input,
            )
            .await;
        let (result, effects) = self
            .settle(&version, act.actor, Some(&case.number), act.action, outcome)
            .await?;
        let checked = result.map_err(item_error).and_then(|transition| {
            if !action.to.contains(&transition.to) {
                let why = format!(
                    "moved the case to `{}`, which `{}` does not allow",
                    transition.to, action.name
                );
                return Err(misbehaved(&version, act.action, &why));
            }
            let derived = transition
                .derived
                .as_deref()
                .map(|d| json_object(d, &version, act.action))
                .transpose()?;
            Ok((transition, derived))
        });
        let (transition, derived) = match checked {
            Ok(checked) => checked,
            Err(error) => {
                self.log_reads(&version, act.actor, Some(&case.number), &effects)
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
        if !self
            .storage
            .transition_case(&case, &change, &effects)
            .await?
        {
            self.log_reads(&version, act.actor, Some(&case.number), &effects)
                .await?;
            return Err(DomainError::Conflict);
        }
        Ok(transition.to)
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
                Err(DomainError::ItemCall(error))
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

    async fn applicant(&self, case: &CaseRow) -> Result<Actor> {
        let user = self
            .storage
            .user_by_id(case.applicant_id)
            .await?
            .ok_or_else(|| anyhow::anyhow!("case {} has no applicant", case.number))?;
        Ok(Actor {
            id: user.id.to_string(),
            role: Role::Citizen,
            name: user.name,
            department: None,
            id_number: user.id_number,
        })
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

fn item_error(error: ItemError) -> DomainError {
    match error {
        ItemError::Invalid(fields) => DomainError::InvalidInput(fields),
        ItemError::Refused(why) => DomainError::Refused(why),
        ItemError::Failed(why) => DomainError::ItemFailed(why),
    }
}

fn misbehaved(version: &LoadedVersion, function: &str, why: &str) -> DomainError {
    DomainError::ItemMisbehaved(format!(
        "{}@{}: {function}: {why}",
        version.info.code, version.info.version
    ))
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
