//! The `yiwang` command line as departments and admins use it, driven as a separate process: a key
//! pair, the department's key put in the database, a signed upload, the admin's item commands.
//! Each step is checked in the database, not only in what the command printed.

use std::path::Path;
use std::process::Output;

use reqwest::StatusCode;
use serde_json::{Value, json};
use yiwang_host::model::actor::Role;

use crate::helpers::{
    ADMIN, CITIZEN, CRAFTED_DEPARTMENT, CRAFTED_ITEM, PASSWORD, TestApp, crafted, json_body,
    spawn_app,
};

const BINARY: &str = env!("CARGO_BIN_EXE_yiwang");
const DEVELOPER: &str = "cli.developer";

/// Runs `yiwang ARGS…` with none of the `YIWANG_…` variables of the environment the test runs in.
pub(crate) async fn yiwang(args: &[&str]) -> Output {
    yiwang_with_env(args, &[]).await
}

pub(crate) async fn yiwang_with_env(args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut command = tokio::process::Command::new(BINARY);
    command.args(args);
    for variable in [
        "YIWANG_SERVER",
        "YIWANG_TOKEN",
        "YIWANG_DATA_DIR",
        "YIWANG_DATABASE_URL",
    ] {
        command.env_remove(variable);
    }
    command.envs(env.iter().copied());
    command.output().await.expect("running yiwang")
}

pub(crate) fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

pub(crate) fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// The command succeeded; what it printed, as JSON.
pub(crate) fn printed_json(output: &Output) -> Value {
    assert!(
        output.status.success(),
        "exit {}; stderr: {}",
        output.status,
        stderr(output)
    );
    serde_json::from_str(&stdout(output))
        .unwrap_or_else(|e| panic!("stdout is not JSON ({e}): {}", stdout(output)))
}

pub(crate) fn text(path: &Path) -> &str {
    path.to_str().expect("test paths are UTF-8")
}

/// `--data-dir DIR --database-url URL` of the app's database, for the commands that write to it.
pub(crate) fn data_args(app: &TestApp) -> Vec<String> {
    vec![
        "--data-dir".into(),
        text(app.data_dir.path()).into(),
        "--database-url".into(),
        app.database_url(),
    ]
}

/// `yiwang dept add` for the test department with the public key in `public_key`.
async fn dept_add(app: &TestApp, public_key: &Path) -> Output {
    let mut args = vec![
        "dept",
        "add",
        "--code",
        CRAFTED_DEPARTMENT,
        "--name",
        "命令行测试部门",
        "--public-key",
        text(public_key),
    ];
    let data = data_args(app);
    args.extend(data.iter().map(String::as_str));
    yiwang(&args).await
}

async fn stored_public_key(app: &TestApp) -> Option<Option<String>> {
    sqlx::query_scalar("SELECT public_key FROM departments WHERE code = $1")
        .bind(CRAFTED_DEPARTMENT)
        .fetch_optional(&app.db)
        .await
        .unwrap()
}

/// `yiwang admin --server … --token TOKEN ARGS…`.
async fn admin(app: &TestApp, token: &str, args: &[&str]) -> Output {
    let mut all = vec!["admin", "--server", app.address.as_str(), "--token", token];
    all.extend_from_slice(args);
    yiwang(&all).await
}

/// `yiwang plugin upload` of `component` to the crafted item; the signature beside it unless given.
async fn upload(app: &TestApp, token: &str, component: &Path, signature: Option<&Path>) -> Output {
    let mut args = vec![
        "plugin",
        "upload",
        "--server",
        app.address.as_str(),
        "--token",
        token,
    ];
    args.extend(["--item", CRAFTED_ITEM]);
    if let Some(signature) = signature {
        args.extend(["--signature", text(signature)]);
    }
    args.push(text(component));
    yiwang(&args).await
}

#[tokio::test]
async fn a_department_signs_and_uploads_with_the_cli_and_an_admin_publishes_it_with_the_cli() {
    // Arrange
    let app = spawn_app().await;
    let dir = tempfile::tempdir().unwrap();
    let key = dir.path().join("dept.key");
    let public = dir.path().join("dept.key.pub");
    let component = dir.path().join("crafted.wasm");
    std::fs::write(&component, crafted("ok-1.0.0")).unwrap();
    let admin_token = app.login(ADMIN, PASSWORD).await;

    // Act: the key pair, and the department's public key registered
    let keygen = yiwang(&["plugin", "keygen", "--out", text(&key)]).await;
    let added = dept_add(&app, &public).await;

    // Assert
    assert!(keygen.status.success(), "{}", stderr(&keygen));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&key).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600, "the private key is the owner's only");
    }
    assert!(added.status.success(), "{}", stderr(&added));
    let public_pem = std::fs::read_to_string(&public).unwrap();
    assert_eq!(stored_public_key(&app).await, Some(Some(public_pem)));
    assert_eq!(
        app.audit_count("department.put", CRAFTED_DEPARTMENT).await,
        1
    );

    // Act: the admin registers the item; the developer signs and uploads
    app.add_user(
        DEVELOPER,
        Role::Developer,
        Some(CRAFTED_DEPARTMENT),
        "命令行开发员",
        None,
    )
    .await;
    let developer = app.login(DEVELOPER, PASSWORD).await;
    let registered = admin(
        &app,
        &admin_token,
        &[
            "item",
            "register",
            CRAFTED_ITEM,
            "--department",
            CRAFTED_DEPARTMENT,
        ],
    )
    .await;
    let signed = yiwang(&["plugin", "sign", "--key", text(&key), text(&component)]).await;
    let uploaded = upload(&app, &developer, &component, None).await;

    // Assert
    assert_eq!(printed_json(&registered)["code"], CRAFTED_ITEM);
    assert!(signed.status.success(), "{}", stderr(&signed));
    assert!(dir.path().join("crafted.wasm.sig").is_file());
    let staged = printed_json(&uploaded);
    assert_eq!(staged["version"], "1.0.0", "{staged}");
    assert_eq!(staged["status"], "staged", "{staged}");
    let version: String = sqlx::query_scalar("SELECT version FROM item_versions WHERE sha256 = $1")
        .bind(staged["sha256"].as_str().unwrap())
        .fetch_one(&app.db)
        .await
        .unwrap();
    assert_eq!(version, "1.0.0");

    // Act: publish and enable, the token from the environment this time
    let env = [("YIWANG_TOKEN", admin_token.as_str())];
    let server = ["admin", "--server", app.address.as_str()];
    let publish = [&server[..], &["item", "publish", CRAFTED_ITEM, "1.0.0"]].concat();
    let published = yiwang_with_env(&publish, &env).await;
    let enable = [&server[..], &["item", "enable", CRAFTED_ITEM]].concat();
    let enabled = yiwang_with_env(&enable, &env).await;
    let listed = yiwang_with_env(&[&server[..], &["items"]].concat(), &env).await;
    let audit = admin(&app, &admin_token, &["audit", "--limit", "2"]).await;

    // Assert: served, listed, audited
    assert_eq!(printed_json(&published)["version"], "1.0.0");
    assert_eq!(printed_json(&enabled)["enabled"], true);
    let citizen = app.login(CITIZEN, PASSWORD).await;
    let applied = json_body(
        app.submit(&citizen, CRAFTED_ITEM, json!({ "note": "命令行测试" }))
            .await,
        StatusCode::CREATED,
    )
    .await;
    assert_eq!(applied["version"], "1.0.0", "{applied}");
    let items = printed_json(&listed);
    let entry = items
        .as_array()
        .and_then(|items| items.iter().find(|i| i["code"] == CRAFTED_ITEM))
        .unwrap_or_else(|| panic!("the item is listed: {items}"));
    assert_eq!(entry["version"], "1.0.0", "{entry}");
    let audit = printed_json(&audit);
    let newest: Vec<(&str, &str)> = audit
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|e| Some((e["action"].as_str()?, e["target"].as_str()?)))
        .collect();
    assert_eq!(
        newest,
        [
            ("item.enable", CRAFTED_ITEM),
            ("item.publish", CRAFTED_ITEM)
        ],
        "{audit}"
    );
}

#[tokio::test]
async fn refusals_from_the_server_exit_non_zero_with_their_code_and_message_and_change_nothing() {
    // Arrange: the department's key and the item through the library; 1.0.0 uploaded
    let app = spawn_app().await;
    let (developer, key) = app.crafted_item_for(DEVELOPER).await;
    app.upload_signed(&developer, CRAFTED_ITEM, &crafted("ok-1.0.0"), &key)
        .await;
    let dir = tempfile::tempdir().unwrap();
    let component = dir.path().join("again.wasm");
    std::fs::write(&component, crafted("ok-1.0.0")).unwrap();
    let signature = dir.path().join("again.sig");
    std::fs::write(
        &signature,
        yiwang_host::signing::sign(&key, &crafted("ok-1.0.0")),
    )
    .unwrap();
    let admin_token = app.login(ADMIN, PASSWORD).await;
    let versions_before = app.count("item_versions").await;

    // Act
    let again = upload(&app, &developer, &component, Some(&signature)).await;
    let unknown_version = admin(
        &app,
        &admin_token,
        &["item", "publish", CRAFTED_ITEM, "9.9.9"],
    )
    .await;
    let as_developer = admin(&app, &developer, &["items"]).await;
    let no_token = yiwang(&["admin", "--server", &app.address, "items"]).await;

    // Assert
    for (output, code) in [
        (&again, "version_exists: "),
        (&unknown_version, "not_found: "),
        (&as_developer, "forbidden: "),
    ] {
        assert!(!output.status.success(), "{code} exits non-zero");
        let said = stderr(output);
        assert!(said.starts_with(code), "stderr starts with {code}: {said}");
        assert!(said.len() > code.len() + 1, "and a message: {said}");
        assert!(stdout(output).is_empty(), "{}", stdout(output));
    }
    assert!(!no_token.status.success());
    assert!(
        stderr(&no_token).contains("YIWANG_TOKEN"),
        "{}",
        stderr(&no_token)
    );
    assert_eq!(app.count("item_versions").await, versions_before);
    assert_eq!(
        app.current_sha256(CRAFTED_ITEM).await,
        None,
        "nothing was published"
    );
}

#[tokio::test]
async fn keys_are_never_replaced_and_a_file_that_is_not_a_public_key_stores_nothing() {
    // Arrange
    let app = spawn_app().await;
    let dir = tempfile::tempdir().unwrap();
    let key = dir.path().join("dept.key");
    let first = yiwang(&["plugin", "keygen", "--out", text(&key)]).await;
    assert!(first.status.success(), "{}", stderr(&first));
    let private_pem = std::fs::read_to_string(&key).unwrap();
    let audit_before = app.count("audit_log").await;

    // Act: a second key pair over the first, and the private key given as the public one
    let second = yiwang(&["plugin", "keygen", "--out", text(&key)]).await;
    let wrong_key = dept_add(&app, &key).await;

    // Assert
    assert!(!second.status.success());
    assert!(stderr(&second).contains("exists"), "{}", stderr(&second));
    assert_eq!(std::fs::read_to_string(&key).unwrap(), private_pem);
    assert!(!wrong_key.status.success());
    assert!(
        stderr(&wrong_key).contains("not an Ed25519 public key"),
        "{}",
        stderr(&wrong_key)
    );
    assert_eq!(stored_public_key(&app).await, None, "no department added");
    assert_eq!(app.count("audit_log").await, audit_before);
}
