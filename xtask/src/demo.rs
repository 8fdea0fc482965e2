//! `cargo xtask demo`: builds everything, seeds the demo data (idempotent) and hands the terminal to
//! `yiwang serve`, so Ctrl-C stops the server directly. The accounts printed here are the ones
//! `yiwang demo seed` creates; they are for trying the platform out, never for a real deployment.

use std::net::SocketAddr;
use std::path::Path;
use std::process::Command;

use anyhow::Result;

use crate::compile;
use crate::process::{self, step};
use crate::workspace::{Profile, Workspace};

const DEFAULT_LISTEN: &str = "127.0.0.1:8080";
const DEFAULT_DATA_DIR: &str = ".yiwang-demo";

pub fn run(ws: &Workspace, listen: Option<String>, data_dir: Option<String>) -> Result<()> {
    let listen = listen.unwrap_or_else(|| DEFAULT_LISTEN.to_owned());
    let data_dir = match data_dir {
        Some(dir) => ws.user_path(&dir)?,
        None => ws.root.join(DEFAULT_DATA_DIR),
    };
    compile::everything(ws)?;
    let yiwang = ws.host_binary(Profile::Dev);

    let mut seed = Command::new(&yiwang);
    seed.args(["demo", "seed", "--data-dir"])
        .arg(&data_dir)
        .current_dir(&ws.root);
    step(format_args!("demo data: {}", process::shown(&seed)));
    process::run(&mut seed)?;

    let mut serve = Command::new(&yiwang);
    serve
        .args(["serve", "--listen", &listen, "--data-dir"])
        .arg(&data_dir)
        .arg("--plugins")
        .arg(ws.root.join("plugins.toml"))
        .current_dir(&ws.root);
    step(format_args!("server: {}", process::shown(&serve)));
    print_banner(&listen, &data_dir);
    foreground(serve)
}

fn print_banner(listen: &str, data_dir: &Path) {
    let (url, exposed) = match listen.parse::<SocketAddr>() {
        Ok(addr) if addr.ip().is_unspecified() => {
            (format!("http://localhost:{}/", addr.port()), true)
        }
        Ok(addr) => (format!("http://{addr}/"), !addr.ip().is_loopback()),
        Err(_) => (
            format!("http://{listen}/"),
            !listen.starts_with("localhost:"),
        ),
    };
    eprintln!();
    eprintln!("  Yiwang 一网 demo: {url}");
    eprintln!();
    eprintln!(
        "  !! DEMO ONLY 仅供演示: seeded data and well-known passwords. Never use real personal data"
    );
    eprintln!("  !! here and never run this as a deployment.");
    if exposed {
        eprintln!(
            "  !! Listening beyond loopback ({listen}): anyone who can reach it can log in with these."
        );
    }
    eprintln!();
    eprintln!("  accounts, password demo123456:");
    eprintln!("    admin            platform admin 平台管理员");
    eprintln!("    zhang.san        citizen 群众");
    eprintln!("    vehicle.office   department staff 部门 (vehicle inspection items)");
    eprintln!(
        "  courier token:     demo-courier-token (Authorization: Bearer …, POST /api/v1/delivery/events)"
    );
    eprintln!(
        "  data directory:    {} (delete it to start over)",
        data_dir.display()
    );
    eprintln!();
    eprintln!("  Ctrl-C stops the server.");
    eprintln!();
}

/// Replaces xtask with the server, so signals and the exit status are the server's own.
#[cfg(unix)]
fn foreground(mut cmd: Command) -> Result<()> {
    use std::os::unix::process::CommandExt;
    let err = cmd.exec();
    Err(anyhow::Error::new(err).context(format!("could not start `{}`", process::shown(&cmd))))
}

#[cfg(not(unix))]
fn foreground(mut cmd: Command) -> Result<()> {
    process::run(&mut cmd)
}
