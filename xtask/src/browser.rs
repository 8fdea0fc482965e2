//! The headless Chromium and chromedriver that the host's browser tests (`tests/web/`) drive: Debian's
//! `chromium` and `chromium-driver` packages, installed with apt-get when xtask runs as root (as
//! `.ci/run` does), or a failure that says how to install them. Never a silent skip: the browser
//! tests are part of the suite.

use std::path::Path;
use std::process::Command;

use anyhow::{Result, bail};

use crate::process::{self, step};

/// Where the packages put them; `tests/web/browser.rs` names the same paths.
const CHROMIUM: &str = "/usr/bin/chromium";
const CHROMEDRIVER: &str = "/usr/bin/chromedriver";

/// Each program and the Debian package that ships it.
const PACKAGES: [(&str, &str); 2] = [(CHROMIUM, "chromium"), (CHROMEDRIVER, "chromium-driver")];

/// Whether the host-side `cargo test` with these cargo-level arguments builds the `web` test
/// target: unless they pick other targets only (`--test api`, `--lib` …).
pub fn needed(passthrough: &[String]) -> bool {
    let cargo_level = match passthrough.iter().position(|a| a == "--") {
        Some(i) => &passthrough[..i],
        None => passthrough,
    };
    let mut picks_targets = false;
    let mut args = cargo_level.iter();
    while let Some(arg) = args.next() {
        let test = match arg.as_str() {
            "--test" => args.next().map(String::as_str),
            other => other.strip_prefix("--test="),
        };
        match test {
            Some("web") => return true,
            Some(_) => picks_targets = true,
            None if [
                "--lib",
                "--bins",
                "--bin",
                "--doc",
                "--benches",
                "--bench",
                "--examples",
            ]
            .iter()
            .any(|flag| arg == flag || arg.starts_with(&format!("{flag}="))) =>
            {
                picks_targets = true
            }
            None => {}
        }
    }
    !picks_targets
}

/// Makes sure both programs are there, installing the missing packages as root.
pub fn ensure() -> Result<()> {
    let missing = missing_packages();
    if missing.is_empty() {
        return Ok(());
    }
    let install = format!("apt-get install -y {}", missing.join(" "));
    if !is_root() || !Path::new("/usr/bin/apt-get").is_file() {
        bail!(
            "the browser tests need {CHROMIUM} and {CHROMEDRIVER}; missing: {}. \
             Install them with `sudo {install}` (Debian), or run `cargo xtask test` as root to \
             have it install them",
            missing.join(", ")
        );
    }
    step(format_args!(
        "installing {} for the browser tests",
        missing.join(" ")
    ));
    let apt = |args: &[&str]| {
        let mut cmd = Command::new("apt-get");
        cmd.args(args)
            .env("DEBIAN_FRONTEND", "noninteractive")
            .env("DEBCONF_NOWARNINGS", "yes");
        cmd
    };
    process::run(&mut apt(&["update", "-qq"]))?;
    let mut args = vec!["install", "-y", "-qq", "--no-install-recommends"];
    args.extend(&missing);
    process::run(&mut apt(&args))?;
    let still = missing_packages();
    if !still.is_empty() {
        bail!("`{install}` ran, yet {} is still missing", still.join(", "));
    }
    Ok(())
}

fn missing_packages() -> Vec<&'static str> {
    PACKAGES
        .iter()
        .filter(|(program, _)| !Path::new(program).is_file())
        .map(|(_, package)| *package)
        .collect()
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|out| out.status.success() && out.stdout.trim_ascii() == b"0")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn passthrough(line: &str) -> Vec<String> {
        line.split_whitespace().map(str::to_owned).collect()
    }

    #[test]
    fn the_browser_is_needed_unless_the_arguments_pick_other_targets_only() {
        for line in [
            "",
            "-p yiwang-host",
            "--test web",
            "--test=web",
            "--test api --test web",
            "-- --test api",
        ] {
            assert!(needed(&passthrough(line)), "{line:?}");
        }
        for line in [
            "--test api",
            "--test=api",
            "--lib",
            "--bin yiwang",
            "--doc -- web",
        ] {
            assert!(!needed(&passthrough(line)), "{line:?}");
        }
    }
}
