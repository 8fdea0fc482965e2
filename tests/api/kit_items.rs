//! The items not written in Rust pass what the Rust items pass: the JavaScript 出入境 query
//! (`plugins/exit-entry-appointment`) and the Python 环境污染举报 (`plugins/environment-report`),
//! each registered, granted, signed, uploaded and published as a department would, then used by
//! citizens and staff; their forms and inputs refused with field errors, their registry reads in the
//! ledger, and an endless loop in JavaScript (`tests/plugins/js-spin`) stopped at its CPU limit.

use reqwest::StatusCode;
use serde_json::{Value, json};
use yiwang_host::model::actor::Role;

use crate::helpers::{
    CITIZEN, CITIZEN_ID, PASSWORD, TestApp, component_bytes, days_from_today, error_body,
    field_errors, json_body,
};
use crate::kit::spawn_app_for_big_components;

const EXIT_ENTRY_ITEM: &str = "exit-entry-appointment";
const EXIT_ENTRY_DEPARTMENT: &str = "dongguan-exit-entry";
const REPORT_ITEM: &str = "environment-report";
const ECOLOGY_DEPARTMENT: &str = "dongguan-ecology";
/// A key monitored unit of the demo's `pollution-sources`.
const KEY_UNIT: &str = "91441900MA4W3K7P24";

/// The item registered for `department` with `grants` and `limits`, its component signed with the
/// department's new key, uploaded by a developer, published and switched on; returns the version.
async fn ship(
    app: &TestApp,
    code: &str,
    department: &str,
    component: &str,
    grants: Value,
    limits: Value,
) -> Value {
    let key = app.department_with_key(department, "试点部门").await;
    let developer = format!("{code}.developer");
    app.add_user(
        &developer,
        Role::Developer,
        Some(department),
        "开发员",
        None,
    )
    .await;
    let token = app.login(&developer, PASSWORD).await;
    json_body(
        app.register_item(code, department).await,
        StatusCode::CREATED,
    )
    .await;
    let admin = app.login(crate::helpers::ADMIN, PASSWORD).await;
    for (what, body) in [("grants", grants), ("limits", limits)] {
        let path = format!("/api/v1/admin/items/{code}/{what}");
        json_body(app.put(&path, &admin, &body).await, StatusCode::OK).await;
    }
    let staged = app
        .upload_signed(&token, code, &component_bytes(component), &key)
        .await;
    let version = staged["version"].as_str().unwrap().to_owned();
    app.publish_and_enable(code, &version).await;
    staged
}

async fn ship_exit_entry(app: &TestApp) {
    ship(
        app,
        EXIT_ENTRY_ITEM,
        EXIT_ENTRY_DEPARTMENT,
        "yiwang_item_exit_entry_appointment",
        json!({ "registries": ["exit-entry-applications"] }),
        json!({ "memory_mib": 128, "cpu_ms": 1000, "wall_ms": 5000 }),
    )
    .await;
}

async fn ship_report(app: &TestApp) {
    ship(
        app,
        REPORT_ITEM,
        ECOLOGY_DEPARTMENT,
        "yiwang_item_environment_report",
        json!({ "registries": ["pollution-sources"], "notify": true }),
        json!({ "memory_mib": 128, "cpu_ms": 1000, "wall_ms": 5000 }),
    )
    .await;
}

async fn query(app: &TestApp, token: &str, input: Value) -> reqwest::Response {
    app.post(
        &format!("/api/v1/items/{EXIT_ENTRY_ITEM}/query"),
        Some(token),
        &json!({ "input": input }),
    )
    .await
}

/// Ledger rows of `item`, as `(dataset, record_key, actor_role)`.
async fn ledger(app: &TestApp, item: &str) -> Vec<(String, String, String)> {
    sqlx::query_as(
        "SELECT dataset, record_key, actor_role FROM data_use_log WHERE item_code = $1 ORDER BY id",
    )
    .bind(item)
    .fetch_all(&app.db)
    .await
    .unwrap()
}

fn report_form(credit_code: Option<&str>) -> Value {
    let mut form = json!({
        "pollution_kind": "水污染",
        "location": "东莞市长安镇某某工业区3号厂房东侧排水口",
        "description": "每天夜里十点后排水口排出带刺鼻气味的绿色废水，流入旁边的河涌。",
        "observed_at": format!("{} 22:30", days_from_today(-1)),
        "anonymous": true,
        "contact_phone": "13800138000"
    });
    if let Some(code) = credit_code {
        form["credit_code"] = json!(code);
    }
    form
}

#[tokio::test]
async fn the_javascript_query_answers_the_citizens_own_applications_and_the_ledger_shows_the_read()
{
    // Arrange
    let app = spawn_app_for_big_components().await;
    ship_exit_entry(&app).await;
    let citizen = app.login(CITIZEN, PASSWORD).await;

    // Act
    let answered = query(&app, &citizen, json!({ "kind": "passport" })).await;

    // Assert: 张三's passport application from the demo registry, and the read in his ledger
    let body = json_body(answered, StatusCode::OK).await;
    let output = &body["output"];
    let applications = output["applications"].as_array().expect("applications");
    assert!(!applications.is_empty(), "{body}");
    assert!(
        applications.iter().all(|a| a["kind"] == "passport"),
        "{body}"
    );
    assert_eq!(
        ledger(&app, EXIT_ENTRY_ITEM).await,
        vec![(
            "exit-entry-applications".to_owned(),
            CITIZEN_ID.to_owned(),
            "citizen".to_owned()
        )]
    );
}

#[tokio::test]
async fn the_javascript_query_refuses_an_unknown_kind_with_field_errors_and_reads_nothing() {
    // Arrange
    let app = spawn_app_for_big_components().await;
    ship_exit_entry(&app).await;
    let citizen = app.login(CITIZEN, PASSWORD).await;
    let before = app.stored().await;

    // Act
    let refused = query(&app, &citizen, json!({ "kind": "spaceship-licence" })).await;

    // Assert
    let error = error_body(refused, StatusCode::UNPROCESSABLE_ENTITY, "invalid_input").await;
    let fields = field_errors(&error);
    assert!(fields.iter().any(|(field, _)| field == "kind"), "{error}");
    assert!(ledger(&app, EXIT_ENTRY_ITEM).await.is_empty());
    assert_eq!(app.stored().await, before);
}

#[tokio::test]
async fn the_python_report_is_taken_with_the_enterprise_from_the_registry_and_worked_to_its_end() {
    // Arrange
    let app = spawn_app_for_big_components().await;
    ship_report(&app).await;
    let citizen = app.login(CITIZEN, PASSWORD).await;

    // Act: a report naming a key monitored unit
    let submitted = app
        .submit(&citizen, REPORT_ITEM, report_form(Some(KEY_UNIT)))
        .await;

    // Assert: stored with what the registry said, urgent, the read in the ledger, the reporter told
    let body = json_body(submitted, StatusCode::CREATED).await;
    let number = body["number"].as_str().unwrap().to_owned();
    let case = app.case_row(&number).await;
    let derived: Value = serde_json::from_str(&case.derived).unwrap();
    assert_eq!(derived["enterprise"]["found"], true, "{derived}");
    assert_eq!(derived["priority"], "urgent", "{derived}");
    assert_eq!(
        ledger(&app, REPORT_ITEM).await,
        vec![(
            "pollution-sources".to_owned(),
            KEY_UNIT.to_owned(),
            "citizen".to_owned()
        )]
    );
    assert_eq!(app.count_for_case("outbox", &number).await, 1);

    // Act: the ecology bureau accepts it and concludes with its finding
    let reviewer = app.login("ecology", PASSWORD).await;
    let accepted = app.act(&reviewer, &number, "accept", None).await;
    json_body(accepted, StatusCode::OK).await;
    let finding = "现场检查发现该企业雨水排放口有废水排出，已责令停产整改并立案查处。";
    let concluded = app.act(&reviewer, &number, "conclude", Some(finding)).await;

    // Assert
    json_body(concluded, StatusCode::OK).await;
    let case = app.case_row(&number).await;
    assert_eq!(case.state, "concluded");
    assert!(case.completed_at.is_some());
    // Told of the report's receipt, of its acceptance and of the finding.
    assert_eq!(app.count_for_case("outbox", &number).await, 3);
}

#[tokio::test]
async fn the_python_report_refuses_a_malformed_credit_code_with_a_field_error_and_stores_nothing() {
    // Arrange
    let app = spawn_app_for_big_components().await;
    ship_report(&app).await;
    let citizen = app.login(CITIZEN, PASSWORD).await;
    let before = app.stored().await;

    // Act: the check character is wrong
    let refused = app
        .submit(
            &citizen,
            REPORT_ITEM,
            report_form(Some("91441900MA4W3K7P25")),
        )
        .await;

    // Assert
    let error = error_body(refused, StatusCode::UNPROCESSABLE_ENTITY, "ineligible").await;
    let fields = field_errors(&error);
    assert!(
        fields.iter().any(|(field, _)| field == "credit_code"),
        "{error}"
    );
    assert_eq!(app.stored().await, before);
    assert!(ledger(&app, REPORT_ITEM).await.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn an_endless_loop_in_javascript_is_stopped_at_its_cpu_limit_and_stores_nothing() {
    // Arrange
    let app = spawn_app_for_big_components().await;
    ship(
        &app,
        "js-spin",
        "test-lab",
        "yiwang_test_js_spin",
        json!({}),
        json!({ "memory_mib": 128, "cpu_ms": 200, "wall_ms": 5000 }),
    )
    .await;
    let citizen = app.login(CITIZEN, PASSWORD).await;
    let before = app.stored().await;

    // Act
    let stopped = app.submit(&citizen, "js-spin", json!({})).await;

    // Assert: stopped by the CPU limit (not the wall clock), audited, the host still serving
    error_body(stopped, StatusCode::BAD_GATEWAY, "cpu_limit").await;
    assert_eq!(app.audit_count("item.call_failed", "js-spin").await, 1);
    assert_eq!(app.stored().await, before);
    assert_eq!(app.get("/healthz", None).await.status(), StatusCode::OK);
}
