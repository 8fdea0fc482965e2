//! Conversions between the generated types of `yiwang:service@0.1.0` and the model's plain types:
//! the shared ones expanded from [`conversions`](crate::runtime::wit::shared::conversions), and
//! what 0.1.0 means in the model's newer terms (no labels; `submit` refusing with field errors
//! only). Nothing outside the runtime sees these types.

use super::{
    WitAccepted, WitActor, WitAddress, WitCallContext, WitCaseInfo, WitCertificate, WitFieldError,
    WitHostError, WitItemError, WitItemInfo, WitLevel, WitRole, WitTransition,
};
use crate::model::{actor, catalog, contract};

crate::runtime::wit::shared::conversions!();

/// 0.1.0 declared no labels.
pub fn item_info(info: WitItemInfo) -> Result<catalog::ItemInfo, catalog::CatalogError> {
    item_info_with(info, catalog::Labels::default())
}

/// 0.1.0's `submit` could refuse only with field errors.
impl From<Vec<WitFieldError>> for contract::SubmitError {
    fn from(errors: Vec<WitFieldError>) -> Self {
        contract::SubmitError::Fields(errors.into_iter().map(Into::into).collect())
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
