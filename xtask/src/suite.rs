//! `cargo xtask test`: the lint (`cargo xtask lint`: formatting and clippy), then builds the guests
//! and runs the host-side suite (every workspace member but the guests) and the guests' own unit
//! tests natively. Each step goes ahead even when one before it fails (only a failed guest build
//! stops the tests, which need the guests), so one CI run shows every failure; any failure fails
//! the command.
//!
//! The host is built by the host-side `cargo test` itself (its integration tests need the `yiwang`
//! binary, so cargo builds it too): a separate `cargo build -p yiwang-host` resolves features without
//! the dev-dependencies and the rest of the workspace, and on a fresh CI machine would build wasmtime
//! and the host a second time for nothing.
//!
//! The host side includes the browser tests (`--test web`, on SQLite only): Chromium and chromedriver
//! are installed first when missing (see `browser.rs`), or the command fails saying how.
//!
//! The black-box suite picks its backend from `YIWANG_TEST_DATABASE_URL` (its `helpers.rs` is the one
//! place that reads it). The host-side run always goes without it, on SQLite, so a machine with no
//! PostgreSQL passes; when it is set, the api suite runs a second time with it, on PostgreSQL, so
//! one `cargo xtask test` covers both backends.

use std::process::Command;

use anyhow::{Result, bail};

use crate::args::harness_args;
use crate::browser;
use crate::compile;
use crate::kit;
use crate::lint;
use crate::process::{self, step};
use crate::workspace::Workspace;

/// Tells the tests where the guest components are, whatever the target directory.
pub const GUEST_DIR_ENV: &str = "YIWANG_GUEST_DIR";

/// A PostgreSQL database for the black-box suite to run on as well.
pub const TEST_DATABASE_URL_ENV: &str = "YIWANG_TEST_DATABASE_URL";

pub fn run(ws: &Workspace, passthrough: &[String]) -> Result<()> {
    let mut failed = Vec::new();

    if let Err(err) = lint::run(ws) {
        failed.push(err);
    }

    if let Err(err) = compile::guest_target(ws).and_then(|()| compile::guests(ws)) {
        failed.push(err);
        return outcome(&failed);
    }

    if browser::needed(passthrough)
        && let Err(err) = browser::ensure()
    {
        failed.push(err);
    }

    // The kit's tests build items in JavaScript and Python with the tools `compile::guests`
    // installed.
    let tools = match kit::tools(ws) {
        Ok(tools) => tools,
        Err(err) => {
            failed.push(err);
            return outcome(&failed);
        }
    };
    let mut host_side = host_side_test(ws);
    host_side
        .args(passthrough)
        .env(GUEST_DIR_ENV, ws.guest_dir())
        .envs(tools.env())
        .env_remove(TEST_DATABASE_URL_ENV);
    step(format_args!(
        "host and its tests, on SQLite: {}",
        process::shown(&host_side)
    ));
    if let Err(err) = process::run(&mut host_side) {
        failed.push(err);
    }

    if std::env::var_os(TEST_DATABASE_URL_ENV).is_some_and(|url| !url.is_empty()) {
        // Only the harness arguments again (a name filter …): the cargo-level ones chose targets for
        // the run above. The same packages as that run, so that features resolve alike and its
        // build is reused. The URL is inherited, never shown: it may carry a password.
        let mut on_postgres = host_side_test(ws);
        on_postgres
            .args(["--test", "api"])
            .env(GUEST_DIR_ENV, ws.guest_dir())
            .envs(tools.env());
        let harness = harness_args(passthrough);
        if !harness.is_empty() {
            on_postgres.arg("--").args(harness);
        }
        step(format_args!(
            "the black-box suite again, on PostgreSQL ({TEST_DATABASE_URL_ENV}): {}",
            process::shown(&on_postgres)
        ));
        if let Err(err) = process::run(&mut on_postgres) {
            failed.push(err);
        }
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

    outcome(&failed)
}

/// Every failure in one error, in the order the steps ran.
fn outcome(failed: &[anyhow::Error]) -> Result<()> {
    if failed.is_empty() {
        return Ok(());
    }
    let all: Vec<String> = failed.iter().map(|err| format!("{err:#}")).collect();
    bail!("{}", all.join("; "))
}

/// `cargo test` over every workspace member but the guests, the SDK with its `testing` module
/// (the host's catalog rules, which only the guests' tests would otherwise switch on).
fn host_side_test(ws: &Workspace) -> Command {
    let mut cmd = process::cargo(&ws.root);
    cmd.args(["test", "--workspace", "--features", "yiwang-sdk/testing"]);
    for guest in &ws.guests {
        cmd.args(["--exclude", &guest.package]);
    }
    cmd
}
