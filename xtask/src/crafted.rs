//! The crafted test item's variants: `tests/plugins/crafted` describes a valid item, or that item
//! broken in one way, according to `YIWANG_CRAFT` (and its version from `YIWANG_CRAFT_VERSION`)
//! when it is built. The upload tests and `cargo xtask swap` need each variant as its own file,
//! `<guest dir>/crafted/<variant>.wasm`; this builds them, one rebuild of one small crate each.
//!
//! The variants share the workspace's target directory, so the plain build of the crate (no
//! variables: `ok` at 1.0.0) is built again last. A stamp of that plain artifact (its size and
//! modification time, which change whenever cargo links it anew) says when the variants were made
//! from the same sources, and the whole step is then skipped.
//!
//! Other guests with build-time variants (a shipped item's next points table, say) describe
//! theirs as a [`VariantSet`] of their own and are built the same way.

mod school_points;

use std::fs;
use std::path::{Path, PathBuf};
use std::time::UNIX_EPOCH;

use anyhow::{Context, Result};

use crate::process::{self, step};
use crate::workspace::{GUEST_PROFILE, GUEST_TARGET, Workspace};

pub const PACKAGE: &str = "yiwang-test-crafted";

/// A guest built once plainly and again with two build-time variables per variant, each variant
/// kept as `<guest dir>/<dir>/<name>.wasm`.
pub struct VariantSet {
    pub package: &'static str,
    pub dir: &'static str,
    /// The two variables (what, and the version described).
    pub env: [&'static str; 2],
    /// What the plain build describes; its file is copied, never rebuilt, for these names.
    pub plain: &'static [&'static str],
    /// `(file name, first variable, second variable)` of every variant built with the variables.
    pub variants: &'static [(&'static str, &'static str, &'static str)],
}

const CRAFTED: VariantSet = VariantSet {
    package: PACKAGE,
    dir: "crafted",
    env: ["YIWANG_CRAFT", "YIWANG_CRAFT_VERSION"],
    plain: &["ok", "ok-1.0.0"],
    variants: &VARIANTS,
};

/// Every guest with build-time variants.
const SETS: [&VariantSet; 2] = [&CRAFTED, &school_points::SET];

/// `(file name, YIWANG_CRAFT, YIWANG_CRAFT_VERSION)` of every crafted variant.
const VARIANTS: [(&str, &str, &str); 11] = [
    ("describe-trap", "describe-trap", "1.0.0"),
    ("invalid-schema", "invalid-schema", "1.0.0"),
    ("unreachable-state", "unreachable-state", "1.0.0"),
    ("undeclared-target", "undeclared-target", "1.0.0"),
    ("missing-field", "missing-field", "1.0.0"),
    ("nested-form", "nested-form", "1.0.0"),
    ("backtracking-pattern", "backtracking-pattern", "1.0.0"),
    ("not-lookahead", "not-lookahead", "1.0.0"),
    ("patterned-form", "patterned-form", "1.0.0"),
    ("ok-1.1.0", "ok", "1.1.0"),
    ("ok-2.0.0", "ok", "2.0.0"),
];

/// `<guest dir>/crafted`.
pub fn dir(ws: &Workspace) -> PathBuf {
    ws.guest_dir().join(CRAFTED.dir)
}

/// `<guest dir>/crafted/<variant>.wasm`.
pub fn wasm(ws: &Workspace, variant: &str) -> PathBuf {
    dir(ws).join(format!("{variant}.wasm"))
}

/// Builds every set's variants after the plain guest build.
pub fn variants(ws: &Workspace) -> Result<()> {
    SETS.iter().try_for_each(|set| set_variants(ws, set))
}

/// Builds a set's variants, unless they are already up to date with its plain build.
fn set_variants(ws: &Workspace, set: &VariantSet) -> Result<()> {
    let Some(guest) = ws.guests.iter().find(|g| g.package == set.package) else {
        return Ok(());
    };
    let plain = ws.guest_wasm(guest);
    let out = ws.guest_dir().join(set.dir);
    let wasm = |name: &str| out.join(format!("{name}.wasm"));
    let [what_env, version_env] = set.env;
    let stamp_file = out.join(".stamp");
    let names = set
        .plain
        .iter()
        .chain(set.variants.iter().map(|(name, ..)| name));
    let all_there = names.clone().all(|name| wasm(name).is_file());
    if all_there && fs::read_to_string(&stamp_file).ok() == Some(stamp(&plain)?) {
        step(format_args!(
            "{} variants: up to date in {}",
            set.dir,
            ws.shown(&out).display()
        ));
        return Ok(());
    }
    fs::create_dir_all(&out).with_context(|| format!("creating {}", out.display()))?;
    for name in set.plain {
        copy(&plain, &wasm(name))?;
    }
    step(format_args!(
        "{} variants ({}): {what_env}=… {version_env}=… {}",
        set.dir,
        set.variants.len(),
        process::shown(&build(ws, set.package))
    ));
    for (name, what, version) in set.variants {
        let mut cmd = build(ws, set.package);
        cmd.env(what_env, what).env(version_env, version);
        process::run(&mut cmd)
            .with_context(|| format!("building the {} variant {name}", set.dir))?;
        copy(&plain, &wasm(name))?;
    }
    // Back to the plain build, which the tests load as it is (the crafted `ok` at 1.0.0).
    let mut cmd = build(ws, set.package);
    cmd.env_remove(what_env).env_remove(version_env);
    process::run(&mut cmd)?;
    fs::write(&stamp_file, stamp(&plain)?)
        .with_context(|| format!("writing {}", stamp_file.display()))?;
    for name in names {
        let wasm = wasm(name);
        let size = fs::metadata(&wasm)?.len();
        eprintln!(
            "    {} ({} KiB)",
            ws.shown(&wasm).display(),
            size.div_ceil(1024)
        );
    }
    Ok(())
}

/// `cargo build --profile guest --target wasm32-wasip2 -p <package>`, quiet: the step line says
/// what runs, and the files are listed once all are built.
fn build(ws: &Workspace, package: &str) -> std::process::Command {
    let mut cmd = process::cargo(&ws.root);
    cmd.args([
        "build",
        "--quiet",
        "--profile",
        GUEST_PROFILE,
        "--target",
        GUEST_TARGET,
        "-p",
        package,
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
