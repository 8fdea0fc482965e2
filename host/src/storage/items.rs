//! Items and their versions: immutable, content-addressed versions with their component bytes,
//! which version of each item is published, the publication history a rollback walks back, and
//! the grants and limits an admin gave each item. Every change is committed with its audit entry.

use sqlx::{AnyConnection, Database, Postgres};

use super::audit::{self, NewAudit};
use super::{Storage, now_text};

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct ItemRow {
    pub code: String,
    pub department: String,
    /// None until a first version is published.
    pub current_sha256: Option<String>,
    pub enabled: i64,
    /// JSON of the admin's grants and limits (`{}`: the defaults).
    pub grants: String,
    pub limits: String,
    /// Hash of the `plugins.toml` entry last applied, for items the file manages.
    pub file_entry: Option<String>,
    pub updated_at: String,
}

/// A stored version, without its bytes.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct VersionRow {
    pub sha256: String,
    pub item_code: String,
    pub version: String,
    pub department: String,
    pub info: String,
    pub size_bytes: i64,
    pub uploaded_by: String,
    pub created_at: String,
}

/// A version to store, with its component bytes.
pub struct NewVersion<'a> {
    pub sha256: &'a str,
    pub item_code: &'a str,
    pub version: &'a str,
    pub department: &'a str,
    pub info_json: &'a str,
    pub bytes: &'a [u8],
    pub uploaded_by: &'a str,
    pub signature: Option<&'a str>,
}

/// What an item change writes besides itself.
pub struct Change<'a> {
    pub actor: &'a str,
    pub detail: &'a str,
}

/// The PostgreSQL channel item changes are announced on; the payload is the item's code.
pub const ITEM_CHANGES_CHANNEL: &str = "yiwang_items";

const ITEM_COLUMNS: &str =
    "code, department, current_sha256, enabled, grants, limits, file_entry, updated_at";

/// The version number is taken, by other content.
#[derive(Debug, thiserror::Error)]
#[error(
    "{item}@{version} is already recorded with different content; a changed build needs a higher version"
)]
pub struct VersionTaken {
    pub item: String,
    pub version: String,
}

/// Records a version and its bytes inside the caller's transaction. The same content again
/// changes nothing; other content under a recorded version number is [`VersionTaken`].
async fn insert_version(conn: &mut AnyConnection, v: &NewVersion<'_>) -> anyhow::Result<()> {
    let now = now_text();
    sqlx::query(
        "INSERT INTO components (sha256, bytes, created_at) VALUES ($1, $2, $3) ON CONFLICT (sha256) DO NOTHING",
    )
    .bind(v.sha256)
    .bind(v.bytes.to_vec())
    .bind(&now)
    .execute(&mut *conn)
    .await?;
    let taken: Option<(String,)> =
        sqlx::query_as("SELECT sha256 FROM item_versions WHERE item_code = $1 AND version = $2")
            .bind(v.item_code)
            .bind(v.version)
            .fetch_optional(&mut *conn)
            .await?;
    match taken {
        Some((sha,)) if sha == v.sha256 => return Ok(()),
        Some(_) => {
            return Err(VersionTaken {
                item: v.item_code.into(),
                version: v.version.into(),
            }
            .into());
        }
        None => {}
    }
    sqlx::query(
        "INSERT INTO item_versions (sha256, item_code, version, department, info, size_bytes, uploaded_by, signature, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT (sha256) DO NOTHING",
    )
    .bind(v.sha256)
    .bind(v.item_code)
    .bind(v.version)
    .bind(v.department)
    .bind(v.info_json)
    .bind(v.bytes.len() as i64)
    .bind(v.uploaded_by)
    .bind(v.signature)
    .bind(&now)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Makes `sha256` the item's current version, with a publication row.
async fn publish_in(
    conn: &mut AnyConnection,
    code: &str,
    sha256: &str,
    actor: &str,
) -> anyhow::Result<()> {
    let now = now_text();
    sqlx::query("UPDATE items SET current_sha256 = $1, updated_at = $2 WHERE code = $3")
        .bind(sha256)
        .bind(&now)
        .bind(code)
        .execute(&mut *conn)
        .await?;
    sqlx::query(
        "INSERT INTO item_publications (item_code, sha256, published_by, published_at) VALUES ($1, $2, $3, $4)",
    )
    .bind(code)
    .bind(sha256)
    .bind(actor)
    .bind(&now)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Audits an item change and, on PostgreSQL, tells every host of the deployment (the
/// notification is delivered when the transaction commits, and not if it does not).
async fn audit_in(
    conn: &mut AnyConnection,
    action: &str,
    target: &str,
    change: &Change<'_>,
) -> anyhow::Result<()> {
    if conn.backend_name() == Postgres::NAME {
        sqlx::query("SELECT pg_notify($1, $2)")
            .bind(ITEM_CHANGES_CHANNEL)
            .bind(target)
            .execute(&mut *conn)
            .await?;
    }
    let entry = NewAudit {
        actor: change.actor,
        action,
        target,
        detail: change.detail,
    };
    audit::append_in(conn, &entry).await
}

/// The one item setting an update changes.
enum ItemColumn<'a> {
    Enabled(bool),
    Grants(&'a str),
    Limits(&'a str),
}

/// How a rollback ended.
pub enum RolledBack {
    /// The item's current version is now this one.
    To(String),
    /// There is no earlier publication to go back to.
    NoPrevious,
}

impl Storage {
    /// Registers an item for a department, disabled and without a version. False (and nothing
    /// written) when the code is taken.
    pub async fn register_item(
        &self,
        code: &str,
        department: &str,
        change: &Change<'_>,
    ) -> anyhow::Result<bool> {
        let mut tx = self.write.begin().await?;
        let inserted = sqlx::query(
            "INSERT INTO items (code, department, current_sha256, enabled, updated_at) VALUES ($1, $2, NULL, 0, $3)
             ON CONFLICT (code) DO NOTHING",
        )
        .bind(code)
        .bind(department)
        .bind(now_text())
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if inserted == 0 {
            return Ok(false);
        }
        audit_in(&mut tx, "item.register", code, change).await?;
        tx.commit().await?;
        Ok(true)
    }

    /// Stores an uploaded version with its audit entry (`version.upload`).
    pub async fn store_version(
        &self,
        version: &NewVersion<'_>,
        change: &Change<'_>,
    ) -> anyhow::Result<()> {
        let mut tx = self.write.begin().await?;
        insert_version(&mut tx, version).await?;
        audit_in(&mut tx, "version.upload", version.item_code, change).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Applies a `plugins.toml` entry: records its version, makes it current (a publication when
    /// it changed), and sets the flag, grants and limits the file gives, with an audit entry
    /// (`item.file_apply`).
    pub async fn apply_file_entry(
        &self,
        version: &NewVersion<'_>,
        settings: (bool, &str, &str),
        entry_hash: &str,
        change: &Change<'_>,
    ) -> anyhow::Result<()> {
        let (enabled, grants, limits) = settings;
        let mut tx = self.write.begin().await?;
        insert_version(&mut tx, version).await?;
        let current: Option<(Option<String>,)> =
            sqlx::query_as("SELECT current_sha256 FROM items WHERE code = $1")
                .bind(version.item_code)
                .fetch_optional(&mut *tx)
                .await?;
        sqlx::query(
            "INSERT INTO items (code, department, current_sha256, enabled, grants, limits, file_entry, updated_at)
             VALUES ($1, $2, NULL, $3, $4, $5, $6, $7)
             ON CONFLICT (code) DO UPDATE SET department = excluded.department, enabled = excluded.enabled,
             grants = excluded.grants, limits = excluded.limits, file_entry = excluded.file_entry,
             updated_at = excluded.updated_at",
        )
        .bind(version.item_code)
        .bind(version.department)
        .bind(enabled as i64)
        .bind(grants)
        .bind(limits)
        .bind(entry_hash)
        .bind(now_text())
        .execute(&mut *tx)
        .await?;
        if current.and_then(|(sha,)| sha).as_deref() != Some(version.sha256) {
            publish_in(&mut tx, version.item_code, version.sha256, change.actor).await?;
        }
        audit_in(&mut tx, "item.file_apply", version.item_code, change).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Publishes a stored version (`item.publish`).
    pub async fn publish_version(
        &self,
        code: &str,
        sha256: &str,
        change: &Change<'_>,
    ) -> anyhow::Result<()> {
        let mut tx = self.write.begin().await?;
        publish_in(&mut tx, code, sha256, change.actor).await?;
        audit_in(&mut tx, "item.publish", code, change).await?;
        tx.commit().await?;
        Ok(())
    }

    /// The version published before the current one, which a rollback would go back to.
    pub async fn previous_publication(&self, code: &str) -> anyhow::Result<Option<String>> {
        let newest: Vec<(String,)> = sqlx::query_as(
            "SELECT sha256 FROM item_publications WHERE item_code = $1 AND withdrawn_at IS NULL
             ORDER BY id DESC LIMIT 2",
        )
        .bind(code)
        .fetch_all(&mut *self.reader().await?)
        .await?;
        Ok(newest.into_iter().nth(1).map(|(sha,)| sha))
    }

    /// Withdraws the newest publication and makes the one before it current again
    /// (`item.rollback`). The detail is completed with the version gone back to.
    pub async fn rollback_item(
        &self,
        code: &str,
        change: &Change<'_>,
    ) -> anyhow::Result<RolledBack> {
        let mut tx = self.write.begin().await?;
        let newest: Vec<(i64, String)> = sqlx::query_as(
            "SELECT id, sha256 FROM item_publications WHERE item_code = $1 AND withdrawn_at IS NULL
             ORDER BY id DESC LIMIT 2",
        )
        .bind(code)
        .fetch_all(&mut *tx)
        .await?;
        let [(newest_id, _), (_, previous)] = newest.as_slice() else {
            return Ok(RolledBack::NoPrevious);
        };
        let now = now_text();
        sqlx::query("UPDATE item_publications SET withdrawn_at = $1 WHERE id = $2")
            .bind(&now)
            .bind(newest_id)
            .execute(&mut *tx)
            .await?;
        sqlx::query("UPDATE items SET current_sha256 = $1, updated_at = $2 WHERE code = $3")
            .bind(previous)
            .bind(&now)
            .bind(code)
            .execute(&mut *tx)
            .await?;
        audit_in(&mut tx, "item.rollback", code, change).await?;
        tx.commit().await?;
        Ok(RolledBack::To(previous.clone()))
    }

    /// Switches an item on or off (`item.enable` / `item.disable`). False when the item has no
    /// row: nothing is written then.
    pub async fn set_item_enabled(
        &self,
        code: &str,
        enabled: bool,
        change: &Change<'_>,
    ) -> anyhow::Result<bool> {
        let action = if enabled {
            "item.enable"
        } else {
            "item.disable"
        };
        self.update_item(code, ItemColumn::Enabled(enabled), action, change)
            .await
    }

    /// Replaces an item's grants (`item.grants`), as JSON.
    pub async fn set_item_grants(
        &self,
        code: &str,
        json: &str,
        change: &Change<'_>,
    ) -> anyhow::Result<bool> {
        self.update_item(code, ItemColumn::Grants(json), "item.grants", change)
            .await
    }

    /// Replaces an item's limits (`item.limits`), as JSON.
    pub async fn set_item_limits(
        &self,
        code: &str,
        json: &str,
        change: &Change<'_>,
    ) -> anyhow::Result<bool> {
        self.update_item(code, ItemColumn::Limits(json), "item.limits", change)
            .await
    }

    async fn update_item(
        &self,
        code: &str,
        value: ItemColumn<'_>,
        action: &str,
        change: &Change<'_>,
    ) -> anyhow::Result<bool> {
        let mut tx = self.write.begin().await?;
        let query = match value {
            ItemColumn::Enabled(on) => {
                sqlx::query("UPDATE items SET enabled = $1, updated_at = $2 WHERE code = $3")
                    .bind(on as i64)
            }
            ItemColumn::Grants(json) => {
                sqlx::query("UPDATE items SET grants = $1, updated_at = $2 WHERE code = $3")
                    .bind(json)
            }
            ItemColumn::Limits(json) => {
                sqlx::query("UPDATE items SET limits = $1, updated_at = $2 WHERE code = $3")
                    .bind(json)
            }
        };
        let updated = query
            .bind(now_text())
            .bind(code)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        if updated == 0 {
            return Ok(false);
        }
        audit_in(&mut tx, action, code, change).await?;
        tx.commit().await?;
        Ok(true)
    }

    pub async fn item(&self, code: &str) -> anyhow::Result<Option<ItemRow>> {
        Ok(
            sqlx::query_as(&format!("SELECT {ITEM_COLUMNS} FROM items WHERE code = $1"))
                .bind(code)
                .fetch_optional(&mut *self.reader().await?)
                .await?,
        )
    }

    pub async fn items(&self) -> anyhow::Result<Vec<ItemRow>> {
        Ok(
            sqlx::query_as(&format!("SELECT {ITEM_COLUMNS} FROM items ORDER BY code"))
                .fetch_all(&mut *self.reader().await?)
                .await?,
        )
    }

    /// Every version of an item, newest upload first.
    pub async fn item_versions(&self, code: &str) -> anyhow::Result<Vec<VersionRow>> {
        Ok(sqlx::query_as(
            "SELECT sha256, item_code, version, department, info, size_bytes, uploaded_by, created_at
             FROM item_versions WHERE item_code = $1 ORDER BY created_at DESC, version DESC",
        )
        .bind(code)
        .fetch_all(&mut *self.reader().await?)
        .await?)
    }

    /// The component bytes of a stored version.
    pub async fn component_bytes(&self, sha256: &str) -> anyhow::Result<Option<Vec<u8>>> {
        let row: Option<(Vec<u8>,)> =
            sqlx::query_as("SELECT bytes FROM components WHERE sha256 = $1")
                .bind(sha256)
                .fetch_optional(&mut *self.reader().await?)
                .await?;
        Ok(row.map(|(bytes,)| bytes))
    }

    /// The catalog entry (JSON) a version was stored with, checked when it was stored.
    pub async fn version_info(&self, sha256: &str) -> anyhow::Result<Option<String>> {
        let row: Option<(String,)> =
            sqlx::query_as("SELECT info FROM item_versions WHERE sha256 = $1")
                .bind(sha256)
                .fetch_optional(&mut *self.reader().await?)
                .await?;
        Ok(row.map(|(info,)| info))
    }

    /// The item code a stored version belongs to.
    pub async fn item_version_code(&self, sha256: &str) -> anyhow::Result<Option<String>> {
        let row: Option<(String,)> =
            sqlx::query_as("SELECT item_code FROM item_versions WHERE sha256 = $1")
                .bind(sha256)
                .fetch_optional(&mut *self.reader().await?)
                .await?;
        Ok(row.map(|(code,)| code))
    }
}

#[cfg(test)]
mod tests;
