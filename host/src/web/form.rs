//! An application form drawn from the item's JSON Schema, and the urlencoded answer turned back
//! into the JSON object the API takes. Only the shape is read here (titles, types, enums); every
//! check is the domain's (`domain::form` against the same schema, then the item).

use std::collections::HashMap;

use serde_json::{Map, Value};

use crate::domain::contract::FieldError;

/// How a property is asked for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Text,
    Integer,
    Number,
    Checkbox,
    Select,
    /// An array or object, written as JSON.
    Json,
}

/// One property of the form, with what the applicant entered and what is wrong with it.
#[derive(Debug)]
pub struct Field {
    pub name: String,
    pub title: String,
    pub description: String,
    pub kind: Kind,
    pub required: bool,
    /// (value, label) for a select.
    pub options: Vec<(String, String)>,
    pub value: String,
    pub checked: bool,
    pub errors: Vec<String>,
}

impl Field {
    pub fn id(&self) -> String {
        format!("field-{}", self.name)
    }
    pub fn error_id(&self) -> String {
        format!("error-{}", self.name)
    }
    pub fn has_errors(&self) -> bool {
        !self.errors.is_empty()
    }
    pub fn is(&self, kind: &str) -> bool {
        let own = match self.kind {
            Kind::Text => "text",
            Kind::Integer => "integer",
            Kind::Number => "number",
            Kind::Checkbox => "checkbox",
            Kind::Select => "select",
            Kind::Json => "json",
        };
        own == kind
    }
}

/// The top-level properties of `schema`, empty: the required ones in the order `required` lists
/// them (the author's order; the properties object itself comes back sorted by name), then the
/// others by name.
pub fn fields(schema: &Value) -> Vec<Field> {
    let required: Vec<&str> = schema["required"]
        .as_array()
        .map(|r| r.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    let Some(properties) = schema["properties"].as_object() else {
        return Vec::new();
    };
    let mut ordered: Vec<(&String, &Value)> = properties.iter().collect();
    ordered.sort_by_key(|(name, _)| {
        required
            .iter()
            .position(|r| r == name)
            .unwrap_or(usize::MAX)
    });
    ordered
        .into_iter()
        .map(|(name, property)| {
            let options: Vec<(String, String)> = property["enum"]
                .as_array()
                .map(|values| {
                    values
                        .iter()
                        .map(|v| {
                            let value = scalar_text(v);
                            (value.clone(), value)
                        })
                        .collect()
                })
                .unwrap_or_default();
            let kind = if !options.is_empty() {
                Kind::Select
            } else {
                match property["type"].as_str() {
                    Some("boolean") => Kind::Checkbox,
                    Some("integer") => Kind::Integer,
                    Some("number") => Kind::Number,
                    Some("array" | "object") => Kind::Json,
                    _ => Kind::Text,
                }
            };
            Field {
                title: property["title"].as_str().unwrap_or(name).to_string(),
                description: property["description"]
                    .as_str()
                    .unwrap_or_default()
                    .to_string(),
                name: name.clone(),
                kind,
                required: required.contains(&name.as_str()),
                options,
                value: String::new(),
                checked: false,
                errors: Vec::new(),
            }
        })
        .collect()
}

fn scalar_text(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// The urlencoded answer as the form object. A checkbox is `true` when sent and `false` when not
/// (a browser sends nothing for an unticked box); an empty text field is left out, so "required"
/// is what the schema says; a number that does not parse is kept as text, for the schema to
/// report. Fields the schema does not name are kept too: the schema decides about them.
pub fn answer(fields: &mut [Field], pairs: &[(String, String)]) -> Value {
    let sent: HashMap<&str, &str> = pairs
        .iter()
        .filter(|(k, _)| k != crate::auth::session::CSRF_FORM_FIELD)
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let mut form = Map::new();
    for field in fields.iter_mut() {
        let raw = sent.get(field.name.as_str()).copied();
        field.value = raw.unwrap_or_default().to_string();
        let value = match field.kind {
            Kind::Checkbox => {
                field.checked = raw.is_some();
                Some(Value::Bool(field.checked))
            }
            _ if field.value.trim().is_empty() => None,
            Kind::Integer => Some(
                field
                    .value
                    .trim()
                    .parse::<i64>()
                    .map(Value::from)
                    .unwrap_or_else(|_| Value::String(field.value.clone())),
            ),
            Kind::Number => Some(
                field
                    .value
                    .trim()
                    .parse::<f64>()
                    .ok()
                    .and_then(|n| serde_json::Number::from_f64(n).map(Value::Number))
                    .unwrap_or_else(|| Value::String(field.value.clone())),
            ),
            Kind::Select => Some(
                // An enum of numbers or booleans comes back as their JSON text.
                serde_json::from_str::<Value>(&field.value)
                    .ok()
                    .filter(|v| !v.is_string() && !v.is_object() && !v.is_array())
                    .unwrap_or_else(|| Value::String(field.value.clone())),
            ),
            Kind::Json => Some(
                serde_json::from_str(&field.value)
                    .unwrap_or_else(|_| Value::String(field.value.clone())),
            ),
            Kind::Text => Some(Value::String(field.value.clone())),
        };
        if let Some(value) = value {
            form.insert(field.name.clone(), value);
        }
    }
    for (name, value) in sent {
        if !form.contains_key(name) && !fields.iter().any(|f| f.name == name) {
            form.insert(name.to_string(), Value::String(value.to_string()));
        }
    }
    Value::Object(form)
}

/// Put each error beside its field; those that name no field of the form are returned, for the
/// summary alone.
pub fn place_errors(fields: &mut [Field], errors: &[FieldError]) -> Vec<String> {
    let mut general = Vec::new();
    for error in errors {
        let name = error.field.trim_start_matches('/');
        let top = name.split('/').next().unwrap_or_default();
        match fields.iter_mut().find(|f| f.name == top) {
            Some(field) => field.errors.push(error.message.clone()),
            None => general.push(error.message.clone()),
        }
    }
    general
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn schema() -> Value {
        json!({
            "type": "object",
            "required": ["plate", "count"],
            "properties": {
                "plate": {"type": "string", "title": "号牌号码"},
                "count": {"type": "integer", "title": "数量"},
                "paper": {"type": "boolean", "title": "纸质"},
                "stage": {"type": "string", "enum": ["primary", "junior"]},
                "note": {"type": "string"}
            }
        })
    }

    fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
        list.iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn each_property_becomes_a_field_of_its_kind() {
        let fields = fields(&schema());
        let kinds: Vec<(&str, Kind, bool)> = fields
            .iter()
            .map(|f| (f.name.as_str(), f.kind, f.required))
            .collect();
        assert!(kinds.contains(&("plate", Kind::Text, true)));
        assert!(kinds.contains(&("count", Kind::Integer, true)));
        assert!(kinds.contains(&("paper", Kind::Checkbox, false)));
        assert!(kinds.contains(&("stage", Kind::Select, false)));
        assert_eq!(
            fields.iter().find(|f| f.name == "note").unwrap().title,
            "note"
        );
        let order: Vec<&str> = fields.iter().map(|f| f.name.as_str()).collect();
        assert_eq!(order, ["plate", "count", "note", "paper", "stage"]);
    }

    #[test]
    fn the_answer_has_typed_values_and_leaves_out_empty_text() {
        let mut fields = fields(&schema());
        let form = answer(
            &mut fields,
            &pairs(&[
                ("_csrf", "t"),
                ("plate", "粤S12345"),
                ("count", "3"),
                ("note", ""),
                ("stage", "junior"),
            ]),
        );
        assert_eq!(
            form,
            json!({"plate": "粤S12345", "count": 3, "paper": false, "stage": "junior"})
        );
        let form = answer(&mut fields, &pairs(&[("count", "three"), ("paper", "on")]));
        assert_eq!(form, json!({"count": "three", "paper": true}));
        assert_eq!(
            fields.iter().find(|f| f.name == "count").unwrap().value,
            "three"
        );
    }

    #[test]
    fn errors_go_beside_their_field_or_into_the_summary() {
        let mut fields = fields(&schema());
        let error = |field: &str| FieldError {
            field: field.into(),
            code: "x".into(),
            message: format!("{field} 有误"),
        };
        let general = place_errors(&mut fields, &[error("plate"), error(""), error("/count/0")]);
        assert_eq!(general, vec![" 有误".to_string()]);
        assert_eq!(
            fields
                .iter()
                .find(|f| f.name == "plate")
                .unwrap()
                .errors
                .len(),
            1
        );
        assert_eq!(
            fields
                .iter()
                .find(|f| f.name == "count")
                .unwrap()
                .errors
                .len(),
            1
        );
    }
}
