//! The four parts of the score, each reviewed by its own department (并联审批), and the case's
//! derived data that keeps the bookkeeping: the facts, each part's review and points, the total,
//! the appeal and the schools chosen. Pure: the handlers read a [`Scoring`] from the case, change
//! it here and write it back.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use yiwang_sdk::ItemError;

use crate::points::{Facts, Housing, Table};

/// One department's part of the score.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Part {
    /// 居住证: 东莞市公安局（新莞人服务管理）.
    Residence,
    /// 社会保险: 东莞市社会保障局.
    SocialInsurance,
    /// 纳税: 国家税务总局东莞市税务局.
    Tax,
    /// 住房: 东莞市住房和城乡建设局.
    Housing,
}

pub const ALREADY_REVIEWED: &str = "该部分积分已审核，不能重复审核";

impl Part {
    pub const ALL: [Self; 4] = [
        Self::Residence,
        Self::SocialInsurance,
        Self::Tax,
        Self::Housing,
    ];

    /// The key in the derived data's `parts`.
    pub fn key(self) -> &'static str {
        match self {
            Self::Residence => "residence",
            Self::SocialInsurance => "social_insurance",
            Self::Tax => "tax",
            Self::Housing => "housing",
        }
    }

    pub fn action(self) -> &'static str {
        match self {
            Self::Residence => "review-residence",
            Self::SocialInsurance => "review-social-insurance",
            Self::Tax => "review-tax",
            Self::Housing => "review-housing",
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Self::Residence => "居住证积分",
            Self::SocialInsurance => "社会保险积分",
            Self::Tax => "纳税积分",
            Self::Housing => "住房积分",
        }
    }

    pub fn department(self) -> &'static str {
        match self {
            Self::Residence => "dongguan-public-security",
            Self::SocialInsurance => "dongguan-social-insurance",
            Self::Tax => "dongguan-tax",
            Self::Housing => "dongguan-housing",
        }
    }

    pub fn department_name(self) -> &'static str {
        match self {
            Self::Residence => "东莞市公安局（新莞人服务管理）",
            Self::SocialInsurance => "东莞市社会保障局",
            Self::Tax => "国家税务总局东莞市税务局",
            Self::Housing => "东莞市住房和城乡建设局",
        }
    }

    pub fn from_action(action: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|part| part.action() == action)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Status {
    /// 待审核
    Pending,
    /// 已确认
    Confirmed,
    /// 已更正
    Corrected,
}

/// One part as the applicant and the departments see it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Review {
    pub name: String,
    pub action: String,
    pub department: String,
    pub department_name: String,
    pub status: Status,
    pub points: u32,
    pub reason: Option<String>,
    pub reviewed_at: Option<String>,
}

/// Who the points were counted for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Parent {
    /// `applicant` or `spouse`.
    pub side: String,
    pub name: String,
    pub id_number: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Child {
    pub name: String,
    pub id_number: String,
}

/// The applicant's one appeal (复核申请).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Appeal {
    pub reason: String,
    pub appealed_at: String,
    /// The education bureau's answer, once re-reviewed.
    pub answer: Option<String>,
    pub answered_at: Option<String>,
}

/// The placement's outcome.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Placement {
    /// The school's code, or none when no chosen school had a place left.
    pub school: Option<String>,
    pub school_name: Option<String>,
    pub placed_at: String,
}

/// The case's derived data.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Scoring {
    /// The points table that scored the case (`2017`).
    pub table: String,
    pub scoring_parent: Parent,
    pub child: Child,
    pub facts: Facts,
    /// By [`Part::key`].
    pub parts: BTreeMap<String, Review>,
    pub total: u32,
    #[serde(default)]
    pub appeal: Option<Appeal>,
    /// Codes of the schools chosen, in order of preference (志愿).
    #[serde(default)]
    pub schools: Vec<String>,
    #[serde(default)]
    pub placement: Option<Placement>,
}

impl Scoring {
    /// A new case's scoring: every part pending, scored from the registries' facts.
    pub fn new(table: &Table, scoring_parent: Parent, child: Child, facts: Facts) -> Self {
        let parts = Part::ALL
            .into_iter()
            .map(|part| {
                let review = Review {
                    name: part.name().to_owned(),
                    action: part.action().to_owned(),
                    department: part.department().to_owned(),
                    department_name: part.department_name().to_owned(),
                    status: Status::Pending,
                    points: 0,
                    reason: None,
                    reviewed_at: None,
                };
                (part.key().to_owned(), review)
            })
            .collect();
        let mut scoring = Self {
            table: table.name.to_owned(),
            scoring_parent,
            child,
            facts,
            parts,
            total: 0,
            appeal: None,
            schools: Vec::new(),
            placement: None,
        };
        scoring.rescore(table);
        scoring
    }

    /// Recomputes each part's points and the total from the facts.
    pub fn rescore(&mut self, table: &Table) {
        let points = table.score(&self.facts);
        for (part, value) in [
            (Part::Residence, points.residence),
            (Part::SocialInsurance, points.social_insurance),
            (Part::Tax, points.tax),
            (Part::Housing, points.housing),
        ] {
            if let Some(review) = self.parts.get_mut(part.key()) {
                review.points = value;
            }
        }
        self.total = points.total;
    }

    /// A department confirms (no correction) or corrects its part, with a reason.
    pub fn review(
        &mut self,
        table: &Table,
        part: Part,
        correction: &Correction,
        reason: &str,
        now: &str,
    ) -> Result<(), ItemError> {
        let review = self.parts.get_mut(part.key()).ok_or_else(|| {
            ItemError::failed(format!("case.derived.parts.{} is missing", part.key()))
        })?;
        if review.status != Status::Pending {
            return Err(ItemError::refused(ALREADY_REVIEWED));
        }
        let before = self.facts;
        correction.apply(&mut self.facts);
        review.status = if self.facts == before {
            Status::Confirmed
        } else {
            Status::Corrected
        };
        review.reason = Some(reason.to_owned());
        review.reviewed_at = Some(now.to_owned());
        self.rescore(table);
        Ok(())
    }

    /// Parts not yet reviewed, in order.
    pub fn pending(&self) -> Vec<Part> {
        Part::ALL
            .into_iter()
            .filter(|part| {
                self.parts
                    .get(part.key())
                    .is_none_or(|r| r.status == Status::Pending)
            })
            .collect()
    }

    pub fn to_json(&self) -> Result<String, ItemError> {
        serde_json::to_string(self).map_err(|error| ItemError::failed(format!("derived: {error}")))
    }
}

/// What a reviewer may change: each part's own fact. A department's action accepts only its own
/// field; the education bureau's re-review any.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Correction {
    pub years: Option<u32>,
    pub months: Option<u32>,
    pub paid_fen: Option<u64>,
    pub housing: Option<Housing>,
}

impl Correction {
    /// The correction in `input`, refused when it names a field outside `parts`.
    pub fn parse(input: &str, parts: &[Part]) -> Result<Self, ItemError> {
        let invalid = |message: String| ItemError::invalid_field("", "invalid-correction", message);
        let map: Map<String, Value> = serde_json::from_str(input)
            .map_err(|error| invalid(format!("输入内容无法识别（{error}）")))?;
        for key in map.keys() {
            let allowed = parts.iter().any(|part| field_of(*part) == key);
            if !allowed {
                return Err(ItemError::invalid_field(
                    key,
                    "not-your-part",
                    format!("不能更正“{key}”：只能更正本部门负责的积分项"),
                ));
            }
        }
        serde_json::from_value(Value::Object(map))
            .map_err(|error| invalid(format!("更正内容有误（{error}）")))
    }

    fn apply(&self, facts: &mut Facts) {
        if let Some(years) = self.years {
            facts.residence_years = years;
        }
        if let Some(months) = self.months {
            facts.insurance_months = months;
        }
        if let Some(paid_fen) = self.paid_fen {
            facts.tax_paid_fen = paid_fen;
        }
        if let Some(housing) = self.housing {
            facts.housing = housing;
        }
    }
}

/// The input field that corrects `part`.
pub fn field_of(part: Part) -> &'static str {
    match part {
        Part::Residence => "years",
        Part::SocialInsurance => "months",
        Part::Tax => "paid_fen",
        Part::Housing => "housing",
    }
}

/// Applies an appeal's re-review: any part may be corrected.
pub fn correct_all(scoring: &mut Scoring, table: &Table, correction: &Correction) {
    correction.apply(&mut scoring.facts);
    scoring.rescore(table);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::points::{TABLE_2017, TABLE_2027};

    const NOW: &str = "2026-05-25T02:00:00Z";

    pub fn scoring(table: &Table) -> Scoring {
        Scoring::new(
            table,
            Parent {
                side: "applicant".into(),
                name: "张三".into(),
                id_number: "441900199001011234".into(),
            },
            Child {
                name: "张小明".into(),
                id_number: "441900202005011238".into(),
            },
            Facts {
                residence_years: 8,
                insurance_months: 135,
                tax_paid_fen: 320_000,
                housing: Housing::Rented,
            },
        )
    }

    #[test]
    fn a_new_case_has_every_part_pending_and_scored() {
        let s = scoring(&TABLE_2017);
        assert_eq!(s.pending(), Part::ALL);
        assert_eq!(s.total, 235);
        assert_eq!(s.parts["residence"].points, 80);
        assert_eq!(s.parts["tax"].department, "dongguan-tax");
        assert_eq!(s.table, "2017");
    }

    #[test]
    fn a_correction_changes_only_its_fact_and_the_total_follows() {
        let mut s = scoring(&TABLE_2017);
        let correction = Correction::parse(r#"{"paid_fen": 600000}"#, &[Part::Tax]).unwrap();
        s.review(&TABLE_2017, Part::Tax, &correction, "补录2025年度纳税", NOW)
            .unwrap();
        assert_eq!(s.parts["tax"].status, Status::Corrected);
        assert_eq!(s.parts["tax"].points, 20);
        assert_eq!(s.total, 245);
        assert_eq!(
            s.pending(),
            [Part::Residence, Part::SocialInsurance, Part::Housing]
        );
    }

    #[test]
    fn confirming_keeps_the_points_and_a_second_review_is_refused() {
        let mut s = scoring(&TABLE_2017);
        s.review(
            &TABLE_2017,
            Part::Housing,
            &Correction::default(),
            "租赁备案属实",
            NOW,
        )
        .unwrap();
        assert_eq!(s.parts["housing"].status, Status::Confirmed);
        let again = s.review(
            &TABLE_2017,
            Part::Housing,
            &Correction::default(),
            "再次",
            NOW,
        );
        assert_eq!(again, Err(ItemError::Refused(ALREADY_REVIEWED.into())));
        assert_eq!(s.parts["housing"].reason.as_deref(), Some("租赁备案属实"));
    }

    #[test]
    fn a_department_cannot_correct_another_part() {
        let refused = Correction::parse(r#"{"years": 12}"#, &[Part::Tax]);
        assert!(matches!(refused, Err(ItemError::Invalid(e)) if e[0].code == "not-your-part"));
        assert!(Correction::parse(r#"{"housing": "castle"}"#, &[Part::Housing]).is_err());
        assert_eq!(
            Correction::parse("{}", &[Part::Tax]).unwrap(),
            Correction::default()
        );
    }

    #[test]
    fn rescoring_uses_the_table_it_is_given() {
        let mut s = scoring(&TABLE_2017);
        s.rescore(&TABLE_2027);
        assert_eq!(s.total, 335);
    }

    #[test]
    fn the_scoring_round_trips_through_the_derived_json() {
        let s = scoring(&TABLE_2017);
        let json = s.to_json().unwrap();
        assert_eq!(serde_json::from_str::<Scoring>(&json).unwrap(), s);
        let value: Value = serde_json::from_str(&json).unwrap();
        assert_eq!(value["facts"]["housing"], "rented");
        assert_eq!(value["parts"]["social_insurance"]["status"], "pending");
    }
}
