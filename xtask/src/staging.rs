//! The crafted test item on a running release server, set up as a department would with `yiwang`
//! itself: a key pair, `dept add`, a developer, the item registered by the admin, variants signed
//! with `plugin sign` and sent with `plugin upload`, one of them published and switched on. The
//! swap run and the forms run start from here.

use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};

use anyhow::{Context, Result, ensure};
use serde_json::{Value, json};

use crate::crafted;
use crate::load::{self, PASSWORD, agent, post_json, snippet};
use crate::process::{self, step};
use crate::server::{LocalServer, add_department};
use crate::workspace::Workspace;

pub const ITEM: &str = "crafted-item";
const DEPARTMENT: &str = "yiwang-test-dept";
const DEVELOPER: &str = "crafted.developer";
const ADMIN: &str = "admin";
const REQUEST_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(30);

pub struct Tokens {
    pub admin: String,
    pub citizen: String,
}

/// The department, its key and developer, the item registered, each `(variant, version)` of
/// `uploads` signed and uploaded through the command line, `publish` published and switched on.
pub fn prepare(
    ws: &Workspace,
    yiwang: &Path,
    server: &LocalServer,
    uploads: &[(&str, &str)],
    publish: &str,
) -> Result<Tokens> {
    let base = &server.base_url;
    let data_dir = server.data_dir();
    let key = server.scratch_dir().join("dept.key");
    let mut keygen = Command::new(yiwang);
    keygen.args(["plugin", "keygen", "--out"]).arg(&key);
    process::run(&mut keygen)?;
    let public_key = server.scratch_dir().join("dept.key.pub");
    add_department(
        yiwang,
        &data_dir,
        DEPARTMENT,
        "上传测试部门",
        Some(&public_key),
    )?;
    add_developer(yiwang, &data_dir)?;

    let admin = load::login(base, ADMIN, PASSWORD)?;
    let developer = load::login(base, DEVELOPER, PASSWORD)?;
    let citizen = load::login(base, load::LOGIN, PASSWORD)?;
    let client = agent(REQUEST_TIMEOUT);
    let registered = call(
        &client,
        &format!("{base}/api/v1/admin/items"),
        &admin,
        &json!({"code": ITEM, "department": DEPARTMENT}),
    )?;
    ensure!(registered.0 == 201, "registering {ITEM}: {}", registered.1);
    for (variant, version) in uploads {
        let component = server.scratch_dir().join(format!("{ITEM}-{version}.wasm"));
        let built = crafted::wasm(ws, variant);
        std::fs::copy(&built, &component)
            .with_context(|| format!("copying {}", built.display()))?;
        let mut sign = Command::new(yiwang);
        sign.args(["plugin", "sign", "--key"])
            .arg(&key)
            .arg(&component);
        process::run(&mut sign)?;
        let mut upload = Command::new(yiwang);
        upload
            .args(["plugin", "upload", "--server", base, "--item", ITEM])
            .arg(&component)
            .env("YIWANG_TOKEN", &developer)
            .stdout(Stdio::null());
        step(format_args!("upload: {}", process::shown(&upload)));
        process::run(&mut upload)?;
    }
    admin_item(
        &client,
        base,
        &admin,
        "publish",
        &json!({ "version": publish }),
    )?;
    admin_item(&client, base, &admin, "enable", &json!({}))?;
    Ok(Tokens { admin, citizen })
}

/// `yiwang user add` for the developer, the password on standard input.
fn add_developer(yiwang: &Path, data_dir: &Path) -> Result<()> {
    let mut add = Command::new(yiwang);
    add.args(["user", "add", "--login", DEVELOPER, "--role", "developer"])
        .args(["--department", DEPARTMENT, "--data-dir"])
        .arg(data_dir)
        .stdin(Stdio::piped());
    step(format_args!("developer: {}", process::shown(&add)));
    let mut child = add.spawn().context("starting yiwang user add")?;
    child
        .stdin
        .take()
        .context("yiwang user add has no stdin")?
        .write_all(PASSWORD.as_bytes())?;
    let status = child.wait()?;
    ensure!(status.success(), "yiwang user add failed ({status})");
    Ok(())
}

/// POSTs `body` as JSON with the bearer `token`; returns the status and the body's text.
fn call(client: &ureq::Agent, url: &str, token: &str, body: &Value) -> Result<(u16, String)> {
    let authorization = format!("Bearer {token}");
    let (status, text) = post_json(client, url, &authorization, &body.to_string())
        .with_context(|| format!("POST {url}"))?;
    Ok((status.as_u16(), text))
}

/// An admin's `POST /api/v1/admin/items/{ITEM}/{verb}`, which must answer 200.
pub fn admin_item(
    client: &ureq::Agent,
    base: &str,
    admin: &str,
    verb: &str,
    body: &Value,
) -> Result<()> {
    let url = format!("{base}/api/v1/admin/items/{ITEM}/{verb}");
    let (status, text) = call(client, &url, admin, body)?;
    ensure!(status == 200, "{verb} {ITEM}: {status} {}", snippet(&text));
    Ok(())
}
