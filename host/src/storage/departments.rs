//! Departments and the keys their uploads are signed with.

use super::audit::{self, NewAudit};
use super::{Storage, now_text};

/// A department with its key and how many items and staff accounts it has.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct DepartmentRow {
    pub code: String,
    pub name: String,
    pub public_key: Option<String>,
    pub created_at: String,
    pub items: i64,
    pub staff: i64,
}

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
        audit_put(&mut tx, code, name, public_key, actor).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Adds a department, unless its code is taken (then `false`, nothing written). Audited as
    /// `department.put` by `actor`, in the same transaction.
    pub async fn add_department(
        &self,
        code: &str,
        name: &str,
        public_key: Option<&str>,
        actor: &str,
    ) -> anyhow::Result<bool> {
        let mut tx = self.write.begin().await?;
        let added = sqlx::query(
            "INSERT INTO departments (code, name, public_key, created_at) VALUES ($1, $2, $3, $4)
             ON CONFLICT (code) DO NOTHING",
        )
        .bind(code)
        .bind(name)
        .bind(public_key)
        .bind(now_text())
        .execute(&mut *tx)
        .await?
        .rows_affected()
            == 1;
        if !added {
            return Ok(false);
        }
        audit_put(&mut tx, code, name, public_key, actor).await?;
        tx.commit().await?;
        Ok(true)
    }

    /// Every department by code (or only `code`), with its item and staff counts.
    pub async fn departments(&self, code: Option<&str>) -> anyhow::Result<Vec<DepartmentRow>> {
        Ok(sqlx::query_as(
            "SELECT d.code, d.name, d.public_key, d.created_at,
                    (SELECT COUNT(*) FROM items i WHERE i.department = d.code) AS items,
                    (SELECT COUNT(*) FROM users u WHERE u.department = d.code) AS staff
             FROM departments d WHERE $1 IS NULL OR d.code = $1 ORDER BY d.code",
        )
        .bind(code)
        .fetch_all(&mut *self.reader().await?)
        .await?)
    }

    /// Every department's `(code, name)`, by code: what pages show people.
    pub async fn department_names(&self) -> anyhow::Result<Vec<(String, String)>> {
        Ok(
            sqlx::query_as("SELECT code, name FROM departments ORDER BY code")
                .fetch_all(&mut *self.reader().await?)
                .await?,
        )
    }

    /// Every department's signing key, as `(code, SPKI PEM)`; departments without one are left out.
    pub async fn department_keys(&self) -> anyhow::Result<Vec<(String, String)>> {
        Ok(sqlx::query_as(
            "SELECT code, public_key FROM departments WHERE public_key IS NOT NULL ORDER BY code",
        )
        .fetch_all(&mut *self.reader().await?)
        .await?)
    }
}

/// The `department.put` audit entry of a department written in `tx`.
async fn audit_put(
    conn: &mut sqlx::AnyConnection,
    code: &str,
    name: &str,
    public_key: Option<&str>,
    actor: &str,
) -> anyhow::Result<()> {
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
    audit::append_in(conn, &entry).await
}
