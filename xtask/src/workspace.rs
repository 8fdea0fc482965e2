//! What xtask knows about the workspace, read from `cargo metadata` each run rather than hard-coded:
//! its root, its target directory, and the guest crates — every member under `plugins/`, `examples/`
//! or `tests/plugins/` with a `cdylib` target. A new item is picked up as soon as it is a member.

use std::path::{Path, PathBuf};
use std::process::Stdio;

use anyhow::{Context, Result, bail};
use serde_json::Value;

use crate::process;

/// Where guest crates live, relative to the workspace root.
const GUEST_DIRS: [&str; 3] = ["plugins", "examples", "tests/plugins"];

pub const HOST_PACKAGE: &str = "yiwang-host";
pub const HOST_BINARY: &str = "yiwang";
pub const GUEST_TARGET: &str = "wasm32-wasip2";
pub const GUEST_PROFILE: &str = "guest";

#[derive(Debug)]
pub struct Workspace {
    pub root: PathBuf,
    pub target_dir: PathBuf,
    pub guests: Vec<Guest>,
}

/// A crate built as a WebAssembly component for the host to load.
#[derive(Debug, PartialEq, Eq)]
pub struct Guest {
    pub package: String,
    /// The cdylib target's name, which names the `.wasm` file (usually the package name).
    pub lib_name: String,
}

#[derive(Clone, Copy, Debug)]
pub enum Profile {
    Dev,
    Release,
}

impl Workspace {
    pub fn load() -> Result<Self> {
        // xtask sits one level below the workspace root; cargo metadata then tells the rest.
        let manifest_dir = Path::new(env!("CARGO_MANIFEST_DIR"));
        let start = manifest_dir.parent().unwrap_or(manifest_dir);
        let output = process::cargo(start)
            .args(["metadata", "--no-deps", "--format-version", "1"])
            .stderr(Stdio::inherit())
            .output()
            .context("could not run `cargo metadata`")?;
        if !output.status.success() {
            bail!(
                "`cargo metadata` failed ({}): is every workspace member's Cargo.toml in place?",
                output.status
            );
        }
        let metadata: Value = serde_json::from_slice(&output.stdout)
            .context("`cargo metadata` printed invalid JSON")?;
        Self::from_metadata(&metadata)
    }

    fn from_metadata(metadata: &Value) -> Result<Self> {
        let path = |key: &str| -> Result<PathBuf> {
            metadata[key]
                .as_str()
                .map(PathBuf::from)
                .with_context(|| format!("`cargo metadata` has no `{key}`"))
        };
        let root = path("workspace_root")?;
        let target_dir = path("target_directory")?;
        let guest_dirs: Vec<PathBuf> = GUEST_DIRS.iter().map(|d| root.join(d)).collect();
        let mut guests: Vec<Guest> = metadata["packages"]
            .as_array()
            .map(Vec::as_slice)
            .unwrap_or_default()
            .iter()
            .filter(|package| {
                let manifest = Path::new(package["manifest_path"].as_str().unwrap_or_default());
                guest_dirs.iter().any(|dir| manifest.starts_with(dir))
            })
            .filter_map(|package| {
                let cdylib = package["targets"].as_array()?.iter().find(|target| {
                    target["kind"]
                        .as_array()
                        .is_some_and(|kinds| kinds.iter().any(|k| k == "cdylib"))
                })?;
                Some(Guest {
                    package: package["name"].as_str()?.to_owned(),
                    lib_name: cdylib["name"].as_str()?.to_owned(),
                })
            })
            .collect();
        guests.sort_by(|a, b| a.package.cmp(&b.package));
        Ok(Workspace {
            root,
            target_dir,
            guests,
        })
    }

    /// Directory the guest components are built into: `<target>/wasm32-wasip2/guest`.
    pub fn guest_dir(&self) -> PathBuf {
        self.target_dir.join(GUEST_TARGET).join(GUEST_PROFILE)
    }

    pub fn guest_wasm(&self, guest: &Guest) -> PathBuf {
        self.guest_dir()
            .join(format!("{}.wasm", guest.lib_name.replace('-', "_")))
    }

    /// `<target>/debug/yiwang` or `<target>/release/yiwang`.
    pub fn host_binary(&self, profile: Profile) -> PathBuf {
        let dir = match profile {
            Profile::Dev => "debug",
            Profile::Release => "release",
        };
        self.target_dir
            .join(dir)
            .join(format!("{HOST_BINARY}{}", std::env::consts::EXE_SUFFIX))
    }

    /// `-p a -p b …` for every guest.
    pub fn guest_package_args(&self) -> Vec<&str> {
        self.guests
            .iter()
            .flat_map(|g| ["-p", g.package.as_str()])
            .collect()
    }

    /// A path for messages: relative to the workspace root when it is inside it.
    pub fn shown<'a>(&self, path: &'a Path) -> &'a Path {
        path.strip_prefix(&self.root).unwrap_or(path)
    }

    /// A path as the user typed it: relative ones are relative to where they ran `cargo xtask`.
    pub fn user_path(&self, path: &str) -> Result<PathBuf> {
        let path = PathBuf::from(path);
        if path.is_absolute() {
            return Ok(path);
        }
        Ok(std::env::current_dir()
            .context("no current directory")?
            .join(path))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn package(name: &str, manifest: &str, target: &str, kinds: &[&str]) -> Value {
        json!({"name": name, "manifest_path": manifest, "targets": [{"name": target, "kind": kinds}]})
    }

    #[test]
    fn guests_are_the_cdylib_members_under_the_guest_directories_and_nothing_else() {
        let metadata = json!({
            "workspace_root": "/w",
            "target_directory": "/w/target",
            "packages": [
                package("yiwang-host", "/w/host/Cargo.toml", "yiwang_host", &["lib"]),
                package("yiwang-test-memory-hog", "/w/tests/plugins/memory-hog/Cargo.toml", "yiwang_test_memory_hog", &["cdylib"]),
                package("yiwang-item-x", "/w/plugins/x/Cargo.toml", "yiwang_item_x", &["cdylib", "rlib"]),
                package("helper", "/w/plugins/helper/Cargo.toml", "helper", &["lib"]),
                package("yiwang-example-hello-item", "/w/examples/hello-item/Cargo.toml", "yiwang-example-hello-item", &["cdylib"]),
                package("not-a-guest", "/w/tests/api-support/Cargo.toml", "not_a_guest", &["cdylib"]),
                package("pluginsish", "/w/pluginsish/Cargo.toml", "pluginsish", &["cdylib"]),
            ],
        });
        let ws = Workspace::from_metadata(&metadata).unwrap();
        let names: Vec<_> = ws.guests.iter().map(|g| g.package.as_str()).collect();
        assert_eq!(
            names,
            [
                "yiwang-example-hello-item",
                "yiwang-item-x",
                "yiwang-test-memory-hog"
            ]
        );
        assert_eq!(
            ws.guest_wasm(&ws.guests[0]),
            Path::new("/w/target/wasm32-wasip2/guest/yiwang_example_hello_item.wasm")
        );
        assert_eq!(
            ws.guest_package_args()[..2],
            ["-p", "yiwang-example-hello-item"]
        );
    }

    #[test]
    fn a_workspace_without_guests_is_fine() {
        let metadata = json!({"workspace_root": "/w", "target_directory": "/t", "packages": []});
        let ws = Workspace::from_metadata(&metadata).unwrap();
        assert!(ws.guests.is_empty());
        assert_eq!(
            ws.host_binary(Profile::Release),
            Path::new("/t/release").join(format!("yiwang{}", std::env::consts::EXE_SUFFIX))
        );
    }
}
