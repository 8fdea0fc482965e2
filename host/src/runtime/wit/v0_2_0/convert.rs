//! Conversions between the generated types of `yiwang:service@0.2.0` and the model's plain types:
//! the shared ones expanded from [`conversions`](crate::runtime::wit::shared::conversions), and
//! what 0.2.0 added (labels, `submit-error`, `decision`). Nothing outside the runtime sees these
//! types.

use std::collections::BTreeMap;

use super::yiwang::service::types::Label as WitLabel;
use super::{
    WitAccepted, WitActor, WitAddress, WitCallContext, WitCaseInfo, WitCertificate, WitDecision,
    WitFieldError, WitHostError, WitItemError, WitItemInfo, WitLevel, WitRole, WitSubmitError,
    WitTransition,
};
use crate::model::{actor, catalog, contract};

crate::runtime::wit::shared::conversions!();

/// The catalog entry with its labels; a code labelled twice makes the entry invalid.
pub fn item_info(mut info: WitItemInfo) -> Result<catalog::ItemInfo, catalog::CatalogError> {
    let labels = catalog::Labels {
        certificates: labels(
            "certificates",
            std::mem::take(&mut info.labels.certificates),
        )?,
        deliveries: labels("deliveries", std::mem::take(&mut info.labels.deliveries))?,
    };
    item_info_with(info, labels)
}

fn labels(
    what: &str,
    list: Vec<WitLabel>,
) -> Result<BTreeMap<String, String>, catalog::CatalogError> {
    let mut map = BTreeMap::new();
    for label in list {
        if map.insert(label.code.clone(), label.text).is_some() {
            return Err(catalog::CatalogError::BadLabel(format!(
                "{what} label `{}` is declared twice",
                label.code
            )));
        }
    }
    Ok(map)
}

impl From<WitSubmitError> for contract::SubmitError {
    fn from(e: WitSubmitError) -> Self {
        match e {
            WitSubmitError::Fields(errors) => {
                contract::SubmitError::Fields(errors.into_iter().map(Into::into).collect())
            }
            WitSubmitError::Item(error) => contract::SubmitError::Item(error.into()),
        }
    }
}

impl From<WitDecision> for contract::Decision {
    fn from(d: WitDecision) -> Self {
        contract::Decision {
            case_number: d.case_number,
            action: d.action,
            comment: d.comment,
            input: d.input,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_code_labelled_twice_is_refused() {
        let twice = vec![
            WitLabel {
                code: "mark".into(),
                text: "标志".into(),
            },
            WitLabel {
                code: "mark".into(),
                text: "标志二".into(),
            },
        ];
        assert!(
            matches!(labels("certificates", twice), Err(catalog::CatalogError::BadLabel(m)) if m.contains("twice"))
        );
    }
}
