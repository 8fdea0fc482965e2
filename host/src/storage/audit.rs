//! The audit log: append-only and hash-chained, so that an edit, insertion or deletion behind the
//! host's back breaks the chain at that row.

use sha2::{Digest, Sha256};

use super::{Storage, now_text};

#[derive(Clone, Debug, sqlx::FromRow, serde::Serialize)]
pub struct AuditRow {
    pub id: i64,
    pub at: String,
    pub actor: String,
    pub action: String,
    pub target: String,
    pub detail: String,
    pub prev_hash: String,
    pub hash: String,
}

/// The hash of the chain's start.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// A row's hash: SHA-256 over its fields and the previous hash, each length-prefixed so that no
/// two different rows hash alike.
pub fn audit_hash(
    prev_hash: &str,
    at: &str,
    actor: &str,
    action: &str,
    target: &str,
    detail: &str,
) -> String {
    let mut hasher = Sha256::new();
    for field in [prev_hash, at, actor, action, target, detail] {
        hasher.update((field.len() as u64).to_be_bytes());
        hasher.update(field.as_bytes());
    }
    hex::encode(hasher.finalize())
}

impl Storage {
    /// Appends an entry. Appends are serialized by the write connection (SQLite), so each row
    /// chains onto the one before.
    pub async fn append_audit(
        &self,
        actor: &str,
        action: &str,
        target: &str,
        detail: &str,
    ) -> anyhow::Result<()> {
        let mut tx = self.write.begin().await?;
        let prev: Option<(String,)> =
            sqlx::query_as("SELECT hash FROM audit_log ORDER BY id DESC LIMIT 1")
                .fetch_optional(&mut *tx)
                .await?;
        let prev_hash = prev.map(|(h,)| h).unwrap_or_else(|| GENESIS.to_string());
        let at = now_text();
        let hash = audit_hash(&prev_hash, &at, actor, action, target, detail);
        sqlx::query(
            "INSERT INTO audit_log (at, actor, action, target, detail, prev_hash, hash) VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(&at)
        .bind(actor)
        .bind(action)
        .bind(target)
        .bind(detail)
        .bind(&prev_hash)
        .bind(&hash)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// The newest entries first.
    pub async fn audit_entries(&self, limit: i64) -> anyhow::Result<Vec<AuditRow>> {
        Ok(sqlx::query_as(
            "SELECT id, at, actor, action, target, detail, prev_hash, hash FROM audit_log ORDER BY id DESC LIMIT $1",
        )
        .bind(limit)
        .fetch_all(&self.read)
        .await?)
    }
}
