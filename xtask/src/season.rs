//! `cargo xtask season`: the source document's school enrollment season (积分制入学) on one host,
//! timed phase by phase. A release server on a fresh data directory serves the school item alone;
//! N families' registry records (residence permits, social insurance, tax, housing) and N parents'
//! accounts are imported with the `yiwang` command line; then, over the HTTP API, the parents log
//! in and apply from C concurrent clients, the four scoring departments confirm their parts as
//! four batch jobs running side by side, each parent chooses schools, and the education bureau's
//! placement runs as a batch job followed by `yiwang dept batch`'s progress bar. At the end the
//! statistics are read (timed) and the seats checked: no school over its capacity, and every
//! family decided.
//!
//! Bounded like `load`: loopback only, a fixed amount of work, every request with a timeout.
//! The parents' password hashes carry cheap argon2id parameters (stated in the output) so that
//! N logins measure the platform, not the hash; the server's own hashing is unchanged.

use std::fmt::Write as _;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::thread;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use anyhow::{Context, Result, bail, ensure};
use argon2::password_hash::{PasswordHasher, SaltString};
use serde_json::{Value, json};

use crate::args::Args;
use crate::compile;
use crate::load::{agent, percentile, post_json, snippet};
use crate::process::{self, step};
use crate::server::LocalServer;
use crate::workspace::{Profile, Workspace};

const ITEM: &str = "school-points-enrollment";
const WASM: &str = "yiwang_item_school_points_enrollment.wasm";
const PASSWORD: &str = "season-parent-2026";
const STAFF_PASSWORD: &str = "demo123456";
const EDUCATION: &str = "education";
/// The scoring departments' reviewers (from `yiwang demo seed`).
const SCORERS: [&str; 4] = ["public-security", "social-insurance", "tax", "housing"];
/// The primary schools of the item's 2017 list, chosen in turns.
const PRIMARY_SCHOOLS: [&str; 4] = [
    "songshan-lake",
    "guancheng-central",
    "dongcheng-first",
    "nancheng-yangguang",
];
const REQUEST_TIMEOUT: Duration = Duration::from_secs(120);
pub const MAX_APPLICANTS: u64 = 200_000;

#[derive(Debug)]
pub struct Options {
    applicants: usize,
    concurrency: usize,
}

impl Options {
    pub fn from_args(args: &mut Args) -> Result<Self> {
        Ok(Options {
            applicants: args.count("--applicants", 80_000, MAX_APPLICANTS)? as usize,
            concurrency: args.count("--concurrency", 32, crate::load::MAX_CONCURRENCY)? as usize,
        })
    }
}

/// One timed phase of the season.
struct Phase {
    name: &'static str,
    done: usize,
    failed: usize,
    elapsed: Duration,
    /// Per-request latency in µs, for the phases made of requests.
    latencies: Vec<u64>,
    note: String,
}

impl Phase {
    fn new(name: &'static str, done: usize, elapsed: Duration) -> Phase {
        Phase {
            name,
            done,
            failed: 0,
            elapsed,
            latencies: Vec::new(),
            note: String::new(),
        }
    }
}

pub fn run(ws: &Workspace, options: &Options) -> Result<()> {
    compile::guest_target(ws)?;
    compile::guests(ws)?;
    compile::host(ws, Profile::Release)?;
    let yiwang = ws.host_binary(Profile::Release);
    let component = ws.guest_dir().join(WASM);
    ensure!(component.is_file(), "{} is missing", component.display());
    let n = options.applicants;
    let mut phases = Vec::new();

    let mut server = LocalServer::start_with(ws, &yiwang, |scratch, data_dir| {
        let plugins = scratch.join("plugins.toml");
        fs::write(&plugins, plugins_toml(&component))?;
        let files = write_records(scratch, n)?;
        let started = Instant::now();
        for (dataset, file) in &files {
            let mut import = Command::new(&yiwang);
            import
                .args(["registry", "import", dataset])
                .arg(file)
                .arg("--data-dir")
                .arg(data_dir)
                .stdout(Stdio::null());
            process::run(&mut import)?;
        }
        phases.push(Phase::new(
            "registry records imported",
            n * files.len(),
            started.elapsed(),
        ));
        let accounts = write_accounts(scratch, n)?;
        let started = Instant::now();
        let mut import = Command::new(&yiwang);
        import
            .args(["user", "import"])
            .arg(&accounts)
            .arg("--data-dir")
            .arg(data_dir)
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        process::run(&mut import)?;
        phases.push(Phase::new("accounts imported", n, started.elapsed()));
        Ok(plugins)
    })?;
    let base = server.base_url.clone();
    let outcome = season(&base, &yiwang, options, &mut phases);
    if outcome.is_err() {
        server.keep_for_inspection();
    }
    let checks = outcome?;
    print_report(&phases, options, &checks);
    drop(server);
    Ok(())
}

/// What the run checked at the end.
struct Checks {
    placed: Vec<(String, u64, u64)>,
    admitted: u64,
    not_admitted: u64,
}

fn season(base: &str, yiwang: &Path, options: &Options, phases: &mut Vec<Phase>) -> Result<Checks> {
    let n = options.applicants;
    // Log in: every parent once.
    let started = Instant::now();
    let logins = parallel(options.concurrency, n, |agent, i| {
        let body = json!({"login": login(i), "password": PASSWORD}).to_string();
        let (status, text) = post_json(agent, &format!("{base}/api/v1/auth/login"), "", &body)?;
        ensure!(
            status == 200,
            "login {}: {status} {}",
            login(i),
            snippet(&text)
        );
        let reply: Value = serde_json::from_str(&text)?;
        Ok(reply["token"].as_str().context("no token")?.to_string())
    });
    let (tokens, mut phase) = logins.into_phase("parents logged in", started.elapsed())?;
    phases.push(phase);

    // Apply.
    let started = Instant::now();
    let applied = parallel(options.concurrency, n, |agent, i| {
        let body = json!({"form": {
            "child_name": child_name(i), "stage": "primary", "scoring_parent": "applicant"
        }})
        .to_string();
        let url = format!("{base}/api/v1/items/{ITEM}/applications");
        let (status, text) = post_json(agent, &url, &bearer(&tokens[i]), &body)?;
        ensure!(
            status == 201,
            "apply {}: {status} {}",
            login(i),
            snippet(&text)
        );
        let reply: Value = serde_json::from_str(&text)?;
        Ok(reply["number"].as_str().context("no number")?.to_string())
    });
    let (numbers, apply) = applied.into_phase("applications submitted", started.elapsed())?;
    phases.push(apply);

    // The four departments' batch reviews, side by side.
    let started = Instant::now();
    let jobs: Vec<Result<Value>> = thread::scope(|scope| {
        let runs: Vec<_> = SCORERS
            .iter()
            .map(|department| {
                scope.spawn(move || {
                    let token = staff_token(base, department)?;
                    dept_batch(yiwang, base, &token, "under-review", false)
                })
            })
            .collect();
        runs.into_iter()
            .map(|run| run.join().expect("a review thread panicked"))
            .collect()
    });
    let mut reviewed = 0;
    let mut refused = 0;
    for job in jobs {
        let job = job?;
        ensure!(job["status"] == "done", "a review batch ended {job}");
        reviewed += job["applied"].as_u64().unwrap_or(0) as usize;
        refused += job["refused"].as_array().map_or(0, Vec::len);
    }
    phase = Phase::new(
        "parts reviewed (4 batch jobs at once)",
        reviewed,
        started.elapsed(),
    );
    phase.failed = refused;
    phases.push(phase);

    // Each parent chooses schools.
    let started = Instant::now();
    let chosen = parallel(options.concurrency, n, |agent, i| {
        let schools = [
            PRIMARY_SCHOOLS[i % 4],
            PRIMARY_SCHOOLS[(i + 1) % 4],
            PRIMARY_SCHOOLS[(i + 2) % 4],
        ];
        let body = json!({"action": "choose-schools", "input": {"schools": schools}}).to_string();
        let url = format!("{base}/api/v1/applications/{}/actions", numbers[i]);
        let (status, text) = post_json(agent, &url, &bearer(&tokens[i]), &body)?;
        ensure!(
            status == 200,
            "choose {}: {status} {}",
            numbers[i],
            snippet(&text)
        );
        let reply: Value = serde_json::from_str(&text)?;
        ensure!(
            reply["state"] == "awaiting-placement",
            "{} after choosing: {reply}",
            numbers[i]
        );
        Ok(())
    });
    let (_, choose) = chosen.into_phase("schools chosen", started.elapsed())?;
    phases.push(choose);

    // The placement, followed by the command line's progress bar.
    let started = Instant::now();
    let token = staff_token(base, EDUCATION)?;
    let job = dept_batch(yiwang, base, &token, "awaiting-placement", true)?;
    ensure!(job["status"] == "done", "the placement ended {job}");
    let mut placement = Phase::new(
        "placement (one batch job)",
        job["applied"].as_u64().unwrap_or(0) as usize,
        started.elapsed(),
    );
    placement.failed = job["refused"].as_array().map_or(0, Vec::len);
    placement.note = format!("{} cases, {} decisions", job["cases"], job["decisions"]);
    phases.push(placement);
    ensure!(
        job["applied"].as_u64() == Some(n as u64),
        "placement applied {} of {n}: {}",
        job["applied"],
        snippet(&job["refused"].to_string())
    );

    // The statistics over the season's cases, as the public page reads them.
    let admin = staff_token(base, "admin")?;
    let today = today();
    let url = format!("{base}/api/v1/stats?from={today}&to={today}");
    let agent = agent(REQUEST_TIMEOUT);
    let mut stats = Phase::new("statistics read (5 times)", 0, Duration::ZERO);
    let mut report = Value::Null;
    let started = Instant::now();
    for _ in 0..5 {
        let sent = Instant::now();
        let mut response = agent
            .get(&url)
            .header("Authorization", &bearer(&admin))
            .call()
            .with_context(|| format!("GET {url}"))?;
        let text = response.body_mut().read_to_string()?;
        ensure!(response.status() == 200, "stats: {}", snippet(&text));
        stats.latencies.push(sent.elapsed().as_micros() as u64);
        report = serde_json::from_str(&text)?;
        stats.done += 1;
    }
    stats.elapsed = started.elapsed();
    stats.latencies.sort_unstable();
    let received: u64 = report["departments"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|d| d["received"].as_u64().unwrap_or(0))
        .sum();
    stats.note = format!("{received} applications received in the report");
    phases.push(stats);

    // The seats: no school over its capacity, every family decided.
    let mut response = agent
        .post(format!("{base}/api/v1/items/{ITEM}/query"))
        .header("Authorization", &bearer(&admin))
        .header("Content-Type", "application/json")
        .send(r#"{"input": {}}"#)?;
    let text = response.body_mut().read_to_string()?;
    ensure!(response.status() == 200, "query: {}", snippet(&text));
    let answer: Value = serde_json::from_str(&text)?;
    let answer = &answer["output"];
    let mut placed = Vec::new();
    let mut admitted = 0;
    for school in answer["schools"].as_array().into_iter().flatten() {
        let (taken, capacity) = (
            school["placed"].as_u64().unwrap_or(0),
            school["capacity"].as_u64().unwrap_or(0),
        );
        ensure!(taken <= capacity, "{school}: over capacity");
        admitted += taken;
        placed.push((
            school["code"].as_str().unwrap_or("?").to_string(),
            taken,
            capacity,
        ));
    }
    Ok(Checks {
        placed,
        admitted,
        not_admitted: n as u64 - admitted,
    })
}

/// What a phase of requests produced: each index's value, or the failures.
struct Outcomes<T> {
    values: Vec<Option<T>>,
    latencies: Vec<u64>,
    failures: Vec<String>,
}

impl<T> Outcomes<T> {
    fn into_phase(self, name: &'static str, elapsed: Duration) -> Result<(Vec<T>, Phase)> {
        let mut phase = Phase::new(name, self.latencies.len(), elapsed);
        phase.failed = self.failures.len();
        phase.latencies = self.latencies;
        phase.latencies.sort_unstable();
        if let Some(first) = self.failures.first() {
            bail!("{name}: {} failed; first: {first}", self.failures.len());
        }
        Ok((self.values.into_iter().flatten().collect(), phase))
    }
}

/// Runs `call(i)` for every i in 0..n from `clients` threads, one keep-alive connection each.
fn parallel<T: Send>(
    clients: usize,
    n: usize,
    call: impl Fn(&ureq::Agent, usize) -> Result<T> + Sync,
) -> Outcomes<T> {
    let next = AtomicUsize::new(0);
    let merged = Mutex::new(Outcomes {
        values: (0..n).map(|_| None).collect(),
        latencies: Vec::with_capacity(n),
        failures: Vec::new(),
    });
    thread::scope(|scope| {
        for _ in 0..clients.max(1) {
            scope.spawn(|| {
                let agent = agent(REQUEST_TIMEOUT);
                let mut mine = Vec::new();
                let mut latencies = Vec::new();
                let mut failures = Vec::new();
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    if i >= n {
                        break;
                    }
                    let sent = Instant::now();
                    match call(&agent, i) {
                        Ok(value) => {
                            latencies.push(sent.elapsed().as_micros() as u64);
                            mine.push((i, value));
                        }
                        Err(err) => failures.push(format!("{err:#}")),
                    }
                }
                let mut merged = merged.lock().expect("the outcomes");
                for (i, value) in mine {
                    merged.values[i] = Some(value);
                }
                merged.latencies.extend(latencies);
                merged.failures.extend(failures);
            });
        }
    });
    merged.into_inner().expect("the outcomes")
}

/// `yiwang dept batch` against the server; its job as it ended. With `show`, its progress bar
/// is drawn on this terminal.
fn dept_batch(yiwang: &Path, base: &str, token: &str, state: &str, show: bool) -> Result<Value> {
    let mut batch = Command::new(yiwang);
    batch
        .args(["dept", "batch", ITEM, "--state", state, "--server", base])
        .env("YIWANG_TOKEN", token)
        .stdin(Stdio::null())
        .stderr(if show {
            Stdio::inherit()
        } else {
            Stdio::piped()
        });
    if show {
        step(format_args!("placement: {}", process::shown(&batch)));
    }
    let output = batch
        .output()
        .with_context(|| format!("running {}", yiwang.display()))?;
    let text = String::from_utf8_lossy(&output.stdout);
    ensure!(
        output.status.success(),
        "yiwang dept batch --state {state}: {}{}",
        snippet(&text),
        snippet(&String::from_utf8_lossy(&output.stderr))
    );
    serde_json::from_str(&text).with_context(|| format!("the job: {}", snippet(&text)))
}

fn staff_token(base: &str, login: &str) -> Result<String> {
    crate::load::login(base, login, STAFF_PASSWORD)
}

fn bearer(token: &str) -> String {
    format!("Bearer {token}")
}

fn login(i: usize) -> String {
    format!("season-{:06}", i + 1)
}

fn child_name(i: usize) -> String {
    format!("学生{:06}", i + 1)
}

/// The parent's resident ID number: born on one of the days from 1980-01-01, a sequence number
/// and the check digit.
fn id_number(i: usize) -> String {
    let (y, m, d) = civil_from_days(days_from_civil(1980, 1, 1) + (i / 900) as i64);
    let body = format!("441900{y:04}{m:02}{d:02}{:03}", i % 900 + 100);
    let weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
    let sum: u32 = body
        .bytes()
        .zip(weights)
        .map(|(c, w)| u32::from(c - b'0') * w)
        .sum();
    let check = b"10X98765432"[(sum % 11) as usize] as char;
    format!("{body}{check}")
}

fn child_id_number(i: usize) -> String {
    format!("4419002020{:07}1", i + 1)
}

/// The season's plugins.toml: the school item alone, with the grants and limits of the shipped one.
fn plugins_toml(component: &Path) -> String {
    format!(
        r#"[items.{ITEM}]
component = "{}"
department = "dongguan-education"
enabled = true

[items.{ITEM}.grants]
registries = ["residence-permits", "social-insurance", "tax-records", "property-records"]
records = true
notify = true

[items.{ITEM}.limits]
memory_mib = 384
cpu_ms = 20000
wall_ms = 60000
output_bytes = 8388608
concurrency = 32
host_calls = 20
"#,
        component.display()
    )
}

/// The four registries' records of N families, as JSON lines for `yiwang registry import`.
fn write_records(dir: &Path, n: usize) -> Result<Vec<(&'static str, PathBuf)>> {
    let (year, _, _) = civil_from_days(today_days());
    let mut files = Vec::new();
    for dataset in [
        "residence-permits",
        "social-insurance",
        "tax-records",
        "property-records",
    ] {
        let mut text = String::with_capacity(n * 300);
        for i in 0..n {
            let id = id_number(i);
            let name = format!("家长{:06}", i + 1);
            let data = match dataset {
                "residence-permits" => json!({
                    "name": name, "id_number": id,
                    "first_issued_on": format!("{}-03-01", year - 1 - (i % 12) as i64),
                    "valid_until": format!("{}-12-31", year + 2),
                    "children": [{"name": child_name(i), "id_number": child_id_number(i)}]
                }),
                "social-insurance" => {
                    json!({"name": name, "earlier_paid_months": (i * 7) % 180, "months": []})
                }
                "tax-records" => json!({"name": name, "id_number": id, "annual": [
                    {"year": year - 1, "paid_fen": (i % 50) * 10_000}
                ]}),
                _ => match i % 3 {
                    0 => json!({"owned": [{"address": "东莞市东城街道"}], "rentals": []}),
                    1 => json!({"owned": [], "rentals": [
                        {"address": "东莞市南城街道", "valid_until": format!("{}-12-31", year + 1)}
                    ]}),
                    _ => json!({"owned": [], "rentals": []}),
                },
            };
            let line = json!({"key": id, "subject_id": id, "data": data});
            writeln!(text, "{line}").expect("writing to a String");
        }
        let path = dir.join(format!("{dataset}.jsonl"));
        fs::write(&path, text).with_context(|| format!("writing {}", path.display()))?;
        files.push((dataset, path));
    }
    Ok(files)
}

/// N parents' accounts for `yiwang user import`, with one cheap argon2id hash of [`PASSWORD`].
fn write_accounts(dir: &Path, n: usize) -> Result<PathBuf> {
    let params = argon2::Params::new(argon2::Params::MIN_M_COST, 1, 1, None)
        .map_err(|e| anyhow::anyhow!("argon2 parameters: {e}"))?;
    let hasher = argon2::Argon2::new(argon2::Algorithm::Argon2id, argon2::Version::V0x13, params);
    let salt =
        SaltString::encode_b64(b"yiwang-season-salt").map_err(|e| anyhow::anyhow!("salt: {e}"))?;
    let hash = hasher
        .hash_password(PASSWORD.as_bytes(), &salt)
        .map_err(|e| anyhow::anyhow!("hashing: {e}"))?
        .to_string();
    let mut text = String::with_capacity(n * 200);
    for i in 0..n {
        let line = json!({
            "login": login(i), "name": format!("家长{:06}", i + 1),
            "id_number": id_number(i), "password_hash": hash,
        });
        writeln!(text, "{line}").expect("writing to a String");
    }
    let path = dir.join("accounts.jsonl");
    fs::write(&path, text).with_context(|| format!("writing {}", path.display()))?;
    Ok(path)
}

fn today_days() -> i64 {
    let secs = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs()) as i64;
    // China time, as the platform dates applications.
    (secs + 8 * 3600).div_euclid(86_400)
}

fn today() -> String {
    let (y, m, d) = civil_from_days(today_days());
    format!("{y:04}-{m:02}-{d:02}")
}

/// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm).
fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = i64::from((m + 9) % 12);
    let doy = (153 * mp + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

fn print_report(phases: &[Phase], options: &Options, checks: &Checks) {
    let cores = thread::available_parallelism().map_or(0, |n| n.get());
    println!();
    println!(
        "season: {} families, {} clients (one keep-alive connection each); client and server \
         share this machine's {cores} cores; release server on a fresh SQLite data directory",
        options.applicants, options.concurrency
    );
    println!(
        "parents' password hashes: argon2id m={} KiB, t=1 (cheap on purpose; the server's own are m=19456 KiB, t=2)",
        argon2::Params::MIN_M_COST
    );
    println!();
    println!("| phase | done | failed/refused | seconds | per second | p50 ms | p99 ms | note |");
    println!("|---|---:|---:|---:|---:|---:|---:|---|");
    let mut total = Duration::ZERO;
    for phase in phases {
        total += phase.elapsed;
        let ms = |p: f64| {
            percentile(&phase.latencies, p)
                .map_or("-".to_owned(), |us| format!("{:.1}", us as f64 / 1000.0))
        };
        println!(
            "| {} | {} | {} | {:.1} | {:.0} | {} | {} | {} |",
            phase.name,
            phase.done,
            phase.failed,
            phase.elapsed.as_secs_f64(),
            phase.done as f64 / phase.elapsed.as_secs_f64().max(1e-9),
            ms(50.0),
            ms(99.0),
            phase.note
        );
    }
    println!("| whole season | | | {:.1} | | | | |", total.as_secs_f64());
    println!();
    println!(
        "placed: {} admitted, {} not admitted (no school over capacity)",
        checks.admitted, checks.not_admitted
    );
    for (school, taken, capacity) in &checks.placed {
        println!("  {school}: {taken}/{capacity}");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_round_trip_through_days() {
        for (y, m, d) in [(1970, 1, 1), (1980, 2, 29), (2026, 12, 7), (2000, 3, 1)] {
            assert_eq!(civil_from_days(days_from_civil(y, m, d)), (y, m, d));
        }
        assert_eq!(days_from_civil(1970, 1, 2), 1);
    }

    #[test]
    fn id_numbers_are_distinct_and_carry_their_check_digit() {
        let ids: std::collections::BTreeSet<String> = (0..100_000).map(id_number).collect();
        assert_eq!(ids.len(), 100_000);
        // 4·7 + 4·9 + 1·10 + 9·5 + 1·2 + 9·1 + 8·6 + 1·9 + 1·5 + 1·8 = 200 ≡ 2 (mod 11): X.
        assert_eq!(id_number(0), "44190019800101100X");
        assert!(ids.iter().all(|id| id.len() == 18));
    }
}
