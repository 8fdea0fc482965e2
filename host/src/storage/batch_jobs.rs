//! Batch jobs: a batch decision's progress while its decisions are applied in the background
//! (`domain::batch`). One running job per item at a time, by a partial unique index.

use super::{Backend, Storage, is_unique_violation, now_text};

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct BatchJobRow {
    pub id: i64,
    pub item_code: String,
    pub department: String,
    pub state: String,
    pub started_by: String,
    /// `running`, `done`, `failed` or `interrupted` (its host stopped while it ran).
    pub status: String,
    pub cases: i64,
    pub decisions: i64,
    pub processed: i64,
    pub applied: i64,
    /// JSON array of the refusals so far.
    pub refused: String,
    pub error: Option<String>,
    pub started_at: String,
    pub updated_at: String,
    pub finished_at: Option<String>,
}

/// A running job whose progress was not written for this long lost its host (PostgreSQL, where
/// several hosts share the table; SQLite's one host marks its own at start-up).
const STALE_AFTER: chrono::TimeDelta = chrono::TimeDelta::minutes(10);

impl Storage {
    /// Opens a running job for `item_code`; None when one is already running for it.
    pub async fn start_batch_job(
        &self,
        item_code: &str,
        department: &str,
        state: &str,
        started_by: &str,
    ) -> anyhow::Result<Option<i64>> {
        let now = now_text();
        let stale =
            (chrono::Utc::now() - STALE_AFTER).to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
        sqlx::query(
            "UPDATE batch_jobs SET status = 'interrupted', finished_at = $1
             WHERE item_code = $2 AND status = 'running' AND updated_at < $3",
        )
        .bind(&now)
        .bind(item_code)
        .bind(&stale)
        .execute(&self.write)
        .await?;
        let inserted: Result<(i64,), sqlx::Error> = sqlx::query_as(
            "INSERT INTO batch_jobs (item_code, department, state, started_by, status, started_at, updated_at)
             VALUES ($1, $2, $3, $4, 'running', $5, $5) RETURNING id",
        )
        .bind(item_code)
        .bind(department)
        .bind(state)
        .bind(started_by)
        .bind(&now)
        .fetch_one(&self.write)
        .await;
        match inserted {
            Ok((id,)) => Ok(Some(id)),
            Err(err) if is_unique_violation(&err) => Ok(None),
            Err(err) => Err(err.into()),
        }
    }

    /// Writes a job's counts so far (and the refusals, a JSON array).
    pub async fn batch_job_progress(
        &self,
        id: i64,
        counts: BatchCounts,
        refused: &str,
    ) -> anyhow::Result<()> {
        sqlx::query(
            "UPDATE batch_jobs SET cases = $1, decisions = $2, processed = $3, applied = $4,
             refused = $5, updated_at = $6 WHERE id = $7",
        )
        .bind(counts.cases)
        .bind(counts.decisions)
        .bind(counts.processed)
        .bind(counts.applied)
        .bind(refused)
        .bind(now_text())
        .bind(id)
        .execute(&self.write)
        .await?;
        Ok(())
    }

    /// Ends a job: `done`, or `failed` with its error.
    pub async fn finish_batch_job(&self, id: i64, error: Option<&str>) -> anyhow::Result<()> {
        let now = now_text();
        sqlx::query(
            "UPDATE batch_jobs SET status = $1, error = $2, updated_at = $3, finished_at = $3
             WHERE id = $4",
        )
        .bind(if error.is_some() { "failed" } else { "done" })
        .bind(error)
        .bind(&now)
        .bind(id)
        .execute(&self.write)
        .await?;
        Ok(())
    }

    /// Removes a job whose batch was refused before anything was applied.
    pub async fn discard_batch_job(&self, id: i64) -> anyhow::Result<()> {
        sqlx::query("DELETE FROM batch_jobs WHERE id = $1 AND processed = 0")
            .bind(id)
            .execute(&self.write)
            .await?;
        Ok(())
    }

    pub async fn batch_job(&self, id: i64) -> anyhow::Result<Option<BatchJobRow>> {
        Ok(sqlx::query_as(
            "SELECT id, item_code, department, state, started_by, status, cases, decisions,
             processed, applied, refused, error, started_at, updated_at, finished_at
             FROM batch_jobs WHERE id = $1",
        )
        .bind(id)
        .fetch_optional(&mut *self.reader().await?)
        .await?)
    }

    /// At start-up on SQLite, where this host is the only one: a job still running was cut
    /// short when the host last stopped. Its applied decisions are committed; running the batch
    /// again finds the cases it did not reach.
    pub async fn interrupt_batch_jobs(&self) -> anyhow::Result<u64> {
        if self.backend != Backend::Sqlite {
            return Ok(0);
        }
        let done = sqlx::query(
            "UPDATE batch_jobs SET status = 'interrupted', finished_at = $1 WHERE status = 'running'",
        )
        .bind(now_text())
        .execute(&self.write)
        .await?;
        Ok(done.rows_affected())
    }
}

/// A job's counts.
#[derive(Clone, Copy, Debug, Default)]
pub struct BatchCounts {
    pub cases: i64,
    pub decisions: i64,
    pub processed: i64,
    pub applied: i64,
}
