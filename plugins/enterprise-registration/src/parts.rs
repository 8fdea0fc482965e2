//! The registrations and filings that follow the business licence (一照一码 fan-out), each worked
//! by its own department, and the bookkeeping of which are done. Pure: the case's derived data
//! holds a [`Parts`] map, which `submit` fills with the required parts as pending and each
//! department's action marks done; the case completes when none is pending.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use yiwang_sdk::ItemError;

use crate::form::Form;

/// One department's part of the registration.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Part {
    /// 税务登记: 国家税务总局东莞市税务局.
    Tax,
    /// 社会保险登记: 东莞市社会保障局.
    SocialInsurance,
    /// 人力资源业务备案: 东莞市人力资源局.
    HumanResources,
    /// 报关单位注册登记: 东莞海关, only for importers and exporters.
    CustomsDeclarant,
    /// 自理报检企业备案: 东莞出入境检验检疫局, only for importers and exporters.
    InspectionQuarantine,
}

/// The refusal for a part done already.
pub const ALREADY_DONE: &str = "该环节已办理";

impl Part {
    /// In the order the applicant sees them.
    pub const ALL: [Self; 5] = [
        Self::Tax,
        Self::SocialInsurance,
        Self::HumanResources,
        Self::CustomsDeclarant,
        Self::InspectionQuarantine,
    ];

    /// The key in the derived data's `parts`.
    pub fn key(self) -> &'static str {
        match self {
            Self::Tax => "tax",
            Self::SocialInsurance => "social_insurance",
            Self::HumanResources => "human_resources",
            Self::CustomsDeclarant => "customs_declarant",
            Self::InspectionQuarantine => "inspection_quarantine",
        }
    }

    /// The workflow action the part's department takes.
    pub fn action(self) -> &'static str {
        match self {
            Self::Tax => "register-tax",
            Self::SocialInsurance => "register-social-insurance",
            Self::HumanResources => "file-human-resources",
            Self::CustomsDeclarant => "register-customs-declarant",
            Self::InspectionQuarantine => "file-inspection-quarantine",
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Self::Tax => "税务登记",
            Self::SocialInsurance => "社会保险登记",
            Self::HumanResources => "人力资源业务备案",
            Self::CustomsDeclarant => "报关单位注册登记",
            Self::InspectionQuarantine => "自理报检企业备案",
        }
    }

    /// The label of the part's action.
    pub fn action_label(self) -> String {
        format!("办理{}", self.name())
    }

    /// The code of the department whose staff take the part's action.
    pub fn department(self) -> &'static str {
        match self {
            Self::Tax => "dongguan-tax",
            Self::SocialInsurance => "dongguan-social-insurance",
            Self::HumanResources => "dongguan-human-resources",
            Self::CustomsDeclarant => "dongguan-customs",
            Self::InspectionQuarantine => "dongguan-ciq",
        }
    }

    pub fn department_name(self) -> &'static str {
        match self {
            Self::Tax => "国家税务总局东莞市税务局",
            Self::SocialInsurance => "东莞市社会保障局",
            Self::HumanResources => "东莞市人力资源局",
            Self::CustomsDeclarant => "东莞海关",
            Self::InspectionQuarantine => "东莞出入境检验检疫局",
        }
    }

    pub fn from_action(action: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|part| part.action() == action)
    }

    /// The parts an enterprise must go through: tax, social insurance and human-resources filing
    /// always (every employer registers for social insurance, 《社会保险法》第五十七条), customs
    /// and inspection/quarantine only for one that imports or exports.
    pub fn required_for(form: &Form) -> Vec<Self> {
        Self::ALL
            .into_iter()
            .filter(|part| {
                form.imports_exports
                    || !matches!(part, Self::CustomsDeclarant | Self::InspectionQuarantine)
            })
            .collect()
    }
}

/// Each required part's progress, by [`Part::key`].
pub type Parts = BTreeMap<String, Progress>;

/// Where one part stands, as the applicant and the departments see it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Progress {
    /// 税务登记
    pub name: String,
    /// The action that does it (`register-tax`).
    pub action: String,
    pub department: String,
    pub department_name: String,
    pub status: Status,
    /// When the department did it (RFC 3339), once done.
    pub done_at: Option<String>,
    /// The registration number the department gave (by default the unified social credit code:
    /// 一照一码), once done.
    pub reference: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Status {
    /// 待办理
    Pending,
    /// 已办结
    Done,
}

/// `parts`, all pending.
pub fn pending(parts: &[Part]) -> Parts {
    parts
        .iter()
        .map(|&part| {
            let progress = Progress {
                name: part.name().to_owned(),
                action: part.action().to_owned(),
                department: part.department().to_owned(),
                department_name: part.department_name().to_owned(),
                status: Status::Pending,
                done_at: None,
                reference: None,
            };
            (part.key().to_owned(), progress)
        })
        .collect()
}

/// Whether `part` may be done now: refused when the enterprise does not need it or it is done
/// already.
pub fn ensure_pending(parts: &Parts, part: Part) -> Result<(), ItemError> {
    match parts.get(part.key()) {
        None => Err(ItemError::refused(format!(
            "本企业无需办理{}（未申报进出口业务）",
            part.name()
        ))),
        Some(progress) if progress.status == Status::Done => Err(ItemError::refused(ALREADY_DONE)),
        Some(_) => Ok(()),
    }
}

/// Marks `part` done, refused as [`ensure_pending`] says.
pub fn complete(
    parts: &mut Parts,
    part: Part,
    done_at: &str,
    reference: &str,
) -> Result<(), ItemError> {
    ensure_pending(parts, part)?;
    let progress = parts.get_mut(part.key()).expect("pending, so present");
    progress.status = Status::Done;
    progress.done_at = Some(done_at.to_owned());
    progress.reference = Some(reference.to_owned());
    Ok(())
}

/// The parts still pending, in the order the applicant sees them.
pub fn outstanding(parts: &Parts) -> Vec<Part> {
    Part::ALL
        .into_iter()
        .filter(|part| {
            parts
                .get(part.key())
                .is_some_and(|progress| progress.status == Status::Pending)
        })
        .collect()
}

/// `税务登记、社会保险登记`: part names for a message.
pub fn names(parts: &[Part]) -> String {
    parts
        .iter()
        .map(|part| part.name())
        .collect::<Vec<_>>()
        .join("、")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::eligibility::tests::form;

    const NOW: &str = "2026-11-03T02:00:00Z";
    const USCC: &str = "91441900MA4UJ6N83K";

    fn keys(parts: &Parts) -> Vec<&str> {
        parts.keys().map(String::as_str).collect()
    }

    #[test]
    fn every_enterprise_registers_for_tax_social_insurance_and_human_resources() {
        let mut domestic = form();
        domestic.imports_exports = false;
        assert_eq!(
            Part::required_for(&domestic),
            [Part::Tax, Part::SocialInsurance, Part::HumanResources]
        );
    }

    #[test]
    fn an_importer_or_exporter_also_registers_with_customs_and_inspection() {
        assert_eq!(Part::required_for(&form()), Part::ALL);
    }

    #[test]
    fn a_new_case_has_each_required_part_pending() {
        let parts = pending(&Part::required_for(&form()));
        assert_eq!(
            keys(&parts),
            [
                "customs_declarant",
                "human_resources",
                "inspection_quarantine",
                "social_insurance",
                "tax"
            ]
        );
        assert!(
            parts.values().all(|p| p.status == Status::Pending
                && p.done_at.is_none()
                && p.reference.is_none())
        );
        assert_eq!(outstanding(&parts), Part::ALL);
        assert_eq!(parts["tax"].action, "register-tax");
        assert_eq!(parts["tax"].department, "dongguan-tax");
    }

    #[test]
    fn the_case_is_done_only_when_the_last_part_is() {
        let mut parts = pending(&[Part::Tax, Part::SocialInsurance, Part::HumanResources]);
        complete(&mut parts, Part::SocialInsurance, NOW, USCC).unwrap();
        complete(&mut parts, Part::Tax, NOW, USCC).unwrap();
        assert_eq!(outstanding(&parts), [Part::HumanResources]);
        complete(&mut parts, Part::HumanResources, NOW, "HR-0001").unwrap();
        assert!(outstanding(&parts).is_empty());
        assert_eq!(parts["tax"].done_at.as_deref(), Some(NOW));
        assert_eq!(
            parts["human_resources"].reference.as_deref(),
            Some("HR-0001")
        );
    }

    #[test]
    fn a_part_done_twice_is_refused_and_keeps_its_first_record() {
        let mut parts = pending(&[Part::Tax]);
        complete(&mut parts, Part::Tax, NOW, USCC).unwrap();
        let again = complete(&mut parts, Part::Tax, "2026-11-04T02:00:00Z", "other");
        assert_eq!(again, Err(ItemError::Refused(ALREADY_DONE.into())));
        assert_eq!(parts["tax"].reference.as_deref(), Some(USCC));
    }

    #[test]
    fn a_part_the_enterprise_does_not_need_is_refused() {
        let mut parts = pending(&[Part::Tax, Part::SocialInsurance, Part::HumanResources]);
        let customs = complete(&mut parts, Part::CustomsDeclarant, NOW, USCC);
        assert!(matches!(customs, Err(ItemError::Refused(m)) if m.contains("报关单位注册登记")));
        assert!(!parts.contains_key("customs_declarant"));
    }

    #[test]
    fn actions_and_parts_correspond_one_to_one() {
        for part in Part::ALL {
            assert_eq!(Part::from_action(part.action()), Some(part));
        }
        assert_eq!(Part::from_action("approve"), None);
        assert_eq!(
            names(&[Part::Tax, Part::CustomsDeclarant]),
            "税务登记、报关单位注册登记"
        );
    }

    #[test]
    fn progress_round_trips_through_the_derived_json() {
        let mut parts = pending(&[Part::Tax]);
        complete(&mut parts, Part::Tax, NOW, USCC).unwrap();
        let json = serde_json::to_value(&parts).unwrap();
        assert_eq!(
            json,
            serde_json::json!({"tax": {
                "name": "税务登记", "action": "register-tax", "department": "dongguan-tax",
                "department_name": "国家税务总局东莞市税务局", "status": "done",
                "done_at": NOW, "reference": USCC
            }})
        );
        assert_eq!(serde_json::from_value::<Parts>(json).unwrap(), parts);
    }
}
