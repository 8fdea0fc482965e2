//! `cargo xtask package`: the Debian package of the host, `target/package/yiwang_<version>_<arch>.deb`
//! (`<version>` is the `yiwang-host` crate's). It holds the release binary as `/usr/bin/yiwang`,
//! the components of the items the repository's `plugins.toml` ships under
//! `/usr/lib/yiwang/items/`, that `plugins.toml` pointed at them and the settings file as
//! conffiles under `/etc/yiwang/`, the systemd unit and the maintainer scripts. The static files
//! are `packaging/debian/`'s, copied as they are; only `DEBIAN/control`, `DEBIAN/conffiles` and
//! the installed `plugins.toml` are written here. The tree is built in `target/package/` and
//! packed with `dpkg-deb --root-owner-group --build`, so every file is root's without fakeroot.
//! Nothing is downloaded. Like the other commands it knows the host's command line and files,
//! never its internals.

use std::fmt::Write as _;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use anyhow::{Context, Result, bail};
use serde_json::Value;

use crate::compile;
use crate::process::{self, step};
use crate::workspace::{HOST_PACKAGE, Profile, Workspace};

/// The package's name, which is also the binary's, the unit's and the system user's.
const PACKAGE: &str = "yiwang";
/// Where the static files live, relative to the workspace root.
const STATIC_DIR: &str = "packaging/debian";
/// Where the shipped items' components are installed.
const ITEMS_DIR: &str = "/usr/lib/yiwang/items";
const PLUGINS_TOML: &str = "/etc/yiwang/plugins.toml";
const SETTINGS_TOML: &str = "/etc/yiwang/yiwang.toml";
const UNIT: &str = "/lib/systemd/system/yiwang.service";
/// The files dpkg keeps an admin's edits of across upgrades.
const CONFFILES: [&str; 2] = [PLUGINS_TOML, SETTINGS_TOML];
/// The maintainer scripts, from `packaging/debian/` into `DEBIAN/`.
const SCRIPTS: [&str; 3] = ["postinst", "prerm", "postrm"];
const MAINTAINER: &str = "Yiwang platform team <yiwang-platform@example.gov.cn>";
/// The first lines of the installed `plugins.toml`, in place of the repository's own header
/// (which speaks of paths relative to the repository and of `cargo xtask build`).
const PLUGINS_HEADER: &str = "\
# The items this host serves, as the yiwang package installs them: the platform admin's file (a
# conffile: your edits are kept on upgrade). Each item gets exactly what is granted here and
# nothing else (deny by default). The shipped components are in /usr/lib/yiwang/items/; a path
# that is not absolute is relative to this file. The server watches this file and applies an edit
# without a restart.
";

pub fn run(ws: &Workspace) -> Result<()> {
    let arch = debian_arch(std::env::consts::ARCH)?;
    let version = host_version(ws)?;
    compile::guest_target(ws)?;
    compile::guests(ws)?;
    compile::host(ws, Profile::Release)?;

    let out_dir = ws.target_dir.join("package");
    let name = format!("{PACKAGE}_{version}_{arch}");
    let tree = out_dir.join(&name);
    let deb = out_dir.join(format!("{name}.deb"));
    step(format_args!("package tree: {}", ws.shown(&tree).display()));
    if tree.exists() {
        fs::remove_dir_all(&tree).with_context(|| format!("removing {}", tree.display()))?;
    }
    let static_dir = ws.root.join(STATIC_DIR);
    let binary = ws.host_binary(Profile::Release);
    install(&binary, &tree, "/usr/bin/yiwang", 0o755)?;
    strip_debug_info(&in_tree(&tree, "/usr/bin/yiwang"))?;

    let repo_plugins = ws.root.join("plugins.toml");
    let text = fs::read_to_string(&repo_plugins)
        .with_context(|| format!("reading {}", repo_plugins.display()))?;
    let plugins = installed_plugins_toml(&text)?;
    for component in &plugins.components {
        let built = ws.root.join(&component.source);
        if !built.is_file() {
            bail!(
                "{}: {} is not there; is it a guest of the workspace?",
                ws.shown(&repo_plugins).display(),
                component.source
            );
        }
        install(
            &built,
            &tree,
            &format!("{ITEMS_DIR}/{}", component.file_name),
            0o644,
        )?;
    }
    write(&tree, PLUGINS_TOML, &plugins.text, 0o644)?;
    install(&static_dir.join("yiwang.toml"), &tree, SETTINGS_TOML, 0o644)?;
    install(&static_dir.join("yiwang.service"), &tree, UNIT, 0o644)?;
    install(
        &static_dir.join("copyright"),
        &tree,
        "/usr/share/doc/yiwang/copyright",
        0o644,
    )?;
    install(
        &ws.root.join("docs/operations.md"),
        &tree,
        "/usr/share/doc/yiwang/operations.md",
        0o644,
    )?;
    eprintln!(
        "    /usr/bin/yiwang, {} components in {ITEMS_DIR}/, {}",
        plugins.components.len(),
        [PLUGINS_TOML, SETTINGS_TOML, UNIT].join(", ")
    );
    check_settings_file(&binary, &tree)?;

    for script in SCRIPTS {
        install(
            &static_dir.join(script),
            &tree,
            &format!("/DEBIAN/{script}"),
            0o755,
        )?;
    }
    let installed_kib = settle_tree(&tree)?;
    let binary_bytes =
        fs::read(&binary).with_context(|| format!("reading {}", binary.display()))?;
    let control = control_text(&version, arch, &depends(&binary_bytes)?, installed_kib);
    write(&tree, "/DEBIAN/control", &control, 0o644)?;
    write(&tree, "/DEBIAN/conffiles", &conffiles_text(), 0o644)?;

    let mut build = Command::new("dpkg-deb");
    build
        .args(["--root-owner-group", "--build"])
        .arg(&tree)
        .arg(&deb);
    step(format_args!("package: {}", process::shown(&build)));
    process::run(&mut build)?;
    let size = fs::metadata(&deb)
        .with_context(|| format!("{} was not written", deb.display()))?
        .len();
    eprintln!(
        "    {} ({} KiB; dpkg-deb --info / --contents to look inside)",
        ws.shown(&deb).display(),
        size.div_ceil(1024)
    );
    Ok(())
}

/// Debian's name for the architecture the host is built for.
fn debian_arch(rust_arch: &str) -> Result<&'static str> {
    match rust_arch {
        "x86_64" => Ok("amd64"),
        "aarch64" => Ok("arm64"),
        other => bail!("no Debian architecture known for {other}"),
    }
}

/// The `yiwang-host` crate's version, from `cargo metadata`.
fn host_version(ws: &Workspace) -> Result<String> {
    let output = process::cargo(&ws.root)
        .args(["metadata", "--no-deps", "--format-version", "1"])
        .stderr(Stdio::inherit())
        .output()
        .context("could not run `cargo metadata`")?;
    if !output.status.success() {
        bail!("`cargo metadata` failed ({})", output.status);
    }
    let metadata: Value =
        serde_json::from_slice(&output.stdout).context("`cargo metadata` printed invalid JSON")?;
    metadata["packages"]
        .as_array()
        .and_then(|packages| packages.iter().find(|p| p["name"] == HOST_PACKAGE))
        .and_then(|package| package["version"].as_str())
        .map(str::to_owned)
        .with_context(|| format!("`cargo metadata` has no version of {HOST_PACKAGE}"))
}

/// Where an absolute path of the installed system lands in the package tree.
fn in_tree(tree: &Path, installed: &str) -> PathBuf {
    tree.join(installed.trim_start_matches('/'))
}

/// Copies `from` to `installed` in the tree with `mode`, creating the directories (0755).
fn install(from: &Path, tree: &Path, installed: &str, mode: u32) -> Result<()> {
    let to = in_tree(tree, installed);
    create_parent(&to)?;
    fs::copy(from, &to)
        .with_context(|| format!("copying {} to {}", from.display(), to.display()))?;
    set_mode(&to, mode)
}

/// Writes `text` as `installed` in the tree with `mode`.
fn write(tree: &Path, installed: &str, text: &str, mode: u32) -> Result<()> {
    let to = in_tree(tree, installed);
    create_parent(&to)?;
    fs::write(&to, text).with_context(|| format!("writing {}", to.display()))?;
    set_mode(&to, mode)
}

fn create_parent(path: &Path) -> Result<()> {
    match path.parent() {
        Some(dir) => fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display())),
        None => Ok(()),
    }
}

#[cfg(unix)]
fn set_mode(path: &Path, mode: u32) -> Result<()> {
    use std::os::unix::fs::PermissionsExt;
    fs::set_permissions(path, fs::Permissions::from_mode(mode))
        .with_context(|| format!("setting the mode of {}", path.display()))
}

#[cfg(not(unix))]
fn set_mode(_path: &Path, _mode: u32) -> Result<()> {
    bail!("a Debian package is built on Linux")
}

/// Drops the release profile's line tables from the packaged binary (as dh_strip would), which
/// keeps its symbols, so a panic's backtrace still names the functions; the binary in `target/`
/// keeps them all.
fn strip_debug_info(binary: &Path) -> Result<()> {
    let mut strip = Command::new("strip");
    strip.arg("--strip-debug").arg(binary);
    step(format_args!("strip: {}", process::shown(&strip)));
    process::run(&mut strip)
}

/// The package's settings file must be one the binary accepts: `yiwang --config FILE` refuses an
/// unknown key before it parses the flags, so asking for `serve --help` checks exactly that.
fn check_settings_file(binary: &Path, tree: &Path) -> Result<()> {
    let mut check = Command::new(binary);
    check
        .arg("--config")
        .arg(in_tree(tree, SETTINGS_TOML))
        .args(["serve", "--help"])
        .stdout(Stdio::null());
    step(format_args!(
        "settings file: {} (the binary reads it)",
        process::shown(&check)
    ));
    process::run(&mut check)
}

/// The installed `plugins.toml` and the components it names.
#[derive(Debug, PartialEq, Eq)]
struct InstalledPlugins {
    text: String,
    components: Vec<Component>,
}

/// One shipped component: where the repository's `plugins.toml` says it is built, relative to
/// the repository root (that file's directory), and its file name under [`ITEMS_DIR`].
#[derive(Debug, PartialEq, Eq)]
struct Component {
    source: String,
    file_name: String,
}

/// The repository's `plugins.toml` for an installed host: every `component = "…"` points at its
/// file under [`ITEMS_DIR`] (absolute, so the host's "relative to plugins.toml" rule leaves it as
/// it is), the grants and limits unchanged, the header comment replaced by [`PLUGINS_HEADER`]. Read
/// line by line, keeping the admin's comments; a `component` this cannot read is an error.
fn installed_plugins_toml(repo_text: &str) -> Result<InstalledPlugins> {
    let mut text = String::from(PLUGINS_HEADER);
    let mut components: Vec<Component> = Vec::new();
    let mut in_header = true;
    for (number, line) in repo_text.lines().enumerate() {
        if in_header && line.starts_with('#') {
            continue;
        }
        in_header = false;
        let Some(source) = component_value(line)
            .with_context(|| format!("plugins.toml line {}: {line}", number + 1))?
        else {
            text.push_str(line);
            text.push('\n');
            continue;
        };
        let file_name = Path::new(source)
            .file_name()
            .and_then(|name| name.to_str())
            .filter(|name| name.ends_with(".wasm"))
            .with_context(|| {
                format!(
                    "plugins.toml line {}: `{source}` is not a .wasm file",
                    number + 1
                )
            })?
            .to_owned();
        match components.iter().find(|c| c.file_name == file_name) {
            Some(same) if same.source != source => bail!(
                "plugins.toml: `{source}` and `{}` would both be installed as {file_name}",
                same.source
            ),
            Some(_) => {}
            None => components.push(Component {
                source: source.to_owned(),
                file_name: file_name.clone(),
            }),
        }
        let indent = &line[..line.len() - line.trim_start().len()];
        let _ = writeln!(text, "{indent}component = \"{ITEMS_DIR}/{file_name}\"");
    }
    if components.is_empty() {
        bail!("plugins.toml names no component");
    }
    Ok(InstalledPlugins { text, components })
}

/// The path of a `component = "…"` line, `None` for any other line. Only a plain string is
/// taken (no escapes, nothing after it but a comment), which is what the admin's file holds.
fn component_value(line: &str) -> Result<Option<&str>> {
    let Some(rest) = line.trim_start().strip_prefix("component") else {
        return Ok(None);
    };
    let Some(rest) = rest.trim_start().strip_prefix('=') else {
        return Ok(None);
    };
    let Some(quoted) = rest.trim_start().strip_prefix('"') else {
        bail!("expected a quoted path");
    };
    let Some((value, after)) = quoted.split_once('"') else {
        bail!("the path's quote is not closed");
    };
    let after = after.trim_start();
    if value.contains('\\') || !(after.is_empty() || after.starts_with('#')) {
        bail!("expected a plain quoted path");
    }
    Ok(Some(value))
}

/// `DEBIAN/control` of the package.
fn control_text(version: &str, arch: &str, depends: &str, installed_kib: u64) -> String {
    format!(
        "\
Package: {PACKAGE}
Version: {version}
Architecture: {arch}
Maintainer: {MAINTAINER}
Installed-Size: {installed_kib}
Depends: {depends}
Section: net
Priority: optional
Description: Yiwang (一网) online government services
 A city's online government services (互联网+政务服务): each service item is a
 WebAssembly component run by wasmtime with exactly the host interfaces the
 platform admin granted it, and citizens, department staff, couriers and admins
 use one HTTP API and web portal.
 .
 This package holds the server (/usr/bin/yiwang), the shipped service items
 (/usr/lib/yiwang/items), their plugins.toml and the settings file
 (/etc/yiwang), and a sandboxed systemd unit, enabled but not started.
"
    )
}

/// `DEBIAN/conffiles`: one absolute path a line.
fn conffiles_text() -> String {
    CONFFILES.iter().map(|path| format!("{path}\n")).collect()
}

/// What the binary needs installed: the C library from the newest glibc symbol version it links
/// against (what `ldd` shows as libc.so.6), libgcc_s when it links that (Rust's unwinder on
/// glibc), and adduser for the postinst's system user.
fn depends(binary: &[u8]) -> Result<String> {
    let Some(glibc) = newest_glibc_version(binary) else {
        bail!("the binary names no GLIBC_ symbol version: is it a glibc build?");
    };
    let mut depends = vec![format!("libc6 (>= {glibc})")];
    if contains(binary, b"libgcc_s.so.1\0") {
        depends.push("libgcc-s1".to_owned());
    }
    depends.push("adduser".to_owned());
    Ok(depends.join(", "))
}

/// The newest `GLIBC_x.y[.z]` version named in an ELF file (its version needs), as `x.y[.z]`.
fn newest_glibc_version(binary: &[u8]) -> Option<String> {
    const TAG: &[u8] = b"GLIBC_";
    let mut newest: Option<Vec<u32>> = None;
    let mut at = 0;
    while let Some(found) = find(&binary[at..], TAG) {
        let start = at + found + TAG.len();
        let digits = binary[start..]
            .iter()
            .take_while(|b| b.is_ascii_digit() || **b == b'.')
            .count();
        at = start;
        let Ok(text) = std::str::from_utf8(&binary[start..start + digits]) else {
            continue;
        };
        let parts: Option<Vec<u32>> = text.split('.').map(|p| p.parse().ok()).collect();
        if let Some(parts) = parts.filter(|p| p.len() >= 2)
            && newest.as_ref().is_none_or(|n| parts > *n)
        {
            newest = Some(parts);
        }
    }
    newest.map(|parts| {
        parts
            .iter()
            .map(u32::to_string)
            .collect::<Vec<_>>()
            .join(".")
    })
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    find(haystack, needle).is_some()
}

/// Sets every directory of the tree to 0755, as dpkg expects whatever the builder's umask, and
/// returns `Installed-Size`: the installed files' sizes in KiB, each rounded up, as
/// dpkg-gencontrol estimates it (`DEBIAN/` is not installed).
fn settle_tree(tree: &Path) -> Result<u64> {
    let mut total = 0;
    let mut dirs = vec![(tree.to_path_buf(), true)];
    while let Some((dir, installed)) = dirs.pop() {
        set_mode(&dir, 0o755)?;
        for entry in fs::read_dir(&dir).with_context(|| format!("reading {}", dir.display()))? {
            let entry = entry?;
            if entry.file_type()?.is_dir() {
                dirs.push((entry.path(), installed && entry.file_name() != "DEBIAN"));
            } else if installed {
                total += entry.metadata()?.len().div_ceil(1024);
            }
        }
    }
    Ok(total)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn repository_file(path: &str) -> String {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        fs::read_to_string(root.join(path)).unwrap_or_else(|e| panic!("{path}: {e}"))
    }

    /// The `Key=Value` lines of a unit file, comments and section headers left out.
    fn directives(unit: &str) -> Vec<(&str, &str)> {
        unit.lines()
            .map(str::trim)
            .filter(|l| !l.is_empty() && !l.starts_with(['#', ';', '[']))
            .filter_map(|l| l.split_once('='))
            .collect()
    }

    #[test]
    fn the_control_file_names_the_version_the_dependencies_and_a_well_formed_description() {
        let control = control_text("1.2.3", "amd64", "libc6 (>= 2.34), adduser", 4242);
        let fields: Vec<&str> = control
            .lines()
            .filter(|l| !l.starts_with(' '))
            .map(|l| l.split_once(": ").map_or(l, |(name, _)| name))
            .collect();
        assert_eq!(
            fields,
            [
                "Package",
                "Version",
                "Architecture",
                "Maintainer",
                "Installed-Size",
                "Depends",
                "Section",
                "Priority",
                "Description"
            ]
        );
        for line in [
            "Package: yiwang",
            "Version: 1.2.3",
            "Architecture: amd64",
            "Installed-Size: 4242",
            "Depends: libc6 (>= 2.34), adduser",
        ] {
            assert!(control.lines().any(|l| l == line), "{line} in:\n{control}");
        }
        // dpkg refuses an empty line inside a field; a paragraph break is " .".
        assert!(control.ends_with('\n') && !control.contains("\n\n"));
        assert!(control.lines().any(|l| l == " ."));
    }

    #[test]
    fn the_dependencies_come_from_the_newest_glibc_version_the_binary_names() {
        let elf = b"\x7fELF...libc.so.6\0libgcc_s.so.1\0GLIBC_2.2.5\0GLIBC_2.34\0GLIBC_2.4\0GLIBC_PRIVATE\0GCC_3.0\0";
        assert_eq!(newest_glibc_version(elf).as_deref(), Some("2.34"));
        assert_eq!(depends(elf).unwrap(), "libc6 (>= 2.34), libgcc-s1, adduser");
        assert_eq!(
            depends(b"libc.so.6\0GLIBC_2.17\0").unwrap(),
            "libc6 (>= 2.17), adduser"
        );
        assert!(depends(b"a musl binary").is_err());
    }

    #[test]
    fn the_conffiles_are_the_two_files_under_etc() {
        assert_eq!(
            conffiles_text(),
            "/etc/yiwang/plugins.toml\n/etc/yiwang/yiwang.toml\n"
        );
    }

    #[test]
    fn the_installed_plugins_toml_points_every_component_at_the_items_directory() {
        let repo = "\
# the repository's header
# more of it

[items.a]
component = \"target/wasm32-wasip2/guest/yiwang_item_a.wasm\"
department = \"d\"

[items.b]
  component=\"target/wasm32-wasip2/guest/yiwang_item_b.wasm\"   # built by xtask
[items.b.limits]
memory_mib = 64
";
        let installed = installed_plugins_toml(repo).unwrap();
        assert_eq!(
            installed.components,
            [
                Component {
                    source: "target/wasm32-wasip2/guest/yiwang_item_a.wasm".into(),
                    file_name: "yiwang_item_a.wasm".into(),
                },
                Component {
                    source: "target/wasm32-wasip2/guest/yiwang_item_b.wasm".into(),
                    file_name: "yiwang_item_b.wasm".into(),
                },
            ]
        );
        let expected = format!(
            "{PLUGINS_HEADER}
[items.a]
component = \"/usr/lib/yiwang/items/yiwang_item_a.wasm\"
department = \"d\"

[items.b]
  component = \"/usr/lib/yiwang/items/yiwang_item_b.wasm\"
[items.b.limits]
memory_mib = 64
"
        );
        assert_eq!(installed.text, expected);
    }

    #[test]
    fn the_repositorys_plugins_toml_installs_each_shipped_item_from_the_items_directory() {
        let installed = installed_plugins_toml(&repository_file("plugins.toml")).unwrap();
        let items = installed
            .text
            .lines()
            .filter(|l| l.starts_with("[items.") && l.matches('.').count() == 1)
            .count();
        assert_eq!(installed.components.len(), items);
        let components: Vec<&str> = installed
            .text
            .lines()
            .filter_map(|l| component_value(l).unwrap())
            .collect();
        assert_eq!(components.len(), items);
        for path in components {
            assert!(
                path.starts_with("/usr/lib/yiwang/items/yiwang_item_") && path.ends_with(".wasm"),
                "{path}"
            );
        }
        assert!(!installed.text.contains("target/"));
    }

    #[test]
    fn a_component_the_packaging_cannot_read_is_an_error() {
        for line in [
            "component = target/x.wasm",
            "component = \"x.wasm",
            "component = \"a\\\\b.wasm\"",
            "component = \"x.wasm\" trailing",
        ] {
            assert!(installed_plugins_toml(line).is_err(), "{line}");
        }
        assert!(installed_plugins_toml("component = \"x.txt\"").is_err());
        assert!(installed_plugins_toml("[items.a]\ndepartment = \"d\"\n").is_err());
        let clash = "component = \"a/x.wasm\"\ncomponent = \"b/x.wasm\"\n";
        assert!(installed_plugins_toml(clash).is_err());
        assert_eq!(
            component_value("components_dir = \"x\"").unwrap(),
            None,
            "another key that starts alike"
        );
    }

    #[test]
    fn the_shipped_unit_runs_the_server_sandboxed() {
        let unit = repository_file("packaging/debian/yiwang.service");
        let directives = directives(&unit);
        for expected in [
            (
                "ExecStart",
                "/usr/bin/yiwang serve --config /etc/yiwang/yiwang.toml",
            ),
            ("StateDirectory", "yiwang"),
            ("ProtectSystem", "strict"),
            ("ProtectHome", "yes"),
            ("PrivateTmp", "yes"),
            ("PrivateDevices", "yes"),
            ("NoNewPrivileges", "yes"),
            ("ProtectKernelTunables", "yes"),
            ("ProtectKernelModules", "yes"),
            ("ProtectKernelLogs", "yes"),
            ("ProtectControlGroups", "yes"),
            ("ProtectClock", "yes"),
            ("ProtectHostname", "yes"),
            ("RestrictAddressFamilies", "AF_INET AF_INET6 AF_UNIX"),
            ("RestrictNamespaces", "yes"),
            ("RestrictRealtime", "yes"),
            ("RestrictSUIDSGID", "yes"),
            ("LockPersonality", "yes"),
            ("CapabilityBoundingSet", ""),
            ("SystemCallArchitectures", "native"),
            ("SystemCallFilter", "@system-service"),
            ("UMask", "0077"),
            ("Restart", "on-failure"),
            ("KillSignal", "SIGTERM"),
            ("User", PACKAGE),
            ("WantedBy", "multi-user.target"),
        ] {
            assert!(
                directives.contains(&expected),
                "{}={} missing from the unit",
                expected.0,
                expected.1
            );
        }
        // wasmtime's JIT maps compiled code executable: the unit says why it is absent.
        assert!(
            !directives
                .iter()
                .any(|(k, _)| *k == "MemoryDenyWriteExecute")
        );
        assert!(unit.contains("# No MemoryDenyWriteExecute=yes: wasmtime's JIT (cranelift)"));
    }

    #[test]
    fn the_unit_waits_a_little_longer_than_the_hosts_shutdown_grace() {
        let unit = repository_file("packaging/debian/yiwang.service");
        let stop: u64 = directives(&unit)
            .iter()
            .find(|(k, _)| *k == "TimeoutStopSec")
            .and_then(|(_, v)| v.parse().ok())
            .expect("TimeoutStopSec=<seconds> in the unit");
        // The grace is the default of `yiwang serve --shutdown-grace-secs`, in the command line's
        // definition (the only part of the host xtask reads).
        let args = repository_file("host/src/bin/yiwang/args.rs");
        let grace: u64 = args
            .split("env = \"YIWANG_SHUTDOWN_GRACE_SECS\"")
            .nth(1)
            .and_then(|rest| rest.split("default_value_t = ").nth(1))
            .and_then(|rest| rest.split(')').next())
            .and_then(|n| n.trim().parse().ok())
            .expect("the default of --shutdown-grace-secs in host/src/bin/yiwang/args.rs");
        assert!(
            grace < stop && stop <= grace + 30,
            "TimeoutStopSec={stop} against a shutdown grace of {grace} s"
        );
    }

    #[test]
    fn the_settings_file_puts_the_data_in_var_lib_and_names_the_installed_plugins_toml() {
        let settings = repository_file("packaging/debian/yiwang.toml");
        let keys: Vec<(&str, &str)> = settings
            .lines()
            .filter(|l| !l.trim_start().starts_with('#') && !l.trim().is_empty())
            .filter_map(|l| l.split_once(" = "))
            .collect();
        assert_eq!(
            keys,
            [
                ("data_dir", "\"/var/lib/yiwang\""),
                ("listen", "\"127.0.0.1:8080\""),
                ("plugins", "\"/etc/yiwang/plugins.toml\""),
            ]
        );
    }

    #[test]
    fn the_maintainer_scripts_are_posix_shell_that_stops_on_errors() {
        for script in SCRIPTS {
            let text = repository_file(&format!("{STATIC_DIR}/{script}"));
            assert!(text.starts_with("#!/bin/sh\n"), "{script}");
            assert!(text.contains("\nset -e\n"), "{script}");
            // Each works without init-system-helpers installed: a helper is only run after
            // `command -v` has looked for it.
            for helper in ["deb-systemd-helper", "deb-systemd-invoke"] {
                let check = format!("command -v {helper}");
                let mut checked = false;
                for line in text.lines().map(str::trim) {
                    checked |= line.contains(&check);
                    assert!(
                        checked || !line.starts_with(helper),
                        "{script} runs {helper} before it checks that it is there: {line}"
                    );
                }
            }
        }
    }

    #[test]
    fn debian_architectures() {
        assert_eq!(debian_arch("x86_64").unwrap(), "amd64");
        assert!(debian_arch("mips").is_err());
    }
}
