//! The cost of the statistics report (`GET /api/v1/stats`, the public `/stats` page) over many
//! cases: `Stats::public_report` over a year holding 80,000 cases of the real
//! `vehicle-inspection-exemption` item in a temporary SQLite database, in the real schema. Most
//! are completed (some after waiting on the applicant), some rated, some still open; a few are
//! previews, which are never counted.
//!
//! The first report stores every completed case's SLA figures (`case_sla`): that one run is timed
//! and printed on its own. Criterion then measures the report as it is from then on, grouped
//! queries over the stored figures.
//!
//! Needs the guest built first:
//! `cargo build --profile guest --target wasm32-wasip2 -p yiwang-item-vehicle-inspection-exemption`
//! (or point `YIWANG_BENCH_COMPONENT` at a component file).

use std::hint::black_box;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Instant;

use chrono::{Days, NaiveDate, NaiveTime, SecondsFormat, TimeDelta};
use criterion::{Criterion, criterion_group, criterion_main};
use yiwang_host::domain::calendar::{Calendar, china_offset};
use yiwang_host::domain::items::Items;
use yiwang_host::domain::stats::Stats;
use yiwang_host::runtime::Runtime;
use yiwang_host::storage::{NewUserRow, SeedCase, Storage};

const ITEM: &str = "vehicle-inspection-exemption";
const CASES: usize = 80_000;
/// Cases written per transaction while seeding.
const SEED_CHUNK: usize = 5_000;
const FROM: &str = "2026-01-01";
const TO: &str = "2026-12-31";
const CHANNELS: [&str; 5] = ["web", "mobile", "wechat", "alipay", "department"];

fn component_path() -> PathBuf {
    match std::env::var_os("YIWANG_BENCH_COMPONENT") {
        Some(path) => path.into(),
        None => PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("../target/wasm32-wasip2/guest/yiwang_item_vehicle_inspection_exemption.wasm"),
    }
}

/// The admin's `plugins.toml` with the vehicle item and the grants it needs.
fn write_plugins_toml(dir: &std::path::Path, component: &std::path::Path) -> PathBuf {
    let path = dir.join("plugins.toml");
    let text = format!(
        r#"[items.{ITEM}]
component = "{}"
department = "dongguan-vehicle-office"
grants = {{ registries = ["vehicle-registry", "vehicle-insurance", "traffic-violations"], certificates_issue = ["inspection-mark"], notify = true, delivery = true }}
"#,
        component.display()
    );
    std::fs::write(&path, text).expect("writing plugins.toml");
    path
}

/// Case `n` of the year: submitted on day `n % 365` at a time of day that walks round the clock
/// (so China midnights are crossed), 9 in 10 completed 0–13 days later, 1 in 8 of those after
/// waiting on the applicant for a few days, 1 in 3 of the completed rated; 1 in 100 a preview.
fn case(n: usize, sha256: &str, version: &str, department: &str, waiting: &str) -> SeedCase {
    let day = NaiveDate::from_ymd_opt(2026, 1, 1).unwrap() + Days::new((n % 365) as u64);
    let submitted = day
        .and_time(NaiveTime::MIN)
        .and_local_timezone(china_offset())
        .unwrap()
        + TimeDelta::minutes(((n * 37) % (24 * 60)) as i64);
    let text = |t: chrono::DateTime<chrono::FixedOffset>| {
        t.to_utc().to_rfc3339_opts(SecondsFormat::Millis, true)
    };
    let mut events: Vec<(String, String, String)> =
        vec![("submit".into(), "under-review".into(), text(submitted))];
    let completed =
        (!n.is_multiple_of(10)).then(|| submitted + TimeDelta::hours(((n * 7) % (14 * 24)) as i64));
    if let Some(completed) = completed {
        if n % 8 == 1 {
            let asked = submitted + TimeDelta::hours(3);
            events.push(("request-materials".into(), waiting.into(), text(asked)));
            let back = asked + TimeDelta::days((n % 5) as i64);
            events.push((
                "resubmit".into(),
                "under-review".into(),
                text(back.min(completed)),
            ));
        }
        events.push(("approve".into(), "completed".into(), text(completed)));
    }
    SeedCase {
        number: format!("YW-BENCH-{n:06}"),
        item_code: ITEM.into(),
        item_sha256: sha256.into(),
        item_version: version.into(),
        department: department.into(),
        applicant_id: 0,
        state: events.last().unwrap().1.clone(),
        channel: CHANNELS[n % CHANNELS.len()].into(),
        submitted_at: text(submitted),
        due_date: (day + Days::new(7)).to_string(),
        completed_at: completed.map(text),
        preview: n % 100 == 99,
        events,
        score: (completed.is_some() && n.is_multiple_of(3)).then_some((n % 5) as i64 + 1),
    }
}

/// A database with the item loaded and [`CASES`] cases, and the statistics over it.
async fn arrange(dir: &std::path::Path) -> Stats {
    let url = format!("sqlite://{}?mode=rwc", dir.join("yiwang.db").display());
    let storage = Storage::connect(&url).await.expect("opening the database");
    let runtime = Runtime::new(dir.join("cache"), Arc::new(storage.clone())).expect("the runtime");
    let items =
        Arc::new(Items::new(runtime, storage.clone(), dir, 64 << 20).expect("the item service"));
    let path = component_path();
    assert!(
        path.is_file(),
        "{} is missing; build it with `cargo build --profile guest --target wasm32-wasip2 \
         -p yiwang-item-vehicle-inspection-exemption`",
        path.display()
    );
    let failures = items
        .apply_plugins_file(&write_plugins_toml(dir, &path))
        .await
        .expect("applying plugins.toml");
    assert!(failures.is_empty(), "{failures:?}");
    let live = items.live(ITEM).expect("the vehicle item is live");
    let info = &live.version.info;
    let waiting = info
        .workflow
        .states
        .iter()
        .find(|state| state.waits_on_applicant)
        .expect("a state that waits on the applicant")
        .name
        .clone();
    let applicant = storage
        .insert_user(&NewUserRow {
            login: "resident",
            password_hash: "-",
            role: "citizen",
            department: None,
            name: "张三",
            id_number: None,
        })
        .await
        .expect("the applicant");
    let started = Instant::now();
    let cases: Vec<SeedCase> = (0..CASES)
        .map(|n| {
            let mut case = case(
                n,
                &live.version.sha256,
                &info.version,
                &info.department,
                &waiting,
            );
            case.applicant_id = applicant;
            case
        })
        .collect();
    for chunk in cases.chunks(SEED_CHUNK) {
        storage.seed_cases(chunk).await.expect("seeding cases");
    }
    println!("seeded {CASES} cases in {:.1?}", started.elapsed());
    Stats::new(storage, items, Calendar::default())
}

fn stats(c: &mut Criterion) {
    let executor = tokio::runtime::Runtime::new().expect("tokio runtime");
    let dir = tempfile::tempdir().expect("temporary data directory");
    let stats = executor.block_on(arrange(dir.path()));

    let started = Instant::now();
    let report = executor
        .block_on(stats.public_report(FROM, TO))
        .expect("the first report");
    let first = started.elapsed();
    let figures = &report.departments[0].figures;
    println!(
        "first report, storing the SLA figures of {} completed cases: {first:.1?} \
         (received {}, on time {}, overdue {}, open {}, average {:?} days, {} ratings, {} days)",
        figures.completed,
        figures.received,
        figures.completed_on_time,
        figures.completed_overdue,
        figures.open,
        figures.average_handling_days,
        figures.satisfaction.count,
        report.received_by_day.len(),
    );

    let mut group = c.benchmark_group("stats");
    group.sample_size(20);
    group.bench_function(
        format!("public_report over {CASES} cases, figures stored"),
        |b| {
            b.to_async(&executor).iter(|| async {
                black_box(stats.public_report(FROM, TO).await.expect("report"));
            })
        },
    );
    group.finish();
}

criterion_group!(benches, stats);
criterion_main!(benches);
