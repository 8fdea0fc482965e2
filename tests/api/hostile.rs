//! Hostile items (`tests/plugins/`): each misbehaves in one way, fails its call with its own error
//! code and an audit entry, stores nothing, and leaves the host serving everyone else.
//!
//! The loop and the memory hog are in `limits.rs`; this covers deep recursion, a panic, a huge
//! return value, a flood of host calls, an ungranted dataset lookup, reading another item's
//! records and an enormous `describe()`.

use std::path::Path;

use reqwest::StatusCode;
use serde_json::json;
use sqlx::any::AnyPoolOptions;
use yiwang_host::config::Settings;

use crate::helpers::{
    CITIZEN, DEEP_RECURSION_ITEM, HOST_CALL_FLOOD_ITEM, HUGE_OUTPUT_ITEM, OTHER_ITEMS_RECORDS_ITEM,
    PANICS_ITEM, PASSWORD, TestApp, UNGRANTED_LOOKUP_ITEM, VEHICLE_ITEM, error_body, field_errors,
    find, json_body, spawn_app, spawn_app_with,
};

/// The item whose `describe()` is too big to load; only in the app of its own test, since every
/// other test expects every item of the plugins file to load.
const HOSTILE_DESCRIBE_ITEM: &str = "hostile-describe";

/// Submits an empty form to `item`, which must fail with 502 and `code`, audited once as
/// `item.call_failed` and with nothing stored; returns the audit detail.
async fn assert_call_fails(app: &TestApp, item: &str, code: &str) -> String {
    let token = app.login(CITIZEN, PASSWORD).await;
    let before = app.stored().await;

    let response = app.submit(&token, item, json!({})).await;

    error_body(response, StatusCode::BAD_GATEWAY, code).await;
    assert_eq!(app.stored().await, before);
    let details = audit_details(app, "item.call_failed", item).await;
    assert_eq!(details.len(), 1, "{details:?}");
    assert!(details[0].contains(code), "{details:?}");
    assert_eq!(app.get("/healthz", None).await.status(), StatusCode::OK);
    details[0].clone()
}

async fn audit_details(app: &TestApp, action: &str, target: &str) -> Vec<String> {
    sqlx::query_scalar("SELECT detail FROM audit_log WHERE action = $1 AND target = $2 ORDER BY id")
        .bind(action)
        .bind(target)
        .fetch_all(&app.db)
        .await
        .unwrap()
}

#[tokio::test]
async fn unbounded_recursion_fails_502_stack_overflow_and_is_audited() {
    let app = spawn_app().await;
    assert_call_fails(&app, DEEP_RECURSION_ITEM, "stack_overflow").await;
}

#[tokio::test]
async fn a_panic_fails_502_trap_with_the_panic_message_in_the_audit_log() {
    let app = spawn_app().await;
    let detail = assert_call_fails(&app, PANICS_ITEM, "trap").await;
    assert!(
        detail.contains("hostile item panicked on purpose"),
        "{detail}"
    );
}

#[tokio::test]
async fn a_huge_return_value_fails_502_output_too_large_and_is_audited() {
    let app = spawn_app().await;
    let detail = assert_call_fails(&app, HUGE_OUTPUT_ITEM, "output_too_large").await;
    assert!(detail.contains("65536"), "{detail}");
}

#[tokio::test]
async fn a_flood_of_host_calls_fails_502_host_call_limit_and_is_audited() {
    let app = spawn_app().await;
    let detail = assert_call_fails(&app, HOST_CALL_FLOOD_ITEM, "host_call_limit").await;
    assert!(detail.contains("100"), "{detail}");
}

#[tokio::test]
async fn an_ungranted_dataset_is_denied_unread_and_audited_as_capability_denied() {
    // Arrange
    let app = spawn_app().await;
    let token = app.login(CITIZEN, PASSWORD).await;
    let before = app.stored().await;

    // Act
    let response = app.submit(&token, UNGRANTED_LOOKUP_ITEM, json!({})).await;

    // Assert: the item was told "denied" and said so …
    let error = error_body(response, StatusCode::UNPROCESSABLE_ENTITY, "ineligible").await;
    assert_eq!(
        field_errors(&error),
        [(String::new(), "denied".to_string())]
    );
    // … the denial is audited, naming the dataset …
    let details = audit_details(&app, "item.capability_denied", UNGRANTED_LOOKUP_ITEM).await;
    assert_eq!(details.len(), 1, "{details:?}");
    assert!(details[0].contains("household-registry"), "{details:?}");
    // … and nothing was read or stored.
    let reads: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM data_use_log WHERE dataset = 'household-registry' OR item_code = $1",
    )
    .bind(UNGRANTED_LOOKUP_ITEM)
    .fetch_one(&app.db)
    .await
    .unwrap();
    assert_eq!(reads, 0);
    assert_eq!(app.stored().await, before);
}

#[tokio::test]
async fn an_item_cannot_read_another_items_records() {
    // Arrange: the vehicle item keeps a record (written as its own would be stored)
    let app = spawn_app().await;
    let writer = AnyPoolOptions::new()
        .max_connections(1)
        .connect(&app.database_url())
        .await
        .expect("opening the database read-write");
    sqlx::query(
        "INSERT INTO item_records (item_code, key, value, updated_at) VALUES ($1, $2, $3, $4)",
    )
    .bind(VEHICLE_ITEM)
    .bind("secret")
    .bind("vehicle item's private value")
    .bind("2026-01-01T00:00:00Z")
    .execute(&writer)
    .await
    .expect("storing the vehicle item's record");
    writer.close().await;
    let token = app.login(CITIZEN, PASSWORD).await;
    let before = app.stored().await;

    // Act: the hostile item tries the key as is and as a path out of its own scope
    let response = app
        .submit(&token, OTHER_ITEMS_RECORDS_ITEM, json!({}))
        .await;

    // Assert
    let error = error_body(response, StatusCode::UNPROCESSABLE_ENTITY, "ineligible").await;
    assert_eq!(
        field_errors(&error),
        [(String::new(), "saw-nothing".to_string())],
        "{error}"
    );
    assert!(!error.to_string().contains("private value"), "{error}");
    assert_eq!(app.stored().await, before);
    let vehicles: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM item_records WHERE item_code = $1")
            .bind(VEHICLE_ITEM)
            .fetch_one(&app.db)
            .await
            .unwrap();
    assert_eq!(vehicles, 1, "the vehicle item's record is untouched");
}

/// The test `plugins.toml` plus the item with the enormous `describe()`, as a file of its own.
fn with_hostile_describe(settings: &mut Settings) {
    let component = Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("the host crate is in the workspace")
        .join("target/wasm32-wasip2/guest/yiwang_test_hostile_describe.wasm");
    assert!(
        component.is_file(),
        "{} is missing: run `cargo xtask build` first",
        component.display()
    );
    let base = std::fs::read_to_string(settings.data_dir.join("plugins.toml"))
        .expect("reading the test plugins.toml");
    let text = format!(
        "{base}\n[items.{HOSTILE_DESCRIBE_ITEM}]\ncomponent = {}\ndepartment = \"test-lab\"\n\
         limits = {{ memory_mib = 64, cpu_ms = 1000, wall_ms = 5000 }}\n",
        toml::Value::String(component.display().to_string())
    );
    let path = settings.data_dir.join("plugins-hostile.toml");
    std::fs::write(&path, text).expect("writing plugins-hostile.toml");
    settings.plugins = path;
}

#[tokio::test]
async fn an_enormous_describe_is_refused_at_load_and_the_other_items_serve() {
    // Arrange + Act: the host starts with the item in its plugins file
    let app = spawn_app_with(with_hostile_describe).await;

    // Assert: refused at load, audited, not listed …
    let details = audit_details(&app, "item.load_failed", HOSTILE_DESCRIBE_ITEM).await;
    assert_eq!(details.len(), 1, "{details:?}");
    assert!(
        details[0].contains("output limit") || details[0].contains("invalid catalog entry"),
        "{details:?}"
    );
    let list = json_body(app.get("/api/v1/items", None).await, StatusCode::OK).await;
    assert!(
        find(&list, "code", HOSTILE_DESCRIBE_ITEM).is_empty(),
        "{list}"
    );
    assert_eq!(
        app.get(&format!("/api/v1/items/{HOSTILE_DESCRIBE_ITEM}"), None)
            .await
            .status(),
        StatusCode::NOT_FOUND
    );
    // … and everything else loaded and serves.
    let failures: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM audit_log WHERE action = 'item.load_failed'")
            .fetch_one(&app.db)
            .await
            .unwrap();
    assert_eq!(failures, 1);
    assert_eq!(find(&list, "code", VEHICLE_ITEM).len(), 1, "{list}");
    let token = app.login(CITIZEN, PASSWORD).await;
    let number = app.apply_for_eligible_vehicle(&token, false).await;
    assert_eq!(app.case_state(&number).await, "awaiting-pickup");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn vehicle_applications_from_other_clients_succeed_while_every_hostile_item_misbehaves() {
    // Arrange: three citizens, each with an eligible car, on a client of their own
    let app = spawn_app().await;
    let hostile = app.login(CITIZEN, PASSWORD).await;
    let applicants = app.citizens_with_eligible_vehicles(3, 2).await;
    let expected = [
        (
            DEEP_RECURSION_ITEM,
            StatusCode::BAD_GATEWAY,
            "stack_overflow",
        ),
        (PANICS_ITEM, StatusCode::BAD_GATEWAY, "trap"),
        (
            HUGE_OUTPUT_ITEM,
            StatusCode::BAD_GATEWAY,
            "output_too_large",
        ),
        (
            HOST_CALL_FLOOD_ITEM,
            StatusCode::BAD_GATEWAY,
            "host_call_limit",
        ),
        (
            UNGRANTED_LOOKUP_ITEM,
            StatusCode::UNPROCESSABLE_ENTITY,
            "ineligible",
        ),
        (
            OTHER_ITEMS_RECORDS_ITEM,
            StatusCode::UNPROCESSABLE_ENTITY,
            "ineligible",
        ),
    ];

    // Act
    let (hostile_responses, vehicles) = tokio::join!(
        futures::future::join_all(expected.iter().map(|(item, _, _)| app.submit(
            &hostile,
            item,
            json!({})
        ))),
        futures::future::join_all(
            applicants
                .iter()
                .map(|(token, vehicle)| app.apply_on_own_client(token, vehicle))
        ),
    );

    // Assert: each hostile call failed with its own code …
    for ((item, status, code), response) in expected.iter().zip(hostile_responses) {
        let body = json_body(response, *status).await;
        assert_eq!(body["error"]["code"], *code, "{item}: {body}");
    }
    // … and every vehicle application went through.
    app.assert_only_vehicle_applications_went_through(vehicles)
        .await;
}
