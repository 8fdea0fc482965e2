//! All SQL lives here, for both backends. The rest of the host calls typed methods on
//! [`Storage`]; nothing outside this module builds a query.
//!
//! Queries are written once in the dialect SQLite and PostgreSQL share (`$N` placeholders,
//! `RETURNING`, `ON CONFLICT`), and run through sqlx's `Any` driver. Timestamps are RFC 3339 UTC
//! text, dates `YYYY-MM-DD`, JSON is text: the same shapes in both schemas. On SQLite, the point
//! reads of every request and the group commit's batches of plain writes run the same SQL on
//! rusqlite instead, without sqlx's worker threads (`direct.rs`).
//!
//! SQLite allows one writer at a time; writes go through a one-connection pool so that they queue
//! in the process instead of failing with `SQLITE_BUSY` (the direct writer holds that connection
//! while it writes), and `synchronous=FULL` makes every commit durable before it returns — a 201
//! is only sent after that. PostgreSQL reads and writes through
//! one pool; what needs serializing there (the audit chain) takes a lock in its transaction. The
//! few statements that differ by backend branch on [`Backend`] (or the connection's backend)
//! inside this module.

mod attachments;
mod audit;
mod backup;
mod batch_jobs;
mod case_writes;
mod cases;
mod certificates;
mod commit;
mod departments;
mod direct;
mod effects;
mod host_data;
mod inspect;
mod items;
mod logins;
mod outbox;
mod readers;
mod rectifications;
mod registries;
mod statements;
mod stats;
mod users;

pub use attachments::{AttachmentRefused, AttachmentRow, NewAttachment};
pub use audit::{AuditReport, AuditRow};
pub use backup::{BackupSummary, check_backup};
pub use batch_jobs::{BatchCounts, BatchJobRow};
pub use cases::{
    CaseRow, CaseSummary, CaseTransition, DataUseRow, DeliveryRow, EventRow, NewCase, NewEvent,
    NotificationRow,
};
pub use departments::DepartmentRow;
pub use effects::RecordsMoved;
pub use inspect::{Inspection, inspect};
pub use items::{Change, ItemRow, NewVersion, RolledBack, VersionRow, VersionTaken};
pub use outbox::{DeliveryOutcome, OutboxRow, Recipient};
pub use rectifications::{NewRectification, RectificationRow};
pub use registries::RegistryImport;
pub use stats::{CaseSla, SeedCase, SlaCaseRow, StatsEventRow, StatsGroupRow};
pub use users::{NewUserRow, UserRow};

use std::str::FromStr;
use std::sync::Arc;

use anyhow::Context;
use direct::PointReads;
use readers::Readers;
use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::sqlite::SqliteConnectOptions;
use sqlx::{AnyConnection, AnyPool, Database, Executor, Postgres};

/// Item changes announced by any host of the deployment.
pub struct ItemChanges {
    listener: sqlx::postgres::PgListener,
}

impl ItemChanges {
    /// The code of the next changed item. An error means the connection was lost: changes made
    /// meanwhile were missed, so the caller re-syncs everything.
    pub async fn next(&mut self) -> anyhow::Result<String> {
        let notification = self.listener.try_recv().await?;
        match notification {
            Some(notification) => Ok(notification.payload().to_string()),
            None => anyhow::bail!("the listening connection was lost"),
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

#[derive(Clone)]
pub struct Storage {
    /// Reads (`readers.rs`).
    read: Readers,
    /// The reads of one row by its key that nearly every request makes, on SQLite
    /// (`direct.rs`); None on PostgreSQL.
    points: Option<Arc<PointReads>>,
    /// Writes: one connection for SQLite (writes queue here), the same pool as `read` for PostgreSQL.
    write: AnyPool,
    backend: Backend,
    /// The group commit in front of `write`, for the writes of requests (`commit.rs`).
    commits: commit::Committer,
    /// Kept for the connection that listens to other hosts (PostgreSQL).
    url: Arc<str>,
}

static SQLITE_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("migrations/sqlite");
static POSTGRES_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("migrations/postgres");

/// Read connections to SQLite.
const SQLITE_READERS: usize = 8;
/// Connections to PostgreSQL, reads and writes together.
const POSTGRES_POOL_SIZE: u32 = 16;

impl Storage {
    /// Connects and runs the migrations: `sqlite://…` or `postgres://…` (`postgresql://…`).
    ///
    /// On PostgreSQL the tables live in the first schema of the connection's `search_path`, which
    /// must exist. To keep a deployment (or a test) in its own schema, say so in the URL:
    /// `postgres://host/db?options=-c%20search_path%3Dyiwang` (libpq's `options`, URL-encoded).
    pub async fn connect(url: &str) -> anyhow::Result<Storage> {
        sqlx::any::install_default_drivers();
        let backend = if url.starts_with("sqlite:") {
            Backend::Sqlite
        } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            Backend::Postgres
        } else {
            anyhow::bail!("unsupported database URL scheme (expected sqlite: or postgres:)")
        };
        let options = AnyConnectOptions::from_str(url).context("parsing the database URL")?;
        let (read, write, points, direct) = match backend {
            Backend::Sqlite => {
                let write = AnyPoolOptions::new()
                    .max_connections(1)
                    .acquire_timeout(readers::ACQUIRE_TIMEOUT)
                    // A connection to a local file does not go stale: pinging it before each
                    // use was a round trip to its worker thread on every batch.
                    .test_before_acquire(false)
                    .after_connect(|conn, _| Box::pin(prepare_sqlite(conn)))
                    .connect_with(options.clone())
                    .await
                    .context("opening the database")?;
                SQLITE_MIGRATIONS
                    .run(&write)
                    .await
                    .context("running migrations")?;
                let read = Readers::open_sqlite(&options, SQLITE_READERS)
                    .await
                    .context("opening the database")?;
                let file =
                    SqliteConnectOptions::from_str(url).context("parsing the database URL")?;
                let path = file.get_filename();
                let points = PointReads::open(path).context("opening the database")?;
                let direct = direct::writer(path).context("opening the database")?;
                (read, write, Some(Arc::new(points)), Some(direct))
            }
            Backend::Postgres => {
                let pool = AnyPoolOptions::new()
                    .max_connections(POSTGRES_POOL_SIZE)
                    .acquire_timeout(readers::ACQUIRE_TIMEOUT)
                    .connect_with(options)
                    .await
                    .context("connecting to PostgreSQL")?;
                POSTGRES_MIGRATIONS
                    .run(&pool)
                    .await
                    .context("running migrations")?;
                (Readers::Pool(pool.clone()), pool, None, None)
            }
        };
        let writers = match backend {
            Backend::Sqlite => 1,
            Backend::Postgres => commit::POSTGRES_WRITERS,
        };
        let commits = commit::Committer::start(write.clone(), writers, direct)?;
        Ok(Storage {
            read,
            points,
            write,
            backend,
            commits,
            url: url.into(),
        })
    }

    /// The codes of items other hosts change, as they commit (PostgreSQL's LISTEN on a
    /// connection of its own). None on SQLite, where one host owns the database.
    pub async fn item_changes(&self) -> anyhow::Result<Option<ItemChanges>> {
        if self.backend != Backend::Postgres {
            return Ok(None);
        }
        let mut listener = sqlx::postgres::PgListener::connect(&self.url)
            .await
            .context("connecting to PostgreSQL to listen for item changes")?;
        listener.listen(items::ITEM_CHANGES_CHANNEL).await?;
        Ok(Some(ItemChanges { listener }))
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    pub async fn close(&self) {
        self.write.close().await;
        self.read.close().await;
        if let Some(points) = &self.points {
            points.close();
        }
    }

    /// Is the database answering?
    pub async fn ping(&self) -> anyhow::Result<()> {
        sqlx::query("SELECT 1")
            .execute(&mut *self.reader().await?)
            .await?;
        Ok(())
    }

    /// A connection for reads, handed back when dropped.
    async fn reader(&self) -> sqlx::Result<readers::Reader> {
        self.read.get().await
    }
}

/// One connection to `url` for looking at a database without running the migrations (a
/// backup file, `yiwang doctor`); an SQLite URL should say `mode=ro`.
async fn looking_pool(url: &str) -> sqlx::Result<AnyPool> {
    sqlx::any::install_default_drivers();
    AnyPoolOptions::new().max_connections(1).connect(url).await
}

/// The pragmas of every SQLite connection.
async fn prepare_sqlite(conn: &mut AnyConnection) -> sqlx::Result<()> {
    for pragma in [
        "PRAGMA journal_mode = WAL",
        "PRAGMA synchronous = FULL",
        "PRAGMA foreign_keys = ON",
        "PRAGMA busy_timeout = 10000",
        // Pages read through a memory map rather than a read(2) each: a reader's page cache is
        // dropped whenever another connection commits, that is, all the time under load.
        "PRAGMA mmap_size = 1073741824",
    ] {
        conn.execute(pragma).await?;
    }
    Ok(())
}

/// Now, as stored: RFC 3339 UTC with milliseconds (sorts as text).
pub fn now_text() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

/// Is this connection PostgreSQL's (not SQLite's)?
fn is_postgres(conn: &AnyConnection) -> bool {
    conn.backend_name() == Postgres::NAME
}

/// Serializes appends to the hash-chained audit log: the first statement of an append's
/// transaction, before it reads the last hash. SQLite's one write connection already runs appends
/// one at a time; on PostgreSQL several connections (and hosts) append at once, so the table is
/// locked against other writers until the commit (readers go on). The lock is the table's own, so
/// schemas side by side in one database do not wait on each other. Holding it to the commit is why
/// the append should be a transaction's last write.
async fn lock_audit_log(conn: &mut AnyConnection) -> anyhow::Result<()> {
    if is_postgres(conn) {
        sqlx::query("LOCK TABLE audit_log IN SHARE ROW EXCLUSIVE MODE")
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}

/// `rows` groups of `width` numbered placeholders, `($1, $2), ($3, $4)` (bare `$1, $2` when
/// `width` is 1): sqlx's `QueryBuilder` writes `?` for the `Any` driver, which PostgreSQL refuses.
pub(super) fn placeholders(rows: usize, width: usize) -> String {
    let group = |row: usize| {
        let list: Vec<String> = (1..=width)
            .map(|k| format!("${}", row * width + k))
            .collect();
        match width {
            1 => list.join(", "),
            _ => format!("({})", list.join(", ")),
        }
    };
    (0..rows).map(group).collect::<Vec<_>>().join(", ")
}

/// Is this a unique-constraint violation (a duplicate)?
pub fn is_unique_violation(err: &sqlx::Error) -> bool {
    matches!(err, sqlx::Error::Database(db) if db.is_unique_violation())
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    pub(crate) async fn temp_storage() -> (tempfile::TempDir, Storage) {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}?mode=rwc", dir.path().join("t.db").display());
        let storage = Storage::connect(&url).await.unwrap();
        (dir, storage)
    }

    /// The versions of `vehicle` (of department GA, sha256 `a…a`) and `school` (JY, `b…b`), and
    /// an applicant; returns the applicant's id. What the statistics tests arrange.
    pub(crate) async fn two_versions_and_an_applicant(storage: &Storage) -> i64 {
        for (item, department, sha) in [("vehicle", "GA", "a"), ("school", "JY", "b")] {
            let sha256 = sha.repeat(64);
            let version = NewVersion {
                sha256: &sha256,
                item_code: item,
                version: "1.0.0",
                department,
                info_json: "{}",
                bytes: sha.as_bytes(),
                uploaded_by: "test",
                signature: None,
            };
            let change = Change {
                actor: "test",
                detail: "",
            };
            storage.store_version(&version, &change).await.unwrap();
        }
        let applicant = NewUserRow {
            login: "resident",
            password_hash: "-",
            role: "citizen",
            department: None,
            name: "张三",
            id_number: None,
        };
        storage.insert_user(&applicant).await.unwrap()
    }

    #[test]
    fn placeholders_are_numbered_in_groups() {
        assert_eq!(placeholders(3, 1), "$1, $2, $3");
        assert_eq!(placeholders(2, 3), "($1, $2, $3), ($4, $5, $6)");
    }

    #[tokio::test]
    async fn numbered_placeholders_bind_by_number_on_sqlite() {
        let (_dir, storage) = temp_storage().await;
        let (a, b): (String, String) = sqlx::query_as("SELECT $2, $1")
            .bind("one")
            .bind("two")
            .fetch_one(&mut *storage.reader().await.unwrap())
            .await
            .unwrap();
        assert_eq!((a.as_str(), b.as_str()), ("two", "one"));
    }
}
