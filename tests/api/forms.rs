//! Form validation outside the sandbox: the host checks a form against the item's own JSON Schema
//! before the item is called, so none of the item's limits apply there. A schema whose patterns
//! need backtracking is refused at load (here) and at upload (`uploads.rs`), naming the pattern;
//! a `not` over a pattern refuses what the pattern matches; the heaviest form the crafted item
//! takes is checked while other items keep answering.

use std::path::Path;

use reqwest::StatusCode;
use serde_json::{Value, json};
use yiwang_host::config::Settings;
use yiwang_host::signing;

use crate::helpers::{
    CITIZEN, CITIZEN_ID, CRAFTED_ITEM, PASSWORD, SOCIAL_INSURANCE_ITEM, TestApp, crafted,
    error_body, field_errors, find, json_body, spawn_app, spawn_app_with,
};

const DEVELOPER: &str = "forms.developer";
/// Concurrent clients posting the heaviest form, and how many forms each posts.
const CLIENTS: usize = 16;
const FORMS_PER_CLIENT: usize = 4;

/// The test `plugins.toml` plus the crafted item built as `variant`, as a file of its own.
fn with_crafted_in_plugins_file(settings: &mut Settings, variant: &str) {
    let component = Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("the host crate is in the workspace")
        .join("target/wasm32-wasip2/guest/crafted")
        .join(format!("{variant}.wasm"));
    assert!(
        component.is_file(),
        "{} is missing: run `cargo xtask build` first",
        component.display()
    );
    let base = std::fs::read_to_string(settings.data_dir.join("plugins.toml"))
        .expect("reading the test plugins.toml");
    let text = format!(
        "{base}\n[items.{CRAFTED_ITEM}]\ncomponent = {}\ndepartment = \"yiwang-test-dept\"\n",
        toml::Value::String(component.display().to_string())
    );
    let path = settings.data_dir.join("plugins-forms.toml");
    std::fs::write(&path, text).expect("writing plugins-forms.toml");
    settings.plugins = path;
}

/// An app serving the crafted item's `patterned-form` variant, uploaded and published by its
/// department; returns the app and the demo citizen's token.
async fn patterned_form_app() -> (TestApp, String) {
    let app = spawn_app().await;
    let (developer, key) = app.crafted_item_for(DEVELOPER).await;
    let component = crafted("patterned-form");
    let signature = signing::sign(&key, &component);
    json_body(
        app.upload_version(&developer, CRAFTED_ITEM, &component, signature.as_bytes())
            .await,
        StatusCode::CREATED,
    )
    .await;
    app.publish_and_enable(CRAFTED_ITEM, "1.0.0").await;
    let citizen = app.login(CITIZEN, PASSWORD).await;
    (app, citizen)
}

/// The heaviest form the `patterned-form` schema takes: 200 words of 29 characters, each checked
/// by its pattern, and a code checked by a `not`.
fn heaviest_form(code: &str) -> Value {
    let word = "abcdefghij-klmnopqrst-uvwxyza";
    assert_eq!(word.len(), 29);
    json!({ "words": vec![word; 200], "code": code })
}

#[tokio::test]
async fn a_schema_whose_pattern_needs_backtracking_is_refused_at_load_naming_the_pattern() {
    // Arrange and act: the host starts with the crafted item's backtracking variant listed
    let app =
        spawn_app_with(|settings| with_crafted_in_plugins_file(settings, "backtracking-pattern"))
            .await;

    // Assert: not served, the refusal audited with the pattern and where it is
    let details: Vec<String> = sqlx::query_scalar(
        "SELECT detail FROM audit_log WHERE action = 'item.load_failed' AND target = $1",
    )
    .bind(CRAFTED_ITEM)
    .fetch_all(&app.db)
    .await
    .unwrap();
    assert_eq!(details.len(), 1, "{details:?}");
    assert!(
        details[0].contains("invalid_catalog")
            && details[0].contains("/properties/words/items/pattern")
            && details[0].contains(r"^(\w+)-\1$"),
        "{}",
        details[0]
    );
    let catalog = json_body(app.get("/api/v1/items", None).await, StatusCode::OK).await;
    assert!(find(&catalog, "code", CRAFTED_ITEM).is_empty(), "{catalog}");
    let citizen = app.login(CITIZEN, PASSWORD).await;
    let response = app
        .submit(&citizen, CRAFTED_ITEM, json!({ "words": ["ab-ab"] }))
        .await;
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    assert_eq!(app.count("cases").await, 0);
}

#[tokio::test]
async fn a_form_that_a_not_pattern_matches_is_refused_and_stores_nothing() {
    // Arrange
    let (app, citizen) = patterned_form_app().await;

    // Act
    let refused = app
        .submit(&citizen, CRAFTED_ITEM, heaviest_form("xyz"))
        .await;

    // Assert
    let error = error_body(refused, StatusCode::UNPROCESSABLE_ENTITY, "invalid_form").await;
    assert_eq!(
        field_errors(&error)
            .iter()
            .map(|(field, _)| field.as_str())
            .collect::<Vec<_>>(),
        ["code"],
        "{error}"
    );
    assert_eq!(app.count("cases").await, 0);

    // Act: the same form with a code the pattern does not match
    let taken = app
        .submit(&citizen, CRAFTED_ITEM, heaviest_form("abc"))
        .await;

    // Assert
    let body = json_body(taken, StatusCode::CREATED).await;
    let case = app.case_row(body["number"].as_str().unwrap()).await;
    let form: Value = serde_json::from_str(&case.form).unwrap();
    assert_eq!(form["words"].as_array().unwrap().len(), 200);
}

#[tokio::test]
async fn a_form_past_the_schemas_bounds_is_refused_by_field() {
    // Arrange
    let (app, citizen) = patterned_form_app().await;
    let mut too_many = heaviest_form("abc");
    too_many["words"]
        .as_array_mut()
        .unwrap()
        .push(json!("one-more"));
    let mut off_pattern = heaviest_form("abc");
    off_pattern["words"][199] = json!("Not-Lower-Case");

    for form in [too_many, off_pattern] {
        // Act
        let response = app.submit(&citizen, CRAFTED_ITEM, form).await;

        // Assert
        let error = error_body(response, StatusCode::UNPROCESSABLE_ENTITY, "invalid_form").await;
        let fields = field_errors(&error);
        assert!(
            fields
                .iter()
                .all(|(field, _)| field.starts_with("words") || field.starts_with("/words")),
            "{error}"
        );
    }
    assert_eq!(app.count("cases").await, 0);
}

#[tokio::test]
async fn a_form_past_the_hosts_shape_bounds_is_refused_before_its_schema_and_stores_nothing() {
    // Arrange: one array longer than any form may carry, and one nesting deeper than any form may go
    let (app, citizen) = patterned_form_app().await;
    let mut too_long = heaviest_form("abc");
    too_long["extra"] = json!(vec!["x"; 1_001]);
    let mut too_deep = heaviest_form("abc");
    let mut nested = json!("leaf");
    for _ in 0..20 {
        nested = json!({ "n": nested });
    }
    too_deep["extra"] = nested;

    for (form, code) in [(too_long, "too-many-items"), (too_deep, "too-deep")] {
        // Act
        let response = app.submit(&citizen, CRAFTED_ITEM, form).await;

        // Assert: the bound's own refusal, named where it is, and not the schema's
        let error = error_body(response, StatusCode::UNPROCESSABLE_ENTITY, "invalid_form").await;
        let fields = field_errors(&error);
        assert_eq!(fields.len(), 1, "{error}");
        assert_eq!(fields[0].1, code, "{error}");
        assert!(fields[0].0.starts_with("extra"), "{error}");
    }
    assert_eq!(app.count("cases").await, 0);
}

#[tokio::test]
async fn sixteen_clients_posting_the_heaviest_form_leave_another_items_query_answering() {
    // Arrange
    let (app, citizen) = patterned_form_app().await;
    let app = std::sync::Arc::new(app);

    // Act: the clients post heavy forms (every other one refused by its `not`) while the
    // citizen keeps reading the social-insurance record
    let posting: Vec<_> = (0..CLIENTS)
        .map(|client| {
            let (app, citizen) = (app.clone(), citizen.clone());
            tokio::spawn(async move {
                let mut statuses = Vec::new();
                for n in 0..FORMS_PER_CLIENT {
                    let code = if (client + n) % 2 == 0 { "abc" } else { "xyz" };
                    let response = app
                        .submit(&citizen, CRAFTED_ITEM, heaviest_form(code))
                        .await;
                    statuses.push((code, response.status()));
                }
                statuses
            })
        })
        .collect();
    let querying = {
        let (app, citizen) = (app.clone(), citizen.clone());
        tokio::spawn(async move {
            let mut statuses = Vec::new();
            for _ in 0..CLIENTS {
                let response = app
                    .post(
                        &format!("/api/v1/items/{SOCIAL_INSURANCE_ITEM}/query"),
                        Some(&citizen),
                        &json!({ "input": { "id_number": CITIZEN_ID } }),
                    )
                    .await;
                statuses.push(response.status());
            }
            statuses
        })
    };

    // Assert: every form answered as its code says, every query answered, each accepted form stored
    let mut accepted = 0;
    for task in posting {
        for (code, status) in task.await.unwrap() {
            let expected = if code == "abc" {
                StatusCode::CREATED
            } else {
                StatusCode::UNPROCESSABLE_ENTITY
            };
            assert_eq!(status, expected, "code {code}");
            accepted += usize::from(status == StatusCode::CREATED);
        }
    }
    let queries = querying.await.unwrap();
    assert!(queries.iter().all(|s| *s == StatusCode::OK), "{queries:?}");
    assert_eq!(accepted, CLIENTS * FORMS_PER_CLIENT / 2);
    assert_eq!(app.count("cases").await, accepted as i64);
}
