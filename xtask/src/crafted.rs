//! The crafted test item's variants: `tests/plugins/crafted` describes a valid item, or that item
//! broken in one way, according to `YIWANG_CRAFT` (and its version from `YIWANG_CRAFT_VERSION`)
//! when it is built. The upload tests and `cargo xtask swap` need each variant as its own file,
//! `<guest dir>/crafted/<variant>.wasm`; this builds them, one rebuild of one small crate each.
//!
//! The variants share the workspace's target directory, so the plain build of the crate (no
//! variables: `ok` at 1.0.0) is built again last. A stamp of that plain artifact (its size and
//! modification time, which change whenever cargo links it anew) says when the variants were made
//! from the same sources, and the whole step is then skipped.

use std::fs;
use std::path::{Path, PathBuf};
use std::time::UNIX_EPOCH;

use anyhow::{Context, Result};

use crate::process::{self, step};
use crate::workspace::{GUEST_PROFILE, GUEST_TARGET, Workspace};

pub const PACKAGE: &str = "yiwang-test-crafted";
const CRAFT_ENV: &str = "YIWANG_CRAFT";
const VERSION_ENV: &str = "YIWANG_CRAFT_VERSION";

/// What the plain build describes; its file is copied, never rebuilt, for these names.
const PLAIN: [&str; 2] = ["ok", "ok-1.0.0"];

/// `(file name, YIWANG_CRAFT, YIWANG_CRAFT_VERSION)` of every variant built with the variables.
const VARIANTS: [(&str, &str, &str); 7] = [
    ("describe-trap", "describe-trap", "1.0.0"),
    ("invalid-schema", "invalid-schema", "1.0.0"),
    ("unreachable-state", "unreachable-state", "1.0.0"),
    ("undeclared-target", "undeclared-target", "1.0.0"),
    ("missing-field", "missing-field", "1.0.0"),
    ("ok-1.1.0", "ok", "1.1.0"),
    ("ok-2.0.0", "ok", "2.0.0"),
];

/// `<guest dir>/crafted`.
pub fn dir(ws: &Workspace) -> PathBuf {
    ws.guest_dir().join("crafted")
}

/// `<guest dir>/crafted/<variant>.wasm`.
pub fn wasm(ws: &Workspace, variant: &str) -> PathBuf {
    dir(ws).join(format!("{variant}.wasm"))
}

/// Builds every variant after the plain guest build, unless they are already up to date with it.
pub fn variants(ws: &Workspace) -> Result<()> {
    let Some(guest) = ws.guests.iter().find(|g| g.package == PACKAGE) else {
        return Ok(());
    };
    let plain = ws.guest_wasm(guest);
    let out = dir(ws);
    let stamp_file = out.join(".stamp");
    let names = PLAIN.iter().chain(VARIANTS.iter().map(|(name, ..)| name));
    let all_there = names.clone().all(|name| wasm(ws, name).is_file());
    if all_there && fs::read_to_string(&stamp_file).ok() == Some(stamp(&plain)?) {
        step(format_args!(
            "crafted variants: up to date in {}",
            ws.shown(&out).display()
        ));
        return Ok(());
    }
    fs::create_dir_all(&out).with_context(|| format!("creating {}", out.display()))?;
    for name in PLAIN {
        copy(&plain, &wasm(ws, name))?;
    }
    step(format_args!(
        "crafted variants ({}): {CRAFT_ENV}=… {VERSION_ENV}=… {}",
        VARIANTS.len(),
        process::shown(&build(ws))
    ));
    for (name, craft, version) in VARIANTS {
        let mut cmd = build(ws);
        cmd.env(CRAFT_ENV, craft).env(VERSION_ENV, version);
        process::run(&mut cmd).with_context(|| format!("building the crafted variant {name}"))?;
        copy(&plain, &wasm(ws, name))?;
    }
    // Back to the plain build, which the other guests' tests load as `ok` at 1.0.0.
    let mut cmd = build(ws);
    cmd.env_remove(CRAFT_ENV).env_remove(VERSION_ENV);
    process::run(&mut cmd)?;
    fs::write(&stamp_file, stamp(&plain)?)
        .with_context(|| format!("writing {}", stamp_file.display()))?;
    for name in names {
        let wasm = wasm(ws, name);
        let size = fs::metadata(&wasm)?.len();
        eprintln!(
            "    {} ({} KiB)",
            ws.shown(&wasm).display(),
            size.div_ceil(1024)
        );
    }
    Ok(())
}

/// `cargo build --profile guest --target wasm32-wasip2 -p yiwang-test-crafted`, quiet: the
/// step line says what runs, and the files are listed once all are built.
fn build(ws: &Workspace) -> std::process::Command {
    let mut cmd = process::cargo(&ws.root);
    cmd.args([
        "build",
        "--quiet",
        "--profile",
        GUEST_PROFILE,
        "--target",
        GUEST_TARGET,
        "-p",
        PACKAGE,
    ]);
    cmd
}

fn copy(from: &Path, to: &Path) -> Result<()> {
    // Not a hard link: the next build replaces `from` in place.
    fs::copy(from, to)
        .map(drop)
        .with_context(|| format!("copying {} to {}", from.display(), to.display()))
}

/// Size and modification time of the plain artifact: what it was when the variants were built.
fn stamp(plain: &Path) -> Result<String> {
    let meta = fs::metadata(plain).with_context(|| format!("{} is not there", plain.display()))?;
    let modified = meta
        .modified()?
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default()
        .as_nanos();
    Ok(format!("{} {modified}\n", meta.len()))
}
