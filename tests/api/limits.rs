//! Hostile items: a call that loops forever or grabs memory fails on its own limits with a clear
//! error and an audit entry, while the host keeps serving everyone else.
//!
//! The runtime is multi-threaded, as in production, so that a guest burning CPU and the requests
//! of other clients really run at the same time.

use std::time::{Duration, Instant};

use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::{
    CITIZEN, INFINITE_LOOP_ITEM, MEMORY_HOG_ITEM, PASSWORD, json_body, spawn_app,
};

/// The limits given in the test `plugins.toml`, plus room for a loaded machine: the point is that
/// the call is cut off, not how fast.
const INFINITE_LOOP_WALL: Duration = Duration::from_millis(2_000);
const MEMORY_HOG_WALL: Duration = Duration::from_millis(5_000);
const SLACK: Duration = Duration::from_secs(5);

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn an_item_stuck_in_a_loop_fails_502_cpu_limit_within_its_limits_and_is_audited() {
    // Arrange
    let app = spawn_app().await;
    let token = app.login(CITIZEN, PASSWORD).await;
    let before = app.stored().await;

    // Act
    let started = Instant::now();
    let response = app.submit(&token, INFINITE_LOOP_ITEM, json!({})).await;
    let took = started.elapsed();

    // Assert
    let body = json_body(response, StatusCode::BAD_GATEWAY).await;
    let code = body["error"]["code"].as_str().unwrap_or_default();
    assert!(code == "cpu_limit" || code == "timeout", "{body}");
    assert!(
        took < INFINITE_LOOP_WALL + SLACK,
        "cut off only after {took:?}"
    );
    assert_eq!(
        app.audit_count("item.call_failed", INFINITE_LOOP_ITEM)
            .await,
        1
    );
    assert_eq!(app.stored().await, before);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn an_item_that_grabs_memory_fails_502_memory_limit_within_its_limits_and_is_audited() {
    // Arrange
    let app = spawn_app().await;
    let token = app.login(CITIZEN, PASSWORD).await;
    let before = app.stored().await;

    // Act
    let started = Instant::now();
    let response = app.submit(&token, MEMORY_HOG_ITEM, json!({})).await;
    let took = started.elapsed();

    // Assert
    let body = json_body(response, StatusCode::BAD_GATEWAY).await;
    assert_eq!(body["error"]["code"], "memory_limit", "{body}");
    assert!(
        took < MEMORY_HOG_WALL + SLACK,
        "cut off only after {took:?}"
    );
    assert_eq!(
        app.audit_count("item.call_failed", MEMORY_HOG_ITEM).await,
        1
    );
    assert_eq!(app.stored().await, before);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn vehicle_applications_from_other_clients_succeed_while_hostile_items_misbehave() {
    // Arrange: four citizens, each with an eligible car, on a client of their own
    let app = spawn_app().await;
    let hostile = app.login(CITIZEN, PASSWORD).await;
    let applicants = app.citizens_with_eligible_vehicles(4, 1).await;

    // Act
    let (looping, hogging, vehicles) = tokio::join!(
        app.submit(&hostile, INFINITE_LOOP_ITEM, json!({})),
        app.submit(&hostile, MEMORY_HOG_ITEM, json!({})),
        futures::future::join_all(
            applicants
                .iter()
                .map(|(token, vehicle)| app.apply_on_own_client(token, vehicle))
        ),
    );

    // Assert: the hostile calls failed on their limits …
    let looping = json_body(looping, StatusCode::BAD_GATEWAY).await;
    assert!(
        ["cpu_limit", "timeout"].contains(&looping["error"]["code"].as_str().unwrap_or_default()),
        "{looping}"
    );
    let hogging = json_body(hogging, StatusCode::BAD_GATEWAY).await;
    assert_eq!(hogging["error"]["code"], "memory_limit", "{hogging}");
    assert_eq!(
        app.audit_count("item.call_failed", INFINITE_LOOP_ITEM)
            .await,
        1
    );
    assert_eq!(
        app.audit_count("item.call_failed", MEMORY_HOG_ITEM).await,
        1
    );
    // … and every vehicle application went through.
    app.assert_only_vehicle_applications_went_through(vehicles)
        .await;
}
