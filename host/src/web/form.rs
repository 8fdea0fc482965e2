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
        .filter(|(k, _)| k != crate::auth::session::CSRF_FORM_FIELD)
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

    /// A form with a required nested object (itself holding one), an optional one, an array and
    /// an object without properties.
    fn nested_schema() -> Value {
        json!({
            "type": "object",
            "additionalProperties": false,
            "required": ["applicant", "child"],
            "properties": {
                "applicant": {"type": "string", "title": "申请人"},
                "child": {
                    "type": "object",
                    "title": "子女信息",
                    "additionalProperties": false,
                    "required": ["name", "age"],
                    "properties": {
                        "name": {"type": "string", "title": "姓名", "minLength": 2},
                        "age": {"type": "integer", "title": "年龄", "minimum": 3},
                        "stage": {"type": "string", "enum": ["primary", "junior"]},
                        "boarding": {"type": "boolean", "title": "寄宿"},
                        "school": {
                            "type": "object",
                            "title": "学校",
                            "properties": {"district": {"type": "string", "title": "区"}}
                        }
                    }
                },
                "spouse": {
                    "type": "object",
                    "title": "配偶",
                    "properties": {"name": {"type": "string"}, "employed": {"type": "boolean"}}
                },
                "schools": {"type": "array", "items": {"type": "string"}},
                "extra": {"type": "object"}
            }
        })
    }

    fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
        list.iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    fn find<'a>(fields: &'a [Field], name: &str) -> &'a Field {
        fields
            .iter()
            .find_map(|f| {
                if f.name == name {
                    Some(f)
                } else {
                    f.children.iter().find(|c| c.name == name).or_else(|| {
                        f.children
                            .iter()
                            .flat_map(|c| &c.children)
                            .find(|c| c.name == name)
                    })
                }
            })
            .unwrap_or_else(|| panic!("no field {name}"))
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

    #[test]
    fn a_nested_object_with_properties_is_a_group_of_fields_named_by_their_path() {
        let fields = fields(&nested_schema());

        let top: Vec<(&str, Kind, bool)> = fields
            .iter()
            .map(|f| (f.name.as_str(), f.kind, f.required))
            .collect();
        assert_eq!(
            top,
            [
                ("applicant", Kind::Text, true),
                ("child", Kind::Group, true),
                ("extra", Kind::Json, false),
                ("schools", Kind::Json, false),
                ("spouse", Kind::Group, false),
            ]
        );
        let child = find(&fields, "child");
        assert_eq!(child.title, "子女信息");
        let inner: Vec<(&str, Kind, bool)> = child
            .children
            .iter()
            .map(|f| (f.name.as_str(), f.kind, f.required))
            .collect();
        assert_eq!(
            inner,
            [
                ("child.name", Kind::Text, true),
                ("child.age", Kind::Integer, true),
                ("child.boarding", Kind::Checkbox, false),
                ("child.school", Kind::Group, false),
                ("child.stage", Kind::Select, false),
            ]
        );
        let district = find(&fields, "child.school.district");
        assert_eq!(
            (district.path.clone(), district.kind, district.id()),
            (
                vec!["child".to_string(), "school".into(), "district".into()],
                Kind::Text,
                "field-child.school.district".to_string()
            )
        );
    }

    #[test]
    fn groups_are_drawn_opened_around_their_fields_and_closed() {
        let view = FormView::new(&nested_schema());

        let rows: Vec<String> = view
            .rows()
            .iter()
            .map(|r| {
                if r.close {
                    format!("/{}", r.field.name)
                } else {
                    r.field.name.clone()
                }
            })
            .collect();

        assert_eq!(
            rows,
            [
                "applicant",
                "child",
                "child.name",
                "child.age",
                "child.boarding",
                "child.school",
                "child.school.district",
                "/child.school",
                "child.stage",
                "/child",
                "extra",
                "schools",
                "spouse",
                "spouse.employed",
                "spouse.name",
                "/spouse",
            ]
        );
    }

    #[test]
    fn the_answer_of_dotted_names_is_the_nested_object() {
        let mut view = FormView::new(&nested_schema());

        let form = view.answer(&pairs(&[
            ("_csrf", "t"),
            ("applicant", "张三"),
            ("child.name", "张小明"),
            ("child.age", "6"),
            ("child.boarding", "true"),
            ("child.school.district", "南城"),
            ("child.stage", "primary"),
            ("schools", r#"["莞城中心小学"]"#),
            ("spouse.name", ""),
        ]));

        assert_eq!(
            form,
            json!({
                "applicant": "张三",
                "child": {
                    "name": "张小明",
                    "age": 6,
                    "boarding": true,
                    "school": {"district": "南城"},
                    "stage": "primary"
                },
                "schools": ["莞城中心小学"]
            })
        );
        assert_eq!(find(&view.fields, "child.age").value, "6");
        assert!(find(&view.fields, "child.boarding").checked);
    }

    #[test]
    fn an_empty_required_group_is_sent_empty_and_an_optional_one_is_left_out_unless_filled() {
        let mut view = FormView::new(&nested_schema());

        let empty = view.answer(&pairs(&[("applicant", "张三")]));
        let spouse_ticked = view.answer(&pairs(&[("spouse.employed", "true")]));
        let unknown = view.answer(&pairs(&[("child.nickname", "小明"), ("child", "x")]));

        // The required child is there for the schema to name its missing fields; an unticked
        // box alone does not make the optional spouse filled in.
        assert_eq!(
            empty,
            json!({"applicant": "张三", "child": {"boarding": false}})
        );
        assert_eq!(
            spouse_ticked,
            json!({"child": {"boarding": false}, "spouse": {"employed": true}})
        );
        // A name the form does not draw is kept as sent, for the schema to refuse.
        assert_eq!(
            unknown,
            json!({"child": {"boarding": false}, "child.nickname": "小明"})
        );
    }

    #[test]
    fn the_domains_errors_for_nested_properties_go_beside_the_nested_fields() {
        let schema = nested_schema();
        let validator = jsonschema::validator_for(&schema).unwrap();
        let mut view = FormView::new(&schema);
        let form = view.answer(&pairs(&[
            ("applicant", "张三"),
            ("child.name", "张"),
            ("child.age", "six"),
            ("schools", "[1]"),
            ("child.nickname", "小明"),
        ]));

        let errors = crate::domain::form::check(&validator, &form).unwrap_err();
        view.refuse(&errors);

        assert!(view.failed);
        assert_eq!(
            find(&view.fields, "child.name").errors,
            ["至少需要 2 个字符"]
        );
        assert_eq!(find(&view.fields, "child.age").errors, ["格式不正确"]);
        assert_eq!(find(&view.fields, "schools").errors, ["格式不正确"]);
        assert!(find(&view.fields, "child").errors.is_empty());
        // The unknown top-level name is the whole form's error.
        assert_eq!(view.general, ["不接受的字段：child.nickname"]);
        let summary = view.summary();
        assert!(summary.contains(&(
            "field-child.name".to_string(),
            "子女信息 · 姓名".to_string(),
            "至少需要 2 个字符".to_string()
        )));
    }

    /// The shared fields template alone, as the apply and preview pages include it.
    #[derive(askama::Template)]
    #[template(path = "form_fields.html")]
    struct Drawn {
        form: FormView,
    }

    #[test]
    fn a_group_is_drawn_as_a_fieldset_with_its_legend_and_the_errors_beside_its_fields() {
        use askama::Template;
        let mut form = FormView::new(&nested_schema());
        form.answer(&pairs(&[("child.name", "张"), ("child.age", "5")]));
        form.refuse(&[
            FieldError {
                field: "/child/name".into(),
                code: "too-short".into(),
                message: "至少需要 2 个字符".into(),
            },
            FieldError {
                field: "child".into(),
                code: "not-allowed".into(),
                message: "不接受的字段：nickname".into(),
            },
        ]);

        let html = Drawn { form }.render().unwrap();

        let at = |text: &str| {
            html.find(text)
                .unwrap_or_else(|| panic!("{text} is drawn:\n{html}"))
        };
        let child =
            at(r#"<fieldset class="field group" id="field-child" aria-describedby="error-child">"#);
        at(
            r#"<legend>子女信息 <span aria-hidden="true">*</span><span class="visually-hidden">（必填）</span></legend>"#,
        );
        at(r#"<span class="field-error" id="error-child">不接受的字段：nickname</span>"#);
        let name = at(
            r#"<input type="text" id="field-child.name" name="child.name" value="张" aria-required="true""#,
        );
        at(r#"<span class="field-error" id="error-child.name">至少需要 2 个字符</span>"#);
        at(r#"<label for="field-child.name">姓名"#);
        let school = at(r#"<fieldset class="field group" id="field-child.school">"#);
        let district = at(r#"name="child.school.district""#);
        let spouse = at(r#"id="field-spouse""#);
        assert!(child < name && name < school && school < district && district < spouse);
        // Each group is closed where its fields end: child holds school, which closes first.
        let closes: Vec<usize> = html.match_indices("</fieldset>").map(|(i, _)| i).collect();
        assert_eq!(closes.len(), 3);
        assert!(district < closes[0] && closes[0] < closes[1] && closes[1] < spouse);
        assert_eq!(
            html.matches(r#"aria-invalid="true" aria-describedby="error-child.name""#)
                .count(),
            1
        );
        assert!(
            !html.contains(r#"aria-invalid="true" aria-describedby="error-child""#),
            "a fieldset is described by its errors, not marked invalid"
        );
        assert!(html.contains(r#"<textarea id="field-schools" name="schools""#));
    }

    #[test]
    fn an_error_about_a_group_or_below_it_is_placed_at_the_deepest_field_it_names() {
        let mut fields = fields(&nested_schema());
        let error = |field: &str| FieldError {
            field: field.into(),
            code: "x".into(),
            message: field.to_string(),
        };

        let general = place_errors(
            &mut fields,
            &[
                error("child"),
                error("/child/nickname"),
                error("child.school.district"),
                error("/child/school/district"),
                error("/schools/0"),
                error("nobody"),
                error("/nobody/name"),
            ],
        );

        assert_eq!(general, ["nobody", "/nobody/name"]);
        assert_eq!(find(&fields, "child").errors, ["child", "/child/nickname"]);
        assert_eq!(
            find(&fields, "child.school.district").errors,
            ["child.school.district", "/child/school/district"]
        );
        assert_eq!(find(&fields, "schools").errors, ["/schools/0"]);
    }
}
