//! What the host acknowledged is still there after it restarts on the same data directory.

use reqwest::StatusCode;

use crate::helpers::{CITIZEN, PASSWORD, REVIEWER, error_body, json_body, spawn_app};

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
