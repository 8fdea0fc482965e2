//! `cargo xtask …`: the project's build, demo, lint, test, benchmark, load-run, swap-run,
//! scale-run and packaging commands, in plain Rust so they behave the same on a developer's machine
//! and in CI (`.ci/run` calls `cargo xtask test`). It knows the workspace layout and the `yiwang`
//! binary's command line, never the host's internals: the load, swap and scale runs talk to the
//! server only through the HTTP API, the `yiwang` command line and what the server logs.

mod args;
mod bench;
mod browser;
mod compile;
mod crafted;
mod demo;
mod docs;
mod forms;
mod kit;
mod lint;
mod load;
mod package;
mod peer;
mod process;
mod scale;
mod season;
mod server;
mod staging;
mod suite;
mod swap;
mod workspace;

use std::process::ExitCode;

use anyhow::{Result, bail};

use crate::args::Args;
use crate::workspace::Workspace;

const USAGE: &str = "\
usage: cargo xtask <command> [options]

commands:
  build       ensure the wasm32-wasip2 target, build every guest (profile `guest`), the
              crafted test item's variants (target/wasm32-wasip2/guest/crafted/) and the
              host (dev profile)
  demo        build, seed the demo data and run the server in the foreground (Ctrl-C stops it)
                --listen ADDR      address to listen on (default 127.0.0.1:8080)
                --data-dir DIR     data directory (default .yiwang-demo at the workspace root)
  docs        write docs/contract.md, the contract reference, from the comments of wit/v0.2.0
                --check            write nothing; fail when docs/contract.md is out of date
  kit         install the department kit's pinned toolchains under target/kit/ when missing:
              componentize-js (npm) and componentize-py (a Python venv); `build` and `test` do too
  lint        `cargo fmt --all --check`, then `cargo clippy --workspace --all-targets -- -D
              warnings` (the guests built natively; the lints are [workspace.lints] in the root
              Cargo.toml)
  test        lint (as above), build the guests, then test the host side (building it) and the
              guests natively; each step runs even when one before it fails; the host side runs on SQLite, its browser tests in headless Chromium (installed
              with apt-get when missing and run as root), and with YIWANG_TEST_DATABASE_URL set
              the api suite runs a second time on that PostgreSQL database
                -- ARGS…           passed to the host-side `cargo test`; what follows a second `--`
                                   (test-harness arguments such as a name filter) reaches the guests
                                   and the PostgreSQL run too
  bench       build the guests and install the kit's toolchains, then `cargo bench -p
              yiwang-host --bench plugin_call --bench languages` (the vehicle item's call; the
              same new item in Rust, JavaScript and Python)
                -- ARGS…           passed to `cargo bench`
  load        load run of the submit endpoint (loopback only; stops by itself), prints a table
                --seconds S        how long to send requests (default 20)
                --concurrency C    worker threads, one connection each (default 32)
                --url URL          use a running server (seeded with `yiwang demo seed`) instead of
                                   building and starting a release server in a temporary directory
                --wrk              send with wrk (C connections, one thread) and print the server's
                                   CPU time per request; not with --url
  forms       heavy forms against a quiet query: a release server in a temporary directory,
              the crafted item's patterned-form variant uploaded signed and published; C
              clients post its heaviest form while one client queries another item, prints a
              table (answers as expected, latency of each)
                --seconds S        how long to send requests (default 10)
                --concurrency C    clients posting forms (default 16)
  swap        hot swaps under load: a release server in a temporary directory, the crafted
              item's 1.0.0 and 1.1.0 uploaded signed; publishes 1.1.0 and rolls back while
              clients apply, prints a table (requests served and failed, time to the first
              answer on the new version)
                --swaps N          publish/rollback pairs (default 10)
                --concurrency C    worker threads, one connection each (default 16)
  scale       a host with many items: one tiny item (tests/plugins/scale-item) copied N times
              under the codes scale-item-00001 … (its code bytes replaced), all listed in a
              generated plugins.toml; a release server on a temporary data directory is timed
              from spawn to ready twice (compiling every component, then from the artifact
              cache), its RSS read, and C clients submit to random items; prints a table with
              the targets (second start ≤ 3 s, RSS ≤ 1 GiB) beside the numbers
                --items N          items registered (default 2000)
                --seconds S        how long to submit (default 20)
                --concurrency C    clients, one connection each (default 32)
  peer        the trivial handler served three ways in one run, each loaded with wrk: an item's
              query over our API (release server; the social-insurance query beside it),
              `wasmtime serve` (wasmtime-cli 48.0.8, installed under target/peer/ the first
              time) and native axum; prints requests/s and server CPU µs per request, with ratios
                --seconds S        how long each measured run lasts (default 10)
                --connections C    wrk connections (default 32)
  season      the school enrollment season on one release server (temporary data directory,
              the school item alone): N families' registry records and accounts imported with
              the command line, then over the API N parents log in and apply, the four scoring
              departments' batch reviews run side by side, each parent chooses schools and the
              education bureau's placement runs as a batch job (`yiwang dept batch`'s progress
              bar); the statistics are read and the seats checked; prints the time of each phase
                --applicants N     families (default 80000)
                --concurrency C    clients, one connection each (default 32)
                --keep             keep the temporary directory (components, data, logs)
  package     build the guests and the host (release), then the Debian package
              target/package/yiwang_<version>_amd64.deb: /usr/bin/yiwang, the shipped items in
              /usr/lib/yiwang/items/, /etc/yiwang/plugins.toml and yiwang.toml (conffiles), the
              systemd unit and the maintainer scripts of packaging/debian/ (needs dpkg-deb)
";

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("xtask: error: {err:#}");
            ExitCode::FAILURE
        }
    }
}

fn run() -> Result<()> {
    let mut raw = std::env::args().skip(1);
    let Some(command) = raw.next() else {
        eprint!("{USAGE}");
        bail!("no command given");
    };
    let mut args = Args::parse(raw);
    match command.as_str() {
        "build" => {
            args.finish_without_passthrough()?;
            compile::everything(&Workspace::load()?)
        }
        "demo" => {
            let listen = args.value("--listen")?;
            let data_dir = args.value("--data-dir")?;
            args.finish_without_passthrough()?;
            demo::run(&Workspace::load()?, listen, data_dir)
        }
        "docs" => {
            let check = args.flag("--check");
            args.finish_without_passthrough()?;
            docs::run(&Workspace::load()?.root, check)
        }
        "kit" => {
            args.finish_without_passthrough()?;
            kit::tools(&Workspace::load()?).map(|_| ())
        }
        "lint" => {
            args.finish_without_passthrough()?;
            lint::run(&Workspace::load()?)
        }
        "test" => {
            let passthrough = args.finish()?;
            suite::run(&Workspace::load()?, &passthrough)
        }
        "bench" => {
            let passthrough = args.finish()?;
            bench::run(&Workspace::load()?, &passthrough)
        }
        "load" => {
            let options = load::Options::from_args(&mut args)?;
            args.finish_without_passthrough()?;
            load::run(&Workspace::load()?, &options)
        }
        "forms" => {
            let options = forms::Options::from_args(&mut args)?;
            args.finish_without_passthrough()?;
            forms::run(&Workspace::load()?, &options)
        }
        "swap" => {
            let options = swap::Options::from_args(&mut args)?;
            args.finish_without_passthrough()?;
            swap::run(&Workspace::load()?, &options)
        }
        "peer" => {
            let options = peer::Options::from_args(&mut args)?;
            args.finish_without_passthrough()?;
            peer::run(&Workspace::load()?, &options)
        }
        "season" => {
            let options = season::Options::from_args(&mut args)?;
            args.finish_without_passthrough()?;
            season::run(&Workspace::load()?, &options)
        }
        "scale" => {
            let options = scale::Options::from_args(&mut args)?;
            args.finish_without_passthrough()?;
            scale::run(&Workspace::load()?, &options)
        }
        "package" => {
            args.finish_without_passthrough()?;
            package::run(&Workspace::load()?)
        }
        "help" | "-h" | "--help" => {
            print!("{USAGE}");
            Ok(())
        }
        other => {
            eprint!("{USAGE}");
            bail!("unknown command `{other}`")
        }
    }
}
