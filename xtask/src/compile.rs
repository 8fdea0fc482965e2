//! Building: the wasm32-wasip2 target if missing, every guest in one cargo invocation (profile
//! `guest`) followed by the crafted test item's variants and the JavaScript and Python items
//! (`kit.rs`), and the host. The other commands call
//! these; `cargo xtask build` calls them all.

use std::path::Path;
use std::process::{Command, Stdio};

use anyhow::{Context, Result, bail};

use crate::crafted;
use crate::kit;
use crate::process::{self, step};
use crate::workspace::{GUEST_PROFILE, GUEST_TARGET, HOST_PACKAGE, Profile, Workspace};

/// `cargo xtask build`: target, guests, host (dev).
pub fn everything(ws: &Workspace) -> Result<()> {
    guest_target(ws)?;
    guests(ws)?;
    host(ws, Profile::Dev)
}

/// Adds the wasm32-wasip2 target to the toolchain that runs xtask when it is not installed.
pub fn guest_target(ws: &Workspace) -> Result<()> {
    let installed = Command::new("rustup")
        .args(["target", "list", "--installed"])
        .current_dir(&ws.root)
        .stderr(Stdio::inherit())
        .output();
    match installed {
        Ok(out) if out.status.success() => {
            if String::from_utf8_lossy(&out.stdout)
                .lines()
                .any(|l| l.trim() == GUEST_TARGET)
            {
                step(format_args!("target {GUEST_TARGET}: installed"));
                return Ok(());
            }
            step(format_args!(
                "target {GUEST_TARGET}: missing, rustup target add {GUEST_TARGET}"
            ));
            process::run(
                Command::new("rustup")
                    .args(["target", "add", GUEST_TARGET])
                    .current_dir(&ws.root),
            )
        }
        // No rustup (a distribution's Rust): look for the target's standard library in the sysroot.
        _ if sysroot_has_guest_target(&ws.root) => {
            step(format_args!("target {GUEST_TARGET}: installed (no rustup)"));
            Ok(())
        }
        _ => bail!("the {GUEST_TARGET} target is not installed and there is no rustup to add it"),
    }
}

fn sysroot_has_guest_target(root: &Path) -> bool {
    let Ok(out) = Command::new("rustc")
        .args(["--print", "sysroot"])
        .current_dir(root)
        .output()
    else {
        return false;
    };
    let sysroot = String::from_utf8_lossy(&out.stdout).trim().to_owned();
    out.status.success()
        && Path::new(&sysroot)
            .join("lib/rustlib")
            .join(GUEST_TARGET)
            .is_dir()
}

/// Builds every guest as a component in one cargo invocation; checks each `.wasm` appeared. Then
/// the crafted test item's variants, which the upload tests and the swap run load.
pub fn guests(ws: &Workspace) -> Result<()> {
    if ws.guests.is_empty() {
        step(
            "guests: none in the workspace yet (members under plugins/, examples/, tests/plugins/ with a cdylib), skipped",
        );
        return Ok(());
    }
    let mut cmd = process::cargo(&ws.root);
    cmd.args([
        "build",
        "--profile",
        GUEST_PROFILE,
        "--target",
        GUEST_TARGET,
    ])
    .args(ws.guest_package_args());
    step(format_args!(
        "guests ({}): {}",
        ws.guests.len(),
        process::shown(&cmd)
    ));
    process::run(&mut cmd)?;
    for guest in &ws.guests {
        let wasm = ws.guest_wasm(guest);
        let size = std::fs::metadata(&wasm)
            .with_context(|| {
                format!(
                    "{}: built, but {} is not there",
                    guest.package,
                    wasm.display()
                )
            })?
            .len();
        eprintln!(
            "    {} ({} KiB)",
            ws.shown(&wasm).display(),
            size.div_ceil(1024)
        );
    }
    crafted::variants(ws)?;
    let tools = kit::tools(ws)?;
    kit::script_items(ws, &tools)
}

/// Builds the `yiwang` binary in the given profile.
pub fn host(ws: &Workspace, profile: Profile) -> Result<()> {
    let mut cmd = process::cargo(&ws.root);
    cmd.arg("build");
    if let Profile::Release = profile {
        cmd.arg("--release");
    }
    cmd.args(["-p", HOST_PACKAGE]);
    step(format_args!(
        "host: {} -> {}",
        process::shown(&cmd),
        ws.shown(&ws.host_binary(profile)).display()
    ));
    process::run(&mut cmd)
}
