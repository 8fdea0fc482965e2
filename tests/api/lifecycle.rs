//! An item's life after it is shipped: registered for a department, switched, given grants and
//! limits, tried in preview, and changed through `plugins.toml` while the host runs. Every change
//! is checked in the database and the audit log, not only in the reply.

use std::time::{Duration, Instant};

use reqwest::StatusCode;
use serde_json::{Value, json};
use yiwang_host::model::actor::Role;

use crate::helpers::{
    ADMIN, CITIZEN, DEPARTMENT, PASSWORD, TestApp, VEHICLE_ITEM, crafted, eligible_form,
    error_body, json_body, spawn_app,
};

/// The crafted test item (tests/plugins/crafted) and the department it says it belongs to.
const CRAFTED_ITEM: &str = "crafted-item";
const TEST_DEPARTMENT: &str = "yiwang-test-dept";

/// `(enabled, grants, limits)` as stored for `code`.
async fn stored_item(app: &TestApp, code: &str) -> (i64, Value, Value) {
    let (enabled, grants, limits): (i64, String, String) =
        sqlx::query_as("SELECT enabled, grants, limits FROM items WHERE code = $1")
            .bind(code)
            .fetch_one(&app.db)
            .await
            .unwrap();
    (
        enabled,
        serde_json::from_str(&grants).unwrap(),
        serde_json::from_str(&limits).unwrap(),
    )
}

async fn put_admin(app: &TestApp, token: &str, path: &str, body: &Value) -> reqwest::Response {
    app.client
        .put(app.url(path))
        .bearer_auth(token)
        .json(body)
        .send()
        .await
        .unwrap()
}

/// Polls `check` every 50 ms for up to 10 s: for changes the host picks up from files.
async fn eventually<F, Fut>(what: &str, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let deadline = Instant::now() + Duration::from_secs(10);
    while Instant::now() < deadline {
        if check().await {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("{what} did not happen within 10 s");
}

/// The vehicle item's entry in the app's plugins.toml, edited by `edit`, written back.
fn edit_plugins_toml(app: &TestApp, edit: impl FnOnce(&mut toml::Table)) {
    let path = app.data_dir.path().join("plugins.toml");
    let mut doc: toml::Table = std::fs::read_to_string(&path).unwrap().parse().unwrap();
    edit(&mut doc);
    std::fs::write(&path, toml::to_string(&doc).unwrap()).unwrap();
}

fn vehicle_entry(doc: &mut toml::Table) -> &mut toml::Table {
    doc["items"][VEHICLE_ITEM].as_table_mut().unwrap()
}

#[tokio::test]
async fn an_admin_registers_an_item_for_a_department_and_others_cannot() {
    // Arrange
    let app = spawn_app().await;
    let admin = app.login(ADMIN, PASSWORD).await;
    let reviewer = app.login("vehicle.office", PASSWORD).await;

    // Act
    let created = json_body(
        app.register_item("talent-housing-subsidy", DEPARTMENT)
            .await,
        StatusCode::CREATED,
    )
    .await;
    let taken = app
        .register_item("talent-housing-subsidy", DEPARTMENT)
        .await;
    let unknown = app
        .register_item("another-item", "no-such-department")
        .await;
    let bad_code = app.register_item("Bad Code", DEPARTMENT).await;
    let by_reviewer = app
        .post(
            "/api/v1/admin/items",
            Some(&reviewer),
            &json!({ "code": "sneaky-item", "department": DEPARTMENT }),
        )
        .await;

    // Assert: registered disabled without a version, listed; every refusal stored nothing
    assert_eq!(created["enabled"], false);
    assert_eq!(created["version"], Value::Null);
    error_body(taken, StatusCode::CONFLICT, "item_exists").await;
    error_body(
        unknown,
        StatusCode::UNPROCESSABLE_ENTITY,
        "unknown_department",
    )
    .await;
    error_body(bad_code, StatusCode::UNPROCESSABLE_ENTITY, "invalid_code").await;
    assert_eq!(by_reviewer.status(), StatusCode::FORBIDDEN);
    let codes: Vec<String> =
        sqlx::query_scalar("SELECT code FROM items WHERE current_sha256 IS NULL")
            .fetch_all(&app.db)
            .await
            .unwrap();
    assert_eq!(codes, ["talent-housing-subsidy"]);
    assert_eq!(
        app.audit_count("item.register", "talent-housing-subsidy")
            .await,
        1
    );
    let list = app.get_json("/api/v1/admin/items", &admin).await;
    let entry = list
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["code"] == "talent-housing-subsidy")
        .expect("listed");
    assert_eq!(entry["department"], DEPARTMENT);
    // Not in the public catalog until a version is published and enabled.
    let catalog = app.get("/api/v1/items/talent-housing-subsidy", None).await;
    assert_eq!(catalog.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn a_disabled_item_stays_disabled_across_a_restart_until_its_plugins_toml_entry_changes() {
    // Arrange
    let mut app = spawn_app().await;
    let citizen = app.login(CITIZEN, PASSWORD).await;
    json_body(
        app.admin_item(VEHICLE_ITEM, "disable", &json!({})).await,
        StatusCode::OK,
    )
    .await;

    // Act: restart on the same data
    app.restart().await;

    // Assert: still off, as stored
    let citizen_again = app.login(CITIZEN, PASSWORD).await;
    let refused = app
        .submit(&citizen_again, VEHICLE_ITEM, eligible_form(false))
        .await;
    error_body(refused, StatusCode::SERVICE_UNAVAILABLE, "item_disabled").await;
    assert_eq!(stored_item(&app, VEHICLE_ITEM).await.0, 0);
    drop(citizen);

    // Act: the admin edits the item's entry in plugins.toml while the host runs
    edit_plugins_toml(&app, |doc| {
        vehicle_entry(doc).insert("enabled".into(), true.into());
        vehicle_entry(doc)["limits"]
            .as_table_mut()
            .unwrap()
            .insert("cpu_ms".into(), 900.into());
    });

    // Assert: the changed entry is applied without a restart
    eventually("the edited entry to be applied", || async {
        stored_item(&app, VEHICLE_ITEM).await.0 == 1
    })
    .await;
    eventually("the item to take applications again", || async {
        app.submit(&citizen_again, VEHICLE_ITEM, eligible_form(false))
            .await
            .status()
            == StatusCode::CREATED
    })
    .await;
    assert_eq!(stored_item(&app, VEHICLE_ITEM).await.2["cpu_ms"], 900);
    assert_eq!(app.audit_count("item.file_apply", VEHICLE_ITEM).await, 2);
}

#[tokio::test]
async fn an_invalid_plugins_toml_edit_keeps_the_serving_version_and_is_audited() {
    // Arrange
    let app = spawn_app().await;
    let citizen = app.login(CITIZEN, PASSWORD).await;
    let garbage = app.data_dir.path().join("garbage.wasm");
    std::fs::write(&garbage, b"this is not WebAssembly").unwrap();
    let sha_before: String = sqlx::query_scalar("SELECT current_sha256 FROM items WHERE code = $1")
        .bind(VEHICLE_ITEM)
        .fetch_one(&app.db)
        .await
        .unwrap();

    // Act: first a file that does not parse, then an entry pointing at garbage
    let path = app.data_dir.path().join("plugins.toml");
    let good = std::fs::read_to_string(&path).unwrap();
    std::fs::write(&path, "[items.broken\n").unwrap();
    tokio::time::sleep(Duration::from_millis(500)).await;
    std::fs::write(&path, &good).unwrap();
    edit_plugins_toml(&app, |doc| {
        vehicle_entry(doc).insert("component".into(), garbage.to_str().unwrap().into());
    });

    // Assert: refused with its reason in the audit log; the old version goes on serving
    eventually("the refusal to be audited", || async {
        app.audit_count("item.load_failed", VEHICLE_ITEM).await == 1
    })
    .await;
    let detail: String = sqlx::query_scalar(
        "SELECT detail FROM audit_log WHERE action = 'item.load_failed' AND target = $1",
    )
    .bind(VEHICLE_ITEM)
    .fetch_one(&app.db)
    .await
    .unwrap();
    assert!(detail.contains("not a WebAssembly component"), "{detail}");
    let body = json_body(
        app.submit(&citizen, VEHICLE_ITEM, eligible_form(false))
            .await,
        StatusCode::CREATED,
    )
    .await;
    assert_eq!(body["version"], "1.0.0");
    let sha_after: String = sqlx::query_scalar("SELECT current_sha256 FROM items WHERE code = $1")
        .bind(VEHICLE_ITEM)
        .fetch_one(&app.db)
        .await
        .unwrap();
    assert_eq!(sha_after, sha_before);
}

#[tokio::test]
async fn grants_and_limits_change_over_the_api_but_not_below_what_the_published_version_imports() {
    // Arrange
    let app = spawn_app().await;
    let admin = app.login(ADMIN, PASSWORD).await;
    let citizen = app.login(CITIZEN, PASSWORD).await;
    let path = |what: &str| format!("/api/v1/admin/items/{VEHICLE_ITEM}/{what}");
    let (_, grants_before, limits_before) = stored_item(&app, VEHICLE_ITEM).await;

    // Act: take away what the item imports, then give bad limits
    let no_notify = json!({
        "registries": ["vehicle-registry", "vehicle-insurance", "traffic-violations"],
        "certificates_issue": ["inspection-mark"], "delivery": true
    });
    let refused_grants = put_admin(&app, &admin, &path("grants"), &no_notify).await;
    let refused_limits =
        put_admin(&app, &admin, &path("limits"), &json!({ "memory_mib": 0 })).await;
    let unknown_field =
        put_admin(&app, &admin, &path("limits"), &json!({ "memroy_mib": 64 })).await;

    // Assert: named, and nothing changed
    let error = error_body(
        refused_grants,
        StatusCode::UNPROCESSABLE_ENTITY,
        "ungranted_import",
    )
    .await;
    assert!(
        error["message"]
            .as_str()
            .unwrap()
            .contains("yiwang:service/notify"),
        "{error}"
    );
    error_body(
        refused_limits,
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid_limits",
    )
    .await;
    assert_eq!(unknown_field.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        stored_item(&app, VEHICLE_ITEM).await,
        (1, grants_before.clone(), limits_before)
    );
    assert_eq!(app.audit_count("item.grants", VEHICLE_ITEM).await, 0);

    // Act: a grant added and a tighter limit
    let mut more = grants_before.clone();
    more["registries"]
        .as_array_mut()
        .unwrap()
        .push("household-registry".into());
    let granted = json_body(
        put_admin(&app, &admin, &path("grants"), &more).await,
        StatusCode::OK,
    )
    .await;
    let limited = json_body(
        put_admin(
            &app,
            &admin,
            &path("limits"),
            &json!({ "memory_mib": 48, "cpu_ms": 800 }),
        )
        .await,
        StatusCode::OK,
    )
    .await;

    // Assert: stored, audited, served at once
    assert_eq!(granted["grants"]["registries"][3], "household-registry");
    assert_eq!(limited["limits"]["memory_mib"], 48);
    let (_, grants, limits) = stored_item(&app, VEHICLE_ITEM).await;
    assert_eq!(grants, granted["grants"]);
    assert_eq!(
        (limits["memory_mib"].clone(), limits["cpu_ms"].clone()),
        (json!(48), json!(800))
    );
    assert_eq!(app.audit_count("item.grants", VEHICLE_ITEM).await, 1);
    assert_eq!(app.audit_count("item.limits", VEHICLE_ITEM).await, 1);
    json_body(
        app.submit(&citizen, VEHICLE_ITEM, eligible_form(false))
            .await,
        StatusCode::CREATED,
    )
    .await;
    // A reviewer cannot.
    let reviewer = app.login("vehicle.office", PASSWORD).await;
    let by_reviewer = put_admin(&app, &reviewer, &path("limits"), &json!({})).await;
    assert_eq!(by_reviewer.status(), StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn a_department_previews_an_unpublished_version_unseen_by_citizens_and_statistics() {
    // Arrange: the crafted item registered, 1.0.0 published and enabled, 1.1.0 staged
    let app = spawn_app().await;
    let key = app.department_with_key(TEST_DEPARTMENT, "测试部门").await;
    app.add_user(
        "test.developer",
        Role::Developer,
        Some(TEST_DEPARTMENT),
        "开发员",
        None,
    )
    .await;
    app.add_user(
        "test.reviewer",
        Role::Reviewer,
        Some(TEST_DEPARTMENT),
        "审核员",
        None,
    )
    .await;
    let developer = app.login("test.developer", PASSWORD).await;
    let reviewer = app.login("test.reviewer", PASSWORD).await;
    json_body(
        app.register_item(CRAFTED_ITEM, TEST_DEPARTMENT).await,
        StatusCode::CREATED,
    )
    .await;
    app.upload_signed(&developer, CRAFTED_ITEM, &crafted("ok-1.0.0"), &key)
        .await;
    json_body(
        app.admin_item(CRAFTED_ITEM, "publish", &json!({ "version": "1.0.0" }))
            .await,
        StatusCode::OK,
    )
    .await;
    json_body(
        app.admin_item(CRAFTED_ITEM, "enable", &json!({})).await,
        StatusCode::OK,
    )
    .await;
    let staged = app
        .upload_signed(&developer, CRAFTED_ITEM, &crafted("ok-1.1.0"), &key)
        .await;
    assert_eq!(staged["status"], "staged");
    let form = crafted_form();

    // Act
    let previewed = app
        .post(
            &format!("/api/v1/dept/items/{CRAFTED_ITEM}/versions/1.1.0/preview"),
            Some(&reviewer),
            &json!({ "form": form }),
        )
        .await;
    let vehicle_office = app.login("vehicle.office", PASSWORD).await;
    let by_other_department = app
        .post(
            &format!("/api/v1/dept/items/{CRAFTED_ITEM}/versions/1.1.0/preview"),
            Some(&vehicle_office),
            &json!({ "form": form }),
        )
        .await;
    let citizen = app.login(CITIZEN, PASSWORD).await;
    let by_citizen = app
        .post(
            &format!("/api/v1/dept/items/{CRAFTED_ITEM}/versions/1.1.0/preview"),
            Some(&citizen),
            &json!({ "form": form }),
        )
        .await;
    let published = json_body(
        app.submit(&citizen, CRAFTED_ITEM, form.clone()).await,
        StatusCode::CREATED,
    )
    .await;

    // Assert: the preview ran on 1.1.0 and is marked; citizens still get 1.0.0
    let preview = json_body(previewed, StatusCode::CREATED).await;
    assert_eq!(
        (preview["version"].clone(), preview["preview"].clone()),
        (json!("1.1.0"), json!(true))
    );
    assert_eq!(published["version"], "1.0.0");
    assert!(published.get("preview").is_none(), "{published}");
    assert_eq!(by_other_department.status(), StatusCode::NOT_FOUND);
    assert_eq!(by_citizen.status(), StatusCode::FORBIDDEN);
    let stored: (i64, String, String) =
        sqlx::query_as("SELECT preview, item_version, channel FROM cases WHERE number = $1")
            .bind(preview["number"].as_str().unwrap())
            .fetch_one(&app.db)
            .await
            .unwrap();
    assert_eq!(stored, (1, "1.1.0".to_string(), "department".to_string()));
    let today = yiwang_host::domain::calendar::today()
        .format("%Y-%m-%d")
        .to_string();
    let admin = app.login(ADMIN, PASSWORD).await;
    let stats = app
        .get_json(&format!("/api/v1/stats?from={today}&to={today}"), &admin)
        .await;
    let received: u64 = stats["departments"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|d| d["items"].as_array().unwrap())
        .filter(|i| i["item"] == CRAFTED_ITEM)
        .map(|i| i["received"].as_u64().unwrap())
        .sum();
    assert_eq!(
        received, 1,
        "only the citizen's application is counted: {stats}"
    );
    let versions = app
        .get_json(
            &format!("/api/v1/dept/items/{CRAFTED_ITEM}/versions"),
            &developer,
        )
        .await;
    let statuses: Vec<(String, String)> = versions
        .as_array()
        .unwrap()
        .iter()
        .map(|v| {
            (
                v["version"].as_str().unwrap().into(),
                v["status"].as_str().unwrap().into(),
            )
        })
        .collect();
    assert_eq!(
        statuses,
        [
            ("1.1.0".to_string(), "staged".to_string()),
            ("1.0.0".to_string(), "published".to_string())
        ]
    );
}

/// A form the crafted item takes.
fn crafted_form() -> Value {
    json!({ "note": "预览测试" })
}
