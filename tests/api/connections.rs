//! What a server on the open network needs before any route: HTTPS with the deployment's own
//! certificate (rustls, PEM), and no way for idle, slow or too many clients to starve it — a
//! client that does not finish its headers in time is disconnected, a request whose body
//! trickles in past the request timeout is answered 408, and a connection over the cap is
//! closed at once while the server keeps answering the others.

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use reqwest::StatusCode;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::helpers::{CITIZEN, PASSWORD, TestApp, spawn_app_with};

/// A self-signed certificate for `localhost` and its key, written as PEM into `dir`.
fn self_signed(dir: &Path) -> (std::path::PathBuf, std::path::PathBuf) {
    let (cert, key) = (dir.join("cert.pem"), dir.join("key.pem"));
    let made = Command::new("openssl")
        .args([
            "req",
            "-x509",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:P-256",
        ])
        .args(["-nodes", "-days", "2", "-subj", "/CN=localhost"])
        .args(["-addext", "subjectAltName=DNS:localhost"])
        // A server's certificate, not a CA's: webpki refuses a CA as the end entity.
        .args(["-addext", "basicConstraints=critical,CA:FALSE"])
        .args(["-addext", "extendedKeyUsage=serverAuth"])
        .arg("-keyout")
        .arg(&key)
        .arg("-out")
        .arg(&cert)
        .output()
        .expect("running openssl");
    assert!(
        made.status.success(),
        "openssl: {}",
        String::from_utf8_lossy(&made.stderr)
    );
    (cert, key)
}

/// Reads until the server closes the connection or `limit` passes; the bytes read, and whether
/// it was closed.
async fn read_until_closed(stream: &mut TcpStream, limit: Duration) -> (Vec<u8>, bool) {
    let mut seen = Vec::new();
    let deadline = Instant::now() + limit;
    let mut buffer = [0u8; 1024];
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        match tokio::time::timeout(left, stream.read(&mut buffer)).await {
            Ok(Ok(0)) | Ok(Err(_)) => return (seen, true),
            Ok(Ok(n)) => seen.extend_from_slice(&buffer[..n]),
            Err(_) => return (seen, false),
        }
    }
}

async fn healthy(app: &TestApp) {
    let answer = reqwest::get(app.url("/healthz")).await.unwrap();
    assert_eq!(answer.status(), StatusCode::OK);
}

#[tokio::test]
async fn the_server_speaks_https_with_its_certificate_and_its_cookies_are_secure() {
    // Arrange
    let dir = tempfile::tempdir().unwrap();
    let (cert, key) = self_signed(dir.path());
    let pem = std::fs::read(&cert).unwrap();
    let tls = (cert, key);
    let app = spawn_app_with(move |s| s.tls = Some(tls.clone())).await;
    let client = reqwest::Client::builder()
        .add_root_certificate(reqwest::Certificate::from_pem(&pem).unwrap())
        .build()
        .unwrap();
    let https = |path: &str| format!("https://localhost:{}{path}", app.port);

    // Act
    let health = client.get(https("/healthz")).send().await.unwrap();
    let login = client
        .post(https("/api/v1/auth/login"))
        .json(&serde_json::json!({"login": CITIZEN, "password": PASSWORD}))
        .send()
        .await
        .unwrap();
    let page = client.get(https("/login")).send().await.unwrap();
    let plain = reqwest::get(app.url("/healthz")).await;

    // Assert
    assert_eq!(health.status(), StatusCode::OK);
    assert_eq!(login.status(), StatusCode::OK);
    let cookie = page.headers()["set-cookie"].to_str().unwrap().to_owned();
    assert!(cookie.contains("Secure"), "{cookie}");
    assert!(
        plain.is_err(),
        "plain HTTP on the TLS port must not be answered"
    );
}

#[tokio::test]
async fn a_client_that_does_not_finish_its_headers_is_disconnected_and_others_are_served() {
    // Arrange
    let app = spawn_app_with(|s| s.header_timeout = Duration::from_millis(400)).await;
    let mut slow = TcpStream::connect(("127.0.0.1", app.port)).await.unwrap();

    // Act: half a request line, then nothing
    slow.write_all(b"GET /healthz HTTP/1.1\r\nHost: loc")
        .await
        .unwrap();
    let (_, closed) = read_until_closed(&mut slow, Duration::from_secs(5)).await;

    // Assert
    assert!(closed, "the trickling client is still connected");
    healthy(&app).await;
}

#[tokio::test]
async fn a_body_trickled_in_past_the_request_timeout_is_answered_408_and_stores_nothing() {
    // Arrange
    let app = spawn_app_with(|s| s.request_timeout = Duration::from_millis(500)).await;
    let tokens = app.count("tokens").await;
    let mut slow = TcpStream::connect(("127.0.0.1", app.port)).await.unwrap();
    let body = format!(r#"{{"login":"{CITIZEN}","password":"{PASSWORD}"}}"#);

    // Act: the headers at once, the body a byte now and then
    let head = format!(
        "POST /api/v1/auth/login HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n",
        body.len()
    );
    slow.write_all(head.as_bytes()).await.unwrap();
    for byte in body.as_bytes().iter().take(4) {
        slow.write_all(&[*byte]).await.unwrap();
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let (answer, _) = read_until_closed(&mut slow, Duration::from_secs(5)).await;

    // Assert
    let answer = String::from_utf8_lossy(&answer);
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    assert_eq!(app.count("tokens").await, tokens, "no login happened");
    healthy(&app).await;
}

#[tokio::test]
async fn a_connection_over_the_cap_is_closed_at_once_and_a_freed_place_is_taken_again() {
    // Arrange: two idle connections fill the cap
    let app = spawn_app_with(|s| s.max_connections = 2).await;
    let first = TcpStream::connect(("127.0.0.1", app.port)).await.unwrap();
    let second = TcpStream::connect(("127.0.0.1", app.port)).await.unwrap();
    tokio::time::sleep(Duration::from_millis(100)).await;

    // Act
    let mut third = TcpStream::connect(("127.0.0.1", app.port)).await.unwrap();
    let _ = third
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n")
        .await;
    let (answer, closed) = read_until_closed(&mut third, Duration::from_secs(5)).await;

    // Assert: closed without an answer; once the idle ones go, the server answers again
    assert!(
        closed && answer.is_empty(),
        "{}",
        String::from_utf8_lossy(&answer)
    );
    drop((first, second));
    tokio::time::sleep(Duration::from_millis(100)).await;
    healthy(&app).await;
    let refused = app.get("/metrics", None).await.text().await.unwrap();
    assert!(
        refused
            .lines()
            .any(|l| l.starts_with("yiwang_connections_refused_total") && !l.ends_with(" 0")),
        "the refusal is counted"
    );
}
