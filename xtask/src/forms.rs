//! `cargo xtask forms`: heavy forms against a quiet query, the run recorded in BENCHMARKS.md. It
//! starts a release server on a fresh data directory, ships the crafted item's `patterned-form`
//! variant (200 words under a pattern each, and a `not` pattern) as a department would, and has C
//! clients post the heaviest form that schema takes, every other one refused by its `not`, while
//! one more client reads the demo citizen's social-insurance record. It prints the forms answered
//! and the query's latency: form validation runs outside every item's sandbox, so it must not
//! hold up anybody else's request.
//!
//! Bounded like the load run: loopback only, its own server, every request with a timeout, and it
//! stops sending after S seconds.

use std::sync::atomic::{AtomicBool, Ordering};
use std::thread;
use std::time::{Duration, Instant};

use anyhow::{Result, bail};
use serde_json::json;

use crate::args::Args;
use crate::compile;
use crate::load::{MAX_CONCURRENCY, agent, percentile, post_json, snippet};
use crate::process::step;
use crate::server::LocalServer;
use crate::staging::{self, ITEM};
use crate::workspace::{Profile, Workspace};

const VERSION: &str = "1.0.0";
const QUERY_PATH: &str = "/api/v1/items/social-insurance-query/query";
/// The demo citizen's ID number, whose record the query reads.
const CITIZEN_ID: &str = "441900199001011234";
const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);
const MAX_SECONDS: u64 = 600;

#[derive(Debug)]
pub struct Options {
    seconds: u64,
    concurrency: usize,
}

impl Options {
    pub fn from_args(args: &mut Args) -> Result<Self> {
        Ok(Options {
            seconds: args.count("--seconds", 10, MAX_SECONDS)?,
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
    let uploads = [("patterned-form", VERSION)];
    let tokens = match staging::prepare(ws, &yiwang, &server, &uploads, VERSION) {
        Ok(tokens) => tokens,
        Err(err) => {
            server.keep_for_inspection();
            return Err(err);
        }
    };
    step(format_args!(
        "forms: {} clients posting the heaviest form to {ITEM} for {} s, one client querying",
        options.concurrency, options.seconds
    ));
    let report = drive(&server.base_url, &tokens.citizen, options);
    print_report(&report, options, &yiwang.display().to_string());
    if report.forms.unexpected > 0 || report.queries.unexpected > 0 {
        server.keep_for_inspection();
        bail!("requests were answered otherwise than expected");
    }
    Ok(())
}

/// The heaviest form of the `patterned-form` schema: 200 words of 29 characters, and a code
/// that its `not` refuses when it starts with `x`.
fn heaviest_form(refused: bool) -> String {
    let word = "abcdefghij-klmnopqrst-uvwxyza";
    let code = if refused { "xyz" } else { "abc" };
    json!({"form": {"words": vec![word; 200], "code": code}}).to_string()
}

#[derive(Default)]
struct Tally {
    /// Latencies of the expected answers, µs.
    latencies: Vec<u64>,
    unexpected: u64,
    first_unexpected: Option<String>,
}

impl Tally {
    fn add(&mut self, other: Tally) {
        self.latencies.extend(other.latencies);
        self.unexpected += other.unexpected;
        self.first_unexpected = self.first_unexpected.take().or(other.first_unexpected);
    }

    fn record(&mut self, sent: Instant, outcome: Result<(u16, String), String>, expected: u16) {
        match outcome {
            Ok((status, _)) if status == expected => {
                self.latencies.push(sent.elapsed().as_micros() as u64);
            }
            Ok((status, text)) => {
                self.unexpected += 1;
                self.first_unexpected.get_or_insert_with(|| {
                    format!("{status} (expected {expected}): {}", snippet(&text))
                });
            }
            Err(err) => {
                self.unexpected += 1;
                self.first_unexpected.get_or_insert(err);
            }
        }
    }
}

struct Report {
    forms: Tally,
    queries: Tally,
    elapsed: Duration,
}

fn drive(base: &str, citizen: &str, options: &Options) -> Report {
    let submit = format!("{base}/api/v1/items/{ITEM}/applications");
    let query = format!("{base}{QUERY_PATH}");
    let authorization = format!("Bearer {citizen}");
    let stop = AtomicBool::new(false);
    let started = Instant::now();
    let deadline = started + Duration::from_secs(options.seconds);
    let (forms, queries) = thread::scope(|scope| {
        let posting: Vec<_> = (0..options.concurrency)
            .map(|client| {
                let (submit, authorization, stop) = (&submit, &authorization, &stop);
                scope.spawn(move || {
                    let agent = agent(REQUEST_TIMEOUT);
                    let mut tally = Tally::default();
                    let mut n = client;
                    while !stop.load(Ordering::Relaxed) {
                        let refused = n % 2 == 1;
                        let body = heaviest_form(refused);
                        let sent = Instant::now();
                        let outcome = post_json(&agent, submit, authorization, &body)
                            .map(|(status, text)| (status.as_u16(), text))
                            .map_err(|e| e.to_string());
                        tally.record(sent, outcome, if refused { 422 } else { 201 });
                        n += 1;
                    }
                    tally
                })
            })
            .collect();
        let agent = agent(REQUEST_TIMEOUT);
        let body = json!({"input": {"id_number": CITIZEN_ID}}).to_string();
        let mut queries = Tally::default();
        while Instant::now() < deadline {
            let sent = Instant::now();
            let outcome = post_json(&agent, &query, &authorization, &body)
                .map(|(status, text)| (status.as_u16(), text))
                .map_err(|e| e.to_string());
            queries.record(sent, outcome, 200);
        }
        stop.store(true, Ordering::Relaxed);
        let mut forms = Tally::default();
        for client in posting {
            forms.add(client.join().expect("a forms client panicked"));
        }
        (forms, queries)
    });
    Report {
        forms,
        queries,
        elapsed: started.elapsed(),
    }
}

fn print_report(report: &Report, options: &Options, yiwang: &str) {
    let cores = thread::available_parallelism().map_or(0, |n| n.get());
    println!();
    println!(
        "forms run: {} clients post the heaviest form of {ITEM}@{VERSION} (patterned-form), one \
         client reads a social-insurance record meanwhile",
        options.concurrency
    );
    println!(
        "server: {yiwang} on a fresh data directory (release build); client and server share \
         this machine's {cores} cores; {:.1} s",
        report.elapsed.as_secs_f64()
    );
    println!();
    println!(
        "| requests | answered as expected | unexpected | requests/s | p50 ms | p99 ms | max ms |"
    );
    println!("|---|---:|---:|---:|---:|---:|---:|");
    for (label, tally) in [
        ("heavy forms (201 or 422 by their code)", &report.forms),
        ("social-insurance query (200)", &report.queries),
    ] {
        let mut us = tally.latencies.clone();
        us.sort_unstable();
        let ms = |p: f64| {
            percentile(&us, p).map_or("-".to_owned(), |v| format!("{:.2}", v as f64 / 1000.0))
        };
        println!(
            "| {label} | {} | {} | {:.1} | {} | {} | {} |",
            us.len(),
            tally.unexpected,
            (us.len() as u64 + tally.unexpected) as f64 / report.elapsed.as_secs_f64(),
            ms(50.0),
            ms(99.0),
            ms(100.0)
        );
    }
    println!();
    println!("latency: measured by the client from sending to the last byte of the body");
    for (label, tally) in [("form", &report.forms), ("query", &report.queries)] {
        if let Some(sample) = &tally.first_unexpected {
            println!("first unexpected {label} answer: {sample}");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_heaviest_form_has_two_hundred_words_of_twenty_nine_characters() {
        let body: serde_json::Value = serde_json::from_str(&heaviest_form(false)).unwrap();
        let words = body["form"]["words"].as_array().unwrap();
        assert_eq!(words.len(), 200);
        assert!(words.iter().all(|w| w.as_str().unwrap().len() == 29));
        assert_eq!(body["form"]["code"], "abc");
        let refused: serde_json::Value = serde_json::from_str(&heaviest_form(true)).unwrap();
        assert_eq!(refused["form"]["code"], "xyz");
    }

    #[test]
    fn unexpected_answers_are_counted_and_the_first_kept() {
        let mut tally = Tally::default();
        let sent = Instant::now();
        tally.record(sent, Ok((201, String::new())), 201);
        tally.record(sent, Ok((500, "boom".into())), 201);
        tally.record(sent, Err("refused".into()), 201);
        assert_eq!(tally.latencies.len(), 1);
        assert_eq!(tally.unexpected, 2);
        assert!(tally.first_unexpected.unwrap().starts_with("500"));
    }
}
