//! The audit log: append-only and hash-chained, so that an edit, insertion or deletion behind the
//! host's back breaks the chain at that row.

use std::fmt;

use futures::TryStreamExt;
use sha2::{Digest, Sha256};
use sqlx::AnyConnection;

use super::{Backend, Storage, now_text};

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

/// What `yiwang audit verify` found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AuditReport {
    /// Every row hashes to its stored hash and links to the one before it.
    Intact { entries: u64 },
    /// The first row where the chain breaks, and how.
    Broken { id: i64, reason: ChainBreak },
}

impl AuditReport {
    pub fn is_intact(&self) -> bool {
        matches!(self, AuditReport::Intact { .. })
    }
}

/// The verdict as `yiwang audit verify` prints it.
impl fmt::Display for AuditReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AuditReport::Intact { entries } => write!(f, "audit log intact: {entries} entries"),
            AuditReport::Broken { id, reason } => {
                write!(f, "audit log broken at entry {id}: {reason}")
            }
        }
    }
}

/// How the chain breaks at a row.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ChainBreak {
    /// The row's fields no longer hash to its stored hash: it was altered.
    Altered,
    /// The row's `prev_hash` is not the hash of the row before it: a row was inserted here, or
    /// the one before it was replaced.
    Unlinked,
    /// Ids jump from `previous` (0: the start) to this row: the rows between were deleted. Ids
    /// are never reused, and on SQLite a rolled-back append takes its id back; on PostgreSQL a
    /// sequence value lost to a failed append would show here too, for the operator to explain.
    Gap { previous: i64 },
    /// The newest rows, from this id up to `last`, were deleted (the id sequence went further
    /// than the rows that are left). Checked on SQLite, whose sequence lives in `sqlite_sequence`.
    Truncated { last: i64 },
}

impl fmt::Display for ChainBreak {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ChainBreak::Altered => write!(f, "altered: its fields do not match its hash"),
            ChainBreak::Unlinked => write!(
                f,
                "inserted or replaced: it does not chain onto the entry before it"
            ),
            ChainBreak::Gap { previous: 0 } => {
                write!(f, "deleted: the entries before this one are missing")
            }
            ChainBreak::Gap { previous } => write!(
                f,
                "deleted: the entries after {previous} and before this one are missing"
            ),
            ChainBreak::Truncated { last } => {
                write!(f, "deleted: the newest entries, up to {last}, are missing")
            }
        }
    }
}

/// One entry to append.
pub struct NewAudit<'a> {
    pub actor: &'a str,
    pub action: &'a str,
    pub target: &'a str,
    pub detail: &'a str,
}

/// Appends an entry inside the caller's transaction, so that a change and its audit entry are
/// committed together; make it the transaction's last write. Appends are serialized (SQLite's one
/// write connection, a table lock on PostgreSQL), so each row chains onto the one before.
pub(super) async fn append_in(
    conn: &mut AnyConnection,
    entry: &NewAudit<'_>,
) -> anyhow::Result<()> {
    super::lock_audit_log(conn).await?;
    let prev: Option<(String,)> =
        sqlx::query_as("SELECT hash FROM audit_log ORDER BY id DESC LIMIT 1")
            .fetch_optional(&mut *conn)
            .await?;
    let prev_hash = prev.map(|(h,)| h).unwrap_or_else(|| GENESIS.to_string());
    let at = now_text();
    let NewAudit {
        actor,
        action,
        target,
        detail,
    } = *entry;
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
    .execute(&mut *conn)
    .await?;
    Ok(())
}

impl Storage {
    /// Appends an entry in the next group commit (`commit.rs`).
    pub async fn append_audit(
        &self,
        actor: &str,
        action: &str,
        target: &str,
        detail: &str,
    ) -> anyhow::Result<()> {
        let (actor, action, target, detail) = (
            actor.to_string(),
            action.to_string(),
            target.to_string(),
            detail.to_string(),
        );
        self.commits
            .run(move |conn| {
                Box::pin(async move {
                    let entry = NewAudit {
                        actor: &actor,
                        action: &action,
                        target: &target,
                        detail: &detail,
                    };
                    append_in(conn, &entry).await
                })
            })
            .await
    }

    /// The newest entries first.
    pub async fn audit_entries(&self, limit: i64) -> anyhow::Result<Vec<AuditRow>> {
        Ok(sqlx::query_as(
            "SELECT id, at, actor, action, target, detail, prev_hash, hash FROM audit_log ORDER BY id DESC LIMIT $1",
        )
        .bind(limit)
        .fetch_all(&mut *self.reader().await?)
        .await?)
    }

    /// Walks the chain in id order, recomputing each row's hash from its fields and the previous
    /// row's hash, and reports the first row where it breaks. Rows are streamed, not collected.
    ///
    /// What a hash chain cannot see: a rewrite that recomputes every hash after the edited row
    /// (and, outside SQLite, deleting the newest rows). An anchor kept elsewhere would.
    pub async fn verify_audit(&self) -> anyhow::Result<AuditReport> {
        let mut reader = self.reader().await?;
        let mut rows = sqlx::query_as::<_, AuditRow>(
            "SELECT id, at, actor, action, target, detail, prev_hash, hash FROM audit_log ORDER BY id",
        )
        .fetch(&mut *reader);
        let mut entries = 0u64;
        // The id and hash of the row before; the chain starts at id 0 with the genesis hash.
        let mut previous: (i64, String) = (0, GENESIS.to_string());
        while let Some(row) = rows.try_next().await? {
            if let Some(reason) = chain_break(&previous, &row) {
                return Ok(AuditReport::Broken { id: row.id, reason });
            }
            entries += 1;
            previous = (row.id, row.hash);
        }
        drop(rows);
        drop(reader);
        if let Some(last) = self.audit_last_id().await?
            && last > previous.0
        {
            return Ok(AuditReport::Broken {
                id: previous.0 + 1,
                reason: ChainBreak::Truncated { last },
            });
        }
        Ok(AuditReport::Intact { entries })
    }

    /// The last id the audit log's sequence handed out, where the backend keeps it apart from
    /// the rows (SQLite's AUTOINCREMENT). Not asked of PostgreSQL: its sequences also move on
    /// for rolled-back inserts.
    async fn audit_last_id(&self) -> anyhow::Result<Option<i64>> {
        if self.backend != Backend::Sqlite {
            return Ok(None);
        }
        let seq: Option<(i64,)> =
            sqlx::query_as("SELECT seq FROM sqlite_sequence WHERE name = 'audit_log'")
                .fetch_optional(&mut *self.reader().await?)
                .await?;
        Ok(seq.map(|(seq,)| seq))
    }
}

/// Why `row` does not follow `previous` (id, hash), if it does not. A gap is named before a broken
/// link, since a deletion causes both and "deleted" is the truer report.
fn chain_break(previous: &(i64, String), row: &AuditRow) -> Option<ChainBreak> {
    let (previous_id, previous_hash) = previous;
    if row.id != previous_id + 1 {
        return Some(ChainBreak::Gap {
            previous: *previous_id,
        });
    }
    if row.prev_hash != *previous_hash {
        return Some(ChainBreak::Unlinked);
    }
    let hash = audit_hash(
        &row.prev_hash,
        &row.at,
        &row.actor,
        &row.action,
        &row.target,
        &row.detail,
    );
    (hash != row.hash).then_some(ChainBreak::Altered)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::storage::tests::temp_storage;

    /// A storage with `n` audit entries, ids 1..=n.
    async fn with_entries(n: usize) -> (tempfile::TempDir, Storage) {
        let (dir, storage) = temp_storage().await;
        for i in 1..=n {
            storage
                .append_audit(
                    "admin:1",
                    "item.disable",
                    "some-item",
                    &format!("entry {i}"),
                )
                .await
                .unwrap();
        }
        (dir, storage)
    }

    async fn execute(storage: &Storage, sql: &str) {
        sqlx::query(sql).execute(&storage.write).await.unwrap();
    }

    #[tokio::test]
    async fn an_untouched_log_is_intact_and_counts_its_entries() {
        let (_dir, empty) = temp_storage().await;
        assert_eq!(
            empty.verify_audit().await.unwrap(),
            AuditReport::Intact { entries: 0 }
        );
        let (_dir, storage) = with_entries(4).await;
        assert_eq!(
            storage.verify_audit().await.unwrap(),
            AuditReport::Intact { entries: 4 }
        );
    }

    #[tokio::test]
    async fn an_altered_field_breaks_the_chain_at_that_row() {
        let (_dir, storage) = with_entries(4).await;
        execute(
            &storage,
            "UPDATE audit_log SET detail = 'nothing happened' WHERE id = 2",
        )
        .await;
        assert_eq!(
            storage.verify_audit().await.unwrap(),
            AuditReport::Broken {
                id: 2,
                reason: ChainBreak::Altered
            }
        );
    }

    #[tokio::test]
    async fn a_deleted_row_breaks_the_chain_at_the_row_after_it() {
        let (_dir, storage) = with_entries(4).await;
        execute(&storage, "DELETE FROM audit_log WHERE id = 2").await;
        assert_eq!(
            storage.verify_audit().await.unwrap(),
            AuditReport::Broken {
                id: 3,
                reason: ChainBreak::Gap { previous: 1 }
            }
        );
    }

    #[tokio::test]
    async fn deleting_the_first_row_is_seen_at_the_new_first_row() {
        let (_dir, storage) = with_entries(3).await;
        execute(&storage, "DELETE FROM audit_log WHERE id = 1").await;
        let report = storage.verify_audit().await.unwrap();
        assert_eq!(
            report,
            AuditReport::Broken {
                id: 2,
                reason: ChainBreak::Gap { previous: 0 }
            }
        );
    }

    #[tokio::test]
    async fn deleting_the_newest_rows_is_seen_through_the_id_sequence() {
        let (_dir, storage) = with_entries(4).await;
        execute(&storage, "DELETE FROM audit_log WHERE id >= 3").await;
        assert_eq!(
            storage.verify_audit().await.unwrap(),
            AuditReport::Broken {
                id: 3,
                reason: ChainBreak::Truncated { last: 4 }
            }
        );
    }

    #[tokio::test]
    async fn an_inserted_row_that_hashes_right_but_does_not_link_breaks_the_chain_there() {
        // A replay: row 2 copied to the end has a hash that matches its own fields, but it
        // chains onto row 1, not onto row 3.
        let (_dir, storage) = with_entries(3).await;
        execute(
            &storage,
            "INSERT INTO audit_log (at, actor, action, target, detail, prev_hash, hash)
             SELECT at, actor, action, target, detail, prev_hash, hash FROM audit_log WHERE id = 2",
        )
        .await;
        assert_eq!(
            storage.verify_audit().await.unwrap(),
            AuditReport::Broken {
                id: 4,
                reason: ChainBreak::Unlinked
            }
        );
    }

    #[tokio::test]
    async fn a_forged_row_with_a_made_up_hash_breaks_the_chain_there() {
        let (_dir, storage) = with_entries(2).await;
        let (last_hash,): (String,) = sqlx::query_as("SELECT hash FROM audit_log WHERE id = 2")
            .fetch_one(&mut *storage.reader().await.unwrap())
            .await
            .unwrap();
        sqlx::query(
            "INSERT INTO audit_log (at, actor, action, target, detail, prev_hash, hash)
             VALUES ('2026-01-01T00:00:00.000Z', 'admin:1', 'item.enable', 'some-item', 'forged', $1, $2)",
        )
        .bind(&last_hash)
        .bind("f".repeat(64))
        .execute(&storage.write)
        .await
        .unwrap();
        assert_eq!(
            storage.verify_audit().await.unwrap(),
            AuditReport::Broken {
                id: 3,
                reason: ChainBreak::Altered
            }
        );
    }

    #[tokio::test]
    async fn entries_appended_in_a_shared_transaction_chain_like_the_others() {
        let (_dir, storage) = with_entries(1).await;
        let mut tx = storage.write.begin().await.unwrap();
        let entry = NewAudit {
            actor: "admin:1",
            action: "item.enable",
            target: "some-item",
            detail: "in a transaction",
        };
        append_in(&mut tx, &entry).await.unwrap();
        tx.commit().await.unwrap();
        storage.append_audit("system", "x", "y", "z").await.unwrap();
        assert_eq!(
            storage.verify_audit().await.unwrap(),
            AuditReport::Intact { entries: 3 }
        );
    }
}
