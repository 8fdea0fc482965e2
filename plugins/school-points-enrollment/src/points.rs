//! The points table (积分标准) and the scoring: pure functions from the four facts the
//! departments vouch for to points per part and a total. The table is compiled in: a case is
//! pinned to the item version that scored it, so re-scoring an old case (a reviewer's correction
//! after a new table was published) uses the table of its own version.
//!
//! Which table a build carries is chosen when it is built (`YIWANG_POINTS_TABLE`, `2017` when
//! unset); `cargo xtask build` also builds the `2027` variant at a higher version.

use serde::{Deserialize, Serialize};

/// Housing in the city (住房情况).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Housing {
    /// 自有产权住房
    Owned,
    /// 登记备案的租赁住房
    Rented,
    /// 无
    None,
}

/// What the points are computed from, one fact per part.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Facts {
    /// Full years holding a Guangdong residence permit in the city (居住证).
    pub residence_years: u32,
    /// Months of social-insurance contributions in the city (社保).
    pub insurance_months: u32,
    /// Individual income tax paid in the city over the last three tax years, fen (纳税).
    pub tax_paid_fen: u64,
    pub housing: Housing,
}

/// A points table: how many points each fact is worth.
#[derive(Debug, PartialEq, Eq)]
pub struct Table {
    /// `2017`
    pub name: &'static str,
    pub residence_per_year: u32,
    pub residence_max: u32,
    pub insurance_per_month: u32,
    pub insurance_max: u32,
    /// `(at least this much tax in fen, points)`, ascending: the highest bracket reached counts.
    pub tax_brackets: &'static [(u64, u32)],
    pub owned: u32,
    pub rented: u32,
}

/// The table modelled on Dongguan's 2017 scheme (《东莞市义务教育阶段异地务工人员随迁子女积分制入学积分方案》).
pub const TABLE_2017: Table = Table {
    name: "2017",
    residence_per_year: 10,
    residence_max: 100,
    insurance_per_month: 1,
    insurance_max: 180,
    tax_brackets: &[(100_000, 10), (500_000, 20), (2_000_000, 40)],
    owned: 30,
    rented: 10,
};

/// A revised table (residence weighs less, contributions and housing more).
pub const TABLE_2027: Table = Table {
    name: "2027",
    residence_per_year: 5,
    residence_max: 50,
    insurance_per_month: 2,
    insurance_max: 360,
    tax_brackets: &[(100_000, 5), (500_000, 10), (2_000_000, 20)],
    owned: 60,
    rented: 20,
};

const fn same(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a.len() != b.len() {
        return false;
    }
    let mut i = 0;
    while i < a.len() {
        if a[i] != b[i] {
            return false;
        }
        i += 1;
    }
    true
}

/// The table this build scores with.
pub const TABLE: &Table = match option_env!("YIWANG_POINTS_TABLE") {
    None => &TABLE_2017,
    Some(name) if same(name, "2017") => &TABLE_2017,
    Some(name) if same(name, "2027") => &TABLE_2027,
    Some(_) => panic!("YIWANG_POINTS_TABLE must be 2017 or 2027"),
};

/// Points per part and the total.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Breakdown {
    pub residence: u32,
    pub social_insurance: u32,
    pub tax: u32,
    pub housing: u32,
    pub total: u32,
}

impl Table {
    pub fn residence(&self, years: u32) -> u32 {
        years
            .saturating_mul(self.residence_per_year)
            .min(self.residence_max)
    }

    pub fn social_insurance(&self, months: u32) -> u32 {
        months
            .saturating_mul(self.insurance_per_month)
            .min(self.insurance_max)
    }

    pub fn tax(&self, paid_fen: u64) -> u32 {
        self.tax_brackets
            .iter()
            .rev()
            .find(|(at_least, _)| paid_fen >= *at_least)
            .map_or(0, |(_, points)| *points)
    }

    pub fn housing(&self, housing: Housing) -> u32 {
        match housing {
            Housing::Owned => self.owned,
            Housing::Rented => self.rented,
            Housing::None => 0,
        }
    }

    pub fn score(&self, facts: &Facts) -> Breakdown {
        let residence = self.residence(facts.residence_years);
        let social_insurance = self.social_insurance(facts.insurance_months);
        let tax = self.tax(facts.tax_paid_fen);
        let housing = self.housing(facts.housing);
        Breakdown {
            residence,
            social_insurance,
            tax,
            housing,
            total: residence + social_insurance + tax + housing,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn facts(
        residence_years: u32,
        insurance_months: u32,
        tax_paid_fen: u64,
        housing: Housing,
    ) -> Facts {
        Facts {
            residence_years,
            insurance_months,
            tax_paid_fen,
            housing,
        }
    }

    #[test]
    fn a_plain_build_scores_with_the_2017_table() {
        assert_eq!(TABLE, &TABLE_2017);
    }

    #[test]
    fn the_2017_table_adds_up_the_four_parts() {
        let b = TABLE_2017.score(&facts(8, 135, 320_000, Housing::Rented));
        assert_eq!(
            b,
            Breakdown {
                residence: 80,
                social_insurance: 135,
                tax: 10,
                housing: 10,
                total: 235
            }
        );
    }

    #[test]
    fn residence_and_contributions_are_capped() {
        assert_eq!(TABLE_2017.residence(11), 100);
        assert_eq!(TABLE_2017.social_insurance(500), 180);
        assert_eq!(TABLE_2027.residence(30), 50);
        assert_eq!(TABLE_2027.social_insurance(200), 360);
    }

    #[test]
    fn tax_counts_the_highest_bracket_reached() {
        assert_eq!(TABLE_2017.tax(0), 0);
        assert_eq!(TABLE_2017.tax(99_999), 0);
        assert_eq!(TABLE_2017.tax(100_000), 10);
        assert_eq!(TABLE_2017.tax(499_999), 10);
        assert_eq!(TABLE_2017.tax(500_000), 20);
        assert_eq!(TABLE_2017.tax(u64::MAX), 40);
    }

    #[test]
    fn owning_counts_more_than_renting_and_nothing_counts_nothing() {
        for table in [&TABLE_2017, &TABLE_2027] {
            assert!(table.housing(Housing::Owned) > table.housing(Housing::Rented));
            assert_eq!(table.housing(Housing::None), 0);
        }
    }

    #[test]
    fn the_two_tables_score_the_same_facts_differently() {
        let f = facts(8, 135, 320_000, Housing::Rented);
        assert_eq!(TABLE_2027.score(&f).total, 40 + 270 + 5 + 20);
        assert_ne!(TABLE_2017.score(&f), TABLE_2027.score(&f));
    }
}
