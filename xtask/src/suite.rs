//! `cargo xtask test`: builds the guests, then runs the host-side suite (every workspace member but the
//! guests) and the guests' own unit tests natively. Both run even when the first fails, so one CI run
//! shows every failure; any failure fails the command.
//!
//! The host is built by the host-side `cargo test` itself (its integration tests need the `yiwang`
//! binary, so cargo builds it too): a separate `cargo build -p yiwang-host` resolves features without
//! the dev-dependencies and the rest of the workspace, and on a fresh CI machine would build wasmtime
//! and the host a second time for nothing.
//!
//! `YIWANG_TEST_DATABASE_URL`, when set, is simply inherited: the suite itself reads it.

use anyhow::{Result, bail};

use crate::args::harness_args;
use crate::compile;
use crate::process::{self, step};
use crate::workspace::Workspace;

/// Tells the tests where the guest components are, whatever the target directory.
pub const GUEST_DIR_ENV: &str = "YIWANG_GUEST_DIR";

pub fn run(ws: &Workspace, passthrough: &[String]) -> Result<()> {
    compile::guest_target(ws)?;
    compile::guests(ws)?;

    let mut failed = Vec::new();

    let mut host_side = process::cargo(&ws.root);
    host_side.args(["test", "--workspace"]);
    for guest in &ws.guests {
        host_side.args(["--exclude", &guest.package]);
    }
    host_side
        .args(passthrough)
        .env(GUEST_DIR_ENV, ws.guest_dir());
    step(format_args!(
        "host and its tests: {}",
        process::shown(&host_side)
    ));
    if let Err(err) = process::run(&mut host_side) {
        failed.push(err);
    }

    if !ws.guests.is_empty() {
        // Only the harness arguments (a name filter, --nocapture …) reach the guests: cargo-level
        // arguments such as `--test api` name host-side targets the guests do not have.
        let mut guest_side = process::cargo(&ws.root);
        guest_side.arg("test").args(ws.guest_package_args());
        let harness = harness_args(passthrough);
        if !harness.is_empty() {
            guest_side.arg("--").args(harness);
        }
        step(format_args!(
            "guests' native unit tests: {}",
            process::shown(&guest_side)
        ));
        if let Err(err) = process::run(&mut guest_side) {
            failed.push(err);
        }
    }

    match failed.as_slice() {
        [] => Ok(()),
        [only] => bail!("{only:#}"),
        [first, second, ..] => bail!("{first:#}; {second:#}"),
    }
}
