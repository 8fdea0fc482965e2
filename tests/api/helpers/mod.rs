//! The harness of the black-box suite: `spawn_app()` starts a real host on port 0 with its own data
//! directory, the prebuilt guest components and the demo data, and returns a [`TestApp`] with typed
//! helpers for the HTTP API and a read-only pool to check what was stored.
//!
//! The backend is chosen in `backend.rs` and only there: the SQLite file in the data directory (the
//! host's default), or, when `YIWANG_TEST_DATABASE_URL` names a PostgreSQL database, a fresh schema of
//! its own in that database for each app. Tests' SQL is the dialect both share (`$N` placeholders).
//! `client.rs` has the typed HTTP calls, `stored.rs` the checks of stored rows, `fixtures.rs` the
//! data a test arranges (forms, registry records, accounts, components), `hosts.rs` a second host.
//!
//! Tests reach the host only through its HTTP API, the library entry points an operator has
//! (build, seed, add users, import registry records) and the database schema — never its internals.

mod backend;
mod client;
mod fixtures;
mod hosts;
mod stored;

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use sqlx::AnyPool;
use sqlx::any::AnyPoolOptions;
use tempfile::TempDir;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;
use yiwang_host::admin;
use yiwang_host::config::Settings;
use yiwang_host::startup::Application;
use yiwang_host::storage::Storage;

use backend::TestDatabase;
pub use client::{error_body, field_errors, find, is_application_number, json_body, visible_text};
use fixtures::write_plugins_toml;
pub use fixtures::{
    Vehicle, component, component_bytes, crafted, days_from_today, eligible_form, id_number,
    minimal_jpeg, minimal_pdf, minimal_png, write_test_plugins_toml,
};
pub use hosts::OtherHost;

/// The password of every demo account.
pub const PASSWORD: &str = "demo123456";
pub const ADMIN: &str = "admin";
/// The demo citizen 张三 and his identity card number.
pub const CITIZEN: &str = "zhang.san";
pub const CITIZEN_NAME: &str = "张三";
pub const CITIZEN_ID: &str = "441900199001011234";
/// The demo reviewer of the vehicle office.
pub const REVIEWER: &str = "vehicle.office";
pub const DEPARTMENT: &str = "dongguan-vehicle-office";
pub const COURIER_TOKEN: &str = "demo-courier-token";
/// How long a login token lives in the test apps.
pub const TOKEN_TTL_HOURS: i64 = 12;

pub const VEHICLE_ITEM: &str = "vehicle-inspection-exemption";
pub const INFINITE_LOOP_ITEM: &str = "infinite-loop";
pub const MEMORY_HOG_ITEM: &str = "memory-hog";
pub const DEEP_RECURSION_ITEM: &str = "deep-recursion";
pub const PANICS_ITEM: &str = "panics";
pub const HUGE_OUTPUT_ITEM: &str = "huge-output";
pub const HOST_CALL_FLOOD_ITEM: &str = "host-call-flood";
pub const UNGRANTED_LOOKUP_ITEM: &str = "ungranted-lookup";
pub const OTHER_ITEMS_RECORDS_ITEM: &str = "other-items-records";
pub const WALL_CLOCK_BURN_ITEM: &str = "wall-clock-burn";
pub const UNGRANTED_CERTIFICATE_ITEM: &str = "ungranted-certificate";
pub const SOCIAL_INSURANCE_ITEM: &str = "social-insurance-query";
pub const ENTERPRISE_ITEM: &str = "enterprise-registration";
pub const SCHOOL_ITEM: &str = "school-points-enrollment";

/// 张三's car that the demo registry makes eligible, and the last six characters of its VIN.
pub const ELIGIBLE_PLATE: &str = "粤S12345";
pub const ELIGIBLE_VIN_LAST6: &str = "123456";

/// The crafted test item (tests/plugins/crafted) and the department it says it belongs to.
pub const CRAFTED_ITEM: &str = "crafted-item";
pub const CRAFTED_DEPARTMENT: &str = "yiwang-test-dept";

/// A material of the vehicle item that a citizen may upload.
pub const VEHICLE_MATERIAL: &str = "机动车行驶证复印件";

/// A running host with its own data directory.
pub struct TestApp {
    /// `http://127.0.0.1:<port>`; changes on restart.
    pub address: String,
    pub port: u16,
    /// Kept alive for the whole test: the database and the compiled items live here.
    pub data_dir: TempDir,
    pub storage: Storage,
    /// Read-only connections to the host's database, to check what was stored.
    pub db: AnyPool,
    pub client: reqwest::Client,
    server: Option<Server>,
    /// Changes a test made to the settings, applied again on restart.
    configure: Configure,
    /// Last, so that it is dropped last: a PostgreSQL schema goes after everything that uses it.
    database: TestDatabase,
}

struct Server {
    /// Sending (or dropping) this stops the server gracefully.
    shutdown: oneshot::Sender<()>,
    task: JoinHandle<anyhow::Result<()>>,
}

type Configure = Arc<dyn Fn(&mut Settings) + Send + Sync>;

/// Starts a host on a fresh data directory and seeds the demo data.
pub async fn spawn_app() -> TestApp {
    spawn_app_with(|_| {}).await
}

/// Like [`spawn_app`], with settings changed by `configure` (a notification gateway, say).
pub async fn spawn_app_with(configure: impl Fn(&mut Settings) + Send + Sync + 'static) -> TestApp {
    let configure: Configure = Arc::new(configure);
    let data_dir = tempfile::Builder::new()
        .prefix("yiwang-api-")
        .tempdir()
        .expect("creating the data dir");
    write_plugins_toml(data_dir.path());
    let database = TestDatabase::create().await;
    let (server, port, storage) = start(data_dir.path(), &database, &configure).await;
    admin::seed_demo(&storage)
        .await
        .expect("seeding the demo data");
    let db = open_db(data_dir.path(), &database).await;
    TestApp {
        address: format!("http://127.0.0.1:{port}"),
        port,
        data_dir,
        storage,
        db,
        client: reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("building the HTTP client"),
        server: Some(server),
        configure,
        database,
    }
}

pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("the host crate is in the workspace")
        .to_path_buf()
}

/// Writes a test's figures to `target/test-artifacts/<name>`, for the closing notes.
pub fn record_artifact(name: &str, text: &str) {
    let artifacts = workspace_root().join("target/test-artifacts");
    std::fs::create_dir_all(&artifacts).expect("creating target/test-artifacts");
    std::fs::write(artifacts.join(name), text).expect("writing a test artifact");
}

fn settings(data_dir: &Path, database: &TestDatabase) -> Settings {
    let mut settings = Settings::new(data_dir, data_dir.join("plugins.toml"));
    settings.listen = "127.0.0.1:0".into();
    settings.token_ttl_hours = TOKEN_TTL_HOURS;
    // Compiling a component takes seconds; every test app shares the artifacts.
    settings.cache_dir = Some(workspace_root().join("target/test-artifact-cache"));
    settings.database_url = database.host_url();
    settings
}

async fn start(
    data_dir: &Path,
    database: &TestDatabase,
    configure: &Configure,
) -> (Server, u16, Storage) {
    let mut settings = settings(data_dir, database);
    configure(&mut settings);
    let app = Application::build(settings)
        .await
        .expect("building the application");
    let port = app.port();
    let storage = app.storage();
    let (shutdown, stopped) = oneshot::channel::<()>();
    let task = tokio::spawn(app.run_until_stopped(async move {
        // A dropped sender stops the server too, so a finished test leaves nothing running.
        let _ = stopped.await;
    }));
    (Server { shutdown, task }, port, storage)
}

async fn open_db(data_dir: &Path, database: &TestDatabase) -> AnyPool {
    AnyPoolOptions::new()
        .max_connections(2)
        .connect(&database.read_only_url(data_dir))
        .await
        .expect("opening the database read-only")
}

impl TestApp {
    /// Stops the server gracefully and waits for it to finish.
    pub async fn stop(&mut self) {
        let server = self.server.take().expect("the app is running");
        let _ = server.shutdown.send(());
        tokio::time::timeout(Duration::from_secs(30), server.task)
            .await
            .expect("the server stops within 30 s")
            .expect("the server task does not panic")
            .expect("the server stops without an error");
    }

    /// Stops the server and starts a new one on the same data directory.
    pub async fn restart(&mut self) {
        self.stop().await;
        let (server, port, storage) =
            start(self.data_dir.path(), &self.database, &self.configure).await;
        self.address = format!("http://127.0.0.1:{port}");
        self.port = port;
        self.storage = storage;
        self.server = Some(server);
    }
}
