//! The harness of the black-box suite: `spawn_app()` starts a real host on port 0 with its own data
//! directory, the prebuilt guest components and the demo data, and returns a [`TestApp`] with typed
//! helpers for the HTTP API and a read-only pool to check what was stored.
//!
//! The backend is chosen here and only here: the SQLite file in the data directory (the host's
//! default), or, when `YIWANG_TEST_DATABASE_URL` names a PostgreSQL database, a fresh schema of its
//! own in that database for each app. Tests' SQL is the dialect both share (`$N` placeholders).
//!
//! Tests reach the host only through its HTTP API, the library entry points an operator has
//! (build, seed, add users, import registry records) and the database schema — never its internals.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use reqwest::{Response, StatusCode};
use serde_json::{Value, json};
use sqlx::any::AnyPoolOptions;
use sqlx::{AnyConnection, AnyPool, Connection, Executor};
use tempfile::TempDir;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;
use yiwang_host::admin::{self, NewUser};
use yiwang_host::config::Settings;
use yiwang_host::model::actor::Role;
use yiwang_host::startup::Application;
use yiwang_host::storage::Storage;

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

fn workspace_root() -> PathBuf {
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

/// A guest component built by `cargo xtask build`.
fn component(name: &str) -> PathBuf {
    let path = workspace_root()
        .join("target/wasm32-wasip2/guest")
        .join(format!("{name}.wasm"));
    assert!(
        path.is_file(),
        "{} is missing: run `cargo xtask build` first",
        path.display()
    );
    path
}

/// The admin's `plugins.toml`: the vehicle item with what it needs, the hostile test items
/// with tight limits and only the grants their READMEs name, and the social-insurance query and enterprise
/// registration items with the grants their READMEs give.
fn write_plugins_toml(data_dir: &Path) {
    let vehicle = toml_string(&component("yiwang_item_vehicle_inspection_exemption"));
    let infinite_loop = toml_string(&component("yiwang_test_infinite_loop"));
    let memory_hog = toml_string(&component("yiwang_test_memory_hog"));
    let deep_recursion = toml_string(&component("yiwang_test_deep_recursion"));
    let panics = toml_string(&component("yiwang_test_panics"));
    let huge_output = toml_string(&component("yiwang_test_huge_output"));
    let host_call_flood = toml_string(&component("yiwang_test_host_call_flood"));
    let ungranted_lookup = toml_string(&component("yiwang_test_ungranted_lookup"));
    let other_items_records = toml_string(&component("yiwang_test_other_items_records"));
    let wall_clock_burn = toml_string(&component("yiwang_test_wall_clock_burn"));
    let ungranted_certificate = toml_string(&component("yiwang_test_ungranted_certificate"));
    let social_insurance = toml_string(&component("yiwang_item_social_insurance_query"));
    let enterprise = toml_string(&component("yiwang_item_enterprise_registration"));
    let school = toml_string(&component("yiwang_item_school_points_enrollment"));
    let text = format!(
        r#"[items.{VEHICLE_ITEM}]
component = {vehicle}
department = "{DEPARTMENT}"
enabled = true
grants = {{ registries = ["vehicle-registry", "vehicle-insurance", "traffic-violations"], certificates_issue = ["inspection-mark"], notify = true, delivery = true }}
limits = {{ memory_mib = 64, cpu_ms = 1000, wall_ms = 5000 }}

[items.{INFINITE_LOOP_ITEM}]
component = {infinite_loop}
department = "test-lab"
limits = {{ memory_mib = 32, cpu_ms = 200, wall_ms = 2000 }}

[items.{MEMORY_HOG_ITEM}]
component = {memory_hog}
department = "test-lab"
limits = {{ memory_mib = 32, cpu_ms = 2000, wall_ms = 5000 }}

[items.{DEEP_RECURSION_ITEM}]
component = {deep_recursion}
department = "test-lab"
limits = {{ memory_mib = 32, cpu_ms = 1000, wall_ms = 5000 }}

[items.{PANICS_ITEM}]
component = {panics}
department = "test-lab"
limits = {{ memory_mib = 32, cpu_ms = 200, wall_ms = 2000 }}

[items.{HUGE_OUTPUT_ITEM}]
component = {huge_output}
department = "test-lab"
limits = {{ memory_mib = 64, cpu_ms = 2000, wall_ms = 5000, output_bytes = 65536 }}

[items.{HOST_CALL_FLOOD_ITEM}]
component = {host_call_flood}
department = "test-lab"
grants = {{ log = true }}
limits = {{ memory_mib = 32, cpu_ms = 1000, wall_ms = 5000, host_calls = 100 }}

[items.{UNGRANTED_LOOKUP_ITEM}]
component = {ungranted_lookup}
department = "test-lab"
grants = {{ registries = ["vehicle-registry"] }}
limits = {{ memory_mib = 32, cpu_ms = 200, wall_ms = 2000 }}

[items.{OTHER_ITEMS_RECORDS_ITEM}]
component = {other_items_records}
department = "test-lab"
grants = {{ records = true }}
limits = {{ memory_mib = 32, cpu_ms = 200, wall_ms = 2000 }}

[items.{WALL_CLOCK_BURN_ITEM}]
component = {wall_clock_burn}
department = "test-lab"
grants = {{ records = true }}
limits = {{ memory_mib = 32, cpu_ms = 5000, wall_ms = 300, host_calls = 1000000000 }}

[items.{UNGRANTED_CERTIFICATE_ITEM}]
component = {ungranted_certificate}
department = "test-lab"
grants = {{ certificates_read = ["business-license"] }}
limits = {{ memory_mib = 32, cpu_ms = 200, wall_ms = 2000 }}

[items.{SOCIAL_INSURANCE_ITEM}]
component = {social_insurance}
department = "dongguan-social-insurance"
enabled = true
grants = {{ registries = ["social-insurance"] }}
limits = {{ memory_mib = 64, cpu_ms = 1000, wall_ms = 5000 }}

[items.{ENTERPRISE_ITEM}]
component = {enterprise}
department = "dongguan-market-regulation"
enabled = true
grants = {{ certificates_issue = ["business-license"], certificates_read = ["business-license"], notify = true }}
limits = {{ memory_mib = 64, cpu_ms = 1000, wall_ms = 5000 }}

[items.{SCHOOL_ITEM}]
component = {school}
department = "dongguan-education"
enabled = true
grants = {{ registries = ["residence-permits", "social-insurance", "tax-records", "property-records"], records = true, notify = true }}
limits = {{ memory_mib = 128, cpu_ms = 2000, wall_ms = 10000, host_calls = 20 }}
"#
    );
    std::fs::write(data_dir.join("plugins.toml"), text).expect("writing plugins.toml");
}

/// The test `plugins.toml` in `dir`, for a host run as a process of its own.
pub fn write_test_plugins_toml(dir: &Path) {
    write_plugins_toml(dir);
}

/// A TOML basic string holding `path`.
fn toml_string(path: &Path) -> String {
    let text = path.to_str().expect("component paths are UTF-8");
    format!("\"{}\"", text.replace('\\', "\\\\").replace('"', "\\\""))
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

/// Names a PostgreSQL database (which must exist) to run the suite on instead of SQLite.
pub const TEST_DATABASE_URL_ENV: &str = "YIWANG_TEST_DATABASE_URL";

/// Where one test app's data lives.
enum TestDatabase {
    /// `yiwang.db` in the data directory: the host's default.
    Sqlite,
    /// A schema of its own, `schema`, in the PostgreSQL database at `url`; dropped with the app.
    Postgres { url: String, schema: String },
}

impl TestDatabase {
    /// SQLite, or a fresh schema when [`TEST_DATABASE_URL_ENV`] is set.
    async fn create() -> TestDatabase {
        let Some(url) = std::env::var(TEST_DATABASE_URL_ENV)
            .ok()
            .filter(|url| !url.is_empty())
        else {
            return TestDatabase::Sqlite;
        };
        sqlx::any::install_default_drivers();
        let schema = format!("t_{:016x}", rand::random::<u64>());
        let mut conn = AnyConnection::connect(&url)
            .await
            .unwrap_or_else(|e| panic!("connecting to {TEST_DATABASE_URL_ENV}: {e}"));
        conn.execute(format!("CREATE SCHEMA {schema}").as_str())
            .await
            .expect("creating the test schema");
        let _ = conn.close().await;
        TestDatabase::Postgres { url, schema }
    }

    /// The host's `--database-url`; `None` is its default, the SQLite file in the data directory.
    fn host_url(&self) -> Option<String> {
        match self {
            TestDatabase::Sqlite => None,
            TestDatabase::Postgres { url, schema } => {
                Some(with_pg_options(url, &format!("-c search_path={schema}")))
            }
        }
    }

    /// The same database as the host's, opened read-only.
    fn read_only_url(&self, data_dir: &Path) -> String {
        match self {
            TestDatabase::Sqlite => {
                format!("sqlite://{}?mode=ro", data_dir.join("yiwang.db").display())
            }
            TestDatabase::Postgres { url, schema } => with_pg_options(
                url,
                &format!("-c search_path={schema} -c default_transaction_read_only=on"),
            ),
        }
    }
}

/// `url` with libpq `options` (server settings for every connection) added to its query.
fn with_pg_options(url: &str, options: &str) -> String {
    let mut url = reqwest::Url::parse(url)
        .unwrap_or_else(|e| panic!("{TEST_DATABASE_URL_ENV} is not a URL: {e}"));
    url.query_pairs_mut().append_pair("options", options);
    url.into()
}

impl Drop for TestDatabase {
    /// Drops the schema, on a thread of its own since `Drop` cannot wait on the test's runtime. A
    /// lock still held by a connection of the app would make it wait; it then gives up after a few
    /// seconds and leaves the schema behind.
    fn drop(&mut self) {
        let TestDatabase::Postgres { url, schema } = self else {
            return;
        };
        let (url, drop_schema) = (url.clone(), format!("DROP SCHEMA {schema} CASCADE"));
        let dropped = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()?;
            runtime.block_on(async {
                let mut conn = AnyConnection::connect(&url).await?;
                conn.execute("SET lock_timeout = '5s'").await?;
                conn.execute(drop_schema.as_str()).await?;
                conn.close().await?;
                anyhow::Ok(())
            })
        })
        .join();
        if let Ok(Err(e)) = dropped {
            eprintln!("the test schema {schema} was left behind: {e:#}");
        }
    }
}

/// The JSON body of a response that must have `status`; panics with the body otherwise.
pub async fn json_body(response: Response, status: StatusCode) -> Value {
    let actual = response.status();
    let text = response.text().await.expect("reading the response body");
    assert_eq!(actual, status, "unexpected status; body: {text}");
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("the body is not JSON ({e}): {text}"))
}

/// Checks an error response: `status`, `{"error": {"code": code, "message": …}}`; returns `error`.
pub async fn error_body(response: Response, status: StatusCode, code: &str) -> Value {
    let body = json_body(response, status).await;
    assert_eq!(body["error"]["code"], code, "{body}");
    assert!(
        body["error"]["message"]
            .as_str()
            .is_some_and(|m| !m.is_empty()),
        "an error needs a message: {body}"
    );
    body["error"].clone()
}

/// The `code`s of the `fields` of a 422 error, as `(field, code)` with a leading `/` dropped from
/// JSON-pointer field names.
pub fn field_errors(error: &Value) -> Vec<(String, String)> {
    error["fields"]
        .as_array()
        .unwrap_or_else(|| panic!("a 422 error names its fields: {error}"))
        .iter()
        .map(|f| {
            let field = f["field"]
                .as_str()
                .unwrap_or_else(|| panic!("field error without a field: {f}"));
            let code = f["code"]
                .as_str()
                .unwrap_or_else(|| panic!("field error without a code: {f}"));
            (field.trim_start_matches('/').to_string(), code.to_string())
        })
        .collect()
}

/// The elements of the JSON array `list` whose `key` is `value`.
pub fn find<'a>(list: &'a Value, key: &str, value: &str) -> Vec<&'a Value> {
    list.as_array()
        .unwrap_or_else(|| panic!("expected an array: {list}"))
        .iter()
        .filter(|v| v[key] == value)
        .collect()
}

/// Is `text` an application number, `YW-YYYYMMDD-NNNNNN`?
pub fn is_application_number(text: &str) -> bool {
    let parts: Vec<&str> = text.split('-').collect();
    matches!(parts.as_slice(), ["YW", date, seq]
        if date.len() == 8 && seq.len() == 6 && date.bytes().chain(seq.bytes()).all(|b| b.is_ascii_digit()))
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.address)
    }

    pub async fn get(&self, path: &str, token: Option<&str>) -> Response {
        let mut request = self.client.get(self.url(path));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        request.send().await.expect("sending a GET request")
    }

    /// GET that must answer 200 with JSON.
    pub async fn get_json(&self, path: &str, token: &str) -> Value {
        json_body(self.get(path, Some(token)).await, StatusCode::OK).await
    }

    pub async fn post(&self, path: &str, token: Option<&str>, body: &Value) -> Response {
        let mut request = self.client.post(self.url(path)).json(body);
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        request.send().await.expect("sending a POST request")
    }

    // --- auth

    pub async fn login_response(&self, login: &str, password: &str) -> Response {
        self.post(
            "/api/v1/auth/login",
            None,
            &json!({ "login": login, "password": password }),
        )
        .await
    }

    /// Logs in and returns the bearer token.
    pub async fn login(&self, login: &str, password: &str) -> String {
        let body = json_body(self.login_response(login, password).await, StatusCode::OK).await;
        body["token"]
            .as_str()
            .unwrap_or_else(|| panic!("login returns a token: {body}"))
            .to_string()
    }

    pub async fn logout(&self, token: &str) -> Response {
        self.client
            .post(self.url("/api/v1/auth/logout"))
            .bearer_auth(token)
            .send()
            .await
            .expect("logging out")
    }

    /// Registers a department (the demo data has only the vehicle office).
    pub async fn add_department(&self, code: &str, name: &str) {
        self.storage
            .put_department(code, name)
            .await
            .expect("adding a department");
    }

    /// Applies for `vehicle` through a fresh HTTP client, as a separate user agent would.
    pub async fn apply_on_own_client(&self, token: &str, vehicle: &Vehicle) -> (StatusCode, Value) {
        let response = reqwest::Client::new()
            .post(format!(
                "{}/api/v1/items/{VEHICLE_ITEM}/applications",
                self.address
            ))
            .bearer_auth(token)
            .json(&json!({ "form": vehicle.form(true) }))
            .send()
            .await
            .expect("sending the application");
        let status = response.status();
        (status, response.json().await.expect("a JSON body"))
    }

    /// Every vehicle application was accepted and awaits the courier, no case of any other item
    /// was stored, and the host still answers.
    pub async fn assert_only_vehicle_applications_went_through(
        &self,
        vehicles: Vec<(StatusCode, Value)>,
    ) {
        for (status, body) in vehicles {
            assert_eq!(status, StatusCode::CREATED, "{body}");
            let number = body["number"].as_str().expect("number");
            assert_eq!(self.case_row(number).await.state, "awaiting-pickup");
        }
        let other_cases: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM cases WHERE item_code <> $1")
                .bind(VEHICLE_ITEM)
                .fetch_one(&self.db)
                .await
                .unwrap();
        assert_eq!(other_cases, 0);
        assert_eq!(self.get("/healthz", None).await.status(), StatusCode::OK);
    }

    /// `count` fresh citizens, each owning an eligible car and logged in on a token of their own.
    /// `series` (1 to 9) keeps logins, ID numbers and plates apart between tests.
    pub async fn citizens_with_eligible_vehicles(
        &self,
        count: u32,
        series: u32,
    ) -> Vec<(String, Vehicle)> {
        let mut citizens = Vec::new();
        for n in 0..count {
            let login = format!("citizen.{series}.{n}");
            let id = id_number(series * 100 + n);
            self.add_citizen(&login, &format!("市民{n}"), &id).await;
            let vehicle = Vehicle::eligible(
                &format!("粤S{series}{n}0{n}8"),
                &format!("LSVAU2180N{series}{n}5432{n}"),
                &id,
                "市民",
            );
            self.register_vehicle(&vehicle).await;
            citizens.push((self.login(&login, PASSWORD).await, vehicle));
        }
        citizens
    }

    /// Adds a citizen with the demo password and returns their user id.
    pub async fn add_citizen(&self, login: &str, name: &str, id_number: &str) -> i64 {
        self.add_user(login, Role::Citizen, None, name, Some(id_number))
            .await
    }

    pub async fn add_user(
        &self,
        login: &str,
        role: Role,
        department: Option<&str>,
        name: &str,
        id_number: Option<&str>,
    ) -> i64 {
        let user = NewUser {
            login: login.into(),
            password: PASSWORD.into(),
            role,
            department: department.map(Into::into),
            name: name.into(),
            id_number: id_number.map(Into::into),
        };
        admin::add_user(&self.storage, user)
            .await
            .expect("adding a user")
    }

    // --- applications

    pub async fn submit(&self, token: &str, item: &str, form: Value) -> Response {
        self.submit_body(token, item, json!({ "form": form })).await
    }

    /// Submits a whole request body (`{form, channel}`).
    pub async fn submit_body(&self, token: &str, item: &str, body: Value) -> Response {
        self.post(
            &format!("/api/v1/items/{item}/applications"),
            Some(token),
            &body,
        )
        .await
    }

    /// 张三 applies for his eligible car; returns the application number (the case now awaits the
    /// courier's pick-up).
    pub async fn apply_for_eligible_vehicle(&self, token: &str, wants_paper_mark: bool) -> String {
        let form = eligible_form(wants_paper_mark);
        let body = json_body(
            self.submit(token, VEHICLE_ITEM, form).await,
            StatusCode::CREATED,
        )
        .await;
        body["number"]
            .as_str()
            .unwrap_or_else(|| panic!("201 carries the number: {body}"))
            .to_string()
    }

    pub async fn get_application(&self, token: &str, number: &str) -> Response {
        self.get(&format!("/api/v1/applications/{number}"), Some(token))
            .await
    }

    /// The application as `token`'s user sees it; must be 200.
    pub async fn application(&self, token: &str, number: &str) -> Value {
        json_body(self.get_application(token, number).await, StatusCode::OK).await
    }

    pub async fn act(
        &self,
        token: &str,
        number: &str,
        action: &str,
        comment: Option<&str>,
    ) -> Response {
        self.act_with_input(token, number, action, comment, json!({}))
            .await
    }

    pub async fn act_with_input(
        &self,
        token: &str,
        number: &str,
        action: &str,
        comment: Option<&str>,
        input: Value,
    ) -> Response {
        let mut body = json!({ "action": action, "input": input });
        if let Some(comment) = comment {
            body["comment"] = json!(comment);
        }
        self.post(
            &format!("/api/v1/applications/{number}/actions"),
            Some(token),
            &body,
        )
        .await
    }

    /// An action that must succeed; returns the new state.
    pub async fn act_ok(
        &self,
        token: &str,
        number: &str,
        action: &str,
        comment: Option<&str>,
    ) -> String {
        let body = json_body(
            self.act(token, number, action, comment).await,
            StatusCode::OK,
        )
        .await;
        assert_eq!(body["number"], number, "{body}");
        body["state"]
            .as_str()
            .unwrap_or_else(|| panic!("an action answers the new state: {body}"))
            .to_string()
    }

    /// A courier event reported with the demo courier's token.
    pub async fn courier_event(&self, tracking_number: &str, event: &str) -> Response {
        self.courier_event_as(Some(COURIER_TOKEN), tracking_number, event)
            .await
    }

    pub async fn courier_event_as(
        &self,
        token: Option<&str>,
        tracking_number: &str,
        event: &str,
    ) -> Response {
        let body = json!({ "tracking_number": tracking_number, "event": event });
        self.post("/api/v1/delivery/events", token, &body).await
    }

    /// Submits for the eligible car and lets the courier collect the materials: the case is
    /// `under-review`. Returns the application number.
    pub async fn case_under_review(&self, citizen_token: &str, wants_paper_mark: bool) -> String {
        let number = self
            .apply_for_eligible_vehicle(citizen_token, wants_paper_mark)
            .await;
        let pickup = self.tracking_number(&number, "pickup").await;
        let body = json_body(
            self.courier_event(&pickup, "picked-up").await,
            StatusCode::OK,
        )
        .await;
        assert_eq!(body["case_state"], "under-review", "{body}");
        number
    }

    // --- stopping and restarting

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

    // --- what was stored

    pub async fn user_id(&self, login: &str) -> i64 {
        sqlx::query_scalar("SELECT id FROM users WHERE login = $1")
            .bind(login)
            .fetch_one(&self.db)
            .await
            .unwrap()
    }

    /// The stored case row, as JSON-ish text columns.
    pub async fn case_row(&self, number: &str) -> CaseRow {
        sqlx::query_as(
            "SELECT item_code, item_sha256, item_version, department, applicant_id, state, form, derived,
                    channel, submitted_at, due_date, completed_at
             FROM cases WHERE number = $1",
        )
        .bind(number)
        .fetch_optional(&self.db)
        .await
        .unwrap()
        .unwrap_or_else(|| panic!("case {number} is stored"))
    }

    pub async fn case_state(&self, number: &str) -> String {
        self.case_row(number).await.state
    }

    /// `(action, from_state, to_state, actor_role, comment)` of a case's events, in order.
    pub async fn events(&self, number: &str) -> Vec<EventRow> {
        sqlx::query_as(
            "SELECT e.seq, e.action, e.from_state, e.to_state, e.actor_role, e.comment
             FROM case_events e JOIN cases c ON c.id = e.case_id WHERE c.number = $1 ORDER BY e.seq",
        )
        .bind(number)
        .fetch_all(&self.db)
        .await
        .unwrap()
    }

    pub async fn event_actions(&self, number: &str) -> Vec<String> {
        self.events(number)
            .await
            .into_iter()
            .map(|e| e.action)
            .collect()
    }

    /// `(tracking_number, kind, status)` of a case's deliveries, oldest first.
    pub async fn deliveries(&self, number: &str) -> Vec<(String, String, String)> {
        sqlx::query_as(
            "SELECT d.tracking_number, d.kind, d.status FROM deliveries d JOIN cases c ON c.id = d.case_id
             WHERE c.number = $1 ORDER BY d.id",
        )
        .bind(number)
        .fetch_all(&self.db)
        .await
        .unwrap()
    }

    /// The tracking number of the case's one delivery of `kind` (`pickup`, `shipment`).
    pub async fn tracking_number(&self, number: &str, kind: &str) -> String {
        let mut found: Vec<String> = self
            .deliveries(number)
            .await
            .into_iter()
            .filter(|d| d.1 == kind)
            .map(|d| d.0)
            .collect();
        assert_eq!(
            found.len(),
            1,
            "case {number} has exactly one {kind} delivery"
        );
        found.remove(0)
    }

    /// Rows of `table` (which has a `case_id`) that belong to the case.
    pub async fn count_for_case(&self, table: &str, number: &str) -> i64 {
        let sql = format!(
            "SELECT COUNT(*) FROM {table} WHERE case_id = (SELECT id FROM cases WHERE number = $1)"
        );
        sqlx::query_scalar(&sql)
            .bind(number)
            .fetch_one(&self.db)
            .await
            .unwrap()
    }

    pub async fn count(&self, table: &str) -> i64 {
        sqlx::query_scalar(&format!("SELECT COUNT(*) FROM {table}"))
            .fetch_one(&self.db)
            .await
            .unwrap()
    }

    /// Row counts of every table an application writes to besides the data-use ledger.
    pub async fn stored(&self) -> Stored {
        Stored {
            cases: self.count("cases").await,
            case_events: self.count("case_events").await,
            deliveries: self.count("deliveries").await,
            outbox: self.count("outbox").await,
            certificates: self.count("certificates").await,
        }
    }

    /// Everything about one case that a refused request must leave as it was.
    pub async fn case_snapshot(&self, number: &str) -> CaseSnapshot {
        let (state, updated_at, derived): (String, String, String) =
            sqlx::query_as("SELECT state, updated_at, derived FROM cases WHERE number = $1")
                .bind(number)
                .fetch_one(&self.db)
                .await
                .unwrap();
        CaseSnapshot {
            state,
            updated_at,
            derived,
            events: self.events(number).await,
            deliveries: self.deliveries(number).await,
            certificates: self.count_for_case("certificates", number).await,
            outbox: self.count_for_case("outbox", number).await,
        }
    }

    /// Data-use ledger rows about `subject_id`, as `(dataset, record_key, item_code, found)`.
    pub async fn data_uses_about(&self, subject_id: &str) -> Vec<(String, String, String, i64)> {
        sqlx::query_as(
            "SELECT dataset, record_key, item_code, found FROM data_use_log WHERE subject_id = $1 ORDER BY id",
        )
        .bind(subject_id)
        .fetch_all(&self.db)
        .await
        .unwrap()
    }

    /// Audit entries with `action` on `target`.
    pub async fn audit_count(&self, action: &str, target: &str) -> i64 {
        sqlx::query_scalar("SELECT COUNT(*) FROM audit_log WHERE action = $1 AND target = $2")
            .bind(action)
            .bind(target)
            .fetch_one(&self.db)
            .await
            .unwrap()
    }
}

#[derive(Debug, sqlx::FromRow)]
pub struct CaseRow {
    pub item_code: String,
    pub item_sha256: String,
    pub item_version: String,
    pub department: String,
    pub applicant_id: i64,
    pub state: String,
    pub form: String,
    pub derived: String,
    pub channel: String,
    pub submitted_at: String,
    pub due_date: String,
    pub completed_at: Option<String>,
}

#[derive(Debug, PartialEq, Eq, sqlx::FromRow)]
pub struct EventRow {
    pub seq: i64,
    pub action: String,
    pub from_state: Option<String>,
    pub to_state: String,
    pub actor_role: String,
    pub comment: Option<String>,
}

#[derive(Debug, PartialEq, Eq)]
pub struct Stored {
    pub cases: i64,
    pub case_events: i64,
    pub deliveries: i64,
    pub outbox: i64,
    pub certificates: i64,
}

#[derive(Debug, PartialEq, Eq)]
pub struct CaseSnapshot {
    pub state: String,
    pub updated_at: String,
    pub derived: String,
    pub events: Vec<EventRow>,
    pub deliveries: Vec<(String, String, String)>,
    pub certificates: i64,
    pub outbox: i64,
}

// --- the vehicle item's form and registry records

/// The vehicle item's application form, filled in by the owner.
fn vehicle_form(
    plate: &str,
    vin_last6: &str,
    owner_name: &str,
    owner_id_number: &str,
    wants_paper_mark: bool,
) -> Value {
    json!({
        "plate_number": plate,
        "vin_last6": vin_last6,
        "owner_name": owner_name,
        "owner_id_number": owner_id_number,
        "phone": "13800138000",
        "mailing_address": "广东省东莞市南城街道鸿福路99号",
        "wants_paper_mark": wants_paper_mark,
    })
}

/// 张三's form for his eligible car.
pub fn eligible_form(wants_paper_mark: bool) -> Value {
    vehicle_form(
        ELIGIBLE_PLATE,
        ELIGIBLE_VIN_LAST6,
        CITIZEN_NAME,
        CITIZEN_ID,
        wants_paper_mark,
    )
}

/// What the shared registries say about a vehicle: one record in each of the three datasets the
/// vehicle item reads. Start from [`Vehicle::eligible`] and break one fact.
#[derive(Clone, Debug)]
pub struct Vehicle {
    pub plate: String,
    /// 17 characters; the form gives the last six.
    pub vin: String,
    /// The registered owner's identity card number.
    pub owner_id: String,
    pub owner_name: String,
    /// 小型载客汽车 is `small-passenger-car`.
    pub vehicle_type: String,
    /// 非营运 is `non-operating`.
    pub use_nature: String,
    pub registered_on: String,
    /// `None`: no compulsory-insurance record at all.
    pub insured_until: Option<String>,
    pub unhandled_violations: u32,
    pub unhandled_accidents: u32,
    /// Accidents with people hurt or killed, handled or not.
    pub casualty_accidents: u32,
}

impl Vehicle {
    /// A clean, insured, non-operating small passenger car registered two years ago.
    pub fn eligible(plate: &str, vin: &str, owner_id: &str, owner_name: &str) -> Vehicle {
        assert_eq!(vin.len(), 17, "a VIN has 17 characters");
        Vehicle {
            plate: plate.into(),
            vin: vin.into(),
            owner_id: owner_id.into(),
            owner_name: owner_name.into(),
            vehicle_type: "small-passenger-car".into(),
            use_nature: "non-operating".into(),
            registered_on: days_from_today(-2 * 365),
            insured_until: Some(days_from_today(200)),
            unhandled_violations: 0,
            unhandled_accidents: 0,
            casualty_accidents: 0,
        }
    }

    pub fn vin_last6(&self) -> &str {
        &self.vin[self.vin.len() - 6..]
    }

    /// The form its registered owner fills in.
    pub fn form(&self, wants_paper_mark: bool) -> Value {
        vehicle_form(
            &self.plate,
            self.vin_last6(),
            &self.owner_name,
            &self.owner_id,
            wants_paper_mark,
        )
    }
}

/// `YYYY-MM-DD`, `days` from today in the deployment's time zone (Asia/Shanghai, UTC+8).
pub fn days_from_today(days: i64) -> String {
    let today = (chrono::Utc::now() + chrono::Duration::hours(8)).date_naive();
    (today + chrono::Duration::days(days))
        .format("%Y-%m-%d")
        .to_string()
}

/// A well-formed resident identity card number (check digit included) for test person `n`.
pub fn id_number(n: u32) -> String {
    const WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
    let body = format!("44190019850101{:03}", n % 1000);
    let sum: u32 = body
        .chars()
        .zip(WEIGHTS)
        .map(|(c, w)| c.to_digit(10).unwrap() * w)
        .sum();
    let check = b"10X98765432"[(sum % 11) as usize] as char;
    format!("{body}{check}")
}

impl TestApp {
    /// Writes the vehicle's records into the shared registries, as the departments' data exchange
    /// would.
    pub async fn register_vehicle(&self, vehicle: &Vehicle) {
        let owner = Some(vehicle.owner_id.as_str());
        let registration = json!({
            "plate_number": vehicle.plate,
            "vin": vehicle.vin,
            "owner_name": vehicle.owner_name,
            "owner_id_number": vehicle.owner_id,
            "vehicle_type": vehicle.vehicle_type,
            "use_nature": vehicle.use_nature,
            "registered_on": vehicle.registered_on,
            "status": "normal",
        });
        admin::put_registry_record(
            &self.storage,
            "vehicle-registry",
            &vehicle.plate,
            owner,
            registration,
        )
        .await
        .expect("importing the registration");
        if let Some(insured_until) = &vehicle.insured_until {
            let insurance = json!({
                "plate_number": vehicle.plate,
                "policy_number": format!("PDZA2026441900{}", vehicle.vin_last6()),
                "insurer": "中国人民财产保险股份有限公司东莞市分公司",
                "compulsory_valid_until": insured_until,
            });
            admin::put_registry_record(
                &self.storage,
                "vehicle-insurance",
                &vehicle.plate,
                owner,
                insurance,
            )
            .await
            .expect("importing the insurance");
        }
        let violations = json!({
            "plate_number": vehicle.plate,
            "unhandled_violations": vehicle.unhandled_violations,
            "unhandled_accidents": vehicle.unhandled_accidents,
            "casualty_accidents": vehicle.casualty_accidents,
        });
        admin::put_registry_record(
            &self.storage,
            "traffic-violations",
            &vehicle.plate,
            owner,
            violations,
        )
        .await
        .expect("importing the violations");
    }
}

impl TestApp {
    /// Runs `sql` with `binds` on the host's database, read-write: for a test that changes what is
    /// stored behind the host's back.
    pub async fn write_behind_the_hosts_back(&self, sql: &str, binds: &[&str]) {
        let writer = AnyPoolOptions::new()
            .max_connections(1)
            .connect(&self.database_url())
            .await
            .expect("opening the database read-write");
        let mut query = sqlx::query(sql);
        for bind in binds {
            query = query.bind(*bind);
        }
        query
            .execute(&writer)
            .await
            .unwrap_or_else(|e| panic!("{sql}: {e}"));
        writer.close().await;
    }
}

impl TestApp {
    /// The database URL the host runs on, read-write: for the CLI's `--database-url`, and for the
    /// test that edits the audit log behind the host's back.
    pub fn database_url(&self) -> String {
        self.database.host_url().unwrap_or_else(|| {
            Settings::new(
                self.data_dir.path(),
                self.data_dir.path().join("plugins.toml"),
            )
            .database_url()
        })
    }
}

// --- departments' item versions (uploads, publish, preview)

/// A crafted test artifact built by `cargo xtask build` (`target/wasm32-wasip2/guest/crafted/`).
pub fn crafted(variant: &str) -> Vec<u8> {
    let path = workspace_root()
        .join("target/wasm32-wasip2/guest/crafted")
        .join(format!("{variant}.wasm"));
    std::fs::read(&path)
        .unwrap_or_else(|e| panic!("{}: {e}: run `cargo xtask build` first", path.display()))
}

/// The bytes of a guest component built by `cargo xtask build` (`yiwang_test_panics`, say).
pub fn component_bytes(name: &str) -> Vec<u8> {
    std::fs::read(component(name)).expect("reading the component")
}

impl TestApp {
    /// Registers a department with a fresh Ed25519 signing key; returns the private key.
    pub async fn department_with_key(&self, code: &str, name: &str) -> ed25519_dalek::SigningKey {
        let (private, public) = yiwang_host::signing::generate().expect("generating a key");
        self.storage
            .upsert_department(code, name, Some(&public), "test")
            .await
            .expect("adding the department");
        yiwang_host::signing::private_key(&private).expect("reading the key back")
    }

    /// An admin registers `code` for `department`.
    pub async fn register_item(&self, code: &str, department: &str) -> Response {
        let admin = self.login(ADMIN, PASSWORD).await;
        self.post(
            "/api/v1/admin/items",
            Some(&admin),
            &json!({ "code": code, "department": department }),
        )
        .await
    }

    /// Uploads `component` with the `signature` file's bytes, as `token`.
    pub async fn upload_version(
        &self,
        token: &str,
        code: &str,
        component: &[u8],
        signature: &[u8],
    ) -> Response {
        let form = reqwest::multipart::Form::new()
            .part(
                "component",
                reqwest::multipart::Part::bytes(component.to_vec()).file_name("component.wasm"),
            )
            .part(
                "signature",
                reqwest::multipart::Part::bytes(signature.to_vec()).file_name("component.wasm.sig"),
            );
        self.client
            .post(self.url(&format!("/api/v1/dept/items/{code}/versions")))
            .bearer_auth(token)
            .multipart(form)
            .send()
            .await
            .expect("uploading")
    }

    /// Uploads `component` signed with `key`; the response must be 201.
    pub async fn upload_signed(
        &self,
        token: &str,
        code: &str,
        component: &[u8],
        key: &ed25519_dalek::SigningKey,
    ) -> Value {
        let signature = yiwang_host::signing::sign(key, component);
        json_body(
            self.upload_version(token, code, component, signature.as_bytes())
                .await,
            StatusCode::CREATED,
        )
        .await
    }

    /// An admin's POST to `/api/v1/admin/items/{code}/{verb}` (publish, rollback, enable, disable).
    pub async fn admin_item(&self, code: &str, verb: &str, body: &Value) -> Response {
        let admin = self.login(ADMIN, PASSWORD).await;
        self.post(
            &format!("/api/v1/admin/items/{code}/{verb}"),
            Some(&admin),
            body,
        )
        .await
    }
}

// --- several hosts on one database

/// Another host on the same database as a [`TestApp`], with a data directory of its own: what a
/// second machine behind the load balancer would be. Stops when dropped.
pub struct OtherHost {
    /// `http://127.0.0.1:<port>`.
    pub address: String,
    /// Kept for as long as the host runs.
    _data_dir: TempDir,
    _server: Server,
}

impl OtherHost {
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.address)
    }
}

impl TestApp {
    /// Whether the suite runs on PostgreSQL ([`TEST_DATABASE_URL_ENV`] set).
    pub fn on_postgres(&self) -> bool {
        matches!(self.database, TestDatabase::Postgres { .. })
    }

    /// Starts another host on this app's database (PostgreSQL: several hosts share it).
    pub async fn another_host(&self) -> OtherHost {
        assert!(
            self.on_postgres(),
            "several hosts share a PostgreSQL database only"
        );
        let data_dir = tempfile::Builder::new()
            .prefix("yiwang-api-host2-")
            .tempdir()
            .expect("creating the data dir");
        write_plugins_toml(data_dir.path());
        let (server, port, _) = start(data_dir.path(), &self.database, &self.configure).await;
        OtherHost {
            address: format!("http://127.0.0.1:{port}"),
            _data_dir: data_dir,
            _server: server,
        }
    }
}

// --- the crafted test item, uploaded by its department

/// The crafted test item (tests/plugins/crafted) and the department it says it belongs to.
pub const CRAFTED_ITEM: &str = "crafted-item";
pub const CRAFTED_DEPARTMENT: &str = "yiwang-test-dept";

impl TestApp {
    /// The crafted item registered for its department, which gets a fresh signing key and the
    /// developer `login`; returns the developer's token and the department's key.
    pub async fn crafted_item_for(&self, login: &str) -> (String, ed25519_dalek::SigningKey) {
        let key = self
            .department_with_key(CRAFTED_DEPARTMENT, "上传测试部门")
            .await;
        self.add_user(
            login,
            Role::Developer,
            Some(CRAFTED_DEPARTMENT),
            "上传测试开发员",
            None,
        )
        .await;
        let developer = self.login(login, PASSWORD).await;
        json_body(
            self.register_item(CRAFTED_ITEM, CRAFTED_DEPARTMENT).await,
            StatusCode::CREATED,
        )
        .await;
        (developer, key)
    }

    /// The sha256 of the version `code` serves, as stored; none before its first publication.
    pub async fn current_sha256(&self, code: &str) -> Option<String> {
        sqlx::query_scalar("SELECT current_sha256 FROM items WHERE code = $1")
            .bind(code)
            .fetch_one(&self.db)
            .await
            .unwrap()
    }

    /// An admin publishes `version` of `code` and switches the item on.
    pub async fn publish_and_enable(&self, code: &str, version: &str) {
        for (verb, body) in [
            ("publish", json!({ "version": version })),
            ("enable", json!({})),
        ] {
            json_body(self.admin_item(code, verb, &body).await, StatusCode::OK).await;
        }
    }
}

// --- attachments (application materials)

/// A material of the vehicle item that a citizen may upload.
pub const VEHICLE_MATERIAL: &str = "机动车行驶证复印件";

/// A one-page PDF, as a scanner writes it (header, catalog, pages, page, trailer).
pub fn minimal_pdf() -> Vec<u8> {
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 10 10]>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n".to_vec()
}

/// A JPEG: start of image, a JFIF APP0 segment, end of image.
pub fn minimal_jpeg() -> Vec<u8> {
    let mut bytes = vec![0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10];
    bytes.extend_from_slice(b"JFIF\0\x01\x01\0\0\x01\0\x01\0\0");
    bytes.extend_from_slice(&[0xFF, 0xD9]);
    bytes
}

/// A PNG: the signature and the IHDR chunk of a 1×1 RGB image.
pub fn minimal_png() -> Vec<u8> {
    let mut bytes = b"\x89PNG\r\n\x1a\n".to_vec();
    bytes.extend_from_slice(&[0, 0, 0, 13]);
    bytes.extend_from_slice(b"IHDR");
    bytes.extend_from_slice(&[
        0, 0, 0, 1, 0, 0, 0, 1, 8, 2, 0, 0, 0, 0x90, 0x77, 0x53, 0xDE,
    ]);
    bytes
}

impl TestApp {
    /// Uploads one file as the material `material` of case `number` (multipart `material` and
    /// `file`); `content_type` is what the part declares (none: no Content-Type on the part).
    pub async fn upload_attachment(
        &self,
        token: &str,
        number: &str,
        material: &str,
        file_name: &str,
        content_type: Option<&str>,
        bytes: Vec<u8>,
    ) -> Response {
        let mut file = reqwest::multipart::Part::bytes(bytes).file_name(file_name.to_string());
        if let Some(content_type) = content_type {
            file = file.mime_str(content_type).expect("a valid content type");
        }
        let form = reqwest::multipart::Form::new()
            .text("material", material.to_string())
            .part("file", file);
        self.client
            .post(self.url(&format!("/api/v1/applications/{number}/attachments")))
            .bearer_auth(token)
            .multipart(form)
            .send()
            .await
            .expect("sending an upload")
    }

    /// The stored attachments of a case: (material, file name, content type, size, sha256).
    pub async fn attachment_rows(
        &self,
        number: &str,
    ) -> Vec<(String, String, String, i64, String)> {
        sqlx::query_as(
            "SELECT a.material, a.file_name, a.content_type, a.size_bytes, a.sha256 FROM attachments a
             JOIN cases c ON c.id = a.case_id WHERE c.number = $1 ORDER BY a.id",
        )
        .bind(number)
        .fetch_all(&self.db)
        .await
        .unwrap()
    }
}
