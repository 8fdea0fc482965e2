//! The JavaScript and Python toolchains of the department kit, pinned and installed under
//! `target/kit/` (npm and PyPI are the only sources), and the items written in those languages
//! built with them into the guest folder beside the Rust guests. The tests and `yiwang plugin
//! build` find the tools through `YIWANG_COMPONENTIZE_JS` and `YIWANG_COMPONENTIZE_PY`.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::SystemTime;

use anyhow::{Context, Result, bail};

use crate::process::{self, step};
use crate::workspace::Workspace;

/// The versions `.ci/run`, the templates and `yiwang plugin build` name too.
const COMPONENTIZE_JS: &str = "@bytecodealliance/componentize-js@0.23.0";
const COMPONENTIZE_PY: &str = "componentize-py==0.25.0";

pub const JS_TOOL_ENV: &str = "YIWANG_COMPONENTIZE_JS";
pub const PY_TOOL_ENV: &str = "YIWANG_COMPONENTIZE_PY";

/// The items not written in Rust: (folder, language, component file in the guest folder).
const SCRIPT_ITEMS: [(&str, Lang, &str); 3] = [
    (
        "plugins/exit-entry-appointment",
        Lang::Js,
        "yiwang_item_exit_entry_appointment.wasm",
    ),
    (
        "plugins/environment-report",
        Lang::Python,
        "yiwang_item_environment_report.wasm",
    ),
    (
        "tests/plugins/js-spin",
        Lang::Js,
        "yiwang_test_js_spin.wasm",
    ),
];

#[derive(Clone, Copy, Debug)]
enum Lang {
    Js,
    Python,
}

/// The installed tools.
pub struct Tools {
    pub js: PathBuf,
    pub python: PathBuf,
}

impl Tools {
    /// The environment that points `yiwang plugin build` and the tests at these tools.
    pub fn env(&self) -> [(&'static str, &Path); 2] {
        [(JS_TOOL_ENV, &self.js), (PY_TOOL_ENV, &self.python)]
    }
}

/// Installs componentize-js (npm) and componentize-py (a venv, pip) under `target/kit/` when
/// they are not there yet.
pub fn tools(ws: &Workspace) -> Result<Tools> {
    let kit = ws.target_dir.join("kit");
    let js_dir = kit.join("js");
    let js = js_dir.join("node_modules/.bin/componentize-js");
    if js.is_file() {
        step(format_args!("{COMPONENTIZE_JS}: installed"));
    } else {
        std::fs::create_dir_all(&js_dir)?;
        let mut npm = Command::new("npm");
        npm.args(["install", "--no-audit", "--no-fund", "--prefix"])
            .arg(&js_dir)
            .arg(COMPONENTIZE_JS);
        step(format_args!("{COMPONENTIZE_JS}: {}", process::shown(&npm)));
        process::run(&mut npm).context("installing componentize-js needs node and npm")?;
    }
    let venv = kit.join("py");
    let python = venv.join("bin/componentize-py");
    if python.is_file() {
        step(format_args!("{COMPONENTIZE_PY}: installed"));
    } else {
        let mut create = Command::new("python3");
        create.args(["-m", "venv"]).arg(&venv);
        step(format_args!(
            "{COMPONENTIZE_PY}: {}",
            process::shown(&create)
        ));
        process::run(&mut create).context("installing componentize-py needs python3 with venv")?;
        let mut pip = Command::new(venv.join("bin/pip"));
        pip.args([
            "install",
            "--quiet",
            "--disable-pip-version-check",
            COMPONENTIZE_PY,
        ]);
        process::run(&mut pip)?;
    }
    Ok(Tools { js, python })
}

/// Builds the JavaScript and Python items into the guest folder, each only when a file it is
/// built from (its own, the SDK's or the contract's) is newer than its component.
pub fn script_items(ws: &Workspace, tools: &Tools) -> Result<()> {
    let out_dir = ws.guest_dir();
    std::fs::create_dir_all(&out_dir)?;
    for (folder, lang, file) in SCRIPT_ITEMS {
        let dir = ws.root.join(folder);
        let out = out_dir.join(file);
        let sources = [
            dir.clone(),
            ws.root.join(match lang {
                Lang::Js => "wit/sdk-js",
                Lang::Python => "wit/sdk-python",
            }),
            ws.root.join("wit/v0.2.0"),
        ];
        let stamp = modified(&out);
        if stamp.is_some() && stamp >= newest(&sources)? {
            step(format_args!("{folder}: up to date"));
            continue;
        }
        // Each item's own build: the `build` script of its package.json (componentize-js), or
        // componentize-py reaching the SDK by a path, as it bundles no symbolic link (a new item
        // has its own copy of `yiwang.py` instead).
        let built = dir.join("target/item.wasm");
        let mut cmd = match lang {
            Lang::Js => {
                let mut cmd = Command::new("npm");
                cmd.args(["run", "--silent", "build"])
                    .env("PATH", with_tool_dir(&tools.js)?);
                cmd
            }
            Lang::Python => {
                let mut cmd = Command::new(&tools.python);
                cmd.args(["-d", "wit", "-w", "item", "componentize", "app", "-p", "."])
                    .arg("-p")
                    .arg(ws.root.join("wit/sdk-python"))
                    .arg("-o")
                    .arg(&built);
                cmd
            }
        };
        cmd.current_dir(&dir);
        step(format_args!("{folder}: {}", process::shown(&cmd)));
        process::run(&mut cmd)?;
        std::fs::copy(&built, &out)
            .with_context(|| format!("{folder}: built, but {} is not there", built.display()))?;
        let size = std::fs::metadata(&out)
            .with_context(|| format!("{folder}: built, but {} is not there", out.display()))?
            .len();
        eprintln!(
            "    {} ({} KiB)",
            ws.shown(&out).display(),
            size.div_ceil(1024)
        );
    }
    Ok(())
}

/// `PATH` with the folder of `tool` first, so that a package.json script finds it.
fn with_tool_dir(tool: &Path) -> Result<std::ffi::OsString> {
    let dir = tool.parent().context("the tool's folder")?.to_path_buf();
    let rest = std::env::var_os("PATH").unwrap_or_default();
    Ok(std::env::join_paths(
        std::iter::once(dir).chain(std::env::split_paths(&rest)),
    )?)
}

fn modified(path: &Path) -> Option<SystemTime> {
    std::fs::metadata(path).and_then(|m| m.modified()).ok()
}

/// The newest modification time under `roots`, leaving out build output and installed packages.
fn newest(roots: &[PathBuf]) -> Result<Option<SystemTime>> {
    let mut newest = None;
    let mut stack: Vec<PathBuf> = roots.to_vec();
    while let Some(path) = stack.pop() {
        let name = path
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default();
        if matches!(name, "target" | "node_modules" | "__pycache__" | ".venv") {
            continue;
        }
        // Follows symbolic links: the items reach the contract and the SDK through them.
        let meta = match std::fs::metadata(&path) {
            Ok(meta) => meta,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
            Err(e) => bail!("reading {}: {e}", path.display()),
        };
        if meta.is_dir() {
            for entry in std::fs::read_dir(&path)? {
                stack.push(entry?.path());
            }
        } else {
            newest = newest.max(meta.modified().ok());
        }
    }
    Ok(newest)
}
