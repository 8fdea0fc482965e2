//! An application form drawn from the item's JSON Schema, and the urlencoded answer turned back
//! into the JSON object the API takes. Only the shape is read here (titles, types, enums, nested
//! objects); every check is the domain's (`domain::form` against the same schema, then the item).
//!
//! A nested `object` with its own `properties` is a fieldset of fields named by their dotted path
//! (`child.name`); arrays, and objects without `properties`, are written as JSON.

use std::collections::HashMap;

use serde_json::{Map, Value};

use crate::model::contract::FieldError;

/// Deepest nesting drawn as fieldsets; an object deeper than this is written as JSON.
const MAX_DEPTH: usize = 6;

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
    /// An object with its own properties: a fieldset of its fields.
    Group,
}

/// One property of the form, with what the applicant entered and what is wrong with it.
#[derive(Debug)]
pub struct Field {
    /// The property's path from the form's root (`["child", "name"]`).
    pub path: Vec<String>,
    /// The name it is sent under: the path joined by dots (`child.name`).
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
    /// A group's fields.
    pub children: Vec<Field>,
}

impl Field {
    pub fn id(&self) -> String {
        format!("field-{}", self.name)
    }
    pub fn error_id(&self) -> String {
        format!("error-{}", self.name)
    }
    pub fn hint_id(&self) -> String {
        format!("hint-{}", self.name)
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
            Kind::Group => "group",
        };
        own == kind
    }
    fn key(&self) -> &str {
        self.path.last().map(String::as_str).unwrap_or_default()
    }
}

/// One step of drawing the form: a field, a group's opening (its fieldset and legend) or, with
/// `close`, the end of that group. Templates cannot recurse, so the tree is drawn as this list.
pub struct Row<'a> {
    pub field: &'a Field,
    pub close: bool,
}

/// A form as a page shows it: its fields with what was entered, and the errors.
#[derive(Debug)]
pub struct FormView {
    pub fields: Vec<Field>,
    /// Errors that name no field of the form.
    pub general: Vec<String>,
    /// Whether the last submission was refused (the summary is shown).
    pub failed: bool,
}

impl FormView {
    /// The empty form of `schema`.
    pub fn new(schema: &Value) -> FormView {
        FormView {
            fields: fields(schema),
            general: Vec::new(),
            failed: false,
        }
    }

    /// The answer `pairs` as the form object; the fields keep what was entered.
    pub fn answer(&mut self, pairs: &[(String, String)]) -> Value {
        answer(&mut self.fields, pairs)
    }

    /// The domain refused the answer with `errors`: each goes beside its field.
    pub fn refuse(&mut self, errors: &[FieldError]) {
        self.general = place_errors(&mut self.fields, errors);
        self.failed = true;
    }

    /// The fields in drawing order, groups opened and closed around their fields.
    pub fn rows(&self) -> Vec<Row<'_>> {
        let mut rows = Vec::new();
        push_rows(&self.fields, &mut rows);
        rows
    }

    /// Every error beside a field, for the summary at the top: (field id, titles, message).
    pub fn summary(&self) -> Vec<(String, String, String)> {
        let mut summary = Vec::new();
        push_summary(&self.fields, "", &mut summary);
        summary
    }
}

fn push_rows<'a>(fields: &'a [Field], rows: &mut Vec<Row<'a>>) {
    for field in fields {
        rows.push(Row {
            field,
            close: false,
        });
        if field.kind == Kind::Group {
            push_rows(&field.children, rows);
            rows.push(Row { field, close: true });
        }
    }
}

fn push_summary(fields: &[Field], parent: &str, summary: &mut Vec<(String, String, String)>) {
    for field in fields {
        let title = if parent.is_empty() {
            field.title.clone()
        } else {
            format!("{parent} · {}", field.title)
        };
        for error in &field.errors {
            summary.push((field.id(), title.clone(), error.clone()));
        }
        push_summary(&field.children, &title, summary);
    }
}

/// The properties of `schema`, empty: the required ones in the order `required` lists them (the
/// author's order; the properties object itself comes back sorted by name), then the others by
/// name. A nested object with properties is a group of its own fields, in the same order.
pub fn fields(schema: &Value) -> Vec<Field> {
    fields_under(schema, &[])
}

fn fields_under(schema: &Value, parent: &[String]) -> Vec<Field> {
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
            let mut path = parent.to_vec();
            path.push(name.clone());
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
            let nested = property["type"].as_str() == Some("object")
                && property["properties"]
                    .as_object()
                    .is_some_and(|p| !p.is_empty())
                && path.len() <= MAX_DEPTH;
            let kind = if !options.is_empty() {
                Kind::Select
            } else if nested {
                Kind::Group
            } else {
                match property["type"].as_str() {
                    Some("boolean") => Kind::Checkbox,
                    Some("integer") => Kind::Integer,
                    Some("number") => Kind::Number,
                    Some("array" | "object") => Kind::Json,
                    _ => Kind::Text,
                }
            };
            let children = if kind == Kind::Group {
                fields_under(property, &path)
            } else {
                Vec::new()
            };
            Field {
                title: property["title"].as_str().unwrap_or(name).to_string(),
                description: property["description"]
                    .as_str()
                    .unwrap_or_default()
                    .to_string(),
                name: path.join("."),
                path,
                kind,
                required: required.contains(&name.as_str()),
                options,
                value: String::new(),
                checked: false,
                errors: Vec::new(),
                children,
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
/// report. A group is the object of its fields, left out when it is optional and nothing in it
/// was filled in or ticked. Fields the schema does not name are kept too (at the top, under the
/// name they were sent with): the schema decides about them.
pub fn answer(fields: &mut [Field], pairs: &[(String, String)]) -> Value {
    let sent: HashMap<&str, &str> = pairs
        .iter()
        .filter(|(k, _)| k != crate::http::session::CSRF_FORM_FIELD)
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let (mut form, _) = fill(fields, &sent);
    for (name, value) in sent {
        if !form.contains_key(name) && !names(fields, name) {
            form.insert(name.to_string(), Value::String(value.to_string()));
        }
    }
    Value::Object(form)
}

/// The object of `fields` from what was sent, and whether anything in it was filled in.
fn fill(fields: &mut [Field], sent: &HashMap<&str, &str>) -> (Map<String, Value>, bool) {
    let mut object = Map::new();
    let mut touched = false;
    for field in fields.iter_mut() {
        let value = if field.kind == Kind::Group {
            let (inner, filled) = fill(&mut field.children, sent);
            touched |= filled;
            (filled || field.required).then_some(Value::Object(inner))
        } else {
            let raw = sent.get(field.name.as_str()).copied();
            field.value = raw.unwrap_or_default().to_string();
            touched |= if field.kind == Kind::Checkbox {
                raw.is_some()
            } else {
                !field.value.trim().is_empty()
            };
            value_of(field, raw)
        };
        if let Some(value) = value {
            object.insert(field.key().to_string(), value);
        }
    }
    (object, touched)
}

/// One field's value from its raw text (`None`: not sent).
fn value_of(field: &mut Field, raw: Option<&str>) -> Option<Value> {
    match field.kind {
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
        Kind::Group => None,
    }
}

/// Whether `name` is the name of a field (or group) of the form, at any depth.
fn names(fields: &[Field], name: &str) -> bool {
    fields
        .iter()
        .any(|f| f.name == name || names(&f.children, name))
}

/// Put each error beside its field; those that name no field of the form are returned, for the
/// summary alone.
///
/// The domain names a top-level property plainly (`plate_number`) and a deeper one by its JSON
/// pointer (`/child/name`); an item may name it by its dotted path (`child.name`). An error
/// below a field drawn whole (an array's element, `/schools/0`) goes beside that field, and one
/// about a group itself, or a property it does not draw, beside the group.
pub fn place_errors(fields: &mut [Field], errors: &[FieldError]) -> Vec<String> {
    let mut general = Vec::new();
    for error in errors {
        match field_for(fields, &error.field) {
            Some(field) => field.errors.push(error.message.clone()),
            None => general.push(error.message.clone()),
        }
    }
    general
}

fn field_for<'a>(fields: &'a mut [Field], name: &str) -> Option<&'a mut Field> {
    let trimmed = name.trim_start_matches('/');
    let segments: Vec<String> = if name.starts_with('/') || trimmed.contains('/') {
        // JSON pointer: `~1` is `/` and `~0` is `~` inside a segment.
        trimmed
            .split('/')
            .map(|s| s.replace("~1", "/").replace("~0", "~"))
            .collect()
    } else if fields.iter().any(|f| f.name == trimmed) {
        vec![trimmed.to_string()]
    } else {
        trimmed.split('.').map(str::to_string).collect()
    };
    deepest(fields, &segments)
}

/// The deepest field along `segments`: a field drawn whole takes what is below it, and a group
/// what names none of its fields.
fn deepest<'a>(fields: &'a mut [Field], segments: &[String]) -> Option<&'a mut Field> {
    let (first, rest) = segments.split_first()?;
    let field = fields.iter_mut().find(|f| f.key() == first.as_str())?;
    if rest.is_empty() || field.kind != Kind::Group {
        return Some(field);
    }
    let goes_deeper = field.children.iter().any(|c| c.key() == rest[0].as_str());
    if goes_deeper {
        deepest(&mut field.children, rest)
    } else {
        Some(field)
    }
}

#[cfg(test)]
mod tests;
