//! Liveness, Prometheus metrics and the OpenAPI document.

use reqwest::StatusCode;

use crate::helpers::{json_body, spawn_app};

#[tokio::test]
async fn the_health_check_answers_200() {
    // Arrange
    let app = spawn_app().await;

    // Act
    let response = app.get("/healthz", None).await;

    // Assert
    assert_eq!(response.status(), StatusCode::OK);
}

#[tokio::test]
async fn metrics_are_served_as_prometheus_text_with_yiwang_series() {
    // Arrange: one request, so that the HTTP series have something to count.
    let app = spawn_app().await;
    assert_eq!(
        app.get("/api/v1/items", None).await.status(),
        StatusCode::OK
    );

    // Act
    let response = app.get("/metrics", None).await;

    // Assert
    assert_eq!(response.status(), StatusCode::OK);
    let text = response.text().await.unwrap();
    assert!(text.contains("yiwang_"), "no yiwang_ series in:\n{text}");
}

#[tokio::test]
async fn the_openapi_document_describes_every_public_path() {
    // Arrange
    let app = spawn_app().await;

    // Act
    let document = json_body(app.get("/api/v1/openapi.json", None).await, StatusCode::OK).await;

    // Assert
    assert!(
        document["openapi"]
            .as_str()
            .is_some_and(|v| v.starts_with('3')),
        "{}",
        document["openapi"]
    );
    let paths = document["paths"]
        .as_object()
        .expect("the document has paths");
    let missing: Vec<&str> = [
        "/api/v1/auth/login",
        "/api/v1/auth/logout",
        "/api/v1/items",
        "/api/v1/items/{code}",
        "/api/v1/items/{code}/applications",
        "/api/v1/applications/{number}",
        "/api/v1/applications/{number}/actions",
        "/api/v1/me/applications",
        "/api/v1/me/certificates",
        "/api/v1/me/data-use",
        "/api/v1/me/notifications",
        "/api/v1/dept/cases",
        "/api/v1/delivery/events",
    ]
    .into_iter()
    .filter(|path| !paths.contains_key(*path))
    .collect();
    assert!(
        missing.is_empty(),
        "missing from the OpenAPI document: {missing:?}; it has {:?}",
        paths.keys()
    );
}
