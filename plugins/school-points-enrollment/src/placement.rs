//! The placement (录取): a pure function of the applicants and the places left, so the result is
//! reproducible. Applicants are ranked by total points; ties are broken by months of social
//! insurance, then years of residence permit (both more first), then by application number
//! (earlier first, and numbers are unique, so the order is total). In rank order, each applicant
//! gets the first school of their choices that still has a place, or none.

use std::cmp::Reverse;
use std::collections::BTreeMap;

/// What the placement needs of one case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Applicant {
    pub number: String,
    pub total: u32,
    pub insurance_months: u32,
    pub residence_years: u32,
    /// School codes, in order of preference.
    pub choices: Vec<String>,
}

/// Ranks `applicants` and fills the schools' `places` (code → places left). Returns each
/// applicant's number and school, in rank order.
pub fn place(
    mut applicants: Vec<Applicant>,
    mut places: BTreeMap<String, u32>,
) -> Vec<(String, Option<String>)> {
    applicants.sort_by(|a, b| {
        let key = |x: &Applicant| {
            (
                Reverse(x.total),
                Reverse(x.insurance_months),
                Reverse(x.residence_years),
            )
        };
        key(a).cmp(&key(b)).then_with(|| a.number.cmp(&b.number))
    });
    applicants
        .into_iter()
        .map(|applicant| {
            let school = applicant.choices.iter().find(|code| {
                places.get_mut(code.as_str()).is_some_and(|left| {
                    let free = *left > 0;
                    if free {
                        *left -= 1;
                    }
                    free
                })
            });
            (applicant.number, school.cloned())
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn applicant(number: &str, total: u32, months: u32, years: u32, choices: &[&str]) -> Applicant {
        Applicant {
            number: number.into(),
            total,
            insurance_months: months,
            residence_years: years,
            choices: choices.iter().map(|c| (*c).to_owned()).collect(),
        }
    }

    fn places(list: &[(&str, u32)]) -> BTreeMap<String, u32> {
        list.iter().map(|(c, n)| ((*c).to_owned(), *n)).collect()
    }

    fn outcome(result: &[(String, Option<String>)]) -> Vec<(&str, Option<&str>)> {
        result
            .iter()
            .map(|(n, s)| (n.as_str(), s.as_deref()))
            .collect()
    }

    #[test]
    fn higher_points_choose_first_and_full_schools_pass_to_the_next_choice() {
        let result = place(
            vec![
                applicant("YW-3", 100, 0, 0, &["a", "b"]),
                applicant("YW-1", 200, 0, 0, &["a"]),
                applicant("YW-2", 150, 0, 0, &["a", "b"]),
                applicant("YW-4", 90, 0, 0, &["a", "b"]),
            ],
            places(&[("a", 1), ("b", 2)]),
        );
        assert_eq!(
            outcome(&result),
            [
                ("YW-1", Some("a")),
                ("YW-2", Some("b")),
                ("YW-3", Some("b")),
                ("YW-4", None)
            ]
        );
    }

    #[test]
    fn ties_go_to_more_insurance_then_more_residence_then_the_earlier_number() {
        let result = place(
            vec![
                applicant("YW-1", 100, 10, 5, &["a"]),
                applicant("YW-2", 100, 20, 1, &["a"]),
                applicant("YW-3", 100, 10, 6, &["a"]),
                applicant("YW-5", 100, 10, 6, &["a"]),
                applicant("YW-4", 100, 10, 6, &["a"]),
            ],
            places(&[("a", 5)]),
        );
        let order: Vec<&str> = result.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(order, ["YW-2", "YW-3", "YW-4", "YW-5", "YW-1"]);
    }

    #[test]
    fn the_result_does_not_depend_on_the_input_order() {
        let cohort = vec![
            applicant("YW-1", 120, 10, 5, &["a", "b"]),
            applicant("YW-2", 120, 10, 5, &["b", "a"]),
            applicant("YW-3", 130, 1, 1, &["a"]),
        ];
        let mut reversed = cohort.clone();
        reversed.reverse();
        let caps = places(&[("a", 1), ("b", 1)]);
        assert_eq!(place(cohort, caps.clone()), place(reversed, caps));
    }

    #[test]
    fn a_school_without_places_or_unknown_admits_no_one() {
        let result = place(
            vec![applicant("YW-1", 100, 0, 0, &["gone", "full"])],
            places(&[("full", 0)]),
        );
        assert_eq!(outcome(&result), [("YW-1", None)]);
    }
}
