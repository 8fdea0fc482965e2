//! The cost of one item call as the HTTP API pays it: a fresh instance of the real
//! `vehicle-inspection-exemption` component plus `submit` (three registry reads, an EMS pick-up and
//! a notification through the host interfaces), and loading a version whose compiled artifact is
//! already in the cache: by its sha256 and stored catalog entry as a host loads a stored version
//! (deserialize by mmap, imports against the grants, pre-instantiate), and from its bytes as an
//! upload does (hashing them, then `describe()` and the catalog checks too).
//!
//! Needs the guest built first:
//! `cargo build --profile guest --target wasm32-wasip2 -p yiwang-item-vehicle-inspection-exemption`
//! (or point `YIWANG_BENCH_COMPONENT` at a component file).

use std::collections::HashMap;
use std::hint::black_box;
use std::path::PathBuf;
use std::sync::Arc;

use criterion::{Criterion, criterion_group, criterion_main};
use futures::future::BoxFuture;
use yiwang_host::model::actor::{Actor, Role};
use yiwang_host::model::contract::CallContext;
use yiwang_host::model::effects::{Certificate, RegistryRecord};
use yiwang_host::model::grants::{Grants, Limits};
use yiwang_host::model::host_data::HostData;
use yiwang_host::runtime::Runtime;

const OWNER_ID: &str = "441900199001011234";
const PLATE: &str = "粤S12345";
const FORM: &str = r#"{"plate_number":"粤S12345","vin_last6":"123456","owner_name":"张三","owner_id_number":"441900199001011234","phone":"13800138000","mailing_address":"广东省东莞市南城街道鸿福路99号","wants_paper_mark":true}"#;

/// The demo registries, in memory: the bench measures the runtime, not a database.
struct DemoData {
    registries: HashMap<(&'static str, &'static str), RegistryRecord>,
}

impl DemoData {
    fn new() -> Self {
        let record = |data: &str| RegistryRecord {
            subject_id: Some(OWNER_ID.into()),
            data: data.into(),
        };
        let registries = HashMap::from([
            (
                ("vehicle-registry", PLATE),
                record(
                    r#"{"plate_number":"粤S12345","vin":"LSVAU2180N2123456","owner_name":"张三","owner_id_number":"441900199001011234","vehicle_type":"small-passenger-car","use_nature":"non-operating","registered_on":"2023-03-01","status":"normal"}"#,
                ),
            ),
            (
                ("vehicle-insurance", PLATE),
                record(
                    r#"{"plate_number":"粤S12345","policy_number":"PDZA202644190000012345","insurer":"中国人民财产保险","compulsory_valid_until":"2027-02-28"}"#,
                ),
            ),
            (
                ("traffic-violations", PLATE),
                record(
                    r#"{"plate_number":"粤S12345","unhandled_violations":0,"unhandled_accidents":0,"casualty_accidents":0}"#,
                ),
            ),
        ]);
        Self { registries }
    }
}

impl HostData for DemoData {
    fn registry_lookup<'a>(
        &'a self,
        dataset: &'a str,
        key: &'a str,
    ) -> BoxFuture<'a, anyhow::Result<Option<RegistryRecord>>> {
        Box::pin(async move { Ok(self.registries.get(&(dataset, key)).cloned()) })
    }

    fn record_get<'a>(
        &'a self,
        _item: &'a str,
        _key: &'a str,
    ) -> BoxFuture<'a, anyhow::Result<Option<String>>> {
        Box::pin(async { Ok(None) })
    }

    fn certificates_find<'a>(
        &'a self,
        _kind: &'a str,
        _holder: &'a str,
        _today: &'a str,
    ) -> BoxFuture<'a, anyhow::Result<Vec<Certificate>>> {
        Box::pin(async { Ok(Vec::new()) })
    }

    fn certificate_of_case<'a>(
        &'a self,
        _case_number: &'a str,
        _kind: &'a str,
    ) -> BoxFuture<'a, anyhow::Result<Option<Certificate>>> {
        Box::pin(async { Ok(None) })
    }
}

/// What `plugins.toml` gives the item.
fn grants() -> Grants {
    Grants {
        registries: vec![
            "vehicle-registry".into(),
            "vehicle-insurance".into(),
            "traffic-violations".into(),
        ],
        certificates_issue: vec!["inspection-mark".into()],
        certificates_read: Vec::new(),
        notify: true,
        delivery: true,
        records: false,
        log: true,
    }
}

fn limits() -> Limits {
    Limits {
        memory_mib: 64,
        cpu_ms: 500,
        wall_ms: 3_000,
        output_bytes: 262_144,
        concurrency: 32,
        host_calls: 100,
    }
}

fn applicant() -> Actor {
    Actor {
        id: "1".into(),
        role: Role::Citizen,
        name: "张三".into(),
        department: None,
        id_number: Some(OWNER_ID.into()),
    }
}

fn ctx() -> CallContext {
    CallContext {
        today: "2026-03-09".into(),
        now: "2026-03-09T02:00:00Z".into(),
        case_number: Some("YW20260309000001".into()),
        preview: false,
    }
}

fn component_path() -> PathBuf {
    match std::env::var_os("YIWANG_BENCH_COMPONENT") {
        Some(path) => path.into(),
        None => PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("../target/wasm32-wasip2/guest/yiwang_item_vehicle_inspection_exemption.wasm"),
    }
}

fn plugin_call(c: &mut Criterion) {
    let path = component_path();
    let wasm = std::fs::read(&path).unwrap_or_else(|e| {
        panic!(
            "{}: {e}; build it with `cargo build --profile guest --target wasm32-wasip2 \
             -p yiwang-item-vehicle-inspection-exemption`",
            path.display()
        )
    });
    let executor = tokio::runtime::Runtime::new().expect("tokio runtime");
    let cache = tempfile::tempdir().expect("temporary cache directory");
    let runtime =
        Runtime::new(cache.path().to_owned(), Arc::new(DemoData::new())).expect("runtime");
    let version = executor
        .block_on(runtime.load(&wasm, grants(), limits()))
        .expect("loading the vehicle item");

    // A benchmark of a call that fails would measure the wrong thing.
    let outcome = executor.block_on(runtime.submit(&version, ctx(), &applicant(), FORM));
    match &outcome.result {
        Ok(Ok(_)) => {}
        other => panic!("the demo application was not accepted: {other:?}"),
    }
    assert_eq!(outcome.effects.data_uses.len(), 3, "{:?}", outcome.effects);

    let applicant = applicant();
    c.bench_function("fresh instance + submit", |b| {
        b.to_async(&executor).iter(|| async {
            let outcome = runtime.submit(&version, ctx(), &applicant, FORM).await;
            black_box(outcome.result.expect("submit").expect("accepted"));
        })
    });

    // How a host loads a stored version it compiled before (start-up, a publication, a new
    // grant): by its sha256, from the artifact alone.
    // Its catalog entry is the one stored with the version.
    let (sha256, info) = (version.sha256.clone(), version.info.clone());
    c.bench_function("load from the artifact cache", |b| {
        b.to_async(&executor).iter(|| async {
            let loaded = runtime
                .load_cached(&sha256, info.clone(), grants(), limits())
                .await;
            black_box(loaded.expect("load").expect("the artifact is cached"));
        })
    });

    // An upload, or a plugins.toml entry: the bytes are hashed to find the artifact.
    c.bench_function("load from bytes, artifact cached", |b| {
        b.to_async(&executor).iter(|| async {
            black_box(runtime.load(&wasm, grants(), limits()).await.expect("load"));
        })
    });
    assert_eq!(
        runtime.compilations(),
        1,
        "every load after the first must come from the cache"
    );
}

criterion_group!(benches, plugin_call);
criterion_main!(benches);
