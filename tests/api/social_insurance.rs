//! The social-insurance lookup (社保查询): a citizen reads their own contribution record; anyone
//! else's is refused before anything is read; every read is in the data-use ledger.

use reqwest::{Response, StatusCode};
use serde_json::{Value, json};

use crate::helpers::{
    ADMIN, CITIZEN, CITIZEN_ID, CITIZEN_NAME, PASSWORD, SOCIAL_INSURANCE_ITEM, TestApp, error_body,
    field_errors, id_number, json_body, spawn_app,
};

const DATASET: &str = "social-insurance";
/// The reviewer of the item's own department (东莞市社会保障局).
const SOCIAL_INSURANCE_REVIEWER: &str = "social-insurance";

async fn query(app: &TestApp, token: &str, input: Value) -> Response {
    app.post(
        &format!("/api/v1/items/{SOCIAL_INSURANCE_ITEM}/query"),
        Some(token),
        &json!({ "input": input }),
    )
    .await
}

/// Ledger rows about 张三's social-insurance record, as `(record_key, item_code, actor_role)`.
async fn ledger_rows(app: &TestApp) -> Vec<(String, String, String)> {
    sqlx::query_as(
        "SELECT record_key, item_code, actor_role FROM data_use_log
         WHERE subject_id = $1 AND dataset = $2 ORDER BY id",
    )
    .bind(CITIZEN_ID)
    .bind(DATASET)
    .fetch_all(&app.db)
    .await
    .unwrap()
}

fn months(output: &Value) -> Vec<&str> {
    output["months"]
        .as_array()
        .unwrap_or_else(|| panic!("months is a list: {output}"))
        .iter()
        .map(|m| m["month"].as_str().expect("month"))
        .collect()
}

#[tokio::test]
async fn a_citizen_sees_his_whole_record_with_the_documented_totals_and_the_read_is_in_his_ledger()
{
    // Arrange
    let app = spawn_app().await;
    let citizen = app.login(CITIZEN, PASSWORD).await;

    // Act
    let body = json_body(query(&app, &citizen, json!({})).await, StatusCode::OK).await;

    // Assert: 14 months, 2025-09 to 2026-10, newest first; 122 earlier + 13 paid = 135
    let output = &body["output"];
    assert_eq!(output["name"], CITIZEN_NAME, "{output}");
    assert_eq!(output["insured_since"], "2015-07");
    assert_eq!(output["total_months"], 135);
    assert_eq!(
        output["summary"],
        json!({"months_in_range": 14, "paid_months": 13, "arrears_months": 1})
    );
    let listed = months(output);
    assert_eq!(listed.len(), 14, "{output}");
    assert_eq!(listed.first(), Some(&"2026-10"));
    assert_eq!(listed.last(), Some(&"2025-09"));
    let arrears: Vec<&Value> = output["months"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|m| m["status"] == "arrears")
        .collect();
    assert_eq!(arrears.len(), 1, "{output}");
    assert_eq!(arrears[0]["month"], "2026-06");
    assert_eq!(arrears[0]["employer"], "东莞市某某精密制造有限公司");
    assert_eq!(
        ledger_rows(&app).await,
        vec![(
            CITIZEN_ID.to_string(),
            SOCIAL_INSURANCE_ITEM.to_string(),
            "citizen".to_string()
        )]
    );
}

#[tokio::test]
async fn a_month_range_shows_only_those_months_but_the_total_stays_the_whole_record() {
    // Arrange
    let app = spawn_app().await;
    let citizen = app.login(CITIZEN, PASSWORD).await;

    // Act: his own id number given explicitly
    let body = json_body(
        query(
            &app,
            &citizen,
            json!({"id_number": CITIZEN_ID, "from": "2026-05", "to": "2026-07"}),
        )
        .await,
        StatusCode::OK,
    )
    .await;

    // Assert: the README's worked example
    let output = &body["output"];
    assert_eq!(months(output), vec!["2026-07", "2026-06", "2026-05"]);
    assert_eq!(output["months"][0]["base_fen"], 560000);
    assert_eq!(output["months"][1]["status"], "arrears");
    assert_eq!(output["months"][2]["employer"], "东莞市某某电子有限公司");
    assert_eq!(
        output["summary"],
        json!({"months_in_range": 3, "paid_months": 2, "arrears_months": 1})
    );
    assert_eq!(output["total_months"], 135);
    assert_eq!(ledger_rows(&app).await.len(), 1);
}

#[tokio::test]
async fn asking_for_someone_elses_record_is_refused_and_reads_nothing() {
    // Arrange
    let app = spawn_app().await;
    let citizen = app.login(CITIZEN, PASSWORD).await;
    let other = id_number(7);
    let ledger_before = app.count("data_use_log").await;

    // Act
    let response = query(&app, &citizen, json!({ "id_number": other })).await;

    // Assert
    error_body(response, StatusCode::CONFLICT, "refused").await;
    assert_eq!(app.count("data_use_log").await, ledger_before);
    assert!(app.data_uses_about(&other).await.is_empty());
    assert!(ledger_rows(&app).await.is_empty());
}

#[tokio::test]
async fn a_reviewer_or_an_admin_asking_is_refused_and_reads_nothing() {
    // Arrange
    let app = spawn_app().await;
    let reviewer = app.login(SOCIAL_INSURANCE_REVIEWER, PASSWORD).await;
    let admin = app.login(ADMIN, PASSWORD).await;
    let ledger_before = app.count("data_use_log").await;

    for token in [&reviewer, &admin] {
        // Act
        let response = query(&app, token, json!({ "id_number": CITIZEN_ID })).await;

        // Assert
        error_body(response, StatusCode::CONFLICT, "refused").await;
    }
    assert_eq!(app.count("data_use_log").await, ledger_before);
    assert!(ledger_rows(&app).await.is_empty());
}

#[tokio::test]
async fn every_successful_read_is_in_the_citizens_data_use_page() {
    // Arrange
    let app = spawn_app().await;
    let citizen = app.login(CITIZEN, PASSWORD).await;

    // Act: two reads, and one refused
    for input in [json!({}), json!({"from": "2026-01"})] {
        json_body(query(&app, &citizen, input).await, StatusCode::OK).await;
    }
    let refused = query(&app, &citizen, json!({"id_number": id_number(8)})).await;

    // Assert
    error_body(refused, StatusCode::CONFLICT, "refused").await;
    assert_eq!(ledger_rows(&app).await.len(), 2);
    let page = app.get_json("/api/v1/me/data-use", &citizen).await;
    let reads: Vec<&Value> = page
        .as_array()
        .unwrap_or_else(|| panic!("a list: {page}"))
        .iter()
        .filter(|u| u["dataset"] == DATASET)
        .collect();
    assert_eq!(reads.len(), 2, "{page}");
    for read in reads {
        assert_eq!(read["record_key"], CITIZEN_ID);
        assert_eq!(read["item_code"], SOCIAL_INSURANCE_ITEM);
        assert_eq!(read["actor_role"], "citizen");
        assert_eq!(read["case_number"], Value::Null);
        assert!(
            read["purpose"]
                .as_str()
                .is_some_and(|p| p.starts_with("社会保险个人缴费记录查询")),
            "{read}"
        );
    }
}

#[tokio::test]
async fn applying_to_the_query_item_is_refused_as_query_only_and_stores_nothing() {
    // Arrange
    let app = spawn_app().await;
    let citizen = app.login(CITIZEN, PASSWORD).await;
    let before = app.stored().await;

    // Act
    let response = app.submit(&citizen, SOCIAL_INSURANCE_ITEM, json!({})).await;

    // Assert
    let error = error_body(response, StatusCode::UNPROCESSABLE_ENTITY, "ineligible").await;
    assert!(
        field_errors(&error)
            .iter()
            .any(|(_, code)| code == "query-only"),
        "{error}"
    );
    assert_eq!(app.stored().await, before);
    assert!(ledger_rows(&app).await.is_empty());
}
