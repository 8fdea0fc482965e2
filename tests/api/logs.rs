//! Secrets and personal data stay out of the logs: the real `yiwang` binary runs at debug level
//! through a login, an application, a courier event and an approval, and its whole log is searched
//! for the password, the tokens and the applicant's ID number.

use std::net::TcpListener;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::helpers::{CITIZEN, CITIZEN_ID, PASSWORD, REVIEWER, VEHICLE_ITEM, eligible_form};

const BINARY: &str = env!("CARGO_BIN_EXE_yiwang");
const COURIER_TOKEN: &str = "demo-courier-token";

async fn post(client: &reqwest::Client, url: String, token: Option<&str>, body: Value) -> Value {
    let mut request = client.post(url).json(&body);
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    let response = request.send().await.expect("the request");
    assert!(response.status().is_success(), "{}", response.status());
    response.json().await.expect("a JSON answer")
}

#[tokio::test]
async fn a_debug_log_of_a_whole_case_holds_no_password_token_or_id_number() {
    // Arrange: seed, then serve at debug level with the log captured.
    let dir = tempfile::Builder::new()
        .prefix("yiwang-logs-")
        .tempdir()
        .unwrap();
    let seeded = Command::new(BINARY)
        .args(["demo", "seed", "--data-dir"])
        .arg(dir.path())
        .output()
        .unwrap();
    assert!(seeded.status.success());
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let log_path = dir.path().join("server.log");
    let mut server = Command::new(BINARY)
        .args([
            "serve",
            "--listen",
            &format!("127.0.0.1:{port}"),
            "--data-dir",
        ])
        .arg(dir.path())
        .arg("--plugins")
        .arg(crate::crash::rust_items_plugins_toml(dir.path()))
        .env("RUST_LOG", "debug")
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(&log_path).unwrap())
        .spawn()
        .unwrap();
    let base = format!("http://127.0.0.1:{port}/api/v1");
    let client = reqwest::Client::new();
    let deadline = Instant::now() + Duration::from_secs(60);
    while !client
        .get(format!("http://127.0.0.1:{port}/healthz"))
        .send()
        .await
        .is_ok_and(|r| r.status().is_success())
    {
        assert!(Instant::now() < deadline, "the server did not come up");
        tokio::time::sleep(Duration::from_millis(25)).await;
    }

    // Act: a whole case, including a failed login.
    let login = |who: &'static str| {
        let client = client.clone();
        let base = base.clone();
        async move {
            let body = post(
                &client,
                format!("{base}/auth/login"),
                None,
                json!({"login": who, "password": PASSWORD}),
            )
            .await;
            body["token"].as_str().unwrap().to_string()
        }
    };
    let _ = client
        .post(format!("{base}/auth/login"))
        .json(&json!({"login": CITIZEN, "password": "wrong-password-42"}))
        .send()
        .await;
    let citizen = login(CITIZEN).await;
    let reviewer = login(REVIEWER).await;
    let submitted = post(
        &client,
        format!("{base}/items/{VEHICLE_ITEM}/applications"),
        Some(&citizen),
        json!({ "form": eligible_form(false) }),
    )
    .await;
    let number = submitted["number"].as_str().unwrap();
    let case: Value = client
        .get(format!("{base}/applications/{number}"))
        .bearer_auth(&citizen)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let pickup = case["deliveries"][0]["tracking_number"].as_str().unwrap();
    post(
        &client,
        format!("{base}/delivery/events"),
        Some(COURIER_TOKEN),
        json!({"tracking_number": pickup, "event": "picked-up"}),
    )
    .await;
    post(
        &client,
        format!("{base}/applications/{number}/actions"),
        Some(&reviewer),
        json!({"action": "approve"}),
    )
    .await;
    server.kill().unwrap();
    server.wait().unwrap();

    // Assert: the log says what happened, and nothing it must not.
    let log = std::fs::read_to_string(&log_path).unwrap();
    assert!(
        log.contains("item call"),
        "the log is not empty at debug level"
    );
    for secret in [
        PASSWORD,
        "wrong-password-42",
        citizen.as_str(),
        reviewer.as_str(),
        COURIER_TOKEN,
        CITIZEN_ID,
    ] {
        assert!(!log.contains(secret), "the log contains `{secret}`");
    }
}
