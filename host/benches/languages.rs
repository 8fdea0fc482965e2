//! The same item in Rust, JavaScript and Python: the item `yiwang plugin new` writes for each
//! language (a form, a household-registry read, a notification), built with its language's
//! toolchain, then measured as the server runs it: the first load (compiling the component),
//! a load from the artifact cache, and a fresh instance plus `submit`. Prints each component's
//! size and compile time, then criterion's figures.
//!
//! Needs the toolchains `cargo xtask bench` installs (`YIWANG_COMPONENTIZE_JS`,
//! `YIWANG_COMPONENTIZE_PY`); the built items are kept in `target/kit/bench/`, rebuilt only when
//! missing.

use std::hint::black_box;
use std::path::{Path, PathBuf};
use std::time::Instant;

use criterion::{Criterion, criterion_group, criterion_main};
use yiwang_host::kit::new::{Lang, NewItem};
use yiwang_host::kit::run::{RunOptions, Runner};
use yiwang_host::kit::{build, new, read_fixtures};
use yiwang_host::model::fixture::Fixture;
use yiwang_host::model::grants::Limits;
use yiwang_host::runtime::Metering;

fn target() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target")
}

/// The template item for `lang`, built once into `target/kit/bench/<lang>/`.
fn built(lang: Lang) -> (Vec<u8>, Fixture) {
    let dir = target().join("kit/bench").join(lang.to_string());
    let component = dir.join("target/item.wasm");
    if !component.is_file() {
        if dir.exists() {
            std::fs::remove_dir_all(&dir).expect("clearing an unfinished bench item");
        }
        new::create(&NewItem {
            code: format!("bench-{lang}"),
            name: None,
            department: "bench-department".into(),
            lang,
            dir: dir.clone(),
            sdk_rust: None,
        })
        .expect("writing the template item");
        let rust_target = target().join("kit/rust-items");
        build::build(&dir, None, Some(&rust_target)).expect("building the template item");
    }
    let fixture = read_fixtures(&dir.join("fixtures"))
        .expect("the template's fixtures")
        .into_iter()
        .map(|(_, f)| f)
        .find(|f| f.call.as_str() == "submit" && f.expect.outcome == "ok" && f.actor.is_none())
        .expect("an accepted application among the template's fixtures");
    (
        std::fs::read(&component).expect("reading the component"),
        fixture,
    )
}

fn languages(c: &mut Criterion) {
    let executor = tokio::runtime::Runtime::new().expect("tokio runtime");
    for lang in [Lang::Rust, Lang::Js, Lang::Python] {
        let (wasm, fixture) = built(lang);
        let cache = tempfile::tempdir().expect("temporary cache directory");
        let options = RunOptions {
            grants: None,
            limits: Limits::default(),
            cache_dir: cache.path().to_owned(),
            metering: Metering::Off,
        };
        let started = Instant::now();
        let runner = executor
            .block_on(Runner::load(&wasm, std::slice::from_ref(&fixture), options))
            .expect("loading the item");
        let first_load = started.elapsed();
        let cached_file_size = cache_size(cache.path());
        println!(
            "{lang}: component {:.1} MiB, first load (compile + describe) {:.0} ms, compiled artifact {:.1} MiB",
            wasm.len() as f64 / 1048576.0,
            first_load.as_secs_f64() * 1000.0,
            cached_file_size as f64 / 1048576.0,
        );
        // A benchmark of a call that fails would measure the wrong thing.
        let report = executor.block_on(runner.run(&fixture)).expect("running");
        assert!(report.passed(), "{lang}: {:?}", report.mismatches);

        c.bench_function(&format!("{lang}: fresh instance + submit"), |b| {
            b.to_async(&executor).iter(|| async {
                black_box(runner.run(&fixture).await.expect("submit"));
            })
        });
        c.bench_function(&format!("{lang}: load from the artifact cache"), |b| {
            b.to_async(&executor).iter(|| async {
                black_box(runner.reload(&wasm).await.expect("load"));
            })
        });
        assert_eq!(
            runner.compilations(),
            1,
            "{lang}: loads after the first come from the cache"
        );
    }
}

fn cache_size(dir: &Path) -> u64 {
    std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .filter_map(Result::ok)
                .filter_map(|e| e.metadata().ok())
                .map(|m| m.len())
                .sum()
        })
        .unwrap_or(0)
}

criterion_group!(benches, languages);
criterion_main!(benches);
