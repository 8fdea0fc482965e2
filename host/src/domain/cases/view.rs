//! A case as its viewer may see it: its item's name and labels (states, actions, certificate
//! kinds, deliveries) from the pinned version,
//! events, deliveries, certificates, the actions the viewer may take now, and ID numbers masked
//! for a department that works only a part of another's item. Reads only; changes nothing.

use serde::Serialize;
use serde_json::Value;

use super::Cases;
use crate::domain::error::Result;
use crate::domain::labels;
use crate::domain::masking;
use crate::model::actor::{Actor, Role};
use crate::model::effects::Certificate;

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
    pub certificates: Vec<CaseCertificate>,
    /// The actions the viewer may take now.
    pub available_actions: Vec<String>,
}

/// A certificate issued on the case, with what people call its kind.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct CaseCertificate {
    #[serde(flatten)]
    pub certificate: Certificate,
    /// The item's label for the kind (`inspection-mark` → 机动车检验合格标志（电子）).
    pub kind_label: String,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct EventView {
    pub seq: i64,
    pub action: String,
    /// The action's label (`submit` → 提交申请), from the version the case is pinned to.
    pub action_label: String,
    pub from_state: Option<String>,
    pub to_state: String,
    pub to_state_label: String,
    pub actor_role: String,
    pub comment: Option<String>,
    pub note: Option<String>,
    pub at: String,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct DeliveryView {
    pub tracking_number: String,
    pub kind: String,
    pub kind_label: String,
    pub status: String,
    pub status_label: String,
    pub contents: Vec<String>,
    /// The item's label of each content, in order.
    pub content_labels: Vec<String>,
}

impl Cases {
    /// The case as `viewer` may see it.
    pub async fn view(&self, viewer: &Actor, number: &str) -> Result<CaseDetail> {
        let case = self.visible_case(viewer, number).await?;
        let version = self
            .items
            .pinned(&case.item_code, &case.item_sha256)
            .await?;
        let info = &version.info;
        let workflow = &info.workflow;
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
                masking::mask_id_numbers(&mut value);
            }
            value
        };
        if mask {
            for certificate in &mut certificates {
                certificate.holder = masking::mask_id_numbers_in(&certificate.holder);
                masking::mask_id_numbers(&mut certificate.data);
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
                    action_label: labels::action(info, &e.action).to_owned(),
                    action: e.action,
                    from_state: e.from_state,
                    to_state_label: info.state_label(&e.to_state).to_owned(),
                    to_state: e.to_state,
                    actor_role: e.actor_role,
                    comment: e.comment,
                    note: e.note,
                    at: e.at,
                })
                .collect(),
            deliveries: deliveries
                .into_iter()
                .map(|d| {
                    let contents: Vec<String> =
                        serde_json::from_str(&d.contents).unwrap_or_default();
                    DeliveryView {
                        content_labels: contents
                            .iter()
                            .map(|c| info.delivery_label(c).to_owned())
                            .collect(),
                        contents,
                        tracking_number: d.tracking_number,
                        kind_label: labels::delivery_kind(&d.kind).to_owned(),
                        kind: d.kind,
                        status_label: labels::delivery_status(info, &d.status).to_owned(),
                        status: d.status,
                    }
                })
                .collect(),
            certificates: certificates
                .into_iter()
                .map(|certificate| CaseCertificate {
                    kind_label: info.certificate_label(&certificate.kind).to_owned(),
                    certificate,
                })
                .collect(),
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
}
