//! Departments and the keys their uploads are signed with.

use super::audit::{self, NewAudit};
use super::{Storage, now_text};

impl Storage {
    /// Adds a department or renames it; with `public_key`, also (re)sets the key its uploads must
    /// be signed with. Audited as `department.put` by `actor`.
    pub async fn upsert_department(
        &self,
        code: &str,
        name: &str,
        public_key: Option<&str>,
        actor: &str,
    ) -> anyhow::Result<()> {
        let mut tx = self.write.begin().await?;
        sqlx::query(
            "INSERT INTO departments (code, name, public_key, created_at) VALUES ($1, $2, $3, $4)
             ON CONFLICT (code) DO UPDATE SET name = excluded.name,
             public_key = COALESCE(excluded.public_key, departments.public_key)",
        )
        .bind(code)
        .bind(name)
        .bind(public_key)
        .bind(now_text())
        .execute(&mut *tx)
        .await?;
        let detail = match public_key {
            Some(_) => format!("{name}; signing key set"),
            None => name.to_string(),
        };
        let entry = NewAudit {
            actor,
            action: "department.put",
            target: code,
            detail: &detail,
        };
        audit::append_in(&mut tx, &entry).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Every department's signing key, as `(code, SPKI PEM)`; departments without one are left out.
    pub async fn department_keys(&self) -> anyhow::Result<Vec<(String, String)>> {
        Ok(sqlx::query_as(
            "SELECT code, public_key FROM departments WHERE public_key IS NOT NULL ORDER BY code",
        )
        .fetch_all(&self.read)
        .await?)
    }
}
