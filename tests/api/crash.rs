//! Crash safety: the real `yiwang` binary is killed with SIGKILL while citizens are applying, and
//! restarted on the same data directory, several times. Every application that got a 201 must
//! still be there, whole; nothing may be half-written. Enough citizens apply at once that their
//! writes share group commits (the test reads `/metrics` before each kill and requires batches of
//! more than one), so a kill lands while a batch is being committed.
//!
//! SQLite only: this is about the embedded database's durability on one machine. The figures of
//! the last run are written to `target/test-artifacts/crash-safety.txt`.

use std::collections::HashSet;
use std::net::TcpListener;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use sqlx::Row;
use tokio::sync::Mutex;

use crate::helpers::{CITIZEN, PASSWORD, VEHICLE_ITEM, eligible_form};

pub(crate) const BINARY: &str = env!("CARGO_BIN_EXE_yiwang");
/// How long each round lets citizens apply before the kill: fixed, so the test runs the same way
/// every time while the kills still land mid-request.
const ROUNDS_MS: [u64; 5] = [400, 650, 900, 300, 750];
const CLIENTS: usize = 24;

pub(crate) fn workspace_root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("the workspace")
}

pub(crate) fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// The shipped `plugins.toml` without the items written in JavaScript and Python, written into
/// `dir` with absolute component paths: a server started on it is up in a second, where compiling
/// those two big components into a fresh data directory's cache takes a minute on a loaded
/// machine (`kit_items.rs` covers them).
pub(crate) fn rust_items_plugins_toml(dir: &Path) -> std::path::PathBuf {
    let root = workspace_root();
    let text = std::fs::read_to_string(root.join("plugins.toml")).expect("reading plugins.toml");
    let mut file: toml::Table = text.parse().expect("plugins.toml parses");
    let items = file
        .get_mut("items")
        .and_then(toml::Value::as_table_mut)
        .expect("plugins.toml has items");
    items.remove("exit-entry-appointment");
    items.remove("environment-report");
    for (_, item) in items.iter_mut() {
        if let Some(component) = item.get_mut("component")
            && let Some(relative) = component.as_str()
        {
            *component = toml::Value::String(root.join(relative).display().to_string());
        }
    }
    let path = dir.join("rust-items-plugins.toml");
    std::fs::create_dir_all(dir).expect("creating the data dir");
    std::fs::write(
        &path,
        toml::to_string(&file).expect("plugins.toml serializes"),
    )
    .expect("writing the plugins file");
    path
}

pub(crate) fn start(data_dir: &Path, port: u16) -> Child {
    Command::new(BINARY)
        .args([
            "serve",
            "--listen",
            &format!("127.0.0.1:{port}"),
            "--data-dir",
        ])
        .arg(data_dir)
        .arg("--plugins")
        .arg(rust_items_plugins_toml(data_dir))
        .env("RUST_LOG", "error")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("starting yiwang serve")
}

/// The demo accounts and registry records in a new data directory, by the binary itself.
pub(crate) fn seed(data_dir: &Path) {
    let seeded = Command::new(BINARY)
        .args(["demo", "seed", "--data-dir"])
        .arg(data_dir)
        .output()
        .unwrap();
    assert!(
        seeded.status.success(),
        "seeding: {}",
        String::from_utf8_lossy(&seeded.stderr)
    );
}

pub(crate) async fn wait_ready(client: &reqwest::Client, base: &str) {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let health = client.get(format!("{base}/healthz")).send().await;
        if health.is_ok_and(|r| r.status().is_success()) {
            return;
        }
        assert!(Instant::now() < deadline, "the server did not come up");
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
}

pub(crate) async fn token(client: &reqwest::Client, base: &str) -> String {
    let response = client
        .post(format!("{base}/api/v1/auth/login"))
        .json(&json!({ "login": CITIZEN, "password": PASSWORD }))
        .send()
        .await
        .unwrap();
    let body: Value = response.json().await.unwrap();
    body["token"].as_str().unwrap().to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn applications_acknowledged_before_a_kill_survive_it_whole() {
    // Arrange
    let dir = tempfile::Builder::new()
        .prefix("yiwang-crash-")
        .tempdir()
        .unwrap();
    seed(dir.path());
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .build()
        .unwrap();
    let acknowledged = Arc::new(Mutex::new(HashSet::<String>::new()));
    let mut failed_requests = 0usize;
    let (mut batched_works, mut commits) = (0.0, 0.0);

    // Act: apply, kill, restart.
    for round_ms in ROUNDS_MS {
        let port = free_port();
        let base = format!("http://127.0.0.1:{port}");
        let mut server = start(dir.path(), port);
        wait_ready(&client, &base).await;
        let token = token(&client, &base).await;
        let stop_at = Instant::now() + Duration::from_millis(round_ms);
        let mut workers = Vec::new();
        for _ in 0..CLIENTS {
            let (client, base, token, acknowledged) = (
                client.clone(),
                base.clone(),
                token.clone(),
                acknowledged.clone(),
            );
            workers.push(tokio::spawn(async move {
                let mut failed = 0;
                // Keep applying past the kill: requests in flight when it lands must fail, not lie.
                while Instant::now() < stop_at + Duration::from_millis(200) {
                    let sent = client
                        .post(format!("{base}/api/v1/items/{VEHICLE_ITEM}/applications"))
                        .bearer_auth(&token)
                        .json(&json!({ "form": eligible_form(false) }))
                        .send()
                        .await;
                    match sent {
                        Ok(response) if response.status() == 201 => {
                            if let Ok(body) = response.json::<Value>().await {
                                acknowledged
                                    .lock()
                                    .await
                                    .insert(body["number"].as_str().unwrap().to_string());
                            }
                        }
                        _ => failed += 1,
                    }
                }
                failed
            }));
        }
        tokio::time::sleep_until(stop_at.into()).await;
        if let Some((works, batches)) = commit_batches(&client, &base).await {
            batched_works += works;
            commits += batches;
        }
        server.kill().expect("SIGKILL");
        server.wait().unwrap();
        for worker in workers {
            failed_requests += worker.await.unwrap();
        }
    }

    // Assert: restart once more and check every acknowledged application against the database.
    let port = free_port();
    let mut server = start(dir.path(), port);
    wait_ready(&client, &format!("http://127.0.0.1:{port}")).await;
    server.kill().unwrap();
    server.wait().unwrap();

    let url = format!(
        "sqlite://{}?mode=ro",
        dir.path().join("yiwang.db").display()
    );
    let db = sqlx::SqlitePool::connect(&url).await.unwrap();
    let stored: HashSet<String> = sqlx::query("SELECT number FROM cases")
        .fetch_all(&db)
        .await
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    let acknowledged = acknowledged.lock().await;
    let lost: Vec<_> = acknowledged.difference(&stored).collect();
    assert!(
        acknowledged.len() >= ROUNDS_MS.len(),
        "too few applications got through to test anything"
    );
    assert!(lost.is_empty(), "acknowledged but lost: {lost:?}");
    assert!(
        batched_works > commits,
        "no group commit held more than one request's writes ({batched_works} in {commits})"
    );

    let half_written = [
        // A case without its two first events (submit, request-pickup).
        "SELECT COUNT(*) FROM cases c WHERE (SELECT COUNT(*) FROM case_events e WHERE e.case_id = c.id) < 2",
        // A case waiting for the courier without its pick-up.
        "SELECT COUNT(*) FROM cases c WHERE c.state = 'awaiting-pickup'
         AND NOT EXISTS (SELECT 1 FROM deliveries d WHERE d.case_id = c.id AND d.kind = 'pickup')",
        // A case without the message telling the applicant it was accepted.
        "SELECT COUNT(*) FROM cases c WHERE NOT EXISTS (SELECT 1 FROM outbox o WHERE o.case_id = c.id)",
        // Anything of a case without its case.
        "SELECT COUNT(*) FROM outbox o WHERE NOT EXISTS (SELECT 1 FROM cases c WHERE c.id = o.case_id)",
        "SELECT COUNT(*) FROM deliveries d WHERE NOT EXISTS (SELECT 1 FROM cases c WHERE c.id = d.case_id)",
        "SELECT COUNT(*) FROM certificates x WHERE NOT EXISTS (SELECT 1 FROM cases c WHERE c.id = x.case_id)",
        "SELECT COUNT(*) FROM case_events e WHERE NOT EXISTS (SELECT 1 FROM cases c WHERE c.id = e.case_id)",
    ];
    for query in half_written {
        let (count,): (i64,) = sqlx::query_as(query).fetch_one(&db).await.unwrap();
        assert_eq!(count, 0, "{query}");
    }
    let (integrity,): (String,) = sqlx::query_as("PRAGMA integrity_check")
        .fetch_one(&db)
        .await
        .unwrap();
    assert_eq!(integrity, "ok");

    let report = format!(
        "kills: {}\ngroup commits before the kills: {commits}, holding {batched_works} requests' writes\nacknowledged applications: {}\nstored cases: {}\nlost: {}\nrequests that failed (in flight at a kill, or refused while the server was down): {failed_requests}\nstored without a 201 (committed, then killed before the answer): {}\n",
        ROUNDS_MS.len(),
        acknowledged.len(),
        stored.len(),
        lost.len(),
        stored.len() - (acknowledged.len() - lost.len()),
    );
    crate::helpers::record_artifact("crash-safety.txt", &report);
}

/// `(works, commits)` of the server's group commits so far, from `/metrics`.
async fn commit_batches(client: &reqwest::Client, base: &str) -> Option<(f64, f64)> {
    let text = client
        .get(format!("{base}/metrics"))
        .send()
        .await
        .ok()?
        .text()
        .await
        .ok()?;
    let value = |name: &str| {
        text.lines()
            .find_map(|line| line.strip_prefix(name)?.trim().parse::<f64>().ok())
    };
    Some((
        value("yiwang_commit_batch_size_sum")?,
        value("yiwang_commit_batch_size_count")?,
    ))
}
