//! The department's kit as a department developer uses it, one language at a time: `yiwang plugin
//! new`, `build` and `test` on the developer's machine, then the key, the signature and the upload
//! to a running server, a preview case, the admin's publish and a citizen's application — each
//! step through the `yiwang` binary or the HTTP API, and checked in the database. Also a real case
//! exported as a fixture (`yiwang plugin fixture`) and replayed by `yiwang plugin test`.

use std::path::{Path, PathBuf};

use reqwest::StatusCode;
use serde_json::{Value, json};
use yiwang_host::model::actor::Role;
use yiwang_host::model::fixture::Fixture;

use crate::cli::{data_args, printed_json, stderr, stdout, text, yiwang, yiwang_with_env};
use crate::helpers::{
    ADMIN, CITIZEN, CITIZEN_ID, CITIZEN_NAME, PASSWORD, REVIEWER, component, id_number, json_body,
    spawn_app, spawn_app_with, workspace_root,
};

const KIT_DEPARTMENT: &str = "dongguan-kit-trial";

/// `yiwang plugin new CODE --lang LANG …` into `dir`, then `yiwang plugin build`; the component.
async fn new_and_build(lang: &str, code: &str, dir: &Path) -> PathBuf {
    let made = yiwang(&[
        "plugin",
        "new",
        code,
        "--lang",
        lang,
        "--department",
        KIT_DEPARTMENT,
        "--name",
        "居住证咨询",
        "--dir",
        text(dir),
    ])
    .await;
    assert!(made.status.success(), "plugin new: {}", stderr(&made));
    // Rust items share one target folder across runs, so cargo builds their dependencies once.
    let rust_target = workspace_root().join("target/kit/rust-items");
    let built = yiwang_with_env(
        &["plugin", "build", text(dir)],
        &[("CARGO_TARGET_DIR", text(&rust_target))],
    )
    .await;
    assert!(
        built.status.success(),
        "plugin build ({lang}): {}\n{}",
        stdout(&built),
        stderr(&built)
    );
    let component = dir.join("target/item.wasm");
    assert!(component.is_file(), "{}", stdout(&built));
    component
}

/// `yiwang plugin test` of `component` on the fixtures in `fixtures`.
async fn plugin_test(component: &Path, fixtures: &Path) -> std::process::Output {
    yiwang(&[
        "plugin",
        "test",
        text(component),
        "--fixtures",
        text(fixtures),
    ])
    .await
}

/// The first fixture of `dir` that submits and expects the application to be taken.
fn accepted_fixture(dir: &Path) -> Fixture {
    let mut paths: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    paths.sort();
    paths
        .iter()
        .map(|p| serde_json::from_str::<Fixture>(&std::fs::read_to_string(p).unwrap()).unwrap())
        .find(|f| f.call.as_str() == "submit" && f.expect.outcome == "ok" && f.actor.is_none())
        .expect("the template has a fixture of an accepted application")
}

/// A server whose requests may take as long as compiling a JavaScript or Python component does
/// on a loaded machine (tens of seconds, in the upload's request).
pub(crate) async fn spawn_app_for_big_components() -> crate::helpers::TestApp {
    spawn_app_with(|s| s.request_timeout = std::time::Duration::from_secs(600)).await
}

async fn from_plugin_new_to_a_citizens_application(lang: &str) {
    // Arrange: a server, and a folder for the developer's work
    let app = spawn_app_for_big_components().await;
    let work = tempfile::tempdir().unwrap();
    let code = format!("residence-advice-{lang}");
    let item_dir = work.path().join(&code);
    // Act: new, build, test on the developer's machine
    let component = new_and_build(lang, &code, &item_dir).await;
    let tested = plugin_test(&component, &item_dir.join("fixtures")).await;

    // Assert: every generated fixture passes, each printed with its host calls
    let printed = stdout(&tested);
    assert!(tested.status.success(), "{printed}\n{}", stderr(&tested));
    assert!(printed.contains(" 0 failed"), "{printed}");
    assert!(!printed.contains("FAIL "), "{printed}");
    assert!(
        printed.contains("registries.lookup household-registry/"),
        "{printed}"
    );
    assert!(printed.contains("instructions"), "{printed}");

    // Act: the key pair, the department with its public key, its developer and reviewer, and
    // the item registered with its grants
    let key = work.path().join("dept.key");
    let keygen = yiwang(&["plugin", "keygen", "--out", text(&key)]).await;
    assert!(keygen.status.success(), "{}", stderr(&keygen));
    let public = work.path().join("dept.key.pub");
    let mut dept_add = vec![
        "dept",
        "add",
        "--code",
        KIT_DEPARTMENT,
        "--name",
        "试点部门",
    ];
    dept_add.extend(["--public-key", text(&public)]);
    let data = data_args(&app);
    dept_add.extend(data.iter().map(String::as_str));
    let added = yiwang(&dept_add).await;
    assert!(added.status.success(), "{}", stderr(&added));
    app.add_user(
        "kit.developer",
        Role::Developer,
        Some(KIT_DEPARTMENT),
        "开发员",
        None,
    )
    .await;
    // The reviewer tries the item as an applicant would: with an ID number of her own.
    let reviewer_id = id_number(7);
    app.add_user(
        "kit.reviewer",
        Role::Reviewer,
        Some(KIT_DEPARTMENT),
        "审核员",
        Some(&reviewer_id),
    )
    .await;

    json_body(
        app.register_item(&code, KIT_DEPARTMENT).await,
        StatusCode::CREATED,
    )
    .await;
    let admin = app.login(ADMIN, PASSWORD).await;
    let grants = json!({ "registries": ["household-registry"], "notify": true });
    let granted = app
        .put(
            &format!("/api/v1/admin/items/{code}/grants"),
            &admin,
            &grants,
        )
        .await;
    json_body(granted, StatusCode::OK).await;

    // Act: signed and uploaded with the CLI
    let signed = yiwang(&["plugin", "sign", "--key", text(&key), text(&component)]).await;
    assert!(signed.status.success(), "{}", stderr(&signed));
    let developer = app.login("kit.developer", PASSWORD).await;
    let uploaded = yiwang(&[
        "plugin",
        "upload",
        "--server",
        app.address.as_str(),
        "--token",
        developer.as_str(),
        "--item",
        code.as_str(),
        text(&component),
    ])
    .await;
    let staged = printed_json(&uploaded);
    assert_eq!(staged["status"], "staged", "{staged}");
    let sha256 = staged["sha256"].as_str().unwrap().to_owned();

    // Act: the reviewer tries it (preview) with the fixture's form and registry record
    let fixture = accepted_fixture(&item_dir.join("fixtures"));
    // The fixture's records, for the citizen and (the same data) for the reviewer.
    for (dataset, records) in &fixture.registries {
        for (key, record) in records {
            for (key, subject) in [
                (key.as_str(), record.subject_id.as_deref()),
                (reviewer_id.as_str(), Some(reviewer_id.as_str())),
            ] {
                yiwang_host::admin::put_registry_record(
                    &app.storage,
                    dataset,
                    key,
                    subject,
                    record.data.clone(),
                )
                .await
                .unwrap();
            }
        }
    }
    let form = fixture.form.clone().unwrap();
    let reviewer = app.login("kit.reviewer", PASSWORD).await;
    let previewed = app
        .post(
            &format!("/api/v1/dept/items/{code}/versions/0.1.0/preview"),
            Some(&reviewer),
            &json!({ "form": form }),
        )
        .await;
    let preview = json_body(previewed, StatusCode::CREATED).await;
    assert_eq!(preview["preview"], true, "{preview}");

    // Act: published and enabled; the citizen applies
    app.publish_and_enable(&code, "0.1.0").await;
    let citizen = app.login(CITIZEN, PASSWORD).await;
    let applied = app.submit(&citizen, &code, form).await;

    // Assert: the case is stored on the uploaded version, with what the item derived from the
    // registry, its read in the ledger and its notification queued
    let submitted = json_body(applied, StatusCode::CREATED).await;
    let number = submitted["number"].as_str().unwrap();
    let case = app.case_row(number).await;
    assert_eq!(case.item_sha256, sha256);
    let derived: Value = serde_json::from_str(&case.derived).unwrap();
    let expected = fixture.expect.output.clone().unwrap_or(json!({}));
    assert!(
        yiwang_host::model::fixture::json_contains(&derived, &expected),
        "{derived} should hold {expected}"
    );
    let reads: Vec<(String, String)> = sqlx::query_as(
        "SELECT dataset, item_code FROM data_use_log WHERE case_number = $1 ORDER BY id",
    )
    .bind(number)
    .fetch_all(&app.db)
    .await
    .unwrap();
    assert_eq!(reads, vec![("household-registry".to_owned(), code.clone())]);
    assert_eq!(app.count_for_case("outbox", number).await, 1);
}

#[tokio::test]
async fn a_rust_item_goes_from_plugin_new_to_a_citizens_application() {
    from_plugin_new_to_a_citizens_application("rust").await;
}

#[tokio::test]
async fn a_javascript_item_goes_from_plugin_new_to_a_citizens_application() {
    from_plugin_new_to_a_citizens_application("js").await;
}

#[tokio::test]
async fn a_python_item_goes_from_plugin_new_to_a_citizens_application() {
    from_plugin_new_to_a_citizens_application("python").await;
}

#[tokio::test]
async fn a_fixture_that_expects_another_outcome_fails_plugin_test_naming_the_difference() {
    // Arrange: the shipped vehicle item and a fixture that expects the wrong thing
    let dir = tempfile::tempdir().unwrap();
    let fixture = json!({
        "call": "submit",
        "form": {"plate_number": "粤S12345"},
        "expect": {"outcome": "ok", "notifications": 1}
    });
    std::fs::write(dir.path().join("wrong.json"), fixture.to_string()).unwrap();
    let vehicle = component("yiwang_item_vehicle_inspection_exemption");

    // Act
    let tested = plugin_test(&vehicle, dir.path()).await;

    // Assert
    let printed = stdout(&tested);
    assert!(!tested.status.success(), "{printed}");
    assert!(printed.contains("FAIL wrong.json"), "{printed}");
    assert!(
        printed.contains("expected outcome: expected ok, got fields"),
        "{printed}"
    );
    assert!(
        printed.contains("1 fixtures: 0 passed, 1 failed"),
        "{printed}"
    );
}

#[tokio::test]
async fn a_real_case_exported_as_a_fixture_is_masked_and_replays_with_plugin_test() {
    // Arrange: a citizen's vehicle application on the running server
    let app = spawn_app().await;
    let citizen = app.login(CITIZEN, PASSWORD).await;
    let number = app.apply_for_eligible_vehicle(&citizen, false).await;
    let reviewer = app.login(REVIEWER, PASSWORD).await;
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("complaint.json");

    // Act: the vehicle office exports it, and replays it on the component it was submitted to
    let exported = yiwang(&[
        "plugin",
        "fixture",
        number.as_str(),
        "--server",
        app.address.as_str(),
        "--token",
        reviewer.as_str(),
        "--out",
        text(&out),
    ])
    .await;
    assert!(exported.status.success(), "{}", stderr(&exported));
    let vehicle = component("yiwang_item_vehicle_inspection_exemption");
    let replayed = plugin_test(&vehicle, dir.path()).await;

    // Assert: nothing that names the applicant, and the replay passes with the same reads
    let written = std::fs::read_to_string(&out).unwrap();
    assert!(!written.contains(CITIZEN_ID), "{written}");
    assert!(!written.contains(CITIZEN_NAME), "{written}");
    let fixture: Fixture = serde_json::from_str(&written).unwrap();
    let reads = fixture.expect.reads.clone().unwrap();
    assert!(
        reads.iter().any(|r| r.starts_with("vehicle-registry/")),
        "{reads:?}"
    );
    assert!(fixture.expect.output.is_some(), "{written}");
    let printed = stdout(&replayed);
    assert!(
        replayed.status.success(),
        "{printed}\n{}",
        stderr(&replayed)
    );
    assert!(printed.contains("PASS complaint.json"), "{printed}");
}

#[tokio::test]
async fn only_the_items_own_department_may_export_a_case_as_a_fixture() {
    // Arrange
    let app = spawn_app().await;
    let citizen = app.login(CITIZEN, PASSWORD).await;
    let number = app.apply_for_eligible_vehicle(&citizen, false).await;
    let path = format!("/api/v1/dept/cases/{number}/fixture");
    let education = app.login("education", PASSWORD).await;
    let admin = app.login(ADMIN, PASSWORD).await;
    let audit_before = app.count("audit_log").await;

    // Act
    let by_citizen = app.get(&path, Some(&citizen)).await;
    let by_other_department = app.get(&path, Some(&education)).await;
    let by_admin = app.get(&path, Some(&admin)).await;
    let unknown = app
        .get(
            "/api/v1/dept/cases/YW-20260101-999999/fixture",
            Some(&admin),
        )
        .await;

    // Assert
    assert_eq!(by_citizen.status(), StatusCode::FORBIDDEN);
    assert_eq!(by_other_department.status(), StatusCode::NOT_FOUND);
    assert_eq!(by_admin.status(), StatusCode::FORBIDDEN);
    assert_eq!(unknown.status(), StatusCode::NOT_FOUND);
    assert_eq!(app.count("audit_log").await, audit_before);
}
