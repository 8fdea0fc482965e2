//! SQLite without sqlx's worker threads, for what every request does: its point reads and the
//! group commit's writes.
//!
//! sqlx runs each SQLite connection on a worker thread of its own, so every statement is a
//! switch to that thread and one back; under load those switches cost more than the statements.
//! Two things go around them on connections of this module (rusqlite, over the same SQLite
//! library sqlx links):
//! - **Point reads** ([`PointReads`]): the user of the bearer token, and the registry records and
//!   item records an item looks up while it runs. Each reads one row by its key on the caller's
//!   own thread. From the memory-mapped database that takes a few microseconds, and in WAL mode
//!   a read never waits for the writer. Every other read goes through `readers.rs`.
//! - **The writer's batches of writes** ([`commit`]): a batch of the group commit that holds only
//!   [`Statements`] (a new case without records, ledger rows, a token) is committed here, on the
//!   writer's own thread. The writer holds sqlx's one write connection meanwhile, so nothing else
//!   writes at the same time. A batch with a work in it (which needs sqlx's connection) goes to
//!   sqlx as before.
//!
//! PostgreSQL has no such path: a statement there is a round trip over a socket either way.

use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};

use rusqlite::{Connection, OpenFlags, OptionalExtension, Params, Row, TransactionBehavior};

use super::statements::Statements;

/// Connections kept idle. A read takes one or opens one, so more than this many run at once
/// only if more threads read at once; the extra ones are closed after their read.
const KEPT: usize = 8;

pub(super) struct PointReads {
    path: PathBuf,
    idle: Mutex<Vec<Connection>>,
    closed: AtomicBool,
}

impl PointReads {
    /// Opens one connection to the database file at `path` (which exists: the writer opened it
    /// and ran the migrations).
    pub(super) fn open(path: &Path) -> rusqlite::Result<PointReads> {
        let reads = PointReads {
            path: path.to_path_buf(),
            idle: Mutex::new(Vec::with_capacity(KEPT)),
            closed: AtomicBool::new(false),
        };
        let first = reads.connect()?;
        reads.hand_back(first);
        Ok(reads)
    }

    /// The one row `sql` finds, if any. `sql` must select by a unique key. `params` bind by
    /// position, and SQLite numbers the parameters in the order they first appear, so `sql`
    /// names `$1`, `$2` … in that order (the writes of `Statements` bind by number instead).
    pub(super) fn row<T>(
        &self,
        sql: &str,
        params: impl Params,
        map: impl FnOnce(&Row<'_>) -> rusqlite::Result<T>,
    ) -> anyhow::Result<Option<T>> {
        if self.closed.load(Ordering::Acquire) {
            anyhow::bail!("the database is closed");
        }
        let taken = self.idle.lock().unwrap_or_else(|e| e.into_inner()).pop();
        let conn = match taken {
            Some(conn) => conn,
            None => self.connect()?,
        };
        let found = conn
            .prepare_cached(sql)
            .and_then(|mut statement| statement.query_row(params, map).optional());
        self.hand_back(conn);
        Ok(found?)
    }

    /// Closes the idle connections and lets no read start after.
    pub(super) fn close(&self) {
        self.closed.store(true, Ordering::Release);
        self.idle.lock().unwrap_or_else(|e| e.into_inner()).clear();
    }

    fn hand_back(&self, conn: Connection) {
        let mut idle = self.idle.lock().unwrap_or_else(|e| e.into_inner());
        if idle.len() < KEPT && !self.closed.load(Ordering::Acquire) {
            idle.push(conn);
        }
    }

    fn connect(&self) -> rusqlite::Result<Connection> {
        let conn = open(&self.path)?;
        // query_only: these connections never write. The busy timeout is short because the
        // read holds its thread, a runtime thread, while it waits: in WAL mode a reader waits
        // only while the database is being recovered.
        conn.execute_batch("PRAGMA query_only = ON; PRAGMA busy_timeout = 1000;")?;
        Ok(conn)
    }
}

/// A connection for the writer's batches: the pragmas of sqlx's write connection
/// (`prepare_sqlite`), `synchronous = FULL` above all, so that a commit returns only once it is
/// durable.
pub(super) fn writer(path: &Path) -> rusqlite::Result<Connection> {
    let conn = open(path)?;
    conn.execute_batch("PRAGMA synchronous = FULL; PRAGMA busy_timeout = 10000;")?;
    // Every kind of write keeps its prepared statement: a case, its events, each effect…
    conn.set_prepared_statement_cache_capacity(128);
    Ok(conn)
}

fn open(path: &Path) -> rusqlite::Result<Connection> {
    let conn = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )?;
    conn.execute_batch("PRAGMA foreign_keys = ON; PRAGMA mmap_size = 1073741824;")?;
    Ok(conn)
}

/// Commits a batch of writes in one transaction and returns each one's outcome, in order. As
/// the group commit does on sqlx (`commit.rs`): the writes run one after another without
/// savepoints, and only when one fails is the transaction rolled back and the batch run again
/// with each write in a savepoint of its own, so that the failing one fails alone. When the
/// commit fails, every write fails with it.
pub(super) fn commit(conn: &mut Connection, writes: &[&Statements]) -> Vec<anyhow::Result<()>> {
    if writes.len() > 1 {
        match commit_plain(conn, writes) {
            Ok(true) => return writes.iter().map(|_| Ok(())).collect(),
            Ok(false) => metrics::counter!("yiwang_commit_batches_rerun_total").increment(1),
            Err(err) => return every(writes, &err),
        }
    }
    let mut tx = match conn.transaction_with_behavior(TransactionBehavior::Immediate) {
        Ok(tx) => tx,
        Err(err) => return every(writes, &err.into()),
    };
    let mut outcomes = Vec::with_capacity(writes.len());
    for write in writes {
        let outcome = if writes.len() == 1 {
            write.execute_direct(&tx)
        } else {
            // Dropped without a commit, a savepoint rolls back to where it began.
            tx.savepoint().and_then(|savepoint| {
                write.execute_direct(&savepoint)?;
                savepoint.commit()
            })
        };
        outcomes.push(outcome.map_err(anyhow::Error::from));
    }
    if outcomes.iter().all(Result::is_err) {
        return outcomes; // Nothing to keep: the transaction rolls back as it is dropped.
    }
    match tx.commit() {
        Ok(()) => outcomes,
        Err(err) => every(writes, &err.into()),
    }
}

/// Every write in one transaction: committed (true), or rolled back because one failed (false).
fn commit_plain(conn: &mut Connection, writes: &[&Statements]) -> anyhow::Result<bool> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    for write in writes {
        if write.execute_direct(&tx).is_err() {
            tx.rollback()?;
            return Ok(false);
        }
    }
    tx.commit()?;
    Ok(true)
}

fn every(writes: &[&Statements], err: &anyhow::Error) -> Vec<anyhow::Result<()>> {
    writes
        .iter()
        .map(|_| Err(anyhow::anyhow!("committing the batch failed: {err:#}")))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::storage::tests::temp_storage;
    use crate::storage::{NewUserRow, RegistryImport};

    fn table() -> (tempfile::TempDir, Connection) {
        let dir = tempfile::tempdir().unwrap();
        // The writer opens a database that exists (sqlx's connection created it).
        let path = dir.path().join("d.db");
        Connection::open(&path).unwrap();
        let conn = writer(&path).unwrap();
        conn.execute_batch("CREATE TABLE t (k TEXT PRIMARY KEY, n INTEGER)")
            .unwrap();
        (dir, conn)
    }

    fn insert(key: &str, n: i64) -> Statements {
        let mut statements = Statements::default();
        // Placeholders out of order: each is bound by its number, not its place.
        statements.push(
            "INSERT INTO t (n, k) VALUES ($2, $1)",
            vec![key.into(), n.into()],
        );
        statements
    }

    fn stored(conn: &Connection) -> Vec<(String, i64)> {
        let mut statement = conn.prepare("SELECT k, n FROM t ORDER BY k").unwrap();
        let rows = statement.query_map([], |row| Ok((row.get(0)?, row.get(1)?)));
        rows.unwrap().map(Result::unwrap).collect()
    }

    #[test]
    fn a_batch_of_writes_is_committed_and_a_failing_write_fails_alone() {
        let (_dir, mut conn) = table();
        let batch = [
            insert("a", 1),
            insert("b", 2),
            insert("a", 3),
            insert("c", 4),
        ];
        let outcomes = commit(&mut conn, &batch.iter().collect::<Vec<_>>());
        let failed: Vec<bool> = outcomes.iter().map(Result::is_err).collect();
        assert_eq!(failed, [false, false, true, false]);
        let error = format!("{:#}", outcomes[2].as_ref().unwrap_err());
        assert!(error.contains("UNIQUE"), "{error}");
        let rows = [("a", 1), ("b", 2), ("c", 4)].map(|(k, n)| (k.to_string(), n));
        assert_eq!(stored(&conn), rows);

        let mut two = insert("d", 5);
        two.push(
            "INSERT INTO t (k, n) VALUES ($1, $2)",
            vec!["a".into(), 6.into()],
        );
        let outcomes = commit(&mut conn, &[&two]);
        assert!(
            outcomes[0].is_err(),
            "a lone write that fails leaves nothing"
        );
        assert_eq!(stored(&conn), rows);
    }

    #[tokio::test]
    async fn a_token_is_read_once_committed_and_not_after_it_is_revoked_or_expired() {
        let (_dir, storage) = temp_storage().await;
        assert!(
            storage.points.is_some(),
            "SQLite reads tokens by point reads"
        );
        let user = NewUserRow {
            login: "resident",
            password_hash: "-",
            role: "citizen",
            department: None,
            name: "张三",
            id_number: Some("440000"),
        };
        let id = storage.insert_user(&user).await.unwrap();
        assert!(storage.user_by_token("live").await.unwrap().is_none());

        storage.insert_token("live", id, None).await.unwrap();
        storage
            .insert_token("old", id, Some("2020-01-01T00:00:00.000Z"))
            .await
            .unwrap();
        let found = storage.user_by_token("live").await.unwrap().unwrap();
        assert_eq!(
            (found.id, found.login.as_str(), found.name.as_str()),
            (id, "resident", "张三")
        );
        assert_eq!(found.id_number.as_deref(), Some("440000"));
        assert_eq!(found.department, None);
        assert!(storage.user_by_token("old").await.unwrap().is_none());

        storage.revoke_token("live").await.unwrap();
        assert!(storage.user_by_token("live").await.unwrap().is_none());
    }

    #[tokio::test]
    async fn registry_and_item_records_are_read_by_key_and_none_after_close() {
        let (_dir, storage) = temp_storage().await;
        let record = RegistryImport {
            key: "粤S12345".into(),
            subject_id: Some("440000".into()),
            data: r#"{"seats":5}"#.into(),
        };
        storage
            .put_registry_records("vehicles", &[record])
            .await
            .unwrap();
        let found = storage
            .registry_record("vehicles", "粤S12345")
            .await
            .unwrap()
            .unwrap();
        assert_eq!(found.subject_id.as_deref(), Some("440000"));
        assert_eq!(found.data, r#"{"seats":5}"#);
        assert!(
            storage
                .registry_record("vehicles", "粤S0")
                .await
                .unwrap()
                .is_none()
        );
        assert!(
            storage
                .registry_record("households", "粤S12345")
                .await
                .unwrap()
                .is_none()
        );
        assert!(
            storage
                .record_value("school", "seats")
                .await
                .unwrap()
                .is_none()
        );

        storage.close().await;
        let refused = storage.registry_record("vehicles", "粤S12345").await;
        assert!(refused.is_err(), "a closed storage reads nothing");
    }
}
