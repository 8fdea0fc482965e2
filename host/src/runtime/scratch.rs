// TEMPORARY scratch test: removed before handing back.
use std::collections::HashMap;
use std::sync::Arc;

use futures::future::BoxFuture;

use crate::capabilities::HostData;
use crate::config::{Grants, Limits};
use crate::domain::actor::{Actor, Role};
use crate::domain::contract::CallContext;
use crate::domain::effects::{Certificate, RegistryRecord};
use crate::runtime::Runtime;

struct Mem(HashMap<(String, String), RegistryRecord>);
impl HostData for Mem {
    fn registry_lookup<'a>(&'a self, d: &'a str, k: &'a str) -> BoxFuture<'a, anyhow::Result<Option<RegistryRecord>>> {
        Box::pin(async move { if d == "slow" { tokio::time::sleep(std::time::Duration::from_secs(10)).await; } Ok(self.0.get(&(d.to_owned(), k.to_owned())).cloned()) })
    }
    fn record_get<'a>(&'a self, _: &'a str, _: &'a str) -> BoxFuture<'a, anyhow::Result<Option<String>>> {
        Box::pin(async { Ok(None) })
    }
    fn certificates_find<'a>(&'a self, _: &'a str, _: &'a str, _: &'a str) -> BoxFuture<'a, anyhow::Result<Vec<Certificate>>> {
        Box::pin(async { Ok(vec![]) })
    }
    fn certificate_of_case<'a>(&'a self, _a: &'a str, _: &'a str) -> BoxFuture<'a, anyhow::Result<Option<Certificate>>> {
        Box::pin(async move { if _a == "YW-1" { anyhow::bail!("db down") } Ok(None) })
    }
}

fn host() -> Arc<dyn HostData> {
    let mut m = HashMap::new();
    let s = Some("441900199001011234".to_string());
    m.insert(("vehicle-registry".into(), "粤S12345".into()), RegistryRecord { subject_id: s.clone(), data: r#"{"plate_number":"粤S12345","vin":"LSVAU2180N2123456","owner_name":"张三","owner_id_number":"441900199001011234","vehicle_type":"small-passenger-car","use_nature":"non-operating","registered_on":"2023-03-01","status":"normal"}"#.into() });
    m.insert(("vehicle-insurance".into(), "粤S12345".into()), RegistryRecord { subject_id: s.clone(), data: r#"{"plate_number":"粤S12345","policy_number":"PDZA202644190000012345","insurer":"中国人民财产保险","compulsory_valid_until":"2027-02-28"}"#.into() });
    m.insert(("traffic-violations".into(), "粤S12345".into()), RegistryRecord { subject_id: s, data: r#"{"plate_number":"粤S12345","unhandled_violations":0,"unhandled_accidents":0,"casualty_accidents":0}"#.into() });
    Arc::new(Mem(m))
}

fn wasm(name: &str) -> Vec<u8> {
    std::fs::read(format!("{}/../target/wasm32-wasip2/guest/{name}.wasm", env!("CARGO_MANIFEST_DIR"))).unwrap()
}

fn applicant() -> Actor {
    Actor { id: "1".into(), role: Role::Citizen, name: "张三".into(), department: None, id_number: Some("441900199001011234".into()) }
}
fn ctx() -> CallContext {
    CallContext { today: "2026-03-09".into(), now: "2026-03-09T02:00:00Z".into(), case_number: Some("YW-1".into()), preview: false }
}
const FORM: &str = r#"{"plate_number":"粤S12345","vin_last6":"123456","owner_name":"张三","owner_id_number":"441900199001011234","phone":"13800138000","mailing_address":"广东省东莞市南城街道鸿福路99号","wants_paper_mark":true}"#;

fn vehicle_grants() -> Grants {
    Grants { registries: vec!["vehicle-registry".into(), "vehicle-insurance".into(), "traffic-violations".into()], certificates_issue: vec!["inspection-mark".into()], notify: true, delivery: true, log: true, ..Grants::default() }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn scratch_vehicle() {
    let _ = tracing_subscriber::fmt().with_env_filter("debug,cranelift=info,wasmtime=info").try_init();
    let dir = tempfile::tempdir().unwrap();
    let rt = Runtime::new(dir.path().to_owned(), host()).unwrap();
    let bytes = wasm("yiwang_item_vehicle_inspection_exemption");
    let t = std::time::Instant::now();
    let v = rt.load(&bytes, vehicle_grants(), Limits::default()).await.unwrap();
    eprintln!("first load {:?}, compilations {}", t.elapsed(), rt.compilations());
    let t = std::time::Instant::now();
    let v2 = rt.load(&bytes, vehicle_grants(), Limits::default()).await.unwrap();
    eprintln!("second load {:?}, compilations {}", t.elapsed(), rt.compilations());
    assert_eq!(rt.compilations(), 1);
    drop(v2);
    eprintln!("{} {}", v.label(), v.sha256);
    let out = rt.submit(&v, ctx(), &applicant(), FORM).await;
    eprintln!("{:#?}", out);
    assert!(matches!(out.result, Ok(Ok(_))));
    let t = std::time::Instant::now();
    for _ in 0..100 { let _ = rt.submit(&v, ctx(), &applicant(), FORM).await; }
    eprintln!("100 submits {:?}", t.elapsed());
    // ungranted import
    let e = rt.load(&bytes, Grants::default(), Limits::default()).await.unwrap_err();
    eprintln!("{} {e}", e.code());
    // garbage
    let e = rt.load(b"hello", Grants::default(), Limits::default()).await.unwrap_err();
    eprintln!("{} {e}", e.code());
    let mut bad = bytes.clone(); bad.truncate(bytes.len() / 2);
    let e = rt.load(&bad, Grants::default(), Limits::default()).await.unwrap_err();
    eprintln!("{} {e}", e.code());
    // hello item
    let hello = wasm("yiwang_example_hello_item");
    match rt.load(&hello, Grants::default(), Limits::default()).await {
        Ok(h) => { let q = rt.query(&h, CallContext { case_number: None, ..ctx() }, &applicant(), "{}").await; eprintln!("hello query {:?}", q); }
        Err(e) => eprintln!("hello: {} {e}", e.code()),
    }
    // a second runtime with the same cache dir must not recompile
    let rt2 = Runtime::new(dir.path().to_owned(), host()).unwrap();
    rt2.load(&bytes, vehicle_grants(), Limits::default()).await.unwrap();
    assert_eq!(rt2.compilations(), 0);
    // approve -> certificate_of_case fails -> host failure
    let case = crate::domain::contract::CaseView { number: "YW-1".into(), state: "under-review".into(), form: FORM.into(), derived: "{}".into(), applicant: applicant(), submitted_at: "2026-03-09T02:00:00Z".into() };
    let reviewer = Actor { id: "2".into(), role: Role::Reviewer, name: "李四".into(), department: Some("dongguan-vehicle-office".into()), id_number: None };
    let out = rt.on_action(&v, ctx(), &reviewer, &case, "approve", None, "{}").await;
    eprintln!("approve: {:?}", out);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn scratch_hostile() {
    let _ = tracing_subscriber::fmt().with_env_filter("info").try_init();
    let dir = tempfile::tempdir().unwrap();
    let rt = Runtime::new(dir.path().to_owned(), host()).unwrap();
    let bytes = std::fs::read("/tmp/scratch/target/wasm32-wasip2/release/scratch_hostile.wasm").unwrap();
    let grants = Grants { records: true, registries: vec!["slow".into()], certificates_issue: vec!["inspection-mark".into()], notify: true, log: true, ..Grants::default() };
    let limits = Limits { cpu_ms: 200, wall_ms: 1500, memory_mib: 16, host_calls: 100, output_bytes: 1 << 20, concurrency: 1 };
    let v = rt.load(&bytes, grants, limits).await.unwrap();
    eprintln!("summary: {}", v.info.summary);
    let c2 = CallContext { case_number: Some("YW-2".into()), ..ctx() };
    for form in ["loop", "hog", "panic", "hostcalls", "big", "slow", "denied", "records", "{}"] {
        let t = std::time::Instant::now();
        let out = rt.submit(&v, c2.clone(), &applicant(), form).await;
        match &out.result { Err(e) => eprintln!("== {form}: [{}] {e} in {:?}; effects {:?}", e.code(), t.elapsed(), out.effects), Ok(r) => eprintln!("== {form}: {:?} in {:?}; effects {:?}", r, t.elapsed(), out.effects) }
    }
    let q = rt.query(&v, CallContext { case_number: None, ..ctx() }, &applicant(), "{}").await;
    eprintln!("== query: {:?}", q.result);
    // concurrency 1: a second call while the slow one runs is busy after wall
    let rt2 = rt.clone(); let v2 = v.clone();
    let slow = tokio::spawn(async move { rt2.submit(&v2, ctx(), &applicant(), "slow").await.result.map(|_| ()) });
    tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    let t = std::time::Instant::now();
    let busy = rt.submit(&v, ctx(), &applicant(), "{}").await;
    eprintln!("== busy: {:?} in {:?}", busy.result.map(|_| ()), t.elapsed());
    eprintln!("== slow: {:?}", slow.await.unwrap());
}
