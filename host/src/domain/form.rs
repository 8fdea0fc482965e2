//! Checking an application form against the item's JSON Schema before the item sees it, with
//! errors named by field and worded for the applicant. The work one form can cause is bounded
//! before the schema is run — its nesting depth and its arrays' lengths — and the schema runs on
//! the blocking pool within a time budget, so no form, and no department's schema, can hold an
//! async worker that other requests wait on. (The schema's patterns are compiled on the
//! linear-time engine: `model::form_schema`.)

use std::sync::Arc;
use std::time::Duration;

use jsonschema::error::ValidationErrorKind;
use serde_json::Value;

use super::error::{DomainError, Result};
use crate::model::contract::FieldError;

/// Deepest nesting of objects and arrays a form may have.
pub const MAX_DEPTH: usize = 16;
/// Most elements one array of a form may have.
pub const MAX_ARRAY_ITEMS: usize = 1_000;
/// How long checking one form against its schema may take: far above what a form within the
/// shape limits costs on the linear-time engine, a backstop so that a form cannot hold a thread.
pub const BUDGET: Duration = Duration::from_secs(2);

/// Checks `form` against the item's schema as a submission does: the shape first, then the schema
/// on the blocking pool within [`BUDGET`]. A refusal names its fields (`invalid_form`); a form the
/// schema cannot be run on in time is `form_too_complex`, never taken as valid or invalid.
pub async fn check_bounded(validator: &Arc<jsonschema::Validator>, form: &Value) -> Result<()> {
    check_shape(form).map_err(|error| DomainError::fields_wrong("invalid_form", vec![error]))?;
    let validator = validator.clone();
    let form = form.clone();
    let task = tokio::task::spawn_blocking(move || check(&validator, &form));
    match tokio::time::timeout(BUDGET, task).await {
        Ok(Ok(Ok(()))) => Ok(()),
        Ok(Ok(Err(fields))) => Err(DomainError::fields_wrong("invalid_form", fields)),
        Ok(Err(join)) => Err(DomainError::Internal(anyhow::anyhow!("form check: {join}"))),
        Err(_) => Err(DomainError::invalid(
            "form_too_complex",
            format!("表单过于复杂，无法在 {} 秒内完成校验", BUDGET.as_secs()),
        )),
    }
}

/// The form's shape before any schema is run: no deeper than [`MAX_DEPTH`], no array longer than
/// [`MAX_ARRAY_ITEMS`]. The first place past a bound is named by its JSON pointer.
pub fn check_shape(form: &Value) -> Result<(), FieldError> {
    let mut pending = vec![(String::new(), form, 0usize)];
    while let Some((pointer, value, depth)) = pending.pop() {
        let refuse = |code: &str, message: String| FieldError {
            field: if pointer.is_empty() {
                "/".into()
            } else {
                pointer.clone()
            },
            code: code.into(),
            message,
        };
        match value {
            Value::Array(_) | Value::Object(_) if depth >= MAX_DEPTH => {
                return Err(refuse("too-deep", format!("嵌套不能超过 {MAX_DEPTH} 层")));
            }
            Value::Array(items) => {
                if items.len() > MAX_ARRAY_ITEMS {
                    return Err(refuse(
                        "too-many-items",
                        format!("不能超过 {MAX_ARRAY_ITEMS} 项"),
                    ));
                }
                for (i, item) in items.iter().enumerate() {
                    pending.push((format!("{pointer}/{i}"), item, depth + 1));
                }
            }
            Value::Object(map) => {
                for (key, item) in map {
                    let key = key.replace('~', "~0").replace('/', "~1");
                    pending.push((format!("{pointer}/{key}"), item, depth + 1));
                }
            }
            _ => {}
        }
    }
    Ok(())
}

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

    #[test]
    fn a_form_within_the_shape_bounds_passes_the_shape_check() {
        let mut nested = json!("leaf");
        for _ in 0..MAX_DEPTH {
            nested = json!([nested]);
        }
        assert_eq!(check_shape(&nested), Ok(()));
        let wide = Value::Array(vec![json!(1); MAX_ARRAY_ITEMS]);
        assert_eq!(check_shape(&json!({ "list": wide })), Ok(()));
    }

    #[test]
    fn a_form_past_the_shape_bounds_is_refused_naming_where() {
        let mut nested = json!({});
        for _ in 0..MAX_DEPTH {
            nested = json!({ "a/b": nested });
        }
        let error = check_shape(&nested).unwrap_err();
        assert_eq!(error.code, "too-deep");
        assert_eq!(error.field, "/a~1b".repeat(MAX_DEPTH));

        let wide = Value::Array(vec![json!(1); MAX_ARRAY_ITEMS + 1]);
        let error = check_shape(&json!({ "child": { "list": wide } })).unwrap_err();
        assert_eq!(error.code, "too-many-items");
        assert_eq!(error.field, "/child/list");
    }

    #[tokio::test]
    async fn the_bounded_check_refuses_by_field_off_the_async_workers() {
        let validator = Arc::new(validator());
        let error = check_bounded(&validator, &json!({"plate_number": "abc", "extra": 1}))
            .await
            .unwrap_err();
        assert_eq!(error.code(), "invalid_form");
        assert!(!error.fields().is_empty());

        let too_wide = json!({ "plate_number": vec![0; MAX_ARRAY_ITEMS + 1] });
        let error = check_bounded(&validator, &too_wide).await.unwrap_err();
        assert_eq!(error.fields()[0].code, "too-many-items");
    }
}
