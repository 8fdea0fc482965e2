//! The schools offering points-based places this season, with the places each offers (学位数),
//! and the check of an applicant's choices (志愿). The list is the item's own, published in its
//! README; a new season's list is a new version of the item.

use serde::{Deserialize, Serialize};
use yiwang_sdk::ItemError;

/// The most schools an applicant may choose.
pub const MAX_CHOICES: usize = 3;

/// The stage the child enters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Stage {
    /// 小学一年级
    Primary,
    /// 初中一年级
    Junior,
}

impl Stage {
    pub const ALL: [Self; 2] = [Self::Primary, Self::Junior];

    pub fn code(self) -> &'static str {
        match self {
            Self::Primary => "primary",
            Self::Junior => "junior",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Primary => "小学一年级",
            Self::Junior => "初中一年级",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct School {
    pub code: &'static str,
    pub name: &'static str,
    pub stage: Stage,
    /// Places offered to points-based applicants.
    pub capacity: u32,
}

pub const SCHOOLS: [School; 6] = [
    School {
        code: "guancheng-central",
        name: "东莞市莞城中心小学",
        stage: Stage::Primary,
        capacity: 2,
    },
    School {
        code: "nancheng-yangguang",
        name: "东莞市南城阳光小学",
        stage: Stage::Primary,
        capacity: 1,
    },
    School {
        code: "dongcheng-first",
        name: "东莞市东城第一小学",
        stage: Stage::Primary,
        capacity: 2,
    },
    School {
        code: "songshan-lake",
        name: "东莞松山湖实验小学",
        stage: Stage::Primary,
        capacity: 120,
    },
    School {
        code: "guancheng-middle",
        name: "东莞市莞城中学",
        stage: Stage::Junior,
        capacity: 2,
    },
    School {
        code: "nancheng-middle",
        name: "东莞市南城中学",
        stage: Stage::Junior,
        capacity: 90,
    },
];

pub fn school(code: &str) -> Option<&'static School> {
    SCHOOLS.iter().find(|school| school.code == code)
}

/// The applicant's choices, checked: one to three distinct schools of the child's stage.
pub fn check_choices(stage: Stage, choices: &[String]) -> Result<Vec<String>, ItemError> {
    let invalid = |code: &str, message: String| ItemError::invalid_field("schools", code, message);
    if choices.is_empty() {
        return Err(invalid("no-school", "请至少选择一所学校".into()));
    }
    if choices.len() > MAX_CHOICES {
        return Err(invalid(
            "too-many-schools",
            format!("最多可选择{MAX_CHOICES}所学校，您选择了{}所", choices.len()),
        ));
    }
    for (i, code) in choices.iter().enumerate() {
        let Some(school) = school(code) else {
            return Err(invalid(
                "unknown-school",
                format!("没有编码为“{code}”的积分入学学校"),
            ));
        };
        if school.stage != stage {
            return Err(invalid(
                "wrong-stage",
                format!("{}不招收{}学生", school.name, stage.label()),
            ));
        }
        if choices[..i].contains(code) {
            return Err(invalid(
                "duplicate-school",
                format!("{}重复选择", school.name),
            ));
        }
    }
    Ok(choices.to_vec())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn codes(list: &[&str]) -> Vec<String> {
        list.iter().map(|c| (*c).to_owned()).collect()
    }

    fn code_of(result: Result<Vec<String>, ItemError>) -> String {
        match result {
            Err(ItemError::Invalid(errors)) => errors[0].code.clone(),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn up_to_three_schools_of_the_childs_stage_are_accepted() {
        let chosen = codes(&["nancheng-yangguang", "guancheng-central", "songshan-lake"]);
        assert_eq!(check_choices(Stage::Primary, &chosen).unwrap(), chosen);
        assert!(check_choices(Stage::Junior, &codes(&["guancheng-middle"])).is_ok());
    }

    #[test]
    fn too_many_unknown_duplicate_or_wrong_stage_choices_are_refused() {
        let four = codes(&[
            "guancheng-central",
            "nancheng-yangguang",
            "dongcheng-first",
            "songshan-lake",
        ]);
        assert_eq!(
            code_of(check_choices(Stage::Primary, &four)),
            "too-many-schools"
        );
        assert_eq!(
            code_of(check_choices(Stage::Primary, &codes(&["hogwarts"]))),
            "unknown-school"
        );
        assert_eq!(
            code_of(check_choices(Stage::Primary, &codes(&["guancheng-middle"]))),
            "wrong-stage"
        );
        let twice = codes(&["songshan-lake", "songshan-lake"]);
        assert_eq!(
            code_of(check_choices(Stage::Primary, &twice)),
            "duplicate-school"
        );
        assert_eq!(code_of(check_choices(Stage::Primary, &[])), "no-school");
    }

    #[test]
    fn school_codes_are_unique() {
        for (i, school) in SCHOOLS.iter().enumerate() {
            assert!(
                SCHOOLS[..i].iter().all(|s| s.code != school.code),
                "{}",
                school.code
            );
        }
    }
}
