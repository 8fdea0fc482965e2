//! Where a test app's data lives: the SQLite file in its data directory, or a schema of its own in
//! the PostgreSQL database `YIWANG_TEST_DATABASE_URL` names. The one place that reads that variable;
//! the rest of the harness asks a [`TestDatabase`] for its URLs and knows no backend.

use std::path::Path;

use sqlx::{AnyConnection, Connection, Executor};
use yiwang_host::config::Settings;

use super::TestApp;

/// Names a PostgreSQL database (which must exist) to run the suite on instead of SQLite.
pub const TEST_DATABASE_URL_ENV: &str = "YIWANG_TEST_DATABASE_URL";

/// Where one test app's data lives.
pub(super) enum TestDatabase {
    /// `yiwang.db` in the data directory: the host's default.
    Sqlite,
    /// A schema of its own, `schema`, in the PostgreSQL database at `url`; dropped with the app.
    Postgres { url: String, schema: String },
}

impl TestDatabase {
    /// SQLite, or a fresh schema when [`TEST_DATABASE_URL_ENV`] is set.
    pub(super) async fn create() -> TestDatabase {
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
    pub(super) fn host_url(&self) -> Option<String> {
        match self {
            TestDatabase::Sqlite => None,
            TestDatabase::Postgres { url, schema } => {
                Some(with_pg_options(url, &format!("-c search_path={schema}")))
            }
        }
    }

    /// The same database as the host's, opened read-only.
    pub(super) fn read_only_url(&self, data_dir: &Path) -> String {
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

    /// Whether the suite runs on PostgreSQL ([`TEST_DATABASE_URL_ENV`] set).
    pub fn on_postgres(&self) -> bool {
        matches!(self.database, TestDatabase::Postgres { .. })
    }
}
