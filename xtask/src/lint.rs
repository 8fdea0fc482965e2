//! `cargo xtask lint`: the formatting check (`cargo fmt --all --check`, with the root
//! `rustfmt.toml`), then clippy over every member and target with warnings denied — the guests
//! built natively, as their unit tests are. The lints themselves are `[workspace.lints]` in the
//! root `Cargo.toml`, so a plain `cargo clippy` in an editor sees the same ones. Both checks run
//! even when the first fails, so one run shows everything to fix. `cargo xtask test` runs this
//! first.

use anyhow::{Result, bail};

use crate::process::{self, step};
use crate::workspace::Workspace;

pub fn run(ws: &Workspace) -> Result<()> {
    let mut failed = Vec::new();

    let mut fmt = process::cargo(&ws.root);
    fmt.args(["fmt", "--all", "--check"]);
    step(format_args!("formatting: {}", process::shown(&fmt)));
    if let Err(err) = process::run(&mut fmt) {
        failed.push(format!(
            "{err:#}: the code is not formatted as rustfmt.toml says; run `cargo fmt --all` and \
             commit the result"
        ));
    }

    let mut clippy = process::cargo(&ws.root);
    clippy.args([
        "clippy",
        "--workspace",
        "--all-targets",
        "--",
        "-D",
        "warnings",
    ]);
    step(format_args!(
        "lints, guests built natively: {}",
        process::shown(&clippy)
    ));
    if let Err(err) = process::run(&mut clippy) {
        failed.push(format!(
            "{err:#}: fix what clippy reports above (the lints are [workspace.lints] in the root \
             Cargo.toml); where a lint is wrong for one item, put `#[expect(<lint>, reason = \
             \"…\")]` on that item"
        ));
    }

    if failed.is_empty() {
        Ok(())
    } else {
        bail!("lint failed: {}", failed.join("; "))
    }
}
