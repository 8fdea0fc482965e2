//! `cargo xtask swap`: publishing and rolling back an item version while citizens apply, the run
//! recorded in BENCHMARKS.md. It starts a release server on a fresh data directory, sets up the
//! test department with `yiwang` itself (key pair, `dept add`, a developer, `plugin sign` and
//! `plugin upload` of the crafted item's 1.0.0 and 1.1.0), publishes 1.0.0, and then, while C
//! worker threads submit applications without pause, publishes 1.1.0 and rolls back to 1.0.0
//! N times. It prints one table: requests served and failed (a swap must fail none), and per
//! swap the time from the admin's answer to the first 201 that ran on the new version.
//!
//! Bounded like the load run: loopback only, its own server, every request with a timeout, and a
//! swap that is not seen within `SWAP_DEADLINE` ends the run with an error.

use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail, ensure};
use serde_json::{Value, json};

use crate::args::Args;
use crate::load::{self, MAX_CONCURRENCY, PASSWORD, agent, percentile, post_json, snippet};
use crate::process::{self, step};
use crate::server::LocalServer;
use crate::workspace::{Profile, Workspace};
use crate::{compile, crafted};

const ITEM: &str = "crafted-item";
const DEPARTMENT: &str = "yiwang-test-dept";
const DEVELOPER: &str = "swap.developer";
const ADMIN: &str = "admin";
const OLD: &str = "1.0.0";
const NEW: &str = "1.1.0";
const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);
/// How long a swap may take to show in the answers before the run gives up.
const SWAP_DEADLINE: Duration = Duration::from_secs(10);
/// How long each version serves before the next swap, once it is seen.
const DWELL: Duration = Duration::from_millis(250);
/// Load before the first swap, so that every worker is sending.
const WARM_UP: Duration = Duration::from_secs(1);
const POLL_EVERY: Duration = Duration::from_millis(1);
const MAX_SWAPS: u64 = 1000;

#[derive(Debug)]
pub struct Options {
    swaps: usize,
    concurrency: usize,
}

impl Options {
    pub fn from_args(args: &mut Args) -> Result<Self> {
        Ok(Options {
            swaps: args.count("--swaps", 10, MAX_SWAPS)? as usize,
            concurrency: args.count("--concurrency", 16, MAX_CONCURRENCY)? as usize,
        })
    }
}

pub fn run(ws: &Workspace, options: &Options) -> Result<()> {
    compile::guest_target(ws)?;
    compile::guests(ws)?;
    compile::host(ws, Profile::Release)?;
    let yiwang = ws.host_binary(Profile::Release);
    let mut server = LocalServer::start(ws, &yiwang)?;
    let outcome = prepare(ws, &yiwang, &server).and_then(|tokens| {
        step(format_args!(
            "swap: {} workers applying for {ITEM}; {} times publish {NEW}, roll back to {OLD}",
            options.concurrency, options.swaps
        ));
        drive(&server.base_url, &tokens, options)
    });
    let report = match outcome {
        Ok(report) => report,
        Err(err) => {
            server.keep_for_inspection();
            return Err(err);
        }
    };
    print_report(&report, options, &yiwang);
    if report.tally.failed > 0 {
        server.keep_for_inspection();
        bail!("{} requests failed during the swaps", report.tally.failed);
    }
    Ok(())
}

struct Tokens {
    admin: String,
    citizen: String,
}

/// The department, its key and developer, the item registered, 1.0.0 and 1.1.0 uploaded through
/// the command line, 1.0.0 published and switched on.
fn prepare(ws: &Workspace, yiwang: &Path, server: &LocalServer) -> Result<Tokens> {
    let base = &server.base_url;
    let data_dir = server.data_dir();
    let key = server.scratch_dir().join("dept.key");
    let mut keygen = Command::new(yiwang);
    keygen.args(["plugin", "keygen", "--out"]).arg(&key);
    process::run(&mut keygen)?;
    let mut dept = Command::new(yiwang);
    dept.args([
        "dept",
        "add",
        "--code",
        DEPARTMENT,
        "--name",
        "热切换测试部门",
    ])
    .arg("--public-key")
    .arg(server.scratch_dir().join("dept.key.pub"))
    .arg("--data-dir")
    .arg(&data_dir);
    step(format_args!("department: {}", process::shown(&dept)));
    process::run(&mut dept)?;
    add_developer(yiwang, &data_dir)?;

    let admin = load::login(base, ADMIN, PASSWORD)?;
    let developer = load::login(base, DEVELOPER, PASSWORD)?;
    let citizen = load::login(base, load::LOGIN, PASSWORD)?;
    let client = agent(REQUEST_TIMEOUT);
    let registered = call(
        &client,
        &format!("{base}/api/v1/admin/items"),
        &admin,
        &json!({"code": ITEM, "department": DEPARTMENT}),
    )?;
    ensure!(registered.0 == 201, "registering {ITEM}: {}", registered.1);
    for version in [OLD, NEW] {
        let component = server.scratch_dir().join(format!("{ITEM}-{version}.wasm"));
        let built = crafted::wasm(ws, &format!("ok-{version}"));
        std::fs::copy(&built, &component)
            .with_context(|| format!("copying {}", built.display()))?;
        let mut sign = Command::new(yiwang);
        sign.args(["plugin", "sign", "--key"])
            .arg(&key)
            .arg(&component);
        process::run(&mut sign)?;
        let mut upload = Command::new(yiwang);
        upload
            .args(["plugin", "upload", "--server", base, "--item", ITEM])
            .arg(&component)
            .env("YIWANG_TOKEN", &developer)
            .stdout(Stdio::null());
        step(format_args!("upload: {}", process::shown(&upload)));
        process::run(&mut upload)?;
    }
    admin_item(&client, base, &admin, "publish", &json!({ "version": OLD }))?;
    admin_item(&client, base, &admin, "enable", &json!({}))?;
    Ok(Tokens { admin, citizen })
}

/// `yiwang user add` for the developer, the password on standard input.
fn add_developer(yiwang: &Path, data_dir: &Path) -> Result<()> {
    let mut add = Command::new(yiwang);
    add.args(["user", "add", "--login", DEVELOPER, "--role", "developer"])
        .args(["--department", DEPARTMENT, "--data-dir"])
        .arg(data_dir)
        .stdin(Stdio::piped());
    step(format_args!("developer: {}", process::shown(&add)));
    let mut child = add.spawn().context("starting yiwang user add")?;
    child
        .stdin
        .take()
        .context("yiwang user add has no stdin")?
        .write_all(PASSWORD.as_bytes())?;
    let status = child.wait()?;
    ensure!(status.success(), "yiwang user add failed ({status})");
    Ok(())
}

/// POSTs `body` as JSON with the bearer `token`; returns the status and the body's text.
fn call(client: &ureq::Agent, url: &str, token: &str, body: &Value) -> Result<(u16, String)> {
    let authorization = format!("Bearer {token}");
    let (status, text) = post_json(client, url, &authorization, &body.to_string())
        .with_context(|| format!("POST {url}"))?;
    Ok((status.as_u16(), text))
}

/// An admin's `POST /api/v1/admin/items/{ITEM}/{verb}`, which must answer 200.
fn admin_item(
    client: &ureq::Agent,
    base: &str,
    admin: &str,
    verb: &str,
    body: &Value,
) -> Result<()> {
    let url = format!("{base}/api/v1/admin/items/{ITEM}/{verb}");
    let (status, text) = call(client, &url, admin, body)?;
    ensure!(status == 200, "{verb} {ITEM}: {status} {}", snippet(&text));
    Ok(())
}

/// A 201 as a worker saw it: when its last byte arrived and which version ran it.
struct Served {
    at: Instant,
    version: String,
}

#[derive(Default)]
struct Tally {
    served: u64,
    failed: u64,
    first_failure: Option<String>,
}

/// One swap: what it was, how long the admin's call took, and from its answer to the first 201
/// that ran on the version it put in place (zero when that 201 came first).
struct Swap {
    to: &'static str,
    call: Duration,
    to_first: Duration,
}

struct Report {
    tally: Tally,
    swaps: Vec<Swap>,
    /// 201s by the version that ran them.
    by_version: Vec<(String, u64)>,
    elapsed: Duration,
}

fn drive(base: &str, tokens: &Tokens, options: &Options) -> Result<Report> {
    let url = format!("{base}/api/v1/items/{ITEM}/applications");
    let authorization = format!("Bearer {}", tokens.citizen);
    let body = json!({"form": {"note": "热切换测试"}}).to_string();
    let served = Mutex::new(Vec::<Served>::new());
    let stop = AtomicBool::new(false);
    let started = Instant::now();
    let (swaps, tally) = thread::scope(|scope| {
        let workers: Vec<_> = (0..options.concurrency)
            .map(|_| scope.spawn(|| worker(&url, &authorization, &body, &served, &stop)))
            .collect();
        let swaps = swap_repeatedly(base, &tokens.admin, options.swaps, &served);
        stop.store(true, Ordering::Relaxed);
        let mut tally = Tally::default();
        for worker in workers {
            let one = worker.join().expect("a swap worker panicked");
            tally.served += one.served;
            tally.failed += one.failed;
            tally.first_failure = tally.first_failure.take().or(one.first_failure);
        }
        (swaps, tally)
    });
    let elapsed = started.elapsed();
    let swaps = swaps?;
    let served = served
        .into_inner()
        .expect("a worker panicked holding the list");
    let mut by_version: Vec<(String, u64)> = Vec::new();
    for s in &served {
        match by_version.iter_mut().find(|(v, _)| *v == s.version) {
            Some((_, n)) => *n += 1,
            None => by_version.push((s.version.clone(), 1)),
        }
    }
    by_version.sort();
    Ok(Report {
        tally,
        swaps,
        by_version,
        elapsed,
    })
}

fn worker(
    url: &str,
    authorization: &str,
    body: &str,
    served: &Mutex<Vec<Served>>,
    stop: &AtomicBool,
) -> Tally {
    let agent = agent(REQUEST_TIMEOUT);
    let mut tally = Tally::default();
    while !stop.load(Ordering::Relaxed) {
        let outcome = post_json(&agent, url, authorization, body);
        let at = Instant::now();
        let failure = match outcome {
            Ok((status, text)) if status == 201 => match version_of(&text) {
                Some(version) => {
                    tally.served += 1;
                    served
                        .lock()
                        .expect("a worker panicked holding the list")
                        .push(Served { at, version });
                    None
                }
                None => Some(format!("201 without a version: {}", snippet(&text))),
            },
            Ok((status, text)) => Some(format!("{status}: {}", snippet(&text))),
            Err(err) => Some(err.to_string()),
        };
        if let Some(failure) = failure {
            tally.failed += 1;
            tally.first_failure.get_or_insert(failure);
        }
    }
    tally
}

/// The version an application ran on, from its 201 body.
fn version_of(text: &str) -> Option<String> {
    let body: Value = serde_json::from_str(text).ok()?;
    body.get("item_version")
        .or_else(|| body.get("version"))?
        .as_str()
        .map(str::to_owned)
}

/// After the warm-up, `count` times: publish NEW, wait for it in the answers, dwell; roll back,
/// wait for OLD, dwell.
fn swap_repeatedly(
    base: &str,
    admin: &str,
    count: usize,
    served: &Mutex<Vec<Served>>,
) -> Result<Vec<Swap>> {
    let client = agent(REQUEST_TIMEOUT);
    thread::sleep(WARM_UP);
    let mut swaps = Vec::with_capacity(2 * count);
    for _ in 0..count {
        for (verb, body, to) in [
            ("publish", json!({ "version": NEW }), NEW),
            ("rollback", json!({}), OLD),
        ] {
            let seen_before = served.lock().expect("list poisoned").len();
            let sent = Instant::now();
            admin_item(&client, base, admin, verb, &body)?;
            let answered = Instant::now();
            let first = first_served(served, seen_before, sent, to)?;
            swaps.push(Swap {
                to,
                call: answered - sent,
                to_first: first.saturating_duration_since(answered),
            });
            thread::sleep(DWELL);
        }
    }
    Ok(swaps)
}

/// When the first 201 on `version` that arrived after `sent` arrived; waits up to
/// `SWAP_DEADLINE`. Anything that arrived after `sent` was listed at `from` or later.
fn first_served(
    served: &Mutex<Vec<Served>>,
    from: usize,
    sent: Instant,
    version: &str,
) -> Result<Instant> {
    loop {
        let first = served.lock().expect("list poisoned")[from..]
            .iter()
            .filter(|s| s.version == version && s.at >= sent)
            .map(|s| s.at)
            .min();
        if let Some(at) = first {
            return Ok(at);
        }
        if sent.elapsed() > SWAP_DEADLINE {
            bail!(
                "no application ran on {ITEM}@{version} within {} s of the swap",
                SWAP_DEADLINE.as_secs()
            );
        }
        thread::sleep(POLL_EVERY);
    }
}

fn print_report(report: &Report, options: &Options, yiwang: &Path) {
    let t = &report.tally;
    let cores = thread::available_parallelism().map_or(0, |n| n.get());
    println!();
    println!(
        "swap run: {ITEM} {OLD} -> {NEW} (publish) and back (rollback), {} times, while \
         {} workers apply without pause",
        options.swaps, options.concurrency
    );
    println!(
        "server: {} on a fresh data directory (release build); client and server share this \
         machine's {cores} cores; {:.1} s",
        yiwang.display(),
        report.elapsed.as_secs_f64()
    );
    println!();
    println!("| requests served (201) | requests failed | requests/s | served by version |");
    println!("|---:|---:|---:|---|");
    let versions: Vec<String> = report
        .by_version
        .iter()
        .map(|(v, n)| format!("{v}: {n}"))
        .collect();
    println!(
        "| {} | {} | {:.1} | {} |",
        t.served,
        t.failed,
        (t.served + t.failed) as f64 / report.elapsed.as_secs_f64(),
        versions.join(", ")
    );
    println!();
    println!(
        "| swap | count | admin call ms (median / max) | answer to first 201 on the new version, ms (median / max) |"
    );
    println!("|---|---:|---:|---:|");
    for (label, to) in [
        (format!("publish {NEW}"), NEW),
        (format!("rollback to {OLD}"), OLD),
    ] {
        let of_kind: Vec<&Swap> = report.swaps.iter().filter(|s| s.to == to).collect();
        let ms = |pick: fn(&Swap) -> Duration| {
            let mut us: Vec<u64> = of_kind.iter().map(|s| pick(s).as_micros() as u64).collect();
            us.sort_unstable();
            let at = |p: f64| {
                percentile(&us, p).map_or("-".to_owned(), |v| format!("{:.2}", v as f64 / 1000.0))
            };
            format!("{} / {}", at(50.0), at(100.0))
        };
        println!(
            "| {label} | {} | {} | {} |",
            of_kind.len(),
            ms(|s| s.call),
            ms(|s| s.to_first)
        );
    }
    println!();
    println!(
        "answer to first 201: from the admin call's response to the first application answered \
         201 on the version it put in place (0 when such an answer arrived first)"
    );
    if let Some(sample) = &t.first_failure {
        println!("first failure: {sample}");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_version_is_read_from_the_answer() {
        assert_eq!(
            version_of(r#"{"number":"YW-1","version":"1.1.0"}"#).as_deref(),
            Some("1.1.0")
        );
        assert_eq!(
            version_of(r#"{"item_version":"2.0.0","version":"x"}"#).as_deref(),
            Some("2.0.0")
        );
        assert_eq!(version_of(r#"{"number":"YW-1"}"#), None);
        assert_eq!(version_of("not json"), None);
    }

    #[test]
    fn the_first_answer_on_a_version_after_the_swap_is_found() {
        let sent = Instant::now();
        let later = |ms| sent + Duration::from_millis(ms);
        let served = Mutex::new(vec![
            Served {
                at: later(1),
                version: OLD.into(),
            },
            Served {
                at: later(9),
                version: NEW.into(),
            },
            Served {
                at: later(5),
                version: NEW.into(),
            },
        ]);
        assert_eq!(first_served(&served, 0, sent, NEW).unwrap(), later(5));
        assert_eq!(first_served(&served, 2, sent, NEW).unwrap(), later(5));
    }
}
