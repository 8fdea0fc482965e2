//! The `social-insurance` registry record (个人社会保险缴费记录), keyed by the insured person's
//! resident ID number. The shape is documented in the README; fields this item does not use are
//! ignored, so the bureau may add some, while a status outside [`Status`] makes the record
//! malformed rather than silently miscounted.

use serde::{Deserialize, Serialize};
use yiwang_sdk::month::YearMonth;
use yiwang_sdk::{ItemError, registry};

pub const DATASET: &str = "social-insurance";
/// How the read appears in the citizen's data-use ledger.
pub const PURPOSE: &str = "社会保险个人缴费记录查询：参保人本人查询缴费记录";

/// One person's record.
#[derive(Debug, Clone, Deserialize)]
pub struct Record {
    pub name: String,
    /// First month insured in the city (首次参保年月).
    #[serde(default)]
    pub insured_since: Option<YearMonth>,
    /// Paid months before the earliest month in `months`, for a record that lists only recent
    /// years month by month (历史累计缴费月数).
    #[serde(default)]
    pub earlier_paid_months: u32,
    /// One entry per month and employer, in any order.
    #[serde(default)]
    pub months: Vec<Contribution>,
}

/// The contributions of one month through one employer.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
pub struct Contribution {
    pub month: YearMonth,
    /// The paying employer (缴费单位); an individual contributor (灵活就业) has `个人缴费`.
    pub employer: String,
    /// The contribution base (缴费基数) in fen.
    pub base_fen: u64,
    /// 养老保险
    #[serde(default)]
    pub pension: Status,
    /// 医疗保险
    #[serde(default)]
    pub medical: Status,
    /// 失业保险
    #[serde(default)]
    pub unemployment: Status,
    /// 工伤保险
    #[serde(default)]
    pub injury: Status,
    /// 生育保险
    #[serde(default)]
    pub maternity: Status,
}

/// Where one insurance stands for one month.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Status {
    /// 已缴费
    Paid,
    /// 欠费: due but not (yet) paid.
    Arrears,
    /// 未参保: this insurance was not part of the month's contributions.
    #[default]
    NotInsured,
}

impl Contribution {
    pub fn statuses(&self) -> [Status; 5] {
        [
            self.pension,
            self.medical,
            self.unemployment,
            self.injury,
            self.maternity,
        ]
    }
}

/// The record of the person with `id_number`, or none. The read is written to their ledger.
pub fn lookup(id_number: &str) -> Result<Option<Record>, ItemError> {
    registry::lookup(DATASET, id_number, PURPOSE)
}
