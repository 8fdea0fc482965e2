//! `cargo xtask bench`: the criterion benchmark of a plugin call, after building the guests it loads.
//! The load run of the HTTP API is `cargo xtask load` (see `load.rs`).

use anyhow::Result;

use crate::compile;
use crate::process::{self, step};
use crate::suite::GUEST_DIR_ENV;
use crate::workspace::{HOST_PACKAGE, Workspace};

pub fn run(ws: &Workspace, passthrough: &[String]) -> Result<()> {
    compile::guest_target(ws)?;
    compile::guests(ws)?;
    let mut cmd = process::cargo(&ws.root);
    cmd.args(["bench", "-p", HOST_PACKAGE, "--bench", "plugin_call"])
        .args(passthrough)
        .env(GUEST_DIR_ENV, ws.guest_dir());
    step(format_args!("benchmark: {}", process::shown(&cmd)));
    process::run(&mut cmd)
}
