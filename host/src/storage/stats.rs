//! Satisfaction ratings and the rows the statistics are computed from. The computing itself is
//! `domain::stats`; here are only the queries.

use super::{Storage, now_text};

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
    /// Stores a case's rating; `false` when the case was already rated (nothing is changed).
    pub async fn insert_rating(
        &self,
        case_id: i64,
        score: i64,
        comment: Option<&str>,
    ) -> anyhow::Result<bool> {
        let done = sqlx::query(
            "INSERT INTO ratings (case_id, score, comment, at) VALUES ($1, $2, $3, $4)
             ON CONFLICT (case_id) DO NOTHING",
        )
        .bind(case_id)
        .bind(score)
        .bind(comment)
        .bind(now_text())
        .execute(&self.write)
        .await?;
        Ok(done.rows_affected() == 1)
    }

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
