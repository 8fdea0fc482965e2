//! Conversions between the generated types of `yiwang:service@0.1.0` and the model's plain types.
//! Nothing outside the runtime sees these types; everything that crosses the boundary is converted
//! here.

use super::{
    WitAccepted, WitActor, WitAddress, WitCallContext, WitCaseInfo, WitCertificate, WitFieldError,
    WitHostError, WitItemError, WitItemInfo, WitLevel, WitRole, WitTransition,
};
use crate::model::{actor, catalog, contract};

impl From<actor::Role> for WitRole {
    fn from(role: actor::Role) -> Self {
        match role {
            actor::Role::Citizen => WitRole::Citizen,
            actor::Role::Reviewer => WitRole::Reviewer,
            actor::Role::Developer => WitRole::Developer,
            actor::Role::Admin => WitRole::Admin,
            actor::Role::Courier => WitRole::Courier,
            actor::Role::System => WitRole::System,
        }
    }
}

impl From<WitRole> for actor::Role {
    fn from(role: WitRole) -> Self {
        match role {
            WitRole::Citizen => actor::Role::Citizen,
            WitRole::Reviewer => actor::Role::Reviewer,
            WitRole::Developer => actor::Role::Developer,
            WitRole::Admin => actor::Role::Admin,
            WitRole::Courier => actor::Role::Courier,
            WitRole::System => actor::Role::System,
        }
    }
}

impl From<&actor::Actor> for WitActor {
    fn from(a: &actor::Actor) -> Self {
        WitActor {
            id: a.id.clone(),
            role: a.role.into(),
            name: a.name.clone(),
            department: a.department.clone(),
            id_number: a.id_number.clone(),
        }
    }
}

impl From<&contract::CallContext> for WitCallContext {
    fn from(c: &contract::CallContext) -> Self {
        WitCallContext {
            today: c.today.clone(),
            now: c.now.clone(),
            case_number: c.case_number.clone(),
            preview: c.preview,
        }
    }
}

impl From<&contract::CaseView> for WitCaseInfo {
    fn from(c: &contract::CaseView) -> Self {
        WitCaseInfo {
            number: c.number.clone(),
            state: c.state.clone(),
            form: c.form.clone(),
            derived: c.derived.clone(),
            applicant: (&c.applicant).into(),
            submitted_at: c.submitted_at.clone(),
        }
    }
}

impl From<WitFieldError> for contract::FieldError {
    fn from(e: WitFieldError) -> Self {
        contract::FieldError {
            field: e.field,
            code: e.code,
            message: e.message,
        }
    }
}

impl From<WitAccepted> for contract::Accepted {
    fn from(a: WitAccepted) -> Self {
        contract::Accepted {
            derived: a.derived,
            then: a.then.map(|s| contract::Step {
                action: s.action,
                to: s.to,
                note: s.note,
            }),
        }
    }
}

impl From<WitTransition> for contract::Transition {
    fn from(t: WitTransition) -> Self {
        contract::Transition {
            to: t.to,
            derived: t.derived,
            note: t.note,
        }
    }
}

impl From<WitItemError> for contract::ItemError {
    fn from(e: WitItemError) -> Self {
        match e {
            WitItemError::Invalid(errors) => {
                contract::ItemError::Invalid(errors.into_iter().map(Into::into).collect())
            }
            WitItemError::Refused(m) => contract::ItemError::Refused(m),
            WitItemError::Failed(m) => contract::ItemError::Failed(m),
        }
    }
}

/// The catalog entry as the domain keeps it. The form schema travels as JSON text; text that is
/// not JSON makes the entry invalid (the structural checks are `ItemInfo::check`'s job).
pub fn item_info(info: WitItemInfo) -> Result<catalog::ItemInfo, catalog::CatalogError> {
    let form_schema = serde_json::from_str(&info.form_schema)
        .map_err(|e| catalog::CatalogError::BadSchema(format!("form-schema is not JSON: {e}")))?;
    Ok(catalog::ItemInfo {
        code: info.code,
        version: info.version,
        name: info.name,
        department: info.department,
        summary: info.summary,
        legal_basis: info.legal_basis,
        audience: info.audience,
        materials: info
            .materials
            .into_iter()
            .map(|m| catalog::Material {
                name: m.name,
                description: m.description,
                required: m.required,
            })
            .collect(),
        statutory_days: info.statutory_days,
        promised_days: info.promised_days,
        fees: info
            .fees
            .into_iter()
            .map(|f| catalog::Fee {
                name: f.name,
                amount_fen: f.amount_fen,
                basis: f.basis,
            })
            .collect(),
        channels: info.channels,
        form_schema,
        workflow: catalog::Workflow {
            initial: info.workflow.initial,
            states: info
                .workflow
                .states
                .into_iter()
                .map(|s| catalog::State {
                    name: s.name,
                    label: s.label,
                    terminal: s.terminal,
                    sla_days: s.sla_days,
                    waits_on_applicant: s.waits_on_applicant,
                })
                .collect(),
            actions: info
                .workflow
                .actions
                .into_iter()
                .map(|a| catalog::Action {
                    name: a.name,
                    label: a.label,
                    from: a.from,
                    to: a.to,
                    roles: a.roles.into_iter().map(Into::into).collect(),
                    departments: a.departments,
                    comment_required: a.comment_required,
                })
                .collect(),
        },
    })
}

impl From<contract::CertificateView> for WitCertificate {
    fn from(c: contract::CertificateView) -> Self {
        WitCertificate {
            serial: c.serial,
            kind: c.kind,
            holder: c.holder,
            data: c.data,
            issued_on: c.issued_on,
            valid_until: c.valid_until,
            case_number: c.case_number,
        }
    }
}

impl From<contract::HostError> for WitHostError {
    fn from(e: contract::HostError) -> Self {
        match e {
            contract::HostError::Denied(m) => WitHostError::Denied(m),
            contract::HostError::Invalid(m) => WitHostError::Invalid(m),
            contract::HostError::Unavailable(m) => WitHostError::Unavailable(m),
        }
    }
}

impl From<WitAddress> for contract::Address {
    fn from(a: WitAddress) -> Self {
        contract::Address {
            name: a.name,
            phone: a.phone,
            address: a.address,
        }
    }
}

impl From<WitLevel> for contract::LogLevel {
    fn from(level: WitLevel) -> Self {
        match level {
            WitLevel::Debug => contract::LogLevel::Debug,
            WitLevel::Info => contract::LogLevel::Info,
            WitLevel::Warn => contract::LogLevel::Warn,
            WitLevel::Error => contract::LogLevel::Error,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::yiwang::service::types::Workflow as WitWorkflow;
    use super::*;

    #[test]
    fn roles_round_trip() {
        for role in [
            actor::Role::Citizen,
            actor::Role::Reviewer,
            actor::Role::Developer,
            actor::Role::Admin,
            actor::Role::Courier,
            actor::Role::System,
        ] {
            assert_eq!(actor::Role::from(WitRole::from(role)), role);
        }
    }

    #[test]
    fn a_form_schema_that_is_not_json_makes_the_entry_invalid() {
        let info = WitItemInfo {
            code: "demo-item".into(),
            version: "1.0.0".into(),
            name: "示例".into(),
            department: "demo".into(),
            summary: "示例".into(),
            legal_basis: vec!["依据".into()],
            audience: "群众".into(),
            materials: vec![],
            statutory_days: 5,
            promised_days: 5,
            fees: vec![],
            channels: vec!["web".into()],
            form_schema: "{not json".into(),
            workflow: WitWorkflow {
                initial: "a".into(),
                states: vec![],
                actions: vec![],
            },
        };
        assert!(
            matches!(item_info(info), Err(catalog::CatalogError::BadSchema(m)) if m.contains("not JSON"))
        );
    }
}
