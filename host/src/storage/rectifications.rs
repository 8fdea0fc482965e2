//! 好差评: a rating with its evaluation indicators, the rectification a bad one opens in the
//! same transaction, the department's list of them, closing one with its measures and callback,
//! and the rectification rate the public statistics show.

use sqlx::FromRow;

use super::{Storage, now_text};

/// A rectification as its department sees it.
#[derive(Debug, Clone, FromRow, serde::Serialize, utoipa::ToSchema)]
pub struct RectificationRow {
    pub id: i64,
    pub number: String,
    pub item_code: String,
    pub department: String,
    pub score: i64,
    pub comment: Option<String>,
    pub opened_at: String,
    pub due_date: String,
    pub measures: Option<String>,
    pub callback: Option<String>,
    pub closed_at: Option<String>,
}

/// A bad rating's rectification to open with it: the department and its due date.
pub struct NewRectification<'a> {
    pub department: &'a str,
    pub due_date: &'a str,
}

const ROW: &str =
    "SELECT x.id, c.number, c.item_code, x.department, r.score, r.comment, x.opened_at,
        x.due_date, x.measures, x.callback, x.closed_at
     FROM rectifications x JOIN ratings r ON r.id = x.rating_id JOIN cases c ON c.id = x.case_id";

impl Storage {
    /// Stores a case's rating with its indicators (JSON object) and, for a bad one, opens its
    /// rectification, in one transaction; `false` when the case was already rated (nothing is
    /// changed).
    pub async fn insert_evaluation(
        &self,
        case_id: i64,
        score: i64,
        comment: Option<&str>,
        indicators: &str,
        rectification: Option<NewRectification<'_>>,
    ) -> anyhow::Result<bool> {
        let now = now_text();
        let mut tx = self.write.begin().await?;
        let rating: Option<(i64,)> = sqlx::query_as(
            "INSERT INTO ratings (case_id, score, comment, at, indicators) VALUES ($1, $2, $3, $4, $5)
             ON CONFLICT (case_id) DO NOTHING RETURNING id",
        )
        .bind(case_id)
        .bind(score)
        .bind(comment)
        .bind(&now)
        .bind(indicators)
        .fetch_optional(&mut *tx)
        .await?;
        let Some((rating_id,)) = rating else {
            return Ok(false);
        };
        if let Some(new) = rectification {
            sqlx::query(
                "INSERT INTO rectifications (rating_id, case_id, department, opened_at, due_date)
                 VALUES ($1, $2, $3, $4, $5)",
            )
            .bind(rating_id)
            .bind(case_id)
            .bind(new.department)
            .bind(&now)
            .bind(new.due_date)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(true)
    }

    /// A department's rectifications, open ones first, then by due date.
    pub async fn rectifications_of(
        &self,
        department: &str,
    ) -> anyhow::Result<Vec<RectificationRow>> {
        let sql = format!(
            "{ROW} WHERE x.department = $1
             ORDER BY CASE WHEN x.closed_at IS NULL THEN 0 ELSE 1 END, x.due_date, x.id"
        );
        Ok(sqlx::query_as(&sql)
            .bind(department)
            .fetch_all(&mut *self.reader().await?)
            .await?)
    }

    pub async fn rectification(&self, id: i64) -> anyhow::Result<Option<RectificationRow>> {
        let sql = format!("{ROW} WHERE x.id = $1");
        Ok(sqlx::query_as(&sql)
            .bind(id)
            .fetch_optional(&mut *self.reader().await?)
            .await?)
    }

    /// Closes an open rectification with its measures and callback; `false` when it was
    /// closed already (nothing is changed).
    pub async fn close_rectification(
        &self,
        id: i64,
        measures: &str,
        callback: &str,
        closed_by: i64,
    ) -> anyhow::Result<bool> {
        let done = sqlx::query(
            "UPDATE rectifications SET measures = $1, callback = $2, closed_by = $3, closed_at = $4
             WHERE id = $5 AND closed_at IS NULL",
        )
        .bind(measures)
        .bind(callback)
        .bind(closed_by)
        .bind(now_text())
        .bind(id)
        .execute(&self.write)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// `(opened, closed)` rectifications of all departments, for the public rate.
    pub async fn rectification_counts(&self) -> anyhow::Result<(i64, i64)> {
        Ok(
            sqlx::query_as("SELECT COUNT(*), COUNT(closed_at) FROM rectifications")
                .fetch_one(&mut *self.reader().await?)
                .await?,
        )
    }
}
