//! Item versions (immutable, content-addressed) and which version of each item is current.

use super::audit::{self, NewAudit};
use super::{Storage, now_text};

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct ItemRow {
    pub code: String,
    pub department: String,
    pub current_sha256: String,
    pub enabled: i64,
}

impl Storage {
    /// Records a version; recording the same content again changes nothing, and other content
    /// under a recorded version number is refused.
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
        .await
        .map_err(|e| {
            // A version is immutable: the same number with other content is a mistake to name plainly.
            if super::is_unique_violation(&e) {
                anyhow::anyhow!(
                    "{code}@{version} is already recorded with different content; a changed build needs a higher version"
                )
            } else {
                e.into()
            }
        })?;
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

    /// Switches an item on or off, with its audit entry (`item.enable` or `item.disable` by
    /// `actor`), in one transaction. False when the item has no row: nothing is written then.
    pub async fn set_item_enabled(
        &self,
        code: &str,
        enabled: bool,
        actor: &str,
        detail: &str,
    ) -> anyhow::Result<bool> {
        let mut tx = self.write.begin().await?;
        let updated = sqlx::query("UPDATE items SET enabled = $1, updated_at = $2 WHERE code = $3")
            .bind(enabled as i64)
            .bind(now_text())
            .bind(code)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        if updated == 0 {
            return Ok(false);
        }
        let entry = NewAudit {
            actor,
            action: if enabled {
                "item.enable"
            } else {
                "item.disable"
            },
            target: code,
            detail,
        };
        audit::append_in(&mut tx, &entry).await?;
        tx.commit().await?;
        Ok(true)
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::storage::tests::temp_storage;

    const SHA: &str = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";

    /// `(actor, action, target, detail)` of every audit entry, oldest first.
    async fn audit(storage: &Storage) -> Vec<(String, String, String, String)> {
        sqlx::query_as("SELECT actor, action, target, detail FROM audit_log ORDER BY id")
            .fetch_all(&storage.read)
            .await
            .unwrap()
    }

    #[tokio::test]
    async fn switching_an_item_off_and_on_stores_it_with_an_audit_entry_each_time() {
        let (_dir, storage) = temp_storage().await;
        storage
            .record_item_version(SHA, ("some-item", "1.0.0", "dept"), "{}", 1, "test")
            .await
            .unwrap();
        storage
            .put_item("some-item", "dept", SHA, true)
            .await
            .unwrap();

        assert!(
            storage
                .set_item_enabled("some-item", false, "admin:1", "off")
                .await
                .unwrap()
        );
        assert_eq!(storage.item("some-item").await.unwrap().unwrap().enabled, 0);
        assert!(
            storage
                .set_item_enabled("some-item", true, "admin:1", "on")
                .await
                .unwrap()
        );
        let row = storage.item("some-item").await.unwrap().unwrap();
        assert_eq!((row.enabled, row.current_sha256.as_str()), (1, SHA));
        let entries: Vec<(String, String, String, String)> = [
            ("admin:1", "item.disable", "some-item", "off"),
            ("admin:1", "item.enable", "some-item", "on"),
        ]
        .iter()
        .map(|(a, b, c, d)| (a.to_string(), b.to_string(), c.to_string(), d.to_string()))
        .collect();
        assert_eq!(audit(&storage).await, entries);
    }

    #[tokio::test]
    async fn switching_an_unknown_item_writes_nothing() {
        let (_dir, storage) = temp_storage().await;
        let found = storage
            .set_item_enabled("no-such-item", false, "admin:1", "off")
            .await
            .unwrap();
        assert!(!found);
        assert!(audit(&storage).await.is_empty());
    }
}
