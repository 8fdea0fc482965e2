//! The platform admin's API: switching an item off and on at once, without a restart, for
//! citizens only (open cases are finished), the audit log over the API, and `yiwang audit verify`
//! catching an entry edited behind the host's back.

use reqwest::{Response, StatusCode};
use serde_json::{Value, json};
use yiwang_host::storage::Backend;

use crate::helpers::{
    ADMIN, CITIZEN, COURIER_TOKEN, PASSWORD, REVIEWER, TestApp, VEHICLE_ITEM, eligible_form,
    error_body, find, json_body, spawn_app,
};

/// `POST /api/v1/admin/items/{code}/{switch}` (`enable` or `disable`).
async fn switch(app: &TestApp, token: Option<&str>, code: &str, switch: &str) -> Response {
    app.post(
        &format!("/api/v1/admin/items/{code}/{switch}"),
        token,
        &json!({}),
    )
    .await
}

/// The item's stored `enabled` flag (1 or 0).
async fn stored_enabled(app: &TestApp, code: &str) -> i64 {
    sqlx::query_scalar("SELECT enabled FROM items WHERE code = $1")
        .bind(code)
        .fetch_one(&app.db)
        .await
        .unwrap()
}

/// `(actor, action, target)` of the stored audit entries about items being switched, oldest first.
async fn stored_switches(app: &TestApp) -> Vec<(String, String, String)> {
    sqlx::query_as(
        "SELECT actor, action, target FROM audit_log
         WHERE action IN ('item.enable', 'item.disable') ORDER BY id",
    )
    .fetch_all(&app.db)
    .await
    .unwrap()
}

/// What an audit entry by the demo admin about the vehicle item looks like.
async fn by_admin(app: &TestApp, actions: &[&str]) -> Vec<(String, String, String)> {
    let actor = format!("admin:{}", app.user_id(ADMIN).await);
    actions
        .iter()
        .map(|action| (actor.clone(), action.to_string(), VEHICLE_ITEM.to_string()))
        .collect()
}

/// The catalog's `enabled` for the item, in the list and in its own entry.
async fn catalog_enabled(app: &TestApp, code: &str) -> (Value, Value) {
    let list = json_body(app.get("/api/v1/items", None).await, StatusCode::OK).await;
    let listed = find(&list, "code", code);
    assert_eq!(listed.len(), 1, "{list}");
    let entry = json_body(
        app.get(&format!("/api/v1/items/{code}"), None).await,
        StatusCode::OK,
    )
    .await;
    (listed[0]["enabled"].clone(), entry["enabled"].clone())
}

#[tokio::test]
async fn a_disabled_item_refuses_citizens_applications_and_queries_with_503_and_stores_nothing() {
    // Arrange
    let app = spawn_app().await;
    let admin = app.login(ADMIN, PASSWORD).await;
    let citizen = app.login(CITIZEN, PASSWORD).await;
    let before = app.stored().await;

    // Act
    let response = switch(&app, Some(&admin), VEHICLE_ITEM, "disable").await;

    // Assert: switched off, stored and audited
    let body = json_body(response, StatusCode::OK).await;
    assert_eq!(
        (&body["code"], &body["enabled"]),
        (&json!(VEHICLE_ITEM), &json!(false))
    );
    assert_eq!(stored_enabled(&app, VEHICLE_ITEM).await, 0);
    assert_eq!(
        stored_switches(&app).await,
        by_admin(&app, &["item.disable"]).await
    );

    // Act: the very next application and query
    let applied = app
        .submit(&citizen, VEHICLE_ITEM, eligible_form(true))
        .await;
    let queried = app
        .post(
            &format!("/api/v1/items/{VEHICLE_ITEM}/query"),
            Some(&citizen),
            &json!({ "input": { "plate_number": "粤S12345" } }),
        )
        .await;

    // Assert: refused before the item ran; nothing stored, no registry read
    error_body(applied, StatusCode::SERVICE_UNAVAILABLE, "item_disabled").await;
    error_body(queried, StatusCode::SERVICE_UNAVAILABLE, "item_disabled").await;
    assert_eq!(app.stored().await, before);
    assert_eq!(app.count("data_use_log").await, 0);
}

#[tokio::test]
async fn a_disabled_item_stays_in_the_catalog_marked_enabled_false() {
    // Arrange
    let app = spawn_app().await;
    let admin = app.login(ADMIN, PASSWORD).await;

    // Act
    json_body(
        switch(&app, Some(&admin), VEHICLE_ITEM, "disable").await,
        StatusCode::OK,
    )
    .await;

    // Assert
    assert_eq!(
        catalog_enabled(&app, VEHICLE_ITEM).await,
        (json!(false), json!(false))
    );
    assert_eq!(stored_enabled(&app, VEHICLE_ITEM).await, 0);
}

#[tokio::test]
async fn an_open_case_of_a_disabled_item_is_still_read_collected_approved_and_delivered() {
    // Arrange: a case submitted while the item was enabled, then the item is disabled
    let app = spawn_app().await;
    let admin = app.login(ADMIN, PASSWORD).await;
    let citizen = app.login(CITIZEN, PASSWORD).await;
    let reviewer = app.login(REVIEWER, PASSWORD).await;
    let number = app.apply_for_eligible_vehicle(&citizen, true).await;
    json_body(
        switch(&app, Some(&admin), VEHICLE_ITEM, "disable").await,
        StatusCode::OK,
    )
    .await;

    // Act + Assert: the applicant still reads the case
    let view = app.application(&citizen, &number).await;
    assert_eq!(view["state"], "awaiting-pickup", "{view}");

    // Act + Assert: the courier collects the materials
    let pickup = app.tracking_number(&number, "pickup").await;
    let collected = json_body(
        app.courier_event(&pickup, "picked-up").await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(collected["case_state"], "under-review");

    // Act + Assert: the reviewer approves
    assert_eq!(
        app.act_ok(&reviewer, &number, "approve", None).await,
        "approved"
    );

    // Act + Assert: the courier delivers the mark, and the case is complete
    let shipment = app.tracking_number(&number, "shipment").await;
    let delivered = json_body(
        app.courier_event(&shipment, "delivered").await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(delivered["case_state"], "completed");
    assert_eq!(app.case_state(&number).await, "completed");
    assert_eq!(
        app.event_actions(&number).await,
        [
            "submit",
            "request-pickup",
            "picked-up",
            "approve",
            "delivered"
        ]
    );
    assert_eq!(app.count_for_case("certificates", &number).await, 1);
    assert_eq!(stored_enabled(&app, VEHICLE_ITEM).await, 0);
}

#[tokio::test]
async fn enabling_the_item_again_lets_applications_through_at_once() {
    // Arrange
    let app = spawn_app().await;
    let admin = app.login(ADMIN, PASSWORD).await;
    let citizen = app.login(CITIZEN, PASSWORD).await;
    json_body(
        switch(&app, Some(&admin), VEHICLE_ITEM, "disable").await,
        StatusCode::OK,
    )
    .await;

    // Act
    let response = switch(&app, Some(&admin), VEHICLE_ITEM, "enable").await;

    // Assert
    let body = json_body(response, StatusCode::OK).await;
    assert_eq!(
        (&body["code"], &body["enabled"]),
        (&json!(VEHICLE_ITEM), &json!(true))
    );
    let number = app.apply_for_eligible_vehicle(&citizen, true).await;
    assert_eq!(app.case_state(&number).await, "awaiting-pickup");
    assert_eq!(stored_enabled(&app, VEHICLE_ITEM).await, 1);
    assert_eq!(
        catalog_enabled(&app, VEHICLE_ITEM).await,
        (json!(true), json!(true))
    );
    assert_eq!(
        stored_switches(&app).await,
        by_admin(&app, &["item.disable", "item.enable"]).await
    );
}

#[tokio::test]
async fn only_an_admin_can_switch_an_item_others_get_401_or_403_and_nothing_changes() {
    // Arrange
    let app = spawn_app().await;
    let citizen = app.login(CITIZEN, PASSWORD).await;
    let reviewer = app.login(REVIEWER, PASSWORD).await;
    let before = app.stored().await;

    // Act
    let anonymous = switch(&app, None, VEHICLE_ITEM, "disable").await;
    let as_citizen = switch(&app, Some(&citizen), VEHICLE_ITEM, "disable").await;
    let as_reviewer = switch(&app, Some(&reviewer), VEHICLE_ITEM, "disable").await;
    let as_courier = switch(&app, Some(COURIER_TOKEN), VEHICLE_ITEM, "enable").await;

    // Assert: refused, and the item is served as before
    error_body(anonymous, StatusCode::UNAUTHORIZED, "unauthenticated").await;
    error_body(as_citizen, StatusCode::FORBIDDEN, "forbidden").await;
    error_body(as_reviewer, StatusCode::FORBIDDEN, "forbidden").await;
    error_body(as_courier, StatusCode::FORBIDDEN, "forbidden").await;
    assert_eq!(stored_enabled(&app, VEHICLE_ITEM).await, 1);
    assert!(stored_switches(&app).await.is_empty());
    assert_eq!(
        catalog_enabled(&app, VEHICLE_ITEM).await,
        (json!(true), json!(true))
    );
    assert_eq!(app.stored().await, before);
    app.apply_for_eligible_vehicle(&citizen, true).await;
}

#[tokio::test]
async fn switching_an_unknown_item_is_404_and_audits_nothing() {
    // Arrange
    let app = spawn_app().await;
    let admin = app.login(ADMIN, PASSWORD).await;

    // Act
    let disabled = switch(&app, Some(&admin), "no-such-item", "disable").await;
    let enabled = switch(&app, Some(&admin), "no-such-item", "enable").await;

    // Assert
    error_body(disabled, StatusCode::NOT_FOUND, "not_found").await;
    error_body(enabled, StatusCode::NOT_FOUND, "not_found").await;
    assert!(stored_switches(&app).await.is_empty());
    let rows: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM items WHERE code = $1")
        .bind("no-such-item")
        .fetch_one(&app.db)
        .await
        .unwrap();
    assert_eq!(rows, 0);
}

#[tokio::test]
async fn the_audit_api_lists_the_newest_entries_first_as_stored_for_admins_only() {
    // Arrange
    let app = spawn_app().await;
    let admin = app.login(ADMIN, PASSWORD).await;
    let reviewer = app.login(REVIEWER, PASSWORD).await;
    for action in ["disable", "enable", "disable"] {
        json_body(
            switch(&app, Some(&admin), VEHICLE_ITEM, action).await,
            StatusCode::OK,
        )
        .await;
    }

    // Act
    let all = app.get_json("/api/v1/admin/audit", &admin).await;
    let newest = app.get_json("/api/v1/admin/audit?limit=1", &admin).await;

    // Assert: the stored rows, newest first, each chained onto the next one down
    let entries = all.as_array().expect("an array");
    let stored: Vec<(i64, String, String, String, String, String, String)> = sqlx::query_as(
        "SELECT id, actor, action, target, detail, prev_hash, hash FROM audit_log ORDER BY id DESC",
    )
    .fetch_all(&app.db)
    .await
    .unwrap();
    let listed: Vec<(i64, String, String, String, String, String, String)> = entries
        .iter()
        .map(|e| {
            let text = |key: &str| {
                e[key]
                    .as_str()
                    .unwrap_or_else(|| panic!("{key} in {e}"))
                    .to_string()
            };
            (
                e["id"].as_i64().expect("id"),
                text("actor"),
                text("action"),
                text("target"),
                text("detail"),
                text("prev_hash"),
                text("hash"),
            )
        })
        .collect();
    assert_eq!(listed, stored);
    let switches: Vec<(String, String, String)> = listed
        .iter()
        .filter(|e| matches!(e.2.as_str(), "item.enable" | "item.disable"))
        .map(|e| (e.1.clone(), e.2.clone(), e.3.clone()))
        .collect();
    assert_eq!(
        switches,
        by_admin(&app, &["item.disable", "item.enable", "item.disable"]).await
    );
    for pair in listed.windows(2) {
        assert_eq!(
            pair[0].5, pair[1].6,
            "entry {} chains onto {}",
            pair[0].0, pair[1].0
        );
    }
    assert!(listed.iter().all(|e| e.0 > 0 && !e.6.is_empty()));
    assert_eq!(newest.as_array().map(Vec::len), Some(1), "{newest}");
    assert_eq!(newest[0]["id"], all[0]["id"]);

    // Act + Assert: a bad limit is 422, another role 403
    for limit in ["0", "1001", "-5", "many"] {
        let response = app
            .get(&format!("/api/v1/admin/audit?limit={limit}"), Some(&admin))
            .await;
        error_body(response, StatusCode::UNPROCESSABLE_ENTITY, "invalid_limit").await;
    }
    let forbidden = app.get("/api/v1/admin/audit", Some(&reviewer)).await;
    error_body(forbidden, StatusCode::FORBIDDEN, "forbidden").await;
    let anonymous = app.get("/api/v1/admin/audit", None).await;
    error_body(anonymous, StatusCode::UNAUTHORIZED, "unauthenticated").await;
}

/// Runs `yiwang audit verify` on the app's database; returns (success, stdout, stderr).
async fn audit_verify(app: &TestApp) -> (bool, String, String) {
    let mut command = tokio::process::Command::new(env!("CARGO_BIN_EXE_yiwang"));
    command
        .args(["audit", "verify", "--data-dir"])
        .arg(app.data_dir.path())
        .env_remove("YIWANG_DATABASE_URL");
    if app.storage.backend() != Backend::Sqlite {
        command.arg("--database-url").arg(app.database_url());
    }
    let output = command.output().await.expect("running yiwang audit verify");
    (
        output.status.success(),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

#[tokio::test]
async fn an_audit_entry_edited_behind_the_hosts_back_makes_audit_verify_fail_on_that_entry() {
    // Arrange: a few audited actions, and a verified chain
    let app = spawn_app().await;
    let admin = app.login(ADMIN, PASSWORD).await;
    for action in ["disable", "enable"] {
        json_body(
            switch(&app, Some(&admin), VEHICLE_ITEM, action).await,
            StatusCode::OK,
        )
        .await;
    }
    let entries = app.count("audit_log").await;
    let (ok, stdout, stderr) = audit_verify(&app).await;
    assert!(ok, "verify fails on an untouched log:\n{stdout}\n{stderr}");
    assert!(
        stdout.contains(&format!("audit log intact: {entries} entries")),
        "{stdout}"
    );
    let disabled: i64 = sqlx::query_scalar(
        "SELECT id FROM audit_log WHERE action = 'item.disable' AND target = $1",
    )
    .bind(VEHICLE_ITEM)
    .fetch_one(&app.db)
    .await
    .unwrap();

    // Act: rewrite what the entry says, with a connection of our own
    let tamperer = sqlx::AnyPool::connect(&app.database_url())
        .await
        .expect("opening the database read-write");
    let changed = sqlx::query("UPDATE audit_log SET detail = $1 WHERE id = $2")
        .bind("nothing happened here")
        .bind(disabled)
        .execute(&tamperer)
        .await
        .unwrap()
        .rows_affected();
    tamperer.close().await;
    assert_eq!(changed, 1);
    let (ok, stdout, stderr) = audit_verify(&app).await;

    // Assert: non-zero, naming that entry
    assert!(!ok, "verify passes a tampered log:\n{stdout}\n{stderr}");
    assert!(
        stderr.contains(&format!("audit log broken at entry {disabled}: altered")),
        "{stderr}"
    );
}

#[tokio::test]
async fn the_openapi_document_describes_the_admin_paths() {
    // Arrange
    let app = spawn_app().await;

    // Act
    let document = json_body(app.get("/api/v1/openapi.json", None).await, StatusCode::OK).await;

    // Assert
    for path in [
        "/api/v1/admin/items/{code}/enable",
        "/api/v1/admin/items/{code}/disable",
        "/api/v1/admin/audit",
    ] {
        assert!(document["paths"][path].is_object(), "{path} is missing");
    }
}

/// Runs `yiwang --config <file> audit verify` with nothing else on the command line or in the
/// environment; returns (success, stdout, stderr).
async fn audit_verify_from_file(settings: &str) -> (bool, String, String) {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("yiwang.toml");
    std::fs::write(&file, settings).unwrap();
    let output = tokio::process::Command::new(env!("CARGO_BIN_EXE_yiwang"))
        .arg("--config")
        .arg(&file)
        .args(["audit", "verify"])
        .env_remove("YIWANG_DATABASE_URL")
        .env_remove("YIWANG_DATA_DIR")
        .env_remove("YIWANG_CONFIG")
        .output()
        .await
        .expect("running yiwang");
    (
        output.status.success(),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

#[tokio::test]
async fn a_settings_file_tells_the_cli_where_the_data_is_and_a_misspelt_key_is_refused() {
    // Arrange
    let app = spawn_app().await;
    let mut settings = format!(
        "data_dir = {}\n",
        toml::Value::String(app.data_dir.path().display().to_string())
    );
    if app.storage.backend() != Backend::Sqlite {
        settings += &format!(
            "database_url = {}\n",
            toml::Value::String(app.database_url())
        );
    }

    // Act
    let (ok, stdout, stderr) = audit_verify_from_file(&settings).await;
    let (typo_ok, _, typo_stderr) =
        audit_verify_from_file(&settings.replace("data_dir", "data_dri")).await;

    // Assert: the file's database was verified; the typo is named and nothing runs
    assert!(ok, "{stdout}\n{stderr}");
    assert!(stdout.contains("intact"), "{stdout}");
    assert!(!typo_ok);
    assert!(typo_stderr.contains("`data_dri`"), "{typo_stderr}");
}

/// The stored `(code, name, public_key)` of a department, if there is one.
async fn stored_department(app: &TestApp, code: &str) -> Option<(String, String, Option<String>)> {
    sqlx::query_as("SELECT code, name, public_key FROM departments WHERE code = $1")
        .bind(code)
        .fetch_optional(&app.db)
        .await
        .unwrap()
}

#[tokio::test]
async fn an_admin_adds_a_department_with_its_key_and_every_wrong_one_is_refused_storing_nothing() {
    // Arrange
    let app = spawn_app().await;
    let admin = app.login(ADMIN, PASSWORD).await;
    let reviewer = app.login(REVIEWER, PASSWORD).await;
    let (_, public_pem) = yiwang_host::signing::generate().unwrap();
    let add = |token: String, body: Value| {
        let app = &app;
        async move {
            app.post("/api/v1/admin/departments", Some(&token), &body)
                .await
        }
    };

    // Act: the refusals first, then the department
    let by_reviewer = add(
        reviewer.clone(),
        json!({ "code": "dongguan-water", "name": "东莞市水务局" }),
    )
    .await;
    let bad_code = add(
        admin.clone(),
        json!({ "code": "Water Bureau", "name": "东莞市水务局" }),
    )
    .await;
    let no_name = add(
        admin.clone(),
        json!({ "code": "dongguan-water", "name": "  " }),
    )
    .await;
    let bad_key = add(
        admin.clone(),
        json!({ "code": "dongguan-water", "name": "东莞市水务局", "public_key": "not a key" }),
    )
    .await;
    let refused_audit = app.count("audit_log").await;
    let last_id: i64 = sqlx::query_scalar("SELECT COALESCE(MAX(id), 0) FROM audit_log")
        .fetch_one(&app.db)
        .await
        .unwrap();
    let added = add(
        admin.clone(),
        json!({ "code": "dongguan-water", "name": "东莞市水务局", "public_key": public_pem }),
    )
    .await;
    let again = add(
        admin.clone(),
        json!({ "code": "dongguan-water", "name": "另一个名字" }),
    )
    .await;
    let listed = app.get("/api/v1/admin/departments", Some(&admin)).await;

    // Assert
    error_body(by_reviewer, StatusCode::FORBIDDEN, "forbidden").await;
    error_body(bad_code, StatusCode::UNPROCESSABLE_ENTITY, "invalid_code").await;
    error_body(no_name, StatusCode::UNPROCESSABLE_ENTITY, "invalid_name").await;
    error_body(
        bad_key,
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid_public_key",
    )
    .await;
    let view = json_body(added, StatusCode::CREATED).await;
    assert_eq!(view["code"], "dongguan-water");
    assert_eq!(view["name"], "东莞市水务局");
    assert_eq!(view["key_fingerprint"].as_str().unwrap().len(), 16);
    assert_eq!(
        (view["items"].as_i64(), view["staff"].as_i64()),
        (Some(0), Some(0))
    );
    error_body(again, StatusCode::CONFLICT, "department_exists").await;
    assert_eq!(
        stored_department(&app, "dongguan-water").await,
        Some((
            "dongguan-water".into(),
            "东莞市水务局".into(),
            Some(public_pem.trim().to_string())
        ))
    );
    let audited: Vec<(String, String, String)> = sqlx::query_as(
        "SELECT actor, action, target FROM audit_log WHERE action = 'department.put' AND id > $1",
    )
    .bind(last_id)
    .fetch_all(&app.db)
    .await
    .unwrap();
    let actor = format!("admin:{}", app.user_id(ADMIN).await);
    assert_eq!(
        audited,
        vec![(actor, "department.put".into(), "dongguan-water".into())]
    );
    assert_eq!(app.count("audit_log").await, refused_audit + 1);
    let list = json_body(listed, StatusCode::OK).await;
    let water = find(&list, "code", "dongguan-water");
    assert_eq!(water.len(), 1, "{list}");
    let vehicle = find(&list, "code", crate::helpers::DEPARTMENT);
    assert_eq!(vehicle[0]["items"], 1, "{list}");
}
