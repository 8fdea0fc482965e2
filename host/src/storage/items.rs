//! Item versions (immutable, content-addressed) and which version of each item is current.

use super::{Storage, now_text};

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct ItemRow {
    pub code: String,
    pub department: String,
    pub current_sha256: String,
    pub enabled: i64,
}

impl Storage {
    /// Records a version; recording the same content again changes nothing.
    pub async fn record_item_version(
        &self,
        sha256: &str,
        item: (&str, &str, &str),
        info_json: &str,
        size_bytes: i64,
        uploaded_by: &str,
    ) -> anyhow::Result<()> {
        let (code, version, department) = item;
        sqlx::query(
            "INSERT INTO item_versions (sha256, item_code, version, department, info, size_bytes, uploaded_by, created_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (sha256) DO NOTHING",
        )
        .bind(sha256)
        .bind(code)
        .bind(version)
        .bind(department)
        .bind(info_json)
        .bind(size_bytes)
        .bind(uploaded_by)
        .bind(now_text())
        .execute(&self.write)
        .await?;
        Ok(())
    }

    /// Makes `sha256` the current version of the item.
    pub async fn put_item(
        &self,
        code: &str,
        department: &str,
        sha256: &str,
        enabled: bool,
    ) -> anyhow::Result<()> {
        sqlx::query(
            "INSERT INTO items (code, department, current_sha256, enabled, updated_at) VALUES ($1, $2, $3, $4, $5)
             ON CONFLICT (code) DO UPDATE SET department = excluded.department,
             current_sha256 = excluded.current_sha256, enabled = excluded.enabled, updated_at = excluded.updated_at",
        )
        .bind(code)
        .bind(department)
        .bind(sha256)
        .bind(enabled as i64)
        .bind(now_text())
        .execute(&self.write)
        .await?;
        Ok(())
    }

    pub async fn item(&self, code: &str) -> anyhow::Result<Option<ItemRow>> {
        Ok(sqlx::query_as(
            "SELECT code, department, current_sha256, enabled FROM items WHERE code = $1",
        )
        .bind(code)
        .fetch_optional(&self.read)
        .await?)
    }

    /// The item code a stored version belongs to.
    pub async fn item_version_code(&self, sha256: &str) -> anyhow::Result<Option<String>> {
        let row: Option<(String,)> =
            sqlx::query_as("SELECT item_code FROM item_versions WHERE sha256 = $1")
                .bind(sha256)
                .fetch_optional(&self.read)
                .await?;
        Ok(row.map(|(code,)| code))
    }
}
