//! `cargo xtask load`: the load run of the submit endpoint recorded in BENCHMARKS.md. It logs in as
//! the demo citizen and has C worker threads, one keep-alive connection each, post the vehicle
//! inspection exemption application for S seconds, then prints one table. With `--wrk` the same
//! submissions are sent by `wrk` (as `cargo xtask peer` does), whose one event-loop thread takes
//! far less of the shared cores than C worker threads, and the table adds the server's CPU time.
//!
//! Bounded by design: it sends only to loopback addresses (a `--url` elsewhere is refused), stops
//! starting requests after S seconds and gives each request at most `REQUEST_TIMEOUT`. Without
//! `--url` it builds and starts its own release server on a fresh data directory and kills it after.

use std::net::ToSocketAddrs;
use std::thread;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail, ensure};
use serde_json::{Value, json};

use crate::args::Args;
use crate::compile;
use crate::peer;
use crate::process::step;
use crate::server::LocalServer;
use crate::workspace::{Profile, Workspace};

const SUBMIT_PATH: &str = "/api/v1/items/vehicle-inspection-exemption/applications";
pub const LOGIN: &str = "zhang.san";
pub const PASSWORD: &str = "demo123456";
const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);
const MAX_SECONDS: u64 = 3600;
pub const MAX_CONCURRENCY: u64 = 1024;

#[derive(Debug)]
pub struct Options {
    seconds: u64,
    concurrency: usize,
    url: Option<String>,
    wrk: bool,
}

impl Options {
    pub fn from_args(args: &mut Args) -> Result<Self> {
        Ok(Options {
            seconds: args.count("--seconds", 20, MAX_SECONDS)?,
            concurrency: args.count("--concurrency", 32, MAX_CONCURRENCY)? as usize,
            url: args.value("--url")?,
            wrk: args.flag("--wrk"),
        })
    }
}

pub fn run(ws: &Workspace, options: &Options) -> Result<()> {
    let (mut server, base_url, server_note) = match &options.url {
        Some(url) => {
            let base = loopback_base_url(url)?;
            (None, base.clone(), format!("{base} (already running)"))
        }
        None => {
            compile::guest_target(ws)?;
            compile::guests(ws)?;
            compile::host(ws, Profile::Release)?;
            let yiwang = ws.host_binary(Profile::Release);
            let server = LocalServer::start(ws, &yiwang)?;
            let base = server.base_url.clone();
            let note = format!(
                "{} on a fresh data directory (release build)",
                yiwang.display()
            );
            (Some(server), base, note)
        }
    };

    if options.wrk {
        let server =
            server.context("--wrk measures the server it starts (its CPU time): no --url")?;
        return drive_wrk(&server, options);
    }
    let token = match login(&base_url, LOGIN, PASSWORD) {
        Ok(token) => token,
        Err(err) => {
            if let Some(server) = &mut server {
                server.keep_for_inspection();
            }
            return Err(err);
        }
    };
    step(format_args!(
        "load: {} workers posting to {SUBMIT_PATH} for {} s",
        options.concurrency, options.seconds
    ));
    let report = drive(&base_url, &token, options);

    print_report(&report, options, &server_note);
    if report.tally.ok.is_empty() {
        if let Some(server) = &mut server {
            server.keep_for_inspection();
        }
        bail!("no request succeeded");
    }
    drop(server);
    Ok(())
}

/// An HTTP agent for loopback: no proxy, statuses as values rather than errors.
pub fn agent(timeout: Duration) -> ureq::Agent {
    ureq::Agent::config_builder()
        .proxy(None)
        .http_status_as_error(false)
        .timeout_global(Some(timeout))
        .build()
        .into()
}

/// `--url` must be plain http to this machine: every address the host resolves to is loopback.
fn loopback_base_url(url: &str) -> Result<String> {
    let Some(rest) = url.strip_prefix("http://") else {
        bail!("--url {url}: only http:// URLs on this machine's loopback are allowed");
    };
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let (authority, path) = rest.split_at(authority_end);
    ensure!(
        !authority.is_empty() && !authority.contains('@'),
        "--url {url}: expected http://HOST[:PORT][/PATH]"
    );
    let (host, port) = match authority.rsplit_once(':') {
        Some((host, port)) if !port.contains(']') => (
            host,
            port.parse::<u16>()
                .with_context(|| format!("--url {url}: bad port"))?,
        ),
        _ => (authority, 80),
    };
    let host = host.trim_start_matches('[').trim_end_matches(']');
    let addrs: Vec<_> = (host, port)
        .to_socket_addrs()
        .with_context(|| format!("--url {url}: cannot resolve {host}"))?
        .collect();
    ensure!(
        !addrs.is_empty() && addrs.iter().all(|a| a.ip().is_loopback()),
        "--url {url}: the load run only targets loopback addresses (127.0.0.0/8, ::1)"
    );
    Ok(format!(
        "http://{authority}{}",
        path.split(['?', '#'])
            .next()
            .unwrap_or("")
            .trim_end_matches('/')
    ))
}

/// Logs in as `login` and returns the bearer token.
pub fn login(base_url: &str, login: &str, password: &str) -> Result<String> {
    step(format_args!("login as {login}"));
    let body = json!({"login": login, "password": password}).to_string();
    let mut response = agent(REQUEST_TIMEOUT)
        .post(format!("{base_url}/api/v1/auth/login"))
        .header("Content-Type", "application/json")
        .send(body.as_str())
        .with_context(|| format!("POST {base_url}/api/v1/auth/login"))?;
    let status = response.status();
    let text = response.body_mut().read_to_string().unwrap_or_default();
    ensure!(
        status == 200,
        "login as {login} answered {status}: {}",
        snippet(&text)
    );
    let reply: Value = serde_json::from_str(&text)
        .with_context(|| format!("login answered {}", snippet(&text)))?;
    reply["token"]
        .as_str()
        .map(str::to_owned)
        .with_context(|| format!("login answered no token: {}", snippet(&text)))
}

fn application() -> String {
    json!({"form": {
        "plate_number": "粤S12345",
        "vin_last6": "123456",
        "owner_name": "张三",
        "owner_id_number": "441900199001011234",
        "phone": "13800138000",
        "mailing_address": "广东省东莞市南城街道鸿福路99号",
        "wants_paper_mark": true,
    }})
    .to_string()
}

/// What the workers saw, merged.
#[derive(Debug, Default)]
struct Tally {
    /// Latency of each 2xx response in microseconds, from sending to the last byte of the body.
    ok: Vec<u64>,
    non_2xx: u64,
    errors: u64,
    first_non_2xx: Option<String>,
    first_error: Option<String>,
}

impl Tally {
    fn merge(&mut self, other: Tally) {
        self.ok.extend(other.ok);
        self.non_2xx += other.non_2xx;
        self.errors += other.errors;
        self.first_non_2xx = self.first_non_2xx.take().or(other.first_non_2xx);
        self.first_error = self.first_error.take().or(other.first_error);
    }

    fn requests(&self) -> u64 {
        self.ok.len() as u64 + self.non_2xx + self.errors
    }
}

struct Report {
    tally: Tally,
    elapsed: Duration,
}

/// The same submissions sent by `wrk` (one thread, an event loop), which costs the shared cores
/// far less CPU than the worker threads do; with the server's CPU time per request.
fn drive_wrk(server: &LocalServer, options: &Options) -> Result<()> {
    let wrk = peer::ensure_wrk()?;
    let token = login(&server.base_url, LOGIN, PASSWORD)?;
    let script = std::env::temp_dir().join(format!("yiwang-load-{}.lua", std::process::id()));
    peer::write_post_script(&script, &application(), &token)?;
    let peer_options = peer::Options {
        seconds: options.seconds,
        connections: options.concurrency,
    };
    let url = format!("{}{SUBMIT_PATH}", server.base_url);
    let measured = peer::measure(
        &wrk,
        "vehicle submit (wrk)",
        &url,
        Some(&script),
        server.pid(),
        &peer_options,
    );
    let _ = std::fs::remove_file(&script);
    let m = measured?;
    println!();
    println!(
        "load run: POST {SUBMIT_PATH} as {LOGIN}, sent by wrk -t1 -c{}",
        options.concurrency
    );
    println!("(after a 2 s warm-up; client and server share this machine's cores)");
    println!();
    println!("| requests | non-2xx | requests/s | p50 ms | p99 ms | server CPU µs/request |");
    println!("|---:|---:|---:|---:|---:|---:|");
    println!(
        "| {} | {} | {:.1} | {} | {} | {:.0} |",
        m.requests, m.non_2xx, m.per_second, m.p50_ms, m.p99_ms, m.cpu_us_per_request
    );
    ensure!(m.non_2xx == 0, "{} submissions were refused", m.non_2xx);
    Ok(())
}

fn drive(base_url: &str, token: &str, options: &Options) -> Report {
    let url = format!("{base_url}{SUBMIT_PATH}");
    let authorization = format!("Bearer {token}");
    let body = application();
    let started = Instant::now();
    let deadline = started + Duration::from_secs(options.seconds);
    let mut tally = thread::scope(|scope| {
        let workers: Vec<_> = (0..options.concurrency)
            .map(|_| scope.spawn(|| worker(&url, &authorization, &body, deadline)))
            .collect();
        let mut tally = Tally::default();
        for worker in workers {
            tally.merge(worker.join().expect("a load worker panicked"));
        }
        tally
    });
    let elapsed = started.elapsed();
    tally.ok.sort_unstable();
    Report { tally, elapsed }
}

fn worker(url: &str, authorization: &str, body: &str, deadline: Instant) -> Tally {
    let agent = agent(REQUEST_TIMEOUT);
    let mut tally = Tally::default();
    while Instant::now() < deadline {
        let sent = Instant::now();
        match post_json(&agent, url, authorization, body) {
            Ok((status, _)) if status.is_success() => {
                tally.ok.push(sent.elapsed().as_micros() as u64)
            }
            Ok((status, text)) => {
                tally.non_2xx += 1;
                tally
                    .first_non_2xx
                    .get_or_insert_with(|| format!("{status}: {}", snippet(&text)));
            }
            Err(err) => {
                tally.errors += 1;
                tally.first_error.get_or_insert_with(|| err.to_string());
            }
        }
    }
    tally
}

/// POSTs the JSON `body` with the `Authorization` header; the status and the body's text.
pub fn post_json(
    agent: &ureq::Agent,
    url: &str,
    authorization: &str,
    body: &str,
) -> Result<(ureq::http::StatusCode, String), ureq::Error> {
    let mut response = agent
        .post(url)
        .header("Authorization", authorization)
        .header("Content-Type", "application/json")
        .send(body)?;
    Ok((response.status(), response.body_mut().read_to_string()?))
}

/// Nearest-rank percentile of sorted values.
pub fn percentile(sorted: &[u64], p: f64) -> Option<u64> {
    if sorted.is_empty() {
        return None;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    Some(sorted[rank.clamp(1, sorted.len()) - 1])
}

fn print_report(report: &Report, options: &Options, server_note: &str) {
    let t = &report.tally;
    let ms = |p: f64| {
        percentile(&t.ok, p).map_or("-".to_owned(), |us| format!("{:.2}", us as f64 / 1000.0))
    };
    let cores = thread::available_parallelism().map_or(0, |n| n.get());
    let rate = t.requests() as f64 / report.elapsed.as_secs_f64();
    println!();
    println!("load run: POST {SUBMIT_PATH} as {LOGIN}");
    println!("server: {server_note}");
    println!(
        "{} workers (one keep-alive connection each) for {} s ({:.1} s with the last responses); \
         client and server share this machine's {cores} cores",
        options.concurrency,
        options.seconds,
        report.elapsed.as_secs_f64()
    );
    println!();
    println!(
        "| requests | 2xx | non-2xx | errors | requests/s | p50 ms | p90 ms | p99 ms | max ms |"
    );
    println!("|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
    println!(
        "| {} | {} | {} | {} | {rate:.1} | {} | {} | {} | {} |",
        t.requests(),
        t.ok.len(),
        t.non_2xx,
        t.errors,
        ms(50.0),
        ms(90.0),
        ms(99.0),
        ms(100.0)
    );
    println!();
    println!(
        "latency: 2xx responses only, measured by the client from sending to the last byte of the body"
    );
    if let Some(sample) = &t.first_non_2xx {
        println!("first non-2xx: {sample}");
    }
    if let Some(sample) = &t.first_error {
        println!("first error: {sample}");
    }
}

/// The first 300 characters of a response body, for messages.
pub fn snippet(text: &str) -> String {
    let cut: String = text.chars().take(300).collect();
    if cut.len() < text.len() {
        format!("{cut}…")
    } else {
        cut
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_are_nearest_rank() {
        let values: Vec<u64> = (1..=100).collect();
        assert_eq!(percentile(&values, 50.0), Some(50));
        assert_eq!(percentile(&values, 99.0), Some(99));
        assert_eq!(percentile(&values, 100.0), Some(100));
        assert_eq!(percentile(&[7], 50.0), Some(7));
        assert_eq!(percentile(&[], 50.0), None);
    }

    #[test]
    fn loopback_urls_are_accepted_and_normalised() {
        assert_eq!(
            loopback_base_url("http://127.0.0.1:8080/").unwrap(),
            "http://127.0.0.1:8080"
        );
        assert_eq!(
            loopback_base_url("http://127.0.0.2:9/base/").unwrap(),
            "http://127.0.0.2:9/base"
        );
        assert_eq!(
            loopback_base_url("http://[::1]:8080").unwrap(),
            "http://[::1]:8080"
        );
        assert_eq!(
            loopback_base_url("http://localhost:8080?x#y").unwrap(),
            "http://localhost:8080"
        );
    }

    #[test]
    fn anything_but_plain_http_to_loopback_is_refused() {
        for url in [
            "https://127.0.0.1:8443",
            "http://10.0.0.1:8080",
            "http://192.168.1.2",
            "http://8.8.8.8",
            "http://user@127.0.0.1:8080",
            "http://127.0.0.1:notaport",
            "127.0.0.1:8080",
        ] {
            assert!(loopback_base_url(url).is_err(), "{url} was accepted");
        }
    }

    #[test]
    fn tallies_add_up_and_keep_the_first_samples() {
        let mut a = Tally {
            ok: vec![1, 2],
            non_2xx: 1,
            first_non_2xx: Some("409".into()),
            ..Tally::default()
        };
        a.merge(Tally {
            ok: vec![3],
            errors: 2,
            first_non_2xx: Some("422".into()),
            ..Tally::default()
        });
        assert_eq!(a.requests(), 6);
        assert_eq!(a.first_non_2xx.as_deref(), Some("409"));
    }
}
