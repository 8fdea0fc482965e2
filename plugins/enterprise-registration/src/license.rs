//! The electronic business licence (电子营业执照, certificate kind `business-license`): what
//! market regulation writes on it, and how the other departments find it again in the licence
//! library instead of asking the applicant (信息互认). Pure, so both run in native unit tests.

use serde::{Deserialize, Serialize};
use yiwang_sdk::certificates::Certificate;

use crate::form::Form;

/// The certificate kind in the electronic licence library.
pub const KIND: &str = "business-license";
/// Printed on the licence as the registration authority (登记机关).
pub const AUTHORITY: &str = "东莞市市场监督管理局";

/// The licence's `data`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct License {
    pub enterprise_name: String,
    /// 统一社会信用代码
    pub uscc: String,
    /// `limited-company` …
    pub enterprise_type: String,
    /// 有限责任公司 …
    pub enterprise_type_label: String,
    /// 注册资本 in fen.
    pub registered_capital_fen: u64,
    pub legal_representative: String,
    /// 住所
    pub address: String,
    /// 经营范围
    pub business_scope: String,
    /// 成立日期, the day of approval (`YYYY-MM-DD`).
    pub established_on: String,
    pub registration_authority: String,
}

impl License {
    pub fn new(form: &Form, uscc: &str, established_on: &str) -> Self {
        Self {
            enterprise_name: form.enterprise_name.clone(),
            uscc: uscc.to_owned(),
            enterprise_type: form.enterprise_type.code().to_owned(),
            enterprise_type_label: form.enterprise_type.label().to_owned(),
            registered_capital_fen: form.registered_capital_fen,
            legal_representative: form.legal_representative.clone(),
            address: form.address.clone(),
            business_scope: form.business_scope.clone(),
            established_on: established_on.to_owned(),
            registration_authority: AUTHORITY.to_owned(),
        }
    }
}

/// Among the licences the applicant holds (they may have registered several enterprises), the
/// one issued for `case_number`, or failing that the one with `uscc`, with its data.
pub fn of_case(
    certificates: Vec<Certificate>,
    case_number: &str,
    uscc: Option<&str>,
) -> Option<(Certificate, License)> {
    let with_data = |certificate: Certificate| {
        let license = serde_json::from_str::<License>(&certificate.data).ok()?;
        Some((certificate, license))
    };
    let mut licences: Vec<(Certificate, License)> = certificates
        .into_iter()
        .filter(|certificate| certificate.kind == KIND)
        .filter_map(with_data)
        .collect();
    let by_case = licences
        .iter()
        .position(|(certificate, _)| certificate.case_number.as_deref() == Some(case_number));
    let by_code = || {
        licences
            .iter()
            .position(|(_, license)| uscc.is_some_and(|uscc| license.uscc == uscc))
    };
    let found = by_case.or_else(by_code)?;
    Some(licences.swap_remove(found))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::eligibility::tests::{APPLICANT, form};

    const CASE: &str = "YW-20261102-000042";

    fn certificate(case_number: Option<&str>, uscc: &str) -> Certificate {
        Certificate {
            serial: format!("BUSINESS-LICENSE-20261103-{uscc}"),
            kind: KIND.into(),
            holder: APPLICANT.into(),
            data: serde_json::to_string(&License::new(&form(), uscc, "2026-11-03")).unwrap(),
            issued_on: "2026-11-03".into(),
            valid_until: None,
            case_number: case_number.map(str::to_owned),
        }
    }

    #[test]
    fn the_licence_carries_the_registered_particulars() {
        let license = License::new(&form(), "91441900MA4UJ6N83K", "2026-11-03");
        assert_eq!(
            serde_json::to_value(&license).unwrap(),
            serde_json::json!({
                "enterprise_name": "东莞市一网通电子科技有限公司",
                "uscc": "91441900MA4UJ6N83K",
                "enterprise_type": "limited-company",
                "enterprise_type_label": "有限责任公司",
                "registered_capital_fen": 100_000_000,
                "legal_representative": "张三",
                "address": "东莞市南城街道鸿福路99号",
                "business_scope": "电子产品研发、生产、销售；货物及技术进出口。",
                "established_on": "2026-11-03",
                "registration_authority": "东莞市市场监督管理局"
            })
        );
    }

    #[test]
    fn the_licence_of_this_case_is_found_among_the_holders_others() {
        let found = of_case(
            vec![
                certificate(Some("YW-20250101-000001"), "91441900AAAAAAAA11"),
                certificate(Some(CASE), "91441900BBBBBBBB22"),
            ],
            CASE,
            None,
        );
        assert_eq!(found.unwrap().1.uscc, "91441900BBBBBBBB22");
    }

    #[test]
    fn a_licence_without_its_case_is_recognised_by_its_code() {
        let found = of_case(
            vec![certificate(None, "91441900BBBBBBBB22")],
            CASE,
            Some("91441900BBBBBBBB22"),
        );
        assert!(found.is_some());
        assert!(of_case(vec![certificate(None, "91441900BBBBBBBB22")], CASE, None).is_none());
    }

    #[test]
    fn other_kinds_and_unreadable_data_are_not_licences() {
        let mut other_kind = certificate(Some(CASE), "91441900BBBBBBBB22");
        other_kind.kind = "inspection-mark".into();
        let mut unreadable = certificate(Some(CASE), "91441900BBBBBBBB22");
        unreadable.data = "{}".into();
        assert!(of_case(vec![other_kind, unreadable], CASE, None).is_none());
    }
}
