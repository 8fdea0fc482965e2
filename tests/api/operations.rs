//! Operating a deployment with the real `yiwang` binary, as an e-government office would:
//! stopping it with SIGTERM while citizens apply (nothing acknowledged lost, no answer cut
//! off, exit 0), and backing it up while it serves, then restoring the backup into a fresh data
//! directory (every application acknowledged before the backup there, with its materials and
//! the items' component bytes, the audit log intact). SQLite only, like `crash`.

use std::collections::HashSet;
use std::path::Path;
use std::process::{Child, Command, ExitStatus};
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use tokio::sync::Mutex;

use crate::crash::{BINARY, free_port, seed, start, token, wait_ready};
use crate::helpers::{VEHICLE_ITEM, VEHICLE_MATERIAL, eligible_form, minimal_pdf};

const CLIENTS: usize = 6;

/// What the applying clients saw.
#[derive(Default)]
struct Seen {
    /// Numbers of the applications answered 201 with their whole body.
    acknowledged: HashSet<String>,
    /// Answers whose status arrived but whose body did not: cut off mid-response.
    cut: usize,
    /// Requests that got no answer (the server had stopped listening).
    unanswered: usize,
}

/// `CLIENTS` citizens applying again and again until `until`, recording what they saw.
fn apply_until(
    client: &reqwest::Client,
    base: &str,
    token: &str,
    until: Instant,
    seen: &Arc<Mutex<Seen>>,
) -> Vec<tokio::task::JoinHandle<()>> {
    (0..CLIENTS)
        .map(|_| {
            let (client, base, token, seen) = (
                client.clone(),
                base.to_owned(),
                token.to_owned(),
                seen.clone(),
            );
            tokio::spawn(async move {
                while Instant::now() < until {
                    let sent = client
                        .post(format!("{base}/api/v1/items/{VEHICLE_ITEM}/applications"))
                        .bearer_auth(&token)
                        .json(&json!({ "form": eligible_form(false) }))
                        .send()
                        .await;
                    let Ok(response) = sent else {
                        seen.lock().await.unanswered += 1;
                        tokio::time::sleep(Duration::from_millis(20)).await;
                        continue;
                    };
                    let status = response.status();
                    match response.json::<Value>().await {
                        Ok(body) if status == 201 => {
                            let number = body["number"].as_str().unwrap().to_owned();
                            seen.lock().await.acknowledged.insert(number);
                        }
                        Ok(_) => {}
                        Err(_) => seen.lock().await.cut += 1,
                    }
                }
            })
        })
        .collect()
}

/// The application numbers stored in the SQLite database `file`.
async fn stored_numbers(file: &Path) -> HashSet<String> {
    let url = format!("sqlite://{}?mode=ro", file.display());
    let db = sqlx::SqlitePool::connect(&url).await.unwrap();
    let numbers = sqlx::query_scalar("SELECT number FROM cases")
        .fetch_all(&db)
        .await
        .unwrap();
    db.close().await;
    numbers.into_iter().collect()
}

fn terminate(server: &Child) {
    let sent = Command::new("kill")
        .args(["-TERM", &server.id().to_string()])
        .status()
        .unwrap();
    assert!(sent.success(), "kill -TERM");
}

/// Waits for `server` to exit, at most `limit`.
async fn exit_of(server: &mut Child, limit: Duration) -> ExitStatus {
    let deadline = Instant::now() + limit;
    loop {
        if let Some(status) = server.try_wait().unwrap() {
            return status;
        }
        assert!(Instant::now() < deadline, "the server did not exit");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// A seeded data directory under a new temporary directory, and the binary serving it.
struct Running {
    dir: tempfile::TempDir,
    data: std::path::PathBuf,
    client: reqwest::Client,
    base: String,
    server: Child,
    token: String,
}

async fn running(prefix: &str) -> Running {
    let dir = tempfile::Builder::new().prefix(prefix).tempdir().unwrap();
    let data = dir.path().join("data");
    seed(&data);
    let port = free_port();
    let base = format!("http://127.0.0.1:{port}");
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(20))
        .build()
        .unwrap();
    let server = start(&data, port);
    wait_ready(&client, &base).await;
    let token = token(&client, &base).await;
    Running {
        dir,
        data,
        client,
        base,
        server,
        token,
    }
}

fn yiwang(args: &[&str], paths: &[&Path]) -> std::process::Output {
    let mut command = Command::new(BINARY);
    command.args(args);
    for path in paths {
        command.arg(path);
    }
    command.output().unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sigterm_under_load_loses_no_acknowledged_application_and_cuts_no_answer() {
    // Arrange: citizens applying
    let Running {
        dir: _dir,
        data,
        client,
        base,
        mut server,
        token,
    } = running("yiwang-sigterm-").await;
    let seen = Arc::new(Mutex::new(Seen::default()));
    let clients = apply_until(
        &client,
        &base,
        &token,
        Instant::now() + Duration::from_millis(1500),
        &seen,
    );

    // Act: SIGTERM in the middle of it
    tokio::time::sleep(Duration::from_millis(600)).await;
    terminate(&server);
    let status = exit_of(&mut server, Duration::from_secs(30)).await;
    for worker in clients {
        worker.await.unwrap();
    }

    // Assert: a clean exit, no answer cut off, every acknowledged application stored
    assert!(status.success(), "exit status {status}");
    let seen = seen.lock().await;
    assert!(!seen.acknowledged.is_empty(), "no application got through");
    assert!(seen.unanswered > 0, "the clients never saw the server stop");
    assert_eq!(seen.cut, 0, "answers cut off mid-response");
    let stored = stored_numbers(&data.join("yiwang.db")).await;
    let lost: Vec<_> = seen.acknowledged.difference(&stored).collect();
    assert!(lost.is_empty(), "acknowledged but lost: {lost:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_backup_taken_under_load_restores_every_application_acknowledged_before_it() {
    // Arrange: a case with a material, then citizens applying while the backup is taken
    let Running {
        dir,
        data,
        client,
        base,
        mut server,
        token,
    } = running("yiwang-backup-").await;
    let first: Value = client
        .post(format!("{base}/api/v1/items/{VEHICLE_ITEM}/applications"))
        .bearer_auth(&token)
        .json(&json!({ "form": eligible_form(false) }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let first = first["number"].as_str().unwrap().to_owned();
    let material = reqwest::multipart::Form::new()
        .text("material", VEHICLE_MATERIAL)
        .part(
            "file",
            reqwest::multipart::Part::bytes(minimal_pdf())
                .file_name("行驶证.pdf")
                .mime_str("application/pdf")
                .unwrap(),
        );
    let uploaded = client
        .post(format!("{base}/api/v1/applications/{first}/attachments"))
        .bearer_auth(&token)
        .multipart(material)
        .send()
        .await
        .unwrap();
    assert_eq!(uploaded.status(), 201);
    let seen = Arc::new(Mutex::new(Seen::default()));
    let clients = apply_until(
        &client,
        &base,
        &token,
        Instant::now() + Duration::from_millis(1200),
        &seen,
    );
    tokio::time::sleep(Duration::from_millis(400)).await;
    let mut before = seen.lock().await.acknowledged.clone();
    before.insert(first.clone());

    // Act: back up while they apply, stop, restore into a fresh data directory
    let backup = dir.path().join("yiwang-backup.db");
    let backed_up = yiwang(
        &["backup", "--data-dir"],
        &[&data, Path::new("--to"), &backup],
    );
    for worker in clients {
        worker.await.unwrap();
    }
    terminate(&server);
    assert!(
        exit_of(&mut server, Duration::from_secs(30))
            .await
            .success()
    );
    let restored = dir.path().join("restored");
    let restore = yiwang(
        &["restore", "--from"],
        &[&backup, Path::new("--data-dir"), &restored],
    );

    // Assert
    assert!(
        backed_up.status.success(),
        "backup: {}",
        String::from_utf8_lossy(&backed_up.stderr)
    );
    assert!(
        restore.status.success(),
        "restore: {}",
        String::from_utf8_lossy(&restore.stderr)
    );
    let stored = stored_numbers(&restored.join("yiwang.db")).await;
    let missing: Vec<_> = before.difference(&stored).collect();
    assert!(
        missing.is_empty(),
        "acknowledged before the backup, not in it: {missing:?}"
    );
    let url = format!("sqlite://{}?mode=ro", restored.join("yiwang.db").display());
    let db = sqlx::SqlitePool::connect(&url).await.unwrap();
    let (attachments, pdf_bytes): (i64, i64) = sqlx::query_as(
        "SELECT COUNT(*), COALESCE(SUM(LENGTH(b.bytes)), 0) FROM attachments a
         JOIN attachment_blobs b ON b.sha256 = a.sha256",
    )
    .fetch_one(&db)
    .await
    .unwrap();
    assert_eq!((attachments, pdf_bytes), (1, minimal_pdf().len() as i64));
    let components: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM components")
        .fetch_one(&db)
        .await
        .unwrap();
    assert!(
        components >= 4,
        "the shipped items' component bytes: {components}"
    );
    db.close().await;
    let verified = yiwang(&["audit", "verify", "--data-dir"], &[&restored]);
    assert!(
        verified.status.success(),
        "audit verify: {}",
        String::from_utf8_lossy(&verified.stdout)
    );
    // A restored server serves the restored cases.
    let port = free_port();
    let mut again = start(&restored, port);
    let base = format!("http://127.0.0.1:{port}");
    wait_ready(&client, &base).await;
    let token = crate::crash::token(&client, &base).await;
    let case = client
        .get(format!("{base}/api/v1/applications/{first}"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(case.status(), 200);
    terminate(&again);
    assert!(exit_of(&mut again, Duration::from_secs(30)).await.success());
}

#[tokio::test]
async fn a_backup_or_restore_over_an_existing_file_is_refused_and_changes_nothing() {
    let dir = tempfile::Builder::new()
        .prefix("yiwang-backup-refused-")
        .tempdir()
        .unwrap();
    let data = dir.path().join("data");
    seed(&data);
    let taken = dir.path().join("taken.db");
    std::fs::write(&taken, b"an operator's file").unwrap();

    let over_a_file = yiwang(
        &["backup", "--data-dir"],
        &[&data, Path::new("--to"), &taken],
    );
    let into_a_database = yiwang(
        &["restore", "--from"],
        &[&data.join("yiwang.db"), Path::new("--data-dir"), &data],
    );
    let not_a_backup = yiwang(
        &["restore", "--from"],
        &[&taken, Path::new("--data-dir"), &dir.path().join("fresh")],
    );

    for (what, output, says) in [
        ("backup over a file", &over_a_file, "already exists"),
        (
            "restore over a database",
            &into_a_database,
            "already exists",
        ),
        (
            "restore of a file that is not a backup",
            &not_a_backup,
            "not a usable Yiwang backup",
        ),
    ] {
        assert!(!output.status.success(), "{what} succeeded");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(stderr.contains(says), "{what}: {stderr}");
    }
    assert_eq!(std::fs::read(&taken).unwrap(), b"an operator's file");
    assert!(!dir.path().join("fresh").join("yiwang.db").exists());
}

#[tokio::test]
async fn the_doctor_passes_a_sound_deployment_and_names_each_fault_of_a_broken_one() {
    // Arrange: a seeded deployment, and a copy of it with faults
    let dir = tempfile::Builder::new()
        .prefix("yiwang-doctor-")
        .tempdir()
        .unwrap();
    let data = dir.path().join("data");
    seed(&data);
    let plugins = crate::crash::workspace_root().join("plugins.toml");
    let this_year = chrono::Utc::now().format("%Y-10-01").to_string();
    let broken_plugins = dir.path().join("plugins.toml");
    std::fs::write(
        &broken_plugins,
        "[items.vehicle-inspection-exemption]\ncomponent = \"gone.wasm\"\ndepartment = \"x\"\n",
    )
    .unwrap();

    // Act
    let sound = yiwang(
        &["doctor", "--holidays", &this_year, "--data-dir"],
        &[&data, Path::new("--plugins"), &plugins],
    );
    let broken = yiwang(
        &["doctor", "--holidays", "2026-13-01", "--data-dir"],
        &[
            &dir.path().join("nowhere"),
            Path::new("--plugins"),
            &broken_plugins,
        ],
    );

    // Assert
    let report = String::from_utf8_lossy(&sound.stdout);
    assert!(sound.status.success(), "{report}");
    for check in [
        "data directory",
        "database",
        "clock",
        "plugins.toml",
        "artifact cache",
        "holidays",
    ] {
        assert!(
            report.contains(&format!("ok   {check}: ")),
            "{check} in {report}"
        );
    }
    let report = String::from_utf8_lossy(&broken.stdout);
    assert!(!broken.status.success(), "{report}");
    for fault in [
        "FAIL data directory: ",
        "FAIL database: no database at ",
        "FAIL plugins.toml: component files missing: vehicle-inspection-exemption: ",
        "FAIL holidays: `2026-13-01` is not a YYYY-MM-DD date",
    ] {
        assert!(report.contains(fault), "{fault} in {report}");
    }
    assert!(
        !dir.path().join("nowhere").exists(),
        "the doctor created nothing"
    );
}
