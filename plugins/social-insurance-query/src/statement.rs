//! The statement a citizen sees (缴费明细): the months asked for, newest first, each with its
//! overall status, and the counts. Pure: the record comes in, JSON-ready data goes out.
//!
//! A month may have several entries (two employers in a month of changing jobs, a back payment):
//! each entry is listed, but the counts are of calendar months. A month is in arrears when any
//! insurance of any of its entries is in arrears, paid when none is and at least one is paid, and
//! otherwise not insured.

use std::collections::BTreeMap;

use serde::Serialize;
use yiwang_sdk::month::YearMonth;

use crate::input::Range;
use crate::record::{Contribution, Record, Status};

#[derive(Debug, Serialize, PartialEq, Eq)]
pub struct Statement {
    pub name: String,
    pub insured_since: Option<YearMonth>,
    /// Paid months on the whole record, regardless of the range (累计缴费月数): the record's
    /// `earlier_paid_months` plus the paid calendar months it lists.
    pub total_months: usize,
    /// The entries in the range, newest month first; entries of one month keep the record's order.
    pub months: Vec<Line>,
    pub summary: Summary,
}

/// One entry of the record, with the status of its month as a whole.
#[derive(Debug, Serialize, PartialEq, Eq)]
pub struct Line {
    #[serde(flatten)]
    pub contribution: Contribution,
    /// `paid`, `arrears` or `not-insured`, as for each insurance.
    pub status: Status,
}

#[derive(Debug, Default, Serialize, PartialEq, Eq)]
pub struct Summary {
    /// Calendar months with an entry in the range.
    pub months_in_range: usize,
    pub paid_months: usize,
    pub arrears_months: usize,
}

impl Statement {
    /// The statement of someone the registry has no record of: nothing paid, nothing owed.
    pub fn empty(name: &str) -> Self {
        Self {
            name: name.to_owned(),
            insured_since: None,
            total_months: 0,
            months: Vec::new(),
            summary: Summary::default(),
        }
    }

    pub fn of(record: Record, range: Range) -> Self {
        let by_month = month_statuses(&record.months);
        let total_months = record.earlier_paid_months as usize
            + by_month
                .values()
                .filter(|&&status| status == Status::Paid)
                .count();
        let in_range: Vec<(&YearMonth, &Status)> = by_month
            .iter()
            .filter(|(month, _)| range.contains(**month))
            .collect();
        let summary = Summary {
            months_in_range: in_range.len(),
            paid_months: count(&in_range, Status::Paid),
            arrears_months: count(&in_range, Status::Arrears),
        };
        let mut months: Vec<Line> = record
            .months
            .into_iter()
            .filter(|entry| range.contains(entry.month))
            .map(|contribution| Line {
                status: by_month[&contribution.month],
                contribution,
            })
            .collect();
        // Stable: entries of one month stay in the record's order.
        months.sort_by_key(|line| std::cmp::Reverse(line.contribution.month));
        Self {
            name: record.name,
            insured_since: record.insured_since,
            total_months,
            months,
            summary,
        }
    }
}

/// The status of one entry: arrears beats paid beats not insured.
pub fn entry_status(entry: &Contribution) -> Status {
    let statuses = entry.statuses();
    if statuses.contains(&Status::Arrears) {
        Status::Arrears
    } else if statuses.contains(&Status::Paid) {
        Status::Paid
    } else {
        Status::NotInsured
    }
}

/// Each calendar month's status, combining its entries the same way as the insurances of one.
fn month_statuses(entries: &[Contribution]) -> BTreeMap<YearMonth, Status> {
    let mut months = BTreeMap::new();
    for entry in entries {
        let status = entry_status(entry);
        months
            .entry(entry.month)
            .and_modify(|month: &mut Status| *month = worse(*month, status))
            .or_insert(status);
    }
    months
}

fn worse(a: Status, b: Status) -> Status {
    let rank = |status| match status {
        Status::Arrears => 2,
        Status::Paid => 1,
        Status::NotInsured => 0,
    };
    if rank(b) > rank(a) { b } else { a }
}

fn count(months: &[(&YearMonth, &Status)], wanted: Status) -> usize {
    months
        .iter()
        .filter(|(_, status)| **status == wanted)
        .count()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const EMPLOYER: &str = "东莞市某某电子有限公司";

    fn month(text: &str) -> YearMonth {
        text.parse().unwrap()
    }

    fn paid(text: &str) -> Contribution {
        Contribution {
            month: month(text),
            employer: EMPLOYER.into(),
            base_fen: 520_000,
            pension: Status::Paid,
            medical: Status::Paid,
            unemployment: Status::Paid,
            injury: Status::Paid,
            maternity: Status::Paid,
        }
    }

    fn record(months: Vec<Contribution>) -> Record {
        Record {
            name: "张三".into(),
            insured_since: Some(month("2015-07")),
            earlier_paid_months: 0,
            months,
        }
    }

    fn range(from: Option<&str>, to: Option<&str>) -> Range {
        Range {
            from: from.map(month),
            to: to.map(month),
        }
    }

    fn listed(statement: &Statement) -> Vec<String> {
        statement
            .months
            .iter()
            .map(|line| line.contribution.month.to_string())
            .collect()
    }

    #[test]
    fn months_are_listed_newest_first_whatever_the_records_order() {
        let statement = Statement::of(
            record(vec![
                paid("2026-01"),
                paid("2026-03"),
                paid("2025-12"),
                paid("2026-02"),
            ]),
            Range::default(),
        );
        assert_eq!(
            listed(&statement),
            ["2026-03", "2026-02", "2026-01", "2025-12"]
        );
        assert_eq!(statement.total_months, 4);
        assert_eq!(
            statement.summary,
            Summary {
                months_in_range: 4,
                paid_months: 4,
                arrears_months: 0
            }
        );
    }

    #[test]
    fn one_insurance_in_arrears_puts_the_month_in_arrears() {
        let mut owed = paid("2026-02");
        owed.injury = Status::Arrears;
        let statement = Statement::of(record(vec![paid("2026-01"), owed]), Range::default());
        assert_eq!(statement.months[0].status, Status::Arrears);
        assert_eq!(statement.months[1].status, Status::Paid);
        assert_eq!(statement.total_months, 1);
        assert_eq!(
            (
                statement.summary.paid_months,
                statement.summary.arrears_months
            ),
            (1, 1)
        );
    }

    #[test]
    fn a_month_without_any_paid_insurance_is_not_insured_and_counts_neither_way() {
        let mut none = paid("2026-01");
        none.pension = Status::NotInsured;
        none.medical = Status::NotInsured;
        none.unemployment = Status::NotInsured;
        none.injury = Status::NotInsured;
        none.maternity = Status::NotInsured;
        let mut partial = paid("2026-02");
        partial.unemployment = Status::NotInsured;
        let statement = Statement::of(record(vec![none, partial]), Range::default());
        assert_eq!(
            entry_status(&statement.months[1].contribution),
            Status::NotInsured
        );
        assert_eq!(
            statement.months[0].status,
            Status::Paid,
            "partly insured is paid"
        );
        assert_eq!(
            statement.summary,
            Summary {
                months_in_range: 2,
                paid_months: 1,
                arrears_months: 0
            }
        );
    }

    #[test]
    fn the_range_filters_the_lines_and_the_summary_but_not_the_total() {
        let months = ["2025-10", "2025-11", "2025-12", "2026-01", "2026-02"];
        let statement = Statement::of(
            record(months.iter().map(|m| paid(m)).collect()),
            range(Some("2025-11"), Some("2026-01")),
        );
        assert_eq!(listed(&statement), ["2026-01", "2025-12", "2025-11"]);
        assert_eq!(statement.summary.months_in_range, 3);
        assert_eq!(statement.total_months, 5);
        let nothing = Statement::of(
            record(months.iter().map(|m| paid(m)).collect()),
            range(Some("2027-01"), None),
        );
        assert!(nothing.months.is_empty());
        assert_eq!(nothing.summary, Summary::default());
        assert_eq!(nothing.total_months, 5);
    }

    #[test]
    fn months_paid_before_the_listed_ones_count_in_the_total_only() {
        let mut record = record(vec![paid("2026-01"), paid("2026-02")]);
        record.earlier_paid_months = 122;
        let statement = Statement::of(record, range(Some("2026-02"), None));
        assert_eq!(statement.total_months, 124);
        assert_eq!(statement.summary.paid_months, 1);
    }

    #[test]
    fn two_employers_in_one_month_are_two_lines_but_one_month() {
        let mut second = paid("2026-02");
        second.employer = "东莞市另一家制造有限公司".into();
        second.pension = Status::Arrears;
        let statement = Statement::of(
            record(vec![paid("2026-02"), second, paid("2026-01")]),
            Range::default(),
        );
        assert_eq!(listed(&statement), ["2026-02", "2026-02", "2026-01"]);
        assert_eq!(statement.months[0].contribution.employer, EMPLOYER);
        assert!(
            statement.months[..2]
                .iter()
                .all(|l| l.status == Status::Arrears)
        );
        assert_eq!(
            statement.summary,
            Summary {
                months_in_range: 2,
                paid_months: 1,
                arrears_months: 1
            }
        );
        assert_eq!(statement.total_months, 1);
    }

    #[test]
    fn nobody_on_record_gets_an_empty_statement() {
        let statement = Statement::empty("李四");
        assert_eq!(
            serde_json::to_value(&statement).unwrap(),
            json!({
                "name": "李四",
                "insured_since": null,
                "total_months": 0,
                "months": [],
                "summary": {"months_in_range": 0, "paid_months": 0, "arrears_months": 0}
            })
        );
    }

    #[test]
    fn the_output_keeps_the_records_fields_and_adds_the_months_status() {
        let record: Record = serde_json::from_value(json!({
            "name": "张三",
            "id_number": "441900199001011234",
            "insured_since": "2015-07",
            "months": [
                {"month": "2026-10", "employer": EMPLOYER, "base_fen": 520000,
                 "pension": "paid", "medical": "paid", "unemployment": "paid",
                 "injury": "paid", "maternity": "arrears"},
                {"month": "2026-09", "employer": EMPLOYER, "base_fen": 520000,
                 "pension": "paid", "medical": "paid"}
            ]
        }))
        .unwrap();
        let output = serde_json::to_value(Statement::of(record, Range::default())).unwrap();
        assert_eq!(
            output,
            json!({
                "name": "张三",
                "insured_since": "2015-07",
                "total_months": 1,
                "months": [
                    {"month": "2026-10", "employer": EMPLOYER, "base_fen": 520000,
                     "pension": "paid", "medical": "paid", "unemployment": "paid",
                     "injury": "paid", "maternity": "arrears", "status": "arrears"},
                    {"month": "2026-09", "employer": EMPLOYER, "base_fen": 520000,
                     "pension": "paid", "medical": "paid", "unemployment": "not-insured",
                     "injury": "not-insured", "maternity": "not-insured", "status": "paid"}
                ],
                "summary": {"months_in_range": 2, "paid_months": 1, "arrears_months": 1}
            })
        );
    }

    #[test]
    fn the_demo_record_gives_the_statement_the_readme_shows() {
        let line: serde_json::Value =
            serde_json::from_str(include_str!("../demo/social-insurance.jsonl")).unwrap();
        assert_eq!(line["key"], "441900199001011234");
        assert_eq!(line["subject_id"], "441900199001011234");
        let record: Record = serde_json::from_value(line["data"].clone()).unwrap();
        let all = Statement::of(record.clone(), Range::default());
        assert_eq!(all.total_months, 135);
        assert_eq!(
            all.summary,
            Summary {
                months_in_range: 14,
                paid_months: 13,
                arrears_months: 1
            }
        );
        assert_eq!(
            (
                listed(&all).first().unwrap().as_str(),
                listed(&all).last().unwrap().as_str()
            ),
            ("2026-10", "2025-09")
        );
        let around = Statement::of(record, range(Some("2026-05"), Some("2026-07")));
        assert_eq!(listed(&around), ["2026-07", "2026-06", "2026-05"]);
        assert_eq!(around.months[1].status, Status::Arrears);
        assert_eq!(
            around.summary,
            Summary {
                months_in_range: 3,
                paid_months: 2,
                arrears_months: 1
            }
        );
    }

    #[test]
    fn an_unknown_status_makes_the_record_malformed() {
        let bad = serde_json::from_value::<Record>(json!({
            "name": "张三",
            "months": [{"month": "2026-10", "employer": EMPLOYER, "base_fen": 1, "pension": "late"}]
        }));
        assert!(bad.is_err());
    }
}
