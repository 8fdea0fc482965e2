//! Logging in and out with bearer tokens.

use chrono::{DateTime, Utc};
use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::{
    ADMIN, CITIZEN, CITIZEN_NAME, DEPARTMENT, PASSWORD, REVIEWER, TOKEN_TTL_HOURS, error_body,
    json_body, spawn_app,
};

#[tokio::test]
async fn logging_in_with_the_right_password_returns_a_working_token_and_the_user() {
    // Arrange
    let app = spawn_app().await;

    // Act
    let body = json_body(app.login_response(CITIZEN, PASSWORD).await, StatusCode::OK).await;

    // Assert
    let token = body["token"].as_str().expect("a token");
    assert!(token.len() >= 16, "a guessable token: {token}");
    let expires_at: DateTime<Utc> = body["expires_at"]
        .as_str()
        .expect("expires_at")
        .parse()
        .expect("RFC 3339");
    let minutes_left = (expires_at - Utc::now()).num_minutes();
    let ttl = TOKEN_TTL_HOURS * 60;
    assert!(
        (ttl - 60..=ttl).contains(&minutes_left),
        "the token lives {TOKEN_TTL_HOURS} h, not {minutes_left} min"
    );
    let user = &body["user"];
    assert_eq!(user["id"], app.user_id(CITIZEN).await, "{body}");
    assert_eq!(user["login"], CITIZEN);
    assert_eq!(user["name"], CITIZEN_NAME);
    assert_eq!(user["role"], "citizen");
    assert!(user["department"].is_null(), "{body}");
    // The token is stored: it opens the citizen's own pages.
    assert_eq!(
        app.get("/api/v1/me/applications", Some(token))
            .await
            .status(),
        StatusCode::OK
    );
}

#[tokio::test]
async fn a_reviewer_logs_in_with_their_role_and_department() {
    // Arrange
    let app = spawn_app().await;

    // Act
    let body = json_body(app.login_response(REVIEWER, PASSWORD).await, StatusCode::OK).await;

    // Assert
    assert_eq!(body["user"]["role"], "reviewer", "{body}");
    assert_eq!(body["user"]["department"], DEPARTMENT, "{body}");
}

#[tokio::test]
async fn a_wrong_password_is_401_invalid_credentials() {
    // Arrange
    let app = spawn_app().await;

    // Act
    let response = app.login_response(CITIZEN, "not-the-password").await;

    // Assert
    let error = error_body(response, StatusCode::UNAUTHORIZED, "invalid_credentials").await;
    assert!(error.get("token").is_none());
}

#[tokio::test]
async fn an_unknown_login_is_401_invalid_credentials_like_a_wrong_password() {
    // Arrange
    let app = spawn_app().await;

    // Act
    let response = app.login_response("no.such.person", PASSWORD).await;

    // Assert
    error_body(response, StatusCode::UNAUTHORIZED, "invalid_credentials").await;
}

#[tokio::test]
async fn logging_out_revokes_the_token() {
    // Arrange
    let app = spawn_app().await;
    let token = app.login(CITIZEN, PASSWORD).await;

    // Act
    let response = app.logout(&token).await;

    // Assert
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    let after = app.get("/api/v1/me/applications", Some(&token)).await;
    error_body(after, StatusCode::UNAUTHORIZED, "unauthenticated").await;
    error_body(
        app.logout(&token).await,
        StatusCode::UNAUTHORIZED,
        "unauthenticated",
    )
    .await;
    // Only that token: logging in again works.
    let fresh = app.login(CITIZEN, PASSWORD).await;
    assert_eq!(
        app.get("/api/v1/me/applications", Some(&fresh))
            .await
            .status(),
        StatusCode::OK
    );
}

#[tokio::test]
async fn requests_without_a_valid_token_are_401_unauthenticated() {
    // Arrange
    let app = spawn_app().await;

    // Act
    let without = app.get("/api/v1/me/applications", None).await;
    let made_up = app
        .get("/api/v1/me/applications", Some("made-up-token"))
        .await;

    // Assert
    error_body(without, StatusCode::UNAUTHORIZED, "unauthenticated").await;
    error_body(made_up, StatusCode::UNAUTHORIZED, "unauthenticated").await;
}

#[tokio::test]
async fn repeated_wrong_passwords_lock_the_login_even_against_the_right_one() {
    // Arrange
    let app = spawn_app().await;

    // Act: five failures; the fourth and fifth are answered more slowly.
    for _ in 0..5 {
        let response = app.login_response(CITIZEN, "not-the-password").await;
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    }
    let locked = app.login_response(CITIZEN, PASSWORD).await;

    // Assert: 429 with a Retry-After of about fifteen minutes, and the lock is stored.
    assert_eq!(locked.status(), StatusCode::TOO_MANY_REQUESTS);
    let retry_after: i64 = locked.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((14 * 60..=15 * 60).contains(&retry_after), "{retry_after}");
    let body: serde_json::Value = locked.json().await.unwrap();
    assert_eq!(body["error"]["code"], "login_locked");
    let (locked_until,): (Option<String>,) =
        sqlx::query_as("SELECT locked_until FROM login_attempts WHERE login = $1")
            .bind(CITIZEN)
            .fetch_one(&app.db)
            .await
            .unwrap();
    assert!(locked_until.is_some());
    // Another account is not affected.
    assert_eq!(
        app.login_response("vehicle.office", PASSWORD)
            .await
            .status(),
        StatusCode::OK
    );
}

#[tokio::test]
async fn a_successful_login_forgets_earlier_failures() {
    // Arrange: three failures, then the right password.
    let app = spawn_app().await;
    for _ in 0..3 {
        app.login_response(CITIZEN, "not-the-password").await;
    }
    assert_eq!(
        app.login_response(CITIZEN, PASSWORD).await.status(),
        StatusCode::OK
    );

    // Act: three more failures would have locked the login without the reset.
    for _ in 0..3 {
        app.login_response(CITIZEN, "not-the-password").await;
    }

    // Assert
    assert_eq!(
        app.login_response(CITIZEN, PASSWORD).await.status(),
        StatusCode::OK
    );
}

#[tokio::test]
async fn a_nul_character_in_a_body_path_or_query_is_refused_before_anything_reads_it() {
    // Arrange
    let app = spawn_app().await;
    let admin = app.login(ADMIN, PASSWORD).await;
    let audit_before: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM audit_log")
        .fetch_one(&app.db)
        .await
        .unwrap();

    // Act
    let in_body = app
        .post(
            "/api/v1/auth/login",
            None,
            &json!({ "login": "zhang\u{0}san", "password": PASSWORD }),
        )
        .await;
    let in_path = app
        .post(
            "/api/v1/admin/items/bad%00code/rollback",
            Some(&admin),
            &json!({}),
        )
        .await;
    let in_query = app
        .get(
            "/api/v1/stats?from=2026-01-01&to=2026-01-31&department=x%00",
            Some(&admin),
        )
        .await;

    // Assert: each a 422 naming it; no login attempt recorded, nothing audited
    for response in [in_body, in_path, in_query] {
        error_body(response, StatusCode::UNPROCESSABLE_ENTITY, "invalid_text").await;
    }
    let attempts: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM login_attempts")
        .fetch_one(&app.db)
        .await
        .unwrap();
    assert_eq!(attempts, 0);
    let audit_after: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM audit_log")
        .fetch_one(&app.db)
        .await
        .unwrap();
    assert_eq!(audit_after, audit_before);
}
