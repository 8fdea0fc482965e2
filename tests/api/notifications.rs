//! Notifications leave through the outbox: a signed webhook, retried with backoff, delivered once
//! even when the gateway fails or the server restarts mid-way.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use tokio::sync::Mutex;
use yiwang_host::config::NotifyChannel;

use crate::helpers::{CITIZEN, PASSWORD, TestApp, VEHICLE_ITEM, eligible_form, spawn_app_with};

const SECRET: &str = "gateway-shared-secret-0123";

/// A message gateway that refuses until it is told to accept, and records what it was sent.
#[derive(Clone, Default)]
struct Gateway {
    /// Refuse the first this many requests with 500 …
    refuse_first: Arc<AtomicUsize>,
    /// … and refuse everything while this is true.
    down: Arc<AtomicBool>,
    received: Arc<Mutex<Vec<(HeaderMap, Bytes, StatusCode)>>>,
}

async fn receive(State(gateway): State<Gateway>, headers: HeaderMap, body: Bytes) -> StatusCode {
    let mut received = gateway.received.lock().await;
    let refused = received.len() < gateway.refuse_first.load(Ordering::SeqCst)
        || gateway.down.load(Ordering::SeqCst);
    let status = if refused {
        StatusCode::INTERNAL_SERVER_ERROR
    } else {
        StatusCode::OK
    };
    received.push((headers, body, status));
    status
}

impl Gateway {
    async fn start(self) -> String {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("binding the gateway");
        let url = format!("http://{}/messages", listener.local_addr().unwrap());
        let router = Router::new()
            .route("/messages", post(receive))
            .with_state(self);
        tokio::spawn(async move { axum::serve(listener, router).await });
        url
    }
}

async fn app_with_gateway(gateway: &Gateway) -> TestApp {
    let url = gateway.clone().start().await;
    spawn_app_with(move |settings| {
        settings.notify = NotifyChannel::Webhook {
            url: url.clone(),
            secret: SECRET.into(),
        };
        settings.notify_retry_base_ms = 50;
    })
    .await
}

/// Waits until the case's first notification is `sent` (or the deadline passes), returning its
/// idempotency key and attempts.
async fn sent_notification(app: &TestApp, number: &str) -> (String, i64) {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let row: (String, String, i64) = sqlx::query_as(
            "SELECT o.idempotency_key, o.status, o.attempts FROM outbox o JOIN cases c ON c.id = o.case_id
             WHERE c.number = $1 ORDER BY o.id LIMIT 1",
        )
        .bind(number)
        .fetch_one(&app.db)
        .await
        .expect("the case's notification");
        if row.1 == "sent" {
            return (row.0, row.2);
        }
        assert!(
            Instant::now() < deadline,
            "notification still {} after {} attempts",
            row.1,
            row.2
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

async fn apply(app: &TestApp) -> String {
    let token = app.login(CITIZEN, PASSWORD).await;
    let response = app.submit(&token, VEHICLE_ITEM, eligible_form(true)).await;
    assert_eq!(response.status(), 201);
    let body: serde_json::Value = response.json().await.unwrap();
    body["number"].as_str().unwrap().to_string()
}

/// Every request carries the key and a valid signature over its body.
fn assert_signed(headers: &HeaderMap, body: &[u8], key: &str) {
    assert_eq!(headers["idempotency-key"], key);
    let signature = headers["yiwang-signature"].to_str().unwrap();
    let (t, v1) = signature.split_once(",v1=").expect("t=…,v1=…");
    let timestamp: i64 = t.strip_prefix("t=").unwrap().parse().unwrap();
    assert_eq!(
        v1,
        yiwang_host::outbox::signature(SECRET, timestamp, body),
        "signature of {key}"
    );
}

#[tokio::test]
async fn a_gateway_that_fails_twice_gets_the_message_on_the_third_try_and_once_only() {
    // Arrange
    let gateway = Gateway::default();
    gateway.refuse_first.store(2, Ordering::SeqCst);
    let app = app_with_gateway(&gateway).await;

    // Act
    let number = apply(&app).await;
    let (key, attempts) = sent_notification(&app, &number).await;

    // Assert: three tries of the same message, the third accepted, nothing else for that key.
    assert_eq!(attempts, 3);
    let received = gateway.received.lock().await;
    let tries: Vec<_> = received
        .iter()
        .filter(|(h, _, _)| h["idempotency-key"] == key.as_str())
        .collect();
    assert_eq!(tries.len(), 3);
    let statuses: Vec<u16> = tries.iter().map(|(_, _, s)| s.as_u16()).collect();
    assert_eq!(statuses, vec![500, 500, 200]);
    for (headers, body, _) in &tries {
        assert_signed(headers, body, &key);
    }
    let message: serde_json::Value = serde_json::from_slice(&tries[2].1).unwrap();
    assert_eq!(message["recipient"]["login"], CITIZEN);
    assert_eq!(message["attempt"], 3);
    assert!(message["subject"].as_str().unwrap().contains("受理"));
    let (last_error, sent_at): (Option<String>, Option<String>) =
        sqlx::query_as("SELECT last_error, sent_at FROM outbox WHERE idempotency_key = $1")
            .bind(&key)
            .fetch_one(&app.db)
            .await
            .unwrap();
    assert_eq!(last_error, None);
    assert!(sent_at.is_some());
}

#[tokio::test]
async fn a_message_pending_across_a_restart_is_delivered_once_with_the_same_key() {
    // Arrange: the gateway is down, the first attempt fails.
    let gateway = Gateway::default();
    gateway.down.store(true, Ordering::SeqCst);
    let mut app = app_with_gateway(&gateway).await;
    let number = apply(&app).await;
    let deadline = Instant::now() + Duration::from_secs(20);
    while gateway.received.lock().await.is_empty() {
        assert!(Instant::now() < deadline, "no attempt reached the gateway");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }

    // Act: restart the server, then bring the gateway back.
    app.restart().await;
    gateway.down.store(false, Ordering::SeqCst);
    let (key, attempts) = sent_notification(&app, &number).await;

    // Assert: every try was the same message; exactly one was accepted.
    let received = gateway.received.lock().await;
    let tries: Vec<_> = received
        .iter()
        .filter(|(h, _, _)| h["idempotency-key"] == key.as_str())
        .collect();
    assert_eq!(tries.len() as i64, attempts);
    assert_eq!(tries.iter().filter(|(_, _, s)| s.is_success()).count(), 1);
    assert!(
        tries
            .iter()
            .all(|(_, _, s)| !s.is_success() || s.as_u16() == 200)
    );
}
