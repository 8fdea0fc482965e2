//! `cargo xtask bench`: the criterion benchmarks of a plugin call (`plugin_call`: the vehicle item)
//! and of the same item in each language (`languages`: `yiwang plugin new`'s Rust, JavaScript and
//! Python items), after building the guests and installing the kit's toolchains.
//! The load run of the HTTP API is `cargo xtask load` (see `load.rs`).

use anyhow::Result;

use crate::compile;
use crate::kit;
use crate::process::{self, step};
use crate::suite::GUEST_DIR_ENV;
use crate::workspace::{HOST_PACKAGE, Workspace};

pub fn run(ws: &Workspace, passthrough: &[String]) -> Result<()> {
    compile::guest_target(ws)?;
    compile::guests(ws)?;
    let tools = kit::tools(ws)?;
    let mut cmd = process::cargo(&ws.root);
    cmd.args(["bench", "-p", HOST_PACKAGE])
        .args(["--bench", "plugin_call", "--bench", "languages"])
        .args(passthrough)
        .env(GUEST_DIR_ENV, ws.guest_dir())
        .envs(tools.env());
    step(format_args!("benchmark: {}", process::shown(&cmd)));
    process::run(&mut cmd)
}
