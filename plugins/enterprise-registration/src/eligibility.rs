//! The rules `submit` applies beyond the form's shape, as pure functions of the form and the
//! applicant: no host calls, so they run in native unit tests. Every failing rule is reported.

use yiwang_sdk::FieldError;

use crate::form::{EnterpriseType, Form};

pub mod code {
    /// The legal representative's ID number is not the applicant's (from the login).
    pub const NOT_APPLICANT: &str = "not-applicant";
    /// A limited company with no registered capital.
    pub const CAPITAL_REQUIRED: &str = "capital-required";
}

/// The field errors of an application by the citizen with `applicant_id_number`.
pub fn check_application(form: &Form, applicant_id_number: Option<&str>) -> Vec<FieldError> {
    let mut errors = Vec::new();
    let is_applicant = applicant_id_number.is_some_and(|own| {
        own.trim()
            .eq_ignore_ascii_case(form.legal_representative_id_number.trim())
    });
    if !is_applicant {
        errors.push(FieldError::new(
            "legal_representative_id_number",
            code::NOT_APPLICANT,
            "法定代表人（负责人、投资人、经营者）须本人实名登录申请：所填身份证号码与当前登录账号不一致。",
        ));
    }
    if form.enterprise_type == EnterpriseType::LimitedCompany && form.registered_capital_fen == 0 {
        errors.push(FieldError::new(
            "registered_capital_fen",
            code::CAPITAL_REQUIRED,
            "有限责任公司须填写注册资本（认缴出资额），不能为0。",
        ));
    }
    errors
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    pub const APPLICANT: &str = "441900199001011234";

    pub fn form() -> Form {
        Form {
            enterprise_name: "东莞市一网通电子科技有限公司".into(),
            enterprise_type: EnterpriseType::LimitedCompany,
            registered_capital_fen: 100_000_000,
            legal_representative: "张三".into(),
            legal_representative_id_number: APPLICANT.into(),
            address: "东莞市南城街道鸿福路99号".into(),
            business_scope: "电子产品研发、生产、销售；货物及技术进出口。".into(),
            phone: "13800138000".into(),
            employees: 12,
            imports_exports: true,
        }
    }

    fn codes(errors: &[FieldError]) -> Vec<(&str, &str)> {
        errors
            .iter()
            .map(|e| (e.field.as_str(), e.code.as_str()))
            .collect()
    }

    #[test]
    fn the_legal_representative_applying_in_person_is_accepted() {
        assert_eq!(check_application(&form(), Some(APPLICANT)), []);
        let mut lower_x = form();
        lower_x.legal_representative_id_number = "44190019900101123x".into();
        assert_eq!(check_application(&lower_x, Some("44190019900101123X")), []);
    }

    #[test]
    fn someone_else_applying_for_the_legal_representative_is_refused() {
        for applicant in [Some("441900198001011111"), None] {
            assert_eq!(
                codes(&check_application(&form(), applicant)),
                [("legal_representative_id_number", code::NOT_APPLICANT)],
                "{applicant:?}"
            );
        }
    }

    #[test]
    fn only_a_limited_company_needs_registered_capital() {
        let mut company = form();
        company.registered_capital_fen = 0;
        assert_eq!(
            codes(&check_application(&company, Some(APPLICANT))),
            [("registered_capital_fen", code::CAPITAL_REQUIRED)]
        );
        for kind in EnterpriseType::ALL
            .into_iter()
            .filter(|&kind| kind != EnterpriseType::LimitedCompany)
        {
            let mut other = company.clone();
            other.enterprise_type = kind;
            assert_eq!(check_application(&other, Some(APPLICANT)), [], "{kind:?}");
        }
    }

    #[test]
    fn every_failing_rule_is_reported() {
        let mut form = form();
        form.registered_capital_fen = 0;
        assert_eq!(check_application(&form, None).len(), 2);
    }
}
