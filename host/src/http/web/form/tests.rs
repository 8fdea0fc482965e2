//! The form drawn from a schema, the answer read back, and errors placed beside their fields.

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
