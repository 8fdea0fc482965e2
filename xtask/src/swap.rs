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

use std::path::Path;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread;
use std::time::{Duration, Instant};

use anyhow::{Result, bail};
use serde_json::{Value, json};

use crate::args::Args;
use crate::compile;
use crate::load::{MAX_CONCURRENCY, agent, percentile, post_json, snippet};
use crate::process::step;
use crate::server::LocalServer;
use crate::staging::{self, ITEM, Tokens, admin_item};
use crate::workspace::{Profile, Workspace};

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
    let uploads = [("ok-1.0.0", OLD), ("ok-1.1.0", NEW)];
    let outcome = staging::prepare(ws, &yiwang, &server, &uploads, OLD).and_then(|tokens| {
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
