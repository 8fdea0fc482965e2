//! The group commit's batches of plain writes on SQLite, without sqlx's worker threads.
//!
//! sqlx runs each SQLite connection on a worker thread of its own, so every statement is a
//! switch to that thread and one back; under load those switches cost more than the statements.
//! A batch of the group commit that holds only [`Statements`] (a new case without records, ledger
//! rows, a token) is committed here instead ([`commit`]), on a rusqlite connection (over the same
//! SQLite library sqlx links) on the writer's own thread. The writer holds sqlx's one write
//! connection meanwhile, so nothing else writes at the same time. A batch with a work in it
//! (which needs sqlx's connection) goes to sqlx as before.
//!
//! Point reads on the request's own thread (the token's user, registry and item records) were
//! tried here too and taken out: the host's resident memory under the hostile items' calls
//! (`tests/api/hostile.rs`) then grew past its margin in about half the runs, for a reason not
//! yet found.
//!
//! PostgreSQL has no such path: a statement there is a round trip over a socket either way.

use std::path::Path;

use rusqlite::{Connection, OpenFlags, TransactionBehavior};

use super::statements::Statements;

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
}
