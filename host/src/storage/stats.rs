//! The rows the statistics are computed from (ratings are stored by `rectifications.rs`). The computing itself is
//! `domain::stats`; here are only the queries.

use super::Storage;

/// A case as the statistics see it, with its rating if it has one.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct StatsCaseRow {
    pub id: i64,
    pub department: String,
    pub item_code: String,
    pub item_sha256: String,
    pub channel: String,
    pub submitted_at: String,
    pub completed_at: Option<String>,
    pub score: Option<i64>,
}

/// One state change of a case in the statistics' range.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct StatsEventRow {
    pub case_id: i64,
    pub to_state: String,
    pub at: String,
}

impl Storage {
    /// The cases submitted in `[from, until)` (RFC 3339 UTC text, compared as text), of one
    /// department or of all, with their ratings.
    pub async fn cases_submitted_between(
        &self,
        from: &str,
        until: &str,
        department: Option<&str>,
    ) -> anyhow::Result<Vec<StatsCaseRow>> {
        let rows = sqlx::query_as(
            "SELECT c.id, c.department, c.item_code, c.item_sha256, c.channel, c.submitted_at,
                    c.completed_at, r.score
             FROM cases c LEFT JOIN ratings r ON r.case_id = c.id
             WHERE c.submitted_at >= $1 AND c.submitted_at < $2 AND c.preview = 0
               AND ($3 IS NULL OR c.department = $3)
             ORDER BY c.department, c.item_code, c.id",
        )
        .bind(from)
        .bind(until)
        .bind(department)
        .fetch_all(&self.read)
        .await?;
        Ok(rows)
    }

    /// The open cases (not completed, previews left out) due before `today` (`YYYY-MM-DD`,
    /// compared as text, as the inbox marks them), counted per department; a department with
    /// none is not listed. Read for the `yiwang_cases_overdue` gauge each time `/metrics` is
    /// scraped.
    pub async fn overdue_open_cases_by_department(
        &self,
        today: &str,
    ) -> anyhow::Result<Vec<(String, i64)>> {
        let rows = sqlx::query_as(
            "SELECT department, COUNT(*) AS overdue
             FROM cases
             WHERE completed_at IS NULL AND preview = 0 AND due_date < $1
             GROUP BY department
             ORDER BY department",
        )
        .bind(today)
        .fetch_all(&self.read)
        .await?;
        Ok(rows)
    }

    /// The events of the same cases as [`Storage::cases_submitted_between`], in order per case.
    pub async fn events_of_cases_submitted_between(
        &self,
        from: &str,
        until: &str,
        department: Option<&str>,
    ) -> anyhow::Result<Vec<StatsEventRow>> {
        let rows = sqlx::query_as(
            "SELECT e.case_id, e.to_state, e.at
             FROM case_events e JOIN cases c ON c.id = e.case_id
             WHERE c.submitted_at >= $1 AND c.submitted_at < $2 AND c.preview = 0
               AND ($3 IS NULL OR c.department = $3)
             ORDER BY e.case_id, e.seq",
        )
        .bind(from)
        .bind(until)
        .bind(department)
        .fetch_all(&self.read)
        .await?;
        Ok(rows)
    }
}
