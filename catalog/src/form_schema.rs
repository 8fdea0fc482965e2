//! The dialect of an item's form schema, and the one way the host compiles it: JSON Schema whose
//! regular expressions (`pattern`, `patternProperties`) run on the linear-time `regex` engine. A
//! pattern that needs backtracking (back-references, look-around) is refused when the version is
//! checked, naming the pattern and where it is, so no department's schema, and no citizen posting
//! to it, can make one form cost the host seconds of CPU, and no engine limit can silently turn a
//! match into a non-match.

use jsonschema::{PatternOptions, Validator};
use serde_json::Value;

/// Keywords whose values are data, not schemas: a `pattern` key inside them is not a pattern.
const DATA_KEYWORDS: &[&str] = &["const", "default", "enum", "examples"];

/// A pattern of the schema the host's engine does not take.
#[derive(Debug, PartialEq, Eq)]
pub struct UnsupportedPattern {
    /// JSON pointer of the keyword that holds the pattern (`/properties/code/pattern`).
    pub pointer: String,
    pub pattern: String,
    /// The engine's reason.
    pub reason: String,
}

impl std::fmt::Display for UnsupportedPattern {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "pattern `{}` at {} is not supported (no back-references or look-around): {}",
            self.pattern, self.pointer, self.reason
        )
    }
}

/// Why a form schema does not compile.
#[derive(Debug, PartialEq, Eq)]
pub enum SchemaError {
    Pattern(UnsupportedPattern),
    Invalid(String),
}

impl std::fmt::Display for SchemaError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SchemaError::Pattern(p) => p.fmt(f),
            SchemaError::Invalid(why) => f.write_str(why),
        }
    }
}

/// Compiles `schema` as the host validates forms with it.
pub fn compile(schema: &Value) -> Result<Validator, SchemaError> {
    // Each pattern is compiled once, by the build. Only a schema that fails is walked again,
    // pattern by pattern, to name a refused pattern before any other fault.
    options()
        .build(schema)
        .map_err(|e| match first_unsupported_pattern(schema) {
            Some(unsupported) => SchemaError::Pattern(unsupported),
            None => SchemaError::Invalid(e.to_string()),
        })
}

fn options() -> jsonschema::ValidationOptions {
    jsonschema::options().with_pattern_options(PatternOptions::regex())
}

/// The first pattern of `schema` the engine refuses, walking objects in the order their keys are
/// kept.
fn first_unsupported_pattern(schema: &Value) -> Option<UnsupportedPattern> {
    let mut pending = vec![(String::new(), schema)];
    while let Some((pointer, value)) = pending.pop() {
        let children: Vec<(String, &Value)> = match value {
            Value::Object(map) => {
                if let Some(Value::String(pattern)) = map.get("pattern")
                    && let Some(reason) = refusal(pattern)
                {
                    return Some(UnsupportedPattern {
                        pointer: format!("{pointer}/pattern"),
                        pattern: pattern.clone(),
                        reason,
                    });
                }
                if let Some(Value::Object(properties)) = map.get("patternProperties") {
                    for pattern in properties.keys() {
                        if let Some(reason) = refusal(pattern) {
                            return Some(UnsupportedPattern {
                                pointer: format!("{pointer}/patternProperties/{}", escape(pattern)),
                                pattern: pattern.clone(),
                                reason,
                            });
                        }
                    }
                }
                map.iter()
                    .filter(|(key, _)| !DATA_KEYWORDS.contains(&key.as_str()))
                    .map(|(key, child)| (format!("{pointer}/{}", escape(key)), child))
                    .collect()
            }
            Value::Array(items) => items
                .iter()
                .enumerate()
                .map(|(i, child)| (format!("{pointer}/{i}"), child))
                .collect(),
            _ => Vec::new(),
        };
        // Reversed onto the stack, so that the walk goes in key order.
        pending.extend(children.into_iter().rev());
    }
    None
}

/// Why the engine refuses `pattern`, compiled exactly as validation would compile it.
fn refusal(pattern: &str) -> Option<String> {
    let probe = serde_json::json!({ "pattern": pattern });
    options().build(&probe).err().map(|e| e.to_string())
}

/// A JSON pointer token (RFC 6901).
fn escape(token: &str) -> String {
    token.replace('~', "~0").replace('/', "~1")
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn plain_patterns_compile_and_validate() {
        let validator = compile(&json!({
            "type": "object",
            "properties": {"plate": {"type": "string", "pattern": "^粤[A-Z][0-9A-Z]{5}$"}}
        }))
        .unwrap();
        assert!(validator.is_valid(&json!({"plate": "粤S12345"})));
        assert!(!validator.is_valid(&json!({"plate": "京A1"})));
    }

    #[test]
    fn a_back_reference_is_refused_naming_the_pattern_and_its_pointer() {
        let err = compile(&json!({
            "type": "object",
            "properties": {"words": {"type": "array", "items": {"pattern": "^(a+)+\\1$"}}}
        }))
        .unwrap_err();
        let SchemaError::Pattern(p) = err else {
            panic!("expected a pattern refusal, got {err:?}")
        };
        assert_eq!(p.pointer, "/properties/words/items/pattern");
        assert_eq!(p.pattern, "^(a+)+\\1$");
    }

    #[test]
    fn look_around_in_pattern_properties_is_refused() {
        let err =
            compile(&json!({"patternProperties": {"^(?<=x)a/b": {"type": "string"}}})).unwrap_err();
        let SchemaError::Pattern(p) = err else {
            panic!("expected a pattern refusal, got {err:?}")
        };
        assert_eq!(p.pointer, "/patternProperties/^(?<=x)a~1b");
        assert!(p.to_string().contains("look-around"));
    }

    #[test]
    fn a_pattern_key_inside_data_keywords_is_not_a_pattern() {
        assert!(compile(&json!({"const": {"pattern": "(a)\\1"}})).is_ok());
        assert!(compile(&json!({"properties": {"pattern": {"type": "string"}}})).is_ok());
    }

    #[test]
    fn the_first_refused_pattern_in_key_order_is_named() {
        let err = compile(&json!({
            "properties": {
                "a": {"pattern": "(?=x)"},
                "b": {"pattern": "(y)\\1"}
            }
        }))
        .unwrap_err();
        assert!(matches!(err, SchemaError::Pattern(p) if p.pointer == "/properties/a/pattern"));
    }
}
