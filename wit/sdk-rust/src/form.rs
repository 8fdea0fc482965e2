//! Typed JSON for what crosses the boundary as text: the applicant's form, the case's derived
//! data and a query's input. The host has checked a form against the item's schema already, so a
//! parse failure here means the schema and the Rust type disagree; it is still reported, never
//! a panic.

use serde::de::DeserializeOwned;

use crate::{FieldError, ItemError};

/// The stable code of a form (or input) that does not fit the item's type.
pub const INVALID_FORM: &str = "invalid-form";

/// Parse a form in `submit`, refusing it as a whole if it does not fit `T`.
pub fn parse_form<T: DeserializeOwned>(form: &str) -> Result<T, Vec<FieldError>> {
    serde_json::from_str(form).map_err(|error| {
        vec![FieldError::whole(
            INVALID_FORM,
            format!("申请表内容无法识别，请检查后重新提交（{error}）"),
        )]
    })
}

/// Parse the JSON input of a query or an action, refusing it as invalid if it does not fit `T`.
pub fn parse_input<T: DeserializeOwned>(input: &str) -> Result<T, ItemError> {
    serde_json::from_str(input).map_err(|error| {
        ItemError::Invalid(vec![FieldError::whole(
            INVALID_FORM,
            format!("输入内容无法识别（{error}）"),
        )])
    })
}

/// Parse what the item stored itself (a case's form or derived data): a mismatch is the item's own
/// failure, not the caller's.
pub fn parse_stored<T: DeserializeOwned>(what: &str, json: &str) -> Result<T, ItemError> {
    serde_json::from_str(json).map_err(|error| ItemError::Failed(format!("{what}: {error}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(serde::Deserialize, Debug)]
    struct Form {
        #[allow(dead_code)]
        name: String,
    }

    #[test]
    fn a_form_that_does_not_fit_is_refused_as_a_whole() {
        let errors = parse_form::<Form>(r#"{"nom":"张三"}"#).unwrap_err();
        assert_eq!(errors.len(), 1);
        assert_eq!(
            (errors[0].field.as_str(), errors[0].code.as_str()),
            ("", INVALID_FORM)
        );
    }

    #[test]
    fn stored_data_that_does_not_fit_is_the_items_failure() {
        let error = parse_stored::<Form>("case.form", "[]").unwrap_err();
        assert!(matches!(error, ItemError::Failed(m) if m.starts_with("case.form: ")));
    }
}
