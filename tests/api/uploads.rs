//! A department's signed uploads of item versions: one test per reason an upload is refused, each
//! with a real artifact (the crafted item's variants, other test components, or bytes cut from
//! them), checking that the refusal is named, that nothing was stored and that it was audited;
//! and the accepted path: staged, published, served, rolled back.

use reqwest::StatusCode;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use yiwang_host::signing;

use crate::helpers::{
    CITIZEN, CRAFTED_DEPARTMENT, CRAFTED_ITEM, PASSWORD, TestApp, VEHICLE_ITEM, component_bytes,
    crafted, error_body, json_body, spawn_app, spawn_app_with,
};

const DEVELOPER: &str = "crafted.developer";

/// An app with the crafted item registered for its department, which has a signing key and a
/// developer.
struct Uploads {
    app: TestApp,
    /// The developer's token.
    developer: String,
    key: ed25519_dalek::SigningKey,
}

async fn uploads() -> Uploads {
    uploads_on(spawn_app().await).await
}

async fn uploads_on(app: TestApp) -> Uploads {
    let (developer, key) = app.crafted_item_for(DEVELOPER).await;
    Uploads {
        app,
        developer,
        key,
    }
}

impl Uploads {
    /// Uploads `component` to the crafted item, signed by the department's own key.
    async fn upload(&self, component: &[u8]) -> reqwest::Response {
        let signature = signing::sign(&self.key, component);
        self.app
            .upload_version(
                &self.developer,
                CRAFTED_ITEM,
                component,
                signature.as_bytes(),
            )
            .await
    }
}

/// `(code, department, current_sha256, enabled, grants, limits, updated_at)` of an item.
type ItemRow = (String, String, Option<String>, i64, String, String, String);

/// What an upload may change: the versions, the component bytes and the item rows.
#[derive(Debug, PartialEq)]
struct Stored {
    versions: i64,
    components: i64,
    publications: i64,
    /// Every item's row.
    items: Vec<ItemRow>,
}

async fn stored(app: &TestApp) -> Stored {
    Stored {
        versions: app.count("item_versions").await,
        components: app.count("components").await,
        publications: app.count("item_publications").await,
        items: sqlx::query_as(
            "SELECT code, department, current_sha256, enabled, grants, limits, updated_at
             FROM items ORDER BY code",
        )
        .fetch_all(&app.db)
        .await
        .unwrap(),
    }
}

/// The details of the `version.refused` audit entries about `item`, oldest first.
async fn refusals(app: &TestApp, item: &str) -> Vec<String> {
    sqlx::query_scalar(
        "SELECT detail FROM audit_log WHERE action = 'version.refused' AND target = $1 ORDER BY id",
    )
    .bind(item)
    .fetch_all(&app.db)
    .await
    .unwrap()
}

fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// Uploads `component` (signed by the department) to `item` and checks the refusal: `status`,
/// `code`, a message that contains each of `names`, nothing stored (no version, no component
/// bytes in the database or new in the data directory, items as they were), and one
/// `version.refused` audit entry naming `code`.
async fn assert_refused(
    uploads: &Uploads,
    item: &str,
    component: &[u8],
    status: StatusCode,
    code: &str,
    names: &[&str],
) {
    let signature = signing::sign(&uploads.key, component);
    assert_refused_signed(
        uploads,
        item,
        component,
        signature.as_bytes(),
        status,
        code,
        names,
    )
    .await;
}

async fn assert_refused_signed(
    uploads: &Uploads,
    item: &str,
    component: &[u8],
    signature: &[u8],
    status: StatusCode,
    code: &str,
    names: &[&str],
) {
    // Arrange
    let app = &uploads.app;
    let before = stored(app).await;
    let refused_before = refusals(app, item).await;
    // The host keeps the components it loads from plugins.toml there too.
    let file = app
        .data_dir
        .path()
        .join("components")
        .join(format!("{}.wasm", sha256_hex(component)));
    let file_before = file.exists();

    // Act
    let response = app
        .upload_version(&uploads.developer, item, component, signature)
        .await;

    // Assert
    let error = error_body(response, status, code).await;
    let message = error["message"].as_str().unwrap();
    for name in names {
        assert!(
            message.contains(name),
            "the message names {name}: {message}"
        );
    }
    assert_eq!(stored(app).await, before, "a refused upload stores nothing");
    assert_eq!(file.exists(), file_before, "{} was kept", file.display());
    let refused = refusals(app, item).await;
    assert_eq!(refused.len(), refused_before.len() + 1, "{refused:?}");
    let detail = refused.last().unwrap();
    assert!(
        detail.starts_with(code),
        "the audit entry names {code}: {detail}"
    );
}

/// A test that uploads `component`, signed by the department, to `item` and expects the refusal
/// `status` `code` with a message that names each of the strings given (see [`assert_refused`]).
macro_rules! refused {
    ($test:ident: $component:expr, to $item:expr
        => $status:ident $code:literal naming [$($name:expr),+ $(,)?]) => {
        #[tokio::test]
        async fn $test() {
            let uploads = uploads().await;
            let component: Vec<u8> = $component;
            let (status, names) = (StatusCode::$status, [$($name),+]);
            assert_refused(&uploads, $item, &component, status, $code, &names).await;
        }
    };
}

/// The first half of `bytes`.
fn half(bytes: Vec<u8>) -> Vec<u8> {
    bytes[..bytes.len() / 2].to_vec()
}

// --- not a component

refused!(a_core_module_is_refused_as_not_a_component:
    b"\0asm\x01\0\0\0".to_vec(), to CRAFTED_ITEM
    => UNPROCESSABLE_ENTITY "not_a_component" naming ["core module"]);

refused!(garbage_is_refused_as_not_a_component:
    "这不是组件".bytes().cycle().take(4096).collect(), to CRAFTED_ITEM
    => UNPROCESSABLE_ENTITY "not_a_component" naming ["WebAssembly header"]);

refused!(a_truncated_component_is_refused_as_not_a_component:
    half(crafted("ok")), to CRAFTED_ITEM
    => UNPROCESSABLE_ENTITY "not_a_component"
        naming ["not a WebAssembly component", "failed to parse"]);

refused!(a_component_without_the_item_export_is_refused:
    component_bytes("yiwang_test_not_an_item"), to CRAFTED_ITEM
    => UNPROCESSABLE_ENTITY "no_item_export" naming ["yiwang:service/item", "0.1.0, 0.2.0"]);

refused!(a_component_for_a_contract_version_the_host_does_not_serve_is_refused_naming_those_it_does:
    component_bytes("yiwang_test_future_contract"), to CRAFTED_ITEM
    => UNPROCESSABLE_ENTITY "unsupported_contract"
        naming ["yiwang:service@0.9.0", "it serves 0.1.0, 0.2.0"]);

#[tokio::test]
async fn a_component_over_the_size_limit_is_refused_with_413() {
    const LIMIT: usize = 96 * 1024;
    let uploads = uploads_on(spawn_app_with(|s| s.max_component_bytes = LIMIT).await).await;
    let mut padded = crafted("ok");
    assert!(padded.len() < LIMIT, "the crafted item fits the limit");
    padded.resize(LIMIT + 1, 0);
    assert_refused(
        &uploads,
        CRAFTED_ITEM,
        &padded,
        StatusCode::PAYLOAD_TOO_LARGE,
        "component_too_large",
        &[&LIMIT.to_string(), "超过上限"],
    )
    .await;
}

// --- signatures and departments

#[tokio::test]
async fn a_signature_that_does_not_verify_is_refused() {
    let uploads = uploads().await;
    let component = crafted("ok");
    let over_other_bytes = signing::sign(&uploads.key, &component[1..]);
    assert_refused_signed(
        &uploads,
        CRAFTED_ITEM,
        &component,
        over_other_bytes.as_bytes(),
        StatusCode::UNPROCESSABLE_ENTITY,
        "bad_signature",
        &[CRAFTED_DEPARTMENT],
    )
    .await;
}

#[tokio::test]
async fn a_malformed_signature_file_is_refused() {
    let uploads = uploads().await;
    assert_refused_signed(
        &uploads,
        CRAFTED_ITEM,
        &crafted("ok"),
        b"not a signature",
        StatusCode::UNPROCESSABLE_ENTITY,
        "bad_signature",
        &["签名文件无效"],
    )
    .await;
}

#[tokio::test]
async fn a_component_signed_with_another_departments_key_is_refused_naming_it() {
    let uploads = uploads().await;
    let other = uploads
        .app
        .department_with_key("other-test-dept", "另一个测试部门")
        .await;
    let component = crafted("ok");
    let signature = signing::sign(&other, &component);
    assert_refused_signed(
        &uploads,
        CRAFTED_ITEM,
        &component,
        signature.as_bytes(),
        StatusCode::UNPROCESSABLE_ENTITY,
        "signed_by_another_department",
        &["other-test-dept"],
    )
    .await;
}

refused!(an_upload_to_another_departments_item_is_refused_with_403:
    crafted("ok"), to VEHICLE_ITEM
    => FORBIDDEN "item_of_another_department" naming [VEHICLE_ITEM, CRAFTED_DEPARTMENT]);

// --- what the component imports and describes

// The crafted item's slot has no grants; this component imports the registries.
refused!(a_component_importing_an_interface_the_item_was_not_granted_is_refused_naming_it:
    component_bytes("yiwang_test_ungranted_lookup"), to CRAFTED_ITEM
    => UNPROCESSABLE_ENTITY "ungranted_import" naming ["yiwang:service/registries@0.2.0"]);

refused!(a_component_whose_describe_traps_is_refused:
    crafted("describe-trap"), to CRAFTED_ITEM
    => UNPROCESSABLE_ENTITY "describe_failed" naming ["describe"]);

refused!(a_form_schema_that_is_not_json_schema_is_refused:
    crafted("invalid-schema"), to CRAFTED_ITEM
    => UNPROCESSABLE_ENTITY "invalid_catalog" naming ["form schema"]);

refused!(a_form_pattern_with_a_back_reference_is_refused_naming_the_pattern_and_where_it_is:
    crafted("backtracking-pattern"), to CRAFTED_ITEM
    => UNPROCESSABLE_ENTITY "invalid_catalog"
        naming ["^(\\w+)-\\1$", "/properties/words/items/pattern", "back-references"]);

refused!(a_look_ahead_under_not_is_refused_naming_the_pattern_and_where_it_is:
    crafted("not-lookahead"), to CRAFTED_ITEM
    => UNPROCESSABLE_ENTITY "invalid_catalog" naming ["^(?!x)", "/properties/code/not/pattern"]);

refused!(a_workflow_state_no_action_reaches_is_refused_naming_it:
    crafted("unreachable-state"), to CRAFTED_ITEM
    => UNPROCESSABLE_ENTITY "invalid_catalog" naming ["orphaned", "cannot be reached"]);

refused!(an_action_to_an_undeclared_state_is_refused_naming_it:
    crafted("undeclared-target"), to CRAFTED_ITEM
    => UNPROCESSABLE_ENTITY "invalid_catalog" naming ["nowhere", "undeclared"]);

refused!(a_catalog_entry_missing_a_field_is_refused_naming_it:
    crafted("missing-field"), to CRAFTED_ITEM
    => UNPROCESSABLE_ENTITY "invalid_catalog" naming ["summary"]);

#[tokio::test]
async fn a_version_not_above_the_newest_uploaded_is_refused() {
    // Arrange: 1.1.0 is uploaded
    let uploads = uploads().await;
    json_body(
        uploads.upload(&crafted("ok-1.1.0")).await,
        StatusCode::CREATED,
    )
    .await;

    // Act and assert
    assert_refused(
        &uploads,
        CRAFTED_ITEM,
        &crafted("ok-1.0.0"),
        StatusCode::CONFLICT,
        "version_not_newer",
        &["1.0.0", "1.1.0"],
    )
    .await;
}

// --- accepted

/// `(item_code, version, department, size_bytes, uploaded_by, signature)` of a stored version.
type VersionRow = (String, String, String, i64, String, Option<String>);

async fn version_row(app: &TestApp, sha256: &str) -> VersionRow {
    sqlx::query_as(
        "SELECT item_code, version, department, size_bytes, uploaded_by, signature
         FROM item_versions WHERE sha256 = $1",
    )
    .bind(sha256)
    .fetch_one(&app.db)
    .await
    .unwrap()
}

/// Submits the crafted item's form as the demo citizen; returns the 201 body.
async fn apply(app: &TestApp) -> Value {
    let citizen = app.login(CITIZEN, PASSWORD).await;
    json_body(
        app.submit(&citizen, CRAFTED_ITEM, json!({ "note": "上传测试" }))
            .await,
        StatusCode::CREATED,
    )
    .await
}

/// The version a new application of the crafted item runs on, by what it says and what its
/// `submit` derived; checked against the stored case.
async fn served_version(app: &TestApp) -> String {
    let answer = apply(app).await;
    let number = answer["number"].as_str().unwrap();
    let case = app.case_row(number).await;
    let derived: Value = serde_json::from_str(&case.derived).unwrap();
    assert_eq!(derived["version"], case.item_version, "{answer}");
    assert_eq!(answer["version"], case.item_version, "{answer}");
    case.item_version
}

#[tokio::test]
async fn an_accepted_upload_is_stored_staged_and_served_once_published() {
    // Arrange
    let uploads = uploads().await;
    let app = &uploads.app;
    let component = crafted("ok-1.0.0");
    let signature = signing::sign(&uploads.key, &component);

    // Act
    let response = app
        .upload_version(
            &uploads.developer,
            CRAFTED_ITEM,
            &component,
            signature.as_bytes(),
        )
        .await;

    // Assert: the reply, the stored version and bytes, the audit entry; nothing served yet
    let staged = json_body(response, StatusCode::CREATED).await;
    let sha256 = sha256_hex(&component);
    assert_eq!(staged["item"], CRAFTED_ITEM, "{staged}");
    assert_eq!(staged["version"], "1.0.0", "{staged}");
    assert_eq!(staged["sha256"], sha256, "{staged}");
    assert_eq!(staged["size_bytes"], component.len(), "{staged}");
    assert_eq!(staged["status"], "staged", "{staged}");
    let (item, version, department, size, uploaded_by, stored_signature) =
        version_row(app, &sha256).await;
    assert_eq!(
        (item.as_str(), version.as_str(), department.as_str()),
        (CRAFTED_ITEM, "1.0.0", CRAFTED_DEPARTMENT)
    );
    assert_eq!(size, component.len() as i64);
    let developer_id = app.user_id(DEVELOPER).await;
    assert_eq!(uploaded_by, format!("developer:{developer_id}"));
    assert_eq!(staged["uploaded_by"], uploaded_by, "{staged}");
    assert!(stored_signature.is_some());
    let bytes: Vec<u8> = sqlx::query_scalar("SELECT bytes FROM components WHERE sha256 = $1")
        .bind(&sha256)
        .fetch_one(&app.db)
        .await
        .unwrap();
    assert!(bytes == component, "the stored bytes are the uploaded ones");
    assert_eq!(app.audit_count("version.upload", CRAFTED_ITEM).await, 1);
    assert_eq!(
        app.current_sha256(CRAFTED_ITEM).await,
        None,
        "an upload is only staged"
    );
    let citizen = app.login(CITIZEN, PASSWORD).await;
    let unpublished = app
        .submit(&citizen, CRAFTED_ITEM, json!({ "note": "上传测试" }))
        .await;
    assert_ne!(unpublished.status(), StatusCode::CREATED);
    assert_eq!(app.count("cases").await, 0);

    // Act: publish and switch on
    app.publish_and_enable(CRAFTED_ITEM, "1.0.0").await;

    // Assert
    assert_eq!(served_version(app).await, "1.0.0");
}

#[tokio::test]
async fn publishing_a_newer_version_serves_it_and_rolling_back_serves_the_previous_one() {
    // Arrange: 1.0.0 published and enabled, 1.1.0 uploaded
    let uploads = uploads().await;
    let app = &uploads.app;
    json_body(
        uploads.upload(&crafted("ok-1.0.0")).await,
        StatusCode::CREATED,
    )
    .await;
    app.publish_and_enable(CRAFTED_ITEM, "1.0.0").await;
    json_body(
        uploads.upload(&crafted("ok-1.1.0")).await,
        StatusCode::CREATED,
    )
    .await;
    assert_eq!(
        served_version(app).await,
        "1.0.0",
        "a staged version is not served"
    );

    // Act: publish 1.1.0
    let published = json_body(
        app.admin_item(CRAFTED_ITEM, "publish", &json!({ "version": "1.1.0" }))
            .await,
        StatusCode::OK,
    )
    .await;

    // Assert
    assert_eq!(published["version"], "1.1.0", "{published}");
    assert_eq!(published["sha256"], sha256_hex(&crafted("ok-1.1.0")));
    let on_new = apply(app).await;
    assert_eq!(on_new["version"], "1.1.0", "{on_new}");

    // Act: roll back
    let rolled_back = json_body(
        app.admin_item(CRAFTED_ITEM, "rollback", &json!({})).await,
        StatusCode::OK,
    )
    .await;

    // Assert: 1.0.0 again, the stored item says so, and the case taken on 1.1.0 stays pinned
    assert_eq!(rolled_back["version"], "1.0.0", "{rolled_back}");
    assert_eq!(served_version(app).await, "1.0.0");
    assert_eq!(
        app.current_sha256(CRAFTED_ITEM).await,
        Some(sha256_hex(&crafted("ok-1.0.0")))
    );
    let pinned = app.case_row(on_new["number"].as_str().unwrap()).await;
    assert_eq!(pinned.item_version, "1.1.0");
    assert_eq!(pinned.item_sha256, sha256_hex(&crafted("ok-1.1.0")));
    let versions: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM item_versions WHERE item_code = $1")
            .bind(CRAFTED_ITEM)
            .fetch_one(&app.db)
            .await
            .unwrap();
    assert_eq!(versions, 2, "the two uploads and no more");
}
