//! The four registries the points come from, each keyed by the parent's resident ID number, and
//! the facts read from them. The look-ups are thin; what a record means (full years held, months
//! paid, tax over the last three years, housing today) is pure and unit-tested here. The record
//! shapes are documented in the README; fields this item does not use are ignored.

use serde::Deserialize;
use yiwang_sdk::date::Date;
use yiwang_sdk::month::YearMonth;
use yiwang_sdk::{ItemError, registry};

use crate::points::Housing;

pub const RESIDENCE_PERMITS: &str = "residence-permits";
pub const SOCIAL_INSURANCE: &str = "social-insurance";
pub const TAX_RECORDS: &str = "tax-records";
pub const PROPERTY_RECORDS: &str = "property-records";
/// How each read appears in the citizen's data-use ledger.
pub const PURPOSE: &str = "积分入学：核验积分申请信息";

/// 广东省居住证 (新莞人服务管理): the holder, with the family registered with them (随迁人员).
#[derive(Debug, Clone, Deserialize)]
pub struct ResidencePermit {
    pub name: String,
    /// When the holder first got a residence permit in the city.
    pub first_issued_on: Date,
    pub valid_until: Date,
    #[serde(default)]
    pub spouse: Option<Person>,
    #[serde(default)]
    pub children: Vec<Person>,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Person {
    pub name: String,
    pub id_number: String,
}

/// The part of a `social-insurance` record this item counts (the social-insurance item
/// documents the whole record).
#[derive(Debug, Clone, Deserialize)]
pub struct Insurance {
    #[serde(default)]
    pub earlier_paid_months: u32,
    #[serde(default)]
    pub months: Vec<InsuranceMonth>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct InsuranceMonth {
    pub month: YearMonth,
    /// `paid`, `arrears` or `not-insured`: only paid pension months count.
    #[serde(default)]
    pub pension: String,
}

/// 纳税记录: individual income tax paid in the city, per tax year.
#[derive(Debug, Clone, Deserialize)]
pub struct TaxRecord {
    #[serde(default)]
    pub annual: Vec<TaxYear>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct TaxYear {
    pub year: i32,
    pub paid_fen: u64,
}

/// 不动产登记和租赁登记备案.
#[derive(Debug, Clone, Deserialize)]
pub struct PropertyRecord {
    #[serde(default)]
    pub owned: Vec<Owned>,
    #[serde(default)]
    pub rentals: Vec<Rental>,
}

/// A property held (its address and the rest are the housing department's to show).
#[derive(Debug, Clone, Deserialize)]
pub struct Owned {}

/// A registered rental (租赁登记备案), counted while valid.
#[derive(Debug, Clone, Deserialize)]
pub struct Rental {
    pub valid_until: Date,
}

pub fn residence_permit(id_number: &str) -> Result<Option<ResidencePermit>, ItemError> {
    registry::lookup(RESIDENCE_PERMITS, id_number, PURPOSE)
}

pub fn insurance(id_number: &str) -> Result<Option<Insurance>, ItemError> {
    registry::lookup(SOCIAL_INSURANCE, id_number, PURPOSE)
}

pub fn tax(id_number: &str) -> Result<Option<TaxRecord>, ItemError> {
    registry::lookup(TAX_RECORDS, id_number, PURPOSE)
}

pub fn property(id_number: &str) -> Result<Option<PropertyRecord>, ItemError> {
    registry::lookup(PROPERTY_RECORDS, id_number, PURPOSE)
}

/// Full years the permit has been held by `today` (or until it expired).
pub fn residence_years(permit: &ResidencePermit, today: Date) -> u32 {
    let end = today.min(permit.valid_until);
    let mut years = 0;
    while permit.first_issued_on.add_years(years + 1) <= end {
        years += 1;
    }
    u32::try_from(years).unwrap_or(0)
}

/// Paid months: those before the listed ones, and each listed month whose pension was paid
/// (a month listed twice, through two employers, counts once).
pub fn insurance_months(record: &Insurance) -> u32 {
    let mut paid: Vec<YearMonth> = record
        .months
        .iter()
        .filter(|m| m.pension == "paid")
        .map(|m| m.month)
        .collect();
    paid.sort_unstable();
    paid.dedup();
    record.earlier_paid_months + u32::try_from(paid.len()).unwrap_or(u32::MAX)
}

/// Tax paid in the three tax years before this one.
pub fn tax_paid_fen(record: &TaxRecord, today: Date) -> u64 {
    let this_year = today.year();
    record
        .annual
        .iter()
        .filter(|y| (this_year - 3..this_year).contains(&y.year))
        .map(|y| y.paid_fen)
        .sum()
}

/// Owned property counts first; otherwise a registered rental still valid today.
pub fn housing(record: &PropertyRecord, today: Date) -> Housing {
    if !record.owned.is_empty() {
        Housing::Owned
    } else if record.rentals.iter().any(|r| r.valid_until >= today) {
        Housing::Rented
    } else {
        Housing::None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(text: &str) -> Date {
        text.parse().unwrap()
    }

    fn permit(first: &str, until: &str) -> ResidencePermit {
        ResidencePermit {
            name: "张三".into(),
            first_issued_on: date(first),
            valid_until: date(until),
            spouse: None,
            children: Vec::new(),
        }
    }

    #[test]
    fn residence_counts_full_years_up_to_today_or_expiry() {
        let p = permit("2016-03-01", "2030-02-28");
        assert_eq!(residence_years(&p, date("2026-02-28")), 9);
        assert_eq!(residence_years(&p, date("2026-03-01")), 10);
        let expired = permit("2016-03-01", "2019-06-30");
        assert_eq!(residence_years(&expired, date("2026-05-01")), 3);
        assert_eq!(
            residence_years(&permit("2026-01-01", "2027-01-01"), date("2026-05-01")),
            0
        );
    }

    #[test]
    fn insurance_counts_paid_pension_months_once_each() {
        let record: Insurance = serde_json::from_value(serde_json::json!({
            "earlier_paid_months": 122,
            "months": [
                {"month": "2026-10", "pension": "paid"},
                {"month": "2026-10", "pension": "paid"},
                {"month": "2026-09", "pension": "arrears"},
                {"month": "2026-08", "pension": "paid"}
            ]
        }))
        .unwrap();
        assert_eq!(insurance_months(&record), 124);
    }

    #[test]
    fn tax_sums_the_three_years_before_this_one() {
        let record = TaxRecord {
            annual: [
                (2022, 1),
                (2023, 10),
                (2024, 100),
                (2025, 1000),
                (2026, 10000),
            ]
            .into_iter()
            .map(|(year, paid_fen)| TaxYear { year, paid_fen })
            .collect(),
        };
        assert_eq!(tax_paid_fen(&record, date("2026-05-22")), 1110);
    }

    #[test]
    fn owning_beats_renting_and_an_expired_rental_is_none() {
        let today = date("2026-05-22");
        let rental = |until: &str| Rental {
            valid_until: date(until),
        };
        let owned = Owned {};
        let both = PropertyRecord {
            owned: vec![owned],
            rentals: vec![rental("2027-01-01")],
        };
        assert_eq!(housing(&both, today), Housing::Owned);
        let renting = PropertyRecord {
            owned: vec![],
            rentals: vec![rental("2026-05-22")],
        };
        assert_eq!(housing(&renting, today), Housing::Rented);
        let expired = PropertyRecord {
            owned: vec![],
            rentals: vec![rental("2026-05-21")],
        };
        assert_eq!(housing(&expired, today), Housing::None);
    }
}
