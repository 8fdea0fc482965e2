//! Hostile items (`tests/plugins/`): each misbehaves in one way, fails its call with its own error
//! code and an audit entry, stores nothing, and leaves the host serving everyone else.
//!
//! The loop and the memory hog are in `limits.rs`; this covers deep recursion, a panic, a huge
//! return value, a flood of host calls, a wall-clock budget spent in host calls, an ungranted
//! dataset lookup, an ungranted certificate kind, reading another item's records, an enormous
//! `describe()` and one with an invalid form schema; and the host's memory after all of them.

use std::net::TcpListener;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use reqwest::StatusCode;
use serde_json::json;
use yiwang_host::config::Settings;

use crate::helpers::{
    CITIZEN, CITIZEN_ID, DEEP_RECURSION_ITEM, HOST_CALL_FLOOD_ITEM, HUGE_OUTPUT_ITEM,
    INFINITE_LOOP_ITEM, MEMORY_HOG_ITEM, OTHER_ITEMS_RECORDS_ITEM, PANICS_ITEM, PASSWORD, TestApp,
    UNGRANTED_CERTIFICATE_ITEM, UNGRANTED_LOOKUP_ITEM, VEHICLE_ITEM, WALL_CLOCK_BURN_ITEM,
    error_body, field_errors, find, json_body, spawn_app, spawn_app_with, write_test_plugins_toml,
};

/// Items refused at load, each only in the app of its own test, since every other test expects
/// every item of the plugins file to load: a `describe()` too big, and one with an invalid form
/// schema.
const HOSTILE_DESCRIBE_ITEM: &str = "hostile-describe";
const INVALID_SCHEMA_ITEM: &str = "invalid-schema";

/// Submits an empty form to `item`, which must fail with 502 and `code`, audited once as
/// `item.call_failed` and with nothing stored; returns the audit detail.
async fn assert_call_fails(app: &TestApp, item: &str, code: &str) -> String {
    let token = app.login(CITIZEN, PASSWORD).await;
    let before = app.stored().await;

    let response = app.submit(&token, item, json!({})).await;

    error_body(response, StatusCode::BAD_GATEWAY, code).await;
    assert_eq!(app.stored().await, before);
    let details = audit_details(app, "item.call_failed", item).await;
    assert_eq!(details.len(), 1, "{details:?}");
    assert!(details[0].contains(code), "{details:?}");
    assert_eq!(app.get("/healthz", None).await.status(), StatusCode::OK);
    details[0].clone()
}

async fn audit_details(app: &TestApp, action: &str, target: &str) -> Vec<String> {
    sqlx::query_scalar("SELECT detail FROM audit_log WHERE action = $1 AND target = $2 ORDER BY id")
        .bind(action)
        .bind(target)
        .fetch_all(&app.db)
        .await
        .unwrap()
}

#[tokio::test]
async fn unbounded_recursion_fails_502_stack_overflow_and_is_audited() {
    let app = spawn_app().await;
    assert_call_fails(&app, DEEP_RECURSION_ITEM, "stack_overflow").await;
}

#[tokio::test]
async fn a_panic_fails_502_trap_with_the_panic_message_in_the_audit_log() {
    let app = spawn_app().await;
    let detail = assert_call_fails(&app, PANICS_ITEM, "trap").await;
    assert!(
        detail.contains("hostile item panicked on purpose"),
        "{detail}"
    );
}

#[tokio::test]
async fn a_huge_return_value_fails_502_output_too_large_and_is_audited() {
    let app = spawn_app().await;
    let detail = assert_call_fails(&app, HUGE_OUTPUT_ITEM, "output_too_large").await;
    assert!(detail.contains("65536"), "{detail}");
}

#[tokio::test]
async fn a_flood_of_host_calls_fails_502_host_call_limit_and_is_audited() {
    let app = spawn_app().await;
    let detail = assert_call_fails(&app, HOST_CALL_FLOOD_ITEM, "host_call_limit").await;
    assert!(detail.contains("100"), "{detail}");
}

#[tokio::test]
async fn a_call_that_spends_its_wall_clock_in_host_calls_fails_502_timeout_and_is_audited() {
    // The item's CPU limit (5 s) is far above its wall-clock limit (300 ms) and its host-call
    // limit out of reach, so only the wall clock can stop it.
    let app = spawn_app().await;
    let detail = assert_call_fails(&app, WALL_CLOCK_BURN_ITEM, "timeout").await;
    assert!(detail.contains("300 ms"), "{detail}");
    assert_eq!(app.count("item_records").await, 0);
    assert_eq!(app.count("data_use_log").await, 0);
}

/// Submits an empty form to `item` (contract 0.2.0), whose host call must be denied: the item
/// was told "denied" and failed `submit` with the `item-error` it is — answered 502 `item_failed`
/// naming the call and the denial, not a 422 as if the applicant could correct the form — the
/// denial is audited once as `item.capability_denied` with `naming` in its detail, and nothing
/// was stored. Returns the error.
async fn assert_denied(app: &TestApp, item: &str, naming: &str) -> serde_json::Value {
    let token = app.login(CITIZEN, PASSWORD).await;
    let before = app.stored().await;

    let response = app.submit(&token, item, json!({})).await;

    let error = error_body(response, StatusCode::BAD_GATEWAY, "item_failed").await;
    let message = error["message"].as_str().unwrap_or_default();
    assert!(message.contains(": denied: "), "{error}");
    assert!(
        error.get("fields").is_none(),
        "no field to correct: {error}"
    );
    let details = audit_details(app, "item.capability_denied", item).await;
    assert_eq!(details.len(), 1, "{details:?}");
    assert!(details[0].contains(naming), "{details:?}");
    assert_eq!(app.stored().await, before);
    assert_eq!(app.get("/healthz", None).await.status(), StatusCode::OK);
    error
}

#[tokio::test]
async fn an_ungranted_dataset_is_denied_unread_and_audited_as_capability_denied() {
    let app = spawn_app().await;

    assert_denied(&app, UNGRANTED_LOOKUP_ITEM, "household-registry").await;

    // Nothing was read: the ledger has no row of the dataset or the item.
    let reads: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM data_use_log WHERE dataset = 'household-registry' OR item_code = $1",
    )
    .bind(UNGRANTED_LOOKUP_ITEM)
    .fetch_one(&app.db)
    .await
    .unwrap();
    assert_eq!(reads, 0);
}

#[tokio::test]
async fn an_ungranted_certificate_kind_is_denied_unread_and_audited_as_capability_denied() {
    // Arrange: 张三 holds an inspection mark; the item may read business licences only
    let app = spawn_app().await;
    app.write_behind_the_hosts_back(
        "INSERT INTO certificates (serial, kind, holder, data, issued_on, valid_until, item_code, created_at)
         VALUES ($1, 'inspection-mark', $2, '{}', '2026-01-05', NULL, $3, '2026-01-05T00:00:00.000Z')",
        &["INSPECTION-MARK-20260105-0000BEEF", CITIZEN_ID, VEHICLE_ITEM],
    )
    .await;

    // Act + Assert: denied, naming the kind, and the certificate was not read
    let error = assert_denied(&app, UNGRANTED_CERTIFICATE_ITEM, "read inspection-mark").await;
    assert!(!error.to_string().contains("0000BEEF"), "{error}");
}

#[tokio::test]
async fn an_item_cannot_read_another_items_records() {
    // Arrange: the vehicle item keeps a record (written as its own would be stored)
    let app = spawn_app().await;
    app.write_behind_the_hosts_back(
        "INSERT INTO item_records (item_code, key, value, updated_at) VALUES ($1, $2, $3, $4)",
        &[
            VEHICLE_ITEM,
            "secret",
            "vehicle item's private value",
            "2026-01-01T00:00:00Z",
        ],
    )
    .await;
    let token = app.login(CITIZEN, PASSWORD).await;
    let before = app.stored().await;

    // Act: the hostile item tries the key as is and as a path out of its own scope
    let response = app
        .submit(&token, OTHER_ITEMS_RECORDS_ITEM, json!({}))
        .await;

    // Assert
    let error = error_body(response, StatusCode::UNPROCESSABLE_ENTITY, "ineligible").await;
    assert_eq!(
        field_errors(&error),
        [(String::new(), "saw-nothing".to_string())],
        "{error}"
    );
    assert!(!error.to_string().contains("private value"), "{error}");
    assert_eq!(app.stored().await, before);
    let vehicles: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM item_records WHERE item_code = $1")
            .bind(VEHICLE_ITEM)
            .fetch_one(&app.db)
            .await
            .unwrap();
    assert_eq!(vehicles, 1, "the vehicle item's record is untouched");
}

/// The test `plugins.toml` plus the hostile test item `code`, which must fail to load, as a file
/// of its own.
fn with_item_refused_at_load(settings: &mut Settings, code: &str) {
    let component = Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("the host crate is in the workspace")
        .join("target/wasm32-wasip2/guest")
        .join(format!("yiwang_test_{}.wasm", code.replace('-', "_")));
    assert!(
        component.is_file(),
        "{} is missing: run `cargo xtask build` first",
        component.display()
    );
    let base = std::fs::read_to_string(settings.data_dir.join("plugins.toml"))
        .expect("reading the test plugins.toml");
    let text = format!(
        "{base}\n[items.{code}]\ncomponent = {}\ndepartment = \"test-lab\"\n\
         limits = {{ memory_mib = 64, cpu_ms = 1000, wall_ms = 5000 }}\n",
        toml::Value::String(component.display().to_string())
    );
    let path = settings.data_dir.join("plugins-hostile.toml");
    std::fs::write(&path, text).expect("writing plugins-hostile.toml");
    settings.plugins = path;
}

/// The item `code` is out of the catalog, its load failure is the only one and is audited once;
/// returns the audit detail.
async fn assert_refused_at_load(app: &TestApp, code: &str) -> String {
    let details = audit_details(app, "item.load_failed", code).await;
    assert_eq!(details.len(), 1, "{details:?}");
    let list = json_body(app.get("/api/v1/items", None).await, StatusCode::OK).await;
    assert!(find(&list, "code", code).is_empty(), "{list}");
    assert_eq!(
        app.get(&format!("/api/v1/items/{code}"), None)
            .await
            .status(),
        StatusCode::NOT_FOUND
    );
    let failures: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM audit_log WHERE action = 'item.load_failed'")
            .fetch_one(&app.db)
            .await
            .unwrap();
    assert_eq!(failures, 1);
    assert_eq!(find(&list, "code", VEHICLE_ITEM).len(), 1, "{list}");
    details[0].clone()
}

#[tokio::test]
async fn an_enormous_describe_is_refused_at_load_and_the_other_items_serve() {
    // Arrange + Act: the host starts with the item in its plugins file
    let app = spawn_app_with(|s| with_item_refused_at_load(s, HOSTILE_DESCRIBE_ITEM)).await;

    // Assert: refused at load, audited, not listed, and everything else loaded and serves.
    let detail = assert_refused_at_load(&app, HOSTILE_DESCRIBE_ITEM).await;
    assert!(
        detail.contains("output limit") || detail.contains("invalid catalog entry"),
        "{detail}"
    );
    let token = app.login(CITIZEN, PASSWORD).await;
    let number = app.apply_for_eligible_vehicle(&token, false).await;
    assert_eq!(app.case_state(&number).await, "awaiting-pickup");
}

#[tokio::test]
async fn a_describe_with_an_invalid_form_schema_is_refused_at_load_and_the_other_items_serve() {
    // Arrange + Act: the host starts with the item in its plugins file
    let app = spawn_app_with(|s| with_item_refused_at_load(s, INVALID_SCHEMA_ITEM)).await;

    // Assert: refused for its catalog entry, naming the form schema …
    let detail = assert_refused_at_load(&app, INVALID_SCHEMA_ITEM).await;
    assert!(detail.contains(": invalid_catalog: "), "{detail}");
    assert!(detail.contains("form schema"), "{detail}");
    let versions: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM item_versions WHERE item_code = $1")
            .bind(INVALID_SCHEMA_ITEM)
            .fetch_one(&app.db)
            .await
            .unwrap();
    assert_eq!(versions, 0);
    // … and applications from several clients at once go through.
    let applicants = app.citizens_with_eligible_vehicles(3, 3).await;
    let vehicles = futures::future::join_all(
        applicants
            .iter()
            .map(|(token, vehicle)| app.apply_on_own_client(token, vehicle)),
    )
    .await;
    app.assert_only_vehicle_applications_went_through(vehicles)
        .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn vehicle_applications_from_other_clients_succeed_while_every_hostile_item_misbehaves() {
    // Arrange: three citizens, each with an eligible car, on a client of their own
    let app = spawn_app().await;
    let hostile = app.login(CITIZEN, PASSWORD).await;
    let applicants = app.citizens_with_eligible_vehicles(3, 2).await;
    let expected = [
        (
            DEEP_RECURSION_ITEM,
            StatusCode::BAD_GATEWAY,
            "stack_overflow",
        ),
        (PANICS_ITEM, StatusCode::BAD_GATEWAY, "trap"),
        (
            HUGE_OUTPUT_ITEM,
            StatusCode::BAD_GATEWAY,
            "output_too_large",
        ),
        (
            HOST_CALL_FLOOD_ITEM,
            StatusCode::BAD_GATEWAY,
            "host_call_limit",
        ),
        (WALL_CLOCK_BURN_ITEM, StatusCode::BAD_GATEWAY, "timeout"),
        (
            UNGRANTED_LOOKUP_ITEM,
            StatusCode::BAD_GATEWAY,
            "item_failed",
        ),
        (
            UNGRANTED_CERTIFICATE_ITEM,
            StatusCode::BAD_GATEWAY,
            "item_failed",
        ),
        (
            OTHER_ITEMS_RECORDS_ITEM,
            StatusCode::UNPROCESSABLE_ENTITY,
            "ineligible",
        ),
    ];

    // Act
    let (hostile_responses, vehicles) = tokio::join!(
        futures::future::join_all(expected.iter().map(|(item, _, _)| app.submit(
            &hostile,
            item,
            json!({})
        ))),
        futures::future::join_all(
            applicants
                .iter()
                .map(|(token, vehicle)| app.apply_on_own_client(token, vehicle))
        ),
    );

    // Assert: each hostile call failed with its own code …
    for ((item, status, code), response) in expected.iter().zip(hostile_responses) {
        let body = json_body(response, *status).await;
        assert_eq!(body["error"]["code"], *code, "{item}: {body}");
    }
    // … and every vehicle application went through.
    app.assert_only_vehicle_applications_went_through(vehicles)
        .await;
}

// --- memory after hostile calls

/// Every hostile case that fails a call, with the status and the codes its call may fail with.
const HOSTILE_CALLS: [(&str, StatusCode, &[&str]); 10] = [
    (
        INFINITE_LOOP_ITEM,
        StatusCode::BAD_GATEWAY,
        &["cpu_limit", "timeout"],
    ),
    (MEMORY_HOG_ITEM, StatusCode::BAD_GATEWAY, &["memory_limit"]),
    (
        DEEP_RECURSION_ITEM,
        StatusCode::BAD_GATEWAY,
        &["stack_overflow"],
    ),
    (PANICS_ITEM, StatusCode::BAD_GATEWAY, &["trap"]),
    (
        HUGE_OUTPUT_ITEM,
        StatusCode::BAD_GATEWAY,
        &["output_too_large"],
    ),
    (
        HOST_CALL_FLOOD_ITEM,
        StatusCode::BAD_GATEWAY,
        &["host_call_limit"],
    ),
    (WALL_CLOCK_BURN_ITEM, StatusCode::BAD_GATEWAY, &["timeout"]),
    (
        UNGRANTED_LOOKUP_ITEM,
        StatusCode::BAD_GATEWAY,
        &["item_failed"],
    ),
    (
        UNGRANTED_CERTIFICATE_ITEM,
        StatusCode::BAD_GATEWAY,
        &["item_failed"],
    ),
    (
        OTHER_ITEMS_RECORDS_ITEM,
        StatusCode::UNPROCESSABLE_ENTITY,
        &["ineligible"],
    ),
];

/// Rounds of every hostile call before the baseline is taken: the first calls fill what a host
/// keeps on purpose (instance pool slots, connection pools, the allocator's arenas, which keep a
/// huge return value's 8 MiB once they have served one).
const WARM_UP_ROUNDS: usize = 3;
/// Rounds after the baseline.
const ROUNDS: usize = 10;
/// How far above the baseline the resident memory may end. A leak would add far more: leaking one
/// memory hog's instance (32 MiB) or one huge return value (8 MiB) per call adds 80 MiB or more
/// over the rounds, and any leak of 1.6 MiB or more per round shows. A healthy host adds far
/// less: measured on a 2-core machine, under 0.1 MiB over the rounds, every page it needs having
/// been touched in the warm-up. 16 MiB is room for the allocator to keep two more of the largest
/// buffers a hostile call makes the host hold, and still a fifth of the smallest leak above.
const RSS_MARGIN_KIB: u64 = 16 * 1024;

/// The `yiwang` binary serving the test plugins file on its own data directory, so that its
/// resident memory is its own and not that of the other tests running in this process. It runs
/// with two worker threads and two allocator arenas, so that what the allocator keeps for reuse
/// is bounded the same on any machine (an arena per core could each keep a huge return value).
/// Killed when dropped.
struct HostProcess {
    child: Child,
    address: String,
    _dir: tempfile::TempDir,
}

impl HostProcess {
    async fn start() -> HostProcess {
        const BINARY: &str = env!("CARGO_BIN_EXE_yiwang");
        let dir = tempfile::Builder::new()
            .prefix("yiwang-memory-")
            .tempdir()
            .unwrap();
        write_test_plugins_toml(dir.path());
        let seeded = Command::new(BINARY)
            .args(["demo", "seed", "--data-dir"])
            .arg(dir.path())
            .output()
            .expect("running yiwang demo seed");
        assert!(seeded.status.success(), "{seeded:?}");
        let port = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let child = Command::new(BINARY)
            .args(["serve", "--listen", &format!("127.0.0.1:{port}")])
            .arg("--data-dir")
            .arg(dir.path())
            .arg("--plugins")
            .arg(dir.path().join("plugins.toml"))
            .env("RUST_LOG", "warn")
            .env("TOKIO_WORKER_THREADS", "2")
            .env("MALLOC_ARENA_MAX", "2")
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(dir.path().join("server.log")).unwrap())
            .spawn()
            .expect("starting yiwang serve");
        let host = HostProcess {
            child,
            address: format!("http://127.0.0.1:{port}"),
            _dir: dir,
        };
        // Every component is compiled at start: allow for a slow machine.
        let deadline = Instant::now() + Duration::from_secs(300);
        let client = reqwest::Client::new();
        while !client
            .get(format!("{}/healthz", host.address))
            .send()
            .await
            .is_ok_and(|r| r.status().is_success())
        {
            assert!(Instant::now() < deadline, "the host did not come up");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        host
    }

    /// VmRSS of the host process, KiB.
    fn resident_kib(&self) -> u64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id()))
            .expect("reading the host's /proc status");
        status
            .lines()
            .find_map(|line| line.strip_prefix("VmRSS:"))
            .and_then(|value| value.trim().strip_suffix("kB"))
            .and_then(|value| value.trim().parse().ok())
            .unwrap_or_else(|| panic!("no VmRSS in {status}"))
    }

    /// One call of every hostile case, one after the other, each failing as it must.
    async fn hostile_round(&self, client: &reqwest::Client, token: &str) {
        for (item, status, codes) in HOSTILE_CALLS {
            let response = client
                .post(format!("{}/api/v1/items/{item}/applications", self.address))
                .bearer_auth(token)
                .json(&json!({ "form": {} }))
                .send()
                .await
                .expect("sending a hostile application");
            let body = json_body(response, status).await;
            let code = body["error"]["code"].as_str().unwrap_or_default();
            assert!(codes.contains(&code), "{item}: {body}");
        }
    }
}

impl Drop for HostProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[tokio::test]
async fn the_hosts_memory_returns_near_its_baseline_after_every_hostile_case_again_and_again() {
    // Arrange: a host of its own, warmed up by every hostile case
    let host = HostProcess::start().await;
    let client = reqwest::Client::new();
    let login = client
        .post(format!("{}/api/v1/auth/login", host.address))
        .json(&json!({ "login": CITIZEN, "password": PASSWORD }))
        .send()
        .await
        .expect("logging in");
    let token = json_body(login, StatusCode::OK).await["token"]
        .as_str()
        .expect("a token")
        .to_string();
    for _ in 0..WARM_UP_ROUNDS {
        host.hostile_round(&client, &token).await;
    }
    let baseline = host.resident_kib();

    // Act
    for _ in 0..ROUNDS {
        host.hostile_round(&client, &token).await;
    }
    let after = host.resident_kib();

    // Assert
    assert!(
        after <= baseline + RSS_MARGIN_KIB,
        "resident memory grew from {baseline} KiB to {after} KiB over {ROUNDS} rounds of {} hostile calls",
        HOSTILE_CALLS.len()
    );
    let health = client
        .get(format!("{}/healthz", host.address))
        .send()
        .await
        .expect("asking for health");
    assert_eq!(health.status(), StatusCode::OK);
}
