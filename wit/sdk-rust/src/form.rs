//! Typed JSON for what crosses the boundary as text: the applicant's form, the case's derived
//! data and a query's input. The host has checked a form against the item's schema already, so a
//! parse failure here means the schema and the Rust type disagree; it is still reported, never
//! a panic.

use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

use crate::{CaseInfo, FieldError, ItemError};

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

/// The case's derived data as a JSON object, so a step adds to it without dropping what it does
/// not know.
pub fn derived_of(case: &CaseInfo) -> Result<Map<String, Value>, ItemError> {
    if case.derived.trim().is_empty() {
        return Ok(Map::new());
    }
    parse_stored("case.derived", &case.derived)
}

/// What a form schema lacks for applicants: every property should have a Chinese `title` (the
/// label the web form shows) and be listed in `required` (ask only what is needed). Empty when
/// the schema is fine; items check it in their tests.
pub fn schema_problems(schema: &Value) -> Vec<String> {
    let empty = Map::new();
    let properties = schema["properties"].as_object().unwrap_or(&empty);
    let required: Vec<&str> = schema["required"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .collect();
    let mut problems = Vec::new();
    for (name, property) in properties {
        if !required.contains(&name.as_str()) {
            problems.push(format!("{name} is not required"));
        }
        let title = property["title"].as_str().unwrap_or_default();
        if !title
            .chars()
            .any(|c| ('\u{4e00}'..='\u{9fa5}').contains(&c))
        {
            problems.push(format!("{name} has no Chinese title"));
        }
    }
    problems
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
    fn a_schema_names_its_untitled_and_optional_properties() {
        let schema = serde_json::json!({
            "required": ["a"],
            "properties": {"a": {"title": "姓名"}, "b": {"title": "Name"}}
        });
        assert_eq!(
            schema_problems(&schema),
            vec!["b is not required", "b has no Chinese title"]
        );
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
