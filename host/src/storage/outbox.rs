//! The notification outbox as the dispatcher sees it: claim what is due under a lease, then mark
//! what was sent and schedule the next attempt of what was not. Rows are written with their case
//! (storage/case_writes.rs); claims and outcomes go through the group commit too.

use super::statements::{Arg, Statements};
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

/// What came of one attempt to deliver an outbox row.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DeliveryOutcome {
    Sent {
        id: i64,
        at: String,
    },
    /// Tried again at `retry_at`, or given up (`failed`) when `None`.
    Failed {
        id: i64,
        error: String,
        retry_at: Option<String>,
    },
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
        let (now, lease_until) = (now.to_owned(), lease_until.to_owned());
        // In the group commit, as the cases that wrote the rows are: the claim shares their
        // commit instead of taking the write connection for a transaction of its own.
        let mut rows: Vec<OutboxRow> = self
            .commits
            .run(move |conn| {
                Box::pin(async move {
                    Ok(sqlx::query_as(&sql)
                        .bind(&lease_until)
                        .bind(&now)
                        .bind(limit)
                        .fetch_all(&mut *conn)
                        .await?)
                })
            })
            .await?;
        rows.sort_by_key(|r| r.id);
        Ok(rows)
    }

    pub async fn recipient(&self, user_id: i64) -> anyhow::Result<Option<Recipient>> {
        Ok(
            sqlx::query_as("SELECT id, name, login FROM users WHERE id = $1")
                .bind(user_id)
                .fetch_optional(&mut *self.reader().await?)
                .await?,
        )
    }

    /// Records what came of the deliveries of one claim, all in one work of the group commit:
    /// each row sent, to be tried again, or given up.
    pub async fn record_deliveries(&self, outcomes: Vec<DeliveryOutcome>) -> anyhow::Result<()> {
        if outcomes.is_empty() {
            return Ok(());
        }
        let mut statements = Statements::default();
        for outcome in outcomes {
            match outcome {
                DeliveryOutcome::Sent { id, at } => statements.push(
                    "UPDATE outbox SET status = 'sent', sent_at = $2, locked_until = NULL, last_error = NULL WHERE id = $1",
                    vec![id.into(), at.into()],
                ),
                DeliveryOutcome::Failed { id, error, retry_at } => {
                    let status = if retry_at.is_some() { "pending" } else { "failed" };
                    statements.push(
                        "UPDATE outbox SET status = $2, next_attempt_at = $3, locked_until = NULL, last_error = $4 WHERE id = $1",
                        vec![id.into(), status.into(), Arg::Text(retry_at), error.into()],
                    );
                }
            }
        }
        self.commits.write(statements).await
    }
}
