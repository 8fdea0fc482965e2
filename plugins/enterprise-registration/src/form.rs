//! The application form, as the form schema in [`crate::catalog`] describes it. The host has
//! validated the shape before the item sees it.

use serde::{Deserialize, Serialize};

use crate::uscc::EntityKind;

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Form {
    pub enterprise_name: String,
    pub enterprise_type: EnterpriseType,
    pub registered_capital_fen: u64,
    pub legal_representative: String,
    pub legal_representative_id_number: String,
    pub address: String,
    pub business_scope: String,
    // The departments read these from the case's form (the contact number; the head count for
    // the human-resources filing); the item's own rules do not need them.
    #[allow(dead_code)]
    pub phone: String,
    #[allow(dead_code)]
    pub employees: u32,
    /// Needs customs declarant registration and inspection/quarantine filing (进出口).
    pub imports_exports: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum EnterpriseType {
    LimitedCompany,
    SoleProprietorship,
    Partnership,
    IndividualBusiness,
}

impl EnterpriseType {
    pub const ALL: [Self; 4] = [
        Self::LimitedCompany,
        Self::SoleProprietorship,
        Self::Partnership,
        Self::IndividualBusiness,
    ];

    /// The value in the form and on the licence.
    pub fn code(self) -> &'static str {
        match self {
            Self::LimitedCompany => "limited-company",
            Self::SoleProprietorship => "sole-proprietorship",
            Self::Partnership => "partnership",
            Self::IndividualBusiness => "individual-business",
        }
    }

    /// The type as printed on the licence (类型).
    pub fn label(self) -> &'static str {
        match self {
            Self::LimitedCompany => "有限责任公司",
            Self::SoleProprietorship => "个人独资企业",
            Self::Partnership => "合伙企业",
            Self::IndividualBusiness => "个体工商户",
        }
    }

    pub fn entity_kind(self) -> EntityKind {
        match self {
            Self::IndividualBusiness => EntityKind::IndividualBusiness,
            _ => EntityKind::Enterprise,
        }
    }
}
