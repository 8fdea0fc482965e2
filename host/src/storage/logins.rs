//! Failed-login bookkeeping for the login throttle (auth/throttle.rs decides; this only counts).

use super::statements::Statements;
use super::{Storage, now_text};

impl Storage {
    /// Failures counted for `login` and until when it is locked, if anything is recorded.
    pub async fn login_attempts(
        &self,
        login: &str,
    ) -> anyhow::Result<Option<(i64, Option<String>)>> {
        Ok(
            sqlx::query_as("SELECT failures, locked_until FROM login_attempts WHERE login = $1")
                .bind(login)
                .fetch_optional(&mut *self.reader().await?)
                .await?,
        )
    }

    /// Counts one more failure; returns the new count.
    pub async fn record_login_failure(&self, login: &str) -> anyhow::Result<i64> {
        let (failures,): (i64,) = sqlx::query_as(
            "INSERT INTO login_attempts (login, failures, locked_until, updated_at) VALUES ($1, 1, NULL, $2)
             ON CONFLICT (login) DO UPDATE SET failures = login_attempts.failures + 1, updated_at = excluded.updated_at
             RETURNING failures",
        )
        .bind(login)
        .bind(now_text())
        .fetch_one(&self.write)
        .await?;
        Ok(failures)
    }

    /// Locks `login` until `until` and starts counting afresh after it.
    pub async fn lock_login(&self, login: &str, until: &str) -> anyhow::Result<()> {
        sqlx::query("UPDATE login_attempts SET failures = 0, locked_until = $2, updated_at = $3 WHERE login = $1")
            .bind(login)
            .bind(until)
            .bind(now_text())
            .execute(&self.write)
            .await?;
        Ok(())
    }

    /// Forgets the failures of `login` (after a successful login).
    pub async fn clear_login_failures(&self, login: &str) -> anyhow::Result<()> {
        let mut statements = Statements::default();
        statements.push(
            "DELETE FROM login_attempts WHERE login = $1",
            vec![login.into()],
        );
        self.commits.write(statements).await
    }
}
