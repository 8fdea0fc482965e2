//! One-stop enterprise registration (企业登记一网通): market regulation approves and issues the
//! electronic business licence, then the registration fans out to the departments, each working
//! only its own part in its inbox; the case completes with the last part.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{
    CITIZEN, CITIZEN_ID, ENTERPRISE_ITEM, PASSWORD, REVIEWER, TestApp, error_body, field_errors,
    id_number, json_body, spawn_app,
};

/// The reviewer of the item's own department (东莞市市场监督管理局).
const MARKET_REGULATION: &str = "market-regulation";

/// Each part: its key in the derived data, its action, and the login of its department's reviewer.
const PARTS: [(&str, &str, &str); 5] = [
    ("tax", "register-tax", "tax"),
    (
        "social_insurance",
        "register-social-insurance",
        "social-insurance",
    ),
    ("human_resources", "file-human-resources", "human-resources"),
    ("customs_declarant", "register-customs-declarant", "customs"),
    ("inspection_quarantine", "file-inspection-quarantine", "ciq"),
];

fn form(imports_exports: bool) -> Value {
    json!({
        "enterprise_name": "东莞市一网通电子科技有限公司",
        "enterprise_type": "limited-company",
        "registered_capital_fen": 100000000,
        "legal_representative": "张三",
        "legal_representative_id_number": CITIZEN_ID,
        "address": "东莞市南城街道鸿福路99号",
        "business_scope": "电子产品研发、生产、销售；货物及技术进出口。",
        "phone": "0769-22222222",
        "employees": 12,
        "imports_exports": imports_exports,
    })
}

/// 张三 applies; returns the application number (the case is under review).
async fn apply(app: &TestApp, citizen: &str, imports_exports: bool) -> String {
    let body = json_body(
        app.submit(citizen, ENTERPRISE_ITEM, form(imports_exports))
            .await,
        StatusCode::CREATED,
    )
    .await;
    assert_eq!(body["state"], "under-review", "{body}");
    body["number"].as_str().expect("number").to_string()
}

/// 张三 applies and market regulation approves; returns the number (the case is with the
/// departments).
async fn approved(app: &TestApp, citizen: &str, imports_exports: bool) -> String {
    let number = apply(app, citizen, imports_exports).await;
    let reviewer = app.login(MARKET_REGULATION, PASSWORD).await;
    let state = app.act_ok(&reviewer, &number, "approve", None).await;
    assert_eq!(state, "in-departments");
    number
}

/// The application numbers in `token`'s department inbox.
async fn inbox(app: &TestApp, token: &str) -> Vec<String> {
    inbox_at(app, token, "/api/v1/dept/cases").await
}

/// The application numbers in `token`'s department inbox that are in `state`.
async fn inbox_in(app: &TestApp, token: &str, state: &str) -> Vec<String> {
    inbox_at(app, token, &format!("/api/v1/dept/cases?state={state}")).await
}

async fn inbox_at(app: &TestApp, token: &str, path: &str) -> Vec<String> {
    let list = app.get_json(path, token).await;
    list.as_array()
        .unwrap_or_else(|| panic!("a list: {list}"))
        .iter()
        .map(|c| c["number"].as_str().expect("number").to_string())
        .collect()
}

fn stored_parts(derived: &str) -> Value {
    let derived: Value = serde_json::from_str(derived).expect("derived is JSON");
    derived["parts"].clone()
}

fn available(view: &Value) -> Vec<String> {
    view["available_actions"]
        .as_array()
        .unwrap_or_else(|| panic!("available_actions: {view}"))
        .iter()
        .map(|a| a.as_str().expect("action name").to_string())
        .collect()
}

#[tokio::test]
async fn an_approved_registration_fans_out_and_completes_only_after_the_last_departments_part() {
    // Arrange
    let app = spawn_app().await;
    let citizen = app.login(CITIZEN, PASSWORD).await;
    let market = app.login(MARKET_REGULATION, PASSWORD).await;
    let tax = app.login("tax", PASSWORD).await;

    // Act: 张三 applies
    let number = apply(&app, &citizen, true).await;

    // Assert: accepted by the system step, with the market regulation reviewer and not yet in
    // the departments' inboxes
    assert_eq!(
        app.event_actions(&number).await,
        vec!["submit".to_string(), "accept".to_string()]
    );
    assert_eq!(app.case_row(&number).await.state, "under-review");
    assert!(inbox(&app, &market).await.contains(&number));
    assert!(!inbox(&app, &tax).await.contains(&number));

    // Act: market regulation approves
    let state = app.act_ok(&market, &number, "approve", None).await;

    // Assert: one business licence to 张三, every part pending
    assert_eq!(state, "in-departments");
    let (kind, holder): (String, String) = sqlx::query_as(
        "SELECT kind, holder FROM certificates
         WHERE case_id = (SELECT id FROM cases WHERE number = $1)",
    )
    .bind(&number)
    .fetch_one(&app.db)
    .await
    .unwrap();
    assert_eq!(
        (kind.as_str(), holder.as_str()),
        ("business-license", CITIZEN_ID)
    );
    assert_eq!(app.count_for_case("certificates", &number).await, 1);
    let mine = app.get_json("/api/v1/me/certificates", &citizen).await;
    let licences: Vec<&Value> = mine
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["kind"] == "business-license")
        .collect();
    assert_eq!(licences.len(), 1, "{mine}");
    assert_eq!(licences[0]["case_number"], number.as_str());
    assert_eq!(licences[0]["valid_until"], Value::Null);
    let row = app.case_row(&number).await;
    let parts = stored_parts(&row.derived);
    for (part, action, _) in PARTS {
        assert_eq!(parts[part]["status"], "pending", "{parts}");
        assert_eq!(parts[part]["action"], action, "{parts}");
    }
    let derived: Value = serde_json::from_str(&row.derived).unwrap();
    assert!(
        derived["uscc"].as_str().is_some_and(|c| c.len() == 18),
        "{derived}"
    );
    assert_eq!(derived["license_serial"], licences[0]["serial"]);
    assert_eq!(row.completed_at, None);
    assert!(
        inbox_in(&app, &tax, "in-departments")
            .await
            .contains(&number)
    );
    assert!(!inbox_in(&app, &tax, "under-review").await.contains(&number));
    assert!(
        !inbox_in(&app, &market, "under-review")
            .await
            .contains(&number)
    );

    for (i, (part, action, login)) in PARTS.into_iter().enumerate() {
        // Arrange: the department finds the case in its inbox and may take only its part
        let reviewer = app.login(login, PASSWORD).await;
        assert!(inbox(&app, &reviewer).await.contains(&number), "{login}");
        let view = app.application(&reviewer, &number).await;
        assert_eq!(available(&view), vec![action.to_string()], "{login}");

        // Act
        let state = app.act_ok(&reviewer, &number, action, None).await;

        // Assert
        let row = app.case_row(&number).await;
        let parts = stored_parts(&row.derived);
        assert_eq!(parts[part]["status"], "done", "{parts}");
        assert!(parts[part]["done_at"].is_string(), "{parts}");
        assert!(parts[part]["reference"].is_string(), "{parts}");
        let last = i == PARTS.len() - 1;
        let pending = PARTS
            .iter()
            .filter(|(p, _, _)| parts[*p]["status"] == "pending")
            .count();
        assert_eq!(pending, PARTS.len() - 1 - i, "{parts}");
        if last {
            assert_eq!(state, "completed");
            assert_eq!(row.state, "completed");
            assert!(row.completed_at.is_some());
        } else {
            assert_eq!(state, "in-departments", "after {part}");
            assert_eq!(row.state, "in-departments");
            assert_eq!(row.completed_at, None, "after {part}");
        }
    }

    // Assert: the applicant sees it completed; only the one licence was issued
    let view = app.application(&citizen, &number).await;
    assert_eq!(view["state"], "completed");
    assert!(view["completed_at"].is_string());
    assert_eq!(app.count_for_case("certificates", &number).await, 1);
    assert!(!inbox(&app, &tax).await.contains(&number));
}

#[tokio::test]
async fn a_department_taking_another_departments_part_is_forbidden_and_changes_nothing() {
    // Arrange
    let app = spawn_app().await;
    let citizen = app.login(CITIZEN, PASSWORD).await;
    let number = approved(&app, &citizen, true).await;
    let tax = app.login("tax", PASSWORD).await;
    let market = app.login(MARKET_REGULATION, PASSWORD).await;
    let before = app.case_snapshot(&number).await;

    // Act
    let by_tax = app
        .act(&tax, &number, "register-customs-declarant", None)
        .await;
    let by_market = app.act(&market, &number, "register-tax", None).await;

    // Assert
    error_body(by_tax, StatusCode::FORBIDDEN, "forbidden_action").await;
    error_body(by_market, StatusCode::FORBIDDEN, "forbidden_action").await;
    assert_eq!(app.case_snapshot(&number).await, before);
}

#[tokio::test]
async fn a_part_done_twice_is_refused_and_changes_nothing() {
    // Arrange
    let app = spawn_app().await;
    let citizen = app.login(CITIZEN, PASSWORD).await;
    let number = approved(&app, &citizen, true).await;
    let tax = app.login("tax", PASSWORD).await;
    app.act_ok(&tax, &number, "register-tax", None).await;
    let before = app.case_snapshot(&number).await;

    // Act
    let again = app.act(&tax, &number, "register-tax", None).await;

    // Assert
    error_body(again, StatusCode::CONFLICT, "refused").await;
    assert_eq!(app.case_snapshot(&number).await, before);
}

#[tokio::test]
async fn without_imports_and_exports_three_parts_complete_the_case_and_customs_is_refused() {
    // Arrange
    let app = spawn_app().await;
    let citizen = app.login(CITIZEN, PASSWORD).await;
    let number = approved(&app, &citizen, false).await;
    let customs = app.login("customs", PASSWORD).await;
    let parts = stored_parts(&app.case_row(&number).await.derived);
    let keys: Vec<&String> = parts.as_object().expect("parts").keys().collect();
    assert_eq!(keys.len(), 3, "{parts}");
    let before = app.case_snapshot(&number).await;

    // Act
    let refused = app
        .act(&customs, &number, "register-customs-declarant", None)
        .await;

    // Assert
    error_body(refused, StatusCode::CONFLICT, "refused").await;
    assert_eq!(app.case_snapshot(&number).await, before);

    // Act: the three required parts
    let mut states = Vec::new();
    for (_, action, login) in &PARTS[..3] {
        let reviewer = app.login(login, PASSWORD).await;
        states.push(app.act_ok(&reviewer, &number, action, None).await);
    }

    // Assert
    assert_eq!(
        states,
        vec!["in-departments", "in-departments", "completed"]
    );
    let row = app.case_row(&number).await;
    assert_eq!(row.state, "completed");
    assert!(row.completed_at.is_some());
}

#[tokio::test]
async fn a_reviewer_of_an_unrelated_department_cannot_see_the_case() {
    // Arrange
    let app = spawn_app().await;
    let citizen = app.login(CITIZEN, PASSWORD).await;
    let number = approved(&app, &citizen, true).await;
    let vehicle_office = app.login(REVIEWER, PASSWORD).await;

    // Act
    let response = app.get_application(&vehicle_office, &number).await;

    // Assert
    error_body(response, StatusCode::NOT_FOUND, "not_found").await;
    assert!(!inbox(&app, &vehicle_office).await.contains(&number));
    let refused = app
        .act(&vehicle_office, &number, "register-tax", None)
        .await;
    error_body(refused, StatusCode::NOT_FOUND, "not_found").await;
}

#[tokio::test]
async fn a_legal_representative_other_than_the_applicant_is_refused_and_stores_nothing() {
    // Arrange
    let app = spawn_app().await;
    let citizen = app.login(CITIZEN, PASSWORD).await;
    let mut form = form(true);
    form["legal_representative_id_number"] = json!(id_number(9));
    let before = app.stored().await;

    // Act
    let response = app.submit(&citizen, ENTERPRISE_ITEM, form).await;

    // Assert
    let error = error_body(response, StatusCode::UNPROCESSABLE_ENTITY, "ineligible").await;
    assert_eq!(
        field_errors(&error),
        vec![(
            "legal_representative_id_number".to_string(),
            "not-applicant".to_string()
        )]
    );
    assert_eq!(app.stored().await, before);
}

#[tokio::test]
async fn rejecting_needs_a_comment() {
    // Arrange
    let app = spawn_app().await;
    let citizen = app.login(CITIZEN, PASSWORD).await;
    let number = apply(&app, &citizen, false).await;
    let market = app.login(MARKET_REGULATION, PASSWORD).await;
    let before = app.case_snapshot(&number).await;

    // Act
    let without = app.act(&market, &number, "reject", Some("  ")).await;

    // Assert
    error_body(
        without,
        StatusCode::UNPROCESSABLE_ENTITY,
        "comment_required",
    )
    .await;
    assert_eq!(app.case_snapshot(&number).await, before);

    // Act
    let state = app
        .act_ok(&market, &number, "reject", Some("企业名称与已登记企业重复"))
        .await;

    // Assert
    assert_eq!(state, "rejected");
    let row = app.case_row(&number).await;
    assert_eq!(row.state, "rejected");
    assert!(row.completed_at.is_some());
    assert_eq!(app.count_for_case("certificates", &number).await, 0);
}
