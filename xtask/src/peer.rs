//! `cargo xtask peer`: the platform against its peers, in one run on one machine. The same
//! trivial handler (`{"hello":"world"}`) is served three ways and loaded the same way with `wrk`:
//! - as an item's query over the platform's API (`tests/plugins/peer-hello-item`, release server,
//!   bearer token, a fresh instance per request), beside the social-insurance query, which also
//!   reads a registry record and writes the data-use ledger;
//! - under `wasmtime serve` (`tests/plugins/peer-hello-http`, a `wasi:http` component; wasmtime-cli
//!   [`WASMTIME_VERSION`], the version the host links, installed under `target/peer/`);
//! - as a native axum handler (`host/examples/peer_axum.rs`).
//!
//! For each it prints requests per second, latency, and the server process's CPU time per
//! request (user + system from `/proc/<pid>/stat` around the measured run), with the ratios.
//! Loopback only; each run lasts a fixed time.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail, ensure};
use serde_json::Value;

use crate::args::Args;
use crate::compile;
use crate::load::{self, agent};
use crate::process::{self, step};
use crate::server::{LocalServer, add_department, free_loopback_port};
use crate::workspace::{Profile, Workspace};

/// The wasmtime the host links (Cargo.lock), so that both wasm hosts run the same runtime.
const WASMTIME_VERSION: &str = "48.0.8";
/// Its features: `serve` and what it needs, the rest of the defaults left out to build faster.
const WASMTIME_FEATURES: &str =
    "serve,component-model-async,run,cranelift,pooling-allocator,parallel-compilation,cache";
const CITIZEN_ID: &str = "441900199001011234";
const MAX_SECONDS: u64 = 600;

#[derive(Debug)]
pub struct Options {
    pub seconds: u64,
    pub connections: usize,
}

impl Options {
    pub fn from_args(args: &mut Args) -> Result<Self> {
        Ok(Options {
            seconds: args.count("--seconds", 10, MAX_SECONDS)?,
            connections: args.count("--connections", 32, load::MAX_CONCURRENCY)? as usize,
        })
    }
}

/// What `wrk` and `/proc` said of one server.
pub struct Measured {
    pub name: String,
    pub requests: u64,
    pub non_2xx: u64,
    pub per_second: f64,
    pub p50_ms: String,
    pub p99_ms: String,
    pub cpu_us_per_request: f64,
}

pub fn run(ws: &Workspace, options: &Options) -> Result<()> {
    let wrk = ensure_wrk()?;
    let wasmtime = ensure_wasmtime(ws)?;
    compile::guest_target(ws)?;
    compile::guests(ws)?;
    compile::host(ws, Profile::Release)?;
    let mut axum_build = process::cargo(&ws.root);
    axum_build.args([
        "build",
        "--release",
        "-p",
        "yiwang-host",
        "--example",
        "peer_axum",
    ]);
    step(format_args!("native peer: {}", process::shown(&axum_build)));
    process::run(&mut axum_build)?;

    let yiwang = ws.host_binary(Profile::Release);
    let item = ws.guest_dir().join("yiwang_test_peer_hello_item.wasm");
    let http = ws.guest_dir().join("yiwang_test_peer_hello_http.wasm");
    let scratch = std::env::temp_dir().join(format!("yiwang-peer-{}", std::process::id()));
    fs::create_dir_all(&scratch)?;
    let mut results = Vec::new();

    // The platform: the trivial item and the social-insurance query.
    {
        let server = LocalServer::start_with(ws, &yiwang, |scratch, data_dir| {
            add_department(&yiwang, data_dir, "peer-test-dept", "对照测试", None)?;
            let plugins = scratch.join("plugins.toml");
            fs::write(&plugins, plugins_toml(ws, &item))?;
            Ok(plugins)
        })?;
        let token = load::login(&server.base_url, load::LOGIN, load::PASSWORD)?;
        let pid = server.pid();
        for (name, code, input) in [
            ("peer-hello item (our API)", "peer-hello", "{}".to_owned()),
            (
                "social-insurance query (our API)",
                "social-insurance-query",
                format!(r#"{{"id_number":"{CITIZEN_ID}"}}"#),
            ),
        ] {
            let url = format!("{}/api/v1/items/{code}/query", server.base_url);
            let script = scratch.join(format!("{code}.lua"));
            write_post_script(&script, &format!(r#"{{"input":{input}}}"#), &token)?;
            check_answer(&url, Some((&token, &format!(r#"{{"input":{input}}}"#))))?;
            results.push(measure(&wrk, name, &url, Some(&script), pid, options)?);
        }
    }

    // wasmtime serve.
    {
        let port = free_loopback_port()?;
        let mut serve = Command::new(&wasmtime);
        serve
            // `-Scli`: the guest is Rust std for wasm32-wasip2, which imports `wasi:cli` as
            // every item does; our host links those interfaces too (with nothing in them).
            .args(["serve", "-Scli", "--addr", &format!("127.0.0.1:{port}")])
            .arg(&http)
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        step(format_args!("wasmtime serve: {}", process::shown(&serve)));
        let child = Killed(serve.spawn().context("starting wasmtime serve")?);
        let url = format!("http://127.0.0.1:{port}/");
        wait_for(&url)?;
        check_answer(&url, None)?;
        results.push(measure(
            &wrk,
            &format!("wasmtime serve {WASMTIME_VERSION}"),
            &url,
            None,
            child.0.id(),
            options,
        )?);
    }

    // Native axum.
    {
        let port = free_loopback_port()?;
        let binary = ws.root.join("target/release/examples/peer_axum");
        let mut native = Command::new(&binary);
        native
            .arg(format!("127.0.0.1:{port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        let child = Killed(native.spawn().context("starting peer_axum")?);
        let url = format!("http://127.0.0.1:{port}/");
        wait_for(&url)?;
        check_answer(&url, None)?;
        results.push(measure(
            &wrk,
            "native axum",
            &url,
            None,
            child.0.id(),
            options,
        )?);
    }
    let _ = fs::remove_dir_all(&scratch);
    print_table(&results, options);
    Ok(())
}

/// Kills its process when dropped.
struct Killed(Child);

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn plugins_toml(ws: &Workspace, item: &Path) -> String {
    // The shipped social-insurance item as plugins.toml lists it, and the trivial item.
    let shipped = ws
        .guest_dir()
        .join("yiwang_item_social_insurance_query.wasm");
    format!(
        r#"[items.peer-hello]
component = "{}"
department = "peer-test-dept"
enabled = true

[items.social-insurance-query]
component = "{}"
department = "dongguan-social-insurance"
enabled = true

[items.social-insurance-query.grants]
registries = ["social-insurance"]
"#,
        item.display(),
        shipped.display()
    )
}

/// The answer must be the handler's before anything is measured.
fn check_answer(url: &str, post: Option<(&str, &str)>) -> Result<()> {
    let agent = agent(Duration::from_secs(10));
    let mut response = match post {
        Some((token, body)) => agent
            .post(url)
            .header("Authorization", &format!("Bearer {token}"))
            .header("Content-Type", "application/json")
            .send(body)?,
        None => agent.get(url).call()?,
    };
    let text = response.body_mut().read_to_string()?;
    ensure!(
        response.status() == 200,
        "{url} answered {}: {}",
        response.status(),
        load::snippet(&text)
    );
    let body: Value = serde_json::from_str(&text).with_context(|| format!("{url}: {text}"))?;
    ensure!(
        body.get("hello").is_some() || body.get("output").is_some(),
        "{url}: unexpected answer {text}"
    );
    Ok(())
}

fn wait_for(url: &str) -> Result<()> {
    let agent = agent(Duration::from_secs(1));
    let started = Instant::now();
    while started.elapsed() < Duration::from_secs(60) {
        if agent.get(url).call().is_ok() {
            return Ok(());
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    bail!("{url} did not answer within 60 s")
}

/// A wrk script that POSTs the JSON `body` with the bearer `token`.
pub fn write_post_script(script: &Path, body: &str, token: &str) -> Result<()> {
    fs::write(
        script,
        format!(
            "wrk.method = \"POST\"\nwrk.body = '{body}'\n\
             wrk.headers[\"Content-Type\"] = \"application/json\"\n\
             wrk.headers[\"Authorization\"] = \"Bearer {token}\"\n"
        ),
    )?;
    Ok(())
}

/// A warm-up, then the measured `wrk` run with the server's CPU time read around it.
pub fn measure(
    wrk: &Path,
    name: &str,
    url: &str,
    script: Option<&Path>,
    pid: u32,
    options: &Options,
) -> Result<Measured> {
    let run = |seconds: u64| -> Result<String> {
        let mut cmd = Command::new(wrk);
        cmd.args([
            "-t1",
            &format!("-c{}", options.connections),
            &format!("-d{seconds}s"),
            "--latency",
        ]);
        if let Some(script) = script {
            cmd.arg("-s").arg(script);
        }
        cmd.arg(url);
        let output = cmd.output().context("running wrk")?;
        ensure!(
            output.status.success(),
            "wrk failed: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        Ok(String::from_utf8_lossy(&output.stdout).into_owned())
    };
    step(format_args!(
        "{name}: warm-up 2 s, then {} s",
        options.seconds
    ));
    run(2)?;
    let before = cpu_ticks(pid)?;
    let text = run(options.seconds)?;
    let after = cpu_ticks(pid)?;
    let requests = parse_requests(&text).with_context(|| format!("wrk said: {text}"))?;
    ensure!(requests > 0, "{name}: no request completed: {text}");
    let cpu_us = (after - before) as f64 * 1e6 / clock_ticks_per_second()? as f64;
    Ok(Measured {
        name: name.to_owned(),
        requests,
        non_2xx: parse_after(&text, "Non-2xx or 3xx responses:").unwrap_or(0.0) as u64,
        per_second: parse_after(&text, "Requests/sec:").unwrap_or(0.0),
        p50_ms: latency(&text, "50%"),
        p99_ms: latency(&text, "99%"),
        cpu_us_per_request: cpu_us / requests as f64,
    })
}

/// `N requests in …` of wrk's summary.
fn parse_requests(text: &str) -> Option<u64> {
    text.lines()
        .find(|line| line.contains(" requests in "))?
        .split_whitespace()
        .next()?
        .parse()
        .ok()
}

fn parse_after(text: &str, label: &str) -> Option<f64> {
    text.lines()
        .find_map(|line| line.trim().strip_prefix(label))?
        .trim()
        .parse()
        .ok()
}

/// A percentile of wrk's latency distribution, in milliseconds.
fn latency(text: &str, percentile: &str) -> String {
    let value = text.lines().find_map(|line| {
        let mut words = line.split_whitespace();
        (words.next() == Some(percentile))
            .then(|| words.next())
            .flatten()
    });
    let Some(value) = value else {
        return "-".to_owned();
    };
    let (number, unit) = value.split_at(
        value
            .find(|c: char| c.is_alphabetic())
            .unwrap_or(value.len()),
    );
    let Ok(number) = number.parse::<f64>() else {
        return value.to_owned();
    };
    let ms = match unit {
        "us" => number / 1000.0,
        "ms" => number,
        "s" => number * 1000.0,
        _ => return value.to_owned(),
    };
    format!("{ms:.2}")
}

/// utime + stime of a process, in clock ticks.
fn cpu_ticks(pid: u32) -> Result<u64> {
    let stat = fs::read_to_string(format!("/proc/{pid}/stat"))
        .with_context(|| format!("reading /proc/{pid}/stat"))?;
    // The command name may hold spaces; the fields after its closing parenthesis do not.
    let rest = &stat[stat.rfind(')').context("a /proc stat line")? + 2..];
    let fields: Vec<&str> = rest.split_whitespace().collect();
    // utime and stime are fields 14 and 15 of the line, 12 and 13 after the name.
    let utime: u64 = fields.get(11).context("utime")?.parse()?;
    let stime: u64 = fields.get(12).context("stime")?.parse()?;
    Ok(utime + stime)
}

fn clock_ticks_per_second() -> Result<u64> {
    let output = Command::new("getconf").arg("CLK_TCK").output()?;
    Ok(String::from_utf8_lossy(&output.stdout).trim().parse()?)
}

/// `wrk`, from Debian's package when it is missing.
pub fn ensure_wrk() -> Result<PathBuf> {
    let path = PathBuf::from("/usr/bin/wrk");
    if !path.exists() {
        let mut install = Command::new("apt-get");
        install.args(["install", "-y", "--no-install-recommends", "wrk"]);
        step(format_args!("wrk: {}", process::shown(&install)));
        process::run(&mut install)?;
    }
    Ok(path)
}

/// `wasmtime` of [`WASMTIME_VERSION`] under `target/peer/`, installed with cargo when missing.
fn ensure_wasmtime(ws: &Workspace) -> Result<PathBuf> {
    let root = ws.root.join("target/peer/wasmtime");
    let binary = root.join("bin/wasmtime");
    let version = Command::new(&binary)
        .arg("--version")
        .output()
        .ok()
        .map(|o| String::from_utf8_lossy(&o.stdout).into_owned());
    if version
        .as_deref()
        .is_some_and(|v| v.contains(WASMTIME_VERSION))
    {
        return Ok(binary);
    }
    let mut install = Command::new("cargo");
    install
        .args(["install", "wasmtime-cli", "--version"])
        .arg(format!("={WASMTIME_VERSION}"))
        .args([
            "--locked",
            "--no-default-features",
            "--features",
            WASMTIME_FEATURES,
            "--root",
        ])
        .arg(&root);
    step(format_args!(
        "wasmtime (once, several minutes): {}",
        process::shown(&install)
    ));
    process::run(&mut install)?;
    Ok(binary)
}

fn print_table(results: &[Measured], options: &Options) {
    let find = |prefix: &str| results.iter().find(|r| r.name.starts_with(prefix));
    let (Some(ours), Some(serve), Some(native)) =
        (find("peer-hello"), find("wasmtime"), find("native"))
    else {
        return;
    };
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    println!();
    println!(
        "peer run: wrk -t1 -c{} -d{}s --latency against each server in turn, after 2 s of \
         warm-up; wrk and the server share this machine's {cores} cores",
        options.connections, options.seconds
    );
    println!();
    println!(
        "| server | requests | non-2xx | requests/s | p50 ms | p99 ms | server CPU µs/request | req/s ÷ wasmtime serve | CPU ÷ native |"
    );
    println!("|---|---:|---:|---:|---:|---:|---:|---:|---:|");
    for r in results {
        println!(
            "| {} | {} | {} | {:.0} | {} | {} | {:.1} | {:.2} | {:.1} |",
            r.name,
            r.requests,
            r.non_2xx,
            r.per_second,
            r.p50_ms,
            r.p99_ms,
            r.cpu_us_per_request,
            r.per_second / serve.per_second,
            r.cpu_us_per_request / native.cpu_us_per_request
        );
    }
    println!();
    println!(
        "our trivial item: {:.2}× wasmtime serve's requests/s; {:.1} µs of server CPU per request",
        ours.per_second / serve.per_second,
        ours.cpu_us_per_request
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    const WRK: &str = "Running 10s test @ http://127.0.0.1:8080/
  1 threads and 32 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency     1.20ms  300.00us   9.00ms   90.00%
  Latency Distribution
     50%  850.00us
     75%    1.10ms
     90%    1.50ms
     99%    2.10ms
  201234 requests in 10.00s, 30.00MB read
  Non-2xx or 3xx responses: 3
Requests/sec:  20123.40
Transfer/sec:      3.00MB
";

    #[test]
    fn wrk_summaries_are_read() {
        assert_eq!(parse_requests(WRK), Some(201_234));
        assert_eq!(parse_after(WRK, "Requests/sec:"), Some(20_123.4));
        assert_eq!(parse_after(WRK, "Non-2xx or 3xx responses:"), Some(3.0));
        assert_eq!(latency(WRK, "50%"), "0.85");
        assert_eq!(latency(WRK, "99%"), "2.10");
    }

    #[test]
    fn cpu_ticks_of_this_process_are_read() {
        assert!(cpu_ticks(std::process::id()).is_ok());
    }
}
