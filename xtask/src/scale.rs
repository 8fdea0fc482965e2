//! `cargo xtask scale`: a host with thousands of items. It builds one tiny item
//! (`tests/plugins/scale-item`, whose code is the fixed-length placeholder `scale-item-00000`)
//! and copies it N times with those bytes replaced by `scale-item-00001` …: a component has no
//! checksum, so each copy is a valid component with its own sha256 that describes its own item.
//! It lists them all in a generated `plugins.toml`, seeds the demo accounts and the items'
//! department with `yiwang` itself, and then measures, on one fresh data directory:
//!
//! - the first start, which compiles every component into the artifact cache, and a second start
//!   from that cache, each from spawning `yiwang serve` to `/healthz` answering 200;
//! - the server's memory after the second start and after the submits (`VmRSS` and `VmHWM` of
//!   `/proc/<pid>/status`);
//! - submits to random items from C clients for S seconds, with every item live.
//!
//! It prints one table, the targets beside the numbers (shown, never asserted), and
//! where the second start spent its time, read from the timestamps of the server's own log.
//!
//! Bounded like the load run: loopback only, its own server, every request with a timeout, and a
//! start that is not ready within its deadline ends the run with an error (data and logs kept).

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Child, Command};
use std::thread;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use anyhow::{Context, Result, bail, ensure};
use serde_json::{Value, json};

use crate::args::Args;
use crate::compile;
use crate::load::{self, LOGIN, MAX_CONCURRENCY, PASSWORD, agent, percentile, post_json, snippet};
use crate::process::step;
use crate::server::{ScratchDir, add_department, seed_demo, spawn_serve};
use crate::workspace::{Profile, Workspace};

/// The guest copied N times.
const TEMPLATE_PACKAGE: &str = "yiwang-test-scale-item";
/// Its code as it stands in the component, replaced in each copy by a code of the same length.
const PLACEHOLDER: &str = "scale-item-00000";
const CODE_PREFIX: &str = "scale-item-";
/// The department the item names; seeded with `yiwang dept add`.
const DEPARTMENT: &str = "scale-test-dept";
/// Five digits in the code; `00000` is the placeholder itself.
const MAX_ITEMS: u64 = 99_999;
const MAX_SECONDS: u64 = 3600;
/// The first start compiles every component with Cranelift, one after another.
const FIRST_START_DEADLINE: Duration = Duration::from_secs(4 * 3600);
const SECOND_START_DEADLINE: Duration = Duration::from_secs(600);
/// Fine enough to time a start of a few seconds to the hundredth.
const POLL_EVERY: Duration = Duration::from_millis(10);
const STOP_DEADLINE: Duration = Duration::from_secs(60);
const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);
/// The targets.
const TARGET_STARTUP: Duration = Duration::from_secs(3);
const TARGET_RSS_KIB: u64 = 1024 * 1024;
/// The server's log filter, spelled out: the breakdown reads its `info` lines.
const LOG_FILTER: &str = "info,wasmtime=warn,cranelift_codegen=warn,sqlx=warn";

#[derive(Debug)]
pub struct Options {
    items: usize,
    seconds: u64,
    concurrency: usize,
    /// Keep the temporary directory (components, data, logs) after a run that went well.
    keep: bool,
}

impl Options {
    pub fn from_args(args: &mut Args) -> Result<Self> {
        Ok(Options {
            items: args.count("--items", 2000, MAX_ITEMS)? as usize,
            seconds: args.count("--seconds", 20, MAX_SECONDS)?,
            concurrency: args.count("--concurrency", 32, MAX_CONCURRENCY)? as usize,
            keep: args.flag("--keep"),
        })
    }
}

pub fn run(ws: &Workspace, options: &Options) -> Result<()> {
    compile::guest_target(ws)?;
    compile::guests(ws)?;
    compile::host(ws, Profile::Release)?;
    let yiwang = ws.host_binary(Profile::Release);
    let guest = ws
        .guests
        .iter()
        .find(|g| g.package == TEMPLATE_PACKAGE)
        .with_context(|| format!("{TEMPLATE_PACKAGE} is not a guest of the workspace"))?;
    let template_path = ws.guest_wasm(guest);
    let template =
        fs::read(&template_path).with_context(|| format!("reading {}", template_path.display()))?;

    let mut scratch = ScratchDir::new("yiwang-scale")?;
    let outcome = measure(&yiwang, &template, &scratch.path, options);
    match outcome {
        Ok(report) => {
            print_report(&report, options, &yiwang, ws.shown(&template_path));
            ensure!(
                !report.load.ok.is_empty(),
                "no submit succeeded (data and logs in {})",
                scratch.keep()
            );
            if options.keep {
                println!("components, data and logs kept in {}", scratch.keep());
            }
            Ok(())
        }
        Err(err) => {
            eprintln!("---- data and logs kept in {} ----", scratch.keep());
            Err(err)
        }
    }
}

/// Everything the table shows.
struct Report {
    /// Bytes of one component.
    component_bytes: usize,
    first: Started,
    second: Started,
    /// Artifacts in the cache after the first start, and those the second start wrote.
    compiled_first: usize,
    compiled_second: usize,
    /// `/proc/loadavg` just before the second start: other work on the machine slows it.
    load_average: Option<String>,
    breakdown: Option<Breakdown>,
    load: Tally,
    load_elapsed: Duration,
    after_load: Option<Memory>,
}

fn measure(yiwang: &Path, template: &[u8], scratch: &Path, options: &Options) -> Result<Report> {
    let n = options.items;
    let items_dir = scratch.join("items");
    step(format_args!(
        "scale: {n} copies of the {} KiB component, `{PLACEHOLDER}` replaced, in {}",
        template.len().div_ceil(1024),
        items_dir.display()
    ));
    write_items(template, n, &items_dir)?;
    let plugins = scratch.join("plugins.toml");
    fs::write(&plugins, plugins_toml(n))
        .with_context(|| format!("writing {}", plugins.display()))?;

    let data_dir = scratch.join("data");
    seed_demo(yiwang, &data_dir, None)?;
    add_department(yiwang, &data_dir, DEPARTMENT, "规模测试部门", None)?;

    let cache_dir = data_dir.join("cache");
    let serve = |name: &str, deadline: Duration| {
        Server::start(yiwang, &data_dir, &plugins, &scratch.join(name), deadline)
    };

    step(format_args!(
        "first start: compiles {n} components into {}",
        cache_dir.display()
    ));
    let mut server = serve("first-start.log", FIRST_START_DEADLINE)?;
    let first = server.started(n)?;
    let after_first = artifacts(&cache_dir)?;
    ensure!(
        after_first.len() == n,
        "the artifact cache holds {} artifacts after the first start, not one per component ({n})",
        after_first.len()
    );
    server.stop()?;

    step("second start: from the artifact cache");
    let load_average = load_average();
    let mut server = serve("second-start.log", SECOND_START_DEADLINE)?;
    let second = server.started(n)?;
    let after_second = artifacts(&cache_dir)?;
    let compiled_second = after_second
        .iter()
        .filter(|(name, stamp)| after_first.get(*name) != Some(stamp))
        .count();
    let breakdown = fs::read_to_string(&server.log)
        .ok()
        .and_then(|log| Breakdown::read(&log, server.spawned_at, second.ready));

    let token = load::login(&server.base_url, LOGIN, PASSWORD)?;
    step(format_args!(
        "scale: {} clients submitting to random items of {n} for {} s",
        options.concurrency, options.seconds
    ));
    let started = Instant::now();
    let load = drive(&server.base_url, &token, n, options);
    let load_elapsed = started.elapsed();
    let after_load = server.memory();
    server.stop()?;
    Ok(Report {
        component_bytes: template.len(),
        first,
        second,
        compiled_first: after_first.len(),
        compiled_second,
        load_average,
        breakdown,
        load,
        load_elapsed,
        after_load,
    })
}

/// `scale-item-00001` … for items 1 to `n`.
fn code(i: usize) -> String {
    format!("{CODE_PREFIX}{i:05}")
}

/// Writes `<dir>/<code>.wasm` for items 1 to `n`: the template with every occurrence of the
/// placeholder replaced by the item's code.
fn write_items(template: &[u8], n: usize, dir: &Path) -> Result<()> {
    fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    let at = occurrences(template, PLACEHOLDER.as_bytes());
    ensure!(
        !at.is_empty(),
        "the {TEMPLATE_PACKAGE} component does not hold `{PLACEHOLDER}`"
    );
    let mut wasm = template.to_vec();
    for i in 1..=n {
        let code = code(i);
        for &start in &at {
            wasm[start..start + PLACEHOLDER.len()].copy_from_slice(code.as_bytes());
        }
        let path = dir.join(format!("{code}.wasm"));
        fs::write(&path, &wasm).with_context(|| format!("writing {}", path.display()))?;
    }
    Ok(())
}

/// Where `needle` starts in `haystack`, non-overlapping.
fn occurrences(haystack: &[u8], needle: &[u8]) -> Vec<usize> {
    let mut found = Vec::new();
    let mut i = 0;
    while i + needle.len() <= haystack.len() {
        if haystack[i..].starts_with(needle) {
            found.push(i);
            i += needle.len();
        } else {
            i += 1;
        }
    }
    found
}

/// Every item, nothing granted, default limits, enabled.
fn plugins_toml(n: usize) -> String {
    let mut text = String::from(
        "# Written by `cargo xtask scale`: copies of tests/plugins/scale-item, nothing granted.\n",
    );
    for i in 1..=n {
        let code = code(i);
        let _ = write!(
            text,
            "\n[items.{code}]\ncomponent = \"items/{code}.wasm\"\ndepartment = \"{DEPARTMENT}\"\n\
             enabled = true\n\n[items.{code}.grants]\n"
        );
    }
    text
}

/// The artifact cache's `*.cwasm` files, each with its size and modification time, so a second
/// look tells which were written in between.
fn artifacts(dir: &Path) -> Result<BTreeMap<String, (u64, SystemTime)>> {
    let mut found = BTreeMap::new();
    for entry in fs::read_dir(dir).with_context(|| format!("reading {}", dir.display()))? {
        let entry = entry?;
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.ends_with(".cwasm") {
            let meta = entry.metadata()?;
            found.insert(name, (meta.len(), meta.modified()?));
        }
    }
    Ok(found)
}

/// The 1, 5 and 15 minute load averages of `/proc/loadavg`.
fn load_average() -> Option<String> {
    let text = fs::read_to_string("/proc/loadavg").ok()?;
    Some(
        text.split_whitespace()
            .take(3)
            .collect::<Vec<_>>()
            .join(" "),
    )
}

/// A start as measured: spawn to ready, and memory once ready.
struct Started {
    ready: Duration,
    memory: Option<Memory>,
}

/// `VmRSS` and `VmHWM` of `/proc/<pid>/status`, in KiB.
#[derive(Clone, Copy)]
struct Memory {
    rss_kib: u64,
    hwm_kib: u64,
}

impl Memory {
    fn read(pid: u32) -> Option<Memory> {
        let status = fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
        Memory::parse(&status)
    }

    fn parse(status: &str) -> Option<Memory> {
        let field = |name: &str| {
            status.lines().find_map(|line| {
                let value = line.strip_prefix(name)?.strip_prefix(':')?;
                value.trim().strip_suffix("kB")?.trim().parse::<u64>().ok()
            })
        };
        Some(Memory {
            rss_kib: field("VmRSS")?,
            hwm_kib: field("VmHWM")?,
        })
    }
}

/// `yiwang serve` on the scale run's data directory, its output in `log`. Dropping it kills it.
struct Server {
    child: Child,
    base_url: String,
    log: PathBuf,
    spawned_at: SystemTime,
    ready: Duration,
}

impl Server {
    /// Spawns the server and returns once `/healthz` answers 200; `ready` is the time from the
    /// spawn to that answer.
    fn start(
        yiwang: &Path,
        data_dir: &Path,
        plugins: &Path,
        log: &Path,
        deadline: Duration,
    ) -> Result<Self> {
        let spawned_at = SystemTime::now();
        let spawned = Instant::now();
        let (child, base_url) = spawn_serve(yiwang, data_dir, plugins, log, |serve| {
            serve.env("RUST_LOG", LOG_FILTER);
        })?;
        let mut server = Server {
            child,
            base_url,
            log: log.to_owned(),
            spawned_at,
            ready: Duration::ZERO,
        };
        server.ready = server.wait_until_ready(spawned, deadline)?;
        step(format_args!(
            "server ready after {:.2} s",
            server.ready.as_secs_f64()
        ));
        Ok(server)
    }

    fn wait_until_ready(&mut self, spawned: Instant, deadline: Duration) -> Result<Duration> {
        let agent = agent(Duration::from_secs(2));
        let healthz = format!("{}/healthz", self.base_url);
        loop {
            if let Some(status) = self.child.try_wait()? {
                bail!(
                    "the server exited before it was ready ({status}); see {}",
                    self.log.display()
                );
            }
            if let Ok(response) = agent.get(&healthz).call()
                && response.status() == 200
            {
                return Ok(spawned.elapsed());
            }
            if spawned.elapsed() > deadline {
                bail!(
                    "the server did not answer GET /healthz with 200 within {} s; see {}",
                    deadline.as_secs(),
                    self.log.display()
                );
            }
            thread::sleep(POLL_EVERY);
        }
    }

    /// The start as measured, once the catalog shows all `n` items live and enabled.
    fn started(&self, n: usize) -> Result<Started> {
        let memory = self.memory();
        let live = self.live_items()?;
        ensure!(
            live == n,
            "the catalog lists {live} of the {n} items live and enabled; see {}",
            self.log.display()
        );
        Ok(Started {
            ready: self.ready,
            memory,
        })
    }

    fn memory(&self) -> Option<Memory> {
        Memory::read(self.child.id())
    }

    /// The scale items in `GET /api/v1/items` that are enabled.
    fn live_items(&self) -> Result<usize> {
        let url = format!("{}/api/v1/items", self.base_url);
        let mut response = agent(REQUEST_TIMEOUT)
            .get(&url)
            .call()
            .with_context(|| format!("GET {url}"))?;
        let text = response.body_mut().read_to_string()?;
        let catalog: Value = serde_json::from_str(&text)
            .with_context(|| format!("GET {url} answered {}", snippet(&text)))?;
        Ok(catalog
            .as_array()
            .map(Vec::as_slice)
            .unwrap_or_default()
            .iter()
            .filter(|item| {
                item["code"]
                    .as_str()
                    .is_some_and(|c| c.starts_with(CODE_PREFIX))
                    && item["enabled"] == true
            })
            .count())
    }

    /// Stops the server as an operator would (SIGTERM, graceful), killing it past the deadline.
    fn stop(&mut self) -> Result<()> {
        let pid = self.child.id().to_string();
        let terminated = Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .is_ok_and(|s| s.success());
        let asked = Instant::now();
        while terminated && asked.elapsed() < STOP_DEADLINE {
            if self.child.try_wait()?.is_some() {
                return Ok(());
            }
            thread::sleep(POLL_EVERY);
        }
        self.child.kill()?;
        self.child.wait()?;
        Ok(())
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Where a start spent its time, from the timestamps of the server's `info` lines: each item's
/// load ends with `item version loaded` (component read, artifact mapped, pre-instantiated,
/// `describe()` called and checked) and then `item served` (form schema compiled, the live map
/// replaced).
struct Breakdown {
    /// From the spawn to the first item's `item version loaded`: the process, the database, the
    /// engine, `plugins.toml` read and each entry compared with what is stored, the first load.
    to_first_loaded: Duration,
    /// From the first `item version loaded` to the last `item served`.
    loading: Duration,
    /// From the last `item served` to `/healthz` answering 200.
    to_ready: Duration,
    items: usize,
    /// Mean time from one item served to the next one loaded.
    load_each: Duration,
    /// Mean time from an item loaded to it served, over the first and the last quarter of the
    /// items (the live map is copied for each item, so this may grow with the count).
    serve_each_first: Duration,
    serve_each_last: Duration,
}

impl Breakdown {
    fn read(log: &str, spawned_at: SystemTime, ready: Duration) -> Option<Breakdown> {
        let spawned = spawned_at.duration_since(UNIX_EPOCH).ok()?.as_secs_f64();
        let mut loaded = Vec::new();
        let mut served = Vec::new();
        for line in log.lines() {
            let line = strip_ansi(line);
            let Some(at) = line.split_whitespace().next().and_then(unix_seconds) else {
                continue;
            };
            if line.contains("item version loaded") {
                loaded.push(at - spawned);
            } else if line.contains("item served") {
                served.push(at - spawned);
            }
        }
        let items = served.len();
        if items < 4 || loaded.len() != items {
            return None;
        }
        let secs = |s: f64| Duration::from_secs_f64(s.max(0.0));
        let serve = |range: std::ops::Range<usize>| {
            let count = range.len() as f64;
            secs(range.map(|i| served[i] - loaded[i]).sum::<f64>() / count)
        };
        let load_each =
            (1..items).map(|i| loaded[i] - served[i - 1]).sum::<f64>() / (items - 1) as f64;
        Some(Breakdown {
            to_first_loaded: secs(loaded[0]),
            loading: secs(served[items - 1] - loaded[0]),
            to_ready: secs(ready.as_secs_f64() - served[items - 1]),
            items,
            load_each: secs(load_each),
            serve_each_first: serve(0..items / 4),
            serve_each_last: serve(items - items / 4..items),
        })
    }
}

/// The line without terminal colour sequences (`ESC [ … letter`).
fn strip_ansi(line: &str) -> String {
    let mut out = String::with_capacity(line.len());
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' {
            for c in chars.by_ref() {
                if c.is_ascii_alphabetic() {
                    break;
                }
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// Seconds since the Unix epoch of an RFC 3339 UTC stamp as the server logs it
/// (`2026-12-07T06:08:01.123456Z`).
fn unix_seconds(stamp: &str) -> Option<f64> {
    let (date, time) = stamp.strip_suffix('Z')?.split_once('T')?;
    let mut date = date.split('-').map(str::parse::<i64>);
    let (year, month, day) = (date.next()?.ok()?, date.next()?.ok()?, date.next()?.ok()?);
    let mut time = time.split(':');
    let hour: i64 = time.next()?.parse().ok()?;
    let minute: i64 = time.next()?.parse().ok()?;
    let second: f64 = time.next()?.parse().ok()?;
    let whole = days_from_civil(year, month, day) * 86_400 + hour * 3600 + minute * 60;
    Some(whole as f64 + second)
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let year = if month <= 2 { year - 1 } else { year };
    let era = year.div_euclid(400);
    let year_of_era = year - era * 400;
    let day_of_year = (153 * ((month + 9) % 12) + 2) / 5 + day - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * 146_097 + day_of_era - 719_468
}

/// What the clients saw, merged.
#[derive(Default)]
struct Tally {
    /// Latency of each 2xx response in microseconds, from sending to the last byte of the body.
    ok: Vec<u64>,
    non_2xx: u64,
    errors: u64,
    first_failure: Option<String>,
    /// Which items were sent at least one submit.
    hit: Vec<bool>,
}

impl Tally {
    fn merge(&mut self, other: Tally) {
        self.ok.extend(other.ok);
        self.non_2xx += other.non_2xx;
        self.errors += other.errors;
        self.first_failure = self.first_failure.take().or(other.first_failure);
        if self.hit.len() < other.hit.len() {
            self.hit.resize(other.hit.len(), false);
        }
        for (mine, theirs) in self.hit.iter_mut().zip(other.hit) {
            *mine |= theirs;
        }
    }

    fn requests(&self) -> u64 {
        self.ok.len() as u64 + self.non_2xx + self.errors
    }
}

fn drive(base: &str, token: &str, n: usize, options: &Options) -> Tally {
    let authorization = format!("Bearer {token}");
    let body = json!({"form": {"note": "规模测试"}}).to_string();
    let deadline = Instant::now() + Duration::from_secs(options.seconds);
    let mut tally = thread::scope(|scope| {
        let clients: Vec<_> = (0..options.concurrency)
            .map(|i| {
                let (authorization, body) = (&authorization, &body);
                scope.spawn(move || client(base, authorization, body, n, i as u64, deadline))
            })
            .collect();
        let mut tally = Tally::default();
        for client in clients {
            tally.merge(client.join().expect("a scale client panicked"));
        }
        tally
    });
    tally.ok.sort_unstable();
    tally
}

fn client(
    base: &str,
    authorization: &str,
    body: &str,
    n: usize,
    index: u64,
    deadline: Instant,
) -> Tally {
    let agent = agent(REQUEST_TIMEOUT);
    let mut random = XorShift::seeded(index);
    let mut tally = Tally {
        hit: vec![false; n],
        ..Tally::default()
    };
    while Instant::now() < deadline {
        let item = (random.next() % n as u64) as usize;
        tally.hit[item] = true;
        let url = format!("{base}/api/v1/items/{}/applications", code(item + 1));
        let sent = Instant::now();
        match post_json(&agent, &url, authorization, body) {
            Ok((status, _)) if status.is_success() => {
                tally.ok.push(sent.elapsed().as_micros() as u64)
            }
            Ok((status, text)) => {
                tally.non_2xx += 1;
                tally
                    .first_failure
                    .get_or_insert_with(|| format!("{status}: {}", snippet(&text)));
            }
            Err(err) => {
                tally.errors += 1;
                tally.first_failure.get_or_insert_with(|| err.to_string());
            }
        }
    }
    tally
}

/// A small generator for picking items; no crate needed for that.
struct XorShift(u64);

impl XorShift {
    /// Different for each client and each run (splitmix64 of the index and the clock).
    fn seeded(index: u64) -> Self {
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default()
            .subsec_nanos();
        let mut z = (u64::from(nanos) ^ (index << 32)).wrapping_add(0x9e37_79b9_7f4a_7c15);
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        XorShift((z ^ (z >> 31)) | 1)
    }

    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0 = x;
        x
    }
}

fn print_report(report: &Report, options: &Options, yiwang: &Path, template: &Path) {
    let n = options.items;
    let t = &report.load;
    let cores = thread::available_parallelism().map_or(0, |c| c.get());
    let mib = |kib: u64| format!("{:.0}", kib as f64 / 1024.0);
    let memory = |m: Option<Memory>| {
        m.map_or("-".to_owned(), |m| {
            format!("{} / {} MiB", mib(m.rss_kib), mib(m.hwm_kib))
        })
    };
    let rss_target = |m: Option<Memory>| {
        let verdict = match m {
            Some(m) if m.rss_kib <= TARGET_RSS_KIB => "met",
            Some(_) => "not met",
            None => "unknown",
        };
        format!("RSS ≤ 1 GiB: {verdict}")
    };
    let ms = |p: f64| {
        percentile(&t.ok, p).map_or("-".to_owned(), |us| format!("{:.2}", us as f64 / 1000.0))
    };
    let startup_verdict = if report.second.ready <= TARGET_STARTUP {
        "met"
    } else {
        "not met"
    };
    let hit = t.hit.iter().filter(|&&h| h).count();
    println!();
    println!(
        "scale run: {n} items, copies of {} ({} KiB) as {} … {}, nothing granted, default limits",
        template.display(),
        report.component_bytes.div_ceil(1024),
        code(1),
        code(n)
    );
    println!(
        "server: {} on a fresh data directory (release build); client and server share this \
         machine's {cores} cores; load average before the second start: {}",
        yiwang.display(),
        report.load_average.as_deref().unwrap_or("-")
    );
    println!();
    println!("| measure | value | target (shown, not asserted) |");
    println!("|---|---:|---|");
    println!(
        "| first start: spawn to /healthz 200, compiling every component | {:.2} s | |",
        report.first.ready.as_secs_f64()
    );
    println!(
        "| artifacts compiled by the first start (one per distinct sha256) | {} | {n} |",
        report.compiled_first
    );
    println!(
        "| RSS after the first start (VmRSS / VmHWM) | {} | |",
        memory(report.first.memory)
    );
    println!(
        "| second start: spawn to /healthz 200, from the artifact cache | {:.2} s | ≤ 3 s: {startup_verdict} |",
        report.second.ready.as_secs_f64()
    );
    println!(
        "| artifacts compiled by the second start | {} | 0 |",
        report.compiled_second
    );
    println!(
        "| RSS after the second start (VmRSS / VmHWM) | {} | {} |",
        memory(report.second.memory),
        rss_target(report.second.memory)
    );
    println!(
        "| submits: {} clients, random items, {} s ({:.1} s with the last responses) | {} ({} 2xx, {} non-2xx, {} errors) | |",
        options.concurrency,
        options.seconds,
        report.load_elapsed.as_secs_f64(),
        t.requests(),
        t.ok.len(),
        t.non_2xx,
        t.errors
    );
    println!(
        "| submits/s | {:.1} | |",
        t.requests() as f64 / report.load_elapsed.as_secs_f64()
    );
    println!(
        "| submit latency p50 / p90 / p99 / max (2xx) | {} / {} / {} / {} ms | |",
        ms(50.0),
        ms(90.0),
        ms(99.0),
        ms(100.0)
    );
    println!("| distinct items submitted to | {hit} | of {n} |");
    println!(
        "| RSS after the submits (VmRSS / VmHWM) | {} | {} |",
        memory(report.after_load),
        rss_target(report.after_load)
    );
    println!();
    match &report.breakdown {
        Some(b) => {
            let s = |d: Duration| format!("{:.2} s", d.as_secs_f64());
            let ms = |d: Duration| format!("{:.2} ms", d.as_secs_f64() * 1000.0);
            println!(
                "second start, from the server's log: {} from the spawn to the first item loaded \
                 (process, database, engine, every plugins.toml entry compared with the stored one); \
                 {} loading {} items one after another: {} per item from one served to the next \
                 loaded (stored catalog entry read, artifact mapped by sha256, pre-instantiated) \
                 and {} (first quarter) / {} (last quarter) from loaded to served (form schema \
                 compiled, live map copied); {} from the last item served to ready",
                s(b.to_first_loaded),
                s(b.loading),
                b.items,
                ms(b.load_each),
                ms(b.serve_each_first),
                ms(b.serve_each_last),
                s(b.to_ready)
            );
        }
        None => println!("second start: no breakdown (the log's item lines were not found)"),
    }
    println!(
        "latency: 2xx responses only, measured by the client from sending to the last byte of the body"
    );
    if let Some(sample) = &t.first_failure {
        println!("first failure: {sample}");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_keep_the_placeholders_length() {
        assert_eq!(code(1), "scale-item-00001");
        assert_eq!(code(MAX_ITEMS as usize).len(), PLACEHOLDER.len());
    }

    #[test]
    fn every_occurrence_of_the_placeholder_is_replaced_in_each_copy() {
        let dir = ScratchDir::new("xtask-scale-test").unwrap();
        let template = [
            b"\0asm".as_slice(),
            PLACEHOLDER.as_bytes(),
            b"..",
            PLACEHOLDER.as_bytes(),
        ]
        .concat();
        write_items(&template, 3, &dir.path).unwrap();
        let third = fs::read(dir.path.join("scale-item-00003.wasm")).unwrap();
        assert_eq!(third.len(), template.len());
        assert_eq!(occurrences(&third, b"scale-item-00003"), [4, 22]);
        assert!(occurrences(&third, PLACEHOLDER.as_bytes()).is_empty());
        assert!(write_items(b"\0asm", 1, &dir.path).is_err());
    }

    #[test]
    fn the_plugins_file_lists_every_item_with_nothing_granted() {
        let text = plugins_toml(2);
        assert!(
            text.contains("[items.scale-item-00002]\ncomponent = \"items/scale-item-00002.wasm\"")
        );
        assert_eq!(text.matches("department = \"scale-test-dept\"").count(), 2);
        assert_eq!(text.matches(".grants]\n").count(), 2);
    }

    #[test]
    fn memory_is_read_from_proc_status() {
        let status = "Name:\tyiwang\nVmHWM:\t  204800 kB\nVmRSS:\t  102400 kB\n";
        let m = Memory::parse(status).unwrap();
        assert_eq!((m.rss_kib, m.hwm_kib), (102_400, 204_800));
        assert!(Memory::parse("Name:\tyiwang\n").is_none());
    }

    #[test]
    fn log_stamps_are_read_as_unix_seconds() {
        assert_eq!(unix_seconds("1970-01-01T00:00:00Z"), Some(0.0));
        assert_eq!(unix_seconds("2000-03-01T00:00:01.5Z"), Some(951_868_801.5));
        assert_eq!(
            unix_seconds("2026-12-07T06:08:01.000000Z"),
            Some(1_796_623_681.0)
        );
        assert_eq!(unix_seconds("INFO"), None);
        assert_eq!(
            strip_ansi("\u{1b}[2m2026-12-07T06:08:01Z\u{1b}[0m \u{1b}[32m INFO\u{1b}[0m x"),
            "2026-12-07T06:08:01Z  INFO x"
        );
    }

    #[test]
    fn a_start_is_broken_down_from_its_item_lines() {
        let spawned_at = UNIX_EPOCH + Duration::from_secs(1_796_623_680);
        let mut log = String::from("2026-12-07T06:08:00.100000Z  INFO migrations done\n");
        for i in 0..8 {
            let _ = writeln!(
                log,
                "2026-12-07T06:08:0{}.000000Z  INFO item version loaded",
                i + 1
            );
            let _ = writeln!(log, "2026-12-07T06:08:0{}.500000Z  INFO item served", i + 1);
        }
        let b = Breakdown::read(&log, spawned_at, Duration::from_secs(9)).unwrap();
        assert_eq!(b.items, 8);
        assert_eq!(b.to_first_loaded, Duration::from_secs(1));
        assert_eq!(b.loading, Duration::from_millis(7500));
        assert_eq!(b.to_ready, Duration::from_millis(500));
        assert_eq!(b.load_each, Duration::from_millis(500));
        assert_eq!(b.serve_each_last, Duration::from_millis(500));
        assert!(Breakdown::read("nothing", spawned_at, Duration::ZERO).is_none());
    }

    #[test]
    fn picks_spread_over_the_items() {
        let mut random = XorShift::seeded(3);
        let mut seen = [false; 10];
        for _ in 0..1000 {
            seen[(random.next() % 10) as usize] = true;
        }
        assert!(seen.iter().all(|&s| s));
    }
}
