//! What the host acknowledged is still there after it restarts on the same data directory.

use reqwest::StatusCode;
use serde_json::Value;

use crate::helpers::{
    CITIZEN, PASSWORD, REVIEWER, TestApp, VEHICLE_ITEM, error_body, json_body, spawn_app,
};

#[tokio::test]
async fn a_case_its_events_and_its_certificate_survive_a_restart() {
    // Arrange: a case approved with an inspection mark
    let mut app = spawn_app().await;
    let citizen = app.login(CITIZEN, PASSWORD).await;
    let reviewer = app.login(REVIEWER, PASSWORD).await;
    let number = app.case_under_review(&citizen, true).await;
    app.act_ok(&reviewer, &number, "approve", None).await;
    let before = app.application(&citizen, &number).await;
    let stored_before = app.case_snapshot(&number).await;

    // Act
    app.restart().await;

    // Assert: the same case, seen through a fresh login and in the database
    let citizen = app.login(CITIZEN, PASSWORD).await;
    let after = app.application(&citizen, &number).await;
    assert_eq!(after["state"], "approved");
    for field in [
        "form",
        "derived",
        "events",
        "deliveries",
        "certificates",
        "submitted_at",
        "due_date",
    ] {
        assert_eq!(
            after[field], before[field],
            "{field} changed across the restart"
        );
    }
    assert_eq!(app.case_snapshot(&number).await, stored_before);
    let certificates = app.get_json("/api/v1/me/certificates", &citizen).await;
    assert_eq!(
        certificates.as_array().map(Vec::len),
        Some(1),
        "{certificates}"
    );

    // Assert: and the case goes on where it stopped
    let shipment = app.tracking_number(&number, "shipment").await;
    let delivered = json_body(
        app.courier_event(&shipment, "delivered").await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(delivered["case_state"], "completed");
}

#[tokio::test]
async fn an_unexpired_token_still_works_after_a_restart() {
    // Arrange
    let mut app = spawn_app().await;
    let token = app.login(CITIZEN, PASSWORD).await;
    let number = app.apply_for_eligible_vehicle(&token, true).await;

    // Act
    app.restart().await;

    // Assert
    let view = app.application(&token, &number).await;
    assert_eq!(view["state"], "awaiting-pickup");
}

#[tokio::test]
async fn a_revoked_token_stays_revoked_after_a_restart() {
    // Arrange
    let mut app = spawn_app().await;
    let token = app.login(CITIZEN, PASSWORD).await;
    assert_eq!(app.logout(&token).await.status(), StatusCode::NO_CONTENT);

    // Act
    app.restart().await;

    // Assert
    let response = app.get("/api/v1/me/applications", Some(&token)).await;
    error_body(response, StatusCode::UNAUTHORIZED, "unauthenticated").await;
}

#[tokio::test]
async fn application_numbers_go_on_after_a_restart_without_reuse() {
    // Arrange
    let mut app = spawn_app().await;
    let token = app.login(CITIZEN, PASSWORD).await;
    let first = app.apply_for_eligible_vehicle(&token, true).await;
    let reviewer = app.login(REVIEWER, PASSWORD).await;
    let pickup = app.tracking_number(&first, "pickup").await;
    json_body(
        app.courier_event(&pickup, "picked-up").await,
        StatusCode::OK,
    )
    .await;
    app.act_ok(&reviewer, &first, "reject", Some("测试驳回"))
        .await;

    // Act
    app.restart().await;
    let second = app.apply_for_eligible_vehicle(&token, true).await;

    // Assert
    assert_ne!(first, second);
    assert_eq!(app.count("cases").await, 2);
    assert_eq!(app.case_state(&first).await, "rejected");
    assert_eq!(app.case_state(&second).await, "awaiting-pickup");
}

/// The stored catalog entry of the vehicle item's current version, and its sha256.
async fn stored_entry(app: &TestApp) -> (String, Value) {
    let (sha256, info): (String, String) = sqlx::query_as(
        "SELECT v.sha256, v.info FROM item_versions v JOIN items i ON i.current_sha256 = v.sha256
         WHERE i.code = $1",
    )
    .bind(VEHICLE_ITEM)
    .fetch_one(&app.db)
    .await
    .unwrap();
    (sha256, serde_json::from_str(&info).unwrap())
}

async fn served_summary(app: &TestApp) -> Value {
    let entry = json_body(
        app.get(&format!("/api/v1/items/{VEHICLE_ITEM}"), None)
            .await,
        StatusCode::OK,
    )
    .await;
    entry["summary"].clone()
}

#[tokio::test]
async fn a_restarted_host_serves_a_version_by_its_artifact_and_the_catalog_entry_stored_with_it() {
    // Arrange: the stored entry says something the component's describe() does not
    let mut app = spawn_app().await;
    let (sha256, mut info) = stored_entry(&app).await;
    let described = served_summary(&app).await;
    info["summary"] = "摘要：按存储的目录条目提供".into();
    app.write_behind_the_hosts_back(
        "UPDATE item_versions SET info = $1 WHERE sha256 = $2",
        &[&info.to_string(), &sha256],
    )
    .await;

    // Act
    app.restart().await;

    // Assert: the stored entry is served (describe() was not called again), and the item works
    assert_ne!(described, info["summary"]);
    assert_eq!(served_summary(&app).await, info["summary"]);
    let citizen = app.login(CITIZEN, PASSWORD).await;
    let number = app.case_under_review(&citizen, true).await;
    assert_eq!(app.case_row(&number).await.item_sha256, sha256);
}

#[tokio::test]
async fn a_stored_catalog_entry_that_does_not_read_is_described_again_at_restart() {
    // Arrange
    let mut app = spawn_app().await;
    let (sha256, _) = stored_entry(&app).await;
    let described = served_summary(&app).await;
    app.write_behind_the_hosts_back(
        "UPDATE item_versions SET info = $1 WHERE sha256 = $2",
        &["{\"not\": \"a catalog entry\"}", &sha256],
    )
    .await;

    // Act
    app.restart().await;

    // Assert: the component's own entry, and the item serves
    assert_eq!(served_summary(&app).await, described);
    let citizen = app.login(CITIZEN, PASSWORD).await;
    app.case_under_review(&citizen, true).await;
}
