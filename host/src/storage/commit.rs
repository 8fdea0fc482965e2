//! Group commit: the writes of many requests in one transaction, one fsync for all of them.
//!
//! A request's writes (a new case with its events and effects, a case's transition, the ledger
//! rows of a query's reads, an audit entry) are a [`Work`]: a function over a connection that is
//! already inside a transaction; writes that need no answer are a [`Statements`] instead
//! ([`Committer::write`]). [`Committer::run`] queues a work and waits. A writer takes every
//! work that is waiting (up to [`MAX_BATCH`]), opens one transaction, runs the works one after
//! another, and commits once; then it answers each caller. So:
//! - a caller is answered only after the commit that holds its writes is durable (SQLite's
//!   `synchronous=FULL`, PostgreSQL's synchronous commit): a 201 still means committed;
//! - when a work fails, the batch's transaction is rolled back and the batch runs again with
//!   each work in a savepoint of its own: the failing work rolls back to its savepoint and fails
//!   that caller alone; the others' writes go on into the commit. (A work may therefore run
//!   twice; it is a clone each time, and its caller gets the result of the committed run.)
//! - when the commit itself fails, every caller of the batch gets the error, and nothing of the
//!   batch was stored.
//!
//! When the writer is idle, a lone work is committed at once (a batch of one, without a
//! savepoint), so a quiet server answers as fast as before; under load the batches grow by
//! themselves with the number of callers waiting while the previous commit was being synced.
//!
//! SQLite has one writer, on a thread of its own, on its one write connection; a batch of
//! writes alone it commits on its direct connection (`direct.rs`), holding the sqlx one the
//! while. PostgreSQL has [`POSTGRES_WRITERS`] tasks, each committing its own batches on a
//! connection of the shared pool, because its round trips, not its fsync, bound one writer.

use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::pin::Pin;
use std::sync::Arc;

use anyhow::anyhow;
use futures::FutureExt;
use sqlx::{AnyConnection, AnyPool, Connection};
use tokio::sync::{Mutex, mpsc, oneshot};

use super::effects::RecordsMoved;
use super::statements::Statements;

/// The most works one transaction takes.
pub const MAX_BATCH: usize = 256;
/// Works queued before `run` waits for room (back-pressure on the callers).
const QUEUE: usize = 4096;
/// Writer tasks on PostgreSQL.
pub const POSTGRES_WRITERS: usize = 4;

/// A caller's writes, run inside the batch's transaction. It may run twice: a batch in which a
/// work failed is rolled back and run again with a savepoint around each work.
pub type Work = Box<
    dyn for<'c> Fn(
            &'c mut AnyConnection,
        ) -> Pin<Box<dyn Future<Output = anyhow::Result<()>> + Send + 'c>>
        + Send
        + Sync,
>;

/// What a caller gives the writer.
enum Task {
    /// A work that needs the connection (it reads, or needs a statement's answer).
    Work(Work),
    /// Writes that need no answer, sent to the database together (`statements.rs`).
    Writes(Statements),
}

struct Job {
    task: Task,
    done: oneshot::Sender<anyhow::Result<()>>,
}

/// The queue in front of the writer tasks.
#[derive(Clone)]
pub struct Committer {
    queue: mpsc::Sender<Job>,
}

impl Committer {
    /// Starts `writers` writer tasks on `pool`. They stop when the last `Committer` is dropped
    /// (after committing what was queued). `direct`, SQLite's direct connection for batches of
    /// writes alone, is for a lone writer.
    ///
    /// A lone writer (SQLite's) runs on a thread of its own. It waits for its connection's
    /// worker thread several times a batch; as a task among the requests' tasks, each of those
    /// wake-ups would wait its turn behind them, and the one writer is what every write waits
    /// for. PostgreSQL's writers stay on the caller's runtime, which drives their sockets.
    pub fn start(
        pool: AnyPool,
        writers: usize,
        direct: Option<rusqlite::Connection>,
    ) -> anyhow::Result<Committer> {
        let (queue, receiver) = mpsc::channel(QUEUE);
        let receiver = Arc::new(Mutex::new(receiver));
        if writers <= 1 {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()?;
            std::thread::Builder::new()
                .name("yiwang-writer".into())
                .spawn(move || runtime.block_on(write_loop(pool, receiver, direct)))?;
        } else {
            anyhow::ensure!(direct.is_none(), "a direct connection is for a lone writer");
            for _ in 0..writers {
                tokio::spawn(write_loop(pool.clone(), receiver.clone(), None));
            }
        }
        Ok(Committer { queue })
    }

    /// Runs `work` in the next batch and returns once that batch is committed (or failed).
    /// Its result `T` is handed back only if the commit succeeded. `work` is cloned for each
    /// run: once, or twice when another work of its batch failed (see [`commit_batch`]).
    pub async fn run<T, F>(&self, work: F) -> anyhow::Result<T>
    where
        T: Send + 'static,
        F: for<'c> FnOnce(
                &'c mut AnyConnection,
            )
                -> Pin<Box<dyn Future<Output = anyhow::Result<T>> + Send + 'c>>
            + Clone
            + Send
            + Sync
            + 'static,
    {
        // The result of the run that was committed: a later run replaces an earlier one.
        let result = Arc::new(std::sync::Mutex::new(None::<T>));
        let slot = result.clone();
        let work: Work = Box::new(move |conn| {
            let run = work.clone();
            let slot = slot.clone();
            Box::pin(async move {
                let value = run(conn).await?;
                *slot.lock().unwrap_or_else(|e| e.into_inner()) = Some(value);
                Ok(())
            })
        });
        self.submit(Task::Work(work)).await?;
        result
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .take()
            .ok_or_else(|| anyhow!("the database writer lost a result"))
    }

    /// Runs `statements` in the next batch and returns once that batch is committed (or
    /// failed): a [`Committer::run`] for writes that need no answer, without a work to box.
    pub(super) async fn write(&self, statements: Statements) -> anyhow::Result<()> {
        self.submit(Task::Writes(statements)).await
    }

    async fn submit(&self, task: Task) -> anyhow::Result<()> {
        let (done, answer) = oneshot::channel();
        self.queue
            .send(Job { task, done })
            .await
            .map_err(|_| anyhow!("the database writer has stopped"))?;
        answer
            .await
            .map_err(|_| anyhow!("the database writer stopped before committing"))?
    }
}

async fn write_loop(
    pool: AnyPool,
    receiver: Arc<Mutex<mpsc::Receiver<Job>>>,
    mut direct: Option<rusqlite::Connection>,
) {
    loop {
        let batch = {
            let mut receiver = receiver.lock().await;
            let Some(first) = receiver.recv().await else {
                return;
            };
            let mut batch = vec![first];
            while batch.len() < MAX_BATCH {
                match receiver.try_recv() {
                    Ok(job) => batch.push(job),
                    Err(_) => break,
                }
            }
            batch
        };
        commit_batch(&pool, direct.as_mut(), batch).await;
    }
}

/// One transaction for the batch. The works run one after another in it, without savepoints
/// (each savepoint is two more statements): nearly always every work succeeds and the batch is
/// committed as it ran. When one fails, the whole transaction is rolled back and the batch runs
/// again with each work in a savepoint of its own, so that the failing work fails alone.
async fn commit_batch(pool: &AnyPool, direct: Option<&mut rusqlite::Connection>, batch: Vec<Job>) {
    metrics::histogram!("yiwang_commit_batch_size").record(batch.len() as f64);
    // Held while the batch is written, directly or not: no other write runs meanwhile.
    let mut conn = match pool.acquire().await {
        Ok(conn) => conn,
        Err(err) => return fail_all(batch, &err.into()),
    };
    if let Some(direct) = direct {
        let writes: Option<Vec<&Statements>> = batch
            .iter()
            .map(|job| match &job.task {
                Task::Writes(statements) => Some(statements),
                Task::Work(_) => None,
            })
            .collect();
        if let Some(writes) = writes {
            let outcomes = super::direct::commit(direct, &writes);
            for (job, outcome) in batch.into_iter().zip(outcomes) {
                let _ = job.done.send(outcome);
            }
            return;
        }
    }
    if batch.len() > 1 {
        match run_plain(&mut conn, &batch).await {
            Ok(()) => return succeed_all(batch),
            Err(Plain::WorkFailed) => {
                metrics::counter!("yiwang_commit_batches_rerun_total").increment(1);
            }
            Err(Plain::Broken(err)) => return fail_all(batch, &err),
        }
    }
    run_in_savepoints(&mut conn, batch).await;
}

enum Plain {
    /// A work failed; nothing of the batch was kept.
    WorkFailed,
    /// The transaction could not be begun or committed: every caller gets the error.
    Broken(anyhow::Error),
}

/// Every work of the batch in one transaction, committed only if all succeed.
async fn run_plain(conn: &mut AnyConnection, batch: &[Job]) -> Result<(), Plain> {
    let mut tx = conn.begin().await.map_err(|e| Plain::Broken(e.into()))?;
    for job in batch {
        if run_task(&mut tx, &job.task).await.is_err() {
            return match tx.rollback().await {
                Ok(()) => Err(Plain::WorkFailed),
                Err(err) => Err(Plain::Broken(anyhow!(
                    "rolling back the batch failed: {:#}",
                    anyhow::Error::from(err)
                ))),
            };
        }
    }
    tx.commit().await.map_err(|e| {
        Plain::Broken(anyhow!(
            "committing the batch failed: {:#}",
            anyhow::Error::from(e)
        ))
    })
}

fn succeed_all(batch: Vec<Job>) {
    for job in batch {
        let _ = job.done.send(Ok(()));
    }
}

/// One transaction; each work in a savepoint when there are several.
async fn run_in_savepoints(conn: &mut AnyConnection, batch: Vec<Job>) {
    let mut tx = match conn.begin().await {
        Ok(tx) => tx,
        Err(err) => return fail_all(batch, &err.into()),
    };
    let alone = batch.len() == 1;
    let mut outcomes: Vec<(oneshot::Sender<anyhow::Result<()>>, anyhow::Result<()>)> =
        Vec::with_capacity(batch.len());
    let mut jobs = batch.into_iter();
    while let Some(Job { task, done }) = jobs.next() {
        let outcome = if alone {
            run_task(&mut tx, &task).await
        } else {
            match tx.begin().await {
                Ok(mut savepoint) => match run_task(&mut savepoint, &task).await {
                    Ok(()) => savepoint.commit().await.map_err(anyhow::Error::from),
                    Err(err) => match savepoint.rollback().await {
                        Ok(()) => Err(err),
                        Err(rollback) => Err(err.context(rollback)),
                    },
                },
                Err(err) => Err(err.into()),
            }
        };
        let outcome = outcome.map_err(contended_as_moved);
        // A savepoint that could be neither released nor rolled back leaves the transaction
        // unusable: everything of this batch fails, nothing of it was committed.
        let broken = !alone
            && outcome.as_ref().err().is_some_and(|err| {
                err.downcast_ref::<sqlx::Error>()
                    .is_some_and(is_connection_error)
            });
        outcomes.push((done, outcome));
        if broken {
            let rest: Vec<Job> = jobs.collect();
            let err = anyhow!("the batch's transaction broke");
            drop(tx);
            fail_all(rest, &err);
            for (done, _) in outcomes {
                let _ = done.send(Err(anyhow!("the batch's transaction broke")));
            }
            return;
        }
    }
    if outcomes.iter().all(|(_, outcome)| outcome.is_err()) {
        // Nothing to keep: roll back (dropping the transaction does) and answer.
        drop(tx);
        for (done, outcome) in outcomes {
            let _ = done.send(outcome);
        }
        return;
    }
    match tx.commit().await {
        Ok(()) => {
            for (done, outcome) in outcomes {
                let _ = done.send(outcome);
            }
        }
        Err(err) => {
            let err = anyhow::Error::from(err);
            for (done, _) in outcomes {
                let _ = done.send(Err(anyhow!("committing the batch failed: {err:#}")));
            }
        }
    }
}

async fn run_task(conn: &mut AnyConnection, task: &Task) -> anyhow::Result<()> {
    match task {
        Task::Work(work) => guarded(work(conn)).await,
        Task::Writes(statements) => statements.clone().execute(conn).await,
    }
}

/// A work's panic becomes its error, so one bad work does not take the writer down.
async fn guarded(
    work: Pin<Box<dyn Future<Output = anyhow::Result<()>> + Send + '_>>,
) -> anyhow::Result<()> {
    match AssertUnwindSafe(work).catch_unwind().await {
        Ok(result) => result,
        Err(_) => Err(anyhow!("a database write panicked")),
    }
}

/// PostgreSQL's deadlock victim (`40P01`) or serialization failure (`40001`): the work's
/// savepoint (or its lone transaction) is rolled back like any failed work, and its caller told
/// to run it again, as when an item's record moved.
fn contended_as_moved(err: anyhow::Error) -> anyhow::Error {
    let code = match err.downcast_ref::<sqlx::Error>() {
        Some(sqlx::Error::Database(db)) => db.code().map(|c| c.into_owned()),
        _ => None,
    };
    match code.as_deref() {
        Some("40P01" | "40001") => RecordsMoved::contended(&format!("{err:#}")).into(),
        _ => err,
    }
}

fn is_connection_error(err: &sqlx::Error) -> bool {
    matches!(
        err,
        sqlx::Error::Io(_)
            | sqlx::Error::PoolClosed
            | sqlx::Error::WorkerCrashed
            | sqlx::Error::Protocol(_)
    )
}

fn fail_all(batch: Vec<Job>, err: &anyhow::Error) {
    for job in batch {
        let _ = job.done.send(Err(anyhow!("{err:#}")));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sqlx::any::AnyPoolOptions;

    async fn pool() -> (tempfile::TempDir, AnyPool) {
        sqlx::any::install_default_drivers();
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}?mode=rwc", dir.path().join("c.db").display());
        let pool = AnyPoolOptions::new()
            .max_connections(1)
            .connect(&url)
            .await
            .unwrap();
        sqlx::query("CREATE TABLE t (k TEXT PRIMARY KEY)")
            .execute(&pool)
            .await
            .unwrap();
        (dir, pool)
    }

    fn insert(
        key: String,
    ) -> impl for<'c> FnOnce(
        &'c mut AnyConnection,
    )
        -> Pin<Box<dyn Future<Output = anyhow::Result<String>> + Send + 'c>>
    + Clone
    + Send
    + Sync
    + 'static {
        move |conn| {
            Box::pin(async move {
                sqlx::query("INSERT INTO t (k) VALUES ($1)")
                    .bind(&key)
                    .execute(&mut *conn)
                    .await?;
                Ok(key)
            })
        }
    }

    async fn stored(pool: &AnyPool) -> Vec<String> {
        sqlx::query_scalar("SELECT k FROM t ORDER BY k")
            .fetch_all(pool)
            .await
            .unwrap()
    }

    /// 64 callers at once, so that they share batches, two of them writing the same key; every
    /// caller but each `works_every`-th sends its insert as writes rather than as a work (with
    /// `works_every` past 64, all do). One fails alone and every other is acknowledged and
    /// stored. `direct`: the writer has SQLite's direct connection for batches of writes alone.
    async fn one_duplicate_among_many(works_every: usize, direct: bool) {
        let (dir, pool) = pool().await;
        let direct =
            direct.then(|| super::super::direct::writer(&dir.path().join("c.db")).unwrap());
        let committer = Committer::start(pool.clone(), 1, direct).unwrap();
        let mut calls = Vec::new();
        for i in 0..64 {
            let key = if i == 63 {
                "k10".to_string()
            } else {
                format!("k{i:02}")
            };
            let committer = committer.clone();
            calls.push(tokio::spawn(async move {
                if i % works_every == works_every - 1 {
                    return committer.run(insert(key)).await;
                }
                let mut statements = Statements::default();
                statements.push("INSERT INTO t (k) VALUES ($1)", vec![key.as_str().into()]);
                committer.write(statements).await.map(|()| key)
            }));
        }
        let mut ok = Vec::new();
        let mut failed = 0;
        for call in calls {
            match call.await.unwrap() {
                Ok(key) => ok.push(key),
                Err(err) => {
                    assert!(format!("{err:#}").contains("UNIQUE"), "{err:#}");
                    failed += 1;
                }
            }
        }
        ok.sort();
        assert_eq!(failed, 1);
        assert_eq!(ok.len(), 63);
        assert_eq!(stored(&pool).await, ok);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_failing_work_fails_alone_and_the_rest_of_its_batch_is_committed() {
        one_duplicate_among_many(1, false).await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn writes_and_works_share_batches_and_a_failing_write_fails_alone() {
        one_duplicate_among_many(3, false).await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn batches_of_writes_alone_go_to_the_direct_connection_and_a_failing_one_fails_alone() {
        one_duplicate_among_many(1000, true).await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn with_a_direct_connection_batches_with_works_still_run_on_sqlx() {
        one_duplicate_among_many(3, true).await;
    }

    #[tokio::test]
    async fn a_panicking_work_fails_alone_and_the_writer_goes_on() {
        let (_dir, pool) = pool().await;
        let committer = Committer::start(pool.clone(), 1, None).unwrap();
        let panicked = committer
            .run(
                |_conn| -> Pin<Box<dyn Future<Output = anyhow::Result<()>> + Send + '_>> {
                    Box::pin(async { panic!("a bug in a write") })
                },
            )
            .await;
        assert!(panicked.is_err());
        let key = committer.run(insert("after".into())).await.unwrap();
        assert_eq!(key, "after");
        assert_eq!(stored(&pool).await, ["after"]);
    }

    #[tokio::test]
    async fn a_work_that_fails_alone_leaves_nothing() {
        let (_dir, pool) = pool().await;
        let committer = Committer::start(pool.clone(), 1, None).unwrap();
        let failed = committer
            .run(
                |conn| -> Pin<Box<dyn Future<Output = anyhow::Result<()>> + Send + '_>> {
                    Box::pin(async move {
                        sqlx::query("INSERT INTO t (k) VALUES ('half')")
                            .execute(&mut *conn)
                            .await?;
                        anyhow::bail!("refused after writing")
                    })
                },
            )
            .await;
        assert!(failed.is_err());
        assert!(stored(&pool).await.is_empty());
    }

    #[tokio::test]
    async fn a_batch_with_a_failing_work_runs_again_in_savepoints_and_answers_from_that_run() {
        use std::sync::atomic::{AtomicUsize, Ordering};

        // Arrange: a first work holds the writer until A and B are both queued behind it, so
        // that they share the next batch; B writes A's key and fails.
        let (_dir, pool) = pool().await;
        let committer = Committer::start(pool.clone(), 1, None).unwrap();
        let (started, release) = (
            Arc::new(tokio::sync::Notify::new()),
            Arc::new(tokio::sync::Notify::new()),
        );
        let holding = {
            let (committer, started, release) =
                (committer.clone(), started.clone(), release.clone());
            tokio::spawn(async move {
                committer
                    .run(move |_conn| -> Pin<Box<dyn Future<Output = anyhow::Result<()>> + Send + '_>> {
                        Box::pin(async move {
                            started.notify_one();
                            release.notified().await;
                            Ok(())
                        })
                    })
                    .await
            })
        };
        started.notified().await;
        let runs = Arc::new(AtomicUsize::new(0));
        let a = {
            let (committer, runs) = (committer.clone(), runs.clone());
            tokio::spawn(async move {
                committer
                    .run(
                        move |conn| -> Pin<
                            Box<dyn Future<Output = anyhow::Result<usize>> + Send + '_>,
                        > {
                            Box::pin(async move {
                                let run = runs.fetch_add(1, Ordering::SeqCst) + 1;
                                sqlx::query("INSERT INTO t (k) VALUES ('a')")
                                    .execute(&mut *conn)
                                    .await?;
                                Ok(run)
                            })
                        },
                    )
                    .await
            })
        };
        let b = {
            let committer = committer.clone();
            tokio::spawn(async move { committer.run(insert("a".into())).await })
        };
        for _ in 0..8 {
            tokio::task::yield_now().await;
        }

        // Act
        release.notify_one();

        // Assert: A ran in the plain pass and again in the savepoint pass, and answers with the
        // run that was committed; B fails alone; 'a' is stored once.
        holding.await.unwrap().unwrap();
        assert_eq!(a.await.unwrap().unwrap(), 2);
        let error = b.await.unwrap().unwrap_err();
        assert!(format!("{error:#}").contains("UNIQUE"), "{error:#}");
        assert_eq!(stored(&pool).await, ["a"]);
    }
}
