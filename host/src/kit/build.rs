//! `yiwang plugin build [DIR]`: one command for an item in any language. The folder says which:
//! `Cargo.toml` is Rust (cargo for `wasm32-wasip2`), `package.json` JavaScript (componentize-js on
//! `src/item.js`), `app.py` Python (componentize-py on the `app` module); each builds against the
//! world `item` in the folder's `wit/`, and the component lands in `target/item.wasm`.

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, bail};

use super::new::Lang;

/// The exact toolchains a build uses, as `.ci/run`, xtask and the templates pin them.
pub const COMPONENTIZE_JS: &str = "@bytecodealliance/componentize-js@0.23.0";
pub const COMPONENTIZE_PY: &str = "componentize-py==0.25.0";

/// Which language the item in `dir` is written in.
pub fn detect(dir: &Path) -> anyhow::Result<Lang> {
    if dir.join("Cargo.toml").is_file() {
        Ok(Lang::Rust)
    } else if dir.join("package.json").is_file() {
        Ok(Lang::Js)
    } else if dir.join("app.py").is_file() {
        Ok(Lang::Python)
    } else {
        bail!(
            "{} holds no item: expected Cargo.toml (Rust), package.json (JavaScript) or app.py \
             (Python); `yiwang plugin new` makes one",
            dir.display()
        )
    }
}

/// Builds the item in `dir` into `out` (by default `dir/target/item.wasm`) and returns its path.
/// A Rust item builds in `cargo_target_dir` when given (several items then share their
/// dependencies' builds), else where cargo would.
pub fn build(
    dir: &Path,
    out: Option<&Path>,
    cargo_target_dir: Option<&Path>,
) -> anyhow::Result<PathBuf> {
    let dir = dir
        .canonicalize()
        .with_context(|| format!("no folder {}", dir.display()))?;
    let lang = detect(&dir)?;
    let out = match out {
        Some(out) => std::path::absolute(out)?,
        None => dir.join("target").join("item.wasm"),
    };
    if let Some(parent) = out.parent() {
        std::fs::create_dir_all(parent)?;
    }
    match lang {
        Lang::Rust => {
            let mut cargo = Command::new("cargo");
            cargo
                .args(["build", "--release", "--target", "wasm32-wasip2"])
                .current_dir(&dir);
            if let Some(target) = cargo_target_dir {
                cargo.env("CARGO_TARGET_DIR", target);
            }
            run(&mut cargo)?;
            let built = rust_output(&dir, cargo_target_dir)?;
            std::fs::copy(&built, &out)
                .with_context(|| format!("copying {} to {}", built.display(), out.display()))?;
        }
        Lang::Js => {
            let tool = tool(
                &dir,
                "YIWANG_COMPONENTIZE_JS",
                "node_modules/.bin/componentize-js",
                "componentize-js",
                &format!("`npm install` in the item's folder (it pins {COMPONENTIZE_JS})"),
            )?;
            // componentize-js reads only below the folder it runs in: run it from the folder
            // that holds both the item and its SDK (the same unless `sdk` links elsewhere, as in
            // the platform's own repository).
            let root = match dir.join("sdk").canonicalize() {
                Ok(sdk) => common_ancestor(&dir, &sdk),
                Err(_) => dir.clone(),
            };
            let source = dir.join("src/item.js");
            run(Command::new(tool)
                .arg(source.strip_prefix(&root).unwrap_or(&source))
                .arg("--wit")
                .arg(dir.join("wit"))
                .args(["--world-name", "item"])
                // No fetch, no clock and no randomness: an item gets time from the host and
                // talks to nothing but its host interfaces.
                .args(["--disable", "http", "fetch-event", "random", "clocks"])
                .arg("--out")
                .arg(&out)
                .current_dir(&root))?;
        }
        Lang::Python => {
            let tool = tool(
                &dir,
                "YIWANG_COMPONENTIZE_PY",
                ".venv/bin/componentize-py",
                "componentize-py",
                &format!("`pip install {COMPONENTIZE_PY}` (requirements.txt pins it)"),
            )?;
            run(Command::new(tool)
                .args(["-d", "wit", "-w", "item", "componentize", "app", "-o"])
                .arg(&out)
                .current_dir(&dir))?;
        }
    }
    Ok(out)
}

/// The deepest folder holding both `a` and `b` (both absolute).
fn common_ancestor(a: &Path, b: &Path) -> PathBuf {
    a.components()
        .zip(b.components())
        .take_while(|(x, y)| x == y)
        .map(|(x, _)| x)
        .collect()
}

/// The tool: `$env`, the item's own install, or the one on PATH.
fn tool(dir: &Path, env: &str, local: &str, name: &str, install: &str) -> anyhow::Result<OsString> {
    if let Some(path) = std::env::var_os(env) {
        return Ok(path);
    }
    let local = dir.join(local);
    if local.is_file() {
        return Ok(local.into_os_string());
    }
    let on_path = std::env::var_os("PATH")
        .map(|paths| std::env::split_paths(&paths).any(|p| p.join(name).is_file()))
        .unwrap_or(false);
    if on_path {
        return Ok(name.into());
    }
    bail!("{name} is not installed: run {install}, or set {env} to it")
}

fn run(command: &mut Command) -> anyhow::Result<()> {
    let shown = format!("{command:?}");
    let status = command
        .status()
        .with_context(|| format!("starting {shown}"))?;
    if !status.success() {
        bail!("{shown} failed ({status})");
    }
    Ok(())
}

/// `target/wasm32-wasip2/release/<crate>.wasm` (under `CARGO_TARGET_DIR` when set).
fn rust_output(dir: &Path, cargo_target_dir: Option<&Path>) -> anyhow::Result<PathBuf> {
    let manifest: toml::Table = std::fs::read_to_string(dir.join("Cargo.toml"))?
        .parse()
        .context("reading Cargo.toml")?;
    let name = manifest
        .get("package")
        .and_then(|p| p.get("name"))
        .and_then(|n| n.as_str())
        .context("Cargo.toml has no package name")?;
    let target = cargo_target_dir
        .map(Path::to_path_buf)
        .or_else(|| std::env::var_os("CARGO_TARGET_DIR").map(PathBuf::from))
        .unwrap_or_else(|| dir.join("target"));
    let target = if target.is_relative() {
        dir.join(target)
    } else {
        target
    };
    Ok(target
        .join("wasm32-wasip2/release")
        .join(format!("{}.wasm", name.replace('-', "_"))))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_common_ancestor_holds_both_folders() {
        assert_eq!(
            common_ancestor(Path::new("/r/plugins/a"), Path::new("/r/wit/sdk-js")),
            Path::new("/r")
        );
        assert_eq!(
            common_ancestor(Path::new("/r/a"), Path::new("/r/a/sdk")),
            Path::new("/r/a")
        );
    }

    #[test]
    fn the_folder_says_the_language() {
        let tmp = tempfile::tempdir().unwrap();
        assert!(
            detect(tmp.path())
                .unwrap_err()
                .to_string()
                .contains("holds no item")
        );
        std::fs::write(tmp.path().join("app.py"), "").unwrap();
        assert_eq!(detect(tmp.path()).unwrap(), Lang::Python);
        std::fs::write(tmp.path().join("package.json"), "{}").unwrap();
        assert_eq!(detect(tmp.path()).unwrap(), Lang::Js);
        std::fs::write(tmp.path().join("Cargo.toml"), "").unwrap();
        assert_eq!(detect(tmp.path()).unwrap(), Lang::Rust);
    }
}
