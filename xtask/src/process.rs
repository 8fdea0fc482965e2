//! Running child processes the way every xtask command does: announce the step on one line, run it
//! with inherited output, and turn a non-zero exit into an error that names the command.

use std::ffi::OsStr;
use std::fmt::Display;
use std::path::Path;
use std::process::Command;

use anyhow::{Context, Result, bail};

/// One line saying what happens next, on stderr beside cargo's own progress lines.
pub fn step(what: impl Display) {
    eprintln!("==> {what}");
}

/// `cargo`, the same one that runs xtask (cargo sets `CARGO` for the programs it runs).
pub fn cargo(workspace_root: &Path) -> Command {
    let program = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let mut cmd = Command::new(program);
    cmd.current_dir(workspace_root);
    cmd
}

/// Runs `cmd` to completion with inherited stdio; fails unless it exits with status 0.
pub fn run(cmd: &mut Command) -> Result<()> {
    let status = cmd
        .status()
        .with_context(|| format!("could not start `{}`", shown(cmd)))?;
    if !status.success() {
        bail!("`{}` failed ({status})", shown(cmd));
    }
    Ok(())
}

/// The command as a person would type it: the program's file name, then its arguments.
pub fn shown(cmd: &Command) -> String {
    let program = Path::new(cmd.get_program())
        .file_name()
        .unwrap_or(cmd.get_program());
    std::iter::once(program)
        .chain(cmd.get_args())
        .map(quoted)
        .collect::<Vec<_>>()
        .join(" ")
}

fn quoted(arg: &OsStr) -> String {
    let arg = arg.to_string_lossy();
    if arg.is_empty() || arg.contains(|c: char| c.is_whitespace() || c == '"' || c == '\'') {
        format!("'{}'", arg.replace('\'', r"'\''"))
    } else {
        arg.into_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_command_is_shown_with_its_program_name_and_quoted_arguments() {
        let mut cmd = Command::new("/usr/bin/cargo");
        cmd.args(["test", "-p", "yiwang-host", "--", "two words"]);
        assert_eq!(shown(&cmd), "cargo test -p yiwang-host -- 'two words'");
    }
}
