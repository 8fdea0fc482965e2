//! Checking an application form against the item's JSON Schema before the item sees it, with
//! errors named by field and worded for the applicant.

use jsonschema::error::ValidationErrorKind;
use serde_json::Value;

use crate::model::contract::FieldError;

/// Most errors reported for one form; a hostile form cannot make the reply unbounded.
const MAX_ERRORS: usize = 50;

pub fn check(validator: &jsonschema::Validator, form: &Value) -> Result<(), Vec<FieldError>> {
    let errors: Vec<FieldError> = validator
        .iter_errors(form)
        .take(MAX_ERRORS)
        .map(|e| field_error(&e))
        .collect();
    if errors.is_empty() {
        Ok(())
    } else {
        Err(errors)
    }
}

fn field_error(error: &jsonschema::ValidationError<'_>) -> FieldError {
    let path = error.instance_path.to_string();
    // A top-level property is named plainly (`plate_number`); deeper ones keep the JSON pointer.
    let at = |path: &str| {
        let trimmed = path.trim_start_matches('/');
        if trimmed.contains('/') {
            path.to_string()
        } else {
            trimmed.to_string()
        }
    };
    let (field, code, message) = match &error.kind {
        ValidationErrorKind::Required { property } => {
            let name = property.as_str().unwrap_or_default();
            let full = if path.is_empty() {
                name.to_string()
            } else {
                format!("{path}/{name}")
            };
            (at(&full), "required", "此项为必填项".to_string())
        }
        ValidationErrorKind::AdditionalProperties { unexpected } => (
            at(&path),
            "not-allowed",
            format!("不接受的字段：{}", unexpected.join("、")),
        ),
        ValidationErrorKind::Type { .. } => (at(&path), "type", "格式不正确".to_string()),
        ValidationErrorKind::Pattern { .. } => (at(&path), "pattern", "格式不正确".to_string()),
        ValidationErrorKind::MinLength { limit } => {
            (at(&path), "too-short", format!("至少需要 {limit} 个字符"))
        }
        ValidationErrorKind::MaxLength { limit } => {
            (at(&path), "too-long", format!("不能超过 {limit} 个字符"))
        }
        ValidationErrorKind::Enum { .. } | ValidationErrorKind::Constant { .. } => {
            (at(&path), "not-an-option", "不是可选的值".to_string())
        }
        ValidationErrorKind::Minimum { limit }
        | ValidationErrorKind::ExclusiveMinimum { limit } => {
            (at(&path), "too-small", format!("不能小于 {limit}"))
        }
        ValidationErrorKind::Maximum { limit }
        | ValidationErrorKind::ExclusiveMaximum { limit } => {
            (at(&path), "too-large", format!("不能大于 {limit}"))
        }
        ValidationErrorKind::Format { format } => {
            (at(&path), "format", format!("不是有效的 {format}"))
        }
        _ => (at(&path), "invalid", "填写有误".to_string()),
    };
    FieldError {
        field,
        code: code.to_string(),
        message,
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn validator() -> jsonschema::Validator {
        jsonschema::validator_for(&json!({
            "type": "object",
            "additionalProperties": false,
            "required": ["plate_number", "phone"],
            "properties": {
                "plate_number": {"type": "string", "pattern": "^[A-Z]{2}$"},
                "phone": {"type": "string", "minLength": 11}
            }
        }))
        .unwrap()
    }

    #[test]
    fn each_bad_field_is_named() {
        let errors = check(&validator(), &json!({"plate_number": "abc", "extra": 1})).unwrap_err();
        let mut named: Vec<_> = errors
            .iter()
            .map(|e| (e.field.as_str(), e.code.as_str()))
            .collect();
        named.sort();
        assert_eq!(
            named,
            vec![
                ("", "not-allowed"),
                ("phone", "required"),
                ("plate_number", "pattern")
            ]
        );
    }

    #[test]
    fn a_good_form_passes() {
        assert!(
            check(
                &validator(),
                &json!({"plate_number": "AB", "phone": "13800138000"})
            )
            .is_ok()
        );
    }
}
