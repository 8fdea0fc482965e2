//! Checking an application form against the item's JSON Schema before the item sees it, with
//! errors named by field and worded for the applicant. The work one form can cause is bounded
//! before the schema is run — its nesting depth and its arrays' lengths — and the schema runs on
//! the blocking pool within a time budget, so no form, and no department's schema, can hold an
//! async worker that other requests wait on. (The schema's patterns are compiled on the
//! linear-time engine: `model::form_schema`.)
//!
//! One case is checked on the request's own thread instead: a small form (at most
//! [`INLINE_VALUES`] values and [`INLINE_TEXT`] bytes of text) against a schema whose every
//! keyword looks at each value of the form at most once ([`FormCheck::linear`]: no `anyOf`,
//! `oneOf`, `allOf`, `not`, `if`, `$ref` …).
//! Such a check costs microseconds, less than the hand-off to the blocking pool and back. The
//! shipped items' schemas are all of this kind; a schema with a combinator keeps the budget,
//! because nested combinators can cost exponential time on a form of one value.

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

/// Most values (objects, arrays and scalars together) a form checked inline may have.
pub const INLINE_VALUES: usize = 256;
/// Most bytes of text (strings and keys) a form checked inline may have.
pub const INLINE_TEXT: usize = 16 * 1024;

/// How large a form is: its values, and the bytes of its strings and keys.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FormSize {
    pub values: usize,
    pub text: usize,
}

/// The keywords of a linear schema: each looks at a value once, and those that hold schemas
/// apply them to the value's own members (or keys) only.
const LINEAR_KEYWORDS: &[&str] = &[
    // Annotations.
    "$schema",
    "$id",
    "$comment",
    "title",
    "description",
    "default",
    "examples",
    "readOnly",
    "writeOnly",
    "deprecated",
    // Assertions on the value itself.
    "type",
    "enum",
    "const",
    "multipleOf",
    "maximum",
    "exclusiveMaximum",
    "minimum",
    "exclusiveMinimum",
    "maxLength",
    "minLength",
    "pattern",
    "maxItems",
    "minItems",
    "maxProperties",
    "minProperties",
    "required",
    "dependentRequired",
    // Schemas applied to members.
    "properties",
    "patternProperties",
    "additionalProperties",
    "items",
    "prefixItems",
    "propertyNames",
];

/// An item's form schema, compiled once, and whether a small form may be checked inline.
pub struct FormCheck {
    validator: jsonschema::Validator,
    linear: bool,
}

impl FormCheck {
    /// Compiles `schema` by the catalog's rules (`model::form_schema`).
    pub fn compile(schema: &Value) -> anyhow::Result<FormCheck> {
        let validator = crate::model::form_schema::compile(schema)
            .map_err(|e| anyhow::anyhow!("form schema: {e}"))?;
        Ok(FormCheck {
            validator,
            linear: FormCheck::linear(schema),
        })
    }

    /// Does every keyword of `schema`, at every level, look at each value of a form at most
    /// once? Only the keywords of [`LINEAR_KEYWORDS`] do; anything else (a combinator, a
    /// reference, `uniqueItems`, `format`, whose `regex` compiles the value, an unknown keyword)
    /// makes the whole schema not linear.
    pub fn linear(schema: &Value) -> bool {
        let mut pending = vec![schema];
        while let Some(schema) = pending.pop() {
            let Value::Object(keywords) = schema else {
                // `true` and `false` are schemas too; anything else is not one.
                if schema.is_boolean() {
                    continue;
                }
                return false;
            };
            for (keyword, value) in keywords {
                if !LINEAR_KEYWORDS.contains(&keyword.as_str()) {
                    return false;
                }
                match (keyword.as_str(), value) {
                    ("properties" | "patternProperties", Value::Object(members)) => {
                        pending.extend(members.values())
                    }
                    ("prefixItems", Value::Array(schemas)) => pending.extend(schemas),
                    ("additionalProperties" | "items" | "propertyNames", schema) => {
                        pending.push(schema)
                    }
                    ("properties" | "patternProperties" | "prefixItems", _) => return false,
                    _ => {}
                }
            }
        }
        true
    }
}

/// Checks `form` against the item's schema as a submission does: the shape first, then the
/// schema, on the request's thread for a small form and a linear schema, otherwise on the
/// blocking pool within [`BUDGET`]. A refusal names its fields (`invalid_form`); a form the
/// schema cannot be run on in time is `form_too_complex`, never taken as valid or invalid.
pub async fn check_bounded(schema: &Arc<FormCheck>, form: &Value) -> Result<()> {
    let size = check_shape(form)
        .map_err(|error| DomainError::fields_wrong("invalid_form", vec![error]))?;
    if schema.linear && size.values <= INLINE_VALUES && size.text <= INLINE_TEXT {
        return check(&schema.validator, form)
            .map_err(|fields| DomainError::fields_wrong("invalid_form", fields));
    }
    let schema = schema.clone();
    let form = form.clone();
    let task = tokio::task::spawn_blocking(move || check(&schema.validator, &form));
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
/// [`MAX_ARRAY_ITEMS`]. The first place past a bound is named by its JSON pointer. Returns the
/// form's size.
pub fn check_shape(form: &Value) -> Result<FormSize, FieldError> {
    let mut size = FormSize { values: 0, text: 0 };
    let mut pending = vec![(String::new(), form, 0usize)];
    while let Some((pointer, value, depth)) = pending.pop() {
        size.values += 1;
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
                    size.text += key.len();
                    let key = key.replace('~', "~0").replace('/', "~1");
                    pending.push((format!("{pointer}/{key}"), item, depth + 1));
                }
            }
            Value::String(text) => size.text += text.len(),
            _ => {}
        }
    }
    Ok(size)
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
        jsonschema::validator_for(&schema()).unwrap()
    }

    fn schema() -> Value {
        json!({
            "type": "object",
            "additionalProperties": false,
            "required": ["plate_number", "phone"],
            "properties": {
                "plate_number": {"type": "string", "pattern": "^[A-Z]{2}$"},
                "phone": {"type": "string", "minLength": 11}
            }
        })
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
        let size = |values, text| Ok(FormSize { values, text });
        assert_eq!(check_shape(&nested), size(MAX_DEPTH + 1, 4));
        let wide = Value::Array(vec![json!(1); MAX_ARRAY_ITEMS]);
        assert_eq!(
            check_shape(&json!({ "list": wide })),
            size(2 + MAX_ARRAY_ITEMS, 4)
        );
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
    async fn the_bounded_check_refuses_by_field_inline_or_off_the_async_workers() {
        let schema = Arc::new(FormCheck::compile(&schema()).unwrap());
        assert!(schema.linear, "the test schema is checked inline");
        let mut combined = self::schema();
        combined["properties"]["phone"] = json!({"anyOf": [{"minLength": 11}, {"maxLength": 0}]});
        let combined = Arc::new(FormCheck::compile(&combined).unwrap());
        assert!(
            !combined.linear,
            "a schema with a combinator goes to the blocking pool"
        );
        // Past the inline bounds: checked on the blocking pool even against a linear schema.
        let many: serde_json::Map<String, Value> = (0..INLINE_VALUES)
            .map(|i| (format!("k{i}"), json!(i)))
            .collect();
        let long = json!({"plate_number": "AB", "extra": "字".repeat(INLINE_TEXT / 3 + 1)});

        for schema in [&schema, &combined] {
            let forms = [
                json!({"plate_number": "abc", "extra": 1}),
                Value::Object(many.clone()),
                long.clone(),
            ];
            for form in forms {
                let error = check_bounded(schema, &form).await.unwrap_err();
                assert_eq!(error.code(), "invalid_form");
                assert!(error.fields().iter().any(|f| f.code == "not-allowed"));
            }
            let good = json!({"plate_number": "AB", "phone": "13800138000"});
            check_bounded(schema, &good).await.unwrap();

            let too_wide = json!({ "plate_number": vec![0; MAX_ARRAY_ITEMS + 1] });
            let error = check_bounded(schema, &too_wide).await.unwrap_err();
            assert_eq!(error.fields()[0].code, "too-many-items");
        }
    }

    #[test]
    fn a_schema_is_linear_only_if_every_keyword_at_every_level_is() {
        assert!(FormCheck::linear(&schema()));
        assert!(FormCheck::linear(&json!(true)));
        let nested = json!({"type": "object", "properties": {"list": {
            "type": "array", "prefixItems": [{"type": "string"}], "items": {
                "type": "object", "additionalProperties": false,
                "patternProperties": {"^a": {"enum": [1, 2]}}, "propertyNames": {"maxLength": 8}
            }
        }}});
        assert!(FormCheck::linear(&nested));
        for keyword in [
            "anyOf",
            "oneOf",
            "allOf",
            "not",
            "if",
            "$ref",
            "$defs",
            "uniqueItems",
            "format",
            "x-mine",
        ] {
            let mut deep = nested.clone();
            deep["properties"]["list"]["items"][keyword] = json!([]);
            assert!(
                !FormCheck::linear(&deep),
                "{keyword} deep inside is not linear"
            );
        }
        assert!(!FormCheck::linear(&json!({"items": [{"type": "string"}]})));
        assert!(!FormCheck::linear(&json!({"properties": [1]})));
    }
}
