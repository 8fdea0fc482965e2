//! The notification outbox as the dispatcher sees it: claim what is due under a lease, then mark
//! it sent or schedule the next attempt. Rows are written with their case (storage/cases.rs).

use super::{Backend, Storage};

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct OutboxRow {
    pub id: i64,
    pub idempotency_key: String,
    pub recipient_id: i64,
    pub subject: String,
    pub body: String,
    /// Attempts including the one this claim starts.
    pub attempts: i64,
    pub created_at: String,
}

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct Recipient {
    pub id: i64,
    pub name: String,
    pub login: String,
}

impl Storage {
    /// Claims up to `limit` pending notifications that are due at `now` and not leased by another
    /// dispatcher: each gets a lease until `lease_until` and its attempt counted. A dispatcher that
    /// dies mid-delivery leaves the lease to run out, and the row is claimed again — delivered at
    /// least once, always with the same idempotency key.
    pub async fn claim_notifications(
        &self,
        now: &str,
        lease_until: &str,
        limit: i64,
    ) -> anyhow::Result<Vec<OutboxRow>> {
        // PostgreSQL: several hosts dispatch at once; SKIP LOCKED lets each take different rows.
        let lock = match self.backend() {
            Backend::Postgres => "FOR UPDATE SKIP LOCKED",
            Backend::Sqlite => "",
        };
        let sql = format!(
            "UPDATE outbox SET locked_until = $1, attempts = attempts + 1
             WHERE id IN (SELECT id FROM outbox
                          WHERE status = 'pending'
                            AND (next_attempt_at IS NULL OR next_attempt_at <= $2)
                            AND (locked_until IS NULL OR locked_until <= $2)
                          ORDER BY id LIMIT $3 {lock})
             RETURNING id, idempotency_key, recipient_id, subject, body, attempts, created_at"
        );
        let mut rows: Vec<OutboxRow> = sqlx::query_as(&sql)
            .bind(lease_until)
            .bind(now)
            .bind(limit)
            .fetch_all(&self.write)
            .await?;
        rows.sort_by_key(|r| r.id);
        Ok(rows)
    }

    pub async fn recipient(&self, user_id: i64) -> anyhow::Result<Option<Recipient>> {
        Ok(
            sqlx::query_as("SELECT id, name, login FROM users WHERE id = $1")
                .bind(user_id)
                .fetch_optional(&self.read)
                .await?,
        )
    }

    pub async fn notification_sent(&self, id: i64, now: &str) -> anyhow::Result<()> {
        sqlx::query(
            "UPDATE outbox SET status = 'sent', sent_at = $2, locked_until = NULL, last_error = NULL WHERE id = $1",
        )
        .bind(id)
        .bind(now)
        .execute(&self.write)
        .await?;
        Ok(())
    }

    /// Records a failed attempt: try again at `retry_at`, or give up (`failed`) when `None`.
    pub async fn notification_failed(
        &self,
        id: i64,
        error: &str,
        retry_at: Option<&str>,
    ) -> anyhow::Result<()> {
        let status = if retry_at.is_some() {
            "pending"
        } else {
            "failed"
        };
        sqlx::query(
            "UPDATE outbox SET status = $2, next_attempt_at = $3, locked_until = NULL, last_error = $4 WHERE id = $1",
        )
        .bind(id)
        .bind(status)
        .bind(retry_at)
        .bind(error)
        .execute(&self.write)
        .await?;
        Ok(())
    }
}
